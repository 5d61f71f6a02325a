//! Evaluation schemes as data: authored in TOML, deserialised into loose `raw` structs, then
//! checked into a [`Scheme`] whose every part is valid. Errors name the field path
//! (`items[2].weight: 权重须为正数`) and are written in Chinese, for the analysts who author schemes.
//!
//! A [`Scheme`] can only be obtained through [`Scheme::from_toml_str`], so the engine never
//! re-checks weights, band orders or references. [`SchemeSet`] adds the checks that need several
//! schemes at once: composite items must name an existing scheme, without cycles.

mod check;
mod check_item;
mod grading;
mod raw;
mod set;

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use yiping_kernel::{EntityKind, Frequency, IndicatorCode, Polarity};

pub use set::SchemeSet;

/// One problem in a scheme, at a field path such as `banding.bands[1].top_pct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a scheme (or a set of schemes) was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SchemeError {
    /// The text is not valid TOML or does not have the expected shape.
    #[error("方案文件格式错误：{0}")]
    Syntax(String),
    /// The TOML parsed but some fields are invalid; every problem found is listed.
    #[error("{}", join_errors(.0))]
    Invalid(Vec<FieldError>),
}

fn join_errors(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("；")
}

impl SchemeError {
    /// The field errors (empty for a syntax error).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Syntax(_) => &[],
            Self::Invalid(v) => v,
        }
    }
}

/// Which entities a scheme evaluates. An entity is in the population when it has the kind, the
/// level (if given) and any of the groups (if given), or when its key is in `include`; keys in
/// `exclude` are always out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Population {
    pub kind: EntityKind,
    pub level: Option<u8>,
    pub groups: Vec<String>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

/// A named cohort (主城都市区, 渝东北, 渝东南): the entities having any of `groups`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cohort {
    pub name: String,
    pub groups: Vec<String>,
}

/// Which measure an item derives from its raw inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// The value as given.
    Value,
    /// Reported growth, else growth derived from the value and the previous level.
    Growth,
    /// Value ÷ parent value × 100.
    Share,
    /// Value ÷ target × 100.
    Completion,
    /// Completion − time progress (pp).
    ProgressGap,
    /// 拉动 (pp) or 贡献率 (%).
    Contribution(ContributionForm),
    /// Value or growth minus a reference, in pp.
    DifferenceToReference { base: Base, reference: Reference },
    /// The total score of another scheme (composites such as the eight cards' overall).
    SchemeScore { scheme: String },
}

impl MeasureKind {
    /// The unit shown when an item does not set one.
    pub fn default_unit(&self) -> &'static str {
        match self {
            Self::Value | Self::SchemeScore { .. } => "",
            Self::Growth | Self::Share | Self::Completion => "%",
            Self::Contribution(ContributionForm::Rate) => "%",
            Self::Contribution(ContributionForm::Points)
            | Self::ProgressGap
            | Self::DifferenceToReference { .. } => "个百分点",
        }
    }
}

/// The two contribution measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContributionForm {
    /// 拉动: Δmember ÷ parent previous × 100, in pp.
    Points,
    /// 贡献率: Δmember ÷ Δparent × 100, in %.
    Rate,
}

/// What a difference is taken of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    Value,
    Growth,
}

/// A reference value passed in with the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reference {
    /// The city value: of the item (item basis) or of the score (score basis).
    City,
    /// The entity's own target for the item.
    Target,
    /// 序时进度 in %.
    TimeProgress,
    /// Any other named reference in the input (e.g. `national`).
    Named(String),
}

/// A cut point: a constant, or a reference plus an offset (city + 1.0).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Threshold {
    Constant(f64),
    Relative { reference: Reference, offset: f64 },
}

