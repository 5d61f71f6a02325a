//! Recognising what a header, a sub-header, a preamble line or a footnote says.
//!
//! All comparisons go through [`norm`]: the kernel's [`normalize_name`] (full-width ASCII to
//! half-width, whitespace removed) with Latin letters lower-cased; units in trailing brackets are
//! split off with the kernel's [`strip_unit_suffix`], as the catalog does for indicator names.

use yiping_kernel::{
    Catalog, IndicatorId, IndicatorMatch, Measure, Period, normalize_name, strip_unit_suffix,
};

/// Normalises header text for comparison: full-width ASCII → half-width (（ → (, ％ → %),
/// whitespace (including the ideographic space) removed, ASCII lower-cased.
pub(crate) fn norm(s: &str) -> String {
    normalize_name(s).to_ascii_lowercase()
}

/// Splits a trailing bracketed part off normalised text: `地区生产总值（亿元）` → (`地区生产总值`,
/// `Some("亿元")`). Only the last bracket pair is taken.
pub(crate) fn split_bracket(text: &str) -> (String, Option<String>) {
    let full = norm(text);
    let stripped = norm(&strip_unit_suffix(text));
    match full.strip_prefix(stripped.as_str()) {
        Some(rest) if !rest.is_empty() => {
            let mut inner = rest.chars();
            inner.next();
            inner.next_back();
            (stripped, Some(inner.as_str().to_string()))
        }
        _ => (full, None),
    }
}

/// The header text without a trailing bracket, normalised.
pub(crate) fn base(text: &str) -> String {
    split_bracket(text).0
}

/// Whether `text` (bracket stripped) is one of `names`.
pub(crate) fn is_one_of(text: &str, names: &[&str]) -> bool {
    let b = base(text);
    !b.is_empty() && names.iter().any(|n| norm(n) == b)
}

/// Headers of the entity-name column in a wide table (and of the 主体 column in a long one).
pub(crate) const ENTITY_HEADERS: &[&str] = &[
    "主体",
    "主体名称",
    "地区",
    "地区名称",
    "区县",
    "区县名称",
    "单位",
    "单位名称",
    "名称",
    "企业名称",
    "项目名称",
    "镇街",
    "镇街名称",
    "entity",
];

/// Headers of an entity-code column.
pub(crate) const ENTITY_CODE_HEADERS: &[&str] = &[
    "主体代码",
    "代码",
    "地区代码",
    "行政区划代码",
    "区划代码",
    "统一社会信用代码",
    "单位代码",
    "entity_code",
];

/// Headers of columns that carry no observation and are skipped in wide tables.
pub(crate) const IGNORED_HEADERS: &[&str] =
    &["序号", "编号", "排名", "位次", "排位", "排序", "备注"];

/// Sub-headers (and header suffixes) that mean "the level of the indicator for the period".
const LEVEL_WORDS: &[&str] = &[
    "总量",
    "绝对值",
    "数值",
    "金额",
    "总额",
    "本期",
    "本期值",
    "value",
];

/// Sub-headers meaning "the level from January to the end of the period" (累计 beside 本月 in a
/// monthly report titled 2024年9月 is 1—9月).
const CUMULATIVE_WORDS: &[&str] = &[
    "累计",
    "累计值",
    "本年累计",
    "自年初累计",
    "1-本月",
    "1—本月",
];

/// Sub-headers meaning "the level of the last month of the period" (本月 beside 1—9月).
const MONTH_WORDS: &[&str] = &["本月", "当月", "本月值", "当月值"];

/// Sub-headers (and header suffixes) that mean "the reported growth rate". Longest first, so
/// that suffix stripping takes 比上年同期增长 before 增长.
const GROWTH_WORDS: &[&str] = &[
    "比上年同期增长",
    "比上年同期增减",
    "比上年增长",
    "比上年增减",
    "同比增长",
    "同比增减",
    "增长率",
    "增速",
    "增长",
    "增幅",
    "同比",
    "±%",
    "growth",
];

/// Units a growth column may be stated in.
pub(crate) const GROWTH_UNITS: &[&str] = &["%", "±%", "百分点", "个百分点", "%/百分点"];

/// The period a column's values are for, relative to the table's period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    /// The table's period (总量, 增速, 累计).
    Table,
    /// The last month of the table's period (本月 beside 1—9月).
    LastMonth,
    /// January to the end of the table's period (累计 in a report titled 2024年9月).
    Cumulative,
    /// A period the header states (1—9月).
    Stated(Period),
}

/// What a sub-header says: the measure and the period.
pub(crate) type Sub = (Measure, When);

