//! Reporting periods: a year plus a month range (`2024`, `2024H1`, `2024Q3`, `2024M03`,
//! `2024M01-M09`) or an ISO week (`2024W12`).
//!
//! A month range is the only representation of months: `2024Q1` and `2024M01-M03` are the same
//! period, and [`Period::code`] always prints the shortest canonical code.
//!
//! Besides the codes, [`Period::parse`] reads the Chinese forms of statistics tables (`2024年1—9月`,
//! `前三季度`, `一季度`, `上半年`, `第12周` …), [`Period::find_in_text`] finds a period inside a table
//! title or sheet name, and [`Period::label_zh`] prints the Chinese label. The calendar arithmetic
//! (same period last year, previous period, first and last day, elapsed share of the year for
//! 序时进度, containment) lives in `period/arith.rs`.

mod arith;
mod parse_zh;

pub use parse_zh::{Mention, Yearless};
#[cfg(test)]
mod proptests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a period could not be built or parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PeriodError {
    #[error("时期“{input}”无法识别：{reason}")]
    Unrecognised { input: String, reason: String },
    #[error("时期“{input}”没有写年份，请指定默认年份（例如 --period 或 --year）")]
    MissingYear { input: String },
}

impl PeriodError {
    fn unrecognised(input: &str, reason: impl Into<String>) -> Self {
        Self::Unrecognised {
            input: input.to_string(),
            reason: reason.into(),
        }
    }
}

/// A reporting period. Build one with [`Period::months`], [`Period::week`] or by parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    /// Months `from..=to` of `year` (1 ≤ from ≤ to ≤ 12).
    Months { year: i32, from: u8, to: u8 },
    /// ISO week `week` of ISO year `year`.
    Week { year: i32, week: u8 },
}

const MIN_YEAR: i32 = 1949;
const MAX_YEAR: i32 = 2200;

fn check_year(year: i32, input: &str) -> Result<(), PeriodError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(PeriodError::unrecognised(
            input,
            format!("年份{year}不在{MIN_YEAR}—{MAX_YEAR}之间"),
        ))
    }
}

impl Period {
    /// Months `from..=to` of `year`.
    pub fn months(year: i32, from: u8, to: u8) -> Result<Self, PeriodError> {
        let input = format!("{year}年{from}—{to}月");
        check_year(year, &input)?;
        if !(1..=12).contains(&from) || !(1..=12).contains(&to) || from > to {
            return Err(PeriodError::unrecognised(
                &input,
                "月份须在1—12之间且起月不晚于止月",
            ));
        }
        Ok(Self::Months { year, from, to })
    }

    /// A single month.
    pub fn month(year: i32, month: u8) -> Result<Self, PeriodError> {
        Self::months(year, month, month)
    }

    /// The whole year.
    pub fn year(year: i32) -> Result<Self, PeriodError> {
        Self::months(year, 1, 12)
    }

    /// Quarter `q` (1–4).
    pub fn quarter(year: i32, q: u8) -> Result<Self, PeriodError> {
        if !(1..=4).contains(&q) {
            return Err(PeriodError::unrecognised(
                &format!("{year}Q{q}"),
                "季度须在1—4之间",
            ));
        }
        Self::months(year, q * 3 - 2, q * 3)
    }

    /// Half year `h` (1–2).
    pub fn half(year: i32, h: u8) -> Result<Self, PeriodError> {
        if !(1..=2).contains(&h) {
            return Err(PeriodError::unrecognised(
                &format!("{year}H{h}"),
                "半年须为1或2",
            ));
        }
        Self::months(year, h * 6 - 5, h * 6)
    }

    /// ISO week `week` of ISO year `year`.
    pub fn week(year: i32, week: u8) -> Result<Self, PeriodError> {
        let input = format!("{year}W{week:02}");
        check_year(year, &input)?;
        let weeks = chrono::NaiveDate::from_ymd_opt(year, 12, 28)
            .map(|d| chrono::Datelike::iso_week(&d).week())
            .unwrap_or(52);
        if week == 0 || u32::from(week) > weeks {
            return Err(PeriodError::unrecognised(
                &input,
                format!("{year}年只有{weeks}周"),
            ));
        }
        Ok(Self::Week { year, week })
    }

