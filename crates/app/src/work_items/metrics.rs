//! Work-item metrics per unit and period, written back as observations (DOMAIN §18) so that
//! evaluation schemes, exports and the API read them like any other indicator: 办结率, 按期办结率,
//! 处置率, 按期处置率, 返工率, 延期率, 超期待处置率, 及时签收率, 回退率, 重办率, 满意率 and
//! 平均办理时长 (工作小时). A unit with fewer than [`MIN_SAMPLE`] cases in a figure's
//! denominator gets no value for it (样本量不足, 不参与排名) rather than a misleading 0 % or 100 %.
//!
//! One definition serves every reader ([`compute`]): the stored `WI_*` values, the API's live
//! figures and `yiping items metrics`. A region below the city (区县, 镇街, 村/社区, 网格: level 2
//! and below) is rated on every item located in its subtree (属地: the item's location, else its
//! receiving unit, counted for that region and each region above it up to the 区县), whoever
//! handled it, so a grid's figures roll up to its community, town and district; any other unit
//! on the items it owns (dispatch-based rates: the items sent to it).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiping_flow::{
    CategoryScope, Mean, Metrics, Ratio, Sample, UnitFilter, Window, WorkItem, metrics, min_sample,
};
use yiping_kernel::{
    Aggregation, EntityId, EntityKind, Frequency, IndicatorKind, Measure, NewIndicator,
    ObservationKey, ObservationStatus, ObservationValue, Period, Polarity,
};
use yiping_store::{ApplyOptions, ChangeContext, Store};

use super::FlowSetup;
use crate::AppError;

mod schedule;

pub use schedule::{MetricsSchedule, RefreshReport, refresh_metrics, refresh_metrics_with};

/// The smallest denominator a figure needs to be written.
pub const MIN_SAMPLE: u64 = 5;

/// What a written indicator takes from the metrics.
#[derive(Debug, Clone, Copy)]
pub enum Pick {
    /// A rate, stored in percent.
    Rate(fn(&Metrics) -> Ratio),
    /// A mean, stored in the indicator's unit.
    Mean(fn(&Metrics) -> Mean),
}

/// One written indicator: code, name, unit, polarity, definition and the figure it takes.
pub struct MetricIndicator {
    pub code: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    pub polarity: Polarity,
    pub definition: &'static str,
    pub pick: Pick,
}

impl std::fmt::Debug for MetricIndicator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code)
    }
}

const fn rate(
    code: &'static str,
    name: &'static str,
    polarity: Polarity,
    definition: &'static str,
    pick: fn(&Metrics) -> Ratio,
) -> MetricIndicator {
    MetricIndicator {
        code,
        name,
        unit: "%",
        polarity,
        definition,
        pick: Pick::Rate(pick),
    }
}

use Polarity::{HigherBetter as Up, LowerBetter as Down};

/// The indicators written by [`write_metrics`]; the definitions follow DOMAIN §18 ("应结案数" =
/// items whose 结案 deadline falls in the period, "应处置数" likewise for 处置).
pub const METRIC_INDICATORS: [MetricIndicator; 12] = [
    rate(
        "WI_CLOSURE_RATE",
        "办结率",
        Up,
        "结案数/应结案数：结案时限在期内的事项中已结案的比例",
        |m| m.closure,
    ),
    rate(
        "WI_ONTIME_RATE",
        "按期办结率",
        Up,
        "按期结案数/应结案数：结案时限在期内的事项中按期结案的比例",
        |m| m.on_time_closure,
    ),
    rate(
        "WI_DISPOSAL_RATE",
        "处置率",
        Up,
        "处置数/应处置数：处置时限在期内的事项中已反馈处置结果的比例",
        |m| m.disposal,
    ),
    rate(
        "WI_ONTIME_DISPOSAL_RATE",
        "按期处置率",
        Up,
        "按期处置数/应处置数：处置时限在期内的事项中按期反馈的比例",
        |m| m.on_time_disposal,
    ),
    rate(
        "WI_REWORK_RATE",
        "返工率",
        Down,
        "返工数/应结案数：结案时限在期内的事项中曾被退回返工（核查未通过或诉求人不满意）的比例",
        |m| m.rework,
    ),
    rate(
        "WI_EXTENSION_RATE",
        "延期率",
        Down,
        "延期数/应处置数：处置时限在期内的事项中获批延期的比例",
        |m| m.extension,
    ),
    rate(
        "WI_OVERDUE_PENDING_RATE",
        "超期待处置率",
        Down,
        "超期待处置数/应处置数：处置时限在期内的事项中到统计时点仍未处置且已超期的比例",
        |m| m.overdue_pending,
    ),
    rate(
        "WI_TIMELY_SIGN_RATE",
        "及时签收率",
        Up,
        "期内派遣的事项中在签收时限内签收的比例",
        |m| m.timely_sign,
    ),
    rate(
        "WI_RETURN_RATE",
        "回退率",
        Down,
        "期内派遣的事项中被回退的比例",
        |m| m.returned,
    ),
    rate(
        "WI_REOPEN_RATE",
        "重办率",
        Down,
        "期内结案的事项中因回访不满意而重办的比例",
        |m| m.reopened,
    ),
    rate(
        "WI_SATISFACTION_RATE",
        "满意率",
        Up,
        "期内评价中满意的比例",
        |m| m.satisfaction,
    ),
    MetricIndicator {
        code: "WI_MEAN_DURATION",
        name: "平均办理时长",
        unit: "工作小时",
        polarity: Down,
        definition: "期内结案的事项从立案到结案的平均用时，按工作小时计（扣除挂起时间）",
        pick: Pick::Mean(|m| m.mean_working_hours),
    },
];

