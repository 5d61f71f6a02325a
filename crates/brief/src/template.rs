//! Briefing templates: the sections, their wording and the indicators, as TOML an analyst edits
//! (`templates/briefs/月度通报.toml`). Wording is text with `{占位符}`; each key allows the
//! placeholders its section fills, and a template naming another is refused at load time with
//! the key that holds it.

use std::collections::BTreeSet;

use serde::Deserialize;

/// A template that cannot be used: where (a key such as `sections[2].sentence`) and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("通报模板“{template}”：{key} {reason}")]
pub struct TemplateError {
    pub template: String,
    pub key: String,
    pub reason: String,
}

/// Fonts of the document: the first of each list goes on every run as its East Asian font;
/// the rest are the fallbacks a reader without it gets (named in ARCHITECTURE.md, tried in
/// order for the charts).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fonts {
    #[serde(default = "body_fonts")]
    pub body: Vec<String>,
    #[serde(default = "heading_fonts")]
    pub heading: Vec<String>,
    /// Font for Latin letters and digits.
    #[serde(default = "latin_font")]
    pub latin: String,
}

fn body_fonts() -> Vec<String> {
    [
        "仿宋_GB2312",
        "仿宋",
        "FangSong",
        "Noto Serif CJK SC",
        "WenQuanYi Zen Hei",
    ]
    .map(String::from)
    .to_vec()
}

fn heading_fonts() -> Vec<String> {
    ["黑体", "SimHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei"]
        .map(String::from)
        .to_vec()
}

fn latin_font() -> String {
    "Times New Roman".to_string()
}

impl Default for Fonts {
    fn default() -> Self {
        Self {
            body: body_fonts(),
            heading: heading_fonts(),
            latin: latin_font(),
        }
    }
}

/// What a section reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SectionKind {
    #[serde(rename = "总体情况")]
    Overview,
    #[serde(rename = "赛马比拼")]
    League,
    #[serde(rename = "评价档次")]
    Grades,
    #[serde(rename = "序时进度")]
    Progress,
    #[serde(rename = "问题清单")]
    Problems,
    #[serde(rename = "走势")]
    Trend,
}

/// One section: its heading, wording and whether it shows a table and a chart.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub kind: SectionKind,
    pub heading: String,
    /// The paragraph opening the section.
    #[serde(default)]
    pub lead: Option<String>,
    /// The sentence repeated per item (indicator, grade, unit behind schedule).
    #[serde(default)]
    pub sentence: Option<String>,
    /// 总体情况: the sentence of an indicator without a stored level.
    #[serde(default)]
    pub sentence_without_value: Option<String>,
    /// What the section says when it has nothing to list.
    #[serde(default)]
    pub none: Option<String>,
    /// How many units a list names at most (赛马比拼: the leaders and the biggest moves).
    #[serde(default)]
    pub top: Option<usize>,
    #[serde(default)]
    pub table: bool,
    #[serde(default)]
    pub chart: bool,
}

/// A briefing template.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub name: String,
    /// 发文机关.
    pub issuer: String,
    /// 文号 (a placeholder the office fills in).
    pub number: String,
    pub title: String,
    /// 主送.
    #[serde(default)]
    pub recipients: Option<String>,
    #[serde(default)]
    pub closing: Option<String>,
    /// Catalogue codes of the headline indicators, in order.
    pub indicators: Vec<String>,
    #[serde(default)]
    pub fonts: Fonts,
    pub sections: Vec<Section>,
}

/// Placeholders every text may use.
const COMMON: [&str; 5] = ["地区", "主体", "下级", "期间", "年"];

impl SectionKind {
    /// The placeholders a section's `sentence` may use, besides [`COMMON`].
    fn sentence_keys(self) -> &'static [&'static str] {
        match self {
            SectionKind::Overview => &["指标", "总量", "增速", "比较", "位次"],
            SectionKind::League => &["单位", "位次", "变化"],
            SectionKind::Grades => &["单位", "档次", "个数"],
            SectionKind::Progress => &["单位", "指标", "完成率", "序时进度", "差距", "进度"],
            SectionKind::Problems => &["总数", "办结", "未办结", "超期", "办结率", "日期"],
            SectionKind::Trend => &[],
        }
    }

    /// The placeholders a section's `lead` may use, besides [`COMMON`].
    fn lead_keys(self) -> &'static [&'static str] {
        match self {
            SectionKind::League => &["方案", "前列", "个数"],
            SectionKind::Progress => &["个数"],
            _ => &[],
        }
    }
}