    /// The calendar (or ISO) year the period belongs to.
    pub fn year_number(&self) -> i32 {
        match *self {
            Self::Months { year, .. } | Self::Week { year, .. } => year,
        }
    }

    /// The canonical code: `2024`, `2024H1`, `2024Q3`, `2024M03`, `2024M01-M09`, `2024W12`.
    pub fn code(&self) -> String {
        self.to_string()
    }

    /// Parses a canonical code only (see [`Period::code`]).
    pub fn parse_code(input: &str) -> Result<Self, PeriodError> {
        let s = input.trim();
        let bad = || PeriodError::unrecognised(input, "不是规范的时期代码");
        if s.len() < 4 || !s.is_char_boundary(4) {
            return Err(bad());
        }
        let (y, rest) = s.split_at(4);
        let year: i32 = y.parse().map_err(|_| bad())?;
        let num = |t: &str| t.parse::<u8>().map_err(|_| bad());
        if rest.is_empty() {
            return Self::year(year);
        }
        if !rest.is_char_boundary(1) {
            return Err(bad());
        }
        let (tag, body) = rest.split_at(1);
        match tag {
            "H" | "h" => Self::half(year, num(body)?),
            "Q" | "q" => Self::quarter(year, num(body)?),
            "W" | "w" => Self::week(year, num(body)?),
            "M" | "m" => match body.split_once('-') {
                None => Self::month(year, num(body)?),
                Some((a, b)) => {
                    let b = b.strip_prefix(['M', 'm']).unwrap_or(b);
                    Self::months(year, num(a)?, num(b)?)
                }
            },
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Week { year, week } => write!(f, "{year}W{week:02}"),
            Self::Months {
                year,
                from: 1,
                to: 12,
            } => write!(f, "{year}"),
            Self::Months { year, from, to } if to == from + 5 && (from == 1 || from == 7) => {
                write!(f, "{year}H{}", from / 6 + 1)
            }
            Self::Months { year, from, to } if to == from + 2 && from % 3 == 1 => {
                write!(f, "{year}Q{}", from / 3 + 1)
            }
            Self::Months { year, from, to } if from == to => write!(f, "{year}M{from:02}"),
            Self::Months { year, from, to } => write!(f, "{year}M{from:02}-M{to:02}"),
        }
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_code(s)
    }
}

impl TryFrom<String> for Period {
    type Error = PeriodError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse_code(&s)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_codes_round_trip() {
        for code in [
            "2024",
            "2024H1",
            "2024H2",
            "2024Q3",
            "2024M03",
            "2024M01-M09",
            "2024W12",
        ] {
            assert_eq!(Period::parse_code(code).unwrap().code(), code);
        }
    }

    #[test]
    fn a_quarter_is_its_month_range() {
        assert_eq!(
            Period::parse_code("2024M07-M09").unwrap(),
            Period::quarter(2024, 3).unwrap()
        );
        assert_eq!(Period::parse_code("2024M01-M03").unwrap().code(), "2024Q1");
    }

    #[test]
    fn invalid_codes_are_refused() {
        for code in [
            "2024Q5",
            "2024M13",
            "2024M09-M03",
            "2024W54",
            "24Q1",
            "",
            "2024X1",
            "2024年",
            "2024季",
        ] {
            assert!(Period::parse_code(code).is_err(), "{code}");
        }
    }

    #[test]
    fn serde_uses_the_code() {
        let p = Period::months(2024, 1, 9).unwrap();
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, "\"2024M01-M09\"");
        assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), p);
        assert!(serde_json::from_str::<Period>("\"2024Q5\"").is_err());
    }
}
