//! The rule file: `[[rules]]` tables in TOML. Every field is checked and every problem is named
//! by its path (`rules[2].operator`) with a Chinese message; unknown keys are refused (a typo
//! must not silently switch a rule off).
//!
//! ```toml
//! [[rules]]
//! code = "GDP_PARTS"                 # unique: letters, digits, _ and -
//! name = "各区县之和不超过全市（地区生产总值）"
//! kind = "parts_le_total"            # parts_le_total | growth_agrees | cumulative | range | compare
//! indicator = "GDP"                  # the built-in kinds
//! importance = "high"                # high 高 | medium 中 | low 低 (default medium)
//! tolerance = 0.5                    # slack in the sides' unit (points for growth)
//! # compare: left = "children(GDP)", operator = "<=", right = "GDP"
//! # range:   min = 0, max = 100
//! # missing = "skip_if_any_missing"  # | skip_if_all_missing | never_skip
//! # period_type = "any"              # | cumulative | month | quarter | year
//! # levels = [1]                     # entity levels; empty or absent: every level
//! ```
//!
//! Expressions (`compare`) are sums of terms separated by ` + ` and ` - ` (with spaces: codes may
//! hold `-`), each a number, `CODE`, `k * CODE` or a function of a code: `children(CODE)` (the
//! sum over the child entities), `year_ago(CODE)`, `previous(CODE)` (1—(m−1)月), `growth(CODE)`
//! (reported growth), `derived_growth(CODE)` (from the levels).

use serde::Deserialize;
use thiserror::Error;
use yiping_kernel::Measure;

use super::{
    Expr, Importance, MissingStrategy, Of, Operand, Operator, PeriodType, Shift, Term,
    ValidationRule,
};
use crate::alerts::rules::Errors;
use crate::scheme::FieldError;

/// Why a rule file was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ValidationRuleError {
    #[error("校验规则文件格式错误：{0}")]
    Syntax(String),
    #[error("校验规则有误：{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))]
    Invalid(Vec<FieldError>),
}

impl ValidationRuleError {
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
    kind: Option<String>,
    indicator: Option<String>,
    left: Option<String>,
    operator: Option<String>,
    right: Option<String>,
    min: Option<f64>,
    max: Option<f64>,
    importance: Option<String>,
    missing: Option<String>,
    period_type: Option<String>,
    levels: Option<Vec<i64>>,
    tolerance: Option<f64>,
}

/// A field that a built-in kind does not use.
fn unused<T>(e: &mut Errors, path: String, v: &Option<T>, kind: &str) {
    if v.is_some() {
        e.err(path, format!("类型 {kind} 不使用此字段"));
    }
}

fn read(indicator: &str, measure: Measure, of: Of, shift: Shift) -> Term {
    Term::Read(Operand {
        indicator: indicator.to_string(),
        measure,
        of,
        shift,
    })
}

fn expr(terms: Vec<Term>, constant: f64, text: String) -> Expr {
    Expr {
        terms: terms.into_iter().map(|t| (1.0, t)).collect(),
        constant,
        text,
    }
}

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// Parses one side (see the module doc).
pub(crate) fn parse_expr(text: &str) -> Result<Expr, String> {
    let mut terms = Vec::new();
    let mut constant = 0.0;
    let mut sign = 1.0;
    let mut expect_term = true;
    let tokens: Vec<&str> = text.split_whitespace().collect();
    if tokens.is_empty() {
        return Err("表达式为空".into());
    }
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        if !expect_term {
            sign = match t {
                "+" => 1.0,
                "-" => -1.0,
                _ => return Err(format!("“{t}”前缺少 + 或 -（运算符两边须有空格）")),
            };
            expect_term = true;
            i += 1;
            continue;
        }
        // `k * term`, `k*term` or a lone number.
        let (coef, rest) = match t.split_once('*') {
            Some((k, rest)) => {
                let k: f64 = k.trim().parse().map_err(|_| format!("“{k}”不是数字"))?;
                let rest = if rest.is_empty() {
                    i += 1;
                    *tokens.get(i).ok_or("* 后缺少项")?
                } else {
                    rest
                };
                (k, rest)
            }
            None if tokens.get(i + 1) == Some(&"*") => {
                let k: f64 = t.parse().map_err(|_| format!("“{t}”不是数字"))?;
                i += 2;
                (k, *tokens.get(i).ok_or("* 后缺少项")?)
            }
            None => (1.0, t),
        };
        if let (Ok(n), true) = (rest.parse::<f64>(), coef == 1.0) {
            constant += sign * n;
        } else {
            terms.push((sign * coef, parse_term(rest)?));
        }
        expect_term = false;
        i += 1;
    }
    if expect_term {
        return Err("表达式以运算符结尾".into());
    }
    Ok(Expr {
        terms,
        constant,
        text: text.trim().to_string(),
    })
}

