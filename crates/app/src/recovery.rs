//! Finishing the follow-up a crash interrupted (issue 18, defect 4).
//!
//! An import commits its data, then runs the pipeline after a change (formulas, evaluations,
//! alert rules). Killed in between, it used to leave the database with every value but part of
//! the 问题 and evaluations, and no audit row; importing the file again found nothing changed and
//! repaired nothing. Now the write records what it changed, and its audit event, in its own
//! transaction ([`yiping_store::FollowUp`]), claimed by this process ([`this_process`]); the
//! follow-up deletes the note when it is done ([`follow_up`]). Every command and every start of
//! `serve` (and its minute job) calls [`finish_pending`], which takes over the notes whose holder
//! is gone — a process of this machine that no longer runs, or a claim older than [`LEASE`] —
//! by compare-and-swap, so that two processes never both run one, and runs their pipeline.
//!
//! A test can crash a process right after the commit: with `YIPING_FAILPOINT=after-commit` in
//! its environment the process aborts there (see [`failpoint`]).

use std::sync::OnceLock;

use chrono::{DateTime, TimeDelta, Utc};
use yiping_store::{ChangeContext, FollowUp, Store};

use crate::AppError;
use crate::pipeline::{AfterChange, ChangeSet, after_change};

/// How long a claim by a process that cannot be checked (another machine) holds.
pub const LEASE: TimeDelta = TimeDelta::minutes(30);

/// This process, as a claim names it: `host/pid/start` (the start time tells a process from a
/// later one with the same id).
pub fn this_process() -> &'static str {
    static ME: OnceLock<String> = OnceLock::new();
    ME.get_or_init(|| {
        let pid = std::process::id();
        format!(
            "{}/{pid}/{}",
            host(),
            start_time(pid).unwrap_or_else(|| "?".into())
        )
    })
}

fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().replace('/', "_"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "?".into())
}

/// A process's start time in clock ticks since boot (`/proc/PID/stat`, field 22), on Linux.
fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19).map(str::to_string)
}

/// The follow-up for a write: recorded with the data, claimed by this process.
pub fn follow_up_for(audit: Option<yiping_store::AuditEvent>) -> FollowUp {
    FollowUp {
        owner: this_process().to_string(),
        audit,
    }
}

/// Whether the holder of a claim can no longer finish it.
fn abandoned(owner: &str, claimed_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    if owner == this_process() {
        return false;
    }
    let mut parts = owner.split('/');
    if let (Some(h), Some(pid), Some(start), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
        && h == host()
        && start != "?"
        && let Ok(pid) = pid.parse::<u32>()
    {
        return start_time(pid).as_deref() != Some(start);
    }
    claimed_at.is_none_or(|t| now - t > LEASE)
}

/// A follow-up finished by [`finish_pending`].
#[derive(Debug, Clone, PartialEq)]
pub struct Recovered {
    pub id: i64,
    /// Who wrote the change and from where (a file, a page).
    pub actor: String,
    pub source: String,
    pub created_at: DateTime<Utc>,
    /// The observations and targets whose follow-up ran.
    pub observations: usize,
    pub targets: usize,
    pub after: AfterChange,
}

/// Runs the follow-ups left by processes that are gone (see the module documentation); returns
/// what it finished. Notes held by a live process are left to it.
pub async fn finish_pending(
    store: &dyn Store,
    now: DateTime<Utc>,
) -> Result<Vec<Recovered>, AppError> {
    let me = this_process();
    let mut done = Vec::new();
    for p in store.pending_changes().await? {
        let won = match p.claimed_by.as_deref() {
            None => store.claim_pending(p.id, None, me, now).await?,
            Some(o) if abandoned(o, p.claimed_at, now) => {
                store.claim_pending(p.id, Some(o), me, now).await?
            }
            Some(_) => false,
        };
        if !won {
            continue;
        }
        tracing::info!(id = p.id, source = %p.source, "finishing an interrupted follow-up");
        let changes = ChangeSet {
            observations: p.observations,
            targets: p.targets.into_iter().collect(),
            ..ChangeSet::default()
        };
        let ctx = ChangeContext::new(p.actor.clone(), p.source.clone(), now);
        let after = after_change(store, &changes, &ctx).await;
        store.finish_pending(p.id, me).await?;
        done.push(Recovered {
            id: p.id,
            actor: p.actor,
            source: p.source,
            created_at: p.created_at,
            observations: changes.observations.len(),
            targets: changes.targets.len(),
            after,
        });
    }
    Ok(done)
}

/// What follows a committed write: the pipeline, then its note (`pending`, when the write
/// recorded one) is deleted. A failure to delete leaves the note for the next start (which runs
/// the pipeline again: every step of it can run twice).
pub async fn follow_up(
    store: &dyn Store,
    changes: &ChangeSet,
    ctx: &ChangeContext,
    pending: Option<i64>,
) -> AfterChange {
    failpoint("after-commit");
    let after = after_change(store, changes, ctx).await;
    if let Some(id) = pending
        && let Err(e) = store.finish_pending(id, this_process()).await
    {
        tracing::warn!(error = %e, id, "could not mark a follow-up as done");
    }
    after
}

/// Crash tests (the CLI tests, `tests/reliability`): when `YIPING_FAILPOINT` names this point the
/// process aborts here; when it names it with `:pause` the process says so on stderr and waits to
/// be killed (`kill -9` from the outside). Points: `after-commit` (an import's data is committed,
/// its follow-up has not run).
pub fn failpoint(name: &str) {
    let Ok(v) = std::env::var("YIPING_FAILPOINT") else {
        return;
    };
    if v == name {
        eprintln!("YIPING_FAILPOINT={name}：模拟进程崩溃");
        std::process::abort();
    }
    if v.strip_suffix(":pause") == Some(name) {
        eprintln!("YIPING_FAILPOINT={name}:pause：已到达，等待被终止");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
}
