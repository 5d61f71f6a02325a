//! Calendar arithmetic on periods: days, the same period last year, the previous period, the
//! elapsed share of the year (序时进度, DOMAIN.md §8) and containment.
//!
//! The day-based functions assume a period built through the constructors or the parsers; a
//! `Period::Months` written by hand with months outside 1–12 makes them panic.

use chrono::{Datelike, Days, NaiveDate, Weekday};

use super::Period;

/// The number of ISO weeks (52 or 53) of ISO year `year`.
pub(super) fn iso_weeks_in(year: i32) -> u8 {
    NaiveDate::from_ymd_opt(year, 12, 28)
        .map(|d| d.iso_week().week())
        .and_then(|w| u8::try_from(w).ok())
        .unwrap_or(52)
}

/// 366 in leap years, else 365.
fn days_in_year(year: i32) -> u32 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366
    } else {
        365
    }
}

fn ymd(year: i32, month: u8, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, u32::from(month), day)
        .unwrap_or_else(|| panic!("时期的年月无效：{year}年{month}月"))
}

fn iso_day(year: i32, week: u8, weekday: Weekday) -> NaiveDate {
    NaiveDate::from_isoywd_opt(year, u32::from(week), weekday)
        .unwrap_or_else(|| panic!("时期的周次无效：{year}年第{week}周"))
}

impl Period {
    /// The first day: the 1st of the first month, or the Monday of the ISO week.
    pub fn first_day(&self) -> NaiveDate {
        match *self {
            Self::Months { year, from, .. } => ymd(year, from, 1),
            Self::Week { year, week } => iso_day(year, week, Weekday::Mon),
        }
    }

    /// The last day: the last day of the last month, or the Sunday of the ISO week (which may
    /// fall in the next calendar year, e.g. 2020W53 ends on 2021-01-03).
    pub fn last_day(&self) -> NaiveDate {
        match *self {
            Self::Months { year, to: 12, .. } => ymd(year, 12, 31),
            Self::Months { year, to, .. } => ymd(year, to + 1, 1)
                .pred_opt()
                .unwrap_or_else(|| panic!("时期的年月无效：{year}年{to}月")),
            Self::Week { year, week } => iso_day(year, week, Weekday::Sun),
        }
    }

    /// Whether this is a month range starting in January (1—9月, 一季度, 上半年, a single 1月,
    /// the whole year): the cumulative periods of statistical reporting. Weeks are not.
    pub fn is_cumulative(&self) -> bool {
        matches!(self, Self::Months { from: 1, .. })
    }

    /// The number of months of a month range; `None` for a week.
    pub fn month_count(&self) -> Option<u8> {
        match *self {
            Self::Months { from, to, .. } => Some(to - from + 1),
            Self::Week { .. } => None,
        }
    }

    /// The same period one year earlier (the base of 同比). For a week: the same ISO week number
    /// of the previous ISO year, or its week 52 when that year has no week 53. `None` only when
    /// the result would fall before the supported range (1949).
    pub fn same_period_last_year(&self) -> Option<Period> {
        match *self {
            Self::Months { year, from, to } => Self::months(year - 1, from, to).ok(),
            Self::Week { year, week } => {
                Self::week(year - 1, week.min(iso_weeks_in(year - 1))).ok()
            }
        }
    }

