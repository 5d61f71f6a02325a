//! The state machine: [`apply`] checks a command against the rule tables and returns the next
//! version of the item with its effects, or the refusal.
//!
//! Checks run in a fixed order, so a command that breaks several rules always gets the same
//! answer: the role ([`crate::allowed_roles`]), the clock (no time before the last change), the
//! stage ([`allowed_stages`]), the pause (a suspended item only accepts 恢复, 督办, 撤销 and
//! 强制结案), fan-out (a parent is signed for and returned only in its children), the person
//! ([`crate::roles`]), and then the command's own preconditions.
//!
//! This module holds the main line (立案 → 派遣 → 签收 → 处置 → 反馈 → 核查 → 结案, with 评价);
//! the detours live in `detours.rs`, intake and fan-out in `intake.rs`.

use chrono::{DateTime, Utc};
use yiping_kernel::EntityId;

use crate::calendar::Calendar;
use crate::category::{CategoryBook, Limits};
use crate::command::{Command, CommandKind, Verification};
use crate::effect::{Effect, MetricEvent, MetricKind, Recipient};
use crate::error::FlowError;
use crate::model::{ClosureType, HistoryEntry, Rating, Stage, Step, WorkItem};
use crate::roles::{self, Actor};
use crate::routing::OrgMap;
use crate::{detours, intake};

/// What the engine needs besides the item: the calendar, the category rules, the organisation
/// (for escalation), and, for 汇总, the children of a fanned-out item.
#[derive(Debug, Clone, Copy)]
pub struct FlowContext<'a> {
    pub calendar: &'a Calendar,
    pub categories: &'a CategoryBook,
    pub org: &'a OrgMap,
    pub children: &'a [WorkItem],
}

impl<'a> FlowContext<'a> {
    pub fn new(calendar: &'a Calendar, categories: &'a CategoryBook, org: &'a OrgMap) -> Self {
        Self {
            calendar,
            categories,
            org,
            children: &[],
        }
    }

    /// The same context with the child items of the item being changed.
    pub fn with_children(self, children: &'a [WorkItem]) -> Self {
        Self { children, ..self }
    }
}

/// The stages a command may start from.
pub fn allowed_stages(kind: CommandKind) -> &'static [Stage] {
    use CommandKind as C;
    use Stage::*;
    match kind {
        C::Register | C::Reject => &[Received],
        C::Dispatch | C::FanOut => &[Registered],
        C::Sign | C::Consolidate => &[Dispatched],
        C::Return => &[Dispatched, Signed],
        C::Adjudicate => &[AwaitingRuling],
        C::Handle => &[Signed],
        C::Reply => &[Handling],
        C::Verify => &[Replied],
        C::Rate => &[Replied, Closed],
        C::Close => &[Verified],
        C::ForceClose => &[
            Registered,
            Dispatched,
            Signed,
            Handling,
            Replied,
            Verified,
            AwaitingRuling,
        ],
        C::RequestExtension | C::ApproveExtension | C::RefuseExtension => &[Signed, Handling],
        C::Suspend | C::Resume | C::Escalate => &[Registered, Dispatched, Signed, Handling],
        C::Remind => &[Dispatched, Signed, Handling],
        C::Supervise => &[
            Received,
            Registered,
            Dispatched,
            Signed,
            Handling,
            Replied,
            Verified,
            AwaitingRuling,
        ],
        C::Cancel => &[
            Received,
            Registered,
            Dispatched,
            Signed,
            Handling,
            AwaitingRuling,
        ],
    }
}

/// Why a command is refused at a stage, after "状态为‘…’的事项不能‘…’：".
fn refusal_hint(stage: Stage, kind: CommandKind) -> &'static str {
    use CommandKind as C;
    match stage {
        Stage::Closed => return "事项已结案",
        Stage::Rejected => return "事项已不予立案，流程已结束",
        Stage::Cancelled => return "事项已撤销，流程已结束",
        _ => {}
    }
    match kind {
        C::Register => "只有刚受理的事项可以立案",
        C::Reject => "已立案的事项不能再不予立案",
        C::Dispatch => "只能派遣已立案、待派遣的事项",
        C::FanOut => "只能分派已立案、待派遣的事项",
        C::Sign => "只能签收已派遣、待签收的事项",
        C::Return => "只能在开始处置前回退",
        C::Adjudicate => "只有二次回退、待终审的事项需要终审",
        C::Handle => "须先签收",
        C::Reply => "须先开始处置",
        C::Verify => "须先反馈处置结果",
        C::Rate => "只能在反馈后或结案后评价",
        C::Close => "须先经核查",
        C::ForceClose => "只有已立案、未办结的事项可以强制结案",
        C::RequestExtension | C::ApproveExtension | C::RefuseExtension => {
            "只能在签收后、反馈前申请或审批延期"
        }
        C::Suspend | C::Resume => "只能在立案后、反馈前挂起或恢复",
        C::Escalate => "只能升级立案后、反馈前的事项",
        C::Remind => "只能催办已派遣、未反馈的事项",
        C::Supervise => "只能督办未办结的事项",
        C::Cancel => "已反馈处置结果的事项不能撤销",
        C::Consolidate => "只能汇总已分派、待各单位办理的事项",
    }
}

