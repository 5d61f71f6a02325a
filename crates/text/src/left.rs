//! The words before a value, read from the right: reference, verb, distributive marker, and
//! where the noun phrase ends.

use crate::anchor::{Anchor, Kind};
use crate::lexicon::Lexicon;
use crate::np::strip_lead;
use crate::number::UnitClass;
use crate::run::{at, ends_at, find, longest_at, longest_ending};

pub(crate) const GROWTH: &[(&str, f64)] = &[
    ("同比增长", 1.0),
    ("可比增长", 1.0),
    ("增长", 1.0),
    ("增速", 1.0),
    ("增幅", 1.0),
    ("提高", 1.0),
    ("提升", 1.0),
    ("上升", 1.0),
    ("回升", 1.0),
    ("上涨", 1.0),
    ("增加", 1.0),
    ("扩大", 1.0),
    ("攀升", 1.0),
    ("加快", 1.0),
    ("放缓", -1.0),
    ("减缓", -1.0),
    ("同比下降", -1.0),
    ("下降", -1.0),
    ("回落", -1.0),
    ("减少", -1.0),
    ("降低", -1.0),
    ("压缩", -1.0),
    ("压减", -1.0),
    ("缩减", -1.0),
    ("缩短", -1.0),
    ("下滑", -1.0),
    ("降幅", -1.0),
    ("降本", -1.0),
    ("收窄", -1.0),
    ("节约", -1.0),
    ("节省", -1.0),
    ("减", -1.0),
    ("降", -1.0),
];

/// Verbs that state a level reached, not a change (增至72%, 压减为2级).
pub(crate) const TO_LEVEL: &[&str] = &[
    "增至",
    "扩至",
    "提高到",
    "提高至",
    "提升至",
    "提升到",
    "增加到",
    "增加至",
    "上升至",
    "上升到",
    "升至",
    "降至",
    "下降至",
    "下降到",
    "减至",
    "压减至",
    "压减为",
    "缩短至",
    "缩减至",
    "回落至",
    "扩大至",
    "扩大到",
    "稳定在",
    "保持在",
    "控制在",
];

/// Words between a phrase and its number that add nothing.
pub(crate) const NEUTRAL: &[&str] = &[
    "达到",
    "达",
    "为",
    "是",
    "至",
    "到",
    "高达",
    "仅",
    "共",
    "共计",
    "总计",
    "合计",
    "已达",
    "累计达",
    "实现",
    "完成",
    "超过",
    "有",
    "新增",
];

pub(crate) const DISTRIBUTIVE: &[&str] = &["分别", "均", "都", "各"];

pub(crate) const COMPARED: &[&str] = &[
    "同比",
    "可比",
    "比上年",
    "较上年",
    "比去年",
    "较去年",
    "比上年同期",
    "较上年同期",
    "比去年同期",
    "较去年同期",
    "实现",
];

pub(crate) const RANK_VERBS: &[&str] = &[
    "居",
    "位居",
    "位列",
    "列",
    "名列",
    "排名",
    "排",
    "排在",
    "排位",
    "位于",
    "跃居",
    "跃升至",
    "升至",
    "上升至",
    "上升到",
    "提升至",
    "提升到",
    "前移至",
    "跃升到",
    "下降至",
    "下降到",
    "降至",
    "保持",
    "稳居",
    "综合排名",
    "综合排名居",
    "排名居",
];

pub(crate) const GRADE_VERBS: &[&str] = &[
    "列为",
    "位列",
    "列",
    "晋升",
    "晋升为",
    "晋升至",
    "进入",
    "评为",
    "获评",
    "保持",
    "稳居",
    "处于",
    "为",
    "升至",
    "升为",
    "评定为",
    "定为",
    "被评为",
    "获得",
];

pub(crate) const GRADE_ADVERBS: &[&str] = &["持续", "继续", "稳定", "连续", "首次", "再次"];

/// References of ranks and point differences.
pub(crate) const REFERENCES: &[&str] = &[
    "序时进度",
    "全市平均",
    "全国平均",
    "全市平均水平",
    "全国平均水平",
    "全市",
    "全国",
    "全省",
    "区县",
    "全区",
    "中心城区",
    "主城都市区",
    "主城新区",
    "渝东北",
    "渝东南",
    "渝西",
    "川渝",
    "成渝",
    "西部",
    "全国同批试点",
    "同批试点",
    "全球",
    "全市区县",
];

