//! Users and signing in: argon2id password hashes, sessions and API tokens (random secrets held
//! by the client, SHA-256 hashes in the store), login throttling, and the principal (role, unit
//! and scope) that every request is checked against.
//!
//! Principal items: [`add_user`], [`sign_in`] (→ [`SignedIn`] with the cookie secret and CSRF
//! token), [`session_user`] / [`token_user`] (secret → [`StoredUser`]), [`ScopeCache`] and
//! [`principal`] (user → [`Principal`]), [`issue_api_token`], [`reset_password`] and
//! [`set_user_active`] (both audited).

mod scope_cache;
mod secrets;

use chrono::{DateTime, TimeDelta, Utc};
use yiping_access::{Principal, Role};
use yiping_kernel::{EntityCode, EntityKind};
use yiping_store::{
    AuditEvent, LoginRecord, NewSession, NewUser, Store, StoreError, StoredUser, ThrottleKey,
};

use crate::AppError;

pub use scope_cache::ScopeCache;
pub use secrets::{
    hash_password, hash_password_bounded, new_secret, secret_hash, sha256_hex, verify_password,
    verify_password_bounded,
};

/// How long a session lasts without signing in again.
pub const SESSION_TTL: TimeDelta = TimeDelta::hours(12);
/// The window over which failed sign-ins are counted: a key's count is its failures (and
/// attempts in flight) in the current quarter-hour and the one before.
pub const THROTTLE_WINDOW: TimeDelta = TimeDelta::minutes(15);
/// Failed sign-ins for one login from one address before further attempts are refused.
pub const MAX_FAILURES_PER_LOGIN: u32 = 5;
/// Failed sign-ins from one address, whatever the login: a ceiling well above one person's
/// limit, since a town office or a company's network shares one address.
pub const MAX_FAILURES_PER_IP: u32 = 100;
/// Failed sign-ins for one login from any address (guessing spread over many addresses).
pub const MAX_FAILURES_PER_LOGIN_ANYWHERE: u32 = 30;

/// The keys a sign-in attempt is counted under, with their limits.
fn throttle_keys(login: &str, ip: &str) -> Vec<ThrottleKey> {
    // A login longer than any real one (64) cannot grow the table's keys.
    let login: String = login.chars().take(80).collect();
    let ip: String = ip.chars().take(64).collect();
    vec![
        ThrottleKey {
            key: format!("pair:{login}@{ip}"),
            limit: MAX_FAILURES_PER_LOGIN,
        },
        ThrottleKey {
            key: format!("addr:{ip}"),
            limit: MAX_FAILURES_PER_IP,
        },
        ThrottleKey {
            key: format!("login:{login}"),
            limit: MAX_FAILURES_PER_LOGIN_ANYWHERE,
        },
    ]
}

/// The throttle's window number of `at`.
fn throttle_window(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(THROTTLE_WINDOW.num_seconds())
}

/// A user to add, as typed by an administrator.
#[derive(Debug, Clone)]
pub struct UserSpec {
    pub login: String,
    pub name: String,
    pub role: Role,
    /// The unit's code (a region code, department code or credit code).
    pub unit_code: String,
    pub password: String,
}

/// Checks and stores a new user; returns its id. `actor` is recorded in the audit.
pub async fn add_user(
    store: &dyn Store,
    spec: &UserSpec,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<i64, AppError> {
    let login = spec.login.trim();
    if login.is_empty()
        || login.len() > 64
        || !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(AppError::invalid(format!(
            "登录名“{login}”无效：只能用 1—64 个英文字母、数字、-、_ 或 ."
        )));
    }
    if spec.password.chars().count() < 8 {
        return Err(AppError::invalid("密码至少 8 位"));
    }
    let unit = find_unit(store, &spec.unit_code).await?;
    if spec.role == Role::Enterprise && unit.data.kind != EntityKind::Enterprise {
        return Err(AppError::invalid(format!(
            "企业用户的单位必须是企业，“{}”不是企业",
            unit.data.name
        )));
    }
    let name = if spec.name.trim().is_empty() {
        login.to_string()
    } else {
        spec.name.trim().to_string()
    };
    let user = NewUser {
        login: login.to_string(),
        name,
        role: spec.role.code().to_string(),
        unit: unit.id,
        password_hash: hash_password_bounded(&spec.password).await?,
    };
    let id = store.create_user(&user, at).await?;
    store
        .record_audit(&AuditEvent {
            at,
            actor: actor.to_string(),
            action: "user.add".into(),
            target: login.to_string(),
            detail: format!("{}，{}", spec.role.label_zh(), unit.data.name),
        })
        .await?;
    Ok(id)
}

