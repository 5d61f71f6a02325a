//! Stored evaluation schemes and results (DESIGN §3 "Evaluation"): one header per (scheme,
//! period) and one row per entity. The store keeps what the app layer computed; it knows nothing
//! about how a scheme scores. Per-item breakdowns and run metadata are JSON text, written and read
//! as they are.

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiping_kernel::{EntityId, Frequency, Period};

/// A version of a scheme to store: its TOML text plus the fields the store lists and selects by
/// (the app layer has checked the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewScheme {
    pub code: String,
    /// The evaluation year this version applies from.
    pub year: i32,
    pub name: String,
    pub frequency: Frequency,
    /// The TOML source as the analyst wrote it.
    pub source: String,
}

/// A stored version of a scheme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredScheme {
    pub code: String,
    pub year: i32,
    pub name: String,
    pub frequency: Frequency,
    pub source: String,
    /// 1 when first stored, +1 on every change of the text.
    pub version: i64,
    pub changed_by: String,
    pub updated_at: DateTime<Utc>,
}

/// A move in rank against the previous period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RankChange {
    Up(u32),
    Down(u32),
    Same,
    /// Not ranked in the previous period.
    New,
}

impl RankChange {
    /// Places gained (positive) or lost (negative); `None` for a new entry.
    pub fn places(self) -> Option<i64> {
        match self {
            Self::Up(n) => Some(i64::from(n)),
            Self::Down(n) => Some(-i64::from(n)),
            Self::Same => Some(0),
            Self::New => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up(_) => "up",
            Self::Down(_) => "down",
            Self::Same => "same",
            Self::New => "new",
        }
    }

    /// 上升2位, 下降1位, 持平, 新进.
    pub fn label_zh(self) -> String {
        match self {
            Self::Up(n) => format!("上升{n}位"),
            Self::Down(n) => format!("下降{n}位"),
            Self::Same => "持平".to_string(),
            Self::New => "新进".to_string(),
        }
    }

    /// From the stored move and signed places.
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
}

/// A move between grades against the previous period (晋升 / 下降).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GradeMove {
    Up,
    Down,
    Same,
    New,
}

impl GradeMove {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
            Self::Same => "same",
            Self::New => "new",
        }
    }

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

/// The header of one evaluation of a scheme for a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationRun {
    pub scheme: String,
    pub period: Period,
    /// The version of the scheme that produced the results.
    pub scheme_year: i32,
    pub scheme_version: i64,
    /// The period whose stored results the rank and grade moves compare with.
    pub previous_period: Option<Period>,
    /// Rows stored (the population).
    pub population: u32,
    /// Rows with a rank (not excluded).
    pub ranked: u32,
    /// Metadata the rows refer to (grade and colour names, items, labels), as JSON text.
    pub meta: String,
    pub computed_at: DateTime<Utc>,
}

/// One entity's stored result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationRow {
    pub entity: EntityId,
    /// The key the engine ranked by (region code, credit code, or the id as text).
    pub entity_key: String,
    /// The entity's name when evaluated.
    pub entity_name: String,
    /// League-table position, from 0: ranked rows by rank, then excluded rows.
    pub position: u32,
    pub score: Option<f64>,
    pub rank: Option<u32>,
    pub cohort: Option<String>,
    pub cohort_rank: Option<u32>,
    pub grade: Option<String>,
    pub colour: Option<String>,
    pub rank_change: Option<RankChange>,
    pub cohort_rank_change: Option<RankChange>,
    pub grade_change: Option<GradeMove>,
    /// 不定等级: scored and ranked, not graded.
    pub exempt: bool,
    /// Left out for missing data: no score, no rank.
    pub excluded: bool,
    pub explanation: String,
    /// The per-item breakdown as JSON text (an array of objects).
    pub breakdown: String,
}

/// Which rows of an evaluation to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultFilter {
    pub cohort: Option<String>,
    pub grade: Option<String>,
    pub entity: Option<EntityId>,
}

/// One page of an evaluation: its header and the rows in league-table order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationPage {
    pub run: EvaluationRun,
    pub rows: crate::Paged<EvaluationRow>,
}

/// The compact form of a stored row, for the next evaluation: previous ranks and grades, and the
/// scores composites take.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultSlice {
    pub entity: EntityId,
    pub entity_key: String,
    pub score: Option<f64>,
    pub rank: Option<u32>,
    pub cohort_rank: Option<u32>,
    pub grade: Option<String>,
}

/// One period of an entity's history in a scheme.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub period: Period,
    pub row: EvaluationRow,
}