pub(crate) const SHARE_WORDS: &[&str] =
    &["占", "比重", "份额", "增长面", "贡献率", "覆盖面", "占有率"];

/// What the words before a value say.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Verb {
    None,
    Growth(f64),
    Level,
    Share,
    /// A difference to a reference (高于全国, 较去年年底提高): sign.
    Compare(f64),
    /// 拉动 … 个百分点: a contribution.
    Pull,
}

#[derive(Debug, Clone)]
pub(crate) struct Left {
    pub np: (usize, usize),
    pub verb: Verb,
    pub distributive: bool,
    pub reference: Option<String>,
}

pub(crate) fn strip_words(c: &[char], a: usize, e: &mut usize, words: &[&str]) -> Option<usize> {
    let (k, n) = longest_ending(&c[a..*e], *e - a, words)?;
    *e -= n;
    Some(k)
}

pub(crate) fn reference_ending(
    c: &[char],
    a: usize,
    e: usize,
    lex: &Lexicon,
) -> Option<(String, usize)> {
    if let Some((k, n)) = longest_ending(&c[a..e], e - a, REFERENCES) {
        return Some((REFERENCES[k].to_string(), n));
    }
    // A region group of the catalogue (渝东北, 主城都市区).
    for s in a..e {
        if let Some((g, n)) = lex.group_at(c, s)
            && s + n == e
        {
            return Some((g, n));
        }
    }
    None
}

pub(crate) fn normalise_reference(r: &str) -> String {
    let r = r
        .trim_end_matches("平均水平")
        .trim_end_matches("平均")
        .trim_end_matches("水平");
    match r {
        "区县" | "全市区县" => crate::CITY.to_string(),
        other => other.to_string(),
    }
}