    /// The period just before this one (the base of 环比):
    ///
    /// * a year, half, quarter, single month or ISO week: the one before (2024Q1 → 2023Q4,
    ///   2024M01 → 2023M12, 2024H2 → 2024H1, 2024W01 → 2023W52);
    /// * any other range from January (a cumulative 1—n月): one month shorter
    ///   (2024M01-M09 → 2024M01-M08, 2024M01-M02 → 2024M01);
    /// * any other range: the same number of months just before it
    ///   (2024M04-M05 → 2024M02-M03); when that would cross into the previous year, which a
    ///   period cannot, the last months of the previous year (2024M02-M04 → 2023M10-M12).
    ///
    /// `None` only when the result would fall before the supported range (1949).
    pub fn previous(&self) -> Option<Period> {
        match *self {
            Self::Week { .. } => {
                let day = self.first_day().checked_sub_days(Days::new(7))?;
                let iso = day.iso_week();
                Self::week(iso.year(), u8::try_from(iso.week()).ok()?).ok()
            }
            Self::Months { year, from, to } => {
                let len = to - from + 1;
                if from == 1 && !matches!(len, 1 | 3 | 6 | 12) {
                    Self::months(year, 1, to - 1).ok()
                } else if from > len {
                    Self::months(year, from - len, to - len).ok()
                } else {
                    Self::months(year - 1, 13 - len, 12).ok()
                }
            }
        }
    }

    /// The previous period of the same cumulative series: 1—n月 → 1—(n−1)月, whatever its
    /// code (2024Q1 → 2024M01-M02, 2024H1 → 2024M01-M05, 2024 → 2024M01-M11). `None` for
    /// January alone (the series restarts each year), for a range not starting in January and
    /// for weeks. Subtracting the two cumulative values gives the value of the last month.
    pub fn previous_cumulative(&self) -> Option<Period> {
        match *self {
            Self::Months { year, from: 1, to } if to > 1 => Self::months(year, 1, to - 1).ok(),
            _ => None,
        }
    }

    /// 序时进度 by months: months elapsed since January at the end of the period ÷ 12
    /// (2024M01-M09 → 0.75, 2024Q2 → 0.5). For a week this is [`Period::elapsed_share_by_day`].
    pub fn elapsed_share_by_month(&self) -> f64 {
        match *self {
            Self::Months { to, .. } => f64::from(to) / 12.0,
            Self::Week { .. } => self.elapsed_share_by_day(),
        }
    }

    /// 序时进度 by days: the day of the year of the period's last day ÷ the days in that year
    /// (366 in leap years): 2024M01-M09 → 274/366. A week ending in the next calendar year (the
    /// last ISO week of a year, e.g. 2020W53) counts as the whole year, 1.0.
    pub fn elapsed_share_by_day(&self) -> f64 {
        let year = self.year_number();
        let days = days_in_year(year);
        let last = self.last_day();
        let elapsed = if last.year() > year {
            days
        } else {
            last.ordinal()
        };
        f64::from(elapsed) / f64::from(days)
    }

    /// Whether every day of `other` lies within this period (works between weeks and months).
    pub fn contains(&self, other: &Period) -> bool {
        self.first_day() <= other.first_day() && other.last_day() <= self.last_day()
    }

