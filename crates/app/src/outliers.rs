//! Seasonal outliers on the stored data (issue 12): each entity's month of an indicator is
//! compared with the same month of earlier years by [`yiping_eval::seasonal`] (seasonal index,
//! modified z-score on median and MAD, mean ± k·sd), and what stands out is stored as a flag for
//! a data reviewer, who confirms or dismisses it ([`review_as`]). Flags are not work items.
//!
//! Statistical tables hold cumulative values (1—m月); a month's own value is the difference of
//! two cumulative values (January: the 1—1月 value itself), or a single-month value when that is
//! what is stored.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use yiping_access::{Capability, Principal};
use yiping_eval::seasonal::{SeasonalOptions, assess, seasonal_indices};
use yiping_kernel::{EntityId, IndicatorId, Measure, Period};
use yiping_store::{NewOutlierFlag, OutlierFlag, OutlierReview, QualityFilter, Store};

use crate::AppError;

/// How many earlier years are read.
const YEARS: i32 = 6;

/// The month's own values of every entity, `(year, month) → value`, from single-month values or
/// the differences of cumulative ones.
async fn monthly(
    store: &dyn Store,
    indicator: IndicatorId,
    first_year: i32,
    last: (i32, u8),
) -> Result<HashMap<EntityId, Vec<(i32, u8, f64)>>, AppError> {
    let mut out: HashMap<EntityId, Vec<(i32, u8, f64)>> = HashMap::new();
    for year in first_year..=last.0 {
        let months = if year == last.0 { last.1 } else { 12 };
        let mut before: HashMap<EntityId, f64> = HashMap::new();
        for m in 1..=months {
            let cumulative =
                Period::months(year, 1, m).map_err(|e| AppError::invalid(e.to_string()))?;
            let single = Period::month(year, m).map_err(|e| AppError::invalid(e.to_string()))?;
            let cum: HashMap<EntityId, f64> = store
                .observation_slice(indicator, cumulative, Measure::Value)
                .await?
                .into_iter()
                .map(|(e, v)| (e, v.value()))
                .collect();
            let own: HashMap<EntityId, f64> = if m == 1 {
                cum.clone()
            } else {
                store
                    .observation_slice(indicator, single, Measure::Value)
                    .await?
                    .into_iter()
                    .map(|(e, v)| (e, v.value()))
                    .collect()
            };
            for (e, v) in &cum {
                let value = own
                    .get(e)
                    .copied()
                    .or_else(|| (m > 1).then(|| before.get(e).map(|b| v - b)).flatten());
                if let Some(value) = value {
                    out.entry(*e).or_default().push((year, m, value));
                }
            }
            for (e, v) in own.iter().filter(|(e, _)| !cum.contains_key(e)) {
                out.entry(*e).or_default().push((year, m, *v));
            }
            before = cum;
        }
    }
    Ok(out)
}

/// Checks month `month` of `year` for every entity with data, and stores a flag for each
/// outlier (a flag already reviewed keeps its review). Analysts and admins.
pub async fn scan_as(
    store: &dyn Store,
    p: &Principal,
    indicator: IndicatorId,
    year: i32,
    month: u8,
    at: DateTime<Utc>,
) -> Result<Vec<NewOutlierFlag>, AppError> {
    p.require(Capability::ManageCatalog)?;
    let opts = SeasonalOptions::default();
    let series = monthly(store, indicator, year - YEARS, (year, month)).await?;
    let period = Period::months(year, 1, month).map_err(|e| AppError::invalid(e.to_string()))?;
    let mut flags = Vec::new();
    let mut entities: Vec<_> = series.keys().copied().collect();
    entities.sort_unstable();
    for e in entities {
        let s = &series[&e];
        let idx = seasonal_indices(s);
        let Some(&(_, _, now)) = idx.iter().find(|x| x.0 == year && x.1 == month) else {
            continue;
        };
        let history: Vec<f64> = idx
            .iter()
            .filter(|x| x.1 == month && x.0 < year)
            .map(|x| x.2)
            .collect();
        let Some(a) = assess(now, &history, &opts) else {
            continue;
        };
        if !a.flagged() {
            continue;
        }
        let level = |y: i32| s.iter().find(|x| x.0 == y && x.1 == month).map(|x| x.2);
        flags.push(NewOutlierFlag {
            indicator,
            entity: e,
            period,
            value: level(year).unwrap_or(f64::NAN),
            index: a.value,
            median: a.median,
            low: a.low,
            high: a.high,
            modified_z: a.modified_z,
            history: (year - YEARS..year)
                .filter_map(|y| level(y).map(|v| (y, v)))
                .collect(),
            found_at: at,
        });
    }
    store.record_outlier_flags(&flags).await?;
    Ok(flags)
}

/// The flags of entities the caller sees (`open_only`: not reviewed yet).
pub async fn flags_as(
    store: &dyn Store,
    p: &Principal,
    period: Option<Period>,
    open_only: bool,
) -> Result<Vec<OutlierFlag>, AppError> {
    p.require(Capability::ViewData)?;
    let mut flags = store
        .outlier_flags(&QualityFilter {
            entities: None,
            period,
            open_only,
        })
        .await?;
    flags.retain(|f| p.sees(f.data.entity));
    Ok(flags)
}

/// A reviewer confirms or dismisses a flag (analysts and admins, in their subtree).
pub async fn review_as(
    store: &dyn Store,
    p: &Principal,
    id: i64,
    review: OutlierReview,
    note: &str,
    at: DateTime<Utc>,
) -> Result<OutlierFlag, AppError> {
    let flag = store
        .outlier_flag(id)
        .await?
        .filter(|f| p.sees(f.data.entity))
        .ok_or_else(|| AppError::not_found(format!("没有编号为 {id} 的异常值标记")))?;
    p.require_in(Capability::ManageCatalog, flag.data.entity)?;
    if note.chars().count() > 500 {
        return Err(AppError::invalid("说明不能超过 500 字"));
    }
    store
        .review_outlier_flag(id, review, note.trim(), &p.login, at)
        .await?;
    store
        .outlier_flag(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("没有编号为 {id} 的异常值标记")))
}
