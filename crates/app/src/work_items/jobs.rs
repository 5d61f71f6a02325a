//! The scheduled jobs of the closed loop, run by `yiping run-jobs` and every minute inside
//! `yiping serve`: find the open items whose next deadline has passed (超期) or is near (预警),
//! send a chase notice (催办) at most once a day per item, and escalate (升级) an item overdue
//! by more than a day to the parent unit, again at most every three days. Items due within the
//! warning window notify their unit once per deadline (签收提醒 or 临期预警, see
//! [`crate::notifications::deadline_warning`]). Every change goes
//! through the engine and the version check, so a job racing a person loses cleanly. Then the
//! handling figures (`WI_*`) of the current and the previous month are written back when the
//! [`MetricsSchedule`] says they are due (at most hourly), followed by the pipeline after a change
//! (evaluations recomputed, alert rules checked).

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use yiping_flow::{Actor, Command, CommandKind, ItemId, Stage, Step, WorkItem};
use yiping_store::{ChangeContext, Page, Store, StoreError, WorkItemFilter, next_due};

use super::metrics::{MetricsSchedule, RefreshReport, refresh_metrics};
use super::{FlowSetup, WARNING_WINDOW, transition};
use crate::{AppError, notifications};

/// What a run of the jobs found and did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JobReport {
    /// Open items past a deadline.
    pub overdue: u64,
    /// Items due within the warning window (预警).
    pub warned: Vec<ItemId>,
    pub reminded: Vec<ItemId>,
    pub escalated: Vec<ItemId>,
    /// Items a person changed while the job ran (left for the next run).
    pub conflicts: u64,
    /// Items the engine refused to change (no parent unit, …), with the reason.
    pub refused: Vec<(ItemId, String)>,
    /// The handling figures written back, when they were due.
    pub metrics: Option<RefreshReport>,
    /// Why the figures could not be written (tried again on the next run).
    pub metrics_error: Option<String>,
}

const REMIND_EVERY: TimeDelta = TimeDelta::hours(24);
const ESCALATE_AFTER: TimeDelta = TimeDelta::hours(24);
const ESCALATE_EVERY: TimeDelta = TimeDelta::hours(72);

fn last_step(item: &WorkItem, kind: CommandKind) -> Option<DateTime<Utc>> {
    item.history
        .iter()
        .rev()
        .find(|e| matches!(&e.step, Step::Command(c) if c.kind() == kind))
        .map(|e| e.at)
}

/// Runs the jobs once at `now`; `schedule` remembers when the figures were last written (a
/// fresh one writes them).
pub async fn run_jobs(
    store: &dyn Store,
    setup: &FlowSetup,
    now: DateTime<Utc>,
    schedule: &MetricsSchedule,
) -> Result<JobReport, AppError> {
    let result = run_jobs_once(store, setup, now, schedule).await;
    crate::monitoring::record_job_run(result.is_ok());
    result
}

async fn run_jobs_once(
    store: &dyn Store,
    setup: &FlowSetup,
    now: DateTime<Utc>,
    schedule: &MetricsSchedule,
) -> Result<JobReport, AppError> {
    let mut report = chase_and_escalate(store, setup, now).await?;
    let due = schedule.due(setup, now)?;
    let any_items = store
        .work_items(&WorkItemFilter::default(), Page::new(1, 0))
        .await?
        .total
        > 0;
    if !due.is_empty() && any_items {
        let ctx = ChangeContext::new("定时任务", "闭环事项办理指标", now);
        match refresh_metrics(store, setup, &due, now, &ctx).await {
            Ok(r) => {
                schedule.mark(&due, now);
                report.metrics = Some(r);
            }
            Err(e) => report.metrics_error = Some(e.to_string()),
        }
    }
    Ok(report)
}

/// 超期 detection, 预警, 催办 and 升级.
async fn chase_and_escalate(
    store: &dyn Store,
    setup: &FlowSetup,
    now: DateTime<Utc>,
) -> Result<JobReport, AppError> {
    let mut report = JobReport::default();
    let filter = WorkItemFilter {
        open_only: true,
        due_before: Some(now + WARNING_WINDOW),
        ..WorkItemFilter::default()
    };
    let mut ids = Vec::new();
    let mut offset = 0;
    loop {
        let page = store
            .work_items(&filter, Page::new(Page::MAX_LIMIT, offset))
            .await?;
        let n = page.items.len() as u64;
        ids.extend(page.items.into_iter().map(|s| s.item.id));
        offset += n;
        if n == 0 || offset >= page.total {
            break;
        }
    }
    let mut warnings = Vec::new();
    for id in ids {
        let Some(stored) = store.work_item(id).await? else {
            continue;
        };
        let item = stored.item;
        let Some(due) = next_due(&item) else {
            continue;
        };
        if due >= now {
            report.warned.push(id);
            warnings.push(notifications::deadline_warning(
                &item,
                due,
                setup.calendar.offset(),
            ));
            continue;
        }
        report.overdue += 1;
        let system = Actor::system(item.owner_unit);
        let mut version = item.version;
        let run = |cmd: Command, version: u64| {
            let system = system.clone();
            async move { transition(store, setup, id, version, &cmd, &system, now).await }
        };
        let remind_due = matches!(
            item.stage,
            Stage::Dispatched | Stage::Signed | Stage::Handling
        ) && last_step(&item, CommandKind::Remind)
            .is_none_or(|t| now - t >= REMIND_EVERY);
        if remind_due {
            match run(Command::Remind, version).await {
                Ok(out) => {
                    version = out.item.item.version;
                    report.reminded.push(id);
                }
                Err(e) => note_failure(&mut report, id, e)?,
            }
        }
        let escalate_due = matches!(
            item.stage,
            Stage::Registered | Stage::Dispatched | Stage::Signed | Stage::Handling
        ) && now - due >= ESCALATE_AFTER
            && last_step(&item, CommandKind::Escalate).is_none_or(|t| now - t >= ESCALATE_EVERY);
        if escalate_due {
            match run(Command::Escalate, version).await {
                Ok(_) => report.escalated.push(id),
                Err(e) => note_failure(&mut report, id, e)?,
            }
        }
    }
    notifications::send_logged(store, &warnings, None, now).await;
    Ok(report)
}

fn note_failure(report: &mut JobReport, id: ItemId, e: AppError) -> Result<(), AppError> {
    match e {
        AppError::Store(StoreError::Conflict { .. }) => report.conflicts += 1,
        AppError::Flow(f) => report.refused.push((id, f.to_string())),
        other => return Err(other),
    }
    Ok(())
}
