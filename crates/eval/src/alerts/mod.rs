//! Indicator early-warning rules (DOMAIN §19): pure evaluation of one rule over one period's
//! values of the entities in its scope. A rule fires per entity:
//!
//! - **threshold**: a measure (the value, the growth — reported first, else derived from the same
//!   period last year —, only the reported growth, or only the derived growth) compared with a
//!   fixed threshold by `<`, `<=`, `>` or `>=`;
//! - **behind progress**: the cumulative value's completion of the annual plan is more than N
//!   percentage points behind 序时进度 (the linear month share, or the target's own 12-month
//!   curve), computed with [`crate::measures::assess_progress`];
//! - **outlier**: the measure lies more than a threshold away from the peer group (every entity in
//!   scope with data): |z| with the mean and the population standard deviation, or the modified
//!   z-score 0.6745·(x − median)/MAD. Default threshold 3.0; fewer than 3 peers, a zero standard
//!   deviation or a zero MAD fire nothing.
//!
//! Rules are data ([`rules`]): TOML checked with errors that name the field. What becomes of a
//! firing over successive periods (pending, firing, recovering …) is [`states`].

pub mod rules;
pub mod states;
#[cfg(test)]
mod tests;

use serde::Serialize;
use yiping_kernel::{EntityKind, Period};

use crate::measures::{
    EPS, ProgressBands, ProgressClock, ProgressSchedule, assess_progress, pick_growth, round_to,
    time_progress, yoy_growth,
};

pub use rules::{AlertRuleError, parse_rules};

/// The measure a threshold or outlier rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertMeasure {
    /// The stored value.
    Value,
    /// The reported growth, else the growth derived from the same period last year.
    Growth,
    /// Only the growth the statistics office reported.
    ReportedGrowth,
    /// Only the growth derived from the value and the same period last year.
    DerivedGrowth,
}

impl AlertMeasure {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Value => "",
            Self::Growth | Self::ReportedGrowth | Self::DerivedGrowth => "增速",
        }
    }

    fn is_growth(self) -> bool {
        self != Self::Value
    }
}

/// A comparison operator of a threshold rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Operator {
    #[serde(rename = "<")]
    Less,
    #[serde(rename = "<=")]
    LessOrEqual,
    #[serde(rename = ">")]
    Greater,
    #[serde(rename = ">=")]
    GreaterOrEqual,
}

impl Operator {
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Less => "<",
            Self::LessOrEqual => "<=",
            Self::Greater => ">",
            Self::GreaterOrEqual => ">=",
        }
    }

    /// "低于", "不高于", "高于", "不低于".
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Less => "低于",
            Self::LessOrEqual => "不高于",
            Self::Greater => "高于",
            Self::GreaterOrEqual => "不低于",
        }
    }

    pub fn holds(self, x: f64, threshold: f64) -> bool {
        match self {
            Self::Less => x < threshold,
            Self::LessOrEqual => x <= threshold,
            Self::Greater => x > threshold,
            Self::GreaterOrEqual => x >= threshold,
        }
    }
}

/// How an outlier is measured against its peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutlierMethod {
    /// |x − mean| / standard deviation (population).
    ZScore,
    /// 0.6745 · |x − median| / MAD (median absolute deviation).
    ModifiedZScore,
}

impl OutlierMethod {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::ZScore => "Z值",
            Self::ModifiedZScore => "修正Z值",
        }
    }
}

/// What makes a rule fire.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Condition {
    Threshold {
        measure: AlertMeasure,
        operator: Operator,
        threshold: f64,
    },
    /// Completion of the annual plan more than `points` pp behind 序时进度.
    BehindProgress { points: f64 },
    Outlier {
        measure: AlertMeasure,
        method: OutlierMethod,
        threshold: f64,
    },
}

impl Condition {
    /// The measure the rule reads (behind-progress reads the value).
    pub fn measure(&self) -> AlertMeasure {
        match self {
            Self::Threshold { measure, .. } | Self::Outlier { measure, .. } => *measure,
            Self::BehindProgress { .. } => AlertMeasure::Value,
        }
    }

    /// Whether the rule needs the same period of last year (derived growth).
    pub fn needs_previous(&self) -> bool {
        matches!(
            self.measure(),
            AlertMeasure::Growth | AlertMeasure::DerivedGrowth
        )
    }

    /// Whether the rule needs the reported growth.
    pub fn needs_reported_growth(&self) -> bool {
        matches!(
            self.measure(),
            AlertMeasure::Growth | AlertMeasure::ReportedGrowth
        )
    }

