//! Keeping the stored `WI_*` figures current: [`refresh_metrics`] writes months and recomputes
//! the evaluations reading them (the path an import takes), and [`MetricsSchedule`] decides when
//! the scheduled jobs do it.
//!
//! The rule is cheap on purpose: the current and the previous month (the previous one because
//! its items keep closing, and its 超期待处置 count keeps moving, after it ends) are written at
//! most once an hour each. Computing a month reads every item received before its end with its
//! history, so doing it on every one-minute tick would cost more than everything else the jobs
//! do; an hour bounds how stale a stored figure gets. The schedule lives in the process (the
//! server keeps no state in the database for it): `yiping run-jobs` writes on every run, `serve`
//! once an hour, and several servers sharing a database each write hourly, which is harmless
//! because an unchanged value is left alone.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use serde::Serialize;
use yiping_kernel::Period;
use yiping_store::{ChangeContext, Store};

use super::{MetricsReport, write_metrics};
use crate::AppError;
use crate::work_items::FlowSetup;

/// When the scheduled jobs write a month's figures again.
#[derive(Debug, Default)]
pub struct MetricsSchedule {
    written: Mutex<BTreeMap<Period, DateTime<Utc>>>,
}

impl MetricsSchedule {
    /// How long a written month stays current.
    pub const EVERY: TimeDelta = TimeDelta::hours(1);

    pub fn new() -> Self {
        Self::default()
    }

    /// The months due at `now`: the current and the previous month on the calendar's local
    /// date, unless written by this schedule less than [`Self::EVERY`] before (a `now` before
    /// the last write, as with `--at`, makes the month due again).
    pub fn due(&self, setup: &FlowSetup, now: DateTime<Utc>) -> Result<Vec<Period>, AppError> {
        let today = setup.calendar.local(now).date();
        let (y, m) = (today.year(), today.month() as u8);
        let previous = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
        let written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for (year, month) in [previous, (y, m)] {
            let p = Period::month(year, month).map_err(|e| AppError::invalid(e.to_string()))?;
            let fresh = written
                .get(&p)
                .is_some_and(|at| *at <= now && now - *at < Self::EVERY);
            if !fresh {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Notes that `periods` were written at `now`.
    pub fn mark(&self, periods: &[Period], now: DateTime<Utc>) {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        for p in periods {
            written.insert(*p, now);
        }
    }
}

/// What [`refresh_metrics`] wrote and recomputed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RefreshReport {
    pub written: Vec<(Period, MetricsReport)>,
    /// Evaluations recomputed because a figure changed ("HANDLING_RACE 2024M03").
    pub evaluated: Vec<String>,
    /// Evaluations that failed, with the reason (the figures are stored all the same).
    pub failed: Vec<String>,
}

/// Writes the figures of `periods` as of `as_of` ([`write_metrics`]) and, when any value was
/// inserted or changed, recomputes the stored evaluations reading `WI_*` for those periods
/// (`HANDLING_RACE`), as an import of the same values would.
pub async fn refresh_metrics(
    store: &dyn Store,
    setup: &FlowSetup,
    periods: &[Period],
    as_of: DateTime<Utc>,
    ctx: &ChangeContext,
) -> Result<RefreshReport, AppError> {
    let mut out = RefreshReport::default();
    let mut changed = Vec::new();
    for p in periods {
        let r = write_metrics(store, setup, *p, as_of, ctx).await?;
        if r.inserted + r.updated > 0 {
            changed.push(*p);
        }
        out.written.push((*p, r));
    }
    if changed.is_empty() {
        return Ok(out);
    }
    let wi: Vec<_> = store
        .indicators()
        .await?
        .into_iter()
        .filter(|i| i.data.code.as_str().starts_with("WI_"))
        .map(|i| i.id)
        .collect();
    let r = crate::evaluate::recompute_affected(store, &wi, &changed, ctx.at).await?;
    out.evaluated = r
        .evaluated
        .iter()
        .map(|(code, p)| format!("{code} {}", p.code()))
        .collect();
    out.failed = r
        .failed
        .iter()
        .map(|(code, p, e)| format!("{code} {}：{e}", p.code()))
        .chain(r.error)
        .collect();
    Ok(out)
}
