//! Why the engine refused a command. Every message is Chinese and names what was refused, so the
//! application can show it as is.

use thiserror::Error;
use yiping_kernel::EntityId;

use crate::command::CommandKind;
use crate::model::{ItemKind, Stage};
use crate::roles::ActorRole;

/// A refused command or an invalid input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FlowError {
    #[error("{field}不能为空")]
    EmptyText { field: &'static str },
    #[error("{field}过长：{chars}个字，最多{max}个字")]
    TextTooLong {
        field: &'static str,
        chars: usize,
        max: usize,
    },
    #[error("{role}无权‘{command}’：只有{allowed}可以执行")]
    RoleNotAllowed {
        role: ActorRole,
        command: CommandKind,
        allowed: String,
    },
    #[error("{role}无权受理事项")]
    RoleCannotReceive { role: ActorRole },
    #[error("状态为‘{stage}’的事项不能‘{command}’：{hint}")]
    StageRefused {
        stage: Stage,
        command: CommandKind,
        hint: &'static str,
    },
    #[error("事项已{kind}，不能‘{command}’：须先恢复")]
    Suspended {
        kind: &'static str,
        command: CommandKind,
    },
    #[error("事项未挂起，无需恢复")]
    NotSuspended,
    #[error("只有单位 {expected} 的承办人可以‘{command}’该事项，操作人属于单位 {actual}")]
    WrongUnit {
        command: CommandKind,
        expected: EntityId,
        actual: EntityId,
    },
    #[error("只有{who}本人可以‘{command}’该事项")]
    NotThePerson {
        command: CommandKind,
        who: ActorRole,
    },
    #[error("核查须由处置人以外的人员进行")]
    SameAsHandler,
    #[error("操作时间早于事项最近一次变更，请刷新后重试")]
    TimeWentBack,
    #[error("事项未超期，不能‘{command}’")]
    NotOverdue { command: CommandKind },
    #[error("已超过处置时限（{deadline}），不能再申请延期")]
    ExtensionTooLate { deadline: String },
    #[error("事项没有处置时限，无需延期")]
    NoDeadlineToExtend,
    #[error("延期时长须大于零")]
    ZeroExtension,
    #[error("已有待审批的延期申请")]
    ExtensionPending,
    #[error("没有待审批的延期申请")]
    NoExtensionPending,
    #[error("事项已在督办中")]
    AlreadySupervised,
    #[error("该事项已经终审确定由本单位负责，不能再回退")]
    FinalOwner,
    #[error("该事项已下发{children}个单位，须在各子事项中‘{command}’")]
    FannedOut { command: CommandKind, children: u32 },
    #[error("事项未下发多个单位，无需汇总")]
    NotFannedOut,
    #[error("下发的{cancelled}个子事项均已撤销，没有可汇总的办理结果")]
    AllChildrenCancelled { cancelled: u32 },
    #[error("下发的{total}个子事项中仅{done}个已{need}，不能汇总")]
    ChildrenIncomplete {
        done: u32,
        total: u32,
        need: &'static str,
    },
    #[error("‘{kind}’不能下发多个单位：只有指令和服务事项可以")]
    CannotFanOut { kind: &'static str },
    #[error("须至少指定一个单位")]
    NoUnits,
    #[error("单位 {unit} 重复")]
    DuplicateUnit { unit: EntityId },
    #[error("单位 {unit} 没有上级单位，不能升级")]
    NoParentUnit { unit: EntityId },
    #[error("本次结案已评价")]
    AlreadyRated,
    #[error("分类“{code}”不在分类表中")]
    UnknownCategory { code: String },
    #[error("‘{kind}’不能使用“{code}”分类")]
    KindCategoryMismatch { kind: &'static str, code: String },
}

impl FlowError {
    pub(crate) fn cannot_fan_out(kind: ItemKind) -> Self {
        Self::CannotFanOut {
            kind: kind.label_zh(),
        }
    }
}
