//! Period expressions in running text and their canonical codes.
//!
//! Written forms and codes (the gold standard's table): 一季度 → `2024Q1`; 1—3月 → `2024M01-M03`
//! (kept apart from `2024Q1` because it is written differently); 前三季度 and 1—9月 →
//! `2024M01-M09`; 上半年 → `2024H1`; 全年 and 2023年 → the year; 去年 → the year before; 累计 →
//! `cumulative`. A year that is not written comes from the context (the document's reporting
//! period), so a mention is kept unresolved until [`Mention::code`] is given that year.

use crate::number::chinese_at;
use crate::run::at;

/// What a mention says, before the year is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spec {
    Quarter(u8),
    Half(u8),
    Months(u8, u8),
    Month(u8),
    /// 全年, or a written year (2023年).
    Year,
    /// 去年, 上年.
    LastYear,
    /// 累计.
    Cumulative,
}

/// A period expression found at `[start, end)` of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mention {
    pub start: usize,
    pub end: usize,
    /// The year written with it (2024年一季度), if any.
    pub year: Option<i32>,
    pub spec: Spec,
}

impl Mention {
    /// Whether the mention can be a section's reporting period (R2). 去年 and 累计 qualify one
    /// sentence only.
    pub fn reporting(&self) -> bool {
        !matches!(self.spec, Spec::LastYear | Spec::Cumulative)
    }

    /// The canonical code, given the context year for mentions without one.
    pub fn code(&self, context_year: Option<i32>) -> Option<String> {
        if self.spec == Spec::Cumulative {
            return Some("cumulative".into());
        }
        let y = self.year.or(context_year)?;
        Some(match self.spec {
            Spec::Quarter(q) => format!("{y}Q{q}"),
            Spec::Half(h) => format!("{y}H{h}"),
            Spec::Months(a, b) if a == b => format!("{y}M{a:02}"),
            Spec::Months(a, b) => format!("{y}M{a:02}-M{b:02}"),
            Spec::Month(m) => format!("{y}M{m:02}"),
            Spec::Year => format!("{y}"),
            Spec::LastYear => format!("{}", y - 1),
            Spec::Cumulative => "cumulative".into(),
        })
    }
}

fn small_number(c: &[char], i: usize) -> Option<(u8, usize)> {
    if c.get(i)?.is_ascii_digit() {
        let mut j = i;
        let mut v: u32 = 0;
        while j < c.len() && c[j].is_ascii_digit() && j - i < 2 {
            v = v * 10 + c[j].to_digit(10)?;
            j += 1;
        }
        if c.get(j).is_some_and(|d| d.is_ascii_digit()) {
            return None;
        }
        return u8::try_from(v).ok().map(|v| (v, j));
    }
    let (v, j) = chinese_at(c, i)?;
    if j - i > 3 || v < 1.0 {
        return None;
    }
    Some((v as u8, j))
}

fn is_range_dash(ch: char) -> bool {
    matches!(ch, '—' | '-' | '~' | '至' | '到' | '―' | '─')
}

/// The body of a period after an optional year: (spec, end).
fn body_at(c: &[char], i: usize) -> Option<(Spec, usize)> {
    let mut j = i;
    if at(c, j, "第") {
        j += 1;
    }
    if let Some(&q) = c.get(j) {
        let n = match q {
            '一' | '1' => Some(1),
            '二' | '2' => Some(2),
            '三' | '3' => Some(3),
            '四' | '4' => Some(4),
            _ => None,
        };
        if let Some(n) = n
            && at(c, j + 1, "季度")
        {
            return Some((Spec::Quarter(n), j + 3));
        }
    }
    for (w, m) in [
        ("前三季度", 9),
        ("前三个季度", 9),
        ("前两季度", 6),
        ("前二季度", 6),
    ] {
        if at(c, i, w) {
            return Some((Spec::Months(1, m), i + w.chars().count()));
        }
    }
    if at(c, i, "上半年") {
        return Some((Spec::Half(1), i + 3));
    }
    if at(c, i, "下半年") {
        return Some((Spec::Half(2), i + 3));
    }
    if at(c, i, "全年") {
        return Some((Spec::Year, i + 2));
    }
    let (a, j) = small_number(c, i)?;
    if !(1..=12).contains(&a) {
        return None;
    }
    // 1—3月, 1-9月, 1至3月
    if c.get(j).is_some_and(|&d| is_range_dash(d))
        && let Some((b, k)) = small_number(c, j + 1)
        && at(c, k, "月")
        && (a..=12).contains(&b)
        && !date_follows(c, k + 1)
    {
        let end = if at(c, k + 1, "份") { k + 2 } else { k + 1 };
        return Some((Spec::Months(a, b), end));
    }
    // 3月 (not 3月26日, not 6个月)
    if at(c, j, "月") && !date_follows(c, j + 1) {
        let end = if at(c, j + 1, "份") { j + 2 } else { j + 1 };
        return Some((Spec::Month(a), end));
    }
    None
}

/// After 月: a day number or 日/号 makes it a date, not a period.
fn date_follows(c: &[char], k: usize) -> bool {
    c.get(k).is_some_and(|d| d.is_ascii_digit())
        || at(c, k, "日")
        || at(c, k, "号")
        || chinese_at(c, k).is_some_and(|(_, e)| at(c, e, "日"))
}