fn parse_term(t: &str) -> Result<Term, String> {
    let (func, code) = match t.split_once('(') {
        Some((f, rest)) => {
            let code = rest
                .strip_suffix(')')
                .ok_or_else(|| format!("“{t}”缺少右括号"))?;
            (Some(f), code)
        }
        None => (None, t),
    };
    let code = code.trim().to_ascii_uppercase();
    if !valid_code(&code) {
        return Err(format!("“{t}”不是指标代码"));
    }
    Ok(match func {
        None => read(&code, Measure::Value, Of::Own, Shift::Same),
        Some("children") => read(&code, Measure::Value, Of::Children, Shift::Same),
        Some("year_ago") => read(&code, Measure::Value, Of::Own, Shift::YearAgo),
        Some("previous") => read(&code, Measure::Value, Of::Own, Shift::PreviousCumulative),
        Some("growth") => read(&code, Measure::Growth, Of::Own, Shift::Same),
        Some("derived_growth") => Term::DerivedGrowth(code),
        Some(f) => {
            return Err(format!(
                "函数“{f}”无效：可选 children、year_ago、previous、growth、derived_growth"
            ));
        }
    })
}

fn parse_operator(s: &str) -> Option<Operator> {
    Some(match s.trim() {
        "==" | "=" => Operator::Eq,
        "!=" => Operator::Ne,
        ">" => Operator::Gt,
        ">=" => Operator::Ge,
        "<" => Operator::Lt,
        "<=" => Operator::Le,
        "compulsory_pair" => Operator::CompulsoryPair,
        "exclusive_pair" => Operator::ExclusivePair,
        _ => return None,
    })
}

struct Common {
    code: String,
    name: String,
    importance: Importance,
    missing: MissingStrategy,
    period_type: Option<PeriodType>,
    levels: Vec<u8>,
    tolerance: f64,
}

impl Common {
    fn rule(&self, suffix: &str, left: Expr, operator: Operator, right: Expr) -> ValidationRule {
        ValidationRule {
            code: format!("{}{suffix}", self.code),
            name: self.name.clone(),
            left,
            operator,
            right,
            importance: self.importance,
            missing: self.missing,
            period_type: self.period_type.unwrap_or(PeriodType::Any),
            levels: self.levels.clone(),
            tolerance: self.tolerance,
        }
    }
}

fn check_common(e: &mut Errors, p: &str, r: &RawRule) -> Common {
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
    let importance = match r.importance.as_deref() {
        None => Importance::Medium,
        Some(s) => Importance::parse(s).unwrap_or_else(|| {
            e.err(
                format!("{p}.importance"),
                format!("重要性“{s}”无效：可选 high（高）、medium（中）、low（低）"),
            );
            Importance::Medium
        }),
    };
    let missing = match r.missing.as_deref().map(str::trim) {
        None | Some("skip_if_any_missing") => MissingStrategy::SkipIfAnyMissing,
        Some("skip_if_all_missing") => MissingStrategy::SkipIfAllMissing,
        Some("never_skip") => MissingStrategy::NeverSkip,
        Some(s) => {
            e.err(
                format!("{p}.missing"),
                format!(
                    "缺值处理“{s}”无效：可选 skip_if_any_missing、skip_if_all_missing、never_skip"
                ),
            );
            MissingStrategy::SkipIfAnyMissing
        }
    };
    let period_type = r.period_type.as_deref().map(|s| match s.trim() {
        "any" => PeriodType::Any,
        "cumulative" => PeriodType::Cumulative,
        "month" => PeriodType::Month,
        "quarter" => PeriodType::Quarter,
        "year" => PeriodType::Year,
        other => {
            e.err(
                format!("{p}.period_type"),
                format!("时期类型“{other}”无效：可选 any、cumulative、month、quarter、year"),
            );
            PeriodType::Any
        }
    });
    let mut levels = Vec::new();
    for (j, l) in r.levels.iter().flatten().enumerate() {
        match u8::try_from(*l) {
            Ok(l) if (1..=9).contains(&l) => levels.push(l),
            _ => e.err(
                format!("{p}.levels[{j}]"),
                format!("层级 {l} 无效，应为 1—9"),
            ),
        }
    }
    let tolerance = r.tolerance.unwrap_or(0.0);
    if !tolerance.is_finite() || tolerance < 0.0 {
        e.err(format!("{p}.tolerance"), "容差须为不小于 0 的数");
    }
    Common {
        code,
        name,
        importance,
        missing,
        period_type,
        levels,
        tolerance,
    }
}

