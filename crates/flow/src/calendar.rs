//! The working calendar: which days are working days, and which hours of a working day count.
//!
//! A [`Calendar`] starts from the weekly rule (Monday to Friday work, Saturday and Sunday rest)
//! and overrides it with the State Council's yearly arrangements, read as data
//! ([`Calendar::from_csv`], the format of `data/cn-holidays.csv`): `holiday` marks an official
//! day off, `workday` a make-up working day (调休上班) on a weekend. A new year is added with
//! [`Calendar::extend_csv`]; nothing about any year is compiled in.
//!
//! Times enter and leave as UTC; days and working hours are local, at a fixed offset (UTC+8 by
//! default). The clock arithmetic on top of the calendar lives in [`crate::clock`].

use std::collections::{BTreeMap, BTreeSet};

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc,
    Weekday,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How an official arrangement overrides the weekly rule on one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// An official day off (法定节假日, weekend days inside a holiday block included).
    Holiday,
    /// A make-up working day on a weekend (调休上班).
    Workday,
}

impl DayKind {
    /// The Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Holiday => "放假",
            Self::Workday => "调休上班",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "holiday" | "放假" | "休" => Some(Self::Holiday),
            "workday" | "上班" | "班" => Some(Self::Workday),
            _ => None,
        }
    }
}

/// One date the official arrangement overrides, with the holiday's name (春节, 国庆节 …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialDay {
    pub kind: DayKind,
    pub name: String,
}

/// Why a calendar file or a working-hours setting was refused. Line numbers count from 1.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CalendarError {
    #[error("节假日文件缺少表头“date,kind,name”")]
    MissingHeader,
    #[error("第{line}行：应有 date,kind,name 三列，实际为“{text}”")]
    Columns { line: usize, text: String },
    #[error("第{line}行：日期“{value}”无效，应为 YYYY-MM-DD")]
    Date { line: usize, value: String },
    #[error("第{line}行：类型“{value}”无效，应为 holiday（放假）或 workday（调休上班）")]
    Kind { line: usize, value: String },
    #[error("第{line}行：{date} 已定义为“{existing}”，不能再定义为“{new}”")]
    Conflict {
        line: usize,
        date: NaiveDate,
        existing: &'static str,
        new: &'static str,
    },
    #[error("工作时段无效：{0}")]
    Hours(String),
}

/// The working hours of a working day, as ordered, non-overlapping local time spans.
///
/// The default is 9:00–12:00 and 13:30–17:30 (seven hours), the common office hours of
/// Chongqing's government units; a unit with other hours configures its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkingHours {
    spans: Vec<(NaiveTime, NaiveTime)>,
}

impl WorkingHours {
    /// Builds working hours from spans; each must end after it starts, and spans must be in order
    /// without overlapping.
    pub fn new(spans: &[(NaiveTime, NaiveTime)]) -> Result<Self, CalendarError> {
        if spans.is_empty() {
            return Err(CalendarError::Hours("至少需要一个时段".into()));
        }
        for (i, (start, end)) in spans.iter().enumerate() {
            if start >= end {
                return Err(CalendarError::Hours(format!(
                    "时段 {start}–{end} 的结束时间须晚于开始时间"
                )));
            }
            if i > 0 && spans[i - 1].1 > *start {
                return Err(CalendarError::Hours(format!(
                    "时段 {start}–{end} 与前一时段重叠或顺序颠倒"
                )));
            }
        }
        Ok(Self {
            spans: spans.to_vec(),
        })
    }

    /// The spans, in order.
    pub fn spans(&self) -> &[(NaiveTime, NaiveTime)] {
        &self.spans
    }

    /// The length of one working day.
    pub fn daily(&self) -> TimeDelta {
        self.spans.iter().map(|(s, e)| *e - *s).sum()
    }

    /// The end of the last span (close of business).
    pub fn close(&self) -> NaiveTime {
        self.spans[self.spans.len() - 1].1
    }
}

impl Default for WorkingHours {
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("valid time");
        Self {
            spans: vec![(t(9, 0), t(12, 0)), (t(13, 30), t(17, 30))],
        }
    }
}

/// A working calendar: official arrangements over the weekly rule, working hours, and the local
/// offset. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, SpecialDay>,
    hours: WorkingHours,
    offset: FixedOffset,
}

impl Default for Calendar {
    fn default() -> Self {
        Self::new()
    }
}

