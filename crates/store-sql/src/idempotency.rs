//! Idempotency keys ([`yiping_store::IdempotencyStore`]): one row per (owner, key) in
//! `idempotency_keys`. Claiming is one write transaction (forget an expired row, insert unless
//! present, read what is there), so of two racing requests exactly one inserts: PostgreSQL's
//! `ON CONFLICT DO NOTHING` waits for the other's insert to commit, SQLite's `BEGIN IMMEDIATE`
//! serialises the two.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use yiping_store::{IdempotencyClaim, IdempotencyStore, IdempotentAnswer, StoreError, StoreResult};

use crate::SqlStore;
use crate::errors::map_err;
use crate::rows::{get, ts};

#[async_trait]
impl IdempotencyStore for SqlStore {
    async fn claim_idempotency_key(
        &self,
        owner: &str,
        key: &str,
        request_hash: &str,
        at: DateTime<Utc>,
        expired_before: DateTime<Utc>,
    ) -> StoreResult<IdempotencyClaim> {
        let mut tx = self
            .pool()
            .begin_with(self.dialect.begin_write())
            .await
            .map_err(map_err)?;
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE owner = $1 AND idem_key = $2 AND created_at < $3",
        )
        .bind(owner.to_string())
        .bind(key.to_string())
        .bind(ts(expired_before))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (owner, idem_key, request_hash, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (owner, idem_key) DO NOTHING",
        )
        .bind(owner.to_string())
        .bind(key.to_string())
        .bind(request_hash.to_string())
        .bind(ts(at))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
        let claim = if inserted == 1 {
            IdempotencyClaim::Claimed
        } else {
            let row = sqlx::query(
                "SELECT request_hash, status, body FROM idempotency_keys \
                 WHERE owner = $1 AND idem_key = $2",
            )
            .bind(owner.to_string())
            .bind(key.to_string())
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
            let status: Option<i64> = get(&row, "status")?;
            let body: Option<String> = get(&row, "body")?;
            let answer = match (status, body) {
                (Some(s), Some(body)) => Some(IdempotentAnswer {
                    status: u16::try_from(s).map_err(|_| {
                        StoreError::corrupt(format!("idempotency_keys.status 为 {s}"))
                    })?,
                    body,
                }),
                _ => None,
            };
            IdempotencyClaim::Taken {
                request_hash: get(&row, "request_hash")?,
                answer,
            }
        };
        tx.commit().await.map_err(map_err)?;
        Ok(claim)
    }

    async fn record_idempotent_answer(
        &self,
        owner: &str,
        key: &str,
        answer: &IdempotentAnswer,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE idempotency_keys SET status = $1, body = $2 WHERE owner = $3 AND idem_key = $4",
        )
        .bind(i64::from(answer.status))
        .bind(answer.body.clone())
        .bind(owner.to_string())
        .bind(key.to_string())
        .execute(self.pool())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn release_idempotency_key(&self, owner: &str, key: &str) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE owner = $1 AND idem_key = $2 AND status IS NULL",
        )
        .bind(owner.to_string())
        .bind(key.to_string())
        .execute(self.pool())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn purge_idempotency_keys(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(ts(before))
            .execute(self.pool())
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }
}