fn check_rule(e: &mut Errors, i: usize, r: RawRule) -> Vec<ValidationRule> {
    let p = format!("rules[{i}]");
    let c = check_common(e, &p, &r);
    let kind = r.kind.as_deref().map(str::trim).unwrap_or("compare");
    let builtin = kind != "compare";
    if builtin {
        unused(e, format!("{p}.left"), &r.left, kind);
        unused(e, format!("{p}.right"), &r.right, kind);
        unused(e, format!("{p}.operator"), &r.operator, kind);
    }
    if kind != "range" {
        unused(e, format!("{p}.min"), &r.min, kind);
        unused(e, format!("{p}.max"), &r.max, kind);
    }
    let mut indicator = || {
        let s = e.required(
            format!("{p}.indicator"),
            r.indicator.clone(),
            "指标代码（indicator）",
        );
        let code = s.to_ascii_uppercase();
        if !s.is_empty() && !valid_code(&code) {
            e.err(format!("{p}.indicator"), format!("“{s}”不是指标代码"));
        }
        code
    };
    match kind {
        "parts_le_total" => {
            let ind = indicator();
            let left = expr(
                vec![read(&ind, Measure::Value, Of::Children, Shift::Same)],
                0.0,
                format!("下级合计 {ind}"),
            );
            let right = expr(
                vec![read(&ind, Measure::Value, Of::Own, Shift::Same)],
                0.0,
                format!("本级 {ind}"),
            );
            vec![c.rule("", left, Operator::Le, right)]
        }
        "growth_agrees" => {
            let ind = indicator();
            let left = expr(
                vec![Term::DerivedGrowth(ind.clone())],
                0.0,
                format!("按总量计算的 {ind} 增速(%)"),
            );
            let right = expr(
                vec![read(&ind, Measure::Growth, Of::Own, Shift::Same)],
                0.0,
                format!("报送的 {ind} 增速(%)"),
            );
            vec![c.rule("", left, Operator::Eq, right)]
        }
        "cumulative" => {
            let ind = indicator();
            let left = expr(
                vec![read(&ind, Measure::Value, Of::Own, Shift::Same)],
                0.0,
                format!("本期累计 {ind}"),
            );
            let right = expr(
                vec![read(
                    &ind,
                    Measure::Value,
                    Of::Own,
                    Shift::PreviousCumulative,
                )],
                0.0,
                format!("上月累计 {ind}"),
            );
            let mut c = c;
            c.period_type.get_or_insert(PeriodType::Cumulative);
            vec![c.rule("", left, Operator::Ge, right)]
        }
        "range" => {
            let ind = indicator();
            if r.min.is_none() && r.max.is_none() {
                e.err(format!("{p}.min"), "范围规则须有 min 或 max");
            }
            let own = || {
                expr(
                    vec![read(&ind, Measure::Value, Of::Own, Shift::Same)],
                    0.0,
                    ind.clone(),
                )
            };
            let both = r.min.is_some() && r.max.is_some();
            let mut out = Vec::new();
            if let Some(min) = r.min {
                let suffix = if both { "-min" } else { "" };
                out.push(c.rule(
                    suffix,
                    own(),
                    Operator::Ge,
                    expr(vec![], min, "下限".into()),
                ));
            }
            if let Some(max) = r.max {
                let suffix = if both { "-max" } else { "" };
                out.push(c.rule(
                    suffix,
                    own(),
                    Operator::Le,
                    expr(vec![], max, "上限".into()),
                ));
            }
            out
        }
        "compare" => {
            unused(e, format!("{p}.indicator"), &r.indicator, kind);
            let mut side = |field: &str, v: &Option<String>| -> Expr {
                let text = e.required(
                    format!("{p}.{field}"),
                    v.clone(),
                    &format!("表达式（{field}）"),
                );
                if text.is_empty() {
                    return expr(vec![], 0.0, String::new());
                }
                parse_expr(&text).unwrap_or_else(|m| {
                    e.err(format!("{p}.{field}"), m);
                    expr(vec![], 0.0, text)
                })
            };
            let left = side("left", &r.left);
            let right = side("right", &r.right);
            let op = match r.operator.as_deref() {
                None => {
                    e.err(format!("{p}.operator"), "缺少运算符（operator）");
                    Operator::Eq
                }
                Some(s) => parse_operator(s).unwrap_or_else(|| {
                    e.err(
                        format!("{p}.operator"),
                        format!("运算符“{s}”无效：可选 ==、!=、>、>=、<、<=、compulsory_pair、exclusive_pair"),
                    );
                    Operator::Eq
                }),
            };
            vec![c.rule("", left, op, right)]
        }
        other => {
            e.err(
                format!("{p}.kind"),
                format!(
                    "规则类型“{other}”无效：可选 parts_le_total（部分不超过总数）、growth_agrees（总量与增速相符）、cumulative（累计不减）、range（范围）、compare（自定义比较）"
                ),
            );
            Vec::new()
        }
    }
}

/// Parses and checks a rule file; every problem found is reported. A `range` rule with both
/// bounds becomes two rules (`CODE-min`, `CODE-max`).
pub fn parse_rules(text: &str) -> Result<Vec<ValidationRule>, ValidationRuleError> {
    let raw: RawFile =
        toml::from_str(text).map_err(|e| ValidationRuleError::Syntax(e.to_string()))?;
    let mut e = Errors::default();
    let mut rules: Vec<ValidationRule> = Vec::new();
    for (i, r) in raw.rules.into_iter().enumerate() {
        for rule in check_rule(&mut e, i, r) {
            if !rule.code.is_empty() && rules.iter().any(|x| x.code == rule.code) {
                e.err(
                    format!("rules[{i}].code"),
                    format!("规则代码“{}”重复", rule.code),
                );
            }
            rules.push(rule);
        }
    }
    if e.0.is_empty() {
        Ok(rules)
    } else {
        Err(ValidationRuleError::Invalid(e.0))
    }
}
