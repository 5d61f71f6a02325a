//! Numbers and the units written after them.
//!
//! Arabic numbers (full-width digits are folded before this runs) with decimals and thousands
//! separators; Chinese numerals (第十三位, 增长一倍); a scale (万, 亿) and a unit (亿元, 万平方米,
//! 个百分点, 家). A unit is returned as written with its scale, because the facts keep the value as
//! written: 1089 with 亿元, not 1.089e11.

use crate::run::{at, is_han};

/// What a unit measures; it decides the measure of a fact when the words around do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnitClass {
    Percent,
    /// 个百分点
    PctPoint,
    /// 倍 (增长1.3倍 = +130 %)
    Multiple,
    /// Things counted: 家, 个, 项, 万户 …
    Count,
    /// Amounts: money, area, length, capacity, computing power.
    Value,
    /// 个月, 个工作日
    Duration,
}

/// Counting words. Longer forms that start with one of these (个月, 人次) are listed elsewhere
/// or longer here, and the longest match wins.
const COUNT_UNITS: &[&str] = &[
    "家", "个", "项", "宗", "只", "条", "处", "列", "名", "人", "人次", "户", "件", "台", "所",
    "座", "张", "套", "辆", "次", "场", "支", "例", "起", "批", "款", "部", "艘", "架", "株", "棵",
    "间", "栋", "笔", "份", "篇", "种", "类", "位", "单", "辆次", "台套",
];

/// Amount units.
const VALUE_UNITS: &[&str] = &[
    "元",
    "美元",
    "欧元",
    "亩",
    "平方米",
    "平方公里",
    "公里",
    "千米",
    "米",
    "方",
    "立方米",
    "吨",
    "吨/年",
    "千瓦",
    "千瓦时",
    "兆瓦",
    "吉瓦",
    "标箱",
    "标准箱",
    "TEU",
    "P",
    "PB",
    "EB",
    "公顷",
    "升",
    "立方",
];

const DURATION_UNITS: &[&str] = &["个月", "个工作日", "工作日", "天", "小时", "分钟"];

const SCALES: &[&str] = &["万亿", "千亿", "百亿", "亿", "千万", "百万", "万", "千"];

/// A unit after a number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct UnitMatch {
    /// As written, scale included: `亿元`, `万平方米`, `%`, `百分点`.
    pub text: String,
    pub class: UnitClass,
    /// Characters consumed.
    pub len: usize,
}

fn longest(c: &[char], i: usize, words: &[&str]) -> Option<usize> {
    words
        .iter()
        .filter(|w| at(c, i, w))
        .map(|w| w.chars().count())
        .max()
}

/// The unit starting at `i`, if any.
pub(crate) fn unit_at(c: &[char], i: usize) -> Option<UnitMatch> {
    if at(c, i, "%") {
        return Some(UnitMatch {
            text: "%".into(),
            class: UnitClass::Percent,
            len: 1,
        });
    }
    for (w, n) in [("个百分点", 4), ("百分点", 3)] {
        if at(c, i, w) {
            return Some(UnitMatch {
                text: "百分点".into(),
                class: UnitClass::PctPoint,
                len: n,
            });
        }
    }
    if at(c, i, "倍") {
        return Some(UnitMatch {
            text: "倍".into(),
            class: UnitClass::Multiple,
            len: 1,
        });
    }
    let base = |j: usize| -> Option<(UnitClass, usize)> {
        let d = longest(c, j, DURATION_UNITS).map(|n| (UnitClass::Duration, n));
        let k = longest(c, j, COUNT_UNITS).map(|n| (UnitClass::Count, n));
        let v = longest(c, j, VALUE_UNITS).map(|n| (UnitClass::Value, n));
        [d, k, v].into_iter().flatten().max_by_key(|(_, n)| *n)
    };
    let plain = base(i);
    let scaled = longest(c, i, SCALES).and_then(|s| base(i + s).map(|(cl, n)| (cl, s + n)));
    let (class, len) = match (plain, scaled) {
        (Some(p), Some(s)) => {
            if s.1 > p.1 {
                s
            } else {
                p
            }
        }
        (Some(p), None) => p,
        (None, Some(s)) => s,
        (None, None) => {
            // A bare scale: 超200亿 (money is the usual reading, kept as written).
            let s = longest(c, i, &["亿", "万亿"])?;
            (UnitClass::Value, s)
        }
    };
    // `P` and the like only count when no letter follows (5G is a name, 500P is computing power).
    if c.get(i + len).is_some_and(|x| x.is_ascii_alphabetic()) {
        return None;
    }
    // 万元/亩, 元/吨: a rate unit.
    let len = if class == UnitClass::Value
        && c.get(i + len) == Some(&'/')
        && let Some(n) = ["亩", "人", "吨", "平方米", "年", "户", "千瓦时"]
            .iter()
            .filter(|w| at(c, i + len + 1, w))
            .map(|w| w.chars().count())
            .max()
    {
        len + 1 + n
    } else {
        len
    };
    let text: String = c[i..i + len].iter().collect();
    let class = if class == UnitClass::Value && text.starts_with('万') && scaled_count(&text) {
        UnitClass::Count
    } else {
        class
    };
    Some(UnitMatch { text, class, len })
}

