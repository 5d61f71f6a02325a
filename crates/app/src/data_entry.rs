//! Entering one unit's monthly figures by hand (the 填报 form): which indicators the unit reports,
//! their current values for a month, checking what was typed (every field, all or nothing), the
//! reporting deadline of the month, and saving through the importer's path (so that audit,
//! formula indicators and evaluation recompute happen exactly as for a file).
//!
//! Decided here:
//! - a monthly indicator is reported cumulatively, as the demo and the bureaus' tables hold it:
//!   the form for month 10 of 2024 enters the 1—10月 values (`2024M01-M10`), level and growth;
//! - a unit reports the monthly indicators (no formula, no work-item metric) the store holds for
//!   it, or, when it has none yet, for its siblings (same parent);
//! - month m is due on the 5th working day of month m + 1 ([`crate::calendar::current`]), with a
//!   warning when the calendar does not cover that year.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate};
use yiping_flow::Calendar;
use yiping_io::{Cell, Grid, OBSERVATION_LONG_HEADER, ParseOptions, ReadOptions};
use yiping_kernel::{
    Entity, EntityId, Frequency, Indicator, IndicatorId, Measure, ObservationStatus, Period,
};
use yiping_store::{ChangeContext, EntityFilter, ObservationFilter, Page, Store};

pub use list::{MonthState, ReportingMonth, WINDOW_MONTHS, month_state, reporting_list, window};

use crate::AppError;
use crate::import::{Approved, ImportKind, ImportOptions, ImportOutcome, import_grid_as};

/// Which working day of the next month a month's figures are due on.
pub const DEADLINE_WORKING_DAY: u32 = 5;

/// The reporting deadline of `year`-`month`: the 5th working day of the next month.
pub fn reporting_deadline(cal: &Calendar, year: i32, month: u8) -> NaiveDate {
    let (y, m) = if month >= 12 {
        (year + 1, 1)
    } else {
        (year, u32::from(month) + 1)
    };
    let mut day = NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN);
    let mut counted = 0;
    loop {
        if cal.is_working_day(day) {
            counted += 1;
            if counted == DEADLINE_WORKING_DAY {
                return day;
            }
        }
        match day.succ_opt() {
            Some(d) => day = d,
            None => return day,
        }
    }
}

/// The warning for a reporting deadline the calendar cannot count exactly: the years from the
/// first day of the next month to the deadline it does not cover (see
/// [`crate::calendar::coverage_warning`]).
pub fn reporting_deadline_warning(cal: &Calendar, year: i32, month: u8) -> Option<String> {
    let (y, m) = if month >= 12 {
        (year + 1, 1)
    } else {
        (year, u32::from(month) + 1)
    };
    let from = NaiveDate::from_ymd_opt(y, m, 1)?;
    crate::calendar::coverage_warning(cal, from, reporting_deadline(cal, year, month))
}

/// The month a form is for, from `2024M10`, `2024M01-M10` or a Chinese form (2024年10月).
pub fn parse_month(text: &str) -> Result<(i32, u8), AppError> {
    match Period::parse(text.trim(), None) {
        Ok(Period::Months { year, to, .. }) => Ok((year, to)),
        Ok(_) => Err(AppError::invalid(format!("“{text}”不是月份"))),
        Err(e) => Err(AppError::invalid(format!("时期“{text}”无效：{e}"))),
    }
}

/// The cumulative period a month's form enters (1—m月).
pub fn entry_period(year: i32, month: u8) -> Result<Period, AppError> {
    Period::months(year, 1, month).map_err(|e| AppError::invalid(e.to_string()))
}

/// The month whose figures are due next on `today` (the previous month).
pub fn due_month(today: NaiveDate) -> (i32, u8) {
    if today.month() == 1 {
        (today.year() - 1, 12)
    } else {
        (today.year(), today.month() as u8 - 1)
    }
}

/// The latest month with a stored monthly value of `unit` (to offer its form first).
pub async fn latest_month(
    store: &dyn Store,
    unit: EntityId,
) -> Result<Option<(i32, u8)>, AppError> {
    let ids = reportable_ids(store).await?;
    if ids.is_empty() {
        return Ok(None);
    }
    let page = store
        .observations(
            &ObservationFilter {
                entities: Some(vec![unit]),
                indicators: Some(ids),
                measure: Some(Measure::Value),
                ..ObservationFilter::default()
            },
            Page::first(Page::MAX_LIMIT),
        )
        .await?;
    Ok(page
        .items
        .iter()
        .filter_map(|o| match o.key.period {
            Period::Months { year, from: 1, to } => Some((year, to)),
            _ => None,
        })
        .max())
}

/// One indicator of the form with its current values.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryLine {
    pub indicator: IndicatorId,
    pub code: String,
    pub name: String,
    pub unit: String,
    pub decimals: u8,
    pub value: Option<f64>,
    pub growth: Option<f64>,
}

impl EntryLine {
    /// The form field of a measure of this line.
    pub fn field(&self, measure: Measure) -> String {
        field_name(self.indicator, measure)
    }
}

