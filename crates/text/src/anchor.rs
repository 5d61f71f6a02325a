//! Value anchors in a sentence: the numbers that can be facts, with their units and qualifiers,
//! and the ranks (第三, 区县第一) and grades (A档) that carry a value without a digit.
//!
//! What looks like a number but is not a fact is refused here: numbers inside quotation marks
//! (plan codes such as “33618”, slogans), inside 〔〕 (document numbers), joined by `+`
//! (`2+10+22`), next to Latin letters (5G, M9), with a leading zero (07), dates (4月26日),
//! years, class thresholds (50亿级, 万吨级), category counts (3大支柱产业), and numbers with no
//! unit at all. Counts written in Chinese numerals (三项机制) are not read: national rules for
//! numbers in publications (GB/T 15835) put statistical figures in Arabic digits, so Chinese
//! numerals in reports are set phrases; ranks (第三) and multiples (增长一倍) are the exceptions.

use crate::number::{UnitClass, arabic_at, chinese_at, han_at, unit_at};
use crate::period::Mention;
use crate::run::{at, ends_at, is_close_quote, is_han, is_open_quote};

/// Over, nearly, about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    Over,
    Nearly,
    About,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Number(UnitClass),
    /// 第N位, 全市第一
    Rank,
    /// A档
    Grade,
    /// 近1/4: a share in per cent.
    Fraction,
    /// 连续12个月
    Streak,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Anchor {
    /// First character of the value expression, prefix qualifier included.
    pub start: usize,
    /// After the unit and any suffix qualifier.
    pub end: usize,
    pub kind: Kind,
    pub value: f64,
    pub grade: Option<String>,
    pub unit: Option<String>,
    pub qualifier: Option<Qualifier>,
}

/// Characters that cannot hold a fact's value: quoted names, bracketed document numbers and
/// period expressions.
pub(crate) fn mask(c: &[char], mentions: &[Mention]) -> Vec<bool> {
    let mut m = vec![false; c.len()];
    let mut i = 0;
    while i < c.len() {
        let close = match c[i] {
            x if is_open_quote(x) => Some(0),
            '〔' | '[' | '【' => Some(1),
            _ => None,
        };
        if let Some(kind) = close {
            // Only a short, closed quotation is a name; an unbalanced mark (layout damage) masks
            // nothing.
            let limit = (i + 24).min(c.len());
            let end = (i + 1..limit).find(|&k| {
                if kind == 0 {
                    is_close_quote(c[k]) || c[k] == '"'
                } else {
                    matches!(c[k], '〕' | ']' | '】')
                }
            });
            if let Some(e) = end {
                for x in &mut m[i..=e] {
                    *x = true;
                }
                i = e + 1;
                continue;
            }
        }
        i += 1;
    }
    for men in mentions {
        for x in &mut m[men.start..men.end.min(c.len())] {
            *x = true;
        }
    }
    m
}

const OVER_BEFORE: &[&str] = &["超过", "超出", "超", "逾", "突破", "多于"];
const NEARLY_BEFORE: &[&str] = &["近", "接近", "将近", "逼近"];
const ABOUT_BEFORE: &[&str] = &["约", "大约", "大概"];

fn prefix_qualifier(c: &[char], i: usize) -> (Option<Qualifier>, usize) {
    for (words, q) in [
        (OVER_BEFORE, Qualifier::Over),
        (NEARLY_BEFORE, Qualifier::Nearly),
        (ABOUT_BEFORE, Qualifier::About),
    ] {
        if let Some((_, n)) = crate::run::longest_ending(c, i, words) {
            // 最近 is "recent", not "nearly".
            if q == Qualifier::Nearly && n == 1 && i >= 2 && c[i - 2] == '最' {
                continue;
            }
            return (Some(q), i - n);
        }
    }
    (None, i)
}

fn rank_at(c: &[char], i: usize) -> Option<Anchor> {
    let (v, j) = arabic_at(c, i + 1)
        .filter(|(v, _)| v.fract() == 0.0)
        .or_else(|| chinese_at(c, i + 1))?;
    if v < 1.0 {
        return None;
    }
    let mut k = j;
    if matches!(c.get(k), Some('位') | Some('名')) {
        k += 1;
    } else if c
        .get(k)
        .is_some_and(|&x| is_han(x) || x.is_ascii_alphanumeric())
    {
        // 第一批, 第三产业, 第二季度, 第3号: an ordinal, not a rank.
        return None;
    }
    Some(Anchor {
        start: i,
        end: k,
        kind: Kind::Rank,
        value: v,
        grade: None,
        unit: Some("位".into()),
        qualifier: None,
    })
}

fn streak_at(c: &[char], i: usize) -> Option<Anchor> {
    let (v, j) = arabic_at(c, i + 2).or_else(|| chinese_at(c, i + 2))?;
    let unit = ["个月", "个季度", "季度", "年", "周"]
        .into_iter()
        .find(|u| at(c, j, u))?;
    Some(Anchor {
        start: i,
        end: j + unit.chars().count(),
        kind: Kind::Streak,
        value: v,
        grade: None,
        unit: Some(unit.to_string()),
        qualifier: None,
    })
}

