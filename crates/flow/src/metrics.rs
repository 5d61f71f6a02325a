//! Handling-performance metrics: pure functions over work items and their histories, with the
//! definitions of DOMAIN §18.
//!
//! "应X数" denominators are the items whose stage-X deadline falls in the [`Window`]:
//! 应结案数 by the 结案 deadline, 应处置数 by the 处置 deadline (deadlines as they stand, after
//! approved extensions and pauses). Cancelled and rejected items are never due. Event-based
//! rates count history entries in the window: dispatches (及时签收率, 回退率), closures (重办率),
//! ratings (满意率, 解决率).
//!
//! [`UnitFilter::Unit`] attributes due-based rates to the item's owner and dispatch-based rates to the
//! unit the item was dispatched to, so a department answers for what it was sent even when it
//! sent it back. [`CategoryScope`] narrows the items to one 领域, 大类 or 小类 before the rates
//! are taken ([`CategoryScope::keep`]).

use std::fmt;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use yiping_kernel::EntityId;

use crate::calendar::Calendar;
use crate::category::{CategoryCode, CategoryDomain, CategoryError};
use crate::clock::ClockType;
use crate::command::Command;
use crate::model::{ClosureType, HistoryEntry, Stage, Step, WorkItem};

/// A half-open time window `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Window {
    /// The window between two instants, in either order.
    pub fn new(a: DateTime<Utc>, b: DateTime<Utc>) -> Self {
        Self {
            start: a.min(b),
            end: a.max(b),
        }
    }

    /// Local days `first..=last` on the calendar's offset (a month: its first and last day).
    pub fn local_days(calendar: &Calendar, first: NaiveDate, last: NaiveDate) -> Self {
        let start = calendar.to_utc(first.and_hms_opt(0, 0, 0).expect("midnight"));
        let next = last.succ_opt().expect("dates stay in range");
        let end = calendar.to_utc(next.and_hms_opt(0, 0, 0).expect("midnight"));
        Self::new(start, end)
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

/// Whose figures: everyone's, or one unit's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitFilter {
    All,
    Unit(EntityId),
}

impl UnitFilter {
    fn covers(self, unit: EntityId) -> bool {
        match self {
            Self::All => true,
            Self::Unit(u) => u == unit,
        }
    }
}

/// Which categories' items count: a whole 领域 (`事件`), one 大类 (`事件/01`) or one 小类
/// (`事件/01/02`); the 领域 may be given in English (`event/01`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryScope {
    Domain(CategoryDomain),
    Major(CategoryDomain, String),
    Minor(CategoryCode),
}

impl CategoryScope {
    pub fn parse(s: &str) -> Result<Self, CategoryError> {
        let text = s.trim();
        let parts: Vec<&str> = text.split('/').collect();
        let domain = |d: &str| {
            CategoryDomain::parse(d).ok_or_else(|| {
                CategoryError::Code(format!(
                    "分类“{text}”无效：领域“{d}”应为部件、事件或企业诉求"
                ))
            })
        };
        match parts.as_slice() {
            [d] => Ok(Self::Domain(domain(d)?)),
            [d, major] => {
                let domain = domain(d)?;
                // The same two-digit check as a full code, with a placeholder 小类.
                CategoryCode::new(domain, major, "01")?;
                Ok(Self::Major(domain, (*major).to_string()))
            }
            [_, _, _] => Ok(Self::Minor(CategoryCode::parse(text)?)),
            _ => Err(CategoryError::Code(format!(
                "分类“{text}”无效，应形如“事件”“事件/01”或“事件/01/02”"
            ))),
        }
    }

    /// Whether an item of category `c` counts.
    pub fn covers(&self, c: &CategoryCode) -> bool {
        match self {
            Self::Domain(d) => c.domain() == *d,
            Self::Major(d, major) => c.domain() == *d && c.major() == major,
            Self::Minor(code) => c == code,
        }
    }

    /// Keeps the items of the scope's categories.
    pub fn keep(&self, items: &mut Vec<WorkItem>) {
        items.retain(|i| self.covers(&i.category));
    }
}

impl fmt::Display for CategoryScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Domain(d) => f.write_str(d.label_zh()),
            Self::Major(d, major) => write!(f, "{}/{major}", d.label_zh()),
            Self::Minor(code) => write!(f, "{code}"),
        }
    }
}

/// A rate as its counts; shown as a percentage with two decimals (93.72%).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    pub numerator: u64,
    pub denominator: u64,
}

impl Ratio {
    pub fn new(numerator: u64, denominator: u64) -> Self {
        Self {
            numerator,
            denominator,
        }
    }