/// The form field name of an indicator's measure (`v12`, `g12`).
pub fn field_name(indicator: IndicatorId, measure: Measure) -> String {
    match measure {
        Measure::Value => format!("v{}", indicator.0),
        Measure::Growth => format!("g{}", indicator.0),
    }
}

/// What the form of one unit and month shows.
#[derive(Debug, Clone)]
pub struct EntrySheet {
    pub unit: Entity,
    pub year: i32,
    pub month: u8,
    pub period: Period,
    pub deadline: NaiveDate,
    /// Set when the calendar does not cover the deadline's year (the deadline is a guess).
    pub deadline_warning: Option<String>,
    pub lines: Vec<EntryLine>,
    /// The status of each stored value of the month (by indicator, any measure).
    pub stored: Vec<(IndicatorId, ObservationStatus)>,
}

impl EntrySheet {
    /// Where the month stands on `today` ([`month_state`]): never overdue once it holds data.
    pub fn state(&self, today: NaiveDate) -> MonthState {
        let expected: BTreeSet<IndicatorId> = self.lines.iter().map(|l| l.indicator).collect();
        month_state(&self.stored, &expected, self.deadline, today)
    }
}

/// Monthly, not derived: neither a formula nor a work-item metric (those are computed).
fn reportable(i: &Indicator) -> bool {
    i.data.frequency == Frequency::Month
        && i.data.formula.is_none()
        && !crate::work_items::metrics::METRIC_INDICATORS
            .iter()
            .any(|m| m.code == i.data.code.as_str())
}

/// The ids of the [`reportable`] indicators.
async fn reportable_ids(store: &dyn Store) -> Result<Vec<IndicatorId>, AppError> {
    Ok(store
        .indicators()
        .await?
        .into_iter()
        .filter(reportable)
        .map(|i| i.id)
        .collect())
}

/// The indicators `unit` reports and their values for the month.
pub async fn load_sheet(
    store: &dyn Store,
    unit: EntityId,
    year: i32,
    month: u8,
) -> Result<EntrySheet, AppError> {
    let entity = store
        .entity(unit)
        .await?
        .ok_or_else(|| AppError::invalid(format!("主体 {unit} 不存在")))?;
    let period = entry_period(year, month)?;
    let calendar = crate::calendar::current(store).await?;
    let monthly: Vec<Indicator> = store
        .indicators()
        .await?
        .into_iter()
        .filter(reportable)
        .collect();
    let ids: Vec<IndicatorId> = monthly.iter().map(|i| i.id).collect();
    let reported = reported_indicators(store, &entity, &ids).await?;
    let current = store
        .observations(
            &ObservationFilter {
                entities: Some(vec![unit]),
                indicators: Some(ids),
                periods: Some(vec![period]),
                ..ObservationFilter::default()
            },
            Page::first(Page::MAX_LIMIT),
        )
        .await?;
    let mut values: HashMap<(IndicatorId, Measure), f64> = HashMap::new();
    let mut stored = Vec::new();
    for o in current.items {
        values.insert((o.key.indicator, o.key.measure), o.value.value());
        stored.push((o.key.indicator, o.value.status));
    }
    let lines = monthly
        .into_iter()
        .filter(|i| reported.contains(&i.id))
        .map(|i| EntryLine {
            indicator: i.id,
            value: values.get(&(i.id, Measure::Value)).copied(),
            growth: values.get(&(i.id, Measure::Growth)).copied(),
            code: i.data.code.as_str().to_string(),
            name: i.data.name,
            unit: i.data.unit,
            decimals: i.data.decimals,
        })
        .collect();
    Ok(EntrySheet {
        unit: entity,
        year,
        month,
        period,
        deadline: reporting_deadline(&calendar, year, month),
        deadline_warning: reporting_deadline_warning(&calendar, year, month),
        lines,
        stored,
    })
}

/// The indicators (of `ids`) a unit reports: those it holds values of, or, when it holds none,
/// those its siblings (same parent, kind and level) hold.
async fn reported_indicators(
    store: &dyn Store,
    entity: &Entity,
    ids: &[IndicatorId],
) -> Result<BTreeSet<IndicatorId>, AppError> {
    let mut reported = observed(store, vec![entity.id], ids).await?;
    if reported.is_empty()
        && let Some(parent) = entity.current_parent()
    {
        let siblings = store
            .entities(
                &EntityFilter {
                    parent: Some(parent),
                    kind: Some(entity.data.kind),
                    level: Some(entity.data.level),
                    ..EntityFilter::default()
                },
                Page::first(50),
            )
            .await?;
        let ids_of: Vec<EntityId> = siblings.items.iter().map(|e| e.id).collect();
        reported = observed(store, ids_of, ids).await?;
    }
    Ok(reported)
}

