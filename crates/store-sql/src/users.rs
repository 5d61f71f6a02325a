//! Users, sessions, API tokens and sign-in attempts ([`yiping_store::UserStore`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use yiping_kernel::EntityId;
use yiping_store::{
    ApiTokenInfo, LoginRecord, NewSession, NewUser, StoreError, StoreResult, StoredSession,
    StoredUser, ThrottleKey, UserStore,
};

use crate::SqlStore;
use crate::errors::map_err;
use crate::rows::{get, parse_ts, ts};

const USER_COLS: &str = "u.id, u.login, u.name, u.role, u.unit_id, u.password_hash, u.active, \
                         u.created_at";

fn user_row(r: &AnyRow) -> StoreResult<StoredUser> {
    Ok(StoredUser {
        id: get(r, "id")?,
        login: get(r, "login")?,
        name: get(r, "name")?,
        role: get(r, "role")?,
        unit: EntityId(get(r, "unit_id")?),
        password_hash: get(r, "password_hash")?,
        active: get::<i64>(r, "active")? != 0,
        created_at: parse_ts("created_at", &get::<String>(r, "created_at")?)?,
    })
}

fn not_found(what: String) -> StoreError {
    StoreError::NotFound { what }
}

impl SqlStore {
    async fn user_where(
        &self,
        cond: &'static str,
        arg: SqlArg<'_>,
    ) -> StoreResult<Option<StoredUser>> {
        let q = format!("SELECT {USER_COLS} FROM users u WHERE {cond}");
        // Built from constants only.
        let q = sqlx::query(sqlx::AssertSqlSafe(q));
        let q = match arg {
            SqlArg::Text(t) => q.bind(t.to_string()),
            SqlArg::Int(i) => q.bind(i),
        };
        let row = q.fetch_optional(self.pool()).await.map_err(map_err)?;
        row.as_ref().map(user_row).transpose()
    }

