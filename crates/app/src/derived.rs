//! Derived measures you can query (issue 12): 同比, 占比, 拉动, 贡献率, 增长面, the difference to a
//! reference in 个百分点 and the rank among siblings, for one indicator and period, over a parent
//! region and its children. The arithmetic is `yiping_eval::measures` (the same functions the
//! schemes use); this module reads the values and picks the members.
//!
//! Members are the parent's children of the same kind valid at the period's end, functional
//! areas (功能区) left out as in every sum; the parent itself comes first for the measures that
//! apply to it. Growth is the reported one when there is one, else derived from the levels
//! ([`yiping_eval::pick_growth`]). A reference (全国, 全省) is an ordinary entity outside the tree,
//! imported like any other, named by code or name.

use std::collections::HashMap;
use std::str::FromStr;

use serde::Serialize;
use yiping_access::{Capability, Principal};
use yiping_eval::measures::{
    contribution_pp, contribution_rate, difference_pp, growth_breadth, pick_growth, share_pct,
    yoy_growth,
};
use yiping_kernel::{Catalog, Entity, EntityId, IndicatorId, Measure, Period};
use yiping_store::Store;

use crate::AppError;

/// A derived measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DerivedMeasure {
    /// Growth year on year, %.
    Yoy,
    /// Share in the parent, %.
    Share,
    /// 拉动: percentage points of the parent's growth the member accounts for.
    Pull,
    /// 贡献率: the member's share of the parent's increase, %.
    ContributionRate,
    /// 增长面: the share of members growing, %.
    Breadth,
    /// Growth minus the reference's growth, 个百分点.
    DiffToReference,
    /// Rank of growth among the siblings (1 = fastest).
    Rank,
}

impl FromStr for DerivedMeasure {
    type Err = AppError;

    fn from_str(s: &str) -> Result<Self, AppError> {
        Ok(match s.trim() {
            "同比" | "增速" | "yoy" => Self::Yoy,
            "占比" | "share" => Self::Share,
            "拉动" | "pull" => Self::Pull,
            "贡献率" | "contribution_rate" => Self::ContributionRate,
            "增长面" | "breadth" => Self::Breadth,
            "差距" | "百分点差" | "diff" => Self::DiffToReference,
            "排名" | "rank" => Self::Rank,
            other => {
                return Err(AppError::invalid(format!(
                    "派生口径“{other}”无效：可选 同比、占比、拉动、贡献率、增长面、差距（与参照相差的个百分点）、排名"
                )));
            }
        })
    }
}

impl DerivedMeasure {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Yoy => "同比",
            Self::Share => "占比",
            Self::Pull => "拉动",
            Self::ContributionRate => "贡献率",
            Self::Breadth => "增长面",
            Self::DiffToReference => "差距",
            Self::Rank => "排名",
        }
    }

    pub fn unit_zh(self) -> &'static str {
        match self {
            Self::Yoy | Self::Share | Self::ContributionRate | Self::Breadth => "%",
            Self::Pull | Self::DiffToReference => "个百分点",
            Self::Rank => "位",
        }
    }

    /// Whether the parent gets a row too (its own 同比, its 增长面, its difference to the
    /// reference); shares, contributions and ranks are of members only.
    fn includes_parent(self) -> bool {
        matches!(self, Self::Yoy | Self::Breadth | Self::DiffToReference)
    }
}

/// What to compute.
#[derive(Debug, Clone)]
pub struct DerivedQuery {
    pub indicator: IndicatorId,
    pub period: Period,
    pub measure: DerivedMeasure,
    /// The parent region (default: the root of the caller's scope, the city for the system).
    pub parent: Option<EntityId>,
    /// The reference for [`DerivedMeasure::DiffToReference`] (default: the parent).
    pub reference: Option<EntityId>,
}

/// One row of the answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DerivedRow {
    pub entity: EntityId,
    pub name: String,
    /// `None`: not computable (no data, zero denominator).
    pub value: Option<f64>,
}

