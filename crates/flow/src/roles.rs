//! Who may do what: the roles of the closed loop and the rule table of commands by role.
//!
//! The table ([`allowed_roles`]) is checked first. Then, for the roles tied to one item, the
//! engine checks the person: a handler acts for the unit the item is dispatched to or owned by,
//! a reporter or requester only on their own item. Whether a supervisor, dispatcher or
//! adjudicator may act for the item's units at all (their unit's subtree) is the application's
//! check: it knows the hierarchy and the user's grants; the engine knows the item.

use std::fmt;

use serde::{Deserialize, Serialize};
use yiping_kernel::EntityId;

use crate::command::CommandKind;
use crate::error::FlowError;
use crate::model::{Stage, UserId, WorkItem};

/// A role in the closed loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorRole {
    /// 承办人: a case handler of a department or a town.
    Handler,
    /// 监督员/受理员: registers, verifies, closes, supervises, decides extensions.
    Supervisor,
    /// 派遣员: dispatches to units (指挥中心).
    Dispatcher,
    /// 终审人: rules on items bounced twice, forces closure.
    Adjudicator,
    /// 上报人: a grid worker or member of the public who reported the item.
    Reporter,
    /// 诉求人: the enterprise or citizen who filed a request.
    Requester,
    /// 系统: scheduled jobs (escalation, chase notices, resuming, collecting fan-outs).
    System,
}

impl ActorRole {
    pub const ALL: [Self; 7] = [
        Self::Handler,
        Self::Supervisor,
        Self::Dispatcher,
        Self::Adjudicator,
        Self::Reporter,
        Self::Requester,
        Self::System,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Handler => "承办人",
            Self::Supervisor => "监督员",
            Self::Dispatcher => "派遣员",
            Self::Adjudicator => "终审人",
            Self::Reporter => "上报人",
            Self::Requester => "诉求人",
            Self::System => "系统",
        }
    }

    /// Whether the role may receive (受理) a new item.
    pub fn may_receive(self) -> bool {
        matches!(
            self,
            Self::Supervisor | Self::Reporter | Self::Requester | Self::System
        )
    }
}

impl fmt::Display for ActorRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_zh())
    }
}

/// The person or job performing a command, with the role they act in and their unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user: UserId,
    pub role: ActorRole,
    pub unit: EntityId,
}

impl Actor {
    pub fn new(user: UserId, role: ActorRole, unit: EntityId) -> Self {
        Self { user, role, unit }
    }

    /// The scheduled jobs of `unit`'s platform.
    pub fn system(unit: EntityId) -> Self {
        Self {
            user: UserId::new("system").expect("non-blank"),
            role: ActorRole::System,
            unit,
        }
    }
}

/// The roles that may perform a command.
pub fn allowed_roles(kind: CommandKind) -> &'static [ActorRole] {
    use ActorRole::*;
    use CommandKind as C;
    match kind {
        C::Register | C::Reject | C::Close => &[Supervisor],
        C::Dispatch | C::FanOut => &[Dispatcher],
        C::Sign | C::Return | C::Handle | C::Reply | C::RequestExtension => &[Handler],
        C::Adjudicate | C::ForceClose => &[Adjudicator],
        C::Verify => &[Supervisor, Reporter],
        C::Rate => &[Requester],
        C::ApproveExtension | C::RefuseExtension | C::Suspend | C::Supervise => &[Supervisor],
        C::Resume | C::Escalate | C::Remind | C::Consolidate => &[Supervisor, System],
        C::Cancel => &[Supervisor, Reporter, Requester],
    }
}

pub(crate) fn check_role(actor: &Actor, kind: CommandKind) -> Result<(), FlowError> {
    let allowed = allowed_roles(kind);
    if allowed.contains(&actor.role) {
        return Ok(());
    }
    Err(FlowError::RoleNotAllowed {
        role: actor.role,
        command: kind,
        allowed: allowed
            .iter()
            .map(|r| r.label_zh())
            .collect::<Vec<_>>()
            .join("、"),
    })
}

/// The checks on the person for roles tied to the item.
pub(crate) fn check_person(
    item: &WorkItem,
    actor: &Actor,
    kind: CommandKind,
) -> Result<(), FlowError> {
    match actor.role {
        ActorRole::Handler => {
            // Before 签收 the item belongs to the unit it was sent to; afterwards to its owner.
            let expected = match (kind, item.stage) {
                (CommandKind::Sign | CommandKind::Return, Stage::Dispatched) => {
                    item.assignee.unwrap_or(item.owner_unit)
                }
                _ => item.owner_unit,
            };
            if actor.unit != expected {
                return Err(FlowError::WrongUnit {
                    command: kind,
                    expected,
                    actual: actor.unit,
                });
            }
        }
        ActorRole::Reporter if item.reporter.as_ref() != Some(&actor.user) => {
            return Err(FlowError::NotThePerson {
                command: kind,
                who: ActorRole::Reporter,
            });
        }
        ActorRole::Requester if item.requester.as_ref() != Some(&actor.user) => {
            return Err(FlowError::NotThePerson {
                command: kind,
                who: ActorRole::Requester,
            });
        }
        _ => {}
    }
    Ok(())
}
