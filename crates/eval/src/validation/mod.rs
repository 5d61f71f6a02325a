//! Validation rules as data (DOMAIN §19, after DHIS2): a rule compares a left and a right side,
//! each an expression over indicators ([`Expr`]: values of the subject itself, the sum over its
//! child entities, the same period a year earlier, the previous cumulative period, growth derived
//! from two levels, constants), with an [`Operator`] (==, !=, >, >=, <, <=, compulsory pair,
//! exclusive pair), an [`Importance`], a [`MissingStrategy`], a [`PeriodType`], the entity levels
//! it applies to and a tolerance.
//!
//! [`check`] is pure: it reads values through the [`Facts`] trait (the app layer backs it with
//! the store and the batch being imported) and returns every [`Violation`], each able to describe
//! itself in Chinese with both numbers ([`Violation::message`]). Built-in kinds every bureau
//! needs (parts ≤ total, level and reported growth agree, cumulative 1—m月 ≥ 1—(m−1)月, ranges)
//! are written as ordinary rules by the file format ([`parse_rules`]); they are not special in
//! [`check`].

mod parse;
#[cfg(test)]
mod tests;

use serde::Serialize;
use yiping_kernel::{EntityId, Measure, Period};

pub use parse::{ValidationRuleError, parse_rules};

/// How much a violation matters: `High` refuses an import, `Medium` and `Low` are kept as
/// findings for follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Importance {
    High,
    Medium,
    Low,
}

impl Importance {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::High => "高",
            Self::Medium => "中",
            Self::Low => "低",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "high" | "高" => Some(Self::High),
            "medium" | "中" => Some(Self::Medium),
            "low" | "低" => Some(Self::Low),
            _ => None,
        }
    }
}

/// The comparison of the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    /// Both sides have a value, or neither has.
    CompulsoryPair,
    /// At most one side has a value.
    ExclusivePair,
}

impl Operator {
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "==",
            Self::Ne => "!=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::CompulsoryPair => "compulsory_pair",
            Self::ExclusivePair => "exclusive_pair",
        }
    }

    fn label_zh(self) -> &'static str {
        match self {
            Self::Eq => "等于",
            Self::Ne => "不等于",
            Self::Gt => "大于",
            Self::Ge => "不小于",
            Self::Lt => "小于",
            Self::Le => "不大于",
            Self::CompulsoryPair => "须同时填报",
            Self::ExclusivePair => "不能同时填报",
        }
    }

    /// Whether `l op r` holds, `tolerance` given in favour of the data (rounding in published
    /// figures must not raise findings).
    fn holds(self, l: f64, r: f64, tolerance: f64) -> bool {
        match self {
            Self::Eq => (l - r).abs() <= tolerance,
            Self::Ne => (l - r).abs() > tolerance,
            Self::Gt => l + tolerance > r,
            Self::Ge => l + tolerance >= r,
            Self::Lt => l < r + tolerance,
            Self::Le => l <= r + tolerance,
            Self::CompulsoryPair | Self::ExclusivePair => true,
        }
    }
}

/// What to do when an operand has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingStrategy {
    /// Skip the check when any operand of either side is missing (the default).
    SkipIfAnyMissing,
    /// Skip only when every operand is missing; missing ones count as 0.
    SkipIfAllMissing,
    /// Always check; missing operands count as 0.
    NeverSkip,
}

/// Which periods a rule checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodType {
    /// Every period.
    Any,
    /// Cumulative periods from January (1—m月, quarters to date, the year).
    Cumulative,
    /// Single months.
    Month,
    /// Calendar quarters.
    Quarter,
    /// Whole years.
    Year,
}

impl PeriodType {
    pub fn accepts(self, p: Period) -> bool {
        match (self, p) {
            (Self::Any, _) => true,
            (Self::Cumulative, p) => p.is_cumulative(),
            (Self::Month, Period::Months { from, to, .. }) => from == to,
            (Self::Quarter, Period::Months { from, to, .. }) => to == from + 2 && from % 3 == 1,
            (Self::Year, Period::Months { from, to, .. }) => from == 1 && to == 12,
            _ => false,
        }
    }
}

/// Whose value an operand reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Of {
    /// The subject itself.
    Own,
    /// The sum over the subject's children valid at the period's end (the districts of a city).
    Children,
}