    /// Runs a statement that must touch one row of `table` with id `id`.
    async fn update_one(
        &self,
        sql: &'static str,
        id: i64,
        value: SqlArg<'_>,
        what: &str,
    ) -> StoreResult<()> {
        let q = sqlx::query(sql);
        let q = match value {
            SqlArg::Text(t) => q.bind(t.to_string()),
            SqlArg::Int(i) => q.bind(i),
        };
        let done = q.bind(id).execute(self.pool()).await.map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(not_found(format!("{what} {id}")));
        }
        Ok(())
    }

    async fn end_sessions_of(&self, user_id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(self.pool())
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

enum SqlArg<'a> {
    Text(&'a str),
    Int(i64),
}

#[async_trait]
impl UserStore for SqlStore {
    async fn create_user(&self, user: &NewUser, at: DateTime<Utc>) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO users (login, name, role, unit_id, password_hash, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
        )
        .bind(user.login.clone())
        .bind(user.name.clone())
        .bind(user.role.clone())
        .bind(user.unit.0)
        .bind(user.password_hash.clone())
        .bind(ts(at))
        .fetch_one(self.pool())
        .await
        .map_err(|e| match map_err(e) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                what: format!("登录名“{}”已被使用", user.login),
            },
            StoreError::Invalid { .. } => StoreError::Invalid {
                reason: format!("单位 {} 不存在", user.unit.0),
            },
            other => other,
        })?;
        get(&row, "id")
    }

    async fn user_by_login(&self, login: &str) -> StoreResult<Option<StoredUser>> {
        self.user_where("u.login = $1", SqlArg::Text(login)).await
    }

    async fn user(&self, id: i64) -> StoreResult<Option<StoredUser>> {
        self.user_where("u.id = $1", SqlArg::Int(id)).await
    }

    async fn users(&self) -> StoreResult<Vec<StoredUser>> {
        let q = format!("SELECT {USER_COLS} FROM users u ORDER BY u.login");
        let rows = sqlx::query(sqlx::AssertSqlSafe(q))
            .fetch_all(self.pool())
            .await
            .map_err(map_err)?;
        rows.iter().map(user_row).collect()
    }

    async fn set_password(&self, id: i64, password_hash: &str) -> StoreResult<()> {
        self.update_one(
            "UPDATE users SET password_hash = $1 WHERE id = $2",
            id,
            SqlArg::Text(password_hash),
            "用户",
        )
        .await?;
        self.end_sessions_of(id).await
    }

    async fn set_user_active(&self, id: i64, active: bool) -> StoreResult<()> {
        self.update_one(
            "UPDATE users SET active = $1 WHERE id = $2",
            id,
            SqlArg::Int(i64::from(active)),
            "用户",
        )
        .await?;
        if !active {
            self.end_sessions_of(id).await?;
        }
        Ok(())
    }

    async fn create_session(&self, s: &NewSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (key_hash, user_id, csrf, created_at, expires_at, ip, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(s.key_hash.clone())
        .bind(s.user_id)
        .bind(s.csrf.clone())
        .bind(ts(s.created_at))
        .bind(ts(s.expires_at))
        .bind(s.ip.clone())
        .bind(s.user_agent.clone())
        .execute(self.pool())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn session(
        &self,
        key_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<StoredSession>> {
        let q = format!(
            "SELECT s.key_hash, s.csrf, s.created_at AS s_created, s.expires_at, {USER_COLS} \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.key_hash = $1 AND s.expires_at > $2 AND u.active = 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(q))
            .bind(key_hash.to_string())
            .bind(ts(now))
            .fetch_optional(self.pool())
            .await
            .map_err(map_err)?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(StoredSession {
            key_hash: get(&r, "key_hash")?,
            csrf: get(&r, "csrf")?,
            created_at: parse_ts("created_at", &get::<String>(&r, "s_created")?)?,
            expires_at: parse_ts("expires_at", &get::<String>(&r, "expires_at")?)?,
            user: user_row(&r)?,
        }))
    }

    async fn delete_session(&self, key_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE key_hash = $1")
            .bind(key_hash.to_string())
            .execute(self.pool())
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn purge_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(ts(now))
            .execute(self.pool())
            .await
            .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let row = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at, revoked) \
             VALUES ($1, $2, $3, $4, 0) RETURNING id",
        )
        .bind(user_id)
        .bind(name.to_string())
        .bind(token_hash.to_string())
        .bind(ts(at))
        .fetch_one(self.pool())
        .await
        .map_err(map_err)?;
        get(&row, "id")
    }

    async fn api_token_user(&self, token_hash: &str) -> StoreResult<Option<StoredUser>> {
        self.user_where(
            "u.active = 1 AND u.id = (SELECT t.user_id FROM api_tokens t \
             WHERE t.token_hash = $1 AND t.revoked = 0)",
            SqlArg::Text(token_hash),
        )
        .await
    }

    async fn api_tokens(&self, user_id: i64) -> StoreResult<Vec<ApiTokenInfo>> {
        let rows = sqlx::query(
            "SELECT id, user_id, name, created_at, revoked FROM api_tokens \
             WHERE user_id = $1 ORDER BY id",
        )
        .bind(user_id)
        .fetch_all(self.pool())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(ApiTokenInfo {
                    id: get(r, "id")?,
                    user_id: get(r, "user_id")?,
                    name: get(r, "name")?,
                    created_at: parse_ts("created_at", &get::<String>(r, "created_at")?)?,
                    revoked: get::<i64>(r, "revoked")? != 0,
                })
            })
            .collect()
    }

    async fn revoke_api_token(&self, id: i64) -> StoreResult<()> {
        self.update_one(
            "UPDATE api_tokens SET revoked = $1 WHERE id = $2",
            id,
            SqlArg::Int(1),
            "API 令牌",
        )
        .await
    }

    async fn revoke_api_tokens_of(&self, user_id: i64) -> StoreResult<u64> {
        let done =
            sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE user_id = $1 AND revoked = 0")
                .bind(user_id)
                .execute(self.pool())
                .await
                .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    async fn reserve_attempt(&self, keys: &[ThrottleKey], window: i64) -> StoreResult<bool> {
        // One order for every caller, so that PostgreSQL's row locks cannot deadlock.
        let mut keys: Vec<&ThrottleKey> = keys.iter().collect();
        keys.sort_by(|a, b| a.key.cmp(&b.key));
        keys.dedup_by(|a, b| a.key == b.key);
        let mut tx = self
            .pool()
            .begin_with(self.dialect.begin_write())
            .await
            .map_err(map_err)?;
        sqlx::query("DELETE FROM login_throttle WHERE window_no < $1")
            .bind(window - 1)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        for k in keys {
            // The upsert counts and locks the row in one statement; the previous window is read
            // in the same transaction.
            let row = sqlx::query(
                "INSERT INTO login_throttle (key, window_no, attempts) VALUES ($1, $2, 1) \
                 ON CONFLICT (key, window_no) DO UPDATE \
                 SET attempts = login_throttle.attempts + 1 \
                 RETURNING attempts",
            )
            .bind(k.key.clone())
            .bind(window)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
            let before = sqlx::query(
                "SELECT attempts FROM login_throttle WHERE key = $1 AND window_no = $2",
            )
            .bind(k.key.clone())
            .bind(window - 1)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            let before = match before {
                Some(r) => get::<i64>(&r, "attempts")?,
                None => 0,
            };
            let n = get::<i64>(&row, "attempts")? + before;
            if n > i64::from(k.limit) {
                tx.rollback().await.map_err(map_err)?;
                return Ok(false);
            }
        }
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn release_attempt(&self, keys: &[String], window: i64) -> StoreResult<()> {
        let mut tx = self
            .pool()
            .begin_with(self.dialect.begin_write())
            .await
            .map_err(map_err)?;
        let mut keys: Vec<&String> = keys.iter().collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            sqlx::query(
                "UPDATE login_throttle SET attempts = attempts - 1 \
                 WHERE key = $1 AND window_no = $2 AND attempts > 0",
            )
            .bind(k.clone())
            .bind(window)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(())
    }

    async fn record_login(&self, r: &LoginRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO login_attempts (login, ip, at, success, reason) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(r.login.clone())
        .bind(r.ip.clone())
        .bind(ts(r.at))
        .bind(i64::from(r.success))
        .bind(r.reason.clone())
        .execute(self.pool())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn failed_logins_since(
        &self,
        login: &str,
        ip: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<(u32, u32)> {
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM login_attempts WHERE login = $1 AND at >= $3 AND success = 0) \
                 AS by_login, \
               (SELECT COUNT(*) FROM login_attempts WHERE ip = $2 AND at >= $3 AND success = 0) \
                 AS by_ip",
        )
        .bind(login.to_string())
        .bind(ip.to_string())
        .bind(ts(since))
        .fetch_one(self.pool())
        .await
        .map_err(map_err)?;
        let n = |c: &str| -> StoreResult<u32> {
            Ok(u32::try_from(get::<i64>(&row, c)?).unwrap_or(u32::MAX))
        };
        Ok((n("by_login")?, n("by_ip")?))
    }

    async fn login_records(&self, limit: u32) -> StoreResult<Vec<LoginRecord>> {
        let rows = sqlx::query(
            "SELECT login, ip, at, success, reason FROM login_attempts \
             ORDER BY at DESC, id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(LoginRecord {
                    login: get(r, "login")?,
                    ip: get(r, "ip")?,
                    at: parse_ts("at", &get::<String>(r, "at")?)?,
                    success: get::<i64>(r, "success")? != 0,
                    reason: get(r, "reason")?,
                })
            })
            .collect()
    }
}
