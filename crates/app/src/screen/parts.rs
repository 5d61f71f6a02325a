//! The parts of a screen built from stored evaluations and observations: the league, the map
//! colours, the colour table, the trends, the work panel and the alerts.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use yiping_kernel::{Entity, EntityId, Indicator, IndicatorId, Measure, Period};
use yiping_store::{ColourDef, ObservationFilter, Store};

use super::colour;
use super::tiles::{Tile, Values, cumulative};
use super::work::WorkSummary;
use super::{Alert, MapFacts, MapView, Place, WorkPanel, WorkRow};
use crate::{AppError, results};

/// The trend series: (indicator code, measure, cumulative statistics, label).
pub const TREND_INDICATORS: [(&str, Measure, bool, &str); 4] = [
    ("IND_VA", Measure::Growth, true, "规上工业增加值增速"),
    ("FAI", Measure::Growth, true, "固定资产投资增速"),
    ("RETAIL", Measure::Growth, true, "社会消费品零售总额增速"),
    ("WI_CLOSURE_RATE", Measure::Value, false, "事项办结率"),
];

/// A coloured cell of the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableCell {
    pub value: f64,
    pub colour: Option<ColourDef>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableColumn {
    pub code: String,
    pub name: String,
    pub period_label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableRow {
    pub place: Place,
    pub cells: Vec<Option<TableCell>>,
}

/// Children × indicators: growth coloured against the unit's own growth.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ColourTable {
    pub columns: Vec<TableColumn>,
    /// The unit's own growth per column (the reference).
    pub reference: Vec<Option<f64>>,
    pub rows: Vec<TableRow>,
    pub legend: Vec<ColourDef>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    pub period: String,
    /// `2024-09`.
    pub label: String,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub points: Vec<TrendPoint>,
}

/// The last 24 months up to `month` of `year` for each trend indicator. A month not over by
/// `today` has no point: its handling rates count only the days so far (the line would plunge).
pub fn trends(
    by_code: &HashMap<&str, &Indicator>,
    values: &Values,
    year: i32,
    month: u8,
    today: chrono::NaiveDate,
) -> Vec<Trend> {
    let months: Vec<(i32, u8)> = (0..24)
        .rev()
        .map(|back: i32| {
            let idx = year * 12 + i32::from(month) - 1 - back;
            (idx.div_euclid(12), (idx.rem_euclid(12) + 1) as u8)
        })
        .collect();
    TREND_INDICATORS
        .iter()
        .filter_map(|(code, measure, cumul, label)| {
            let ind = by_code.get(code)?;
            let points: Vec<TrendPoint> = months
                .iter()
                .filter_map(|&(y, m)| {
                    let p = if *cumul {
                        cumulative(y, m)?
                    } else {
                        Period::month(y, m).ok()?
                    };
                    let over = p.last_day() < today;
                    Some(TrendPoint {
                        period: p.code(),
                        label: format!("{y}-{m:02}"),
                        value: over
                            .then(|| values.get(&(ind.id, p, *measure)).copied())
                            .flatten(),
                    })
                })
                .collect();
            points.iter().any(|p| p.value.is_some()).then(|| Trend {
                code: (*code).to_string(),
                name: (*label).to_string(),
                unit: if *measure == Measure::Growth {
                    "%".into()
                } else {
                    ind.data.unit.clone()
                },
                points,
            })
        })
        .collect()
}

/// The month's stored 按期办结率 of each child.
pub async fn monthly_rates(
    store: &dyn Store,
    by_code: &HashMap<&str, &Indicator>,
    children: &[EntityId],
    month: Period,
) -> Result<HashMap<EntityId, f64>, AppError> {
    let Some(ind) = by_code.get("WI_ONTIME_RATE") else {
        return Ok(HashMap::new());
    };
    if children.is_empty() {
        return Ok(HashMap::new());
    }
    let filter = ObservationFilter {
        entities: Some(children.to_vec()),
        indicators: Some(vec![ind.id]),
        periods: Some(vec![month]),
        measure: Some(Measure::Value),
        ..Default::default()
    };
    Ok(super::read::observations(store, &filter)
        .await?
        .into_iter()
        .map(|o| (o.key.entity, o.value.value()))
        .collect())
}

/// The stored colours of `scheme` for `period` for the children.
pub async fn stored_colours(
    store: &dyn Store,
    scheme: &str,
    period: Period,
    children: &HashSet<EntityId>,
) -> Result<Option<(MapView, HashMap<EntityId, (ColourDef, MapFacts)>)>, AppError> {
    let Some((run, rows)) = results::for_screen(store, scheme, period).await? else {
        return Ok(None);
    };
    let legend: Vec<ColourDef> = run.meta.colours.clone();
    let mine: Vec<_> = rows
        .into_iter()
        .filter(|r| children.contains(&r.entity))
        .collect();
    let ranked = mine.iter().filter(|r| r.rank.is_some()).count();
    let colours = mine
        .into_iter()
        .filter_map(|r| {
            let c = legend
                .iter()
                .find(|x| Some(x.name.as_str()) == r.colour.as_deref())?;
            let facts = MapFacts {
                value: r.score,
                rank: r.rank,
                grade: r.grade.clone(),
            };
            Some((r.entity, (c.clone(), facts)))
        })
        .collect();
    let view = MapView {
        title: run.meta.scheme_name.clone(),
        period_label: Some(period.label_zh()),
        legend,
        value_label: run.meta.score_label.clone(),
        ranked,
    };
    Ok(Some((view, colours)))
}

