//! Early-warning rules as TOML: a file holds `[[rules]]` tables. Every field is checked and every
//! problem is reported with its path (`rules[2].threshold`) and a Chinese message; unknown keys
//! are refused (a typo must not silently switch a rule off).
//!
//! ```toml
//! [[rules]]
//! code = "IND_VA_DECLINE"            # unique, letters, digits and _
//! name = "规上工业增加值负增长"
//! indicator = "IND_VA"               # the indicator's code
//! condition = "threshold"            # threshold | behind_progress | outlier
//! measure = "growth"                 # value | growth | reported_growth | derived_growth
//! operator = "<"                     # <, <=, >, >=   (threshold)
//! threshold = 0.0                    # threshold; outlier: the |z| cut-off, default 3.0
//! # points = 5.0                     # behind_progress: pp behind 序时进度
//! # method = "zscore"                # outlier: zscore | modified_zscore
//! severity = "warning"               # info 提示 | warning 预警 | critical 严重 (default warning)
//! scope = { kind = "region", level = 2 }
//! problem_source = "督查"             # the source of raised 问题 (default 督查)
//! ```

use serde::Deserialize;
use thiserror::Error;
use yiping_kernel::EntityKind;

use super::{AlertMeasure, AlertRule, AlertScope, Condition, Operator, OutlierMethod, Severity};
use crate::scheme::FieldError;

/// The default |z| cut-off of outlier rules (DOMAIN §19).
pub const DEFAULT_OUTLIER_THRESHOLD: f64 = 3.0;
/// The problem source of raised items when a rule names none.
pub const DEFAULT_PROBLEM_SOURCE: &str = "督查";

/// Why a rule file was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AlertRuleError {
    #[error("预警规则文件格式错误：{0}")]
    Syntax(String),
    #[error("预警规则有误：{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))]
    Invalid(Vec<FieldError>),
}

