//! Notifications and their deliveries ([`yiping_store::NotificationStore`]): `notifications`
//! (one row per user and notice; a unique (user, key) index keeps a once-only notice single),
//! `notification_deliveries` (one row per copy sent outside, with its status and next attempt)
//! and `notification_attempts` (the delivery log). Every statement on notifications names the
//! user, so a user's marks never reach another's rows.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use yiping_store::{
    AttemptOutcome, DeliveryAttempt, DeliveryStatus, NewDelivery, NewNotification,
    NotificationStore, Page, Paged, StoreError, StoreResult, StoredDelivery, StoredNotification,
};

use crate::SqlStore;
use crate::errors::map_err;
use crate::rows::{get, parse_ts, ts};

fn opt_ts(r: &AnyRow, col: &str) -> StoreResult<Option<DateTime<Utc>>> {
    get::<Option<String>>(r, col)?
        .map(|t| parse_ts(col, &t))
        .transpose()
}

fn notification_row(r: &AnyRow) -> StoreResult<StoredNotification> {
    Ok(StoredNotification {
        id: get(r, "id")?,
        user_id: get(r, "user_id")?,
        kind: get(r, "kind")?,
        title: get(r, "title")?,
        body: get(r, "body")?,
        link: get(r, "link")?,
        created_at: parse_ts("created_at", &get::<String>(r, "created_at")?)?,
        read_at: opt_ts(r, "read_at")?,
    })
}

fn delivery_row(r: &AnyRow) -> StoreResult<StoredDelivery> {
    let status: String = get(r, "status")?;
    Ok(StoredDelivery {
        id: get(r, "id")?,
        channel: get(r, "channel")?,
        target: get(r, "target")?,
        subject: get(r, "subject")?,
        body: get(r, "body")?,
        status: DeliveryStatus::parse(&status)
            .ok_or_else(|| StoreError::corrupt(format!("列 status 的值“{status}”无法识别")))?,
        attempts: u32::try_from(get::<i64>(r, "attempts")?).unwrap_or(u32::MAX),
        next_attempt_at: parse_ts("next_attempt_at", &get::<String>(r, "next_attempt_at")?)?,
        last_error: get(r, "last_error")?,
        created_at: parse_ts("created_at", &get::<String>(r, "created_at")?)?,
        sent_at: opt_ts(r, "sent_at")?,
    })
}

const NOTIFICATION_COLS: &str = "id, user_id, kind, title, body, link, created_at, read_at";
const DELIVERY_COLS: &str = "id, channel, target, subject, body, status, attempts, \
                             next_attempt_at, last_error, created_at, sent_at";

fn limit_offset(page: Page) -> (i64, i64) {
    (
        i64::from(page.limit),
        i64::try_from(page.offset).unwrap_or(i64::MAX),
    )
}

#[async_trait]
impl NotificationStore for SqlStore {
    async fn add_notifications(&self, items: &[NewNotification]) -> StoreResult<Vec<Option<i64>>> {
        let mut tx = self
            .pool()
            .begin_with(self.dialect.begin_write())
            .await
            .map_err(map_err)?;
        let mut ids = Vec::with_capacity(items.len());
        for n in items {
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO notifications \
                 (user_id, kind, title, body, link, dedup_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (user_id, dedup_key) DO NOTHING RETURNING id",
            )
            .bind(n.user_id)
            .bind(n.kind.clone())
            .bind(n.title.clone())
            .bind(n.body.clone())
            .bind(n.link.clone())
            .bind(n.dedup_key.clone())
            .bind(ts(n.created_at))
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
            ids.push(id);
        }
        tx.commit().await.map_err(map_err)?;
        Ok(ids)
    }