    /// Whether the rule needs the annual plan.
    /// The same condition with its threshold (points behind 序时进度, z cut-off) set to `t`: the
    /// recovery threshold's condition, which a firing value must stop meeting to count as clear.
    pub fn with_threshold(&self, t: f64) -> Self {
        let mut c = self.clone();
        match &mut c {
            Self::Threshold { threshold, .. } | Self::Outlier { threshold, .. } => *threshold = t,
            Self::BehindProgress { points } => *points = t,
        }
        c
    }

    pub fn needs_target(&self) -> bool {
        matches!(self, Self::BehindProgress { .. })
    }
}

/// How serious a firing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 提示
    Info,
    /// 预警
    Warning,
    /// 严重
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Info => "提示",
            Self::Warning => "预警",
            Self::Critical => "严重",
        }
    }
}

/// Which entities a rule watches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertScope {
    pub kind: EntityKind,
    /// `None`: every level of the kind.
    pub level: Option<u8>,
}

impl AlertScope {
    pub fn contains(&self, kind: EntityKind, level: u8) -> bool {
        kind == self.kind && self.level.is_none_or(|l| l == level)
    }
}

/// One early-warning rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRule {
    pub code: String,
    pub name: String,
    /// The indicator's code.
    pub indicator: String,
    pub condition: Condition,
    pub severity: Severity,
    pub scope: AlertScope,
    /// One of the eight problem sources, recorded on raised items (checked by the caller, which
    /// knows the list).
    pub problem_source: String,
    /// How long the condition must hold before firing and stay clear before resolving.
    pub states: states::StateRule,
}

/// One entity's data for one rule and period.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertSubject {
    /// The entity's key (its code), echoed in the firing.
    pub key: String,
    pub name: String,
    pub kind: Option<EntityKind>,
    pub level: u8,
    pub value: Option<f64>,
    /// The value of the same period last year (for derived growth).
    pub previous: Option<f64>,
    pub reported_growth: Option<f64>,
    /// The annual plan (level target) of the period's year.
    pub target: Option<f64>,
    /// The plan's cumulative monthly shares (12 values), when it has its own 序时 curve.
    pub schedule: Option<Vec<f64>>,
}

/// A rule's input: the period and every candidate entity (those outside the scope are ignored).
#[derive(Debug, Clone, PartialEq)]
pub struct AlertInput {
    pub period: Period,
    /// The indicator's name and unit, for the messages.
    pub indicator_name: String,
    pub unit: String,
    pub subjects: Vec<AlertSubject>,
}

/// One firing instance of a rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Firing {
    pub rule: String,
    /// The subject's key.
    pub entity: String,
    /// Index of the subject in [`AlertInput::subjects`].
    #[serde(skip)]
    pub subject: usize,
    pub period: Period,
    /// The measured figure: the value or growth (threshold, outlier) or the completion rate in %
    /// (behind progress).
    pub value: f64,
    /// What was compared with the threshold: the measured figure, the gap to 序时进度 in pp
    /// (negative when behind) or the (modified) z-score.
    pub compared: f64,
    /// The threshold: the rule's, −points for behind progress, ± the z cut-off for outliers.
    pub threshold: f64,
    pub severity: Severity,
    pub message: String,
}

/// The figure a rule reads for one subject.
fn measured(m: AlertMeasure, s: &AlertSubject) -> Option<f64> {
    match m {
        AlertMeasure::Value => s.value.filter(|v| v.is_finite()),
        AlertMeasure::ReportedGrowth => s.reported_growth.filter(|v| v.is_finite()),
        AlertMeasure::DerivedGrowth => yoy_growth(s.value, s.previous),
        AlertMeasure::Growth => {
            pick_growth(s.reported_growth, yoy_growth(s.value, s.previous)).map(|(g, _)| g)
        }
    }
}

/// "2.5%" for a growth, "2.5亿元" for a value.
fn figure(m: AlertMeasure, x: f64, unit: &str) -> String {
    let x = round_to(x, 2);
    if m.is_growth() {
        format!("{x}%")
    } else {
        format!("{x}{unit}")
    }
}

