//! Remembered answers of retried requests ([`IdempotencyStore`], issue 21): a client that posts a
//! batch with an `Idempotency-Key` and loses the answer may post it again and get the first
//! answer back, without the batch being written twice.
//!
//! A key belongs to its owner (the user posting); the first request with a key claims it (a row
//! without an answer), runs, and records its answer; a request that finds the key claimed gets
//! the stored answer, or waits while the first is still running. The store keeps the hash of the
//! request so that the same key with another request is recognised; comparing is the
//! application's work (`yiping_app::idempotency`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::StoreResult;

/// A recorded answer: the status and the body as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentAnswer {
    pub status: u16,
    pub body: String,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// The key was free (or its answer older than the cut-off): this request runs it.
    Claimed,
    /// Another request holds the key: its request hash, and its answer once recorded (`None`
    /// while it is still running).
    Taken {
        request_hash: String,
        answer: Option<IdempotentAnswer>,
    },
}

/// Storage of idempotency keys. Part of [`crate::Store`].
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `(owner, key)` for a request with `request_hash` at `at`, in one transaction: a
    /// row older than `expired_before` is forgotten first. Of two requests racing for one key,
    /// exactly one gets [`IdempotencyClaim::Claimed`].
    async fn claim_idempotency_key(
        &self,
        owner: &str,
        key: &str,
        request_hash: &str,
        at: DateTime<Utc>,
        expired_before: DateTime<Utc>,
    ) -> StoreResult<IdempotencyClaim>;

    /// Records the answer of the request that claimed `(owner, key)`.
    async fn record_idempotent_answer(
        &self,
        owner: &str,
        key: &str,
        answer: &IdempotentAnswer,
    ) -> StoreResult<()>;

    /// Gives `(owner, key)` up without an answer (the request failed on the server's side, so a
    /// retry must run again).
    async fn release_idempotency_key(&self, owner: &str, key: &str) -> StoreResult<()>;

    /// Forgets every key claimed before `before`; returns how many.
    async fn purge_idempotency_keys(&self, before: DateTime<Utc>) -> StoreResult<u64>;
}