/// Sets a new password for `login` (at least 8 characters); the user's sessions end and their
/// API tokens are revoked for good. Recorded in the audit as `user.passwd` by `actor` (the
/// password is not).
pub async fn reset_password(
    store: &dyn Store,
    login: &str,
    password: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    if password.chars().count() < 8 {
        return Err(AppError::invalid("密码至少 8 位"));
    }
    let user = existing_user(store, login).await?;
    store
        .set_password(user.id, &hash_password_bounded(password).await?)
        .await?;
    let revoked = store.revoke_api_tokens_of(user.id).await?;
    store
        .record_audit(&AuditEvent {
            at,
            actor: actor.to_string(),
            action: "user.passwd".into(),
            target: user.login,
            detail: format!("重设密码，会话已全部注销，吊销 API 令牌 {revoked} 个"),
        })
        .await?;
    Ok(())
}

/// Revokes every API token of `login` for good (a new token must be issued); returns how many
/// were live. Recorded in the audit as `token.revoke` by `actor`.
pub async fn revoke_api_tokens(
    store: &dyn Store,
    login: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<u64, AppError> {
    let user = existing_user(store, login).await?;
    let revoked = store.revoke_api_tokens_of(user.id).await?;
    store
        .record_audit(&AuditEvent {
            at,
            actor: actor.to_string(),
            action: "token.revoke".into(),
            target: user.login,
            detail: format!("吊销全部 API 令牌（{revoked} 个）"),
        })
        .await?;
    Ok(revoked)
}

/// Enables or disables `login`. Disabling ends the user's sessions and revokes their API tokens
/// for good: enabling again does not revive them. Recorded in the audit as `user.enable` or
/// `user.disable` by `actor`.
pub async fn set_user_active(
    store: &dyn Store,
    login: &str,
    active: bool,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<(), AppError> {
    let user = existing_user(store, login).await?;
    store.set_user_active(user.id, active).await?;
    let detail = if active {
        String::new()
    } else {
        let revoked = store.revoke_api_tokens_of(user.id).await?;
        format!("会话已注销，吊销 API 令牌 {revoked} 个")
    };
    store
        .record_audit(&AuditEvent {
            at,
            actor: actor.to_string(),
            action: if active {
                "user.enable"
            } else {
                "user.disable"
            }
            .into(),
            target: user.login,
            detail,
        })
        .await?;
    Ok(())
}

async fn existing_user(store: &dyn Store, login: &str) -> Result<StoredUser, AppError> {
    store
        .user_by_login(login)
        .await?
        .ok_or_else(|| AppError::invalid(format!("没有用户“{login}”")))
}

async fn find_unit(store: &dyn Store, code: &str) -> Result<yiping_kernel::Entity, AppError> {
    let code = code.trim();
    let parsed = EntityCode::parse(code)
        .map_err(|e| AppError::invalid(format!("单位代码“{code}”无效：{e}")))?;
    let all = store.all_entities().await?;
    all.into_iter()
        .find(|e| e.data.code.as_ref() == Some(&parsed))
        .ok_or_else(|| AppError::invalid(format!("没有代码为“{code}”的单位")))
}

/// Why a sign-in failed. The message never says whether the login exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    #[error("用户名或密码错误")]
    Wrong,
    #[error("登录失败次数过多，请 15 分钟后再试")]
    Throttled,
}

/// A new session: the secret for the cookie and the CSRF token for forms.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub secret: String,
    pub csrf: String,
    pub user: StoredUser,
    pub expires_at: DateTime<Utc>,
}

