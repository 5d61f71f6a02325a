//! Validation findings and seasonal outlier flags ([`yiping_store::QualityStore`]): rows of
//! `validation_findings` and `outlier_flags` (migration 0014), upserted on their natural keys so
//! that a re-run keeps what people wrote. Numbers that may be missing and the chart's history
//! are JSON text (sqlx `Any` binds a NULL float badly on PostgreSQL, see the crate doc).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::any::AnyRow;
use yiping_kernel::{EntityId, IndicatorId, Period};
use yiping_store::{
    Finding, NewFinding, NewOutlierFlag, OutlierFlag, OutlierReview, QualityFilter, QualityStore,
    StoreError, StoreResult,
};

use crate::SqlStore;
use crate::args::{Arg, Sql};
use crate::errors::map_err;
use crate::rows::{get, parse, parse_ts, ts};

fn opt_ts(row: &AnyRow, col: &str) -> StoreResult<Option<DateTime<Utc>>> {
    get::<Option<String>>(row, col)?
        .map(|s| parse_ts(col, &s))
        .transpose()
}

fn period(row: &AnyRow) -> StoreResult<Period> {
    let raw: String = get(row, "period")?;
    parse("period", &raw, Period::parse_code(&raw))
}

fn json_f64(v: &serde_json::Value, key: &str) -> Option<f64> {
    v.get(key).and_then(serde_json::Value::as_f64)
}

fn finding(row: &AnyRow) -> StoreResult<Finding> {
    let raw: String = get(row, "numbers")?;
    let numbers: serde_json::Value = parse("numbers", &raw, serde_json::from_str(&raw))?;
    Ok(Finding {
        id: get(row, "id")?,
        data: NewFinding {
            rule: get(row, "rule")?,
            rule_name: get(row, "rule_name")?,
            importance: get(row, "importance")?,
            entity: EntityId(get(row, "entity_id")?),
            period: period(row)?,
            left: json_f64(&numbers, "left"),
            right: json_f64(&numbers, "right"),
            message: get(row, "message")?,
            found_at: parse_ts("found_at", &get::<String>(row, "found_at")?)?,
        },
        resolved: get::<i64>(row, "resolved")? != 0,
        follow_up: get::<i64>(row, "follow_up")? != 0,
        comment: get(row, "comment")?,
        updated_by: get(row, "updated_by")?,
        updated_at: opt_ts(row, "updated_at")?,
    })
}