fn year_at(c: &[char], i: usize) -> Option<(i32, usize)> {
    if i + 5 > c.len() || (i > 0 && c[i - 1].is_ascii_digit()) {
        return None;
    }
    let digits: String = c[i..i + 4].iter().collect();
    if !digits.chars().all(|d| d.is_ascii_digit()) || c[i + 4] != '年' {
        return None;
    }
    let y: i32 = digits.parse().ok()?;
    (1949..=2100).contains(&y).then_some((y, i + 5))
}

/// The period mention starting at `i`, if any. A period after 较 / 比 is a base of comparison
/// (较一季度提高), not the period of the figure.
pub(crate) fn mention_at(c: &[char], i: usize) -> Option<Mention> {
    if i > 0 && matches!(c[i - 1], '较' | '比') {
        return None;
    }
    if let Some((y, j)) = year_at(c, i) {
        if at(c, j, "度") {
            return None;
        }
        // 2024年1—9月 and 2024年9月 are periods; 2024年4月26日 is a date (body_at refuses it).
        if let Some((spec, end)) = body_at(c, j) {
            return Some(Mention {
                start: i,
                end,
                year: Some(y),
                spec,
            });
        }
        return Some(Mention {
            start: i,
            end: j,
            year: Some(y),
            spec: Spec::Year,
        })
        .filter(|_| !c.get(j).is_some_and(|d| d.is_ascii_digit()));
    }
    if at(c, i, "今年")
        && let Some((spec, end)) = body_at(c, i + 2)
    {
        return Some(Mention {
            start: i,
            end,
            year: None,
            spec,
        });
    }
    if at(c, i, "去年") || at(c, i, "上年") {
        let after = i + 2;
        let reference = ["年底", "年末", "底", "末", "同期", "同月", "水平", "年初"]
            .iter()
            .any(|w| at(c, after, w));
        let compared = i > 0 && matches!(c[i - 1], '比' | '较' | '于' | '同');
        if reference || compared {
            return None;
        }
        return Some(Mention {
            start: i,
            end: after,
            year: None,
            spec: Spec::LastYear,
        });
    }
    if at(c, i, "累计") {
        return Some(Mention {
            start: i,
            end: i + 2,
            year: None,
            spec: Spec::Cumulative,
        });
    }
    // A bare body must not be the tail of a longer number or word (第13季度 is not written).
    if i > 0 && (c[i - 1].is_ascii_digit() || c[i - 1] == '.') {
        return None;
    }
    let (spec, end) = body_at(c, i)?;
    // A month is written 1月 in reports; a Chinese one-character month is more often part of a
    // word (一月一调度), so Chinese numerals only count in ranges and quarters.
    if matches!(spec, Spec::Month(_)) && !c[i].is_ascii_digit() {
        return None;
    }
    Some(Mention {
        start: i,
        end,
        year: None,
        spec,
    })
}

/// Every period mention in `c`, left to right, not overlapping.
pub(crate) fn mentions(c: &[char]) -> Vec<Mention> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if let Some(m) = mention_at(c, i) {
            i = m.end.max(i + 1);
            out.push(m);
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(s: &str, y: Option<i32>) -> Vec<Option<String>> {
        let c: Vec<char> = s.chars().collect();
        mentions(&c).iter().map(|m| m.code(y)).collect()
    }

    fn one(s: &str) -> Option<String> {
        codes(s, Some(2025)).into_iter().next().flatten()
    }

    #[test]
    fn quarters_halves_and_month_ranges() {
        assert_eq!(one("一季度全区"), Some("2025Q1".into()));
        assert_eq!(one("第三季度"), Some("2025Q3".into()));
        assert_eq!(one("前三季度"), Some("2025M01-M09".into()));
        assert_eq!(one("上半年"), Some("2025H1".into()));
        assert_eq!(one("1—3月"), Some("2025M01-M03".into()));
        assert_eq!(one("1-2月份"), Some("2025M01-M02".into()));
        assert_eq!(one("1至9月"), Some("2025M01-M09".into()));
        assert_eq!(one("5月"), Some("2025M05".into()));
    }

    #[test]
    fn written_years_win_over_the_context() {
        assert_eq!(one("2023年一季度"), Some("2023Q1".into()));
        assert_eq!(one("2022年"), Some("2022".into()));
        assert_eq!(one("今年上半年"), Some("2025H1".into()));
        assert_eq!(one("2024年1—9月，全市"), Some("2024M01-M09".into()));
        assert_eq!(one("2024年9月"), Some("2024M09".into()));
        assert_eq!(codes("2024年10月25日", Some(2025)), vec![]);
        assert_eq!(one("全年"), Some("2025".into()));
    }

    #[test]
    fn last_year_and_cumulative() {
        assert_eq!(one("去年企业"), Some("2024".into()));
        assert_eq!(one("累计建成"), Some("cumulative".into()));
        // A reference point, not a period.
        assert_eq!(codes("较去年年底提高", Some(2025)), vec![]);
        assert_eq!(codes("比上年增长", Some(2025)), vec![]);
        assert_eq!(codes("较一季度提高", Some(2025)), vec![]);
    }

    #[test]
    fn dates_and_durations_are_not_periods() {
        assert_eq!(codes("4月26日上午", Some(2025)), vec![]);
        assert_eq!(codes("连续12个月", Some(2025)), vec![]);
        assert_eq!(codes("2023年度", Some(2025)), vec![]);
        assert_eq!(codes("一月一调度", Some(2025)), vec![]);
    }

    #[test]
    fn without_a_year_the_code_is_unknown() {
        assert_eq!(codes("一季度", None), vec![None]);
        assert_eq!(codes("累计", None), vec![Some("cumulative".into())]);
    }
}
