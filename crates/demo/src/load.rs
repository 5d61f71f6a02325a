//! Loading the generated demo data into a store, in a few transactions, then storing the shipped
//! evaluation schemes and evaluating each for the demo's recent periods (the months and quarters
//! of the 12 months through the last complete month, the last two complete years), so every league
//! table is there from the start; the shipped alert rules then raise their 问题 for the latest
//! year's quarters.

use std::collections::HashMap;

use yiping_kernel::{
    EntityId, Frequency, IndicatorId, ObservationKey, ObservationStatus, ObservationValue, Period,
    Target,
};
use yiping_store::{ApplyOptions, ChangeContext, EntityUpsert, ParentRef, Store};

use yiping_app::AppError;
use yiping_app::alerts::raise_for_periods;
use yiping_app::evaluate::{evaluate_all, periods_of_year, store_shipped_schemes};

use crate::{DemoData, DemoDay};

/// What loading the demo wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub entities: usize,
    pub indicators: usize,
    pub observations: usize,
    pub targets: usize,
    /// Evaluation schemes stored.
    pub schemes: usize,
    /// (scheme, period) evaluations computed and stored.
    pub evaluations: usize,
    /// 问题 raised by the shipped alert rules for [`alert_periods`] (cumulative quarters).
    pub alert_problems: usize,
}

/// The periods the demo is evaluated for on `day`: every cumulative month and quarter that ends in
/// the 12 months through the last complete month, and the last two complete years (so that the
/// latest shows rank moves). On [`DemoDay::REFERENCE`]: every 2024 period, and 2023.
pub fn demo_periods(day: &DemoDay) -> Vec<Period> {
    let through = day.through_day();
    let year_before = through - chrono::TimeDelta::days(365);
    let (last, _) = day.through();
    let mut ps: std::collections::BTreeSet<Period> = std::collections::BTreeSet::new();
    for y in [last - 1, last] {
        for f in [Frequency::Quarter, Frequency::Month] {
            ps.extend(
                periods_of_year(f, y)
                    .into_iter()
                    .filter(|p| p.last_day() > year_before && day.covers(p)),
            );
        }
    }
    let complete = day.complete_years();
    for &y in complete.iter().rev().take(2) {
        ps.extend(periods_of_year(Frequency::Year, y));
    }
    ps.into_iter().collect()
}

/// The periods the shipped alert rules are checked for: the cumulative quarters of the latest
/// year that has one (2024's on [`DemoDay::REFERENCE`]).
pub fn alert_periods(day: &DemoDay) -> Vec<Period> {
    let (last, _) = day.through();
    [last, last - 1]
        .into_iter()
        .map(|y| {
            periods_of_year(Frequency::Quarter, y)
                .into_iter()
                .filter(|p| day.covers(p))
                .collect::<Vec<_>>()
        })
        .find(|ps| !ps.is_empty())
        .unwrap_or_default()
}

/// Loads `data`, stores the shipped schemes and evaluates them for [`demo_periods`] of the data's
/// day (idempotent:
/// loading twice changes no data the second time).
pub async fn load_demo(
    store: &dyn Store,
    data: &DemoData,
    ctx: &ChangeContext,
) -> Result<DemoSummary, AppError> {
    let mut summary = load_demo_data(store, data, ctx).await?;
    store_shipped_schemes(store, ctx).await?;
    summary.schemes = store.schemes().await?.len();
    summary.evaluations = evaluate_all(store, &demo_periods(&data.day), ctx.at)
        .await?
        .len();
    let quarters = alert_periods(&data.day);
    summary.alert_problems = raise_for_periods(store, &quarters, ctx.at).await?.raised;
    Ok(summary)
}

/// Loads the entities, indicators, observations and targets of `data` only (no schemes, no
/// evaluation).
pub async fn load_demo_data(
    store: &dyn Store,
    data: &DemoData,
    ctx: &ChangeContext,
) -> Result<DemoSummary, AppError> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut items = Vec::with_capacity(data.entities.len());
    for (i, e) in data.entities.iter().enumerate() {
        let mut up = EntityUpsert::new(e.entity.clone());
        if let Some(p) = &e.parent_key {
            let j = *index.get(p.as_str()).ok_or_else(|| {
                AppError::invalid(format!("演示数据：{} 的上级 {p} 未先出现", e.key))
            })?;
            up = up.with_parent(ParentRef::Earlier(j));
        }
        index.insert(e.key.as_str(), i);
        items.push(up);
    }
    let ids = store.upsert_entities(&items, ctx).await?;
    let entity_ids: HashMap<&str, EntityId> = data
        .entities
        .iter()
        .zip(&ids)
        .map(|(e, (id, _))| (e.key.as_str(), *id))
        .collect();

    store.upsert_indicators(&data.indicators, ctx).await?;
    let indicator_ids: HashMap<String, IndicatorId> = store
        .indicators()
        .await?
        .into_iter()
        .map(|i| (i.data.code.as_str().to_string(), i.id))
        .collect();
    let entity = |k: &str| {
        entity_ids
            .get(k)
            .copied()
            .ok_or_else(|| AppError::invalid(format!("演示数据：主体 {k} 不存在")))
    };
    let indicator = |c: &str| {
        indicator_ids
            .get(c)
            .copied()
            .ok_or_else(|| AppError::invalid(format!("演示数据：指标 {c} 不存在")))
    };

    // The figures of the last complete month are reported but not yet reviewed (已报送), as on
    // a real deadline day: their units can still correct them. Everything older is approved.
    let latest = data.day.through();
    let status_of = |p: Period| match p {
        Period::Months { year, to, .. } if (year, to) == latest => ObservationStatus::Submitted,
        _ => ObservationStatus::Approved,
    };
    let mut batch = Vec::with_capacity(data.observations.len());
    for o in &data.observations {
        let key = ObservationKey {
            entity: entity(&o.entity_key)?,
            indicator: indicator(o.indicator_code.as_str())?,
            period: o.period,
            measure: o.measure,
        };
        let value = ObservationValue::new(o.value, status_of(o.period))
            .map_err(|e| AppError::invalid(format!("演示数据：{e}")))?;
        batch.push((key, value));
    }
    store
        .apply_observations(&batch, ctx, ApplyOptions::write())
        .await?;

    let mut targets = Vec::with_capacity(data.targets.len());
    for t in &data.targets {
        let target = Target::new(
            entity(&t.entity_key)?,
            indicator(t.indicator_code.as_str())?,
            t.year,
            t.kind,
            t.value,
            t.schedule.clone(),
        )
        .map_err(|e| AppError::invalid(format!("演示数据：{e}")))?;
        targets.push(target);
    }
    store.upsert_targets(&targets, ctx).await?;
    Ok(DemoSummary {
        entities: ids.len(),
        indicators: data.indicators.len(),
        observations: batch.len(),
        targets: targets.len(),
        schemes: 0,
        evaluations: 0,
        alert_problems: 0,
    })
}
