//! The work item and the values it is made of.
//!
//! A [`WorkItem`] is one case of the closed loop: an event, an enterprise request, a problem, a
//! directive or a service case. Its [`Stage`] moves only through [`crate::apply`]; every
//! successful move bumps [`WorkItem::version`] (for optimistic concurrency in the store) and
//! appends a [`HistoryEntry`], from which the metrics are computed. The fields are public so a
//! store can map them to columns; code outside the engine reads them and never edits them.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use yiping_kernel::EntityId;

use crate::category::CategoryCode;
use crate::clock::{ClockType, Pause};
use crate::command::Command;
use crate::error::FlowError;
use crate::roles::Actor;

/// The store's id of a work item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ItemId(pub i64);

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A user's login id (an official, a grid worker, an enterprise contact, or a job).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);

impl UserId {
    /// A non-blank user id, trimmed.
    pub fn new(id: impl Into<String>) -> Result<Self, FlowError> {
        let id = id.into().trim().to_string();
        if id.is_empty() {
            return Err(FlowError::EmptyText { field: "用户" });
        }
        Ok(Self(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UserId {
    type Error = FlowError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<UserId> for String {
    fn from(value: UserId) -> Self {
        value.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A written reason or explanation: required for 不予立案, 回退, 延期, 挂起, 强制结案 and 撤销, so
/// the people who read the history can see who did what and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Reason(String);

impl Reason {
    /// The longest reason accepted, in characters.
    pub const MAX_CHARS: usize = 2000;

    /// A non-blank reason of at most [`Reason::MAX_CHARS`] characters, trimmed.
    pub fn new(text: impl Into<String>) -> Result<Self, FlowError> {
        let text = text.into().trim().to_string();
        if text.is_empty() {
            return Err(FlowError::EmptyText { field: "理由" });
        }
        let chars = text.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(FlowError::TextTooLong {
                field: "理由",
                chars,
                max: Self::MAX_CHARS,
            });
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Reason {
    type Error = FlowError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Reason> for String {
    fn from(value: Reason) -> Self {
        value.0
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of case an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// 事件: a grid or hotline event.
    Event,
    /// 企业诉求: an enterprise's request (企业吹哨).
    EnterpriseRequest,
    /// 问题: an entry of a problem register (问题清单).
    Problem,
    /// 指令: a directive, possibly fanned out to many units.
    Directive,
    /// 服务事项: a service case, possibly 一件事 with parallel department tasks.
    ServiceCase,
}

impl ItemKind {
    pub const ALL: [Self; 5] = [
        Self::Event,
        Self::EnterpriseRequest,
        Self::Problem,
        Self::Directive,
        Self::ServiceCase,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Event => "事件",
            Self::EnterpriseRequest => "企业诉求",
            Self::Problem => "问题",
            Self::Directive => "指令",
            Self::ServiceCase => "服务事项",
        }
    }

    /// Whether an item of this kind may be fanned out to several units.
    pub fn fans_out(self) -> bool {
        matches!(self, Self::Directive | Self::ServiceCase)
    }
}

/// Where an item stands. The main line is 受理 → 立案 → 派遣 → 签收 → 处置 → 反馈 → 核查 → 结案;
/// 待终审 holds an item bounced twice until an adjudicator forces an owner; 结案, 不予立案 and
/// 撤销 end the loop (结案 can still be reopened by a dissatisfied call-back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Received,
    Registered,
    Dispatched,
    Signed,
    Handling,
    Replied,
    Verified,
    Closed,
    Rejected,
    AwaitingRuling,
    Cancelled,
}

impl Stage {
    pub const ALL: [Self; 11] = [
        Self::Received,
        Self::Registered,
        Self::Dispatched,
        Self::Signed,
        Self::Handling,
        Self::Replied,
        Self::Verified,
        Self::Closed,
        Self::Rejected,
        Self::AwaitingRuling,
        Self::Cancelled,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Received => "受理",
            Self::Registered => "立案",
            Self::Dispatched => "派遣",
            Self::Signed => "签收",
            Self::Handling => "处置",
            Self::Replied => "反馈",
            Self::Verified => "核查",
            Self::Closed => "结案",
            Self::Rejected => "不予立案",
            Self::AwaitingRuling => "待终审",
            Self::Cancelled => "撤销",
        }
    }

    /// Whether the loop has ended at this stage.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Closed | Self::Rejected | Self::Cancelled)
    }

    /// The deadlines still to be met from this stage, keyed by the stage they lead to: the next
    /// step's deadline, and the overall 结案 deadline while the item is open.
    pub fn pending_deadlines(self) -> &'static [Stage] {
        match self {
            Self::Received => &[Self::Registered],
            Self::Registered | Self::AwaitingRuling => &[Self::Dispatched, Self::Closed],
            Self::Dispatched => &[Self::Signed, Self::Handling, Self::Closed],
            Self::Signed | Self::Handling => &[Self::Handling, Self::Closed],
            Self::Replied => &[Self::Verified, Self::Closed],
            Self::Verified => &[Self::Closed],
            Self::Closed | Self::Rejected | Self::Cancelled => &[],
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_zh())
    }
}

/// How urgent an item is; each priority has its own time limits in the category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[serde(alias = "一般")]
    Normal,
    #[serde(alias = "紧急")]
    Urgent,
    #[serde(alias = "特急")]
    Critical,
}

impl Priority {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Normal => "一般",
            Self::Urgent => "紧急",
            Self::Critical => "特急",
        }
    }
}

/// Where an item came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 网格员上报: registered directly, without prior verification.
    GridWorker,
    /// 12345 热线.
    Hotline,
    /// 网上受理 (web, app, Open311).
    Online,
    /// 企业吹哨.
    Enterprise,
    /// 领导交办 / 上级指令.
    Leadership,
    /// 监测预警 (raised by an alert rule).
    Monitoring,
}

/// How an item was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureType {
    /// 按期结案: closed by the 结案 deadline.
    Normal,
    /// 超期结案: closed after the 结案 deadline.
    Overdue,
    /// 强制结案: closed by ruling, with a reason, whatever the stage.
    Forced,
}

impl ClosureType {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Normal => "按期结案",
            Self::Overdue => "超期结案",
            Self::Forced => "强制结案",
        }
    }
}

