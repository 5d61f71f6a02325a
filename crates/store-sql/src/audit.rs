//! The audit trail of changes ([`yiping_store::AuditStore`]): one row per event in
//! `audit_events`, read newest first.

use async_trait::async_trait;
use yiping_store::{AuditEvent, AuditStore, StoreResult};

use crate::SqlStore;
use crate::errors::map_err;
use crate::rows::{get, parse_ts, ts};

#[async_trait]
impl AuditStore for SqlStore {
    async fn record_audit(&self, e: &AuditEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_events (at, actor, action, target, detail) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ts(e.at))
        .bind(e.actor.clone())
        .bind(e.action.clone())
        .bind(e.target.clone())
        .bind(e.detail.clone())
        .execute(self.pool())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn audit_events(&self, limit: u32) -> StoreResult<Vec<AuditEvent>> {
        let rows = sqlx::query(
            "SELECT at, actor, action, target, detail FROM audit_events \
             ORDER BY at DESC, id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(AuditEvent {
                    at: parse_ts("at", &get::<String>(r, "at")?)?,
                    actor: get(r, "actor")?,
                    action: get(r, "action")?,
                    target: get(r, "target")?,
                    detail: get(r, "detail")?,
                })
            })
            .collect()
    }
}