/// Applies a command. On success: the next version of the item (version + 1, one more history
/// entry) and the effects; on refusal: why, in Chinese. The input item is never changed.
pub fn apply(
    item: &WorkItem,
    cmd: &Command,
    actor: &Actor,
    now: DateTime<Utc>,
    ctx: &FlowContext<'_>,
) -> Result<(WorkItem, Vec<Effect>), FlowError> {
    let kind = cmd.kind();
    roles::check_role(actor, kind)?;
    if now < item.updated_at {
        return Err(FlowError::TimeWentBack);
    }
    if !allowed_stages(kind).contains(&item.stage) {
        return Err(FlowError::StageRefused {
            stage: item.stage,
            command: kind,
            hint: refusal_hint(item.stage, kind),
        });
    }
    if let Some(s) = &item.suspension
        && !kind.allowed_while_suspended()
    {
        return Err(FlowError::Suspended {
            kind: s.kind.label_zh(),
            command: kind,
        });
    }
    // A fanned-out parent is signed for and returned in its children, whoever asks.
    if item.children > 0 && matches!(kind, CommandKind::Sign | CommandKind::Return) {
        return Err(FlowError::FannedOut {
            command: kind,
            children: item.children,
        });
    }
    roles::check_person(item, actor, kind)?;

    let mut mv = Move {
        item: item.clone(),
        effects: Vec::new(),
        actor,
        now,
        ctx,
        on_time: None,
    };
    match cmd {
        Command::Register => register(&mut mv)?,
        Command::Reject { reason } => intake::reject(&mut mv, reason),
        Command::Dispatch { unit } => dispatch(&mut mv, *unit)?,
        Command::FanOut { units } => intake::fan_out(&mut mv, units)?,
        Command::Sign => sign(&mut mv),
        Command::Return { reason } => detours::return_item(&mut mv, reason)?,
        Command::Adjudicate { unit, reason } => detours::adjudicate(&mut mv, *unit, reason)?,
        Command::Handle => mv.item.stage = Stage::Handling,
        Command::Reply { result } => reply(&mut mv, result.as_str())?,
        Command::Verify { outcome } => verify(&mut mv, outcome)?,
        Command::Rate { satisfied, solved } => rate(&mut mv, *satisfied, *solved)?,
        Command::Close => close(&mut mv),
        Command::ForceClose { reason } => detours::force_close(&mut mv, reason),
        Command::RequestExtension { amount, reason } => {
            detours::request_extension(&mut mv, *amount, reason)?
        }
        Command::ApproveExtension => detours::approve_extension(&mut mv)?,
        Command::RefuseExtension { reason } => detours::refuse_extension(&mut mv, reason)?,
        Command::Suspend { kind, explanation } => detours::suspend(&mut mv, *kind, explanation),
        Command::Resume => detours::resume(&mut mv)?,
        Command::Supervise { note } => detours::supervise(&mut mv, note)?,
        Command::Escalate => detours::escalate(&mut mv)?,
        Command::Remind => detours::remind(&mut mv)?,
        Command::Cancel { reason } => detours::cancel(&mut mv, reason),
        Command::Consolidate => intake::consolidate(&mut mv)?,
    }

    let Move {
        item: mut next,
        effects,
        on_time,
        ..
    } = mv;
    next.version = item.version + 1;
    next.updated_at = now;
    next.history.push(HistoryEntry {
        version: next.version,
        at: now,
        actor: actor.clone(),
        step: Step::Command(cmd.clone()),
        from: item.stage,
        to: next.stage,
        on_time,
    });
    Ok((next, effects))
}

/// A command being applied: the item as it will be, and what it will emit.
pub(crate) struct Move<'a> {
    pub item: WorkItem,
    pub effects: Vec<Effect>,
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub ctx: &'a FlowContext<'a>,
    /// Whether the step met its deadline, for the history.
    pub on_time: Option<bool>,
}