/// Classifies a sub-header such as 总量, 增速（%）, 比上年增长(%), 1—9月, 本月, 1—9月增速.
pub(crate) fn classify_sub(text: &str, default_year: Option<i32>) -> Option<Sub> {
    let (mut b, bracket) = split_bracket(text);
    if b.is_empty() {
        // A bare "(%)" sub-header.
        return bracket
            .filter(|u| GROWTH_UNITS.contains(&u.as_str()))
            .map(|_| (Measure::Growth, When::Table));
    }
    let is_growth = |s: &str| GROWTH_WORDS.iter().any(|w| norm(w) == s);
    if is_growth(&b) {
        return Some((Measure::Growth, When::Table));
    }
    if let Some(s) = b.strip_suffix('%') {
        b = s.to_string();
    }
    if is_growth(&b) || b == "±" {
        return Some((Measure::Growth, When::Table));
    }
    for w in GROWTH_WORDS {
        if let Some(head) = b.strip_suffix(norm(w).as_str())
            && !head.is_empty()
            && let Some(when) = when_of(head, default_year)
        {
            return Some((Measure::Growth, when));
        }
    }
    when_of(&b, default_year).map(|w| (Measure::Value, w))
}

/// The period a level sub-header (总量, 本月, 1—9月, 1—9月累计) stands for.
fn when_of(b: &str, default_year: Option<i32>) -> Option<When> {
    if LEVEL_WORDS.iter().any(|w| norm(w) == b) {
        return Some(When::Table);
    }
    if MONTH_WORDS.iter().any(|w| norm(w) == b) {
        return Some(When::LastMonth);
    }
    if CUMULATIVE_WORDS.iter().any(|w| norm(w) == b) {
        return Some(When::Cumulative);
    }
    let stripped = b.strip_suffix("累计").unwrap_or(b);
    if stripped
        .chars()
        .any(|c| c == '月' || c == '季' || c == '年')
    {
        return Period::parse(stripped, default_year).ok().map(When::Stated);
    }
    None
}

/// How a header cell names an indicator column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Named {
    /// An indicator and the measure the header gives it.
    Indicator { id: IndicatorId, measure: Measure },
    /// A growth column that does not name its indicator (增速, 比上年增长(%)): it belongs to the
    /// indicator of the nearest column on its left.
    BareGrowth(When),
    /// Not an indicator.
    Unknown,
}

/// What a single header text names: the indicator itself (its whole text is an indicator's code,
/// name or alias, even 地区生产总值增速 when such an indicator exists), an indicator plus a
/// growth or level suffix (地区生产总值增速 → GDP growth), or a bare growth word.
pub(crate) fn name_header(catalog: &Catalog, text: &str, default_year: Option<i32>) -> Named {
    if let IndicatorMatch::One(id) = catalog.find_indicator(text) {
        return Named::Indicator {
            id,
            measure: Measure::Value,
        };
    }
    let mut b = base(text);
    if b.is_empty() {
        return Named::Unknown;
    }
    if let Some((Measure::Growth, when)) = classify_sub(text, default_year) {
        return Named::BareGrowth(when);
    }
    if let Some(s) = b.strip_suffix('%') {
        b = s.to_string();
    }
    for (words, measure) in [
        (GROWTH_WORDS, Measure::Growth),
        (LEVEL_WORDS, Measure::Value),
        (CUMULATIVE_WORDS, Measure::Value),
    ] {
        for w in words {
            if let Some(head) = b.strip_suffix(norm(w).as_str())
                && !head.is_empty()
                && let IndicatorMatch::One(id) = catalog.find_indicator(head)
            {
                return Named::Indicator { id, measure };
            }
        }
    }
    Named::Unknown
}

/// The units a preamble cell declares: `单位：亿元、%` → [亿元, %], also inside a title
/// (`…主要指标（单位：亿元）`). Only 单位, 计量单位 and 金额单位 count (not 填报单位).
pub(crate) fn unit_statement(text: &str) -> Option<Vec<String>> {
    const MARK: &str = "单位:";
    let t = norm(text);
    let mut from = 0;
    while let Some(pos) = t[from..].find(MARK) {
        let at = from + pos;
        from = at + MARK.len();
        let before = &t[..at];
        let declares = before.is_empty()
            || ["计量", "金额", "(", "[", "【", "〔", ",", ";", "、", "。"]
                .iter()
                .any(|p| before.ends_with(p));
        if !declares {
            continue;
        }
        let rest = t[from..]
            .split([')', ']', '】', '〕'])
            .next()
            .unwrap_or_default();
        let units: Vec<String> = rest
            .split(['、', ',', ';', '/'])
            .map(str::to_string)
            .filter(|u| !u.is_empty())
            .collect();
        if !units.is_empty() {
            return Some(units);
        }
    }
    None
}