/// Checks the throttle and the password, records the attempt and opens a session. A refusal is
/// [`AppError::SignIn`] (its message never says whether the login exists).
///
/// The throttle reserves the attempt before the password is checked, in one step with the
/// check (`Store::reserve_attempt`), under three keys: this login from this address
/// ([`MAX_FAILURES_PER_LOGIN`]), this address ([`MAX_FAILURES_PER_IP`], so that one person's
/// failures do not lock out the others of a shared office) and this login from anywhere
/// ([`MAX_FAILURES_PER_LOGIN_ANYWHERE`]). A success gives its reservation back, so only
/// failures count. The password is hashed on the bounded blocking pool
/// ([`secrets::verify_password_bounded`]), never on the threads answering requests.
pub async fn sign_in(
    store: &dyn Store,
    login: &str,
    password: &str,
    ip: &str,
    user_agent: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SignedIn, AppError> {
    let login = login.trim();
    let record = |success: bool, reason: &str| LoginRecord {
        login: login.chars().take(200).collect(),
        ip: ip.to_string(),
        at: now,
        success,
        reason: reason.to_string(),
    };
    let keys = throttle_keys(login, ip);
    let window = throttle_window(now);
    if !store.reserve_attempt(&keys, window).await? {
        store.record_login(&record(false, "throttled")).await?;
        return Err(SignInError::Throttled.into());
    }
    let user = store.user_by_login(login).await?;
    let Some(user) = user.filter(|u| u.active) else {
        // Spend the same time as a real check so that timing does not reveal the login.
        let _ = verify_password_bounded(password, dummy_hash()).await;
        store
            .record_login(&record(false, "unknown or disabled"))
            .await?;
        return Err(SignInError::Wrong.into());
    };
    if !verify_password_bounded(password, &user.password_hash).await {
        store.record_login(&record(false, "wrong password")).await?;
        return Err(SignInError::Wrong.into());
    }
    let names: Vec<String> = keys.into_iter().map(|k| k.key).collect();
    store.release_attempt(&names, window).await?;
    let secret = new_secret();
    let csrf = new_secret();
    let expires_at = now + SESSION_TTL;
    store
        .create_session(&NewSession {
            key_hash: secret_hash(&secret),
            user_id: user.id,
            csrf: csrf.clone(),
            created_at: now,
            expires_at,
            ip: Some(ip.to_string()),
            user_agent: user_agent.map(|s| s.chars().take(200).collect()),
        })
        .await?;
    store.record_login(&record(true, "ok")).await?;
    Ok(SignedIn {
        secret,
        csrf,
        user,
        expires_at,
    })
}

/// A hash of a random password, verified against when the login does not exist.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&new_secret()).unwrap_or_default())
}

/// The user, CSRF token and expiry of a live session.
pub async fn session_user(
    store: &dyn Store,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<Option<(StoredUser, String, DateTime<Utc>)>, AppError> {
    Ok(store
        .session(&secret_hash(secret), now)
        .await?
        .map(|s| (s.user, s.csrf, s.expires_at)))
}

/// Ends a session (sign-out) and records it.
pub async fn sign_out(
    store: &dyn Store,
    secret: &str,
    login: &str,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    store.delete_session(&secret_hash(secret)).await?;
    store
        .record_login(&LoginRecord {
            login: login.to_string(),
            ip: ip.to_string(),
            at: now,
            success: true,
            reason: "logout".into(),
        })
        .await?;
    Ok(())
}

/// The user of an API token.
pub async fn token_user(store: &dyn Store, token: &str) -> Result<Option<StoredUser>, AppError> {
    Ok(store.api_token_user(&secret_hash(token)).await?)
}

/// Issues an API token for `login`; the secret is returned once and stored only as a hash.
pub async fn issue_api_token(
    store: &dyn Store,
    login: &str,
    name: &str,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<String, AppError> {
    let user = store
        .user_by_login(login)
        .await?
        .ok_or_else(|| AppError::invalid(format!("没有用户“{login}”")))?;
    let secret = format!("yp_{}", new_secret());
    store
        .create_api_token(user.id, name, &secret_hash(&secret), at)
        .await?;
    store
        .record_audit(&AuditEvent {
            at,
            actor: actor.to_string(),
            action: "token.issue".into(),
            target: login.to_string(),
            detail: name.to_string(),
        })
        .await?;
    Ok(secret)
}

/// The principal of a stored user: role parsed, unit named, scope from the cache.
pub async fn principal(
    store: &dyn Store,
    scopes: &ScopeCache,
    user: &StoredUser,
) -> Result<Principal, AppError> {
    let role: Role = user
        .role
        .parse()
        .map_err(|e: String| AppError::Store(StoreError::corrupt(e)))?;
    let (scope, unit_name) = scopes.scope(store, user.unit, role).await?;
    Ok(Principal {
        user_id: user.id,
        login: user.login.clone(),
        name: user.name.clone(),
        role,
        unit: user.unit,
        unit_name,
        scope,
    })
}

#[cfg(test)]
mod tests;