impl Move<'_> {
    pub fn notify_unit(&mut self, unit: EntityId, message: String) {
        self.effects.push(Effect::Notify {
            to: Recipient::Unit(unit),
            message,
        });
    }

    /// Notifies the reporter and the requester, if any.
    pub fn notify_people(&mut self, message: String) {
        let people = [self.item.reporter.clone(), self.item.requester.clone()];
        for user in people.into_iter().flatten() {
            self.effects.push(Effect::Notify {
                to: Recipient::User(user),
                message: message.clone(),
            });
        }
    }

    pub fn metric(&mut self, unit: EntityId, kind: MetricKind) {
        self.effects.push(Effect::Metric(MetricEvent {
            item: self.item.id,
            unit,
            at: self.now,
            kind,
        }));
    }

    /// The limits of the item's category and priority.
    pub fn limits(&self) -> Result<Limits, FlowError> {
        let category = self.ctx.categories.require(&self.item.category)?;
        Ok(category.limits(self.item.priority))
    }

    /// Starts the clock towards `stage`: sets its deadline from now, or removes it when the
    /// category sets no limit.
    pub fn start_clock(&mut self, stage: Stage, amount: Option<u32>, limits: &Limits) {
        match amount {
            Some(a) => {
                let d = self.ctx.calendar.deadline(self.now, a, limits.clock);
                self.item.deadlines.insert(stage, d);
            }
            None => {
                self.item.deadlines.remove(&stage);
            }
        }
    }

    /// Whether now meets the deadline towards `stage` (no deadline: met).
    pub fn meets(&self, stage: Stage) -> bool {
        self.item.deadline(stage).is_none_or(|d| self.now <= d)
    }

    /// A UTC instant as local time, for messages.
    pub fn local_text(&self, at: DateTime<Utc>) -> String {
        self.ctx
            .calendar
            .local(at)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// " (时限 …)" for a message, when the stage has a deadline.
    pub fn deadline_text(&self, stage: Stage) -> String {
        self.item
            .deadline(stage)
            .map(|d| format!("（时限 {}）", self.local_text(d)))
            .unwrap_or_default()
    }
}

/// 立案: the clocks towards 派遣 and 结案 start.
pub(crate) fn register(mv: &mut Move<'_>) -> Result<(), FlowError> {
    let limits = mv.limits()?;
    mv.item.stage = Stage::Registered;
    mv.item.registered_at = Some(mv.now);
    mv.item.deadlines.remove(&Stage::Registered);
    mv.start_clock(Stage::Dispatched, limits.stages.dispatch, &limits);
    mv.start_clock(Stage::Closed, limits.stages.close, &limits);
    let owner = mv.item.owner_unit;
    let msg = format!(
        "事项“{}”已立案，请派遣{}",
        mv.item.title,
        mv.deadline_text(Stage::Dispatched)
    );
    mv.notify_unit(owner, msg);
    mv.metric(owner, MetricKind::Registered);
    Ok(())
}

/// 派遣 to one unit, which owns the item only once it signs (首问负责).
fn dispatch(mv: &mut Move<'_>, unit: EntityId) -> Result<(), FlowError> {
    let limits = mv.limits()?;
    mv.item.stage = Stage::Dispatched;
    mv.item.assignee = Some(unit);
    mv.start_clock(Stage::Signed, limits.stages.sign, &limits);
    mv.start_clock(Stage::Handling, limits.stages.handle, &limits);
    let msg = format!(
        "新派遣事项“{}”，请签收{}",
        mv.item.title,
        mv.deadline_text(Stage::Signed)
    );
    mv.notify_unit(unit, msg);
    mv.metric(unit, MetricKind::Dispatched);
    Ok(())
}

/// 签收: ownership passes to the signing unit.
fn sign(mv: &mut Move<'_>) {
    let on_time = mv.meets(Stage::Signed);
    let unit = mv.actor.unit;
    mv.item.stage = Stage::Signed;
    mv.item.owner_unit = unit;
    mv.item.assignee = None;
    mv.on_time = Some(on_time);
    mv.metric(unit, MetricKind::Signed { on_time });
}

/// 反馈: the handling clock stops, the verification clock starts.
fn reply(mv: &mut Move<'_>, result: &str) -> Result<(), FlowError> {
    let limits = mv.limits()?;
    let on_time = mv.meets(Stage::Handling);
    mv.item.stage = Stage::Replied;
    mv.item.handled_at = Some(mv.now);
    mv.item.handled_by = Some(mv.actor.user.clone());
    mv.item.pending_extension = None;
    mv.start_clock(Stage::Verified, limits.stages.verify, &limits);
    mv.on_time = Some(on_time);
    let (owner, receiver) = (mv.item.owner_unit, mv.item.receiving_unit);
    mv.notify_unit(
        receiver,
        format!("事项“{}”已反馈：{result}，请核查", mv.item.title),
    );
    if let Some(requester) = mv.item.requester.clone() {
        mv.effects.push(Effect::Notify {
            to: Recipient::User(requester),
            message: format!("您的诉求“{}”已办理：{result}，请评价", mv.item.title),
        });
    }
    mv.metric(owner, MetricKind::Handled { on_time });
    Ok(())
}

