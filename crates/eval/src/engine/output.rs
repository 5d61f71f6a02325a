//! What the engine returns: one [`EntityResult`] per entity of the population, in rank order, and
//! the per-item breakdown stored column-wise ([`ItemColumn`], indexed like `rows`) so that a
//! 100 000-firm evaluation does not allocate a breakdown per firm.

use std::sync::Arc;

use serde::Serialize;

use super::input::{PreviousEntry, PreviousResults};
use crate::measures::GrowthSource;

/// A move in rank against the previous period (the one type for it: the engine computes it, the
/// store keeps it as a kind and signed places, readers label it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RankMove {
    Up(u32),
    Down(u32),
    Same,
    /// Not ranked in the previous period.
    New,
}

impl RankMove {
    pub(crate) fn between(previous: Option<u32>, current: u32) -> Self {
        match previous {
            None => Self::New,
            Some(p) if p > current => Self::Up(p - current),
            Some(p) if p < current => Self::Down(current - p),
            Some(_) => Self::Same,
        }
    }

    /// Places gained (positive) or lost (negative); `None` for a new entry.
    pub fn places(self) -> Option<i64> {
        match self {
            Self::Up(n) => Some(i64::from(n)),
            Self::Down(n) => Some(-i64::from(n)),
            Self::Same => Some(0),
            Self::New => None,
        }
    }

    /// The kind as stored and sent: `up`, `down`, `same`, `new`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up(_) => "up",
            Self::Down(_) => "down",
            Self::Same => "same",
            Self::New => "new",
        }
    }

    /// From the stored kind and signed places; `None` when they do not make a move.
    pub fn from_parts(kind: &str, places: Option<i64>) -> Option<Self> {
        let n = |p: Option<i64>| p.and_then(|x| u32::try_from(x.unsigned_abs()).ok());
        match kind {
            "up" => n(places).map(Self::Up),
            "down" => n(places).map(Self::Down),
            "same" => Some(Self::Same),
            "new" => Some(Self::New),
            _ => None,
        }
    }

    /// The label of a table cell: 上升2位, 下降1位, 持平, 新进.
    pub fn label_zh(self) -> String {
        match self {
            Self::Same => "持平".to_string(),
            other => other.phrase_zh(),
        }
    }

    /// As an explanation says it: 上升2位, 下降1位, 与上期持平, 新进.
    pub fn phrase_zh(self) -> String {
        match self {
            Self::Up(n) => format!("上升{n}位"),
            Self::Down(n) => format!("下降{n}位"),
            Self::Same => "与上期持平".to_string(),
            Self::New => "新进".to_string(),
        }
    }
}

/// A move between grades against the previous period (晋升 / 下降).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GradeChange {
    /// 晋升: a better grade than before.
    Up,
    /// 下降.
    Down,
    /// 持平.
    Same,
    /// 新进: no grade in the previous period.
    New,
}

impl GradeChange {
    /// The kind as stored and sent: `up`, `down`, `same`, `new`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
            Self::Same => "same",
            Self::New => "new",
        }
    }

    /// From the stored kind.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "up" => Some(Self::Up),
            "down" => Some(Self::Down),
            "same" => Some(Self::Same),
            "new" => Some(Self::New),
            _ => None,
        }
    }

    /// 晋升, 下降, 持平, 新进.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Up => "晋升",
            Self::Down => "下降",
            Self::Same => "持平",
            Self::New => "新进",
        }
    }
}

/// One entity's result. Small integer types keep 100 000 rows compact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityResult {
    #[serde(serialize_with = "serialize_key")]
    pub key: Arc<str>,
    /// Position of the entity in `EvalInput::entities`.
    pub input_index: usize,
    /// Index into [`Evaluation::cohorts`]; `None` when the entity is in no declared cohort.
    pub cohort: Option<u32>,
    /// The first item whose missing data excluded the entity from the scheme.
    pub excluded_by: Option<u32>,
    /// 不定等级: scored and ranked, never graded.
    pub exempt: bool,
    pub score: Option<f64>,
    /// Bonus minus penalty, already inside `score`.
    pub adjustment: f64,
    pub rank: Option<u32>,
    pub cohort_rank: Option<u32>,
    /// Index into [`Evaluation::grades`] (0 is the best grade).
    pub grade: Option<u16>,
    /// Index into [`Evaluation::colours`] (0 is the first colour).
    pub colour: Option<u8>,
    pub rank_move: Option<RankMove>,
    pub cohort_rank_move: Option<RankMove>,
    pub grade_change: Option<GradeChange>,
}

