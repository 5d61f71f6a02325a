//! What people are told ([`NotificationStore`]): notifications kept per user, read or unread,
//! and the deliveries that carry copies outside the platform (e-mail, a group robot's webhook)
//! with every attempt logged.
//!
//! The application decides who is told what (`yiping_app::notifications`); the store keeps the
//! rows and answers per user, so that a user's list and marks can never reach another's.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::{Page, Paged, StoreResult};

/// A notification to store for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub user_id: i64,
    /// What it is about, as a code the application names (`dispatch`, `remind`, …).
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The page it points to (an item's page), if any.
    pub link: Option<String>,
    /// A notice that must reach this user once only (a deadline's warning) carries a key; a
    /// second one with the same key for the same user is not stored.
    pub dedup_key: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredNotification {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A copy to send outside the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// The channel's code (`email`, `webhook`).
    pub channel: String,
    /// Where to: an e-mail address or a webhook URL.
    pub target: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    Sent,
    /// Given up after the last allowed attempt.
    Failed,
}

impl DeliveryStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Failed]
            .into_iter()
            .find(|s| s.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Pending => "待发送",
            Self::Sent => "已发送",
            Self::Failed => "发送失败",
        }
    }
}

/// A stored delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredDelivery {
    pub id: i64,
    pub channel: String,
    pub target: String,
    pub subject: String,
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// What one attempt at a delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Sent,
    /// Failed; tried again at the time given, or given up (`None`).
    Failed {
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// One logged attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryAttempt {
    pub delivery_id: i64,
    pub at: DateTime<Utc>,
    pub ok: bool,
    /// `"ok"` or the error.
    pub detail: String,
}

/// Storage of notifications and deliveries. Part of [`crate::Store`].
#[async_trait]
pub trait NotificationStore: Send + Sync {
    /// Stores the notifications in one transaction, skipping one whose (user, key) is already
    /// stored; returns, for each in order, its id (`None`: skipped).
    async fn add_notifications(&self, items: &[NewNotification]) -> StoreResult<Vec<Option<i64>>>;

    /// A page of the user's notifications, newest first (only the unread with `unread_only`).
    async fn notifications(
        &self,
        user_id: i64,
        unread_only: bool,
        page: Page,
    ) -> StoreResult<Paged<StoredNotification>>;

    /// How many of the user's notifications are unread.
    async fn unread_notifications(&self, user_id: i64) -> StoreResult<u64>;

    /// Marks the user's notification `id` read at `at` (a read one keeps its first time) and
    /// returns it as marked; `None` when the user has no notification `id`.
    async fn mark_notification_read(
        &self,
        user_id: i64,
        id: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<StoredNotification>>;

    /// Marks every unread notification of the user read; returns how many.
    async fn mark_all_notifications_read(
        &self,
        user_id: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<u64>;

    /// Queues deliveries (pending, due at once) in one transaction; returns their ids.
    async fn queue_deliveries(&self, items: &[NewDelivery]) -> StoreResult<Vec<i64>>;

    /// Up to `limit` pending deliveries due at `now`, oldest first.
    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<StoredDelivery>>;

    /// Records an attempt at delivery `id` made at `at`: logs it, counts it and sets the status
    /// (sent; pending until `retry_at`; failed for good without one). Only a pending delivery is
    /// changed; returns whether it was.
    async fn record_attempt(
        &self,
        id: i64,
        at: DateTime<Utc>,
        outcome: &AttemptOutcome,
    ) -> StoreResult<bool>;

    /// A page of the deliveries, newest first.
    async fn deliveries(&self, page: Page) -> StoreResult<Paged<StoredDelivery>>;

    /// The attempts at delivery `id`, oldest first.
    async fn delivery_attempts(&self, id: i64) -> StoreResult<Vec<DeliveryAttempt>>;
}
