//! Intake and fan-out: receiving a new item (受理), refusing to register it (不予立案), fanning a
//! directive or a 一件事 case out to several units (分派), and collecting the children's results
//! (汇总).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use yiping_kernel::EntityId;

use crate::category::CategoryCode;
use crate::effect::{Effect, MetricKind};
use crate::error::FlowError;
use crate::model::{
    Channel, Counters, HistoryEntry, ItemId, ItemKind, Priority, Reason, Stage, Step, UserId,
    WorkItem,
};
use crate::roles::{Actor, ActorRole};
use crate::routing::{ChildSpec, progress};
use crate::transitions::{FlowContext, Move, register};

/// The longest title accepted, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// What is known about an item when it arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWorkItem {
    /// The id the store reserved for the item.
    pub id: ItemId,
    pub kind: ItemKind,
    pub title: String,
    pub category: CategoryCode,
    pub priority: Priority,
    pub channel: Channel,
    /// The unit whose inbox receives the item: its first receiver (首问单位).
    pub receiving_unit: EntityId,
    pub location: Option<EntityId>,
    pub enterprise: Option<EntityId>,
    pub reporter: Option<UserId>,
    pub requester: Option<UserId>,
}

/// Receives a new item (受理). A reporter or requester receiving their own item is recorded as
/// its reporter or requester. A grid worker's report (a reporter on [`Channel::GridWorker`]) is
/// registered at once (立案), since grid workers' reports need no prior verification.
pub fn receive(
    new: NewWorkItem,
    actor: &Actor,
    now: DateTime<Utc>,
    ctx: &FlowContext<'_>,
) -> Result<(WorkItem, Vec<Effect>), FlowError> {
    if !actor.role.may_receive() {
        return Err(FlowError::RoleCannotReceive { role: actor.role });
    }
    let title = new.title.trim().to_string();
    if title.is_empty() {
        return Err(FlowError::EmptyText { field: "标题" });
    }
    let chars = title.chars().count();
    if chars > MAX_TITLE_CHARS {
        return Err(FlowError::TextTooLong {
            field: "标题",
            chars,
            max: MAX_TITLE_CHARS,
        });
    }
    let category = ctx.categories.require(&new.category)?;
    if !category.code.domain().fits(new.kind) {
        return Err(FlowError::KindCategoryMismatch {
            kind: new.kind.label_zh(),
            code: new.category.to_string(),
        });
    }
    let limits = category.limits(new.priority);
    let person = |role: ActorRole, given: Option<UserId>| {
        if actor.role == role {
            Some(actor.user.clone())
        } else {
            given
        }
    };
    let item = WorkItem {
        id: new.id,
        kind: new.kind,
        title,
        category: new.category,
        priority: new.priority,
        channel: new.channel,
        clock: limits.clock,
        location: new.location,
        enterprise: new.enterprise,
        reporter: person(ActorRole::Reporter, new.reporter),
        requester: person(ActorRole::Requester, new.requester),
        receiving_unit: new.receiving_unit,
        owner_unit: new.receiving_unit,
        assignee: None,
        final_owner: false,
        parent: None,
        children: 0,
        stage: Stage::Received,
        received_at: now,
        registered_at: None,
        handled_at: None,
        handled_by: None,
        closed_at: None,
        closure: None,
        deadlines: Default::default(),
        suspension: None,
        pauses: Vec::new(),
        pending_extension: None,
        counters: Counters::default(),
        supervised: false,
        escalated_to: None,
        rating: None,
        outcome_reason: None,
        version: 1,
        updated_at: now,
        history: Vec::new(),
    };
    let mut mv = Move {
        item,
        effects: Vec::new(),
        actor,
        now,
        ctx,
        on_time: None,
    };
    mv.start_clock(Stage::Registered, limits.stages.register, &limits);
    let receiver = mv.item.receiving_unit;
    mv.metric(receiver, MetricKind::Received);
    if actor.role == ActorRole::Reporter && new.channel == Channel::GridWorker {
        register(&mut mv)?;
    } else {
        let msg = format!(
            "新受理事项“{}”，请核实立案{}",
            mv.item.title,
            mv.deadline_text(Stage::Registered)
        );
        mv.notify_unit(receiver, msg);
    }
    let Move {
        item: mut next,
        effects,
        ..
    } = mv;
    next.history.push(HistoryEntry {
        version: 1,
        at: now,
        actor: actor.clone(),
        step: Step::Received,
        from: Stage::Received,
        to: next.stage,
        on_time: None,
    });
    Ok((next, effects))
}