/// Every anchor of a sentence, left to right.
pub(crate) fn anchors(c: &[char], masked: &[bool]) -> Vec<Anchor> {
    let mut out: Vec<Anchor> = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if masked[i] {
            i += 1;
            continue;
        }
        if at(c, i, "连续")
            && let Some(a) = streak_at(c, i)
        {
            i = a.end;
            out.push(a);
            continue;
        }
        if c[i] == '第' {
            // 由全市第9位上升至第4位: the rank left behind is not a fact.
            let former = (i.saturating_sub(6)..i).any(|k| matches!(c[k], '由' | '从'));
            if let Some(a) = rank_at(c, i)
                && !former
            {
                i = a.end;
                out.push(a);
                continue;
            }
            // Skip the ordinal's number so it is not read as a count.
            i += 1;
            while i < c.len() && (c[i].is_ascii_digit() || chinese_at(c, i).is_some()) {
                i += 1;
            }
            continue;
        }
        if at(c, i, "首位")
            && ["居", "位居", "排名", "列", "排"]
                .iter()
                .any(|w| ends_at(c, i, w))
        {
            out.push(Anchor {
                start: i,
                end: i + 2,
                kind: Kind::Rank,
                value: 1.0,
                grade: None,
                unit: Some("位".into()),
                qualifier: None,
            });
            i += 2;
            continue;
        }
        if c[i].is_ascii_uppercase()
            && at(c, i + 1, "档")
            && !(i > 0 && c[i - 1].is_ascii_alphabetic())
            // 由B档晋升A档: the grade left behind is not a fact.
            && !(i > 0 && matches!(c[i - 1], '由' | '从'))
        {
            out.push(Anchor {
                start: i,
                end: i + 2,
                kind: Kind::Grade,
                value: 0.0,
                grade: Some(c[i].to_string()),
                unit: Some("档".into()),
                qualifier: None,
            });
            i += 2;
            continue;
        }
        // 增长一倍 / 翻一番
        if at(c, i, "翻")
            && let Some((v, j)) = chinese_at(c, i + 1)
            && at(c, j, "番")
        {
            out.push(Anchor {
                start: i,
                end: j + 1,
                kind: Kind::Number(UnitClass::Multiple),
                value: 2f64.powf(v) - 1.0,
                grade: None,
                unit: Some("倍".into()),
                qualifier: None,
            });
            i = j + 1;
            continue;
        }
        if !c[i].is_ascii_digit() {
            if let Some((v, j)) = chinese_at(c, i)
                && at(c, j, "倍")
                && ends_at(c, i, "增长")
            {
                out.push(Anchor {
                    start: i,
                    end: j + 1,
                    kind: Kind::Number(UnitClass::Multiple),
                    value: v,
                    grade: None,
                    unit: Some("倍".into()),
                    qualifier: None,
                });
                i = j + 1;
                continue;
            }
            i += 1;
            continue;
        }
        let Some((v, j)) = arabic_at(c, i) else {
            i += 1;
            continue;
        };
        if let Some(a) = number_anchor(c, masked, i, v, j) {
            i = a.end;
            out.push(a);
        } else {
            i = j;
        }
    }
    out
}