    async fn notifications(
        &self,
        user_id: i64,
        unread_only: bool,
        page: Page,
    ) -> StoreResult<Paged<StoredNotification>> {
        let cond = if unread_only {
            "user_id = $1 AND read_at IS NULL"
        } else {
            "user_id = $1"
        };
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM notifications WHERE {cond}"
        )))
        .bind(user_id)
        .fetch_one(self.pool())
        .await
        .map_err(map_err)?;
        let (limit, offset) = limit_offset(page);
        // Built from constants only.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTIFICATION_COLS} FROM notifications WHERE {cond} \
             ORDER BY id DESC LIMIT $2 OFFSET $3"
        )))
        .bind(user_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await
        .map_err(map_err)?;
        Ok(Paged {
            items: rows
                .iter()
                .map(notification_row)
                .collect::<StoreResult<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
            limit: page.limit,
            offset: page.offset,
        })
    }

    async fn unread_notifications(&self, user_id: i64) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await
        .map_err(map_err)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn mark_notification_read(
        &self,
        user_id: i64,
        id: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<StoredNotification>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTIFICATION_COLS} FROM notifications WHERE id = $1 AND user_id = $2"
        )))
        .bind(id)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await
        .map_err(map_err)?;
        let Some(mut n) = row.as_ref().map(notification_row).transpose()? else {
            return Ok(None);
        };
        if n.read_at.is_none() {
            sqlx::query(
                "UPDATE notifications SET read_at = $1 \
                 WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
            )
            .bind(ts(at))
            .bind(id)
            .bind(user_id)
            .execute(self.pool())
            .await
            .map_err(map_err)?;
            n.read_at = Some(at);
        }
        Ok(Some(n))
    }

    async fn mark_all_notifications_read(
        &self,
        user_id: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
        )
        .bind(ts(at))
        .bind(user_id)
        .execute(self.pool())
        .await
        .map_err(map_err)?;
        Ok(done.rows_affected())
    }

    async fn queue_deliveries(&self, items: &[NewDelivery]) -> StoreResult<Vec<i64>> {
        let mut tx = self
            .pool()
            .begin_with(self.dialect.begin_write())
            .await
            .map_err(map_err)?;
        let mut ids = Vec::with_capacity(items.len());
        for d in items {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO notification_deliveries \
                 (channel, target, subject, body, status, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5) RETURNING id",
            )
            .bind(d.channel.clone())
            .bind(d.target.clone())
            .bind(d.subject.clone())
            .bind(d.body.clone())
            .bind(ts(d.created_at))
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
            ids.push(id);
        }
        tx.commit().await.map_err(map_err)?;
        Ok(ids)
    }

    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<StoredDelivery>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLS} FROM notification_deliveries \
             WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2"
        )))
        .bind(ts(now))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await
        .map_err(map_err)?;
        rows.iter().map(delivery_row).collect()
    }

    async fn record_attempt(
        &self,
        id: i64,
        at: DateTime<Utc>,
        outcome: &AttemptOutcome,
    ) -> StoreResult<bool> {
        let mut tx = self
            .pool()
            .begin_with(self.dialect.begin_write())
            .await
            .map_err(map_err)?;
        let (status, next, error, sent_at) = match outcome {
            AttemptOutcome::Sent => (DeliveryStatus::Sent, at, None, Some(ts(at))),
            AttemptOutcome::Failed { error, retry_at } => (
                if retry_at.is_some() {
                    DeliveryStatus::Pending
                } else {
                    DeliveryStatus::Failed
                },
                retry_at.unwrap_or(at),
                Some(error.clone()),
                None,
            ),
        };
        let done = sqlx::query(
            "UPDATE notification_deliveries SET status = $1, attempts = attempts + 1, \
             next_attempt_at = $2, last_error = $3, sent_at = $4 \
             WHERE id = $5 AND status = 'pending'",
        )
        .bind(status.code())
        .bind(ts(next))
        .bind(error.clone())
        .bind(sent_at)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO notification_attempts (delivery_id, at, ok, detail) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(ts(at))
        .bind(i64::from(error.is_none()))
        .bind(error.unwrap_or_else(|| "ok".to_string()))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn deliveries(&self, page: Page) -> StoreResult<Paged<StoredDelivery>> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notification_deliveries")
            .fetch_one(self.pool())
            .await
            .map_err(map_err)?;
        let (limit, offset) = limit_offset(page);
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLS} FROM notification_deliveries \
             ORDER BY id DESC LIMIT $1 OFFSET $2"
        )))
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await
        .map_err(map_err)?;
        Ok(Paged {
            items: rows.iter().map(delivery_row).collect::<StoreResult<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
            limit: page.limit,
            offset: page.offset,
        })
    }

    async fn delivery_attempts(&self, id: i64) -> StoreResult<Vec<DeliveryAttempt>> {
        let rows = sqlx::query(
            "SELECT delivery_id, at, ok, detail FROM notification_attempts \
             WHERE delivery_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(DeliveryAttempt {
                    delivery_id: get(r, "delivery_id")?,
                    at: parse_ts("at", &get::<String>(r, "at")?)?,
                    ok: get::<i64>(r, "ok")? != 0,
                    detail: get(r, "detail")?,
                })
            })
            .collect()
    }
}