/// One figure of one unit: the counts behind it and the value stored (none below the sample).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub code: &'static str,
    pub name: &'static str,
    /// `%` for rates, `工作小时` for the mean handling time.
    pub unit: &'static str,
    /// A rate's numerator (none for a mean).
    pub numerator: Option<u64>,
    /// A rate's denominator, or the number of cases a mean is taken over.
    pub denominator: u64,
    /// Rounded to two decimals; absent when the sample is too small (样本量不足).
    pub value: Option<f64>,
    pub note: Option<String>,
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn figure(spec: &MetricIndicator, m: &Metrics) -> Figure {
    let (numerator, denominator, value) = match spec.pick {
        Pick::Rate(pick) => {
            let r = pick(m);
            (
                Some(r.numerator),
                r.denominator,
                r.value().map(|v| v * 100.0),
            )
        }
        Pick::Mean(pick) => {
            let mean = pick(m);
            (None, mean.n, mean.value)
        }
    };
    // The minimum-sample rule on the denominator, whatever the figure.
    let sample = min_sample(&Ratio::new(0, denominator), MIN_SAMPLE);
    let rankable = matches!(sample, Sample::Rankable(_));
    Figure {
        code: spec.code,
        name: spec.name,
        unit: spec.unit,
        numerator,
        denominator,
        value: value.filter(|_| rankable).map(round2),
        note: (!rankable).then(|| sample.to_string()),
    }
}

/// Every indicator's figure from one set of metrics.
pub fn figures(m: &Metrics) -> Vec<Figure> {
    METRIC_INDICATORS.iter().map(|s| figure(s, m)).collect()
}

/// One unit's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitFigures {
    pub unit: EntityId,
    /// A 区县 rated on the items located in it (else: the items the unit owns).
    pub by_location: bool,
    pub figures: Vec<Figure>,
}

/// What [`compute`] covers.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsQuery {
    pub period: Period,
    /// The moment the figures are taken at (for 超期待处置).
    pub as_of: DateTime<Utc>,
    /// One unit (always in the answer, with empty counts if it has no items); default every
    /// unit owning items and every 区县 with items located in it.
    pub unit: Option<EntityId>,
    /// Only the items of these categories.
    pub category: Option<CategoryScope>,
}

/// The regions each entity lies in, from the city's children (区县, level 2) down.
struct Districts {
    /// Entity → (a region of level 2 or below, its current parent).
    info: HashMap<EntityId, (bool, Option<EntityId>)>,
}

impl Districts {
    async fn load(store: &dyn Store) -> Result<Self, AppError> {
        let info = store
            .all_entities()
            .await?
            .iter()
            .map(|e| {
                let local = e.data.kind == EntityKind::Region && e.data.level >= 2;
                (e.id, (local, e.current_parent()))
            })
            .collect();
        Ok(Self { info })
    }

    /// Rated by location: a region of level 2 or below.
    fn is_district(&self, id: EntityId) -> bool {
        self.info.get(&id).is_some_and(|(d, _)| *d)
    }

    /// The regions `start` lies in: itself when it is one, and each region above it down from
    /// the city (an entity that is not a region — a department, a firm — lies in its parents').
    fn of(&self, start: EntityId) -> Vec<EntityId> {
        let mut out = Vec::new();
        let mut at = Some(start);
        for _ in 0..10 {
            let Some(id) = at else { break };
            let Some((local, parent)) = self.info.get(&id) else {
                break;
            };
            if *local {
                out.push(id);
            }
            at = *parent;
        }
        out
    }