/// Which period an operand reads, relative to the checked one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shift {
    Same,
    /// The same period a year earlier.
    YearAgo,
    /// The previous cumulative period (1—(m−1)月); missing for January alone.
    PreviousCumulative,
}

impl Shift {
    pub fn apply(self, p: Period) -> Option<Period> {
        match self {
            Self::Same => Some(p),
            Self::YearAgo => p.same_period_last_year(),
            Self::PreviousCumulative => p.previous_cumulative(),
        }
    }
}

/// One value read from the data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Operand {
    /// The indicator's code.
    pub indicator: String,
    pub measure: Measure,
    pub of: Of,
    pub shift: Shift,
}

/// One term of an expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Term {
    Read(Operand),
    /// Growth in % from the subject's level and its level a year earlier
    /// (value ÷ value a year earlier − 1) × 100.
    DerivedGrowth(String),
}

/// A linear expression: Σ coefficient × term + constant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    pub terms: Vec<(f64, Term)>,
    pub constant: f64,
    /// How the expression reads (the source text, or the built-in kind's wording).
    pub text: String,
}

impl Expr {
    /// The codes of the indicators read.
    pub fn indicators(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().map(|(_, t)| match t {
            Term::Read(o) => o.indicator.as_str(),
            Term::DerivedGrowth(c) => c.as_str(),
        })
    }

    /// The operands read (derived growth as its two levels), for loading.
    pub fn operands(&self) -> Vec<Operand> {
        let mut out = Vec::new();
        for (_, t) in &self.terms {
            match t {
                Term::Read(o) => out.push(o.clone()),
                Term::DerivedGrowth(c) => {
                    for shift in [Shift::Same, Shift::YearAgo] {
                        out.push(Operand {
                            indicator: c.clone(),
                            measure: Measure::Value,
                            of: Of::Own,
                            shift,
                        });
                    }
                }
            }
        }
        out
    }
}

/// A validation rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValidationRule {
    pub code: String,
    pub name: String,
    pub left: Expr,
    pub operator: Operator,
    pub right: Expr,
    pub importance: Importance,
    pub missing: MissingStrategy,
    pub period_type: PeriodType,
    /// Entity levels the rule applies to; empty: every level.
    pub levels: Vec<u8>,
    /// Allowed slack in the sides' unit (percentage points for growth).
    pub tolerance: f64,
}

impl ValidationRule {
    /// The codes of the indicators the rule reads.
    pub fn indicators(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .left
            .indicators()
            .chain(self.right.indicators())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Whether the rule reads the children of a subject (so a change below must re-check it).
    pub fn reads_children(&self) -> bool {
        self.left
            .terms
            .iter()
            .chain(&self.right.terms)
            .any(|(_, t)| matches!(t, Term::Read(o) if o.of == Of::Children))
    }

    /// Whether the rule checks `entity` (by level) at `period` (by period type).
    pub fn applies(&self, level: Option<u8>, period: Period) -> bool {
        self.period_type.accepts(period)
            && (self.levels.is_empty() || level.is_some_and(|l| self.levels.contains(&l)))
    }
}

/// Where [`check`] reads values.
pub trait Facts {
    /// A stored (or incoming) value; `None` when missing.
    fn value(
        &self,
        entity: EntityId,
        indicator: &str,
        period: Period,
        measure: Measure,
    ) -> Option<f64>;
    /// The children of `entity` valid at the end of `period`.
    fn children(&self, entity: EntityId, period: Period) -> Vec<EntityId>;
    /// The level of `entity` (1 = the city).
    fn level(&self, entity: EntityId) -> Option<u8>;
}

/// The value of one side: its number (missing operands as 0) and how many operands were
/// missing out of how many.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Side {
    value: f64,
    missing: usize,
    operands: usize,
}

fn read(facts: &dyn Facts, entity: EntityId, period: Period, o: &Operand) -> Option<f64> {
    let p = o.shift.apply(period)?;
    match o.of {
        Of::Own => facts.value(entity, &o.indicator, p, o.measure),
        Of::Children => {
            let mut sum = None;
            for c in facts.children(entity, period) {
                if let Some(v) = facts.value(c, &o.indicator, p, o.measure) {
                    *sum.get_or_insert(0.0) += v;
                }
            }
            sum
        }
    }
}

