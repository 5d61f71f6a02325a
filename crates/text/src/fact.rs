//! The fact the extractor returns, in the schema of issue 14 (and of the gold standard).

use serde::Serialize;

pub use crate::anchor::Qualifier;

/// What kind of number a fact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    GrowthPct,
    Value,
    Count,
    Rank,
    Grade,
    SharePct,
    RatePct,
    PpDiff,
    Other,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::GrowthPct => "growth_pct",
            Measure::Value => "value",
            Measure::Count => "count",
            Measure::Rank => "rank",
            Measure::Grade => "grade",
            Measure::SharePct => "share_pct",
            Measure::RatePct => "rate_pct",
            Measure::PpDiff => "pp_diff",
            Measure::Other => "other",
        }
    }
}

/// A number, or a grade letter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum FactValue {
    Number(f64),
    Grade(String),
}

impl std::fmt::Display for FactValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FactValue::Number(v) => write!(f, "{v}"),
            FactValue::Grade(g) => f.write_str(g),
        }
    }
}

/// Whether a period was written in the fact's sentence or inherited from its section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodBasis {
    Explicit,
    Inherited,
}

/// One quantitative statement of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    /// What the number is about (a region, 全市, a zone, an industry, a firm, an enterprise group).
    pub subject: Option<String>,
    /// The geographic scope: the district, 全市, or a zone named as subject.
    pub region: Option<String>,
    /// The indicator as written.
    pub indicator_text: String,
    /// The catalogue's name of the indicator, when it maps.
    pub indicator: Option<String>,
    /// Canonical period code (`2024Q1`, `2024M01-M03`, `2023`, `cumulative`).
    pub period: Option<String>,
    pub measure: Measure,
    pub value: FactValue,
    pub unit: Option<String>,
    /// The reference of a rank or a point difference (全市, 全国, 渝东北, 去年年底).
    pub compare_to: Option<String>,
    pub qualifier: Option<Qualifier>,
    /// The exact text holding the mention and the value.
    pub text: String,
    /// Character offset of `text` in the document.
    pub offset: usize,
    pub period_basis: Option<PeriodBasis>,
    /// Notes: `displaced` (attributed across layout damage), `multiple` (增长N倍), `streak`
    /// (连续N个月), `projected` (预计, 力争), `enumeration` (one of a list of values).
    pub flags: Vec<&'static str>,
}