    /// The regions an item counts for (属地).
    fn of_item(&self, item: &WorkItem) -> Vec<EntityId> {
        self.of(item.location.unwrap_or(item.receiving_unit))
    }
}

/// The figures of the units the query covers, in unit order.
pub async fn compute(
    store: &dyn Store,
    setup: &FlowSetup,
    q: &MetricsQuery,
) -> Result<Vec<UnitFigures>, AppError> {
    let window = Window::local_days(&setup.calendar, q.period.first_day(), q.period.last_day());
    let mut items = store.work_items_with_history(window.end).await?;
    if let Some(c) = &q.category {
        c.keep(&mut items);
    }
    let districts = Districts::load(store).await?;
    let units: BTreeSet<EntityId> = match q.unit {
        Some(u) => [u].into(),
        None => items
            .iter()
            .map(|i| i.owner_unit)
            .filter(|u| !districts.is_district(*u))
            .chain(items.iter().flat_map(|i| districts.of_item(i)))
            .collect(),
    };
    let mut located: BTreeMap<EntityId, Vec<WorkItem>> = BTreeMap::new();
    for i in &items {
        for d in districts.of_item(i) {
            if units.contains(&d) {
                located.entry(d).or_default().push(i.clone());
            }
        }
    }
    let rate = |list: &[WorkItem], scope: UnitFilter| {
        metrics(list, scope, window, q.as_of, &setup.calendar)
    };
    Ok(units
        .into_iter()
        .map(|unit| {
            let by_location = districts.is_district(unit);
            let m = if by_location {
                rate(
                    located.get(&unit).map_or(&[][..], Vec::as_slice),
                    UnitFilter::All,
                )
            } else {
                rate(&items, UnitFilter::Unit(unit))
            };
            UnitFigures {
                unit,
                by_location,
                figures: figures(&m),
            }
        })
        .collect())
}

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
        NewIndicator::new(m.code, m.name, m.unit).map_err(|e| AppError::invalid(e.to_string()))?;
    i.frequency = Frequency::Month;
    i.kind = match m.pick {
        Pick::Rate(_) => IndicatorKind::Rate,
        Pick::Mean(_) => IndicatorKind::Level,
    };
    i.aggregation = Aggregation::None;
    i.polarity = m.polarity;
    i.definition = format!("{}（闭环事项，样本少于{MIN_SAMPLE}件不计）", m.definition);
    Ok(i)
}

/// Computes the figures of every unit ([`compute`], all categories) for `period` as of `as_of`
/// and stores them as observations of the `WI_*` indicators (created when missing). Only the
/// write: [`refresh_metrics`] also runs the pipeline after a change on them, as an import does.
pub async fn write_metrics(
    store: &dyn Store,
    setup: &FlowSetup,
    period: Period,
    as_of: DateTime<Utc>,
    ctx: &ChangeContext,
) -> Result<MetricsReport, AppError> {
    Ok(write_month(store, setup, period, as_of, ctx).await?.0)
}

/// [`write_metrics`], with the keys written (for the pipeline's change set).
async fn write_month(
    store: &dyn Store,
    setup: &FlowSetup,
    period: Period,
    as_of: DateTime<Utc>,
    ctx: &ChangeContext,
) -> Result<(MetricsReport, Vec<ObservationKey>), AppError> {
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
    let query = MetricsQuery {
        period,
        as_of,
        unit: None,
        category: None,
    };
    let all = compute(store, setup, &query).await?;
    let mut report = MetricsReport {
        units: all.len(),
        ..MetricsReport::default()
    };
    let mut batch = Vec::new();
    for u in &all {
        for f in &u.figures {
            let Some(value) = f.value else {
                report.too_few += 1;
                continue;
            };
            batch.push((
                ObservationKey {
                    entity: u.unit,
                    indicator: id_of(f.code)?,
                    period,
                    measure: Measure::Value,
                },
                ObservationValue::new(value, ObservationStatus::Submitted)
                    .map_err(|e| AppError::invalid(e.to_string()))?,
            ));
        }
    }
    let applied = store
        .apply_observations(&batch, ctx, ApplyOptions::write())
        .await?;
    report.inserted = applied.inserted;
    report.updated = applied.updated;
    report.unchanged = applied.unchanged;
    Ok((report, batch.into_iter().map(|(k, _)| k).collect()))
}
