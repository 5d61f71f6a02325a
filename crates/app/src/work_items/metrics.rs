//! Work-item metrics per unit and period, written back as observations (DOMAIN §18) so that
//! evaluation schemes, exports and the API read them like any other indicator: 办结率, 按期办结率,
//! 处置率, 按期处置率, 返工率, 延期率, 超期待处置率, 及时签收率, 回退率, 满意率. A unit with
//! fewer than [`MIN_SAMPLE`] items in a rate's denominator gets no value for it (样本量不足,
//! 不参与排名) rather than a misleading 0 % or 100 %.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiping_flow::{Metrics, Ratio, Sample, Scope, Window, metrics, min_sample};
use yiping_kernel::{
    Aggregation, EntityId, EntityKind, Frequency, IndicatorKind, Measure, NewIndicator,
    ObservationKey, ObservationStatus, ObservationValue, Period, Polarity,
};
use yiping_store::{ApplyOptions, ChangeContext, Store};

use super::FlowSetup;
use crate::AppError;

/// The smallest denominator a rate needs to be written.
pub const MIN_SAMPLE: u64 = 5;

/// One written indicator: code, name, polarity and the rate it takes.
pub struct MetricIndicator {
    pub code: &'static str,
    pub name: &'static str,
    pub polarity: Polarity,
    pub definition: &'static str,
    pub pick: fn(&Metrics) -> Ratio,
}

impl std::fmt::Debug for MetricIndicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

/// The indicators written by [`write_metrics`].
pub const METRIC_INDICATORS: [MetricIndicator; 10] = [
    MetricIndicator {
        code: "WI_CLOSURE_RATE",
        name: "办结率",
        polarity: Polarity::HigherBetter,
        definition: "结案时限在期内的事项中已结案的比例",
        pick: |m| m.closure,
    },
    MetricIndicator {
        code: "WI_ONTIME_RATE",
        name: "按期办结率",
        polarity: Polarity::HigherBetter,
        definition: "结案时限在期内的事项中按期结案的比例",
        pick: |m| m.on_time_closure,
    },
    MetricIndicator {
        code: "WI_DISPOSAL_RATE",
        name: "处置率",
        polarity: Polarity::HigherBetter,
        definition: "处置时限在期内的事项中已反馈处置结果的比例",
        pick: |m| m.disposal,
    },
    MetricIndicator {
        code: "WI_ONTIME_DISPOSAL_RATE",
        name: "按期处置率",
        polarity: Polarity::HigherBetter,
        definition: "处置时限在期内的事项中按期反馈的比例",
        pick: |m| m.on_time_disposal,
    },
    MetricIndicator {
        code: "WI_REWORK_RATE",
        name: "返工率",
        polarity: Polarity::LowerBetter,
        definition: "期内反馈的事项中被核查退回返工的比例",
        pick: |m| m.rework,
    },
    MetricIndicator {
        code: "WI_EXTENSION_RATE",
        name: "延期率",
        polarity: Polarity::LowerBetter,
        definition: "期内事项中获批延期的比例",
        pick: |m| m.extension,
    },
    MetricIndicator {
        code: "WI_OVERDUE_PENDING_RATE",
        name: "超期待处置率",
        polarity: Polarity::LowerBetter,
        definition: "统计时点未处置事项中已超期的比例",
        pick: |m| m.overdue_pending,
    },
    MetricIndicator {
        code: "WI_TIMELY_SIGN_RATE",
        name: "及时签收率",
        polarity: Polarity::HigherBetter,
        definition: "期内签收的事项中按时签收的比例",
        pick: |m| m.timely_sign,
    },
    MetricIndicator {
        code: "WI_RETURN_RATE",
        name: "回退率",
        polarity: Polarity::LowerBetter,
        definition: "期内派遣的事项中被回退的比例",
        pick: |m| m.returned,
    },
    MetricIndicator {
        code: "WI_SATISFACTION_RATE",
        name: "满意率",
        polarity: Polarity::HigherBetter,
        definition: "期内评价中满意的比例",
        pick: |m| m.satisfaction,
    },
];

/// What [`write_metrics`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MetricsReport {
    pub units: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// (unit, indicator) pairs left out by the minimum-sample rule.
    pub too_few: usize,
}

