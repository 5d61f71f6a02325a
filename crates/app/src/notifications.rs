//! Notifications that reach people: who is told what, kept per user with read/unread, and the
//! use cases of the bell and the list (`list`, `unread_count`, `mark_read`, `mark_all_read`).
//!
//! Where they come from:
//! - the engine's `Effect::Notify` of every command that went through
//!   [`crate::work_items::transition_loaded`] (people through the door, the jobs, the automatic
//!   dispatch, directives): [`from_effects`] resolves the recipient — a unit's users who work
//!   items there (roles with 办理事项), or one person by login — and names the kind by the
//!   command (派单, 催办, 升级, else 事项动态);
//! - the jobs' deadline warnings ([`deadline_warning`]): 签收提醒 for an item waiting to be
//!   signed, 临期预警 otherwise, once per deadline and person;
//! - alert rules firing ([`alert_fired`]), to the users of the unit the alert is about.
//!
//! The person who caused a notice is not told of it. Notices are written after the change they
//! report has committed; a failure to write them is logged and does not undo the change.
//!
//! Every read and mark names the signed-in user: a user only ever sees and marks their own
//! notifications (another's id is "not found", as if it did not exist).

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use yiping_access::{Capability, Principal, Role};
use yiping_flow::{CommandKind, Effect, ItemId, Recipient, Stage, WorkItem};
use yiping_kernel::EntityId;
use yiping_store::{NewDelivery, NewNotification, Page, Paged, Store, StoredNotification};

use crate::AppError;

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 派单: an item dispatched, assigned or fanned out to a unit.
    Dispatch,
    /// 签收提醒: a dispatched item not yet signed nears its signing deadline.
    SignReminder,
    /// 临期预警: an item nears its deadline.
    DeadlineWarning,
    /// 催办.
    Remind,
    /// 升级.
    Escalate,
    /// 监测预警: an alert rule fired.
    Alert,
    /// Any other step of an item (立案, 反馈, 返工 …).
    Item,
}

impl Kind {
    pub const ALL: [Self; 7] = [
        Self::Dispatch,
        Self::SignReminder,
        Self::DeadlineWarning,
        Self::Remind,
        Self::Escalate,
        Self::Alert,
        Self::Item,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Dispatch => "dispatch",
            Self::SignReminder => "sign_reminder",
            Self::DeadlineWarning => "deadline_warning",
            Self::Remind => "remind",
            Self::Escalate => "escalate",
            Self::Alert => "alert",
            Self::Item => "item",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Dispatch => "派单",
            Self::SignReminder => "签收提醒",
            Self::DeadlineWarning => "临期预警",
            Self::Remind => "催办",
            Self::Escalate => "升级",
            Self::Alert => "监测预警",
            Self::Item => "事项动态",
        }
    }

    /// The kind of the notices a command sends.
    pub fn of_command(kind: CommandKind) -> Self {
        match kind {
            CommandKind::Dispatch | CommandKind::FanOut | CommandKind::Adjudicate => Self::Dispatch,
            CommandKind::Remind => Self::Remind,
            CommandKind::Escalate => Self::Escalate,
            _ => Self::Item,
        }
    }
}

/// The Chinese name of a stored kind code (the code itself is never shown).
pub fn kind_label(code: &str) -> &'static str {
    Kind::parse(code).map_or("通知", Kind::label_zh)
}

/// A notice before its recipients are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    /// Sent once per person (see [`yiping_store::NewNotification::dedup_key`]).
    pub once: Option<String>,
}

/// Who a notice goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum To {
    /// The active users of a unit who work items there (roles with 办理事项).
    Unit(EntityId),
    /// One person by login.
    Login(String),
}

impl From<&Recipient> for To {
    fn from(r: &Recipient) -> Self {
        match r {
            Recipient::Unit(u) => Self::Unit(*u),
            Recipient::User(u) => Self::Login(u.as_str().to_string()),
        }
    }
}

/// The page of an item.
pub fn item_link(id: ItemId) -> String {
    format!("/items/{id}")
}