/// The children coloured by their live closure rate.
pub fn work_colours(
    children: &[&Entity],
    summary: &WorkSummary,
) -> (MapView, HashMap<EntityId, (ColourDef, MapFacts)>) {
    let mut rated: Vec<(EntityId, f64)> = children
        .iter()
        .filter_map(|e| Some((e.id, summary.by_child.get(&e.id)?.closure_rate()?)))
        .collect();
    rated.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let ranked = rated.len();
    let colours = rated
        .into_iter()
        .enumerate()
        .map(|(i, (id, rate))| {
            let facts = MapFacts {
                value: Some((rate * 10.0).round() / 10.0),
                rank: u32::try_from(i + 1).ok(),
                grade: None,
            };
            (id, (colour::closure_colour(rate), facts))
        })
        .collect();
    let view = MapView {
        title: "事项办结率（实时）".to_string(),
        period_label: None,
        legend: colour::closure_legend(),
        value_label: "办结率%".to_string(),
        ranked,
    };
    (view, colours)
}

/// Children × indicators: the latest cumulative growth up to the month, coloured against the
/// unit's own growth in the same period.
#[allow(clippy::too_many_arguments)]
pub async fn colour_table(
    store: &dyn Store,
    by_code: &HashMap<&str, &Indicator>,
    children: &[&Entity],
    own: &Values,
    year: i32,
    month: u8,
    scope: &str,
    columns: &[String],
) -> Result<ColourTable, AppError> {
    let inds: Vec<&Indicator> = columns
        .iter()
        .filter_map(|c| by_code.get(c.as_str()).copied())
        .collect();
    let periods: Vec<Period> = (1..=month).filter_map(|m| cumulative(year, m)).collect();
    let ids: Vec<EntityId> = children.iter().map(|e| e.id).collect();
    let mut got: HashMap<(EntityId, IndicatorId, Period), f64> = HashMap::new();
    if !ids.is_empty() && !inds.is_empty() {
        let filter = ObservationFilter {
            entities: Some(ids.clone()),
            indicators: Some(inds.iter().map(|i| i.id).collect()),
            periods: Some(periods.clone()),
            measure: Some(Measure::Growth),
            ..Default::default()
        };
        for o in super::read::observations(store, &filter).await? {
            got.insert(
                (o.key.entity, o.key.indicator, o.key.period),
                o.value.value(),
            );
        }
    }
    let mut table = ColourTable {
        legend: colour::growth_legend(scope),
        ..Default::default()
    };
    let mut col_periods = Vec::new();
    for ind in &inds {
        let p = periods
            .iter()
            .rev()
            .find(|p| ids.iter().any(|c| got.contains_key(&(*c, ind.id, **p))));
        let Some(p) = p else { continue };
        table.columns.push(TableColumn {
            code: ind.data.code.as_str().to_string(),
            name: format!("{}增速", ind.data.name),
            period_label: p.label_zh(),
        });
        table
            .reference
            .push(own.get(&(ind.id, *p, Measure::Growth)).copied());
        col_periods.push((ind.id, *p));
    }
    for c in children {
        let cells: Vec<Option<TableCell>> = col_periods
            .iter()
            .zip(&table.reference)
            .map(|((ind, p), reference)| {
                let v = *got.get(&(c.id, *ind, *p))?;
                Some(TableCell {
                    value: v,
                    colour: reference.map(|r| colour::growth_colour(v, r, scope)),
                })
            })
            .collect();
        if cells.iter().any(Option::is_some) {
            table.rows.push(TableRow {
                place: Place::of(c),
                cells,
            });
        }
    }
    Ok(table)
}

/// The work panel rows, one per child.
pub fn work_panel(
    children: &[&Entity],
    summary: &WorkSummary,
    monthly: &HashMap<EntityId, f64>,
) -> WorkPanel {
    let rows = children
        .iter()
        .map(|e| {
            let counts = summary.by_child.get(&e.id).cloned().unwrap_or_default();
            WorkRow {
                place: Place::of(e),
                closure_rate: counts.closure_rate(),
                counts,
                ontime_rate: monthly.get(&e.id).copied(),
            }
        })
        .collect();
    WorkPanel {
        closure_rate: summary.total.closure_rate(),
        total: summary.total.clone(),
        rows,
    }
}

/// Red and orange children and tiles behind 序时进度.
pub fn alerts(children: &[super::Child], tiles: &[Tile]) -> Vec<Alert> {
    let mut out: Vec<Alert> = tiles
        .iter()
        .filter_map(|t| {
            let p = t.progress.as_ref()?;
            (p.gap < 0.0).then(|| Alert {
                key: None,
                text: format!(
                    "{}完成年度计划{:.1}%，{}序时进度{:.1}个百分点",
                    t.name,
                    p.completion,
                    p.label,
                    p.gap.abs()
                ),
                colour: None,
            })
        })
        .collect();
    for c in children {
        if let Some(col) = c.colour.as_ref().filter(|c| colour::is_alarm(&c.name)) {
            out.push(Alert {
                key: Some(c.place.key.clone()),
                text: format!("{}：{}（{}）", c.place.name, col.name, col.meaning),
                colour: Some(col.clone()),
            });
        }
    }
    out.truncate(16);
    out
}