fn evaluate(facts: &dyn Facts, entity: EntityId, period: Period, e: &Expr) -> Side {
    let mut side = Side {
        value: e.constant,
        missing: 0,
        operands: 0,
    };
    for (coef, t) in &e.terms {
        side.operands += 1;
        let v = match t {
            Term::Read(o) => read(facts, entity, period, o),
            Term::DerivedGrowth(code) => {
                let now = facts.value(entity, code, period, Measure::Value);
                let before = period
                    .same_period_last_year()
                    .and_then(|p| facts.value(entity, code, p, Measure::Value));
                crate::measures::yoy_growth(now, before)
            }
        };
        match v {
            Some(v) => side.value += coef * v,
            None => side.missing += 1,
        }
    }
    side
}

/// A broken rule for one subject and period, with both sides' numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    pub rule: String,
    pub rule_name: String,
    pub importance: Importance,
    pub entity: EntityId,
    pub period: Period,
    /// The left side (`None`: no value, for pair rules).
    pub left: Option<f64>,
    pub right: Option<f64>,
    pub operator: Operator,
    pub left_text: String,
    pub right_text: String,
    pub tolerance: f64,
}

fn num(v: f64) -> String {
    let r = crate::measures::round_to(v, 4);
    let s = format!("{r}");
    if s == "-0" { "0".into() } else { s }
}

impl Violation {
    /// "各区县之和不超过全市：各区县 GDP 之和 1250 不大于 全市 GDP 1200 不成立（相差 50，容差 0.5）".
    pub fn message(&self) -> String {
        let side = |v: Option<f64>| v.map_or_else(|| "无数据".to_string(), num);
        let gap = match (self.left, self.right) {
            (Some(l), Some(r)) => format!("（相差 {}，容差 {}）", num(l - r), num(self.tolerance)),
            _ => String::new(),
        };
        format!(
            "{}：{} {} {} {} 不成立{gap}",
            self.rule_name,
            self.left_text,
            side(self.left),
            self.operator.label_zh(),
            format_args!("{} {}", self.right_text, side(self.right)),
        )
    }
}

/// Checks `rules` for every (entity, period) of `subjects`; returns every violation, in the order
/// of subjects, then rules.
pub fn check(
    rules: &[ValidationRule],
    facts: &dyn Facts,
    subjects: &[(EntityId, Period)],
) -> Vec<Violation> {
    let mut out = Vec::new();
    for &(entity, period) in subjects {
        let level = facts.level(entity);
        for rule in rules.iter().filter(|r| r.applies(level, period)) {
            if let Some(v) = check_one(rule, facts, entity, period) {
                out.push(v);
            }
        }
    }
    out
}

/// One rule for one subject and period.
pub fn check_one(
    rule: &ValidationRule,
    facts: &dyn Facts,
    entity: EntityId,
    period: Period,
) -> Option<Violation> {
    let l = evaluate(facts, entity, period, &rule.left);
    let r = evaluate(facts, entity, period, &rule.right);
    let present = |s: &Side| s.operands > 0 && s.missing < s.operands;
    let shown = |s: &Side| present(s).then_some(s.value);
    let broken = match rule.operator {
        Operator::CompulsoryPair => present(&l) != present(&r),
        Operator::ExclusivePair => present(&l) && present(&r),
        op => {
            let missing = l.missing + r.missing;
            let operands = l.operands + r.operands;
            let skip = match rule.missing {
                MissingStrategy::SkipIfAnyMissing => missing > 0,
                MissingStrategy::SkipIfAllMissing => operands > 0 && missing == operands,
                MissingStrategy::NeverSkip => false,
            };
            !skip && !op.holds(l.value, r.value, rule.tolerance)
        }
    };
    broken.then(|| Violation {
        rule: rule.code.clone(),
        rule_name: rule.name.clone(),
        importance: rule.importance,
        entity,
        period,
        left: match rule.operator {
            Operator::CompulsoryPair | Operator::ExclusivePair => shown(&l),
            _ => Some(l.value),
        },
        right: match rule.operator {
            Operator::CompulsoryPair | Operator::ExclusivePair => shown(&r),
            _ => Some(r.value),
        },
        operator: rule.operator,
        left_text: rule.left.text.clone(),
        right_text: rule.right.text.clone(),
        tolerance: rule.tolerance,
    })
}