/// 不予立案, with a reason the reporter or requester is told.
pub(crate) fn reject(mv: &mut Move<'_>, reason: &Reason) {
    mv.item.stage = Stage::Rejected;
    mv.item.outcome_reason = Some(reason.clone());
    mv.item.deadlines.remove(&Stage::Registered);
    let msg = format!("您反映的“{}”不予立案：{reason}", mv.item.title);
    mv.notify_people(msg);
    let receiver = mv.item.receiving_unit;
    mv.metric(receiver, MetricKind::Rejected);
}

/// 分派: one child per unit, each dispatched and needing its own 签收 and 反馈; the parent
/// stays with the issuing unit and waits for 汇总.
pub(crate) fn fan_out(mv: &mut Move<'_>, units: &[EntityId]) -> Result<(), FlowError> {
    if !mv.item.kind.fans_out() {
        return Err(FlowError::cannot_fan_out(mv.item.kind));
    }
    if units.is_empty() {
        return Err(FlowError::NoUnits);
    }
    let mut seen = BTreeSet::new();
    if let Some(unit) = units.iter().find(|u| !seen.insert(**u)) {
        return Err(FlowError::DuplicateUnit { unit: *unit });
    }
    let limits = mv.limits()?;
    let children = u32::try_from(units.len()).unwrap_or(u32::MAX);
    mv.item.stage = Stage::Dispatched;
    mv.item.children = children;
    mv.start_clock(Stage::Handling, limits.stages.handle, &limits);
    let calendar = mv.ctx.calendar;
    let mut deadlines = mv.item.deadlines.clone();
    deadlines.retain(|stage, _| matches!(stage, Stage::Handling | Stage::Closed));
    if let Some(sign) = limits.stages.sign {
        deadlines.insert(Stage::Signed, calendar.deadline(mv.now, sign, limits.clock));
    }
    for unit in units {
        let spec = ChildSpec {
            parent: mv.item.id,
            unit: *unit,
            kind: mv.item.kind,
            title: mv.item.title.clone(),
            category: mv.item.category.clone(),
            priority: mv.item.priority,
            channel: mv.item.channel,
            clock: mv.item.clock,
            location: mv.item.location,
            enterprise: mv.item.enterprise,
            issuing_unit: mv.item.owner_unit,
            deadlines: deadlines.clone(),
            at: mv.now,
            dispatched_by: mv.actor.clone(),
        };
        mv.effects.push(Effect::CreateChild(spec));
        let msg = format!(
            "新下发事项“{}”，请签收办理并反馈{}",
            mv.item.title,
            mv.deadline_text(Stage::Handling)
        );
        mv.notify_unit(*unit, msg);
        mv.metric(*unit, MetricKind::Dispatched);
    }
    let owner = mv.item.owner_unit;
    mv.metric(owner, MetricKind::FannedOut { children });
    Ok(())
}

/// 汇总: a directive moves on when every child has replied; a 一件事 case when every department
/// task is closed; cancelled children are left out. The parent then goes through 核查 and 结案
/// once, for all.
pub(crate) fn consolidate(mv: &mut Move<'_>) -> Result<(), FlowError> {
    if mv.item.children == 0 {
        return Err(FlowError::NotFannedOut);
    }
    let p = progress(&mv.item, mv.ctx.children);
    let total = p.total;
    if total == 0 {
        return Err(FlowError::AllChildrenCancelled {
            cancelled: p.cancelled,
        });
    }
    let (done, need) = match mv.item.kind {
        ItemKind::ServiceCase => (p.closed, "办结"),
        _ => (p.replied, "反馈"),
    };
    if done < total {
        return Err(FlowError::ChildrenIncomplete { done, total, need });
    }
    let limits = mv.limits()?;
    let on_time = mv.meets(Stage::Handling);
    mv.item.stage = Stage::Replied;
    mv.item.handled_at = Some(mv.now);
    mv.item.handled_by = None;
    mv.start_clock(Stage::Verified, limits.stages.verify, &limits);
    mv.on_time = Some(on_time);
    let (receiver, owner) = (mv.item.receiving_unit, mv.item.owner_unit);
    let msg = format!("事项“{}”的{total}个子事项均已{need}，请核查", mv.item.title);
    mv.notify_unit(receiver, msg);
    mv.metric(owner, MetricKind::Handled { on_time });
    Ok(())
}
