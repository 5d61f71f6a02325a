//! The period a table states for itself, and where: in its title and the lines above the header,
//! in its sheet name, or (when it states none) the caller's default. When two places state
//! periods that disagree, the table is refused naming both: a file titled 2024年1—9月 on a sheet
//! called 2024年6月 has one of them wrong, and we cannot tell which.
//!
//! Places agree when they state the same period, or when one is the other's last month or its
//! January-to-date (a monthly report titled 2024年9月 with 1—9月 columns). A bare year
//! (2024年各区县主要指标) only gives the year; months without a year (1—9月) take it from
//! another place or the default year.

use yiping_kernel::{Mention, Period};

/// A period the table states, and where (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stated {
    pub period: Period,
    /// 标题第1行“…”, 工作表名称“…”, 导入时指定的时期.
    pub place: String,
    /// Only a year was written: any period of that year agrees.
    pub year_only: bool,
    /// Stated in the file (not the caller's default, which only fills what the file leaves out).
    pub from_file: bool,
}

impl Stated {
    /// Whether `p` (stated elsewhere: a period cell, a sub-header) agrees with this statement:
    /// a related period of the same year, or the same months of another year (上年同期 rows
    /// beside this year's).
    pub(crate) fn agrees(&self, p: Period) -> bool {
        if self.year_only {
            return p.year_number() == self.period.year_number();
        }
        related(self.period, p) || same_months(self.period, p)
    }

    /// `2024年1—9月`, or `2024年` for a bare year.
    pub(crate) fn label(&self) -> String {
        self.period.label_zh()
    }
}

/// The same period, or one is the other's last month or January-to-date.
pub(crate) fn related(a: Period, b: Period) -> bool {
    a == b
        || last_month(a) == Some(b)
        || last_month(b) == Some(a)
        || from_january(a) == Some(b)
        || from_january(b) == Some(a)
}

/// The same months (or week) in any year.
fn same_months(a: Period, b: Period) -> bool {
    match (a, b) {
        (Period::Months { from, to, .. }, Period::Months { from: f, to: t, .. }) => {
            from == f && to == t
        }
        (Period::Week { week, .. }, Period::Week { week: w, .. }) => week == w,
        _ => false,
    }
}

/// The last month of a month range (本月 beside 1—9月).
pub(crate) fn last_month(p: Period) -> Option<Period> {
    match p {
        Period::Months { year, to, .. } => Period::month(year, to).ok(),
        Period::Week { .. } => None,
    }
}

/// January to the end of a month range (累计 in a report titled 2024年9月).
pub(crate) fn from_january(p: Period) -> Option<Period> {
    match p {
        Period::Months { year, to, .. } => Period::months(year, 1, to).ok(),
        Period::Week { .. } => None,
    }
}

/// Two places that disagree: (first place, its label), (second place, its label).
pub(crate) type Conflict = ((String, String), (String, String));