fn number_anchor(c: &[char], masked: &[bool], i: usize, v: f64, j: usize) -> Option<Anchor> {
    let before = if i > 0 { Some(c[i - 1]) } else { None };
    if before.is_some_and(|b| b.is_ascii_alphanumeric() || matches!(b, '+' | '.' | '/' | '-'))
        || c.get(j).is_some_and(|&x| matches!(x, '+' | '-'))
    {
        return None;
    }
    // 07, 001: a code or a model name.
    if c[i] == '0' && j - i > 1 && c[i + 1] != '.' {
        return None;
    }
    // 近1/4 → 25 %
    if c.get(j) == Some(&'/')
        && let Some((d, k)) = arabic_at(c, j + 1)
        && d > 0.0
        && unit_at(c, k).is_none()
    {
        let (qualifier, start) = prefix_qualifier(c, i);
        return Some(Anchor {
            start,
            end: k,
            kind: Kind::Fraction,
            value: v / d * 100.0,
            grade: None,
            unit: Some("%".into()),
            qualifier,
        });
    }
    let mut k = j;
    let mut qualifier = None;
    if matches!(c.get(k), Some('余') | Some('多')) {
        qualifier = Some(Qualifier::Over);
        k += 1;
    }
    let Some(u) = unit_at(c, k) else {
        // 增至550和3000家: the unit is written once, after the last number.
        if matches!(c.get(j), Some('和' | '、'))
            && let Some((_, j2)) = arabic_at(c, j + 1)
            && let Some(u) = unit_at(c, j2)
            && matches!(
                u.class,
                UnitClass::Count | UnitClass::Value | UnitClass::Percent
            )
        {
            let (pq, start) = prefix_qualifier(c, i);
            return Some(Anchor {
                start,
                end: j,
                kind: Kind::Number(u.class),
                value: v,
                grade: None,
                unit: Some(u.text),
                qualifier: pq,
            });
        }
        return None;
    };
    if masked.get(k).copied().unwrap_or(false) {
        return None;
    }
    k += u.len;
    // 50亿级, 万吨级: a class inside a noun. 3大支柱产业: a category.
    if c.get(k) == Some(&'级') || (at(c, j, "大") && han_at(c, j + 1)) {
        return None;
    }
    if c.get(k).is_some_and(|x| x.is_ascii_alphabetic()) {
        return None;
    }
    for (w, q) in [
        ("以上", Qualifier::Over),
        ("左右", Qualifier::About),
        ("上下", Qualifier::About),
        ("余", Qualifier::Over),
        ("多", Qualifier::Over),
    ] {
        if at(c, k, w) && qualifier.is_none() {
            // 多 only as a qualifier when no word continues (100多家 was handled before the
            // unit; 3个多月 is rare).
            if w == "多" && han_at(c, k + 1) {
                continue;
            }
            qualifier = Some(q);
            k += w.chars().count();
            // 50亿元以上先进制造业项目, 10万元以上的村: a class inside a noun, not a figure.
            if w == "以上"
                && c.get(k).is_some_and(|&x| is_han(x))
                && !matches!(
                    c[k],
                    '由' | '是'
                        | '为'
                        | '在'
                        | '将'
                        | '已'
                        | '均'
                        | '都'
                        | '也'
                        | '和'
                        | '或'
                        | '及'
                        | '占'
                )
            {
                return None;
            }
            break;
        }
    }
    let (pq, start) = prefix_qualifier(c, i);
    Some(Anchor {
        start,
        end: k,
        kind: Kind::Number(u.class),
        value: v,
        grade: None,
        unit: Some(u.text),
        qualifier: qualifier.or(pq),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::mentions;

    fn found(s: &str) -> Vec<(f64, Option<String>, Option<Qualifier>)> {
        let c: Vec<char> = s.chars().map(crate::run::fold).collect();
        let m = mask(&c, &mentions(&c));
        anchors(&c, &m)
            .into_iter()
            .map(|a| (a.value, a.grade.or(a.unit), a.qualifier))
            .collect()
    }

    fn values(s: &str) -> Vec<f64> {
        found(s).into_iter().map(|x| x.0).collect()
    }

    #[test]
    fn full_width_digits_scales_and_units() {
        assert_eq!(
            found("产值１２．５亿元"),
            vec![(12.5, Some("亿元".into()), None)]
        );
        assert_eq!(
            found("总量达3.2万户"),
            vec![(3.2, Some("万户".into()), None)]
        );
        assert_eq!(
            found("提高1.5个百分点"),
            vec![(1.5, Some("百分点".into()), None)]
        );
        assert_eq!(found("增长12％"), vec![(12.0, Some("%".into()), None)]);
    }

    #[test]
    fn qualifiers_before_and_after() {
        assert_eq!(found("超300亿元")[0].2, Some(Qualifier::Over));
        assert_eq!(found("近60亿元")[0].2, Some(Qualifier::Nearly));
        assert_eq!(found("60余家")[0].2, Some(Qualifier::Over));
        assert_eq!(found("90%以上")[0].2, Some(Qualifier::Over));
        assert_eq!(found("增长5%左右")[0].2, Some(Qualifier::About));
        let third = found("近1/3");
        assert!((third[0].0 - 100.0 / 3.0).abs() < 1e-9);
        assert_eq!(third[0].2, Some(Qualifier::Nearly));
    }

    #[test]
    fn ranks_grades_multiples_and_streaks() {
        assert_eq!(
            found("居全市第十二位"),
            vec![(12.0, Some("位".into()), None)]
        );
        assert_eq!(found("区县第一。"), vec![(1.0, Some("位".into()), None)]);
        assert_eq!(
            found("民生报表位列B档"),
            vec![(0.0, Some("B".into()), None)]
        );
        assert_eq!(values("产量增长一倍"), vec![1.0]);
        assert_eq!(values("产量增长2.5倍"), vec![2.5]);
        assert_eq!(
            found("连续9个月正增长"),
            vec![(9.0, Some("个月".into()), None)]
        );
    }

    #[test]
    fn things_that_look_like_numbers_are_refused() {
        assert!(values("培育壮大“45812”产业集群").is_empty());
        assert!(values("构建“3+5+N”体系").is_empty());
        assert!(values("落实渝府发〔2024〕15号文件").is_empty());
        assert!(values("5月18日召开会议").is_empty());
        assert!(values("2024年实现").is_empty());
        assert!(values("建设5G基站").is_empty());
        assert!(values("车型M7上市").is_empty());
        assert!(values("打造20亿级产业").is_empty());
        assert!(values("做强4大主导产业").is_empty());
        assert!(values("第二批试点、第三产业").is_empty());
        assert!(values("联合值班等三项机制").is_empty());
        assert!(values("入选全国500强").is_empty());
        assert!(values("行动计划2.0版").is_empty());
        assert!(values("型号06").is_empty());
        assert!(values("引进30亿元以上制造业项目").is_empty());
        assert_eq!(values("分别增至40和120家"), vec![40.0, 120.0]);
    }
}
