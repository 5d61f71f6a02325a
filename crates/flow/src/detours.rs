//! The detours of the closed loop: 回退 and 终审, 延期, 挂起/挂账 and 恢复, 督办, 升级, 催办,
//! 撤销 and 强制结案. Called from [`crate::apply`] after the rule tables have been checked.

use yiping_kernel::EntityId;

use crate::clock::Pause;
use crate::command::CommandKind;
use crate::effect::{Effect, MetricKind};
use crate::error::FlowError;
use crate::model::{ClosureType, ExtensionRequest, Reason, Stage, SuspendKind, Suspension};
use crate::transitions::{Move, finish};

/// 回退: the item goes back to its first receiver (首问负责) for a new dispatch; the second
/// bounce goes to an adjudicator instead.
pub(crate) fn return_item(mv: &mut Move<'_>, reason: &Reason) -> Result<(), FlowError> {
    if mv.item.final_owner {
        return Err(FlowError::FinalOwner);
    }
    let limits = mv.limits()?;
    let unit = mv.actor.unit;
    let receiver = mv.item.receiving_unit;
    mv.item.counters.returns += 1;
    mv.item.owner_unit = receiver;
    mv.item.assignee = None;
    mv.item.pending_extension = None;
    mv.item.deadlines.remove(&Stage::Signed);
    mv.item.deadlines.remove(&Stage::Handling);
    let msg = if mv.item.counters.returns >= 2 {
        mv.item.stage = Stage::AwaitingRuling;
        format!(
            "事项“{}”被单位 {unit} 第{}次回退（{reason}），已提请终审",
            mv.item.title, mv.item.counters.returns
        )
    } else {
        mv.item.stage = Stage::Registered;
        mv.start_clock(Stage::Dispatched, limits.stages.dispatch, &limits);
        format!(
            "事项“{}”被单位 {unit} 回退：{reason}，请重新派遣",
            mv.item.title
        )
    };
    mv.notify_unit(receiver, msg);
    mv.metric(unit, MetricKind::Returned);
    Ok(())
}

/// 终审: the adjudicator forces an owner; it owns the item at once and cannot return it.
pub(crate) fn adjudicate(
    mv: &mut Move<'_>,
    unit: EntityId,
    reason: &Reason,
) -> Result<(), FlowError> {
    let limits = mv.limits()?;
    mv.item.stage = Stage::Dispatched;
    mv.item.owner_unit = unit;
    mv.item.assignee = Some(unit);
    mv.item.final_owner = true;
    mv.start_clock(Stage::Signed, limits.stages.sign, &limits);
    mv.start_clock(Stage::Handling, limits.stages.handle, &limits);
    let msg = format!(
        "终审确定由你单位负责事项“{}”：{reason}。请签收办理{}",
        mv.item.title,
        mv.deadline_text(Stage::Handling)
    );
    mv.notify_unit(unit, msg);
    mv.metric(unit, MetricKind::Adjudicated);
    Ok(())
}

/// 强制结案, with a reason, from any open stage after 立案.
pub(crate) fn force_close(mv: &mut Move<'_>, reason: &Reason) {
    mv.item.outcome_reason = Some(reason.clone());
    mv.item.assignee = None;
    finish(mv, ClosureType::Forced);
    let msg = format!("事项“{}”已强制结案：{reason}", mv.item.title);
    let owner = mv.item.owner_unit;
    mv.notify_unit(owner, msg.clone());
    mv.notify_people(msg);
}

/// 申请延期, before the handling deadline, one request at a time.
pub(crate) fn request_extension(
    mv: &mut Move<'_>,
    amount: u32,
    reason: &Reason,
) -> Result<(), FlowError> {
    if amount == 0 {
        return Err(FlowError::ZeroExtension);
    }
    if mv.item.pending_extension.is_some() {
        return Err(FlowError::ExtensionPending);
    }
    let deadline = mv
        .item
        .deadline(Stage::Handling)
        .ok_or(FlowError::NoDeadlineToExtend)?;
    if mv.now >= deadline {
        return Err(FlowError::ExtensionTooLate {
            deadline: mv.local_text(deadline),
        });
    }
    mv.item.pending_extension = Some(ExtensionRequest {
        amount,
        reason: reason.clone(),
        requested_at: mv.now,
        requested_by: mv.actor.user.clone(),
    });
    let msg = format!(
        "单位 {} 申请事项“{}”延期 {amount} {}：{reason}",
        mv.item.owner_unit,
        mv.item.title,
        mv.item.clock.label_zh()
    );
    let (receiver, owner) = (mv.item.receiving_unit, mv.item.owner_unit);
    mv.notify_unit(receiver, msg);
    mv.metric(owner, MetricKind::ExtensionRequested);
    Ok(())
}

/// 批准延期: the handling and closing deadlines move on by the amount asked, on the item's clock.
pub(crate) fn approve_extension(mv: &mut Move<'_>) -> Result<(), FlowError> {
    let request = mv
        .item
        .pending_extension
        .take()
        .ok_or(FlowError::NoExtensionPending)?;
    for stage in [Stage::Handling, Stage::Closed] {
        if let Some(d) = mv.item.deadline(stage) {
            let moved = mv.ctx.calendar.deadline(d, request.amount, mv.item.clock);
            mv.item.deadlines.insert(stage, moved);
        }
    }
    mv.item.counters.extensions += 1;
    let owner = mv.item.owner_unit;
    let msg = format!(
        "事项“{}”延期申请已批准{}",
        mv.item.title,
        mv.deadline_text(Stage::Handling)
    );
    mv.notify_unit(owner, msg);
    mv.metric(owner, MetricKind::Extended);
    Ok(())
}

