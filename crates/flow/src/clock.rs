//! SLA clocks: deadlines and elapsed time on one of four clocks, over a [`Calendar`].
//!
//! - [`ClockType::UrgentHours`]: hours around the clock (紧急事项, 24 小时不间断计时).
//! - [`ClockType::WorkingHours`]: hours inside working spans of working days.
//! - [`ClockType::WorkingDays`]: whole working days. Following the civil-law rule on periods
//!   (民法典第二百零一条、第二百零三条), the day the clock starts is not counted, and the period
//!   ends at close of business of its last day. Zero working days (当日办结) means close of
//!   business today, or of the next working day when the item arrives after hours or on a day
//!   off.
//! - [`ClockType::NaturalDays`]: 24-hour days around the clock, holidays included.
//! - [`ClockType::Months`]: calendar months (整改 periods of problems: 3 months from 14 March is
//!   14 June, the end of a shorter month when the day does not exist), around the clock.
//!
//! A suspended item's clock stands still: [`Calendar::elapsed`] subtracts [`Pause`]s, and
//! [`Calendar::advance`] moves a deadline on by the clock time that was left when the pause began.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;

/// Which clock a time limit runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockType {
    #[serde(alias = "紧急小时")]
    UrgentHours,
    #[serde(alias = "工作小时")]
    WorkingHours,
    #[serde(alias = "工作日")]
    WorkingDays,
    #[serde(alias = "自然日")]
    NaturalDays,
    #[serde(alias = "月", alias = "自然月")]
    Months,
}

impl ClockType {
    /// The Chinese name of the clock.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::UrgentHours => "紧急小时",
            Self::WorkingHours => "工作小时",
            Self::WorkingDays => "工作日",
            Self::NaturalDays => "自然日",
            Self::Months => "月",
        }
    }

    /// Whether the clock only runs in working time.
    pub fn is_working(self) -> bool {
        matches!(self, Self::WorkingHours | Self::WorkingDays)
    }
}

/// An interval during which an item's clock stood still (挂起/挂账).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Calendar {
    /// The deadline of a limit of `limit` units of `clock` started at `start` (see the module
    /// docs for what a unit means on each clock).
    pub fn deadline(&self, start: DateTime<Utc>, limit: u32, clock: ClockType) -> DateTime<Utc> {
        match clock {
            ClockType::UrgentHours => start + TimeDelta::hours(i64::from(limit)),
            ClockType::NaturalDays => start + TimeDelta::days(i64::from(limit)),
            ClockType::Months => start
                .checked_add_months(chrono::Months::new(limit))
                .unwrap_or(start),
            ClockType::WorkingHours => self.add_working_time(start, TimeDelta::hours(limit.into())),
            ClockType::WorkingDays => self.working_days_deadline(start, limit),
        }
    }

    /// Moves `start` on by `amount` of clock time: wall time on the around-the-clock clocks,
    /// working time on the working clocks.
    pub fn advance(
        &self,
        start: DateTime<Utc>,
        amount: TimeDelta,
        clock: ClockType,
    ) -> DateTime<Utc> {
        if clock.is_working() {
            self.add_working_time(start, amount)
        } else {
            start + amount
        }
    }

    /// The clock time between `start` and `end`, less the pauses (which may overlap each other
    /// or reach outside the interval). Zero when `end` is not after `start`.
    pub fn elapsed(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        clock: ClockType,
        pauses: &[Pause],
    ) -> TimeDelta {
        if end <= start {
            return TimeDelta::zero();
        }
        let paused: TimeDelta = merge(pauses, start, end)
            .into_iter()
            .map(|(from, to)| self.measure(from, to, clock))
            .sum();
        self.measure(start, end, clock) - paused
    }

    /// Working time between two instants.
    pub fn working_time(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> TimeDelta {
        if end <= start {
            return TimeDelta::zero();
        }
        let mut total = TimeDelta::zero();
        let mut date = self.local(start).date();
        let last = self.local(end).date();
        while date <= last {
            for (s, e) in self.working_spans(date) {
                let (s, e) = (s.max(start), e.min(end));
                if e > s {
                    total += e - s;
                }
            }
            date = date.succ_opt().expect("dates stay in range");
        }
        total
    }

    /// A clock duration in the clock's own units (hours, working days of
    /// [`crate::WorkingHours::daily`] length, or natural days), for display and averages.
    pub fn in_units(&self, amount: TimeDelta, clock: ClockType) -> f64 {
        let seconds = amount.num_seconds() as f64;
        match clock {
            ClockType::UrgentHours | ClockType::WorkingHours => seconds / 3600.0,
            ClockType::NaturalDays => seconds / 86_400.0,
            ClockType::Months => seconds / (86_400.0 * 30.4375),
            ClockType::WorkingDays => seconds / self.working_hours().daily().num_seconds() as f64,
        }
    }

    fn measure(&self, start: DateTime<Utc>, end: DateTime<Utc>, clock: ClockType) -> TimeDelta {
        if clock.is_working() {
            self.working_time(start, end)
        } else {
            (end - start).max(TimeDelta::zero())
        }
    }

    fn add_working_time(&self, start: DateTime<Utc>, amount: TimeDelta) -> DateTime<Utc> {
        if amount <= TimeDelta::zero() {
            return start;
        }
        let mut remaining = amount;
        let mut date = self.local(start).date();
        // Terminates: the official arrangements are finite, so the weekly rule supplies working
        // days after the last of them.
        loop {
            for (s, e) in self.working_spans(date) {
                let s = s.max(start);
                if e <= s {
                    continue;
                }
                if remaining <= e - s {
                    return s + remaining;
                }
                remaining -= e - s;
            }
            date = date.succ_opt().expect("dates stay in range");
        }
    }

    fn working_days_deadline(&self, start: DateTime<Utc>, limit: u32) -> DateTime<Utc> {
        let mut date = self.local(start).date();
        if limit == 0 && self.is_working_day(date) && start <= self.close_of(date) {
            return self.close_of(date);
        }
        let mut counted = 0;
        loop {
            date = date.succ_opt().expect("dates stay in range");
            if self.is_working_day(date) {
                counted += 1;
                if counted >= limit.max(1) {
                    return self.close_of(date);
                }
            }
        }
    }
}

/// The pauses clipped to `[start, end]`, sorted and merged so that no time is subtracted twice.
fn merge(
    pauses: &[Pause],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut clipped: Vec<_> = pauses
        .iter()
        .map(|p| (p.from.max(start), p.to.min(end)))
        .filter(|(from, to)| to > from)
        .collect();
    clipped.sort();
    let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    for (from, to) in clipped {
        match merged.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}
