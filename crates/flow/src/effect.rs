//! What the application must do after a successful command: send notifications, create child
//! items, record an escalation, and count metric events. The engine only describes them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use yiping_kernel::EntityId;

use crate::model::{ClosureType, ItemId, UserId};
use crate::routing::ChildSpec;

/// Who a notification goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// A unit's inbox.
    Unit(EntityId),
    /// One person (a reporter or requester).
    User(UserId),
}

/// A metric event, for counters kept on write; the metrics module recomputes the same figures
/// from histories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricEvent {
    pub item: ItemId,
    /// The unit the event counts for.
    pub unit: EntityId,
    pub at: DateTime<Utc>,
    pub kind: MetricKind,
}

/// What a metric event counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    Received,
    Registered,
    Rejected,
    Dispatched,
    FannedOut { children: u32 },
    Signed { on_time: bool },
    Returned,
    Adjudicated,
    Handled { on_time: bool },
    Verified,
    Reworked,
    Rated { satisfied: bool, solved: bool },
    Reopened,
    Closed(ClosureType),
    ExtensionRequested,
    Extended,
    ExtensionRefused,
    Suspended,
    Resumed,
    Supervised,
    Escalated,
    Reminded,
    Cancelled,
}

/// One effect of a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// A message (Chinese) for a unit or a person.
    Notify {
        to: Recipient,
        message: String,
    },
    /// A child item to create (fan-out).
    CreateChild(ChildSpec),
    /// The item was escalated from one unit to its parent unit.
    Escalate {
        item: ItemId,
        from: EntityId,
        to: EntityId,
    },
    Metric(MetricEvent),
}