fn serialize_key<S: serde::Serializer>(key: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(key)
}

/// One item's breakdown, indexed like [`Evaluation::rows`] (the engine's working columns are
/// moved here rather than copied).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemColumn {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub decimals: u8,
    pub weight: f64,
    /// Weighted points are normalised × weight ÷ divisor (100, or the sum of the weights).
    pub divisor: f64,
    pub raw: Vec<Option<f64>>,
    pub measure: Vec<Option<f64>>,
    /// Empty unless the item's measure is growth-based.
    pub growth_source: Vec<Option<GrowthSource>>,
    pub normalised: Vec<Option<f64>>,
    /// The measure was missing (and the missing-data rule supplied the points, if any).
    pub missing: Vec<bool>,
}

impl ItemColumn {
    /// Weighted points at a position.
    pub fn weighted(&self, pos: usize) -> Option<f64> {
        self.normalised[pos].map(|x| x * self.weight / self.divisor)
    }
}

/// One item of one row, borrowed from the columns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemScore<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub raw: Option<f64>,
    pub measure: Option<f64>,
    pub growth_source: Option<GrowthSource>,
    pub normalised: Option<f64>,
    pub weighted: Option<f64>,
    pub missing: bool,
}

/// The result of evaluating a scheme on an input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub scheme: String,
    pub scheme_name: String,
    pub year: i32,
    /// Grade names, best first (empty when the scheme has no banding).
    pub grades: Vec<String>,
    pub grade_suffix: String,
    /// Colour names in order (empty when the scheme has no colours).
    pub colours: Vec<String>,
    pub cohorts: Vec<String>,
    pub scope_label: String,
    pub score_label: String,
    pub score_decimals: Option<u8>,
    /// Explanations lead with the item's measure (one item, no bonus or penalty) rather than the
    /// total score.
    pub lead_with_measure: bool,
    /// One row per entity of the population, in input order (the order of the engine's
    /// columns, which keeps a 100 000-row evaluation free of scattered memory reads).
    pub rows: Vec<EntityResult>,
    /// Row indices by overall rank, then the excluded rows by key: the league-table order.
    pub order: Vec<u32>,
    pub items: Vec<ItemColumn>,
}

impl Evaluation {
    /// Rows in league-table order (rank, then excluded rows by key), with their row index.
    pub fn ranked(&self) -> impl Iterator<Item = (usize, &EntityResult)> + '_ {
        self.order
            .iter()
            .map(|&i| (i as usize, &self.rows[i as usize]))
    }

    /// The row of an entity key, with its index.
    pub fn find(&self, key: &str) -> Option<(usize, &EntityResult)> {
        self.rows.iter().enumerate().find(|(_, r)| &*r.key == key)
    }

    pub fn grade_of(&self, row: &EntityResult) -> Option<&str> {
        row.grade
            .and_then(|g| self.grades.get(usize::from(g)))
            .map(String::as_str)
    }

    pub fn colour_of(&self, row: &EntityResult) -> Option<&str> {
        row.colour
            .and_then(|c| self.colours.get(usize::from(c)))
            .map(String::as_str)
    }

    pub fn cohort_of(&self, row: &EntityResult) -> Option<&str> {
        row.cohort
            .and_then(|c| self.cohorts.get(c as usize))
            .map(String::as_str)
    }

    /// The per-item breakdown of row `row` (an index into `rows`).
    pub fn breakdown(&self, row: usize) -> impl Iterator<Item = ItemScore<'_>> + '_ {
        let pos = row;
        self.items.iter().map(move |c| ItemScore {
            id: &c.id,
            name: &c.name,
            raw: c.raw[pos],
            measure: c.measure[pos],
            growth_source: c.growth_source.get(pos).copied().flatten(),
            normalised: c.normalised[pos],
            weighted: c.weighted(pos),
            missing: c.missing[pos],
        })
    }

    /// The results to compare the next period with.
    pub fn to_previous(&self) -> PreviousResults {
        let mut p = PreviousResults::new();
        for r in &self.rows {
            p.insert(
                r.key.to_string(),
                PreviousEntry {
                    rank: r.rank,
                    cohort_rank: r.cohort_rank,
                    grade: self.grade_of(r).map(str::to_string),
                },
            );
        }
        p
    }

    /// The one-line explanation of every row, in row order (not rank order).
    pub fn explanations(&self) -> Vec<String> {
        (0..self.rows.len()).map(|i| self.explanation(i)).collect()
    }
}