/// How a measure becomes points. Scores are on a 0–100 scale before weighting (see
/// [`Weighting`]); a benchmark ratio of 1.5 is 150 points.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalisation {
    /// The measure itself (single-indicator races, composite items).
    Identity,
    /// Rank 1 gets `max`; with `step` each later rank loses `step` (not below 0), otherwise
    /// rank r of n gets max × (n − r + 1) ÷ n. Tied measures share the better rank.
    RankPoints { max: f64, step: Option<f64> },
    /// floor + (ceiling − floor) × (x − min) ÷ (max − min): 功效系数 is 60/100, 旌德 is 20/100.
    MinMax { floor: f64, ceiling: f64 },
    /// 100 × value ÷ benchmark (benchmark ÷ value for lower-better), the ratio capped at `cap`.
    BenchmarkRatio { benchmark: f64, cap: Option<f64> },
    /// centre + scale × z, z over the normalisation scope (T-score by default: 50 + 10z).
    ZScore { centre: f64, scale: f64 },
    /// 100 × measure ÷ the entity's target, capped at `cap` (in points).
    TargetCompletion { cap: Option<f64> },
}

/// What min–max gives when every entity has the same measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Degenerate {
    Full,
    Floor,
}

/// What happens to an entity without a measure for an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingRule {
    /// The entity leaves the scheme: no score, no rank, no grade.
    Exclude,
    /// The item scores 0 points.
    Zero,
    /// The item scores the average normalised score of the entity's cohort (黄岩 rule).
    CohortAverage,
}

/// How normalised scores are weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Weighting {
    /// points × weight ÷ 100 (weights out of 100, as published).
    PerHundred,
    /// points × weight ÷ Σ weights (a weighted mean).
    Share,
}

/// Overall or within each cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerSet {
    Overall,
    Cohort,
}

/// One scored item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub id: String,
    pub name: String,
    /// `None` only for composite items (`score_of_scheme`).
    pub indicator: Option<IndicatorCode>,
    pub measure: MeasureKind,
    pub weight: f64,
    pub normalisation: Normalisation,
    /// Overrides the indicator's polarity passed in with the input.
    pub polarity: Option<Polarity>,
    pub degenerate: Degenerate,
    pub missing: MissingRule,
    pub unit: String,
    pub decimals: u8,
}

/// Bonus or penalty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentKind {
    Bonus,
    Penalty,
}

/// Points added or subtracted from an input value: value × per_unit, capped at `max`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjustment {
    pub id: String,
    pub name: String,
    pub kind: AdjustmentKind,
    pub per_unit: f64,
    pub max: Option<f64>,
}

/// 不定等级: entities scored and ranked but given no grade.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Exemptions {
    pub keys: Vec<String>,
    pub groups: Vec<String>,
}

/// One key of the ranking order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TieKey {
    /// Total score, always first and descending.
    Score,
    /// An item's measure (index into the items); missing measures sort last.
    Item {
        index: usize,
        descending: bool,
    },
    EntityKey {
        descending: bool,
    },
    Name {
        descending: bool,
    },
}

/// The declared ranking order. It always starts with the score and ends with the entity key,
/// so ranks are a permutation 1..n.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TieRule {
    pub keys: Vec<TieKey>,
    /// Entities with equal scores get the best grade any of them would get.
    pub share_better_grade: bool,
}

/// What a grade or a colour is decided on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Score,
    /// An item's measure (index into the items).
    Item(usize),
}

/// A grade and its description (A 优先发展).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grade {
    pub name: String,
    pub label: Option<String>,
}

/// How grades are cut; there is one cut fewer than grades.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BandRule {
    /// Cumulative top shares in %: position p of n is in band k when p ≤ n × pct_k ÷ 100.
    TopPct(Vec<f64>),
    /// Cumulative top counts.
    TopN(Vec<u32>),
    /// Grade k when the basis reaches threshold k (≤ for a lower-better item).
    Absolute {
        by: Basis,
        thresholds: Vec<Threshold>,
    },
}

/// Grades (best first) and how they are assigned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Banding {
    pub grades: Vec<Grade>,
    pub rule: BandRule,
    pub scope: PeerSet,
    /// Written after the grade: 档, 类.
    pub suffix: String,
}

/// How the five colours are cut.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColourRule {
    /// Four cuts; colour k when the basis reaches cut k in the basis's good direction.
    Thresholds { by: Basis, cuts: Vec<Threshold> },
    /// By rank position: each fifth of the ranked entities gets one colour.
    Quintile,
}

