//! Who a signed-in user is for the closed loop: the engine's [`Actor`] for a command, the
//! commands a user may perform on an item (the page shows only those) and which items a user may
//! see at all.
//!
//! - [`actor_for`]: maps the user's role to the flow role the command needs (a 承办人 acts as
//!   flow Handler; 分析员, 领导 and 管理员 as Supervisor, Dispatcher or Adjudicator; 网格员 and
//!   填报员 as Reporter; 企业 as Requester), after checking the matching capability.
//! - [`sees_item`]: an item is visible when its owner, receiving, escalation or dispatched unit or
//!   its location lies in the user's scope, when the user reported or requested it, or (企业)
//!   when the item's enterprise is the user's unit.
//! - [`check_command`]: capability, visibility and the units a command names (派遣, 分派, 终审
//!   targets must be in scope).
//! - [`scope_filter`] and [`scope_new_item`]: the same rules for lists and new items. The front
//!   ends do not call these checks themselves: [`super::door`] applies them to every item a user
//!   reads, files or moves.
//! - [`allowed_commands`]: the engine itself is asked (a dry run of [`yiping_flow::apply`] with
//!   placeholder data): a command is offered when the engine refuses it for nothing but the data
//!   the user still has to give, so the page and the engine never disagree.

use chrono::{DateTime, Utc};
use yiping_access::{AccessError, Capability, Principal, Role as UserRole};
use yiping_flow::{
    Actor, ActorRole, Command, CommandKind, FlowContext, FlowError, ItemKind, Reason, SuspendKind,
    UserId, Verification, WorkItem, allowed_roles, apply,
};
use yiping_kernel::EntityId;
use yiping_store::WorkItemFilter;

use super::{CreateItem, FlowSetup};

/// The flow roles a user may act in, in order of preference.
pub fn flow_roles(role: UserRole) -> &'static [ActorRole] {
    match role {
        UserRole::Handler => &[ActorRole::Handler],
        UserRole::Admin | UserRole::Analyst | UserRole::Leader => &[
            ActorRole::Supervisor,
            ActorRole::Dispatcher,
            ActorRole::Adjudicator,
        ],
        UserRole::GridWorker | UserRole::Reporter => &[ActorRole::Reporter],
        UserRole::Enterprise => &[ActorRole::Requester],
    }
}

/// The capability a flow role needs.
fn capability_of(role: ActorRole) -> Capability {
    match role {
        ActorRole::Handler => Capability::HandleItems,
        ActorRole::Supervisor | ActorRole::Dispatcher | ActorRole::Adjudicator => {
            Capability::SuperviseItems
        }
        ActorRole::Reporter => Capability::ReportEvent,
        ActorRole::Requester => Capability::FileRequest,
        ActorRole::System => Capability::ManageUsers,
    }
}

/// The capability that gates `kind` for this user: of the first flow role of theirs the command
/// allows, else of the first role the command allows (for the refusal message).
fn needed_capability(p: &Principal, kind: CommandKind) -> Capability {
    let allowed = allowed_roles(kind);
    flow_roles(p.role)
        .iter()
        .find(|r| allowed.contains(r))
        .or_else(|| allowed.first())
        .map_or(Capability::HandleItems, |r| capability_of(*r))
}

/// The user's id in item histories: their login.
pub fn user_id(p: &Principal) -> UserId {
    UserId::new(p.login.clone()).unwrap_or_else(|_| Actor::system(p.unit).user)
}

/// The engine's actor for `p` performing `kind`: the first of the user's flow roles the engine's
/// rule table allows, with the matching capability.
pub fn actor_for(p: &Principal, kind: CommandKind) -> Result<Actor, AccessError> {
    let allowed = allowed_roles(kind);
    let role = flow_roles(p.role)
        .iter()
        .copied()
        .find(|r| allowed.contains(r))
        .ok_or(AccessError::Role {
            role: p.role,
            cap: needed_capability(p, kind),
        })?;
    p.require(capability_of(role))?;
    Ok(Actor::new(user_id(p), role, p.unit))
}