fn flag(row: &AnyRow) -> StoreResult<OutlierFlag> {
    let raw: String = get(row, "detail")?;
    let detail: serde_json::Value = parse("detail", &raw, serde_json::from_str(&raw))?;
    let history = detail
        .get("history")
        .and_then(serde_json::Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    Some((
                        i32::try_from(p.get(0)?.as_i64()?).ok()?,
                        p.get(1)?.as_f64()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let review: String = get(row, "review")?;
    Ok(OutlierFlag {
        id: get(row, "id")?,
        data: NewOutlierFlag {
            indicator: IndicatorId(get(row, "indicator_id")?),
            entity: EntityId(get(row, "entity_id")?),
            period: period(row)?,
            value: get(row, "value")?,
            index: get(row, "seasonal")?,
            median: get(row, "median")?,
            low: get(row, "low")?,
            high: get(row, "high")?,
            modified_z: json_f64(&detail, "modified_z"),
            history,
            found_at: parse_ts("found_at", &get::<String>(row, "found_at")?)?,
        },
        review: OutlierReview::parse(&review)
            .ok_or_else(|| StoreError::corrupt(format!("列 review 的值“{review}”无效")))?,
        note: get(row, "note")?,
        reviewed_by: get(row, "reviewed_by")?,
        reviewed_at: opt_ts(row, "reviewed_at")?,
    })
}

fn keep(filter: &QualityFilter, entity: EntityId) -> bool {
    filter.entities.as_ref().is_none_or(|e| e.contains(&entity))
}

const FINDING_COLS: &str = "id, rule, rule_name, importance, entity_id, period, numbers, message, \
     found_at, resolved, follow_up, comment, updated_by, updated_at";
const FLAG_COLS: &str = "id, indicator_id, entity_id, period, value, seasonal, median, low, high, \
     detail, found_at, review, note, reviewed_by, reviewed_at";

impl SqlStore {
    /// The rows of `table` matching `filter` (period and openness in SQL, entities in Rust),
    /// newest first, decoded by `decode`.
    async fn quality_rows<T>(
        &self,
        table: &str,
        cols: &str,
        open: &str,
        filter: &QualityFilter,
        decode: fn(&AnyRow) -> StoreResult<T>,
        entity: fn(&T) -> EntityId,
    ) -> StoreResult<Vec<T>> {
        let mut q = Sql::new(&format!("SELECT {cols} FROM {table} WHERE 1 = 1"));
        if let Some(p) = filter.period {
            let ph = q.arg(Arg::Text(p.code()));
            q.push(&format!(" AND period = {ph}"));
        }
        if filter.open_only {
            q.push(&format!(" AND {open}"));
        }
        q.push(" ORDER BY found_at DESC, id DESC");
        let rows = q
            .query(self.dialect)
            .fetch_all(self.pool())
            .await
            .map_err(map_err)?;
        let mut out = Vec::new();
        for r in &rows {
            let item = decode(r)?;
            if keep(filter, entity(&item)) {
                out.push(item);
            }
        }
        Ok(out)
    }

    /// One row of `table` by id.
    async fn quality_row<T>(
        &self,
        table: &str,
        cols: &str,
        id: i64,
        decode: fn(&AnyRow) -> StoreResult<T>,
    ) -> StoreResult<Option<T>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {cols} FROM {table} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .map_err(map_err)?;
        row.as_ref().map(decode).transpose()
    }
}

#[async_trait]
impl QualityStore for SqlStore {
    async fn record_findings(&self, findings: &[NewFinding]) -> StoreResult<()> {
        if findings.is_empty() {
            return Ok(());
        }
        let mut tx = self
            .pool()
            .begin_with(self.dialect.begin_write())
            .await
            .map_err(map_err)?;
        for f in findings {
            let numbers = json!({ "left": f.left, "right": f.right }).to_string();
            sqlx::query(
                "INSERT INTO validation_findings \
                 (rule, rule_name, importance, entity_id, period, numbers, message, found_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (rule, entity_id, period) DO UPDATE SET \
                 rule_name = excluded.rule_name, importance = excluded.importance, \
                 numbers = excluded.numbers, message = excluded.message, \
                 found_at = excluded.found_at, resolved = 0",
            )
            .bind(f.rule.clone())
            .bind(f.rule_name.clone())
            .bind(f.importance.clone())
            .bind(f.entity.0)
            .bind(f.period.code())
            .bind(numbers)
            .bind(f.message.clone())
            .bind(ts(f.found_at))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }

    async fn resolve_findings(&self, ids: &[i64]) -> StoreResult<()> {
        for chunk in ids.chunks(500) {
            let mut q = Sql::new("UPDATE validation_findings SET resolved = 1 WHERE id IN ");
            let list = q.in_list(chunk.iter().copied());
            q.push(&list);
            q.query(self.dialect)
                .execute(self.pool())
                .await
                .map_err(map_err)?;
        }
        Ok(())
    }

    async fn findings(&self, filter: &QualityFilter) -> StoreResult<Vec<Finding>> {
        self.quality_rows(
            "validation_findings",
            FINDING_COLS,
            "resolved = 0",
            filter,
            finding,
            |f| f.data.entity,
        )
        .await
    }

    async fn finding(&self, id: i64) -> StoreResult<Option<Finding>> {
        self.quality_row("validation_findings", FINDING_COLS, id, finding)
            .await
    }

    async fn annotate_finding(
        &self,
        id: i64,
        follow_up: bool,
        comment: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE validation_findings SET follow_up = $1, comment = $2, updated_by = $3, \
             updated_at = $4 WHERE id = $5",
        )
        .bind(i64::from(follow_up))
        .bind(comment.to_string())
        .bind(by.to_string())
        .bind(ts(at))
        .bind(id)
        .execute(self.pool())
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: format!("校验发现 {id}"),
            });
        }
        Ok(())
    }

    async fn record_outlier_flags(&self, flags: &[NewOutlierFlag]) -> StoreResult<()> {
        if flags.is_empty() {
            return Ok(());
        }
        let mut tx = self
            .pool()
            .begin_with(self.dialect.begin_write())
            .await
            .map_err(map_err)?;
        for f in flags {
            let detail = json!({ "modified_z": f.modified_z, "history": f.history }).to_string();
            sqlx::query(
                "INSERT INTO outlier_flags \
                 (indicator_id, entity_id, period, value, seasonal, median, low, high, detail, \
                 found_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (indicator_id, entity_id, period) DO UPDATE SET \
                 value = excluded.value, seasonal = excluded.seasonal, median = excluded.median, \
                 low = excluded.low, high = excluded.high, detail = excluded.detail, \
                 found_at = excluded.found_at",
            )
            .bind(f.indicator.0)
            .bind(f.entity.0)
            .bind(f.period.code())
            .bind(f.value)
            .bind(f.index)
            .bind(f.median)
            .bind(f.low)
            .bind(f.high)
            .bind(detail)
            .bind(ts(f.found_at))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }

    async fn outlier_flags(&self, filter: &QualityFilter) -> StoreResult<Vec<OutlierFlag>> {
        self.quality_rows(
            "outlier_flags",
            FLAG_COLS,
            "review = 'pending'",
            filter,
            flag,
            |f| f.data.entity,
        )
        .await
    }

    async fn outlier_flag(&self, id: i64) -> StoreResult<Option<OutlierFlag>> {
        self.quality_row("outlier_flags", FLAG_COLS, id, flag).await
    }

    async fn review_outlier_flag(
        &self,
        id: i64,
        review: OutlierReview,
        note: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE outlier_flags SET review = $1, note = $2, reviewed_by = $3, reviewed_at = $4 \
             WHERE id = $5",
        )
        .bind(review.as_str().to_string())
        .bind(note.to_string())
        .bind(by.to_string())
        .bind(ts(at))
        .bind(id)
        .execute(self.pool())
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: format!("异常值标记 {id}"),
            });
        }
        Ok(())
    }
}
