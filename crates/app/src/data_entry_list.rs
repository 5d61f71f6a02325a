//! The reporting list (填报) of one unit: every month of the reporting window, newest first and
//! without gaps, each with its deadline on the working calendar and a state computed from the
//! unit's stored observations of that month's 1—m月 period.
//!
//! Decided here:
//! - the window is the current month and the [`WINDOW_MONTHS`]` - 1` months before it;
//! - the indicators a month is complete with are the ones the unit's form shows
//!   ([`super::load_sheet`]: those the unit, or else its siblings, have ever reported);
//! - the state of a month (pure, [`month_state`]): nothing stored → 待报 before the deadline,
//!   逾期未报 after it; drafts only → 草稿; some indicators missing → 部分报送; every value
//!   approved → 已审核; otherwise 已报送. A month with data is never overdue;
//! - January with nothing stored is 并入1—2月, not overdue: monthly cumulative figures are
//!   published from 1—2月 on (as the demo's series are), so January is reported with February.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use yiping_kernel::{EntityId, IndicatorId, ObservationStatus, Period};
use yiping_store::{ObservationFilter, Page, Store};

#[cfg(doc)]
use super::DEADLINE_WORKING_DAY;
use super::{
    entry_period, reportable_ids, reported_indicators, reporting_deadline,
    reporting_deadline_warning,
};
use crate::AppError;

/// How many months the list shows (the current one included).
pub const WINDOW_MONTHS: usize = 24;

/// Where one month of a unit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthState {
    /// Every stored value approved, no indicator missing.
    Approved,
    /// Every indicator reported, some value not yet approved.
    Reported,
    /// Something reported, some indicators missing.
    Partial { filled: usize, expected: usize },
    /// Only drafts stored.
    Draft,
    /// Nothing stored, the deadline not passed: the days left (0 on the day).
    Due { days_left: i64 },
    /// Nothing stored, the deadline passed: the days since.
    Overdue { days: i64 },
    /// January with nothing stored: monthly cumulative figures start with 1—2月 (January is
    /// reported with February), so nothing is due for it.
    WithFebruary,
}

impl MonthState {
    /// The state's name as the list shows it.
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Approved => "已审核",
            Self::Reported => "已报送",
            Self::Partial { .. } => "部分报送",
            Self::Draft => "草稿",
            Self::Due { .. } => "待报",
            Self::Overdue { .. } => "逾期未报",
            Self::WithFebruary => "并入1—2月",
        }
    }

    /// The detail beside the name: days left or overdue, indicators filled.
    pub fn detail_zh(self) -> Option<String> {
        match self {
            Self::Partial { filled, expected } => Some(format!("已报{filled}项，共{expected}项")),
            Self::Due { days_left: 0 } => Some("今天截止".to_string()),
            Self::Due { days_left } => Some(format!("还剩{days_left}天")),
            Self::Overdue { days } => Some(format!("已逾期{days}天")),
            _ => None,
        }
    }

    /// A stable name for the state's colour (front ends map it to a style).
    pub fn tone(self) -> &'static str {
        match self {
            Self::Approved => "approved",
            Self::Reported => "reported",
            Self::Partial { .. } => "partial",
            Self::Draft => "draft",
            Self::Due { .. } => "due",
            Self::Overdue { .. } => "overdue",
            Self::WithFebruary => "combined",
        }
    }
}

/// The state of a month from the statuses of its stored values (by indicator, any measure), the
/// indicators it should hold, its deadline and today.
pub fn month_state(
    stored: &[(IndicatorId, ObservationStatus)],
    expected: &BTreeSet<IndicatorId>,
    deadline: NaiveDate,
    today: NaiveDate,
) -> MonthState {
    if stored.is_empty() {
        let days = (deadline - today).num_days();
        return if days < 0 {
            MonthState::Overdue { days: -days }
        } else {
            MonthState::Due { days_left: days }
        };
    }
    if stored.iter().all(|(_, s)| *s == ObservationStatus::Draft) {
        return MonthState::Draft;
    }
    let filled: BTreeSet<IndicatorId> = stored.iter().map(|(i, _)| *i).collect();
    let present = expected.iter().filter(|i| filled.contains(i)).count();
    if present < expected.len() {
        return MonthState::Partial {
            filled: present,
            expected: expected.len(),
        };
    }
    if stored
        .iter()
        .all(|(_, s)| *s == ObservationStatus::Approved)
    {
        MonthState::Approved
    } else {
        MonthState::Reported
    }
}

/// One row of the list.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportingMonth {
    pub year: i32,
    pub month: u8,
    /// The 5th working day of the next month ([`DEADLINE_WORKING_DAY`]).
    pub deadline: NaiveDate,
    /// Set when the calendar does not cover the deadline's year.
    pub deadline_warning: Option<String>,
    pub state: MonthState,
}

/// The months of the window ending with `today`'s month, newest first, without gaps.
pub fn window(today: NaiveDate, months: usize) -> Vec<(i32, u8)> {
    let (mut y, mut m) = (today.year(), today.month() as u8);
    let mut out = Vec::with_capacity(months);
    for _ in 0..months {
        out.push((y, m));
        if m == 1 {
            (y, m) = (y - 1, 12);
        } else {
            m -= 1;
        }
    }
    out
}

/// The reporting list of `unit` on `today` (Beijing date): [`WINDOW_MONTHS`] months, newest first.
pub async fn reporting_list(
    store: &dyn Store,
    unit: EntityId,
    today: NaiveDate,
) -> Result<Vec<ReportingMonth>, AppError> {
    let entity = store
        .entity(unit)
        .await?
        .ok_or_else(|| AppError::invalid(format!("主体 {unit} 不存在")))?;
    let calendar = crate::calendar::current(store).await?;
    let ids = reportable_ids(store).await?;
    let expected = reported_indicators(store, &entity, &ids).await?;
    let months = window(today, WINDOW_MONTHS);
    let periods: Vec<Period> = months
        .iter()
        .map(|&(y, m)| entry_period(y, m))
        .collect::<Result<_, _>>()?;
    let mut by_period: HashMap<Period, Vec<(IndicatorId, ObservationStatus)>> = HashMap::new();
    if !ids.is_empty() {
        let filter = ObservationFilter {
            entities: Some(vec![unit]),
            indicators: Some(ids),
            periods: Some(periods.clone()),
            ..ObservationFilter::default()
        };
        let mut page = Page::first(Page::MAX_LIMIT);
        loop {
            let got = store.observations(&filter, page).await?;
            let (n, total) = (got.items.len(), got.total);
            for o in got.items {
                by_period
                    .entry(o.key.period)
                    .or_default()
                    .push((o.key.indicator, o.value.status));
            }
            if n == 0 || page.offset + n as u64 >= total {
                break;
            }
            page = Page::new(Page::MAX_LIMIT, page.offset + n as u64);
        }
    }
    Ok(months
        .into_iter()
        .zip(periods)
        .map(|((year, month), period)| {
            let deadline = reporting_deadline(&calendar, year, month);
            let stored = by_period.get(&period).map_or(&[][..], Vec::as_slice);
            let state = if month == 1 && stored.is_empty() {
                MonthState::WithFebruary
            } else {
                month_state(stored, &expected, deadline, today)
            };
            ReportingMonth {
                year,
                month,
                deadline,
                deadline_warning: reporting_deadline_warning(&calendar, year, month),
                state,
            }
        })
        .collect())
}
