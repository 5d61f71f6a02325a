//! The official working calendar of mainland China: weekends, the State Council's holidays and
//! the make-up working days (调休), from `data/cn-holidays.csv` embedded in the binary.
//!
//! Every deadline counted in working days reads it: the reporting deadline of a month's figures
//! ([`crate::data_entry::reporting_deadline`]), the time limits of work items
//! ([`crate::work_items::FlowSetup`]), and the demo's items, which run through the same engine.
//! The file is published once a year; `yiping_flow::Calendar` parses it (its format is documented
//! there), so this module only says which file is the official one.

use chrono::{Datelike, NaiveDate};
use yiping_flow::Calendar;
use yiping_store::Store;

use crate::AppError;

/// China's official holidays and make-up working days, 2024–2026: `date,kind,name`.
pub const HOLIDAYS_CSV: &str = include_str!("../../../data/cn-holidays.csv");

/// The official working calendar (working hours and time zone are the engine's defaults:
/// Beijing time).
pub fn official() -> Result<Calendar, AppError> {
    Calendar::from_csv(HOLIDAYS_CSV)
        .map_err(|e| AppError::invalid(format!("节假日安排（cn-holidays.csv）无效：{e}")))
}

/// The working calendar in force: the city's `calendar.csv` ([`crate::config`]), else the
/// shipped one.
pub async fn current(store: &dyn Store) -> Result<Calendar, AppError> {
    Ok(crate::config::load(store).await?.calendar)
}

/// The years from `from` to `to` (inclusive) for which the calendar holds no arrangement: on
/// those dates it can only apply the weekly rule, so a holiday would count as a working day.
pub fn missing_years(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> Vec<i32> {
    let known = cal.years();
    (from.year()..=to.year())
        .filter(|y| !known.contains(y))
        .collect()
}

/// The warning a user sees when a computation from `from` to `to` needs a year the calendar does
/// not cover (never a silent guess), naming the missing years.
pub fn coverage_warning(cal: &Calendar, from: NaiveDate, to: NaiveDate) -> Option<String> {
    let missing = missing_years(cal, from, to);
    if missing.is_empty() {
        return None;
    }
    let years: Vec<String> = missing.iter().map(|y| format!("{y}年")).collect();
    Some(format!(
        "工作日历缺少{}的节假日安排：日期只能按周末推算，节假日可能被算作工作日，结果可能不准。\
         请管理员在“系统配置”中导入{}的国务院节假日安排（calendar.csv）。",
        years.join("、"),
        years.join("、")
    ))
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn the_shipped_calendar_knows_holidays_and_make_up_working_days() {
        let cal = official().unwrap();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        // 国庆节 2024 (a Tuesday), and the Saturday worked for it.
        assert!(!cal.is_working_day(d(2024, 10, 1)));
        assert!(cal.is_working_day(d(2024, 10, 12)));
        // An ordinary Monday and Sunday.
        assert!(cal.is_working_day(d(2024, 11, 4)));
        assert!(!cal.is_working_day(d(2024, 11, 3)));
    }
}