    /// The fraction, or `None` with nothing to divide by.
    pub fn value(&self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }

    /// The percentage in hundredths, rounded half up in integers (911/972 → 9372).
    pub fn percent_hundredths(&self) -> Option<u64> {
        (self.denominator > 0).then(|| {
            let scaled = u128::from(self.numerator) * 10_000;
            let d = u128::from(self.denominator);
            u64::try_from((scaled * 2 + d) / (2 * d)).unwrap_or(u64::MAX)
        })
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.percent_hundredths() {
            Some(h) => write!(f, "{}.{:02}%", h / 100, h % 100),
            None => f.write_str("—"),
        }
    }
}

/// Whether a rate has enough cases to be ranked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sample {
    Rankable(f64),
    /// Too few cases: shown, not ranked, or one quick case tops the table.
    TooFew {
        n: u64,
        min: u64,
    },
}

impl fmt::Display for Sample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rankable(v) => write!(f, "{:.2}%", v * 100.0),
            Self::TooFew { n, min } => {
                write!(f, "样本量不足（{n}件，少于{min}件），不参与排名")
            }
        }
    }
}

/// The minimum-sample rule: a rate is ranked only when its denominator reaches `min`.
pub fn min_sample(ratio: &Ratio, min: u64) -> Sample {
    match ratio.value() {
        Some(v) if ratio.denominator >= min.max(1) => Sample::Rankable(v),
        _ => Sample::TooFew {
            n: ratio.denominator,
            min: min.max(1),
        },
    }
}

fn counts(item: &WorkItem) -> bool {
    !matches!(item.stage, Stage::Cancelled | Stage::Rejected)
}

/// Items in scope whose deadline towards `stage` falls in the window.
fn due(
    items: &[WorkItem],
    scope: UnitFilter,
    window: Window,
    stage: Stage,
) -> impl Iterator<Item = &WorkItem> {
    items.iter().filter(move |i| {
        counts(i)
            && scope.covers(i.owner_unit)
            && i.deadline(stage).is_some_and(|d| window.contains(d))
    })
}

fn ratio_of<'a>(set: impl Iterator<Item = &'a WorkItem>, hit: impl Fn(&WorkItem) -> bool) -> Ratio {
    let (mut n, mut d) = (0, 0);
    for item in set {
        d += 1;
        n += u64::from(hit(item));
    }
    Ratio::new(n, d)
}

/// 结案率 (办结率) = 结案数 / 应结案数, counting the items closed as they stand when read.
pub fn closure_rate(items: &[WorkItem], scope: UnitFilter, window: Window) -> Ratio {
    ratio_of(due(items, scope, window, Stage::Closed), |i| {
        i.closed_at.is_some()
    })
}

/// 按期结案率 (按期办结率) = 按期结案数 / 应结案数.
pub fn on_time_closure_rate(items: &[WorkItem], scope: UnitFilter, window: Window) -> Ratio {
    ratio_of(due(items, scope, window, Stage::Closed), |i| {
        i.closure == Some(ClosureType::Normal)
    })
}

/// 处置率 = 处置数 / 应处置数 (handled: replied and not sent back).
pub fn disposal_rate(items: &[WorkItem], scope: UnitFilter, window: Window) -> Ratio {
    ratio_of(due(items, scope, window, Stage::Handling), |i| {
        i.handled_at.is_some()
    })
}

/// 按期处置率 = 按期处置数 / 应处置数.
pub fn on_time_disposal_rate(items: &[WorkItem], scope: UnitFilter, window: Window) -> Ratio {
    ratio_of(
        due(items, scope, window, Stage::Handling),
        |i| matches!((i.handled_at, i.deadline(Stage::Handling)), (Some(h), Some(d)) if h <= d),
    )
}

/// 返工率 = 返工数 / 应结案数 (items sent back at least once).
pub fn rework_rate(items: &[WorkItem], scope: UnitFilter, window: Window) -> Ratio {
    ratio_of(due(items, scope, window, Stage::Closed), |i| {
        i.counters.reworks > 0
    })
}

/// 延期率 = 延期数 / 应处置数 (items with an approved extension).
pub fn extension_rate(items: &[WorkItem], scope: UnitFilter, window: Window) -> Ratio {
    ratio_of(due(items, scope, window, Stage::Handling), |i| {
        i.counters.extensions > 0
    })
}

/// 超期待处置率 = 超期待处置数 / 应处置数: not handled and past the deadline at `as_of`.
pub fn overdue_pending_rate(
    items: &[WorkItem],
    scope: UnitFilter,
    window: Window,
    as_of: DateTime<Utc>,
) -> Ratio {
    ratio_of(due(items, scope, window, Stage::Handling), |i| {
        i.handled_at.is_none()
            && !i.stage.is_terminal()
            && i.deadline(Stage::Handling).is_some_and(|d| d < as_of)
    })
}