/// The actor that receives (受理) a new item of `kind` filed by `p`, with the capability checked:
/// 企业 file requests as Requester, 分析员/领导/管理员 receive as Supervisor (directives need
/// [`Capability::IssueDirective`]), everyone else who may report events as Reporter.
pub fn creator_for(p: &Principal, kind: ItemKind) -> Result<Actor, AccessError> {
    let (cap, role) = match (kind, p.role) {
        (ItemKind::EnterpriseRequest, UserRole::Enterprise) => {
            (Capability::FileRequest, ActorRole::Requester)
        }
        (ItemKind::EnterpriseRequest, _) => (Capability::FileRequest, ActorRole::Supervisor),
        (ItemKind::Directive | ItemKind::ServiceCase, _) => {
            (Capability::IssueDirective, ActorRole::Supervisor)
        }
        (_, UserRole::Admin | UserRole::Analyst | UserRole::Leader) => {
            (Capability::ReportEvent, ActorRole::Supervisor)
        }
        (_, _) => (Capability::ReportEvent, ActorRole::Reporter),
    };
    p.require(cap)?;
    Ok(Actor::new(user_id(p), role, p.unit))
}

/// Whether `p` may see `item` (see the module docs).
pub fn sees_item(p: &Principal, item: &WorkItem) -> bool {
    if p.role == UserRole::Enterprise {
        return item.enterprise == Some(p.unit);
    }
    let login = p.login.as_str();
    let own = |u: &Option<UserId>| u.as_ref().is_some_and(|u| u.as_str() == login);
    if own(&item.reporter) || own(&item.requester) {
        return true;
    }
    [
        Some(item.owner_unit),
        Some(item.receiving_unit),
        item.assignee,
        item.escalated_to,
        item.location,
    ]
    .into_iter()
    .flatten()
    .any(|u| p.sees(u))
}

fn out_of_scope(p: &Principal) -> AccessError {
    AccessError::OutOfScope {
        unit_name: p.unit_name.clone(),
    }
}

/// Refuses unless `p` has [`Capability::ViewItems`] and sees `item`.
pub fn require_visible(p: &Principal, item: &WorkItem) -> Result<(), AccessError> {
    p.require(Capability::ViewItems)?;
    if sees_item(p, item) {
        Ok(())
    } else {
        Err(out_of_scope(p))
    }
}

/// The units a command names (派遣, 分派, 终审 targets).
fn named_units(cmd: &Command) -> Vec<EntityId> {
    match cmd {
        Command::Dispatch { unit } | Command::Adjudicate { unit, .. } => vec![*unit],
        Command::FanOut { units } => units.clone(),
        _ => Vec::new(),
    }
}

/// Checks that `p` may send `cmd` to `item` and returns the actor to pass to the engine:
/// the capability of the flow role, the item's visibility, and every unit the command names in
/// the user's scope (or equal to `suggested`, the route the category book gives, which may lie
/// with a department of a higher level). Whether the person fits the item (the handler's unit,
/// the reporter, the requester) is the engine's check.
pub fn check_command(
    p: &Principal,
    item: &WorkItem,
    cmd: &Command,
    suggested: Option<EntityId>,
) -> Result<Actor, AccessError> {
    let actor = actor_for(p, cmd.kind())?;
    require_visible(p, item)?;
    if named_units(cmd)
        .iter()
        .any(|u| !p.sees(*u) && Some(*u) != suggested)
    {
        return Err(out_of_scope(p));
    }
    Ok(actor)
}

/// Limits a list to what `p` may see: an enterprise its own requests; everyone else one unit's
/// inbox in their subtree (their own unit's unless `filter.unit` names another); a grid
/// worker's own inbox also holds the items located in their grid.
pub fn scope_filter(
    p: &Principal,
    mut filter: WorkItemFilter,
) -> Result<WorkItemFilter, AccessError> {
    p.require(Capability::ViewItems)?;
    if p.role == UserRole::Enterprise {
        if filter.unit.is_some() || filter.enterprise.is_some_and(|e| e != p.unit) {
            return Err(out_of_scope(p));
        }
        filter.enterprise = Some(p.unit);
        return Ok(filter);
    }
    let unit = filter.unit.unwrap_or(p.unit);
    p.require_in(Capability::ViewItems, unit)?;
    filter.unit = Some(unit);
    // A grid worker's inbox: what happens in their grid (their reports are located there).
    if p.role == UserRole::GridWorker && unit == p.unit {
        filter.or_located = true;
    }
    Ok(filter)
}

