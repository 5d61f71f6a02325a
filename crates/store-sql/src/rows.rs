//! Reading columns back into domain types. A value that does not parse is a corrupt row, reported
//! with the table and column.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;
use yiping_store::StoreError;

pub(crate) fn get<T>(row: &AnyRow, col: &str) -> Result<T, StoreError>
where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get::<T, _>(col)
        .map_err(|e| StoreError::corrupt(format!("列 {col}：{e}")))
}

pub(crate) fn parse<T, E: std::fmt::Display>(
    col: &str,
    raw: &str,
    r: Result<T, E>,
) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::corrupt(format!("列 {col} 的值“{raw}”：{e}")))
}

/// Timestamps are stored as RFC 3339 text in UTC with microseconds, which sorts as time.
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(col: &str, raw: &str) -> Result<DateTime<Utc>, StoreError> {
    parse(
        col,
        raw,
        DateTime::parse_from_rfc3339(raw).map(|t| t.with_timezone(&Utc)),
    )
}

pub(crate) fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_date(col: &str, raw: &str) -> Result<NaiveDate, StoreError> {
    parse(col, raw, NaiveDate::parse_from_str(raw, "%Y-%m-%d"))
}
