//! Conformance scenario for the audit trail ([`yiping_store::AuditStore`]).

use chrono::TimeDelta;
use yiping_store::{AuditEvent, Store};

use super::BoxFut;
use super::users::t0;

pub(super) fn audit_events_newest_first(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        for (i, action) in ["user.add", "map.upload"].into_iter().enumerate() {
            store
                .record_audit(&AuditEvent {
                    at: t0() + TimeDelta::seconds(i as i64),
                    actor: "admin".into(),
                    action: action.into(),
                    target: "渝中区".into(),
                    detail: "说明".into(),
                })
                .await
                .unwrap();
        }
        let events = store.audit_events(10).await.unwrap();
        assert_eq!(
            events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
            ["map.upload", "user.add"]
        );
    })
}
