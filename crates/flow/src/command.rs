//! What people and jobs ask the engine to do with an item.

use std::fmt;

use serde::{Deserialize, Serialize};
use yiping_kernel::EntityId;

use crate::model::{Reason, SuspendKind};

/// The outcome of a verification (核查).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    Passed,
    /// The result does not match reality: the item goes back to handling (返工).
    Failed {
        reason: Reason,
    },
}

/// A command on a work item. Which stages and roles allow it: [`crate::allowed_stages`] and
/// [`crate::allowed_roles`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// 立案.
    Register,
    /// 不予立案.
    Reject { reason: Reason },
    /// 派遣 to one unit.
    Dispatch { unit: EntityId },
    /// 分派: a directive or a 一件事 case to several units, one child item each.
    FanOut { units: Vec<EntityId> },
    /// 签收: the unit accepts the item and becomes its owner.
    Sign,
    /// 回退: wrongly routed. The second bounce goes to 终审.
    Return { reason: Reason },
    /// 终审: an adjudicator forces an owner.
    Adjudicate { unit: EntityId, reason: Reason },
    /// 处置: handling starts.
    Handle,
    /// 反馈: the handler reports the result.
    Reply { result: Reason },
    /// 核查 by someone other than the handler.
    Verify { outcome: Verification },
    /// 评价 by the requester: after the reply (confirmation) or after closure (回访).
    Rate { satisfied: bool, solved: bool },
    /// 结案 after a passed verification.
    Close,
    /// 强制结案 by ruling.
    ForceClose { reason: Reason },
    /// 申请延期, in units of the item's clock, before the handling deadline.
    RequestExtension { amount: u32, reason: Reason },
    /// 批准延期.
    ApproveExtension,
    /// 驳回延期.
    RefuseExtension { reason: Reason },
    /// 挂起 or 挂账: the clock pauses.
    Suspend {
        kind: SuspendKind,
        explanation: Reason,
    },
    /// 恢复: the clock runs again; deadlines move on by the time paused.
    Resume,
    /// 督办 flag.
    Supervise { note: Reason },
    /// 升级 to the parent unit when overdue.
    Escalate,
    /// 催办 when overdue.
    Remind,
    /// 撤销.
    Cancel { reason: Reason },
    /// 汇总: a fanned-out parent collects its children's results.
    Consolidate,
}

/// The name of a command, without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    Register,
    Reject,
    Dispatch,
    FanOut,
    Sign,
    Return,
    Adjudicate,
    Handle,
    Reply,
    Verify,
    Rate,
    Close,
    ForceClose,
    RequestExtension,
    ApproveExtension,
    RefuseExtension,
    Suspend,
    Resume,
    Supervise,
    Escalate,
    Remind,
    Cancel,
    Consolidate,
}

impl CommandKind {
    pub const ALL: [Self; 23] = [
        Self::Register,
        Self::Reject,
        Self::Dispatch,
        Self::FanOut,
        Self::Sign,
        Self::Return,
        Self::Adjudicate,
        Self::Handle,
        Self::Reply,
        Self::Verify,
        Self::Rate,
        Self::Close,
        Self::ForceClose,
        Self::RequestExtension,
        Self::ApproveExtension,
        Self::RefuseExtension,
        Self::Suspend,
        Self::Resume,
        Self::Supervise,
        Self::Escalate,
        Self::Remind,
        Self::Cancel,
        Self::Consolidate,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Register => "立案",
            Self::Reject => "不予立案",
            Self::Dispatch => "派遣",
            Self::FanOut => "分派",
            Self::Sign => "签收",
            Self::Return => "回退",
            Self::Adjudicate => "终审",
            Self::Handle => "处置",
            Self::Reply => "反馈",
            Self::Verify => "核查",
            Self::Rate => "评价",
            Self::Close => "结案",
            Self::ForceClose => "强制结案",
            Self::RequestExtension => "申请延期",
            Self::ApproveExtension => "批准延期",
            Self::RefuseExtension => "驳回延期",
            Self::Suspend => "挂起",
            Self::Resume => "恢复",
            Self::Supervise => "督办",
            Self::Escalate => "升级",
            Self::Remind => "催办",
            Self::Cancel => "撤销",
            Self::Consolidate => "汇总",
        }
    }

    /// Whether the command may be applied to a suspended item (the clock stands still, so only
    /// resuming, supervising and ending the item make sense).
    pub fn allowed_while_suspended(self) -> bool {
        matches!(
            self,
            Self::Resume | Self::Supervise | Self::Cancel | Self::ForceClose
        )
    }
}

impl fmt::Display for CommandKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_zh())
    }
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        match self {
            Self::Register => CommandKind::Register,
            Self::Reject { .. } => CommandKind::Reject,
            Self::Dispatch { .. } => CommandKind::Dispatch,
            Self::FanOut { .. } => CommandKind::FanOut,
            Self::Sign => CommandKind::Sign,
            Self::Return { .. } => CommandKind::Return,
            Self::Adjudicate { .. } => CommandKind::Adjudicate,
            Self::Handle => CommandKind::Handle,
            Self::Reply { .. } => CommandKind::Reply,
            Self::Verify { .. } => CommandKind::Verify,
            Self::Rate { .. } => CommandKind::Rate,
            Self::Close => CommandKind::Close,
            Self::ForceClose { .. } => CommandKind::ForceClose,
            Self::RequestExtension { .. } => CommandKind::RequestExtension,
            Self::ApproveExtension => CommandKind::ApproveExtension,
            Self::RefuseExtension { .. } => CommandKind::RefuseExtension,
            Self::Suspend { .. } => CommandKind::Suspend,
            Self::Resume => CommandKind::Resume,
            Self::Supervise { .. } => CommandKind::Supervise,
            Self::Escalate => CommandKind::Escalate,
            Self::Remind => CommandKind::Remind,
            Self::Cancel { .. } => CommandKind::Cancel,
            Self::Consolidate => CommandKind::Consolidate,
        }
    }
}