/// 万户, 万人, 万件, 万人次 are counts even with a scale.
fn scaled_count(text: &str) -> bool {
    let base = text.trim_start_matches(['万', '亿', '千', '百']);
    COUNT_UNITS.contains(&base)
}

/// An Arabic number starting at `i`: (value, end, digits before the point).
pub(crate) fn arabic_at(c: &[char], i: usize) -> Option<(f64, usize)> {
    if !c.get(i)?.is_ascii_digit() {
        return None;
    }
    let mut s = String::new();
    let mut j = i;
    while j < c.len() {
        let ch = c[j];
        if ch.is_ascii_digit() {
            s.push(ch);
            j += 1;
        } else if ch == ','
            && s.len() <= 3
            && !s.contains('.')
            && (1..=3).all(|k| c.get(j + k).is_some_and(|d| d.is_ascii_digit()))
            && !c.get(j + 4).is_some_and(|d| d.is_ascii_digit())
            && s.chars().all(|d| d.is_ascii_digit())
        {
            // A thousands separator: 1,089 (three digits, then no fourth).
            j += 1;
        } else if ch == '.' && !s.contains('.') && c.get(j + 1).is_some_and(|d| d.is_ascii_digit())
        {
            s.push('.');
            j += 1;
        } else {
            break;
        }
    }
    s.parse::<f64>().ok().map(|v| (v, j))
}

fn cn_digit(ch: char) -> Option<u32> {
    Some(match ch {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// A Chinese numeral up to the thousands starting at `i` (一, 十三, 二十, 一百零五): (value, end).
pub(crate) fn chinese_at(c: &[char], i: usize) -> Option<(f64, usize)> {
    let mut total: u32 = 0;
    let mut digit: Option<u32> = None;
    let mut j = i;
    while j < c.len() {
        let ch = c[j];
        if let Some(d) = cn_digit(ch) {
            if digit.is_some_and(|x| x != 0) {
                break;
            }
            digit = Some(d);
        } else {
            let unit = match ch {
                '十' => 10,
                '百' => 100,
                '千' => 1000,
                _ => break,
            };
            total += digit.unwrap_or(1) * unit;
            digit = None;
        }
        j += 1;
    }
    if j == i {
        return None;
    }
    total += digit.unwrap_or(0);
    Some((f64::from(total), j))
}

/// Whether the Han character at `i` starts a word (used to tell `3大支柱产业` from `3大`).
pub(crate) fn han_at(c: &[char], i: usize) -> bool {
    c.get(i).is_some_and(|&x| is_han(x))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn arabic_numbers_with_decimals_and_thousands() {
        assert_eq!(arabic_at(&chars("97.5亿"), 0), Some((97.5, 4)));
        assert_eq!(arabic_at(&chars("1,089亿元"), 0), Some((1089.0, 5)));
        // A clause comma between two numbers is not a thousands separator.
        assert_eq!(arabic_at(&chars("12,3456"), 0), Some((12.0, 2)));
        assert_eq!(arabic_at(&chars("8."), 0), Some((8.0, 1)));
    }

    #[test]
    fn chinese_numerals() {
        assert_eq!(chinese_at(&chars("十三位"), 0), Some((13.0, 2)));
        assert_eq!(chinese_at(&chars("二十"), 0), Some((20.0, 2)));
        assert_eq!(chinese_at(&chars("三"), 0), Some((3.0, 1)));
        assert_eq!(chinese_at(&chars("一百零五"), 0), Some((105.0, 4)));
        assert_eq!(chinese_at(&chars("两"), 0), Some((2.0, 1)));
    }

    #[test]
    fn units_keep_their_scale_and_class() {
        let u = unit_at(&chars("万平方米,"), 0).unwrap();
        assert_eq!((u.text.as_str(), u.class), ("万平方米", UnitClass::Value));
        let u = unit_at(&chars("万户"), 0).unwrap();
        assert_eq!(u.class, UnitClass::Count);
        let u = unit_at(&chars("个百分点"), 0).unwrap();
        assert_eq!((u.text.as_str(), u.len), ("百分点", 4));
        let u = unit_at(&chars("个月建成"), 0).unwrap();
        assert_eq!(u.class, UnitClass::Duration);
        let u = unit_at(&chars("亿元"), 0).unwrap();
        assert_eq!(u.text, "亿元");
        assert_eq!(unit_at(&chars("P算力"), 0).unwrap().class, UnitClass::Value);
        assert_eq!(unit_at(&chars("G+工业"), 0), None);
        assert_eq!(unit_at(&chars("人次"), 0).unwrap().len, 2);
        assert_eq!(unit_at(&chars("万元/亩,"), 0).unwrap().text, "万元/亩");
        assert_eq!(unit_at(&chars("万吨/年"), 0).unwrap().text, "万吨/年");
    }
}