/// Reads the words before an anchor group, from the right.
pub(crate) fn parse_left(c: &[char], a: usize, e0: usize, first: &Anchor, lex: &Lexicon) -> Left {
    let mut e = e0;
    let mut distributive = false;
    let mut reference = None;
    let mut verb = Verb::None;
    let strip_dist = |e: &mut usize, d: &mut bool| {
        while strip_words(c, a, e, DISTRIBUTIVE).is_some() {
            *d = true;
        }
    };
    match first.kind {
        Kind::Rank => {
            if let Some((r, n)) = reference_ending(c, a, e, lex) {
                reference = Some(normalise_reference(&r));
                e -= n;
            }
            strip_words(c, a, &mut e, RANK_VERBS);
            // 全市排名第3: the reference may come before the verb.
            if reference.is_none()
                && let Some((r, n)) = reference_ending(c, a, e, lex)
            {
                reference = Some(normalise_reference(&r));
                e -= n;
            }
            strip_dist(&mut e, &mut distributive);
        }
        Kind::Grade => {
            strip_words(c, a, &mut e, GRADE_VERBS);
            strip_words(c, a, &mut e, GRADE_ADVERBS);
            strip_dist(&mut e, &mut distributive);
        }
        Kind::Streak => {}
        Kind::Number(UnitClass::PctPoint) => {
            if let Some(p) = find(c, a, e, "拉动") {
                verb = Verb::Pull;
                e = p;
            } else {
                strip_words(c, a, &mut e, TO_LEVEL);
                if let Some(k) = strip_words(
                    c,
                    a,
                    &mut e,
                    &GROWTH.iter().map(|g| g.0).collect::<Vec<_>>(),
                ) {
                    verb = Verb::Growth(GROWTH[k].1);
                } else if matches!(e.checked_sub(1).map(|k| c[k]), Some('高' | '快' | '多')) {
                    verb = Verb::Growth(1.0);
                    e -= 1;
                } else if matches!(e.checked_sub(1).map(|k| c[k]), Some('低' | '慢' | '少')) {
                    verb = Verb::Growth(-1.0);
                    e -= 1;
                }
                // 较去年年底 / 比全市 before the verb; 高于全国 instead of a verb.
                let window = e.saturating_sub(10).max(a);
                let cmp = (window..e).rev().find(|&k| matches!(c[k], '较' | '比'));
                let above = [
                    ("高于", 1.0),
                    ("快于", 1.0),
                    ("超过", 1.0),
                    ("超出", 1.0),
                    ("超", 1.0),
                    ("领先", 1.0),
                    ("低于", -1.0),
                    ("慢于", -1.0),
                ]
                .iter()
                .filter_map(|(w, s)| {
                    let n = w.chars().count();
                    (window..e)
                        .rev()
                        .find(|&k| at(c, k, w) && k + n <= e)
                        .map(|k| (k, n, *s))
                })
                .max_by_key(|(k, _, _)| *k);
                if let Some((k, n, s)) = above
                    && verb == Verb::None
                {
                    reference = Some(normalise_reference(&c[k + n..e].iter().collect::<String>()));
                    verb = Verb::Compare(s);
                    e = k;
                } else if let Some(k) = cmp
                    && let Verb::Growth(s) = verb
                {
                    let r: String = c[k + 1..e].iter().collect();
                    if !r.is_empty() {
                        reference = Some(normalise_reference(&r));
                    }
                    verb = Verb::Compare(s);
                    e = k;
                }
                strip_words(c, a, &mut e, COMPARED);
                strip_dist(&mut e, &mut distributive);
            }
        }
        Kind::Number(UnitClass::Percent | UnitClass::Multiple) | Kind::Fraction => {
            strip_dist(&mut e, &mut distributive);
            let level = strip_words(c, a, &mut e, TO_LEVEL).is_some();
            strip_words(c, a, &mut e, NEUTRAL);
            strip_dist(&mut e, &mut distributive);
            let growth_words: Vec<&str> = GROWTH.iter().map(|g| g.0).collect();
            if level {
                verb = Verb::Level;
            } else if let Some(k) = strip_words(c, a, &mut e, &growth_words) {
                // 增长面 and 增速 inside a phrase are handled by the share words below.
                verb = Verb::Growth(GROWTH[k].1);
                strip_dist(&mut e, &mut distributive);
                strip_words(c, a, &mut e, COMPARED);
                strip_dist(&mut e, &mut distributive);
            } else if let Some((r, n)) = reference_ending(c, a, e, lex)
                && (ends_at(c, e - n, "占")
                    || ends_at(c, e - n, "占领")
                    || ends_at(c, e - n, "占据"))
            {
                // 占全市42.3%, 占领全国80%市场
                let v = if ends_at(c, e - n, "占") { 1 } else { 2 };
                reference = Some(r);
                verb = Verb::Share;
                e -= n + v;
            } else {
                // A decrease verb before its object: 减时间70.6%, 压减直管企业50%.
                let s = strip_lead(c, a, e);
                let downs: Vec<&str> = GROWTH.iter().filter(|g| g.1 < 0.0).map(|g| g.0).collect();
                let object: String = c[s..e].iter().collect();
                let is_ratio = object.ends_with('率')
                    || object.ends_with("强度")
                    || SHARE_WORDS.iter().any(|w| object.contains(w));
                if let Some((_, n)) = longest_at(&c[..e], s, &downs)
                    && s + n < e
                    && !is_ratio
                {
                    verb = Verb::Growth(-1.0);
                    return Left {
                        np: (s + n, e),
                        verb,
                        distributive,
                        reference,
                    };
                }
            }
        }
        Kind::Number(_) => {
            strip_dist(&mut e, &mut distributive);
            strip_words(c, a, &mut e, TO_LEVEL);
            strip_words(c, a, &mut e, NEUTRAL);
            strip_dist(&mut e, &mut distributive);
            // 较去年同期增加1.1万户: a change of the figure before, not a new phrase.
            let changes = ["增加", "减少", "新增", "增长", "下降"];
            let mut e2 = e;
            if strip_words(c, a, &mut e2, &changes).is_some() {
                let mut s = a;
                while s < e2 && matches!(c[s], '、' | ',' | '和') {
                    s += 1;
                }
                if ["较", "比", "同比"].iter().any(|w| at(c, s, w)) {
                    return Left {
                        np: (e0, e0),
                        verb,
                        distributive,
                        reference,
                    };
                }
            }
        }
    }
    Left {
        np: (a, e),
        verb,
        distributive,
        reference,
    }
}