impl AlertRuleError {
    /// The field problems (empty for a syntax error).
    pub fn fields(&self) -> &[FieldError] {
        match self {
            Self::Syntax(_) => &[],
            Self::Invalid(v) => v,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    code: Option<String>,
    name: Option<String>,
    indicator: Option<String>,
    condition: Option<String>,
    measure: Option<String>,
    operator: Option<String>,
    threshold: Option<f64>,
    points: Option<f64>,
    method: Option<String>,
    severity: Option<String>,
    scope: Option<RawScope>,
    problem_source: Option<String>,
    pending_periods: Option<i64>,
    recovery_periods: Option<i64>,
    recovery_threshold: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScope {
    kind: Option<String>,
    level: Option<i64>,
}

/// Field problems collected while checking a rule file (shared with the validation rules).
#[derive(Default)]
pub(crate) struct Errors(pub(crate) Vec<FieldError>);

impl Errors {
    pub(crate) fn err(&mut self, path: String, message: impl Into<String>) {
        self.0.push(FieldError {
            path,
            message: message.into(),
        });
    }

    pub(crate) fn required(&mut self, path: String, v: Option<String>, what: &str) -> String {
        match v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
            Some(s) => s,
            None => {
                self.err(path, format!("缺少{what}"));
                String::new()
            }
        }
    }

    /// A field that must not be given with this condition.
    fn unused<T>(&mut self, path: String, v: &Option<T>, condition: &str) {
        if v.is_some() {
            self.err(path, format!("条件 {condition} 不使用此字段"));
        }
    }
}

fn parse_measure(e: &mut Errors, path: String, v: Option<&str>) -> AlertMeasure {
    match v.map(str::trim) {
        Some("value" | "数值") => AlertMeasure::Value,
        Some("growth" | "增速") => AlertMeasure::Growth,
        Some("reported_growth" | "报送增速") => AlertMeasure::ReportedGrowth,
        Some("derived_growth" | "计算增速") => AlertMeasure::DerivedGrowth,
        Some(other) => {
            e.err(
                path,
                format!("口径“{other}”无效：可选 value、growth、reported_growth、derived_growth"),
            );
            AlertMeasure::Value
        }
        None => {
            e.err(path, "缺少口径（measure）");
            AlertMeasure::Value
        }
    }
}

fn parse_operator(e: &mut Errors, path: String, v: Option<&str>) -> Operator {
    match v.map(str::trim) {
        Some("<") => Operator::Less,
        Some("<=") => Operator::LessOrEqual,
        Some(">") => Operator::Greater,
        Some(">=") => Operator::GreaterOrEqual,
        Some(other) => {
            e.err(path, format!("比较符“{other}”无效：可选 <、<=、>、>="));
            Operator::Less
        }
        None => {
            e.err(path, "缺少比较符（operator）");
            Operator::Less
        }
    }
}

fn finite(e: &mut Errors, path: String, v: Option<f64>, what: &str) -> Option<f64> {
    match v {
        Some(x) if x.is_finite() => Some(x),
        Some(_) => {
            e.err(path, format!("{what}须为有限数"));
            None
        }
        None => None,
    }
}

fn check_condition(e: &mut Errors, p: &str, r: &RawRule) -> Condition {
    let kind = r.condition.as_deref().map(str::trim);
    match kind {
        Some("threshold" | "阈值") => {
            e.unused(format!("{p}.points"), &r.points, "threshold");
            e.unused(format!("{p}.method"), &r.method, "threshold");
            let threshold = finite(e, format!("{p}.threshold"), r.threshold, "阈值");
            if r.threshold.is_none() {
                e.err(format!("{p}.threshold"), "缺少阈值（threshold）");
            }
            Condition::Threshold {
                measure: parse_measure(e, format!("{p}.measure"), r.measure.as_deref()),
                operator: parse_operator(e, format!("{p}.operator"), r.operator.as_deref()),
                threshold: threshold.unwrap_or(0.0),
            }
        }
        Some("behind_progress" | "落后序时进度") => {
            e.unused(format!("{p}.measure"), &r.measure, "behind_progress");
            e.unused(format!("{p}.operator"), &r.operator, "behind_progress");
            e.unused(format!("{p}.threshold"), &r.threshold, "behind_progress");
            e.unused(format!("{p}.method"), &r.method, "behind_progress");
            let points = match finite(e, format!("{p}.points"), r.points, "落后百分点") {
                Some(x) if x >= 0.0 => x,
                Some(_) => {
                    e.err(format!("{p}.points"), "落后百分点不能为负数");
                    0.0
                }
                None => {
                    if r.points.is_none() {
                        e.err(format!("{p}.points"), "缺少落后序时进度的百分点（points）");
                    }
                    0.0
                }
            };
            Condition::BehindProgress { points }
        }
        Some("outlier" | "异常值") => {
            e.unused(format!("{p}.operator"), &r.operator, "outlier");
            e.unused(format!("{p}.points"), &r.points, "outlier");
            let method = match r.method.as_deref().map(str::trim) {
                None | Some("zscore") => OutlierMethod::ZScore,
                Some("modified_zscore") => OutlierMethod::ModifiedZScore,
                Some(other) => {
                    e.err(
                        format!("{p}.method"),
                        format!("方法“{other}”无效：可选 zscore、modified_zscore"),
                    );
                    OutlierMethod::ZScore
                }
            };
            let threshold = match finite(e, format!("{p}.threshold"), r.threshold, "阈值") {
                Some(x) if x > 0.0 => x,
                Some(_) => {
                    e.err(format!("{p}.threshold"), "异常值阈值须大于0");
                    DEFAULT_OUTLIER_THRESHOLD
                }
                None => DEFAULT_OUTLIER_THRESHOLD,
            };
            Condition::Outlier {
                measure: parse_measure(e, format!("{p}.measure"), r.measure.as_deref()),
                method,
                threshold,
            }
        }
        Some(other) => {
            e.err(
                format!("{p}.condition"),
                format!("条件“{other}”无效：可选 threshold、behind_progress、outlier"),
            );
            Condition::BehindProgress { points: 0.0 }
        }
        None => {
            e.err(
                format!("{p}.condition"),
                "缺少条件（condition）：threshold、behind_progress 或 outlier",
            );
            Condition::BehindProgress { points: 0.0 }
        }
    }
}

fn check_scope(e: &mut Errors, p: &str, raw: Option<RawScope>) -> AlertScope {
    let Some(s) = raw else {
        e.err(
            format!("{p}.scope"),
            "缺少适用范围（scope，如 { kind = \"region\", level = 2 }）",
        );
        return AlertScope {
            kind: EntityKind::Region,
            level: None,
        };
    };
    let kind = match s.kind.as_deref().map(EntityKind::parse) {
        Some(Ok(k)) => k,
        Some(Err(err)) => {
            e.err(format!("{p}.scope.kind"), err.to_string());
            EntityKind::Region
        }
        None => {
            e.err(format!("{p}.scope.kind"), "缺少对象类型");
            EntityKind::Region
        }
    };
    let level = match s.level {
        Some(l) if (1..=9).contains(&l) => Some(l as u8),
        Some(_) => {
            e.err(format!("{p}.scope.level"), "层级须在1—9之间");
            None
        }
        None => None,
    };
    AlertScope { kind, level }
}

fn check_rule(e: &mut Errors, i: usize, r: RawRule) -> AlertRule {
    let p = format!("rules[{i}]");
    let code = e.required(format!("{p}.code"), r.code.clone(), "规则代码（code）");
    if !code.is_empty()
        && !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        e.err(
            format!("{p}.code"),
            format!("规则代码“{code}”只能含字母、数字、_ 和 -"),
        );
    }
    let name = e.required(format!("{p}.name"), r.name.clone(), "规则名称（name）");
    let indicator = e.required(
        format!("{p}.indicator"),
        r.indicator.clone(),
        "指标代码（indicator）",
    );
    let condition = check_condition(e, &p, &r);
    let severity = match r.severity.as_deref().map(str::trim) {
        None | Some("warning" | "预警") => Severity::Warning,
        Some("info" | "提示") => Severity::Info,
        Some("critical" | "严重") => Severity::Critical,
        Some(other) => {
            e.err(
                format!("{p}.severity"),
                format!("级别“{other}”无效：可选 info（提示）、warning（预警）、critical（严重）"),
            );
            Severity::Warning
        }
    };
    let scope = check_scope(e, &p, r.scope);
    let problem_source = match r.problem_source {
        None => DEFAULT_PROBLEM_SOURCE.to_string(),
        Some(s) => e.required(format!("{p}.problem_source"), Some(s), "问题来源"),
    };
    let mut periods = |field: &str, v: Option<i64>| match v {
        None => 1,
        Some(n @ 1..=24) => n as u32,
        Some(n) => {
            e.err(
                format!("{p}.{field}"),
                format!("期数 {n} 无效：应为 1—24 之间的整数"),
            );
            1
        }
    };
    let states = super::states::StateRule {
        pending_periods: periods("pending_periods", r.pending_periods),
        recovery_periods: periods("recovery_periods", r.recovery_periods),
        recovery_threshold: r.recovery_threshold,
    };
    AlertRule {
        code,
        name,
        indicator,
        condition,
        severity,
        scope,
        problem_source,
        states,
    }
}

/// Parses and checks a rule file; every problem found is reported.
pub fn parse_rules(text: &str) -> Result<Vec<AlertRule>, AlertRuleError> {
    let raw: RawFile = toml::from_str(text).map_err(|e| AlertRuleError::Syntax(e.to_string()))?;
    let mut e = Errors::default();
    let mut rules: Vec<AlertRule> = Vec::with_capacity(raw.rules.len());
    for (i, r) in raw.rules.into_iter().enumerate() {
        let rule = check_rule(&mut e, i, r);
        if !rule.code.is_empty() && rules.iter().any(|x| x.code == rule.code) {
            e.err(
                format!("rules[{i}].code"),
                format!("规则代码“{}”重复", rule.code),
            );
        }
        rules.push(rule);
    }
    if e.0.is_empty() {
        Ok(rules)
    } else {
        Err(AlertRuleError::Invalid(e.0))
    }
}
