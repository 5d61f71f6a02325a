//! The audit trail of changes that have no history of their own (observations keep their old
//! values in their own table; work items keep their full history): who did what to which target,
//! and when. Use cases record their own events; front ends call [`record`] only for a change they
//! made through a use case that does not record one itself.

use chrono::{DateTime, Utc};
use yiping_access::Principal;
use yiping_store::{AuditEvent, Store};

/// Records `action` on `target` by `who`. A failure to record is logged, not returned: the change
/// itself has already been made and committed, and the caller must not report it as failed.
pub async fn record(
    store: &dyn Store,
    who: &Principal,
    action: &str,
    target: &str,
    detail: String,
    at: DateTime<Utc>,
) {
    let event = AuditEvent {
        at,
        actor: who.login.clone(),
        action: action.to_string(),
        target: target.to_string(),
        detail,
    };
    if let Err(e) = store.record_audit(&event).await {
        tracing::error!(error = %e, action, target, "recording an audit event failed");
    }
}