/// Stores `notices` for their recipients at `at`, leaving out `except` (the login of who caused
/// them), and queues their copies outside the platform ([`crate::delivery`]: an e-mail to each
/// person stored with an address in `notify.toml`, a post to the group robot of a unit a notice
/// is for). Returns the stored notifications' ids. A login without an account (an Open311
/// requester's e-mail) has no inbox and is skipped; a once-only notice already stored for a
/// person is neither stored nor sent again.
pub async fn send(
    store: &dyn Store,
    notices: &[(To, Notice)],
    except: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Vec<i64>, AppError> {
    if notices.is_empty() {
        return Ok(Vec::new());
    }
    let users = store.users().await?;
    let mut rows: Vec<NewNotification> = Vec::new();
    // For each row: the recipient's login and the notice it comes from.
    let mut origin: Vec<(&str, usize)> = Vec::new();
    for (i, (to, notice)) in notices.iter().enumerate() {
        let recipients = users.iter().filter(|u| u.active).filter(|u| match to {
            To::Unit(unit) => {
                u.unit == *unit
                    && u.role
                        .parse::<Role>()
                        .is_ok_and(|r| r.can(Capability::HandleItems))
            }
            To::Login(login) => &u.login == login,
        });
        for u in recipients {
            if except == Some(u.login.as_str()) {
                continue;
            }
            // One notice per person, even when two effects name the same person.
            if rows
                .iter()
                .any(|r| r.user_id == u.id && r.title == notice.title && r.body == notice.body)
            {
                continue;
            }
            rows.push(NewNotification {
                user_id: u.id,
                kind: notice.kind.code().to_string(),
                title: notice.title.clone(),
                body: notice.body.clone(),
                link: notice.link.clone(),
                dedup_key: notice.once.clone(),
                created_at: at,
            });
            origin.push((u.login.as_str(), i));
        }
    }
    let stored = store.add_notifications(&rows).await?;
    let settings = crate::config::notify_settings(store).await?;
    let mut copies = Vec::new();
    for ((login, _), (row, id)) in origin.iter().zip(rows.iter().zip(&stored)) {
        if let (Some(_), Some(address)) = (id, settings.email_of(login)) {
            copies.push(NewDelivery {
                channel: crate::delivery::EMAIL.into(),
                target: address.to_string(),
                subject: row.title.clone(),
                body: format!("{}\n\n（一屏·运行与治理中心 “我的通知”）", row.body),
                created_at: at,
            });
        }
    }
    if !settings.webhook.is_empty() {
        for (i, (to, notice)) in notices.iter().enumerate() {
            let To::Unit(unit) = to else { continue };
            let mut rows_of = origin.iter().zip(&stored).filter(|((_, n), _)| *n == i);
            let any_row = rows_of.clone().next().is_some();
            let sent = rows_of.any(|(_, id)| id.is_some()) || (!any_row && notice.once.is_none());
            if !sent {
                continue;
            }
            let Some(code) = store.entity(*unit).await?.and_then(|e| e.data.code) else {
                continue;
            };
            for url in settings.webhooks_of(code.as_str()) {
                copies.push(NewDelivery {
                    channel: crate::delivery::WEBHOOK.into(),
                    target: url.to_string(),
                    subject: notice.title.clone(),
                    body: notice.body.clone(),
                    created_at: at,
                });
            }
        }
    }
    crate::delivery::queue(store, &copies).await?;
    Ok(stored.into_iter().flatten().collect())
}

/// [`send`] that logs a failure instead of returning it: for notices of a change already
/// committed, which must not fail because a notice could not be written.
pub async fn send_logged(
    store: &dyn Store,
    notices: &[(To, Notice)],
    except: Option<&str>,
    at: DateTime<Utc>,
) {
    if let Err(e) = send(store, notices, except, at).await {
        tracing::warn!(error = %e, "通知未能写入");
    }
}

fn title_of(kind: Kind, item: &WorkItem) -> String {
    format!("{}：{}", kind.label_zh(), item.title)
}

/// The notices of a command's effects on `item` (as it is after the command).
pub fn from_effects(
    item: &WorkItem,
    command: CommandKind,
    effects: &[Effect],
) -> Vec<(To, Notice)> {
    let kind = Kind::of_command(command);
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify { to, message } => Some((
                To::from(to),
                Notice {
                    kind,
                    title: title_of(kind, item),
                    body: message.clone(),
                    link: Some(item_link(item.id)),
                    once: None,
                },
            )),
            _ => None,
        })
        .collect()
}

