//! What the results readers return: a run's header with its typed metadata and the rows a caller
//! sees, and one item of a row's breakdown with its definition filled in ([`BreakdownLine`]).
//! Front ends format these; none reads metadata by key.

use serde::Serialize;
use yiping_eval::GrowthSource;
use yiping_eval::scheme::MeasureKind;
use yiping_kernel::{EntityId, IndicatorCode, Period};
use yiping_store::{
    ColourDef, EvaluationRow, EvaluationRun, GradeDef, ItemDef, Rgb, RunMeta, StoredScheme,
    serialize_compact,
};

/// A stored scheme version with the runs stored under it (oldest first).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemeResults {
    pub scheme: StoredScheme,
    pub runs: Vec<EvaluationRun>,
}

/// A league table: a run's header and the rows the caller sees, in league order.
#[derive(Debug, Clone, PartialEq)]
pub struct League {
    /// The scheme's newest stored version (its name is the one shown).
    pub scheme: StoredScheme,
    /// Every period the scheme has results for, in time.
    pub periods: Vec<Period>,
    pub run: EvaluationRun,
    pub rows: Vec<EvaluationRow>,
    /// The rows matching the query that the caller sees (all of them are in `rows` unless a
    /// page or a limit was asked for).
    pub total: u64,
    /// Matching rows outside the caller's subtree were left out (ranks stay the overall ones).
    pub scoped: bool,
}

impl League {
    pub fn meta(&self) -> &RunMeta {
        &self.run.meta
    }

    /// The items every row's breakdown lines up with.
    pub fn items(&self) -> &[ItemDef] {
        &self.run.meta.items
    }

    pub fn grade(&self, name: &str) -> Option<&GradeDef> {
        self.run.meta.grade(name)
    }

    pub fn colour(&self, name: &str) -> Option<&ColourDef> {
        self.run.meta.colour(name)
    }

    /// The breakdown of one of the rows, with the items' definitions.
    pub fn breakdown(&self, row: &EvaluationRow) -> Vec<BreakdownLine> {
        BreakdownLine::expand(&self.run.meta, row)
    }
}

/// One entity's result in a period.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityResult {
    pub scheme: StoredScheme,
    pub run: EvaluationRun,
    pub row: EvaluationRow,
}

impl EntityResult {
    pub fn breakdown(&self) -> Vec<BreakdownLine> {
        BreakdownLine::expand(&self.run.meta, &self.row)
    }
}

/// One entity's results in every stored period, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub scheme: StoredScheme,
    pub entity: EntityId,
    /// The entity's name in its latest result (empty without results).
    pub name: String,
    pub entries: Vec<HistoryRow>,
}

/// One period of a [`History`].
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    pub period: Period,
    pub row: EvaluationRow,
    /// The metadata of the period's run (`None` if the header is gone).
    pub meta: Option<RunMeta>,
}

impl HistoryRow {
    pub fn grade_rgb(&self) -> Option<Rgb> {
        let (meta, g) = (self.meta.as_ref()?, self.row.grade.as_deref()?);
        meta.grade(g).map(|d| d.rgb)
    }

    pub fn colour_rgb(&self) -> Option<Rgb> {
        let (meta, c) = (self.meta.as_ref()?, self.row.colour.as_deref()?);
        meta.colour(c).map(|d| d.rgb)
    }
}

/// One item of a row: the stored values with the item's definition. Serialises as the API sends
/// it (stored numbers as the stored text has them; `raw`, `points` and `growth` only when
/// present).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakdownLine {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub weight: f64,
    pub indicator: Option<IndicatorCode>,
    pub decimals: u8,
    /// What the item measures.
    #[serde(skip)]
    pub kind: MeasureKind,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_compact"
    )]
    pub raw: Option<f64>,
    /// The measure scored (the raw value when nothing was derived).
    #[serde(serialize_with = "serialize_compact")]
    pub measure: Option<f64>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_compact"
    )]
    pub points: Option<f64>,
    /// Points × weight ÷ divisor.
    pub weighted: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub growth: Option<GrowthSource>,
    pub missing: bool,
}

impl BreakdownLine {
    /// The row's breakdown beside the run's items (the readers have checked they line up).
    pub fn expand(meta: &RunMeta, row: &EvaluationRow) -> Vec<Self> {
        meta.items
            .iter()
            .zip(&row.breakdown)
            .map(|(it, b)| Self {
                id: it.id.clone(),
                name: it.name.clone(),
                unit: it.unit.clone(),
                weight: it.weight,
                indicator: it.indicator.clone(),
                decimals: it.decimals,
                kind: it.measure.clone(),
                raw: b.raw,
                measure: b.measure(),
                points: b.points,
                weighted: it.weighted(b.points),
                growth: b.growth,
                missing: b.missing,
            })
            .collect()
    }
}
