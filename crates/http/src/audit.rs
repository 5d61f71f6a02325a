//! The audit trail of changes made through the server that have no history of their own
//! (observations keep old values in their own audit table; work items keep their history).

use chrono::Utc;
use yiping_access::Principal;
use yiping_store::AuditEvent;

use crate::AppState;

/// Records `action` on `target` by the signed-in user. A failure to record is logged, not
/// shown: the change itself has already been made and committed.
pub(crate) async fn record(
    s: &AppState,
    who: &Principal,
    action: &str,
    target: &str,
    detail: String,
) {
    let event = AuditEvent {
        at: Utc::now(),
        actor: who.login.clone(),
        action: action.to_string(),
        target: target.to_string(),
        detail,
    };
    if let Err(e) = s.store.record_audit(&event).await {
        tracing::error!(error = %e, action, target, "recording an audit event failed");
    }
}