/// The answer: the rows, the parent first where it has one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DerivedTable {
    pub indicator: String,
    pub indicator_name: String,
    pub period: Period,
    pub measure: DerivedMeasure,
    pub unit: &'static str,
    pub parent: String,
    pub reference: Option<String>,
    pub rows: Vec<DerivedRow>,
}

struct Levels {
    now: HashMap<EntityId, f64>,
    before: HashMap<EntityId, f64>,
    growth: HashMap<EntityId, f64>,
}

impl Levels {
    fn growth(&self, e: EntityId) -> Option<f64> {
        pick_growth(
            self.growth.get(&e).copied(),
            yoy_growth(self.now.get(&e).copied(), self.before.get(&e).copied()),
        )
        .map(|(g, _)| g)
    }
}

async fn slice(
    store: &dyn Store,
    indicator: IndicatorId,
    period: Option<Period>,
    measure: Measure,
) -> Result<HashMap<EntityId, f64>, AppError> {
    let Some(period) = period else {
        return Ok(HashMap::new());
    };
    Ok(store
        .observation_slice(indicator, period, measure)
        .await?
        .into_iter()
        .map(|(e, v)| (e, v.value()))
        .collect())
}

/// The members of `parent` at the end of `period`.
fn members<'a>(catalog: &'a Catalog, parent: &Entity, period: Period) -> Vec<&'a Entity> {
    let end = period.last_day();
    let mut out: Vec<&Entity> = catalog
        .entities()
        .filter(|e| {
            e.parent_at(end) == Some(parent.id)
                && e.data.kind == parent.data.kind
                && !crate::screen::is_functional(e)
        })
        .collect();
    out.sort_by(|a, b| {
        (a.data.code.as_ref().map(|c| c.as_str()), a.id)
            .cmp(&(b.data.code.as_ref().map(|c| c.as_str()), b.id))
    });
    out
}

/// Computes a derived measure for the caller (who needs to see the parent's data).
pub async fn derived_as(
    store: &dyn Store,
    p: &Principal,
    q: &DerivedQuery,
) -> Result<DerivedTable, AppError> {
    p.require(Capability::ViewData)?;
    let catalog = Catalog::new(store.all_entities().await?, store.indicators().await?);
    let indicator = catalog
        .indicator(q.indicator)
        .ok_or_else(|| AppError::not_found(format!("没有编号为 {} 的指标", q.indicator)))?;
    let parent_id = match q.parent {
        Some(id) => id,
        None if p.scope.is_everything() => catalog
            .entities()
            .filter(|e| e.data.parents.is_empty() && e.data.level == 1)
            .filter(|e| !members(&catalog, e, q.period).is_empty())
            .map(|e| e.id)
            .min()
            .ok_or_else(|| AppError::not_found("没有有下级的顶层地区"))?,
        None => p.home(),
    };
    p.require_in(Capability::ViewData, parent_id)?;
    let parent = catalog
        .entity(parent_id)
        .ok_or_else(|| AppError::not_found(format!("没有编号为 {parent_id} 的主体")))?;
    let reference = match q.reference {
        Some(r) => Some(
            catalog
                .entity(r)
                .ok_or_else(|| AppError::not_found(format!("没有编号为 {r} 的参照主体")))?,
        ),
        None => None,
    };
    let levels = Levels {
        now: slice(store, q.indicator, Some(q.period), Measure::Value).await?,
        before: slice(
            store,
            q.indicator,
            q.period.same_period_last_year(),
            Measure::Value,
        )
        .await?,
        growth: slice(store, q.indicator, Some(q.period), Measure::Growth).await?,
    };
    let members = members(&catalog, parent, q.period);
    let pid = parent.id;
    let value = |e: EntityId| -> Option<f64> {
        let now = levels.now.get(&e).copied();
        let before = levels.before.get(&e).copied();
        let (pnow, pbefore) = (
            levels.now.get(&pid).copied(),
            levels.before.get(&pid).copied(),
        );
        match q.measure {
            DerivedMeasure::Yoy => levels.growth(e),
            DerivedMeasure::Share => share_pct(now?, pnow?),
            DerivedMeasure::Pull => contribution_pp(now?, before?, pbefore?),
            DerivedMeasure::ContributionRate => contribution_rate(now?, before?, pnow?, pbefore?),
            DerivedMeasure::DiffToReference => {
                let r = reference.map_or(pid, |r| r.id);
                Some(difference_pp(levels.growth(e)?, levels.growth(r)?))
            }
            DerivedMeasure::Breadth | DerivedMeasure::Rank => None,
        }
    };
    let mut rows: Vec<DerivedRow> = Vec::new();
    let row = |e: &Entity, value: Option<f64>| DerivedRow {
        entity: e.id,
        name: e.data.name.clone(),
        value,
    };
    match q.measure {
        DerivedMeasure::Breadth => {
            rows.push(row(
                parent,
                growth_breadth(members.iter().map(|m| levels.growth(m.id))),
            ));
        }
        DerivedMeasure::Rank => {
            let mut with: Vec<(f64, &Entity)> = members
                .iter()
                .filter_map(|m| levels.growth(m.id).map(|g| (g, *m)))
                .collect();
            with.sort_by(|a, b| b.0.total_cmp(&a.0));
            // Ties share the better rank (1, 2, 2, 4).
            let mut rank = 0;
            let mut last = None;
            for (i, (g, m)) in with.iter().enumerate() {
                if last != Some(*g) {
                    rank = i + 1;
                    last = Some(*g);
                }
                rows.push(row(m, Some(rank as f64)));
            }
            rows.extend(
                members
                    .iter()
                    .filter(|m| levels.growth(m.id).is_none())
                    .map(|m| row(m, None)),
            );
        }
        m => {
            if m.includes_parent() {
                rows.push(row(parent, value(parent.id)));
            }
            rows.extend(members.iter().map(|e| row(e, value(e.id))));
        }
    }
    Ok(DerivedTable {
        indicator: indicator.data.code.as_str().to_string(),
        indicator_name: indicator.data.name.clone(),
        period: q.period,
        measure: q.measure,
        unit: q.measure.unit_zh(),
        parent: parent.data.name.clone(),
        reference: reference.map(|r| r.data.name.clone()),
        rows,
    })
}