    /// Whether the two periods share at least one day (works between weeks and months).
    pub fn overlaps(&self, other: &Period) -> bool {
        self.first_day() <= other.last_day() && other.first_day() <= self.last_day()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(code: &str) -> Period {
        Period::parse_code(code).unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn days(code: &str) -> (NaiveDate, NaiveDate) {
        let p = p(code);
        (p.first_day(), p.last_day())
    }

    #[test]
    fn first_and_last_days_of_month_ranges() {
        assert_eq!(days("2024"), (d("2024-01-01"), d("2024-12-31")));
        assert_eq!(days("2024Q3"), (d("2024-07-01"), d("2024-09-30")));
        assert_eq!(days("2024H1"), (d("2024-01-01"), d("2024-06-30")));
        assert_eq!(days("2024M01-M09"), (d("2024-01-01"), d("2024-09-30")));
        assert_eq!(days("2024M12"), (d("2024-12-01"), d("2024-12-31")));
        // Leap years: divisible by 4, except centuries not divisible by 400.
        assert_eq!(days("2024M02"), (d("2024-02-01"), d("2024-02-29")));
        assert_eq!(days("2023M02"), (d("2023-02-01"), d("2023-02-28")));
        assert_eq!(days("2000M02").1, d("2000-02-29"));
        assert_eq!(days("2100M02").1, d("2100-02-28"));
    }

    #[test]
    fn iso_weeks_cross_the_calendar_year() {
        assert_eq!(days("2026W01"), (d("2025-12-29"), d("2026-01-04")));
        assert_eq!(days("2024W01"), (d("2024-01-01"), d("2024-01-07")));
        assert_eq!(days("2020W53"), (d("2020-12-28"), d("2021-01-03")));
        assert_eq!(days("2021W01"), (d("2021-01-04"), d("2021-01-10")));
        assert_eq!(days("2024W12"), (d("2024-03-18"), d("2024-03-24")));
        assert_eq!(iso_weeks_in(2020), 53);
        assert_eq!(iso_weeks_in(2024), 52);
        assert_eq!(iso_weeks_in(2025), 52);
        assert_eq!(iso_weeks_in(2026), 53);
    }

    #[test]
    fn cumulative_and_month_count() {
        assert!(p("2024M01-M09").is_cumulative());
        assert!(p("2024Q1").is_cumulative());
        assert!(p("2024").is_cumulative());
        assert!(p("2024M01").is_cumulative());
        assert!(!p("2024Q2").is_cumulative());
        assert!(!p("2024M03").is_cumulative());
        assert!(!p("2024W01").is_cumulative());
        assert_eq!(p("2024M01-M09").month_count(), Some(9));
        assert_eq!(p("2024").month_count(), Some(12));
        assert_eq!(p("2024M03").month_count(), Some(1));
        assert_eq!(p("2024W12").month_count(), None);
    }

    #[test]
    fn same_period_last_year() {
        let last = |code: &str| p(code).same_period_last_year().map(|p| p.code());
        assert_eq!(last("2024M01-M09").as_deref(), Some("2023M01-M09"));
        assert_eq!(last("2024").as_deref(), Some("2023"));
        assert_eq!(last("2024Q1").as_deref(), Some("2023Q1"));
        assert_eq!(last("2024M02").as_deref(), Some("2023M02"));
        assert_eq!(last("2024W12").as_deref(), Some("2023W12"));
        assert_eq!(last("2021W52").as_deref(), Some("2020W52"));
        // 2019 and 2025 have no week 53.
        assert_eq!(last("2020W53").as_deref(), Some("2019W52"));
        assert_eq!(last("2026W53").as_deref(), Some("2025W52"));
        assert_eq!(last("1949Q1"), None);
        assert_eq!(last("1950Q1").as_deref(), Some("1949Q1"));
    }

    #[test]
    fn previous_period() {
        let prev = |code: &str| p(code).previous().map(|p| p.code());
        for (code, expected) in [
            ("2024M03", "2024M02"),
            ("2024M01", "2023M12"),
            ("2024M12", "2024M11"),
            ("2024Q1", "2023Q4"),
            ("2024Q2", "2024Q1"),
            ("2024Q4", "2024Q3"),
            ("2024H1", "2023H2"),
            ("2024H2", "2024H1"),
            ("2024", "2023"),
            ("2024M01-M09", "2024M01-M08"),
            ("2024M01-M02", "2024M01"),
            ("2024M01-M04", "2024Q1"),
            ("2024M01-M07", "2024H1"),
            ("2024M04-M05", "2024M02-M03"),
            ("2024M11-M12", "2024M09-M10"),
            ("2024M07-M11", "2024M02-M06"),
            ("2024M02-M04", "2023Q4"),
            ("2024M03-M12", "2023M03-M12"),
            ("2024W12", "2024W11"),
            ("2024W01", "2023W52"),
            ("2021W01", "2020W53"),
            ("2026W01", "2025W52"),
            ("2020W53", "2020W52"),
        ] {
            assert_eq!(prev(code).as_deref(), Some(expected), "{code}");
        }
        assert_eq!(prev("1949M01"), None);
        assert_eq!(prev("1949Q1"), None);
        assert_eq!(prev("1949W01"), None);
        assert_eq!(prev("1949M01-M09").as_deref(), Some("1949M01-M08"));
    }

    #[test]
    fn previous_in_a_cumulative_series() {
        let prev = |code: &str| p(code).previous_cumulative().map(|p| p.code());
        assert_eq!(prev("2024M01-M09").as_deref(), Some("2024M01-M08"));
        assert_eq!(prev("2024Q1").as_deref(), Some("2024M01-M02"));
        assert_eq!(prev("2024M01-M02").as_deref(), Some("2024M01"));
        assert_eq!(prev("2024").as_deref(), Some("2024M01-M11"));
        assert_eq!(prev("2024M01"), None);
        assert_eq!(prev("2024Q2"), None);
        assert_eq!(prev("2024W12"), None);
    }

    #[test]
    fn elapsed_share_of_the_year() {
        let q3 = p("2024M01-M09");
        assert_eq!(q3.elapsed_share_by_month(), 0.75);
        assert_eq!(q3.elapsed_share_by_day(), 274.0 / 366.0);
        assert_eq!(p("2023M01-M09").elapsed_share_by_day(), 273.0 / 365.0);
        assert_eq!(p("2024Q3").elapsed_share_by_month(), 0.75);
        assert_eq!(p("2024M03").elapsed_share_by_month(), 0.25);
        assert_eq!(p("2024M02").elapsed_share_by_day(), 60.0 / 366.0);
        assert_eq!(p("2023M02").elapsed_share_by_day(), 59.0 / 365.0);
        assert_eq!(p("2024").elapsed_share_by_month(), 1.0);
        assert_eq!(p("2024").elapsed_share_by_day(), 1.0);
        assert_eq!(p("2100").elapsed_share_by_day(), 1.0);
        // Weeks count days, by month too: 2024W12 ends on 24 March, day 84 of 366.
        assert_eq!(p("2024W12").elapsed_share_by_day(), 84.0 / 366.0);
        assert_eq!(p("2024W12").elapsed_share_by_month(), 84.0 / 366.0);
        assert_eq!(p("2026W01").elapsed_share_by_day(), 4.0 / 365.0);
        assert_eq!(p("2020W53").elapsed_share_by_day(), 1.0);
        assert_eq!(p("2024W52").elapsed_share_by_day(), 364.0 / 366.0);
    }

    #[test]
    fn containment_between_weeks_and_months() {
        let y2024 = p("2024");
        assert!(y2024.contains(&p("2024W12")));
        assert!(y2024.contains(&p("2024Q3")));
        assert!(y2024.contains(&y2024));
        assert!(!p("2024Q3").contains(&y2024));
        assert!(p("2024Q1").contains(&p("2024M02")));
        assert!(!p("2024M02").contains(&p("2024Q1")));
        // 2026W01 runs from 2025-12-29 to 2026-01-04.
        let w = p("2026W01");
        assert!(!p("2025").contains(&w));
        assert!(!p("2026").contains(&w));
        assert!(p("2025").overlaps(&w));
        assert!(p("2026M01").overlaps(&w));
        assert!(w.overlaps(&p("2025M12")));
        assert!(!p("2025M11").overlaps(&w));
        // 2024W09 runs from 26 February to 3 March.
        let w9 = p("2024W09");
        assert!(p("2024M02").overlaps(&w9) && p("2024M03").overlaps(&w9));
        assert!(!p("2024M02").contains(&w9) && !p("2024M03").contains(&w9));
        assert!(p("2024Q1").contains(&w9));
        assert!(p("2024M03").contains(&p("2024W10")));
        assert!(p("2024W10").overlaps(&p("2024W10")));
        assert!(!p("2024W10").overlaps(&p("2024W11")));
        assert!(p("2024Q1").overlaps(&p("2024M01-M09")));
        assert!(!p("2024Q1").overlaps(&p("2024Q2")));
        assert!(!p("2023").overlaps(&p("2024")));
    }
}
