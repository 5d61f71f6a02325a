//! The audit trail of changes made through the server's pages (the events themselves are
//! `yiping_app::audit`'s).

use chrono::Utc;
use yiping_access::Principal;

use crate::AppState;

/// Records `action` on `target` by the signed-in user, now.
pub(crate) async fn record(
    s: &AppState,
    who: &Principal,
    action: &str,
    target: &str,
    detail: String,
) {
    yiping_app::audit::record(s.store.as_ref(), who, action, target, detail, Utc::now()).await;
}
