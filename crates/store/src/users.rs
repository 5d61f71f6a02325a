//! Users, sessions, API tokens and the record of sign-in attempts ([`UserStore`]).
//!
//! Secrets never reach the store in clear: sessions and API tokens are kept as hashes of the
//! random values the client holds, passwords as argon2id PHC strings made by the application.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;
use yiping_kernel::EntityId;

use crate::StoreResult;

/// A user to create. `role` is the role's code (`yiping_access::Role::code`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub login: String,
    pub name: String,
    pub role: String,
    pub unit: EntityId,
    pub password_hash: String,
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredUser {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: String,
    pub unit: EntityId,
    #[serde(skip)]
    pub password_hash: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

/// A session to open: `key_hash` is the hash of the cookie's random value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub key_hash: String,
    pub user_id: i64,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A live session and its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub key_hash: String,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user: StoredUser,
}

/// An API token as listed (the secret itself is shown once, when created).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

/// One sign-in attempt, kept for throttling and as the audit of logins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoginRecord {
    pub login: String,
    pub ip: String,
    pub at: DateTime<Utc>,
    pub success: bool,
    /// Why it failed (or `"ok"`, `"logout"`).
    pub reason: String,
}

/// A key the sign-in throttle counts attempts under (`login@address`, `address`, `login`) and
/// the most attempts it may have over the current and the previous window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleKey {
    pub key: String,
    pub limit: u32,
}

/// Storage of users and what belongs to them: sessions, API tokens and sign-in attempts. Part of
/// [`crate::Store`].
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user; a taken login is a conflict.
    async fn create_user(&self, user: &NewUser, at: DateTime<Utc>) -> StoreResult<i64>;

    async fn user_by_login(&self, login: &str) -> StoreResult<Option<StoredUser>>;

    async fn user(&self, id: i64) -> StoreResult<Option<StoredUser>>;

    /// Every user, by login.
    async fn users(&self) -> StoreResult<Vec<StoredUser>>;

    /// Replaces a user's password hash and ends their sessions.
    async fn set_password(&self, id: i64, password_hash: &str) -> StoreResult<()>;

    /// Enables or disables a user; disabling ends their sessions.
    async fn set_user_active(&self, id: i64, active: bool) -> StoreResult<()>;

    async fn create_session(&self, session: &NewSession) -> StoreResult<()>;

    /// The session with this key if it has not expired at `now` and its user is active.
    async fn session(
        &self,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<StoredSession>>;

    async fn delete_session(&self, key_hash: &str) -> StoreResult<()>;

    /// Deletes sessions expired at `now`; returns how many.
    async fn purge_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;

    /// Stores an API token (by hash) for a user; returns its id.
    async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64>;

    /// The active user of an unrevoked token.
    async fn api_token_user(&self, token_hash: &str) -> StoreResult<Option<StoredUser>>;

    async fn api_tokens(&self, user_id: i64) -> StoreResult<Vec<ApiTokenInfo>>;

    async fn revoke_api_token(&self, id: i64) -> StoreResult<()>;

    /// Revokes every token of the user for good (disabling, a new password, `user revoke`);
    /// returns how many were live.
    async fn revoke_api_tokens_of(&self, user_id: i64) -> StoreResult<u64>;

    /// Reserves one sign-in attempt under every key in one step (the check and the count are
    /// one transaction, so concurrent attempts cannot all pass a check made before any was
    /// counted). Attempts are counted per numbered window (`window`, e.g. quarter-hours since
    /// the epoch); a key's count is its attempts in this window and the one before. When any key
    /// would go over its limit nothing is counted and the answer is `false`. Counts of windows
    /// older than the previous one are forgotten.
    async fn reserve_attempt(&self, keys: &[ThrottleKey], window: i64) -> StoreResult<bool>;

    /// Gives back an attempt reserved under `keys` in `window` (a sign-in that succeeded, so
    /// that only failures and attempts in flight count).
    async fn release_attempt(&self, keys: &[String], window: i64) -> StoreResult<()>;

    async fn record_login(&self, record: &LoginRecord) -> StoreResult<()>;

    /// Failed sign-ins since `since`: (for this login, from this address).
    async fn failed_logins_since(
        &self,
        login: &str,
        ip: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<(u32, u32)>;

    /// The newest sign-in attempts first.
    async fn login_records(&self, limit: u32) -> StoreResult<Vec<LoginRecord>>;
}