/// 驳回延期.
pub(crate) fn refuse_extension(mv: &mut Move<'_>, reason: &Reason) -> Result<(), FlowError> {
    mv.item
        .pending_extension
        .take()
        .ok_or(FlowError::NoExtensionPending)?;
    let owner = mv.item.owner_unit;
    let msg = format!(
        "事项“{}”延期申请被驳回：{reason}，请按原时限办理",
        mv.item.title
    );
    mv.notify_unit(owner, msg);
    mv.metric(owner, MetricKind::ExtensionRefused);
    Ok(())
}

/// 挂起 / 挂账: the clock pauses, with a written explanation.
pub(crate) fn suspend(mv: &mut Move<'_>, kind: SuspendKind, explanation: &Reason) {
    mv.item.suspension = Some(Suspension {
        kind,
        explanation: explanation.clone(),
        since: mv.now,
    });
    let owner = mv.item.owner_unit;
    let msg = format!(
        "事项“{}”已{}：{explanation}，计时暂停",
        mv.item.title,
        kind.label_zh()
    );
    mv.notify_unit(owner, msg);
    mv.metric(owner, MetricKind::Suspended);
}

/// 恢复: every deadline still ahead when the pause began moves on by the clock time paused.
pub(crate) fn resume(mv: &mut Move<'_>) -> Result<(), FlowError> {
    let since = mv
        .item
        .suspension
        .as_ref()
        .map(|s| s.since)
        .ok_or(FlowError::NotSuspended)?;
    let (calendar, clock) = (mv.ctx.calendar, mv.item.clock);
    for stage in mv.item.stage.pending_deadlines() {
        if let Some(d) = mv.item.deadline(*stage)
            && d > since
        {
            let left = calendar.elapsed(since, d, clock, &[]);
            let moved = calendar.advance(mv.now, left, clock);
            mv.item.deadlines.insert(*stage, moved);
        }
    }
    end_pause(mv);
    let owner = mv.item.owner_unit;
    let msg = format!("事项“{}”已恢复计时", mv.item.title);
    mv.notify_unit(owner, msg);
    mv.metric(owner, MetricKind::Resumed);
    Ok(())
}

/// Ends the current pause, if any, recording it.
pub(crate) fn end_pause(mv: &mut Move<'_>) {
    if let Some(s) = mv.item.suspension.take() {
        mv.item.pauses.push(Pause {
            from: s.since,
            to: mv.now,
        });
    }
}

/// 督办 flag, with a note.
pub(crate) fn supervise(mv: &mut Move<'_>, note: &Reason) -> Result<(), FlowError> {
    if mv.item.supervised {
        return Err(FlowError::AlreadySupervised);
    }
    mv.item.supervised = true;
    let msg = format!("事项“{}”已列入督办：{note}", mv.item.title);
    notify_handlers(mv, msg);
    let owner = mv.item.owner_unit;
    mv.metric(owner, MetricKind::Supervised);
    Ok(())
}

/// 升级: an overdue item goes up one level from where it was last escalated (town → district →
/// city; a department → its region).
pub(crate) fn escalate(mv: &mut Move<'_>) -> Result<(), FlowError> {
    if !mv.item.is_overdue(mv.now) {
        return Err(FlowError::NotOverdue {
            command: CommandKind::Escalate,
        });
    }
    let from = mv.item.escalated_to.unwrap_or(mv.item.owner_unit);
    let to = mv
        .ctx
        .org
        .parent_of(from)
        .ok_or(FlowError::NoParentUnit { unit: from })?;
    mv.item.escalated_to = Some(to);
    mv.item.counters.escalations += 1;
    let owner = mv.item.owner_unit;
    mv.effects.push(Effect::Escalate {
        item: mv.item.id,
        from,
        to,
    });
    let msg = format!(
        "事项“{}”已超期，升级至你单位督促办理（责任单位 {owner}）",
        mv.item.title
    );
    mv.notify_unit(to, msg);
    mv.metric(owner, MetricKind::Escalated);
    Ok(())
}

/// 催办: a chase notice for an overdue item.
pub(crate) fn remind(mv: &mut Move<'_>) -> Result<(), FlowError> {
    if !mv.item.is_overdue(mv.now) {
        return Err(FlowError::NotOverdue {
            command: CommandKind::Remind,
        });
    }
    mv.item.counters.reminders += 1;
    let msg = format!("催办：事项“{}”已超期，请尽快办理", mv.item.title);
    notify_handlers(mv, msg);
    let owner = mv.item.owner_unit;
    mv.metric(owner, MetricKind::Reminded);
    Ok(())
}

/// 撤销, with a reason.
pub(crate) fn cancel(mv: &mut Move<'_>, reason: &Reason) {
    mv.item.stage = Stage::Cancelled;
    mv.item.outcome_reason = Some(reason.clone());
    mv.item.pending_extension = None;
    end_pause(mv);
    let msg = format!("事项“{}”已撤销：{reason}", mv.item.title);
    notify_handlers(mv, msg);
    mv.item.assignee = None;
    let owner = mv.item.owner_unit;
    mv.metric(owner, MetricKind::Cancelled);
}

/// Notifies the owner and, before 签收, the unit the item was sent to.
fn notify_handlers(mv: &mut Move<'_>, message: String) {
    let owner = mv.item.owner_unit;
    if let Some(assignee) = mv.item.assignee
        && assignee != owner
    {
        mv.notify_unit(assignee, message.clone());
    }
    mv.notify_unit(owner, message);
}