/// The unit a history entry dispatched the item to, if it is a dispatch.
fn dispatched_to(entry: &HistoryEntry) -> Option<EntityId> {
    match &entry.step {
        Step::Command(Command::Dispatch { unit } | Command::Adjudicate { unit, .. }) => Some(*unit),
        Step::ChildOf { unit, .. } => Some(*unit),
        _ => None,
    }
}

/// Every dispatch in the window, with what answered it (the next 签收, 回退 or dispatch).
fn dispatches(
    items: &[WorkItem],
    scope: UnitFilter,
    window: Window,
) -> impl Iterator<Item = Option<&HistoryEntry>> {
    items.iter().flat_map(move |item| {
        let h = &item.history;
        h.iter().enumerate().filter_map(move |(k, entry)| {
            let unit = dispatched_to(entry)?;
            if !window.contains(entry.at) || !scope.covers(unit) {
                return None;
            }
            let answer = h[k + 1..].iter().find(|e| {
                dispatched_to(e).is_some()
                    || matches!(
                        e.step,
                        Step::Command(Command::Sign | Command::Return { .. })
                    )
            });
            Some(answer)
        })
    })
}

/// 及时签收率 = dispatches signed for within the limit / dispatches.
pub fn timely_sign_rate(items: &[WorkItem], scope: UnitFilter, window: Window) -> Ratio {
    let (mut n, mut d) = (0, 0);
    for answer in dispatches(items, scope, window) {
        d += 1;
        n += u64::from(answer.is_some_and(|e| {
            matches!(e.step, Step::Command(Command::Sign)) && e.on_time == Some(true)
        }));
    }
    Ratio::new(n, d)
}

/// 回退率 = dispatches returned / dispatches.
pub fn return_rate(items: &[WorkItem], scope: UnitFilter, window: Window) -> Ratio {
    let (mut n, mut d) = (0, 0);
    for answer in dispatches(items, scope, window) {
        d += 1;
        n += u64::from(
            answer.is_some_and(|e| matches!(e.step, Step::Command(Command::Return { .. }))),
        );
    }
    Ratio::new(n, d)
}

fn is_closure(entry: &HistoryEntry) -> bool {
    matches!(
        entry.step,
        Step::Command(Command::Close | Command::ForceClose { .. })
    )
}

/// 重办率 = closures reopened after a dissatisfied call-back / closures in the window.
pub fn reopen_rate(items: &[WorkItem], scope: UnitFilter, window: Window) -> Ratio {
    let (mut n, mut d) = (0, 0);
    for item in items.iter().filter(|i| scope.covers(i.owner_unit)) {
        let h = &item.history;
        for (k, entry) in h.iter().enumerate() {
            if !is_closure(entry) || !window.contains(entry.at) {
                continue;
            }
            d += 1;
            let reopened = h[k + 1..]
                .iter()
                .take_while(|e| !is_closure(e))
                .any(|e| e.from == Stage::Closed && e.to == Stage::Handling);
            n += u64::from(reopened);
        }
    }
    Ratio::new(n, d)
}

fn ratings(
    items: &[WorkItem],
    scope: UnitFilter,
    window: Window,
) -> impl Iterator<Item = (bool, bool)> + '_ {
    items
        .iter()
        .filter(move |i| scope.covers(i.owner_unit))
        .flat_map(|i| i.history.iter())
        .filter(move |e| window.contains(e.at))
        .filter_map(|e| match e.step {
            Step::Command(Command::Rate { satisfied, solved }) => Some((satisfied, solved)),
            _ => None,
        })
}

/// 满意率 = satisfied ratings / ratings.
pub fn satisfaction_rate(items: &[WorkItem], scope: UnitFilter, window: Window) -> Ratio {
    let all: Vec<_> = ratings(items, scope, window).collect();
    Ratio::new(all.iter().filter(|r| r.0).count() as u64, all.len() as u64)
}

/// 解决率 = ratings confirming the matter solved / ratings.
pub fn solved_rate(items: &[WorkItem], scope: UnitFilter, window: Window) -> Ratio {
    let all: Vec<_> = ratings(items, scope, window).collect();
    Ratio::new(all.iter().filter(|r| r.1).count() as u64, all.len() as u64)
}