impl Template {
    /// Reads a template; `name` (its file's stem) names it in errors.
    pub fn parse(name: &str, text: &str) -> Result<Self, TemplateError> {
        let t: Template = toml::from_str(text).map_err(|e| {
            let key = e
                .span()
                .and_then(|s| text.get(..s.start))
                .map_or_else(String::new, |before| {
                    format!("第{}行", before.matches('\n').count() + 1)
                });
            TemplateError {
                template: name.to_string(),
                key,
                reason: e.message().to_string(),
            }
        })?;
        t.check(name)?;
        Ok(t)
    }

    fn check(&self, name: &str) -> Result<(), TemplateError> {
        let err = |key: String, reason: String| TemplateError {
            template: name.to_string(),
            key,
            reason,
        };
        for (key, text) in [
            ("issuer", Some(&self.issuer)),
            ("number", Some(&self.number)),
            ("title", Some(&self.title)),
            ("recipients", self.recipients.as_ref()),
            ("closing", self.closing.as_ref()),
        ] {
            if let Some(t) = text {
                check_keys(t, &[]).map_err(|r| err(key.to_string(), r))?;
            }
        }
        if self.indicators.is_empty() {
            return Err(err("indicators".into(), "至少列出一个指标代码".into()));
        }
        if self.sections.is_empty() {
            return Err(err("sections".into(), "至少需要一节".into()));
        }
        for (i, s) in self.sections.iter().enumerate() {
            let at = |k: &str| format!("sections[{i}].{k}");
            check_keys(&s.heading, &[]).map_err(|r| err(at("heading"), r))?;
            if let Some(t) = &s.lead {
                check_keys(t, s.kind.lead_keys()).map_err(|r| err(at("lead"), r))?;
            }
            for (k, t) in [
                ("sentence", &s.sentence),
                ("sentence_without_value", &s.sentence_without_value),
                ("none", &s.none),
            ] {
                if let Some(t) = t {
                    check_keys(t, s.kind.sentence_keys()).map_err(|r| err(at(k), r))?;
                }
            }
            let needs_sentence = !matches!(s.kind, SectionKind::Trend | SectionKind::League);
            if needs_sentence && s.sentence.is_none() {
                return Err(err(at("sentence"), "缺少：这一节须有 sentence".into()));
            }
        }
        Ok(())
    }
}

/// The placeholders of `text`.
fn placeholders(text: &str) -> Result<Vec<&str>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(a) = rest.find('{') {
        let after = &rest[a + 1..];
        let b = after
            .find('}')
            .ok_or_else(|| format!("有未闭合的“{{”：{text}"))?;
        out.push(&after[..b]);
        rest = &after[b + 1..];
    }
    Ok(out)
}

fn check_keys(text: &str, extra: &[&str]) -> Result<(), String> {
    let allowed: BTreeSet<&str> = COMMON.iter().chain(extra).copied().collect();
    for p in placeholders(text)? {
        if !allowed.contains(p) {
            let list: Vec<String> = allowed.iter().map(|k| format!("{{{k}}}")).collect();
            return Err(format!(
                "有未知的占位符“{{{p}}}”（这里可用：{}）",
                list.join("、")
            ));
        }
    }
    Ok(())
}

/// `text` with each `{key}` replaced by its value (keys were checked at load time).
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../../templates/briefs/月度通报.toml");

    #[test]
    fn the_shipped_template_loads() {
        let t = Template::parse("月度通报", SHIPPED).unwrap();
        assert_eq!(t.name, "月度通报");
        assert!(t.indicators.iter().any(|c| c == "GDP"));
        assert_eq!(t.fonts.body[0], "仿宋_GB2312");
        assert!(t.sections.iter().any(|s| s.chart));
    }

    #[test]
    fn an_unknown_placeholder_is_named_with_its_key() {
        let bad = SHIPPED.replacen("同比{增速}{比较}", "同比{增长率}{比较}", 1);
        let e = Template::parse("月度通报", &bad).unwrap_err();
        assert!(
            e.key.starts_with("sections[") && e.key.ends_with(".sentence"),
            "{e}"
        );
        assert!(e.to_string().contains("{增长率}"), "{e}");
    }

    #[test]
    fn an_unknown_key_or_kind_is_refused_with_its_line() {
        let bad = SHIPPED.replacen("kind = \"走势\"", "kind = \"地图\"", 1);
        let e = Template::parse("月度通报", &bad).unwrap_err();
        assert!(e.key.starts_with('第'), "{e}");
        assert!(e.reason.contains("地图"), "{e}");
        let bad = SHIPPED.replacen("issuer =", "isuer =", 1);
        let e = Template::parse("月度通报", &bad).unwrap_err();
        assert!(e.to_string().contains("isuer"), "{e}");
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        assert_eq!(
            fill("{主体}{指标}{主体}", &[("主体", "全市"), ("指标", "GDP")]),
            "全市GDP全市"
        );
    }
}