impl Calendar {
    /// A calendar with the weekly rule only, default working hours, and China Standard Time.
    pub fn new() -> Self {
        Self {
            days: BTreeMap::new(),
            hours: WorkingHours::default(),
            offset: FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset"),
        }
    }

    /// Reads the official arrangements from CSV text: a `date,kind,name` header, then one date a
    /// line; `#` lines and blank lines are skipped, a UTF-8 BOM is ignored.
    pub fn from_csv(text: &str) -> Result<Self, CalendarError> {
        let mut calendar = Self::new();
        calendar.extend_csv(text)?;
        Ok(calendar)
    }

    /// Adds the arrangements of another file (for example next year's notice). A date already
    /// present with the same kind is accepted again; with the other kind it is refused, and the
    /// calendar is left unchanged.
    pub fn extend_csv(&mut self, text: &str) -> Result<(), CalendarError> {
        let mut added = self.days.clone();
        let mut header_seen = false;
        for (index, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
            let line = index + 1;
            let row = raw.trim();
            if row.is_empty() || row.starts_with('#') {
                continue;
            }
            if !header_seen {
                let header: Vec<String> = row.split(',').map(|c| c.trim().to_lowercase()).collect();
                if header != ["date", "kind", "name"] {
                    return Err(CalendarError::MissingHeader);
                }
                header_seen = true;
                continue;
            }
            let (date, day) = parse_row(line, row)?;
            if let Some(existing) = added.get(&date)
                && existing.kind != day.kind
            {
                return Err(CalendarError::Conflict {
                    line,
                    date,
                    existing: existing.kind.label_zh(),
                    new: day.kind.label_zh(),
                });
            }
            added.insert(date, day);
        }
        if !header_seen {
            return Err(CalendarError::MissingHeader);
        }
        self.days = added;
        Ok(())
    }

    /// Replaces the working hours.
    pub fn with_working_hours(mut self, hours: WorkingHours) -> Self {
        self.hours = hours;
        self
    }

    /// Replaces the local offset (UTC+8 by default).
    pub fn with_offset(mut self, offset: FixedOffset) -> Self {
        self.offset = offset;
        self
    }

    /// The working hours.
    pub fn working_hours(&self) -> &WorkingHours {
        &self.hours
    }

    /// The local offset.
    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    /// The official arrangement of a date, if any.
    pub fn special_day(&self, date: NaiveDate) -> Option<&SpecialDay> {
        self.days.get(&date)
    }

    /// The years the calendar holds arrangements for.
    pub fn years(&self) -> BTreeSet<i32> {
        self.days.keys().map(|d| d.year()).collect()
    }

    /// Whether a local date is a working day: the official arrangement if there is one, else
    /// Monday to Friday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.days.get(&date).map(|d| d.kind) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The local date and time of a UTC instant.
    pub fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.offset).naive_local()
    }

    /// The UTC instant of a local date and time.
    pub fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        self.offset
            .from_local_datetime(&local)
            .single()
            .expect("a fixed offset maps every local time to one instant")
            .with_timezone(&Utc)
    }

    /// The working spans of a local date as UTC intervals (none on a day off).
    pub fn working_spans(&self, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.is_working_day(date) {
            return Vec::new();
        }
        self.hours
            .spans()
            .iter()
            .map(|(s, e)| {
                (
                    self.to_utc(date.and_time(*s)),
                    self.to_utc(date.and_time(*e)),
                )
            })
            .collect()
    }

    /// Close of business of a local date, as a UTC instant.
    pub fn close_of(&self, date: NaiveDate) -> DateTime<Utc> {
        self.to_utc(date.and_time(self.hours.close()))
    }
}

fn parse_row(line: usize, row: &str) -> Result<(NaiveDate, SpecialDay), CalendarError> {
    let cells: Vec<&str> = row
        .splitn(3, ',')
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    if cells.len() < 2 {
        return Err(CalendarError::Columns {
            line,
            text: row.to_string(),
        });
    }
    let date =
        NaiveDate::parse_from_str(cells[0], "%Y-%m-%d").map_err(|_| CalendarError::Date {
            line,
            value: cells[0].to_string(),
        })?;
    let kind = DayKind::parse(&cells[1].to_lowercase()).ok_or_else(|| CalendarError::Kind {
        line,
        value: cells[1].to_string(),
    })?;
    let name = cells.get(2).copied().unwrap_or_default().to_string();
    Ok((date, SpecialDay { kind, name }))
}