/// The durations from 立案 to 结案 of the items closed in the window, less pauses, on `clock`
/// (or each item's own clock).
fn durations(
    items: &[WorkItem],
    scope: UnitFilter,
    window: Window,
    calendar: &Calendar,
    clock: Option<ClockType>,
) -> Vec<TimeDelta> {
    items
        .iter()
        .filter(|i| scope.covers(i.owner_unit))
        .filter_map(|i| {
            let closed = i.closed_at.filter(|c| window.contains(*c))?;
            let start = i.registered_at.unwrap_or(i.received_at);
            let clock = clock.unwrap_or(i.clock);
            Some(calendar.elapsed(start, closed, clock, &i.pauses))
        })
        .collect()
}

fn mean_of(durations: &[TimeDelta]) -> Option<TimeDelta> {
    let n = i32::try_from(durations.len()).ok().filter(|n| *n > 0)?;
    Some(durations.iter().sum::<TimeDelta>() / n)
}

/// 平均办理时长: the mean time from 立案 to 结案 of items closed in the window, less pauses,
/// on `clock` for every item (comparable across units), or on each item's own clock (`None`).
pub fn mean_duration(
    items: &[WorkItem],
    scope: UnitFilter,
    window: Window,
    calendar: &Calendar,
    clock: Option<ClockType>,
) -> Option<TimeDelta> {
    mean_of(&durations(items, scope, window, calendar, clock))
}

/// A mean over a number of cases (the number decides the minimum-sample rule).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mean {
    pub value: Option<f64>,
    pub n: u64,
}

/// Every rate of one scope and window.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    pub closure: Ratio,
    pub on_time_closure: Ratio,
    pub disposal: Ratio,
    pub on_time_disposal: Ratio,
    pub rework: Ratio,
    pub extension: Ratio,
    pub overdue_pending: Ratio,
    pub timely_sign: Ratio,
    pub returned: Ratio,
    pub reopened: Ratio,
    pub satisfaction: Ratio,
    pub solved: Ratio,
    /// On each item's own clock.
    pub mean_duration: Option<TimeDelta>,
    /// 平均办理时长 in working hours (工作小时, the same clock for every item, so units compare),
    /// over the items closed in the window.
    pub mean_working_hours: Mean,
}

/// All metrics at once; `as_of` is the moment of computation (for 超期待处置).
pub fn metrics(
    items: &[WorkItem],
    scope: UnitFilter,
    window: Window,
    as_of: DateTime<Utc>,
    calendar: &Calendar,
) -> Metrics {
    Metrics {
        closure: closure_rate(items, scope, window),
        on_time_closure: on_time_closure_rate(items, scope, window),
        disposal: disposal_rate(items, scope, window),
        on_time_disposal: on_time_disposal_rate(items, scope, window),
        rework: rework_rate(items, scope, window),
        extension: extension_rate(items, scope, window),
        overdue_pending: overdue_pending_rate(items, scope, window, as_of),
        timely_sign: timely_sign_rate(items, scope, window),
        returned: return_rate(items, scope, window),
        reopened: reopen_rate(items, scope, window),
        satisfaction: satisfaction_rate(items, scope, window),
        solved: solved_rate(items, scope, window),
        mean_duration: mean_duration(items, scope, window, calendar, None),
        mean_working_hours: {
            let clock = ClockType::WorkingHours;
            let d = durations(items, scope, window, calendar, Some(clock));
            Mean {
                value: mean_of(&d).map(|m| calendar.in_units(m, clock)),
                n: d.len() as u64,
            }
        },
    }
}

/// Weights of a composite handling index. The default is one published district rule
/// (DOMAIN §18): 30·处置率 + 20·按期处置率 + 20·(1−返工率) + 20·(1−超期待处置率) + 10·(1−延期率).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompositeWeights {
    pub disposal: f64,
    pub on_time_disposal: f64,
    pub no_rework: f64,
    pub no_overdue_pending: f64,
    pub no_extension: f64,
}

impl Default for CompositeWeights {
    fn default() -> Self {
        Self {
            disposal: 30.0,
            on_time_disposal: 20.0,
            no_rework: 20.0,
            no_overdue_pending: 20.0,
            no_extension: 10.0,
        }
    }
}

/// The composite index (0–100 with the default weights), or `None` when a rate has no cases.
pub fn composite_index(m: &Metrics, w: &CompositeWeights) -> Option<f64> {
    Some(
        w.disposal * m.disposal.value()?
            + w.on_time_disposal * m.on_time_disposal.value()?
            + w.no_rework * (1.0 - m.rework.value()?)
            + w.no_overdue_pending * (1.0 - m.overdue_pending.value()?)
            + w.no_extension * (1.0 - m.extension.value()?),
    )
}