/// A new item as `p` may file it, with the actor that receives it: an enterprise files its own
/// requests on the city platform (as 诉求人, whatever units it names); everyone else files for
/// units of their subtree, and only a supervisor may name another reporter or requester. A grid
/// worker's item without a location is located in their grid (their unit).
pub fn scope_new_item(
    p: &Principal,
    setup: &FlowSetup,
    mut item: CreateItem,
) -> Result<(CreateItem, Actor), AccessError> {
    let actor = creator_for(p, item.kind)?;
    if p.role == UserRole::Enterprise {
        item.enterprise = Some(p.unit);
        item.channel = yiping_flow::Channel::Enterprise;
        item.receiving_unit = setup.city.unwrap_or(item.receiving_unit);
        item.location = None;
        item.reporter = None;
        item.requester = None;
        return Ok((item, actor));
    }
    // A grid worker reports from their grid: an event without a location happened there.
    if p.role == UserRole::GridWorker && item.location.is_none() {
        item.location = Some(p.unit);
    }
    p.require_in(Capability::ViewItems, item.receiving_unit)?;
    if let Some(l) = item.location {
        p.require_in(Capability::ViewItems, l)?;
    }
    if actor.role != ActorRole::Supervisor {
        item.reporter = None;
        item.requester = None;
    }
    Ok((item, actor))
}

/// The commands offered on an item's page, in the engine's order.
pub const OFFERED: [CommandKind; 19] = [
    CommandKind::Register,
    CommandKind::Reject,
    CommandKind::Dispatch,
    CommandKind::FanOut,
    CommandKind::Sign,
    CommandKind::Return,
    CommandKind::Handle,
    CommandKind::Reply,
    CommandKind::RequestExtension,
    CommandKind::ApproveExtension,
    CommandKind::RefuseExtension,
    CommandKind::Verify,
    CommandKind::Rate,
    CommandKind::Close,
    CommandKind::Adjudicate,
    CommandKind::Supervise,
    CommandKind::Remind,
    CommandKind::Consolidate,
    CommandKind::Cancel,
];

/// A command of `kind` with placeholder data, for the dry run.
fn placeholder(kind: CommandKind, item: &WorkItem) -> Option<Command> {
    let reason = Reason::new("预览").ok()?;
    let unit = item.assignee.unwrap_or(item.owner_unit);
    Some(match kind {
        CommandKind::Register => Command::Register,
        CommandKind::Reject => Command::Reject { reason },
        CommandKind::Dispatch => Command::Dispatch { unit },
        CommandKind::FanOut => Command::FanOut { units: vec![unit] },
        CommandKind::Sign => Command::Sign,
        CommandKind::Return => Command::Return { reason },
        CommandKind::Adjudicate => Command::Adjudicate { unit, reason },
        CommandKind::Handle => Command::Handle,
        CommandKind::Reply => Command::Reply { result: reason },
        CommandKind::Verify => Command::Verify {
            outcome: Verification::Passed,
        },
        CommandKind::Rate => Command::Rate {
            satisfied: true,
            solved: true,
        },
        CommandKind::Close => Command::Close,
        CommandKind::ForceClose => Command::ForceClose { reason },
        CommandKind::RequestExtension => Command::RequestExtension { amount: 1, reason },
        CommandKind::ApproveExtension => Command::ApproveExtension,
        CommandKind::RefuseExtension => Command::RefuseExtension { reason },
        CommandKind::Suspend => Command::Suspend {
            kind: SuspendKind::Suspend,
            explanation: reason,
        },
        CommandKind::Resume => Command::Resume,
        CommandKind::Supervise => Command::Supervise { note: reason },
        CommandKind::Escalate => Command::Escalate,
        CommandKind::Remind => Command::Remind,
        CommandKind::Cancel => Command::Cancel { reason },
        CommandKind::Consolidate => Command::Consolidate,
    })
}

/// Whether a refusal depends only on data the user still has to give (a reason, the units),
/// rather than on who they are or where the item stands.
fn refused_for_data(e: &FlowError) -> bool {
    matches!(
        e,
        FlowError::EmptyText { .. }
            | FlowError::TextTooLong { .. }
            | FlowError::ZeroExtension
            | FlowError::NoUnits
            | FlowError::DuplicateUnit { .. }
            | FlowError::UnknownCategory { .. }
    )
}

/// The commands of [`OFFERED`] that `p` may perform on `item` now: the access checks of
/// [`check_command`] pass and the engine accepts the command (or refuses it only for the data
/// still to be given). `ctx` carries the item's children for 汇总.
pub fn allowed_commands(
    p: &Principal,
    item: &WorkItem,
    ctx: &FlowContext<'_>,
    now: DateTime<Utc>,
) -> Vec<CommandKind> {
    if !sees_item(p, item) {
        return Vec::new();
    }
    let now = now.max(item.updated_at);
    OFFERED
        .into_iter()
        .filter(|kind| {
            let Ok(actor) = actor_for(p, *kind) else {
                return false;
            };
            let Some(cmd) = placeholder(*kind, item) else {
                return false;
            };
            match apply(item, &cmd, &actor, now, ctx) {
                Ok(_) => true,
                Err(e) => refused_for_data(&e),
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "actors_tests.rs"]
mod tests;