/// Sends the item back to handling (返工) after a failed verification or a dissatisfied
/// confirmation; counts against the handling unit.
fn rework(mv: &mut Move<'_>, why: &str) {
    let owner = mv.item.owner_unit;
    mv.item.stage = Stage::Handling;
    mv.item.handled_at = None;
    mv.item.counters.reworks += 1;
    mv.item.deadlines.remove(&Stage::Verified);
    mv.notify_unit(owner, format!("事项“{}”返工：{why}", mv.item.title));
    mv.metric(owner, MetricKind::Reworked);
}

/// 核查 by someone other than the handler.
fn verify(mv: &mut Move<'_>, outcome: &Verification) -> Result<(), FlowError> {
    if mv.item.handled_by.as_ref() == Some(&mv.actor.user) {
        return Err(FlowError::SameAsHandler);
    }
    match outcome {
        Verification::Passed => {
            mv.on_time = Some(mv.meets(Stage::Verified));
            mv.item.stage = Stage::Verified;
            let owner = mv.item.owner_unit;
            mv.metric(owner, MetricKind::Verified);
        }
        Verification::Failed { reason } => rework(mv, &format!("核查未通过，{reason}")),
    }
    Ok(())
}

/// 评价: after the reply it confirms (or not) the result; after closure it is the call-back,
/// and a dissatisfied call-back reopens the item (重办) with new handling and closing limits
/// (the old 结案 deadline has passed or is about to: kept, the item would be overdue at once).
fn rate(mv: &mut Move<'_>, satisfied: bool, solved: bool) -> Result<(), FlowError> {
    let owner = mv.item.owner_unit;
    if mv.item.stage == Stage::Closed
        && let (Some(r), Some(closed)) = (mv.item.rating, mv.item.closed_at)
        && r.at >= closed
    {
        return Err(FlowError::AlreadyRated);
    }
    mv.item.rating = Some(Rating {
        satisfied,
        solved,
        at: mv.now,
    });
    mv.metric(owner, MetricKind::Rated { satisfied, solved });
    match (mv.item.stage, satisfied) {
        (Stage::Replied, true) => {
            mv.item.stage = Stage::Verified;
            mv.metric(owner, MetricKind::Verified);
        }
        (Stage::Replied, false) => rework(mv, "诉求人对办理结果不满意"),
        (_, true) => {}
        (_, false) => {
            let limits = mv.limits()?;
            mv.item.stage = Stage::Handling;
            mv.item.counters.reopens += 1;
            mv.item.closed_at = None;
            mv.item.closure = None;
            mv.item.handled_at = None;
            mv.item.deadlines.remove(&Stage::Verified);
            mv.start_clock(Stage::Handling, limits.stages.handle, &limits);
            mv.start_clock(Stage::Closed, limits.stages.close, &limits);
            let msg = format!(
                "事项“{}”回访不满意，须重办{}",
                mv.item.title,
                mv.deadline_text(Stage::Handling)
            );
            mv.notify_unit(owner, msg);
            mv.metric(owner, MetricKind::Reopened);
        }
    }
    Ok(())
}

/// 结案 after verification: on time or overdue against the 结案 deadline.
fn close(mv: &mut Move<'_>) {
    let on_time = mv.meets(Stage::Closed);
    let closure = if on_time {
        ClosureType::Normal
    } else {
        ClosureType::Overdue
    };
    finish(mv, closure);
    mv.on_time = Some(on_time);
    let msg = format!("您反映的“{}”已办结，稍后将回访", mv.item.title);
    mv.notify_people(msg);
}

/// Ends the loop with a closure type; shared by 结案 and 强制结案.
pub(crate) fn finish(mv: &mut Move<'_>, closure: ClosureType) {
    mv.item.stage = Stage::Closed;
    mv.item.closed_at = Some(mv.now);
    mv.item.closure = Some(closure);
    mv.item.supervised = false;
    mv.item.pending_extension = None;
    detours::end_pause(mv);
    let owner = mv.item.owner_unit;
    mv.metric(owner, MetricKind::Closed(closure));
}