/// Evaluates one rule: the firing instances, in the order of the subjects.
pub fn evaluate_rule(rule: &AlertRule, input: &AlertInput) -> Vec<Firing> {
    let in_scope: Vec<(usize, &AlertSubject)> = input
        .subjects
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind.is_some_and(|k| rule.scope.contains(k, s.level)))
        .collect();
    let what = format!(
        "{}{}",
        input.indicator_name,
        rule.condition.measure().label_zh()
    );
    let head = |s: &AlertSubject| format!("{} {}{what}", input.period.label_zh(), s.name);
    let fire = |i: usize, s: &AlertSubject, value, compared, threshold, message| Firing {
        rule: rule.code.clone(),
        entity: s.key.clone(),
        subject: i,
        period: input.period,
        value,
        compared,
        threshold,
        severity: rule.severity,
        message,
    };
    match &rule.condition {
        Condition::Threshold {
            measure,
            operator,
            threshold,
        } => in_scope
            .into_iter()
            .filter_map(|(i, s)| {
                let x = measured(*measure, s)?;
                operator.holds(x, *threshold).then(|| {
                    let message = format!(
                        "{}为{}，{}预警线{}（{}）",
                        head(s),
                        figure(*measure, x, &input.unit),
                        operator.label_zh(),
                        figure(*measure, *threshold, &input.unit),
                        rule.name
                    );
                    fire(i, s, x, x, *threshold, message)
                })
            })
            .collect(),
        Condition::BehindProgress { points } => {
            if !input.period.is_cumulative() {
                return Vec::new();
            }
            in_scope
                .into_iter()
                .filter_map(|(i, s)| {
                    let tp = subject_time_progress(input.period, s.schedule.as_deref());
                    let a = assess_progress(s.value?, s.target, tp, &ProgressBands::default())?;
                    (a.gap + EPS < -points).then(|| {
                        let message = format!(
                            "{}完成年度计划{}%，{}序时进度（{}%）{}个百分点，超过预警线{}个百分点（{}）",
                            head(s),
                            round_to(a.completion, 1),
                            a.label,
                            round_to(a.time_progress, 1),
                            round_to(-a.gap, 1),
                            round_to(*points, 1),
                            rule.name
                        );
                        fire(i, s, a.completion, a.gap, -points, message)
                    })
                })
                .collect()
        }
        Condition::Outlier {
            measure,
            method,
            threshold,
        } => {
            let data: Vec<(usize, &AlertSubject, f64)> = in_scope
                .into_iter()
                .filter_map(|(i, s)| measured(*measure, s).map(|x| (i, s, x)))
                .collect();
            let xs: Vec<f64> = data.iter().map(|d| d.2).collect();
            let Some(scores) = outlier_scores(*method, &xs) else {
                return Vec::new();
            };
            data.into_iter()
                .zip(scores)
                .filter(|(_, z)| z.abs() > *threshold)
                .map(|((i, s, x), z)| {
                    let side = if z > 0.0 { "偏高" } else { "偏低" };
                    let message = format!(
                        "{}为{}，与同级比较明显{side}（{}{}，阈值{}）（{}）",
                        head(s),
                        figure(*measure, x, &input.unit),
                        method.label_zh(),
                        round_to(z, 2),
                        round_to(*threshold, 2),
                        rule.name
                    );
                    let cut = if z > 0.0 { *threshold } else { -threshold };
                    fire(i, s, x, z, cut, message)
                })
                .collect()
        }
    }
}

/// 序时进度 in % at the end of a cumulative period: the plan's own curve when it has one, else
/// the linear month share (a week: the linear day share).
fn subject_time_progress(period: Period, schedule: Option<&[f64]>) -> f64 {
    let schedule = schedule
        .and_then(|s| ProgressSchedule::cumulative(s).ok())
        .unwrap_or_default();
    match period {
        Period::Months { to, .. } => time_progress(ProgressClock::Month(to), &schedule),
        Period::Week { .. } => period.elapsed_share_by_day() * 100.0,
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn sorted(xs: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = xs.into_iter().collect();
    v.sort_by(f64::total_cmp);
    v
}

/// The signed (modified) z-score of every value, or `None` when the group cannot say (fewer than
/// 3 values, or no spread).
pub fn outlier_scores(method: OutlierMethod, xs: &[f64]) -> Option<Vec<f64>> {
    if xs.len() < 3 {
        return None;
    }
    let n = xs.len() as f64;
    match method {
        OutlierMethod::ZScore => {
            let mean = xs.iter().sum::<f64>() / n;
            let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
            (sd > 0.0 && sd.is_finite()).then(|| xs.iter().map(|x| (x - mean) / sd).collect())
        }
        OutlierMethod::ModifiedZScore => {
            let med = median(&sorted(xs.iter().copied()));
            let mad = median(&sorted(xs.iter().map(|x| (x - med).abs())));
            (mad > 0.0 && mad.is_finite())
                .then(|| xs.iter().map(|x| 0.6745 * (x - med) / mad).collect())
        }
    }
}