/// Five ordered colours. The first colour goes to the values at the top (in the basis's good
/// direction); names and meanings are data, so NBS semantics (红 = overheated at the top) are as
/// expressible as the government convention (深绿 best … 红 worst).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Colours {
    pub names: Vec<String>,
    pub meanings: Vec<String>,
    pub rule: ColourRule,
    pub scope: PeerSet,
}

/// Words used in explanations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Labels {
    /// 全市, 全区: "居全市第3位".
    pub scope: String,
    /// 综合得分.
    pub score: String,
}

/// A checked evaluation scheme. Obtain one with [`Scheme::from_toml_str`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scheme {
    code: String,
    name: String,
    year: i32,
    frequency: Frequency,
    population: Population,
    cohorts: Vec<Cohort>,
    items: Vec<Item>,
    adjustments: Vec<Adjustment>,
    exemptions: Exemptions,
    weighting: Weighting,
    normalise_within: PeerSet,
    score_decimals: Option<u8>,
    ties: TieRule,
    banding: Option<Banding>,
    colours: Option<Colours>,
    labels: Labels,
    problems: ProblemRule,
}

/// `[problems]`: which results raise a 问题 work item (opt-in; empty = none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProblemRule {
    /// Grades (by name) that raise a problem, e.g. `["C"]`.
    pub grades: Vec<String>,
    /// Colours (by name) that raise a problem, e.g. `["红"]`.
    pub colours: Vec<String>,
}

impl ProblemRule {
    pub fn is_empty(&self) -> bool {
        self.grades.is_empty() && self.colours.is_empty()
    }

    /// Whether a result with this grade and colour raises a problem.
    pub fn raises(&self, grade: Option<&str>, colour: Option<&str>) -> bool {
        grade.is_some_and(|g| self.grades.iter().any(|x| x == g))
            || colour.is_some_and(|c| self.colours.iter().any(|x| x == c))
    }
}

impl Scheme {
    /// Parses and checks a scheme; every invalid field is reported with its path.
    pub fn from_toml_str(text: &str) -> Result<Self, SchemeError> {
        let raw: raw::RawScheme = toml::from_str(text).map_err(|e| raw::syntax_error(text, &e))?;
        check::check(raw)
    }

    pub fn code(&self) -> &str {
        &self.code
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn year(&self) -> i32 {
        self.year
    }
    pub fn frequency(&self) -> Frequency {
        self.frequency
    }
    pub fn population(&self) -> &Population {
        &self.population
    }
    pub fn cohorts(&self) -> &[Cohort] {
        &self.cohorts
    }
    pub fn items(&self) -> &[Item] {
        &self.items
    }
    pub fn adjustments(&self) -> &[Adjustment] {
        &self.adjustments
    }
    pub fn exemptions(&self) -> &Exemptions {
        &self.exemptions
    }
    pub fn weighting(&self) -> Weighting {
        self.weighting
    }
    pub fn normalise_within(&self) -> PeerSet {
        self.normalise_within
    }
    pub fn score_decimals(&self) -> Option<u8> {
        self.score_decimals
    }
    pub fn ties(&self) -> &TieRule {
        &self.ties
    }
    pub fn banding(&self) -> Option<&Banding> {
        self.banding.as_ref()
    }
    /// Which results raise a 问题 work item (`[problems]`).
    pub fn problems(&self) -> &ProblemRule {
        &self.problems
    }
    pub fn colours(&self) -> Option<&Colours> {
        self.colours.as_ref()
    }
    pub fn labels(&self) -> &Labels {
        &self.labels
    }

    /// The indicator codes the scheme reads, deduplicated, in item order: what the app layer
    /// fetches (one query per indicator).
    pub fn indicators(&self) -> Vec<&IndicatorCode> {
        let mut out: Vec<&IndicatorCode> = Vec::new();
        for code in self.items.iter().filter_map(|i| i.indicator.as_ref()) {
            if !out.contains(&code) {
                out.push(code);
            }
        }
        out
    }

    /// The codes of the schemes whose scores this (composite) scheme takes.
    pub fn component_schemes(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter_map(|i| match &i.measure {
                MeasureKind::SchemeScore { scheme } => Some(scheme.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The index of the item with this id.
    pub fn item_index(&self, id: &str) -> Option<usize> {
        self.items.iter().position(|i| i.id == id)
    }
}