/// A text cut for a message (titles can be long).
fn short(text: &str) -> String {
    let t: String = text.chars().take(30).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// Lines that carry dates, not the table's period (填报日期：2024年10月8日).
fn is_date_line(text: &str) -> bool {
    ["日期", "制表时间", "填报时间", "报送时间", "打印时间"]
        .iter()
        .any(|w| text.contains(w))
}

/// Reads the statements of the preamble lines (row, text) and the sheet name. Returns the
/// table's period (or `None`), and the first disagreement found.
pub(crate) fn table_period(
    preamble: &[(usize, String)],
    sheet: Option<&str>,
    default_period: Option<Period>,
    default_year: Option<i32>,
) -> (Option<Stated>, Option<Conflict>) {
    let mut mentions: Vec<(Mention, String)> = preamble
        .iter()
        .filter(|(_, t)| !is_date_line(t))
        .filter_map(|(r, t)| {
            Period::mention_in_text(t).map(|m| (m, format!("第{}行“{}”", r + 1, short(t))))
        })
        .collect();
    if let Some(s) = sheet
        && let Some(m) = Period::mention_in_text(s)
    {
        mentions.push((m, format!("工作表名称“{}”", short(s))));
    }
    let year = mentions
        .iter()
        .find_map(|(m, _)| match m {
            Mention::Period(p) => Some(p.year_number()),
            _ => None,
        })
        .or_else(|| {
            mentions.iter().find_map(|(m, _)| match m {
                Mention::Year(y) => Some(*y),
                _ => None,
            })
        })
        .or(default_year);
    let mut strong: Vec<(Period, String)> = Vec::new();
    let mut years: Vec<(i32, String)> = Vec::new();
    for (m, place) in mentions {
        match m {
            Mention::Period(p) => strong.push((p, place)),
            Mention::Year(y) => years.push((y, place)),
            Mention::Yearless(y) => {
                if let Some(p) = year.and_then(|year| y.in_year(year).ok()) {
                    strong.push((p, place));
                }
            }
        }
    }
    let mut conflict = None;
    if let Some((first, first_place)) = strong.first() {
        let disagree = strong
            .iter()
            .find(|(p, _)| !related(*first, *p))
            .map(|(p, pl)| (p.label_zh(), pl.clone()));
        let year_off = years
            .iter()
            .find(|(y, _)| *y != first.year_number())
            .map(|(y, pl)| (format!("{y}年"), pl.clone()));
        if let Some((label, place)) = disagree.or(year_off) {
            conflict = Some(((first_place.clone(), first.label_zh()), (place, label)));
        }
        let stated = Stated {
            period: *first,
            place: first_place.clone(),
            year_only: false,
            from_file: true,
        };
        return (Some(stated), conflict);
    }
    if let Some((y, place)) = years.first() {
        if let Some((other, pl)) = years.iter().find(|(o, _)| o != y) {
            conflict = Some((
                (place.clone(), format!("{y}年")),
                (pl.clone(), format!("{other}年")),
            ));
        }
        let stated = Period::year(*y).ok().map(|period| Stated {
            period,
            place: place.clone(),
            year_only: true,
            from_file: true,
        });
        return (stated, conflict);
    }
    let stated = default_period.map(|period| Stated {
        period,
        place: "导入时指定的时期".to_string(),
        year_only: false,
        from_file: false,
    });
    (stated, None)
}

/// The message for two places that disagree.
pub(crate) fn conflict_reason(((a, la), (b, lb)): &Conflict) -> String {
    format!(
        "表中多处写明的时期不一致：{a}写的是{la}，{b}写的是{lb}；无法判断数据属于哪个时期，请改正后再导入"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(code: &str) -> Period {
        Period::parse_code(code).unwrap()
    }

    fn lines(texts: &[&str]) -> Vec<(usize, String)> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| (i, t.to_string()))
            .collect()
    }

    #[test]
    fn one_place_states_the_period() {
        let (s, c) = table_period(
            &lines(&["2024年1—9月各区县主要指标"]),
            Some("Sheet1"),
            None,
            None,
        );
        assert_eq!(s.unwrap().period, p("2024M01-M09"));
        assert_eq!(c, None);
        let (s, _) = table_period(&[], Some("2024Q1"), None, None);
        assert_eq!(s.unwrap().period, p("2024Q1"));
        let (s, _) = table_period(&[], None, Some(p("2024H1")), None);
        assert_eq!(s.unwrap().place, "导入时指定的时期");
    }

    #[test]
    fn a_bare_year_and_months_elsewhere_combine() {
        let (s, c) = table_period(&lines(&["2024年各区县主要指标"]), Some("1-9月"), None, None);
        assert_eq!(s.unwrap().period, p("2024M01-M09"));
        assert_eq!(c, None);
        let (s, c) = table_period(&lines(&["2024年各区县主要指标"]), None, None, None);
        let s = s.unwrap();
        assert!(s.year_only);
        assert!(s.agrees(p("2024M03")) && !s.agrees(p("2023M03")));
        assert_eq!(c, None);
    }

    #[test]
    fn disagreeing_places_are_named() {
        let (s, c) = table_period(
            &lines(&["2024年1—9月主要指标"]),
            Some("2024年6月"),
            None,
            None,
        );
        assert_eq!(s.unwrap().period, p("2024M01-M09"));
        let c = c.unwrap();
        let why = conflict_reason(&c);
        assert!(
            why.contains("第1行“2024年1—9月主要指标”写的是2024年1—9月"),
            "{why}"
        );
        assert!(
            why.contains("工作表名称“2024年6月”写的是2024年6月"),
            "{why}"
        );
        let (_, c) = table_period(&lines(&["2023年主要指标", "2024年1—9月"]), None, None, None);
        assert!(c.is_some(), "a year and a period of another year");
        let (_, c) = table_period(&lines(&["2024年1—9月"]), Some("1-6月"), None, None);
        assert!(c.is_some());
    }

    #[test]
    fn related_places_agree() {
        let (s, c) = table_period(&lines(&["2024年9月主要指标"]), Some("1—9月"), None, None);
        assert_eq!(s.unwrap().period, p("2024M09"));
        assert_eq!(c, None);
        let (_, c) = table_period(
            &lines(&["2024年1—9月主要指标", "填报日期：2024年10月8日"]),
            None,
            None,
            None,
        );
        assert_eq!(c, None, "date lines are not periods");
    }
}
