//! The TOML shape of a scheme, as loose as serde allows: enums and required fields are strings and
//! options here, so that `check` can report them with a field path and a Chinese message instead
//! of serde's English one. Unknown keys are still refused (a typo must not be silently ignored).

use serde::Deserialize;

use super::SchemeError;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScheme {
    pub code: Option<String>,
    pub name: Option<String>,
    pub year: Option<i64>,
    pub frequency: Option<String>,
    pub population: Option<RawPopulation>,
    #[serde(default)]
    pub cohorts: Vec<RawCohort>,
    #[serde(default)]
    pub items: Vec<RawItem>,
    #[serde(default)]
    pub adjustments: Vec<RawAdjustment>,
    pub exemptions: Option<RawExemptions>,
    pub missing: Option<String>,
    pub degenerate: Option<String>,
    pub weighting: Option<String>,
    #[serde(alias = "normalize_within")]
    pub normalise_within: Option<String>,
    pub score_decimals: Option<i64>,
    pub scope_label: Option<String>,
    pub score_label: Option<String>,
    pub ties: Option<RawTies>,
    pub banding: Option<RawBanding>,
    pub colours: Option<RawColours>,
    pub problems: Option<RawProblems>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProblems {
    #[serde(default)]
    pub raise_for_grades: Vec<String>,
    #[serde(default)]
    pub raise_for_colours: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPopulation {
    pub kind: Option<String>,
    pub level: Option<i64>,
    #[serde(default)]
    pub groups: Vec<String>,
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCohort {
    pub name: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawItem {
    pub id: Option<String>,
    pub name: Option<String>,
    pub indicator: Option<String>,
    pub measure: Option<String>,
    pub base: Option<String>,
    pub reference: Option<String>,
    pub form: Option<String>,
    pub scheme: Option<String>,
    pub weight: Option<f64>,
    #[serde(alias = "normalization")]
    pub normalisation: Option<RawNormalisation>,
    pub polarity: Option<String>,
    pub degenerate: Option<String>,
    pub missing: Option<String>,
    pub unit: Option<String>,
    pub decimals: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNormalisation {
    pub method: Option<String>,
    pub max: Option<f64>,
    pub step: Option<f64>,
    pub floor: Option<f64>,
    pub ceiling: Option<f64>,
    pub benchmark: Option<f64>,
    pub cap: Option<f64>,
    pub centre: Option<f64>,
    pub scale: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAdjustment {
    pub id: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub per_unit: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExemptions {
    #[serde(default)]
    pub keys: Vec<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTies {
    #[serde(default)]
    pub order: Vec<String>,
    pub share_better_grade: Option<bool>,
}

/// A cut point written as a bare number (`60`) or a table (`{ ref = "city", offset = 1.0 }`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawThreshold {
    Number(f64),
    Table(RawThresholdTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawThresholdTable {
    pub value: Option<f64>,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub offset: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBanding {
    pub mode: Option<String>,
    pub by: Option<String>,
    pub scope: Option<String>,
    pub suffix: Option<String>,
    #[serde(default)]
    pub bands: Vec<RawBand>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBand {
    pub grade: Option<String>,
    pub label: Option<String>,
    pub top_pct: Option<f64>,
    pub top_n: Option<i64>,
    pub at_least: Option<RawThreshold>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawColours {
    pub mode: Option<String>,
    pub by: Option<String>,
    pub scope: Option<String>,
    pub names: Option<Vec<String>>,
    pub meanings: Option<Vec<String>>,
    #[serde(default)]
    pub cuts: Vec<RawThreshold>,
}

/// A TOML or shape error with its line and column, and serde's usual phrases put in Chinese.
pub(super) fn syntax_error(text: &str, e: &toml::de::Error) -> SchemeError {
    let message = translate(e.message().trim());
    let place = e.span().map(|span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("第{line}行第{col}列：")
    });
    SchemeError::Syntax(format!("{}{message}", place.unwrap_or_default()))
}

fn translate(msg: &str) -> String {
    let rules: [(&str, &str); 5] = [
        ("unknown field", "未知字段"),
        ("missing field", "缺少字段"),
        ("invalid type", "类型不符"),
        ("duplicate key", "键重复"),
        (
            "data did not match any variant",
            "取值形式不符（应为数字或 { value/ref/offset } 表）",
        ),
    ];
    for (en, zh) in rules {
        if msg.starts_with(en) {
            return format!("{zh}（{msg}）");
        }
    }
    format!("TOML 语法错误（{msg}）")
}
