//! The follow-up a committed write still owes ([`PendingStore`]).
//!
//! Why: after an import commits, the application runs what follows a change (formulas,
//! evaluations, alert rules). A crash in between used to leave that half done for good: the data
//! was all there, re-importing found nothing changed, and nothing repaired it. Now a write asked
//! to ([`ChangeContext::follow_up`](crate::ChangeContext)) records what it changed as a
//! [`PendingChange`] in its own transaction — with the audit event of the write, so the trail
//! cannot miss a committed import — claimed by the process that will run the follow-up; that
//! process deletes the note once the follow-up is done ([`PendingStore::finish_pending`]). A note
//! left behind is finished by the next start: whoever takes it over claims it by
//! compare-and-swap ([`PendingStore::claim_pending`]), so two processes never both run it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use yiping_kernel::{IndicatorId, ObservationKey};

use crate::{AuditEvent, StoreResult};

/// What a write should record along with its data (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// The process that will run the follow-up: the note is recorded claimed by it.
    pub owner: String,
    /// The audit event of the write, recorded in the same transaction when it changes anything.
    pub audit: Option<AuditEvent>,
}

/// A follow-up recorded by a committed write and not finished yet.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingChange {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    /// Who made the change and from where (the write's [`crate::ChangeContext`]).
    pub actor: String,
    pub source: String,
    /// The observations inserted or changed.
    pub observations: Vec<ObservationKey>,
    /// (indicator, year) of the targets inserted or changed.
    pub targets: Vec<(IndicatorId, i32)>,
    /// The process running (or that was running) the follow-up, and since when.
    pub claimed_by: Option<String>,
    pub claimed_at: Option<DateTime<Utc>>,
}

/// Storage of the pending follow-ups. Part of [`crate::Store`].
#[async_trait]
pub trait PendingStore: Send + Sync {
    /// Every pending follow-up, oldest first.
    async fn pending_changes(&self) -> StoreResult<Vec<PendingChange>>;

    /// Compare-and-swap: gives the follow-up `id` to `owner` if it is still claimed by `expected`
    /// (`None`: by nobody). Returns whether this call took it; of two processes racing for the
    /// same note, exactly one does.
    async fn claim_pending(
        &self,
        id: i64,
        expected: Option<&str>,
        owner: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Deletes the follow-up `id` once done, if `owner` still holds it; returns whether it did.
    async fn finish_pending(&self, id: i64, owner: &str) -> StoreResult<bool>;
}