fn indicator(m: &MetricIndicator) -> Result<NewIndicator, AppError> {
    let mut i =
        NewIndicator::new(m.code, m.name, "%").map_err(|e| AppError::invalid(e.to_string()))?;
    i.frequency = Frequency::Month;
    i.kind = IndicatorKind::Rate;
    i.aggregation = Aggregation::None;
    i.polarity = m.polarity;
    i.definition = format!("{}（闭环事项，样本少于{MIN_SAMPLE}件不计）", m.definition);
    Ok(i)
}

/// Computes the metrics of every owner unit (and of every 区县 over the items located in it)
/// for `period` (as of `as_of`) and stores them as
/// observations of the `WI_*` indicators (created when missing).
pub async fn write_metrics(
    store: &dyn Store,
    setup: &FlowSetup,
    period: Period,
    as_of: DateTime<Utc>,
    ctx: &ChangeContext,
) -> Result<MetricsReport, AppError> {
    let new: Vec<NewIndicator> = METRIC_INDICATORS
        .iter()
        .map(indicator)
        .collect::<Result<_, _>>()?;
    store.upsert_indicators(&new, ctx).await?;
    let stored = store.indicators().await?;
    let id_of = |code: &str| {
        stored
            .iter()
            .find(|i| i.data.code.as_str() == code)
            .map(|i| i.id)
            .ok_or_else(|| AppError::invalid(format!("指标 {code} 未能建立")))
    };
    let window = Window::local_days(&setup.calendar, period.first_day(), period.last_day());
    let items = store.work_items_with_history(window.end).await?;
    // 区县 (level-2 regions) are rated on every item located in them (属地: the item's location,
    // else its receiving unit, walked up to the 区县), whoever handled it; other units on the
    // items they own.
    let entities = store.all_entities().await?;
    let info: HashMap<EntityId, (bool, Option<EntityId>)> = entities
        .iter()
        .map(|e| {
            let district = e.data.kind == EntityKind::Region && e.data.level == 2;
            (e.id, (district, e.current_parent()))
        })
        .collect();
    let district_of = |start: EntityId| {
        let mut at = Some(start);
        for _ in 0..8 {
            let id = at?;
            let (district, parent) = info.get(&id)?;
            if *district {
                return Some(id);
            }
            at = *parent;
        }
        None
    };
    let mut by_district: BTreeMap<EntityId, Vec<yiping_flow::WorkItem>> = BTreeMap::new();
    for i in &items {
        if let Some(d) = district_of(i.location.unwrap_or(i.receiving_unit)) {
            by_district.entry(d).or_default().push(i.clone());
        }
    }
    let units: BTreeSet<_> = items
        .iter()
        .map(|i| i.owner_unit)
        .filter(|u| !info.get(u).is_some_and(|(d, _)| *d))
        .collect();
    let mut report = MetricsReport {
        units: units.len() + by_district.len(),
        ..MetricsReport::default()
    };
    let mut batch = Vec::new();
    let scoped = units
        .into_iter()
        .map(|u| (u, None))
        .chain(by_district.iter().map(|(d, v)| (*d, Some(v))));
    for (unit, own) in scoped {
        let m = match own {
            Some(list) => metrics(list, Scope::All, window, as_of, &setup.calendar),
            None => metrics(&items, Scope::Unit(unit), window, as_of, &setup.calendar),
        };
        for spec in &METRIC_INDICATORS {
            match min_sample(&(spec.pick)(&m), MIN_SAMPLE) {
                Sample::Rankable(v) => {
                    let value = ((v * 10_000.0).round()) / 100.0;
                    batch.push((
                        ObservationKey {
                            entity: unit,
                            indicator: id_of(spec.code)?,
                            period,
                            measure: Measure::Value,
                        },
                        ObservationValue::new(value, ObservationStatus::Submitted)
                            .map_err(|e| AppError::invalid(e.to_string()))?,
                    ));
                }
                Sample::TooFew { .. } => report.too_few += 1,
            }
        }
    }
    let applied = store
        .apply_observations(&batch, ctx, ApplyOptions::write())
        .await?;
    report.inserted = applied.inserted;
    report.updated = applied.updated;
    report.unchanged = applied.unchanged;
    Ok(report)
}