/// The table as an exported sheet: 主体, 指标, 时期, 口径, 数值, 单位 (an empty 数值 where the
/// measure is not computable).
pub fn table(t: &DerivedTable) -> yiping_io::Table {
    use yiping_io::Cell;
    let mut out = yiping_io::Table::new(["主体", "指标", "时期", "口径", "数值", "单位"]);
    out.title = Some(format!(
        "{} {} {}（{}{}）",
        t.parent,
        t.indicator_name,
        t.measure.label_zh(),
        t.period.label_zh(),
        t.reference
            .as_ref()
            .map(|r| format!("，参照{r}"))
            .unwrap_or_default()
    ));
    for r in &t.rows {
        out.rows.push(vec![
            Cell::Text(r.name.clone()),
            Cell::Text(t.indicator_name.clone()),
            Cell::Text(t.period.label_zh()),
            Cell::Text(t.measure.label_zh().to_string()),
            r.value.map_or(Cell::Empty, |v| {
                Cell::Number(yiping_eval::measures::round_to(v, 4))
            }),
            Cell::Text(t.unit.to_string()),
        ]);
    }
    out
}

/// Writes the table to `path` (CSV or XLSX by the extension).
pub fn write(t: &DerivedTable, path: &std::path::Path) -> Result<(), AppError> {
    let sheet = table(t);
    match crate::export::ExportFormat::from_path(path)? {
        crate::export::ExportFormat::Csv => {
            let file = std::fs::File::create(path)
                .map_err(|e| AppError::invalid(format!("无法写入“{}”：{e}", path.display())))?;
            yiping_io::write_csv(&sheet, std::io::BufWriter::new(file))?;
        }
        crate::export::ExportFormat::Xlsx => {
            yiping_io::write_xlsx(&[(t.measure.label_zh(), &sheet)], path)?;
        }
    }
    Ok(())
}