/// Whether a cell of a row under the header looks like a unit (亿元, %, (万人)).
pub(crate) fn looks_like_unit(text: &str) -> bool {
    let t = norm(text);
    let t = t
        .trim_start_matches(['(', '[', '【'])
        .trim_end_matches([')', ']', '】']);
    if t.is_empty() || t.chars().count() > 6 {
        return false;
    }
    if GROWTH_UNITS.contains(&t) || t == "‰" {
        return true;
    }
    const UNIT_CHARS: &str = "元人吨亩米个家户件次台辆项所张瓦度升斤株头只套座公顷";
    t.chars().all(|c| !c.is_ascii_digit()) && t.chars().any(|c| UNIT_CHARS.contains(c))
}

/// Whether the first non-empty cell of a row starts a footnote (注：…, 说明：, 资料来源：…).
pub(crate) fn is_footnote(text: &str) -> bool {
    let t = norm(text);
    [
        "注:",
        "注1",
        "注①",
        "注",
        "说明:",
        "资料来源",
        "数据来源",
        "备注:",
        "填表人",
        "制表人",
        "制表:",
        "审核人",
    ]
    .iter()
    .any(|p| {
        if *p == "注" {
            t == "注"
        } else {
            t.starts_with(p)
        }
    })
}

/// Whether an entity cell names the total of the table (合计, 全市, 总计).
pub(crate) fn is_total(text: &str) -> bool {
    let t = norm(text);
    [
        "合计",
        "总计",
        "全市",
        "全区",
        "全县",
        "全市合计",
        "全市总计",
        "全区合计",
        "全县合计",
        "总体",
    ]
    .contains(&t.as_str())
}

/// An entity cell without a leading 其中： (其中：两江新区 → 两江新区).
pub(crate) fn entity_text(text: &str) -> String {
    let t = text.trim();
    for p in ["其中：", "其中:", "其中"] {
        if let Some(rest) = t.strip_prefix(p)
            && !rest.trim().is_empty()
        {
            return rest.trim().to_string();
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_headers_are_classified() {
        let growth = Some((Measure::Growth, When::Table));
        assert_eq!(
            classify_sub("总量", None),
            Some((Measure::Value, When::Table))
        );
        assert_eq!(classify_sub("增速（%）", None), growth);
        assert_eq!(classify_sub("比上年增长(%)", None), growth);
        assert_eq!(classify_sub("比上年同期增长", None), growth);
        assert_eq!(classify_sub("±%", None), growth);
        assert_eq!(classify_sub("(%)", None), growth);
        assert_eq!(classify_sub("同比增长%", None), growth);
        assert_eq!(
            classify_sub("累计增长", None),
            Some((Measure::Growth, When::Cumulative))
        );
        assert_eq!(
            classify_sub("本年累计", None),
            Some((Measure::Value, When::Cumulative))
        );
        assert_eq!(
            classify_sub("本月", None),
            Some((Measure::Value, When::LastMonth))
        );
        assert_eq!(
            classify_sub("本月增速", None),
            Some((Measure::Growth, When::LastMonth))
        );
        let q3 = When::Stated(Period::months(2024, 1, 9).unwrap());
        assert_eq!(
            classify_sub("1—9月", Some(2024)),
            Some((Measure::Value, q3))
        );
        assert_eq!(
            classify_sub("1-9月累计", Some(2024)),
            Some((Measure::Value, q3))
        );
        assert_eq!(
            classify_sub("1—9月增速(%)", Some(2024)),
            Some((Measure::Growth, q3))
        );
        assert_eq!(classify_sub("上年同期", Some(2024)), None);
        assert_eq!(classify_sub("排名", Some(2024)), None);
    }

    #[test]
    fn unit_statements_are_read() {
        assert_eq!(
            unit_statement("单位：亿元、%"),
            Some(vec!["亿元".to_string(), "%".to_string()])
        );
        assert_eq!(
            unit_statement("计量单位: 万元"),
            Some(vec!["万元".to_string()])
        );
        assert_eq!(unit_statement("填报单位：市统计局"), None);
        assert_eq!(
            unit_statement("2024年1—9月主要指标（单位：亿元）"),
            Some(vec!["亿元".to_string()])
        );
        assert_eq!(
            unit_statement("填报单位：市统计局  计量单位：万元"),
            Some(vec!["万元".to_string()])
        );
    }

    #[test]
    fn footnotes_and_totals() {
        assert!(is_footnote("注：地区生产总值按不变价格计算"));
        assert!(is_footnote("资料来源：市统计局"));
        assert!(!is_footnote("注册企业"));
        assert!(is_total("合  计"));
        assert!(is_total("全市"));
        assert_eq!(entity_text("其中：两江新区"), "两江新区");
    }

    #[test]
    fn units_are_recognised() {
        assert!(looks_like_unit("亿元"));
        assert!(looks_like_unit("（%）"));
        assert!(looks_like_unit("万人"));
        assert!(!looks_like_unit("总量"));
        assert!(!looks_like_unit("123"));
    }
}
