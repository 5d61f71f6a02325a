//! What the server's `/metrics` reports from inside the use cases: counters of the scheduled
//! job runs and of the imported rows (kept in the process, since it started), and the gauges of
//! the closed loop counted at scrape time (open and overdue work items).
//!
//! The counters are process-wide atomics, so that the jobs and imports (called from the CLI,
//! the server's minute loop and the pages alike) need no handle to a registry; the server reads
//! them with [`counters`] when it is scraped.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use yiping_store::{Page, Store, WorkItemFilter};

use crate::AppError;

static JOB_RUNS_OK: AtomicU64 = AtomicU64::new(0);
static JOB_RUNS_FAILED: AtomicU64 = AtomicU64::new(0);
static IMPORT_ROWS: AtomicU64 = AtomicU64::new(0);
static IMPORTS: AtomicU64 = AtomicU64::new(0);

/// The counters since the process started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Runs of the scheduled jobs ([`crate::work_items::run_jobs`]) that finished.
    pub job_runs_ok: u64,
    /// Runs that failed (logged, tried again on the next minute).
    pub job_runs_failed: u64,
    /// Imports applied (dry runs not counted).
    pub imports: u64,
    /// Rows of the applied imports.
    pub import_rows: u64,
}

/// Reads the counters.
pub fn counters() -> Counters {
    Counters {
        job_runs_ok: JOB_RUNS_OK.load(Ordering::Relaxed),
        job_runs_failed: JOB_RUNS_FAILED.load(Ordering::Relaxed),
        imports: IMPORTS.load(Ordering::Relaxed),
        import_rows: IMPORT_ROWS.load(Ordering::Relaxed),
    }
}

pub(crate) fn record_job_run(ok: bool) {
    if ok {
        JOB_RUNS_OK.fetch_add(1, Ordering::Relaxed);
    } else {
        JOB_RUNS_FAILED.fetch_add(1, Ordering::Relaxed);
    }
}

pub(crate) fn record_import(rows: usize) {
    IMPORTS.fetch_add(1, Ordering::Relaxed);
    IMPORT_ROWS.fetch_add(rows as u64, Ordering::Relaxed);
}

/// Work items across the whole platform at one instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemGauges {
    /// Open items (not 结案, 不予立案 or 撤销).
    pub open: u64,
    /// Open items with a pending deadline before `now` (超期).
    pub overdue: u64,
}

/// Counts the open and overdue work items of every unit. Platform-wide figures: the server
/// calls this only for an administrator or the scrape token (`/metrics`).
pub async fn item_gauges(store: &dyn Store, now: DateTime<Utc>) -> Result<ItemGauges, AppError> {
    let count = |filter: WorkItemFilter| async move {
        Ok::<u64, AppError>(store.work_items(&filter, Page::new(1, 0)).await?.total)
    };
    let open = count(WorkItemFilter {
        open_only: true,
        ..Default::default()
    })
    .await?;
    let overdue = count(WorkItemFilter {
        open_only: true,
        due_before: Some(now),
        ..Default::default()
    })
    .await?;
    Ok(ItemGauges { open, overdue })
}
