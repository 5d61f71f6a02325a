//! Idempotent requests (issue 21): a request carrying an `Idempotency-Key` runs once per key and
//! caller; a retry gets the first answer back (status and body as sent), for 24 hours.
//!
//! [`begin`] claims the key for the caller ([`yiping_store::IdempotencyStore`]): the first
//! request runs ([`Begun::Run`]) and then records its answer ([`finish`]) or, when it failed on
//! the server's side (the database unreachable), gives the key up ([`abandon`]) so that a retry
//! runs again. A retry finds the answer ([`Begun::Replay`]); a retry racing the first request
//! waits for its answer. The same key with another request (another body, route or dry-run
//! flag: the request hash differs) is refused as an input error.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use yiping_access::Principal;
use yiping_store::{IdempotencyClaim, IdempotentAnswer, Store};

use crate::AppError;

/// How long an answer is kept.
pub const KEEP_HOURS: i64 = 24;
/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;
/// How long a retry waits for the first request's answer before it is told to try later.
const WAIT: StdDuration = StdDuration::from_secs(120);
const POLL: StdDuration = StdDuration::from_millis(50);

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// The key is this request's: run it, then [`finish`] or [`abandon`].
    Run,
    /// A request with this key was answered: send this answer again, run nothing.
    Replay(IdempotentAnswer),
}

fn owner(p: &Principal) -> String {
    p.user_id.to_string()
}

/// Checks a key as sent: 1 to 255 visible ASCII characters.
pub fn check_key(key: &str) -> Result<(), AppError> {
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::invalid(format!(
            "Idempotency-Key 无效：须为 1 至 {MAX_KEY_LEN} 个可见 ASCII 字符（例如一个 UUID）"
        )));
    }
    Ok(())
}

/// Claims `key` for `principal`'s request with `request_hash` (a digest of everything that makes
/// the request what it is), waiting for the answer while another request with the key runs.
pub async fn begin(
    store: &dyn Store,
    principal: &Principal,
    key: &str,
    request_hash: &str,
    now: impl Fn() -> DateTime<Utc>,
) -> Result<Begun, AppError> {
    check_key(key)?;
    let owner = owner(principal);
    let started = std::time::Instant::now();
    loop {
        let at = now();
        let expired = at - Duration::hours(KEEP_HOURS);
        match store
            .claim_idempotency_key(&owner, key, request_hash, at, expired)
            .await?
        {
            IdempotencyClaim::Claimed => {
                // Forget every caller's expired keys now and then (cheap: an index on the time).
                store.purge_idempotency_keys(expired).await?;
                return Ok(Begun::Run);
            }
            IdempotencyClaim::Taken {
                request_hash: first,
                ..
            } if first != request_hash => {
                return Err(AppError::invalid(format!(
                    "Idempotency-Key“{key}”已用于另一个请求（内容、地址或 dry_run 不同），本次未作任何处理：新的请求请使用新的键"
                )));
            }
            IdempotencyClaim::Taken {
                answer: Some(a), ..
            } => return Ok(Begun::Replay(a)),
            IdempotencyClaim::Taken { answer: None, .. } => {
                if started.elapsed() > WAIT {
                    return Err(AppError::Conflict(format!(
                        "使用 Idempotency-Key“{key}”的上一个请求仍在处理中，请稍后用同一个键重试"
                    )));
                }
                tokio::time::sleep(POLL).await;
            }
        }
    }
}

/// Records the answer of the request that [`begin`] let run.
pub async fn finish(
    store: &dyn Store,
    principal: &Principal,
    key: &str,
    answer: &IdempotentAnswer,
) -> Result<(), AppError> {
    store
        .record_idempotent_answer(&owner(principal), key, answer)
        .await?;
    Ok(())
}

/// Gives the key up without an answer (the request failed on the server's side).
pub async fn abandon(store: &dyn Store, principal: &Principal, key: &str) -> Result<(), AppError> {
    store
        .release_idempotency_key(&owner(principal), key)
        .await?;
    Ok(())
}