/// Why an item's clock is paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuspendKind {
    /// 挂起: paused for a while (waiting for a season, a court, a third party).
    Suspend,
    /// 挂账: parked in the register of items that cannot be solved now, with an explanation.
    Park,
}

impl SuspendKind {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Suspend => "挂起",
            Self::Park => "挂账",
        }
    }
}

/// The current pause of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    pub kind: SuspendKind,
    pub explanation: Reason,
    pub since: DateTime<Utc>,
}

/// A pending request for more time, in units of the item's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    pub amount: u32,
    pub reason: Reason,
    pub requested_at: DateTime<Utc>,
    pub requested_by: UserId,
}

/// The requester's rating (评价 / 回访).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub satisfied: bool,
    pub solved: bool,
    pub at: DateTime<Utc>,
}

/// Counts that weigh against the handling units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// 回退: returned as wrongly routed.
    pub returns: u32,
    /// 返工: sent back after a failed verification or a dissatisfied confirmation.
    pub reworks: u32,
    /// 重办: reopened after a dissatisfied call-back on a closed item.
    pub reopens: u32,
    /// 延期: extensions approved.
    pub extensions: u32,
    /// 升级: escalations.
    pub escalations: u32,
    /// 催办: chase notices.
    pub reminders: u32,
}

/// What happened in one history entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The item was received (受理), possibly registered at once (grid workers' reports).
    Received,
    /// The item was created as a child of a fan-out, already dispatched to `unit`.
    ChildOf { parent: ItemId, unit: EntityId },
    /// A command was applied.
    Command(Command),
}

/// One entry of an item's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The item's version after this step.
    pub version: u64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub step: Step,
    pub from: Stage,
    pub to: Stage,
    /// For steps with a deadline (签收, 反馈, 结案): whether they met it.
    pub on_time: Option<bool>,
}

/// A work item. See the module docs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkItem {
    pub id: ItemId,
    pub kind: ItemKind,
    pub title: String,
    pub category: CategoryCode,
    pub priority: Priority,
    pub channel: Channel,
    /// The clock of the item's limits, from its category and priority.
    pub clock: ClockType,
    /// Where it happened (a grid, village, town or district).
    pub location: Option<EntityId>,
    /// The enterprise concerned, for enterprise requests.
    pub enterprise: Option<EntityId>,
    pub reporter: Option<UserId>,
    pub requester: Option<UserId>,
    /// The unit that first received the item (首问单位).
    pub receiving_unit: EntityId,
    /// The unit responsible now: the first receiver until another unit signs for it (首问负责).
    pub owner_unit: EntityId,
    /// The unit the item was dispatched to and that has not yet signed for it.
    pub assignee: Option<EntityId>,
    /// Whether the owner was forced by a ruling (终审): no further 回退.
    pub final_owner: bool,
    pub parent: Option<ItemId>,
    /// How many child items a fan-out created.
    pub children: u32,
    pub stage: Stage,
    pub received_at: DateTime<Utc>,
    pub registered_at: Option<DateTime<Utc>>,
    /// The latest reply (反馈); cleared by 返工 and 重办.
    pub handled_at: Option<DateTime<Utc>>,
    pub handled_by: Option<UserId>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closure: Option<ClosureType>,
    /// Deadlines keyed by the stage they lead to (立案, 派遣, 签收, 处置, 核查, 结案).
    pub deadlines: BTreeMap<Stage, DateTime<Utc>>,
    pub suspension: Option<Suspension>,
    /// Pauses that have ended.
    pub pauses: Vec<Pause>,
    pub pending_extension: Option<ExtensionRequest>,
    pub counters: Counters,
    /// 督办 flag.
    pub supervised: bool,
    /// The unit the item was last escalated to (升级).
    pub escalated_to: Option<EntityId>,
    pub rating: Option<Rating>,
    /// The reason of 不予立案, 撤销 or 强制结案.
    pub outcome_reason: Option<Reason>,
    pub version: u64,
    pub updated_at: DateTime<Utc>,
    pub history: Vec<HistoryEntry>,
}

impl WorkItem {
    /// The deadline leading to `stage`, if set.
    pub fn deadline(&self, stage: Stage) -> Option<DateTime<Utc>> {
        self.deadlines.get(&stage).copied()
    }

    /// Whether a deadline still to be met from the current stage has passed at `now`. A
    /// suspended item is never overdue: its clock stands still.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.suspension.is_none()
            && self
                .stage
                .pending_deadlines()
                .iter()
                .filter_map(|s| self.deadline(*s))
                .any(|d| now > d)
    }

    /// All pauses, the current one included up to `now`.
    pub fn pauses_until(&self, now: DateTime<Utc>) -> Vec<Pause> {
        let mut pauses = self.pauses.clone();
        if let Some(s) = &self.suspension {
            pauses.push(Pause {
                from: s.since,
                to: now,
            });
        }
        pauses
    }
}