/// The indicators (of `ids`) with any stored value for one of `entities`.
async fn observed(
    store: &dyn Store,
    entities: Vec<EntityId>,
    ids: &[IndicatorId],
) -> Result<BTreeSet<IndicatorId>, AppError> {
    let mut out = BTreeSet::new();
    if entities.is_empty() {
        return Ok(out);
    }
    for &id in ids {
        let page = store
            .observations(
                &ObservationFilter {
                    entities: Some(entities.clone()),
                    indicators: Some(vec![id]),
                    ..ObservationFilter::default()
                },
                Page::first(1),
            )
            .await?;
        if page.total > 0 {
            out.insert(id);
        }
    }
    Ok(out)
}

/// Why one field was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// A number as people type it: 1234.5, 1,234.5, 全角 digits, a trailing %. Blank → `None`.
pub fn parse_number(text: &str) -> Result<Option<f64>, String> {
    let t: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            '－' | '−' => '-',
            c => c,
        })
        .filter(|c| !matches!(c, ',' | '，' | ' '))
        .collect();
    let t = t.strip_suffix('%').unwrap_or(&t);
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(x) if x.is_finite() && t.chars().all(|c| c.is_ascii_digit() || "+-.".contains(c)) => {
            Ok(Some(x))
        }
        _ => Err(format!("“{}”不是有效的数字", text.trim())),
    }
}

/// Checks every field of the form: all valid, or every error (nothing is saved then).
pub fn check_entry(
    sheet: &EntrySheet,
    form: &HashMap<String, String>,
) -> Result<Vec<(IndicatorId, Measure, f64)>, Vec<FieldError>> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for line in &sheet.lines {
        for measure in [Measure::Value, Measure::Growth] {
            let field = line.field(measure);
            let Some(text) = form.get(&field) else {
                continue;
            };
            let checked = parse_number(text).and_then(|v| match (measure, v) {
                (Measure::Value, Some(x)) if x < 0.0 => Err(format!("{}不能为负数", line.name)),
                (Measure::Growth, Some(x)) if x < -100.0 => Err("增速不能低于-100%".to_string()),
                (_, v) if v.is_some_and(|x| x.abs() >= 1e12) => {
                    Err("数值过大，请检查计量单位".to_string())
                }
                (_, v) => Ok(v),
            });
            match checked {
                Ok(Some(x)) => values.push((line.indicator, measure, x)),
                Ok(None) => {}
                Err(message) => errors.push(FieldError { field, message }),
            }
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// The entered values as a long table, as the importer reads it (no 状态 column: an unchanged
/// value keeps its status, a new or changed one is 已报送).
fn as_grid(sheet: &EntrySheet, values: &[(IndicatorId, Measure, f64)]) -> Grid {
    let header: Vec<Cell> = OBSERVATION_LONG_HEADER[..8]
        .iter()
        .map(|h| Cell::Text((*h).to_string()))
        .collect();
    let mut rows = vec![header];
    for &(id, measure, value) in values {
        let Some(line) = sheet.lines.iter().find(|l| l.indicator == id) else {
            continue;
        };
        rows.push(vec![
            sheet
                .unit
                .data
                .code
                .as_ref()
                .map_or(Cell::Empty, |c| Cell::Text(c.as_str().to_string())),
            Cell::Text(sheet.unit.data.name.clone()),
            Cell::Text(line.code.clone()),
            Cell::Text(line.name.clone()),
            Cell::Text(sheet.period.code()),
            Cell::Text(measure.label_zh().to_string()),
            Cell::Number(value),
            Cell::Text(match measure {
                Measure::Value => line.unit.clone(),
                Measure::Growth => "%".to_string(),
            }),
        ]);
    }
    Grid::from_rows(
        &format!("{}{}填报", sheet.unit.data.name, sheet.period.label_zh()),
        None,
        rows,
        Vec::new(),
    )
}

/// Saves checked values through the importer (one transaction, audit, recompute); a change to
/// an approved value is refused.
pub async fn save_entry(
    store: &dyn Store,
    sheet: &EntrySheet,
    values: &[(IndicatorId, Measure, f64)],
    ctx: &ChangeContext,
) -> Result<ImportOutcome, AppError> {
    save_entry_as(store, sheet, values, Approved::Keep, ctx).await
}

/// [`save_entry`], saying whether approved values may be reopened ([`Approved::for_role`]).
pub async fn save_entry_as(
    store: &dyn Store,
    sheet: &EntrySheet,
    values: &[(IndicatorId, Measure, f64)],
    approved: Approved,
    ctx: &ChangeContext,
) -> Result<ImportOutcome, AppError> {
    // The importer refuses a table without values (issue 20); say so in the form's words.
    if values.is_empty() {
        return Err(AppError::invalid("没有填写任何数值，未保存"));
    }
    let opts = ImportOptions {
        kind: ImportKind::Observations,
        read: ReadOptions::default(),
        parse: ParseOptions::default(),
        dry_run: false,
    };
    import_grid_as(store, &as_grid(sheet, values), &opts, approved, ctx).await
}

#[path = "data_entry_list.rs"]
mod list;

#[cfg(test)]
#[path = "data_entry_tests.rs"]
mod tests;
