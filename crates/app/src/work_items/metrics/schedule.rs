//! Keeping the stored `WI_*` figures current: [`refresh_metrics`] writes months and runs the
//! pipeline after a change on them (formulas, evaluations, alerts: the path an import takes), and
//! [`MetricsSchedule`] decides when the scheduled jobs do it.
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

use super::{MetricsReport, write_month};
use crate::AppError;
use crate::alerts::AlertReport;
use crate::pipeline::{ChangeSet, Pipeline};
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

/// What [`refresh_metrics`] wrote, recomputed and raised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RefreshReport {
    pub written: Vec<(Period, MetricsReport)>,
    /// Evaluations recomputed because a figure changed ("HANDLING_RACE 2024M03").
    pub evaluated: Vec<String>,
    /// What failed after the write, with the reason: evaluations, or a step that could not run
    /// (the figures are stored all the same).
    pub failed: Vec<String>,
    /// The alert rules checked on the changed figures and the 问题 they raised.
    pub alerts: AlertReport,
}

/// Writes the figures of `periods` as of `as_of` ([`super::write_metrics`]) and, when any value
/// was inserted or changed, runs the pipeline after a change on the months that changed, as an
/// import of the same values would: the schemes reading `WI_*` (`HANDLING_RACE`) are recomputed
/// and the alert rules on them checked.
pub async fn refresh_metrics(
    store: &dyn Store,
    setup: &FlowSetup,
    periods: &[Period],
    as_of: DateTime<Utc>,
    ctx: &ChangeContext,
) -> Result<RefreshReport, AppError> {
    refresh_metrics_with(&Pipeline::shipped(), store, setup, periods, as_of, ctx).await
}

/// [`refresh_metrics`] through a given pipeline (other alert rules).
pub async fn refresh_metrics_with(
    pipeline: &Pipeline,
    store: &dyn Store,
    setup: &FlowSetup,
    periods: &[Period],
    as_of: DateTime<Utc>,
    ctx: &ChangeContext,
) -> Result<RefreshReport, AppError> {
    let mut out = RefreshReport::default();
    let mut changes = ChangeSet::default();
    for p in periods {
        let (r, keys) = write_month(store, setup, *p, as_of, ctx).await?;
        if r.inserted + r.updated > 0 {
            changes.observations.extend(keys);
        }
        out.written.push((*p, r));
    }
    let after = pipeline.run(store, &changes, ctx).await;
    out.evaluated = after
        .recomputed
        .evaluated
        .iter()
        .map(|(code, p)| format!("{code} {}", p.code()))
        .collect();
    out.failed = after
        .derive_error
        .map(|e| format!("公式指标未能重新计算：{e}"))
        .into_iter()
        .chain(
            after
                .recomputed
                .failed
                .iter()
                .map(|(code, p, e)| format!("{code} {}：{e}", p.code())),
        )
        .chain(after.recomputed.error)
        .collect();
    out.alerts = after.alerts;
    Ok(out)
}