/// The warning of an open item whose next deadline `due` is near: to the unit it is dispatched
/// to while it waits to be signed (签收提醒), else to its owner unit (临期预警); once per
/// deadline and person.
/// `offset` is the working calendar's, for the time shown.
pub fn deadline_warning(item: &WorkItem, due: DateTime<Utc>, offset: FixedOffset) -> (To, Notice) {
    let local = due.with_timezone(&offset);
    let when = local.format("%Y-%m-%d %H:%M");
    let (kind, unit, body) = match (item.stage, item.assignee) {
        (Stage::Dispatched, Some(unit)) => (
            Kind::SignReminder,
            unit,
            format!(
                "事项“{}”尚未签收，签收时限为 {when}，请及时签收",
                item.title
            ),
        ),
        _ => (
            Kind::DeadlineWarning,
            item.owner_unit,
            format!("事项“{}”将于 {when} 到期，请抓紧办理", item.title),
        ),
    };
    (
        To::Unit(unit),
        Notice {
            kind,
            title: title_of(kind, item),
            body,
            link: Some(item_link(item.id)),
            once: Some(format!("{}:{}:{}", kind.code(), item.id, due.timestamp())),
        },
    )
}

/// The notice of an alert rule that fired for `entity`, raising problem `item` (when it raised
/// one).
pub fn alert_fired(
    entity: EntityId,
    title: &str,
    message: &str,
    item: Option<ItemId>,
) -> (To, Notice) {
    (
        To::Unit(entity),
        Notice {
            kind: Kind::Alert,
            title: format!("{}：{title}", Kind::Alert.label_zh()),
            body: message.to_string(),
            link: item.map(item_link),
            once: None,
        },
    )
}

/// A notification as the bell and the list show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationView {
    pub id: i64,
    /// The kind's code and its Chinese name.
    pub kind: String,
    pub kind_label: &'static str,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

impl From<StoredNotification> for NotificationView {
    fn from(n: StoredNotification) -> Self {
        Self {
            id: n.id,
            kind_label: kind_label(&n.kind),
            kind: n.kind,
            title: n.title,
            body: n.body,
            link: n.link,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// A page of `p`'s own notifications, newest first.
pub async fn list(
    store: &dyn Store,
    p: &Principal,
    unread_only: bool,
    page: Page,
) -> Result<Paged<NotificationView>, AppError> {
    let got = store.notifications(p.user_id, unread_only, page).await?;
    Ok(Paged {
        items: got.items.into_iter().map(NotificationView::from).collect(),
        total: got.total,
        limit: got.limit,
        offset: got.offset,
    })
}

/// How many of `p`'s notifications are unread (the bell).
pub async fn unread_count(store: &dyn Store, p: &Principal) -> Result<u64, AppError> {
    Ok(store.unread_notifications(p.user_id).await?)
}

/// Marks `p`'s notification `id` read and returns it (with the page it points to); another's
/// (or none) is not found.
pub async fn mark_read(
    store: &dyn Store,
    p: &Principal,
    id: i64,
) -> Result<NotificationView, AppError> {
    store
        .mark_notification_read(p.user_id, id, Utc::now())
        .await?
        .map(NotificationView::from)
        .ok_or_else(|| AppError::NotFound(format!("通知 {id} 不存在")))
}

/// Marks all of `p`'s notifications read; returns how many were unread.
pub async fn mark_all_read(store: &dyn Store, p: &Principal) -> Result<u64, AppError> {
    Ok(store
        .mark_all_notifications_read(p.user_id, Utc::now())
        .await?)
}
