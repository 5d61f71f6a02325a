//! Scenarios off the main line: 延期, 挂起/挂账, 督办, 升级, 催办, and fan-out (指令 and 一件事).

mod support;

use chrono::TimeDelta;
use support::*;
use yiping_flow::{
    Command, Effect, FlowError, ItemKind, Recipient, Stage, SuspendKind, Verification, WorkItem,
    apply, progress,
};

fn suspend(kind: SuspendKind) -> Command {
    Command::Suspend {
        kind,
        explanation: reason("等待产权单位确认"),
    }
}

#[test]
fn extension_is_asked_before_the_deadline_and_decided_by_the_supervisor() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item = d.at_stage(1, ItemKind::Event, Stage::Handling);
    let before = item.deadline(Stage::Handling).unwrap();
    let ask = Command::RequestExtension {
        amount: 7,
        reason: reason("需协调产权单位"),
    };
    let (asked, fx) = d.step_fx(&item, ask.clone(), &handler(DEPT));
    assert_eq!(asked.pending_extension.as_ref().unwrap().amount, 7);
    assert!(
        matches!(&fx[0], Effect::Notify { to: Recipient::Unit(u), message }
        if *u == DISTRICT && message.contains("延期 7 工作小时：需协调产权单位"))
    );
    let e = apply(&asked, &ask, &handler(DEPT), d.now, &world.ctx()).unwrap_err();
    assert_eq!(e.to_string(), "已有待审批的延期申请");

    let approved = d.step(&asked, Command::ApproveExtension, &supervisor());
    // Seven working hours is one working day later, same time.
    assert_eq!(
        approved.deadline(Stage::Handling),
        Some(before + TimeDelta::days(1))
    );
    assert_eq!(approved.counters.extensions, 1);
    assert!(approved.pending_extension.is_none());

    let refused = d.step(
        &asked,
        Command::RefuseExtension {
            reason: reason("理由不充分"),
        },
        &supervisor(),
    );
    assert_eq!(refused.deadline(Stage::Handling), Some(before));
    assert_eq!(refused.counters.extensions, 0);
    let e = apply(
        &refused,
        &Command::ApproveExtension,
        &supervisor(),
        d.now,
        &world.ctx(),
    )
    .unwrap_err();
    assert_eq!(e, FlowError::NoExtensionPending);

    let late = item.deadline(Stage::Handling).unwrap();
    let e = apply(&item, &ask, &handler(DEPT), late, &world.ctx()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "已超过处置时限（2024-03-06 11:20），不能再申请延期"
    );
    let zero = Command::RequestExtension {
        amount: 0,
        reason: reason("x"),
    };
    let e = apply(&item, &zero, &handler(DEPT), d.now, &world.ctx()).unwrap_err();
    assert_eq!(e, FlowError::ZeroExtension);
}

#[test]
fn suspension_pauses_the_clock_and_resuming_moves_deadlines_on() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item = d.at_stage(1, ItemKind::Event, Stage::Handling);
    let handling = item.deadline(Stage::Handling).unwrap();
    let closing = item.deadline(Stage::Closed).unwrap();
    let since = d.now + mins(10);
    let paused = d.step(&item, suspend(SuspendKind::Park), &supervisor());
    assert_eq!(paused.suspension.as_ref().unwrap().since, since);
    // Suspended items are never overdue, and refuse work until resumed.
    assert!(!paused.is_overdue(handling + TimeDelta::days(30)));
    let reply = Command::Reply {
        result: reason("已处理"),
    };
    let e = apply(&paused, &reply, &handler(DEPT), d.now, &world.ctx()).unwrap_err();
    assert_eq!(e.to_string(), "事项已挂账，不能‘反馈’：须先恢复");
    let e = apply(&item, &Command::Resume, &supervisor(), d.now, &world.ctx()).unwrap_err();
    assert_eq!(e, FlowError::NotSuspended);

    // Resumed exactly one week later (same weekday and time): five working days were lost.
    d.now = since + TimeDelta::days(7) - mins(10);
    let resumed = d.step(&paused, Command::Resume, &system());
    assert!(resumed.suspension.is_none());
    assert_eq!(resumed.pauses.len(), 1);
    assert_eq!(
        resumed.deadline(Stage::Handling),
        Some(handling + TimeDelta::days(7))
    );
    assert_eq!(
        resumed.deadline(Stage::Closed),
        Some(closing + TimeDelta::days(7))
    );
    let elapsed = world.calendar.elapsed(
        item.registered_at.unwrap(),
        d.now + TimeDelta::hours(1),
        resumed.clock,
        &resumed.pauses,
    );
    // Registered Monday 09:10, paused Monday 09:50 → 40 minutes, plus an hour after resuming.
    assert_eq!(elapsed, TimeDelta::minutes(100));
}

#[test]
fn supervision_is_a_flag_that_ends_with_closure() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item = d.at_stage(1, ItemKind::Event, Stage::Verified);
    let note = Command::Supervise {
        note: reason("区领导批示：限期解决"),
    };
    let (flagged, fx) = d.step_fx(&item, note.clone(), &supervisor());
    assert!(flagged.supervised);
    assert!(
        matches!(&fx[0], Effect::Notify { to: Recipient::Unit(u), message }
        if *u == DEPT && message == "事项“解放碑步行街垃圾堆积”已列入督办：区领导批示：限期解决")
    );
    let e = apply(&flagged, &note, &supervisor(), d.now, &world.ctx()).unwrap_err();
    assert_eq!(e.to_string(), "事项已在督办中");
    let closed = d.step(&flagged, Command::Close, &supervisor());
    assert!(!closed.supervised);
}

#[test]
fn overdue_items_escalate_up_the_hierarchy_one_level_at_a_time() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item = d.at_stage(1, ItemKind::Event, Stage::Handling);
    let e = apply(&item, &Command::Escalate, &system(), d.now, &world.ctx()).unwrap_err();
    assert_eq!(e.to_string(), "事项未超期，不能‘升级’");

    d.now = item.deadline(Stage::Handling).unwrap();
    let (up, fx) = d.step_fx(&item, Command::Escalate, &system());
    assert_eq!(up.escalated_to, Some(DISTRICT));
    assert!(fx.contains(&Effect::Escalate {
        item: up.id,
        from: DEPT,
        to: DISTRICT
    }));
    let (up, _) = d.step_fx(&up, Command::Escalate, &system());
    assert_eq!((up.escalated_to, up.counters.escalations), (Some(CITY), 2));
    let e = apply(
        &up,
        &Command::Escalate,
        &system(),
        d.now + mins(1),
        &world.ctx(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "单位 1 没有上级单位，不能升级");
}

#[test]
fn chase_notices_only_for_overdue_items() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item = d.at_stage(1, ItemKind::Event, Stage::Dispatched);
    let e = apply(&item, &Command::Remind, &system(), d.now, &world.ctx()).unwrap_err();
    assert_eq!(
        e,
        FlowError::NotOverdue {
            command: yiping_flow::CommandKind::Remind
        }
    );
    d.now = item.deadline(Stage::Signed).unwrap();
    let (chased, fx) = d.step_fx(&item, Command::Remind, &system());
    assert_eq!(chased.counters.reminders, 1);
    // Before 签收 both the unit it was sent to and the owner hear of it.
    let units: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::Notify {
                to: Recipient::Unit(u),
                ..
            } => Some(*u),
            _ => None,
        })
        .collect();
    assert_eq!(units, [DEPT, DISTRICT]);
}

/// A directive fanned out to three units; returns the parent, the children, and the driver.
fn fanned_out(world: &World) -> (WorkItem, Vec<WorkItem>, Driver<'_>) {
    let mut d = Driver::new(world);
    let parent = d.at_stage(1, ItemKind::Directive, Stage::Registered);
    let units = vec![DEPT, DEPT2, TOWN];
    let (parent, fx) = d.step_fx(&parent, Command::FanOut { units }, &dispatcher());
    let children = children_of(&fx, 10);
    (parent, children, d)
}

#[test]
fn a_directive_fans_out_and_tracks_receipts_and_replies() {
    let world = World::new();
    let (parent, mut children, mut d) = fanned_out(&world);
    assert_eq!((parent.stage, parent.children), (Stage::Dispatched, 3));
    assert_eq!(children.len(), 3);
    for child in &children {
        assert_eq!(child.stage, Stage::Dispatched);
        assert_eq!(child.parent, Some(parent.id));
        assert_eq!(child.owner_unit, DISTRICT, "the issuer owns it until 签收");
        assert_eq!(
            child.deadline(Stage::Closed),
            parent.deadline(Stage::Closed)
        );
        assert!(child.deadline(Stage::Signed).is_some());
    }
    let e = apply(&parent, &Command::Sign, &handler(DEPT), d.now, &world.ctx()).unwrap_err();
    assert_eq!(e.to_string(), "该事项已下发3个单位，须在各子事项中‘签收’");

    for child in children.iter_mut().take(2) {
        let h = handler(child.assignee.unwrap());
        *child = d.step(child, Command::Sign, &h);
    }
    let first = &children[0];
    let h = handler(first.owner_unit);
    let first = d.step(first, Command::Handle, &h);
    children[0] = d.step(
        &first,
        Command::Reply {
            result: reason("已传达落实"),
        },
        &h,
    );
    let p = progress(&parent, &children);
    assert_eq!((p.signed, p.replied, p.total), (2, 1, 3));
    assert_eq!(p.to_string(), "已签收 2/3，已反馈 1/3，已办结 0/3");

    let ctx = world.ctx().with_children(&children);
    let e = apply(&parent, &Command::Consolidate, &system(), d.now, &ctx).unwrap_err();
    assert_eq!(e.to_string(), "下发的3个子事项中仅1个已反馈，不能汇总");

    for slot in children.iter_mut().skip(1) {
        let h = handler(slot.assignee.unwrap_or(slot.owner_unit));
        let mut child = slot.clone();
        if child.stage == Stage::Dispatched {
            child = d.step(&child, Command::Sign, &h);
        }
        let child = d.step(&child, Command::Handle, &h);
        *slot = d.step(
            &child,
            Command::Reply {
                result: reason("已落实"),
            },
            &h,
        );
    }
    let ctx = world.ctx().with_children(&children);
    d.now += mins(10);
    let (parent, _) = apply(&parent, &Command::Consolidate, &system(), d.now, &ctx).unwrap();
    assert_eq!(parent.stage, Stage::Replied);
    let pass = Command::Verify {
        outcome: Verification::Passed,
    };
    let parent = d.step(&parent, pass, &supervisor());
    let parent = d.step(&parent, Command::Close, &supervisor());
    assert_eq!(parent.stage, Stage::Closed);
}

#[test]
fn cancelled_children_do_not_hold_up_consolidation() {
    let world = World::new();
    let (parent, mut children, mut d) = fanned_out(&world);
    let cancel = Command::Cancel {
        reason: reason("该单位不涉及此项工作"),
    };
    children[2] = d.step(&children[2], cancel.clone(), &supervisor());
    assert_eq!(children[2].stage, Stage::Cancelled);
    for child in children.iter_mut().take(2) {
        *child = finish(child, false, &mut d);
    }
    let p = progress(&parent, &children);
    assert_eq!(
        (p.total, p.cancelled, p.signed, p.replied, p.found),
        (2, 1, 2, 2, 3)
    );
    assert_eq!(
        p.to_string(),
        "已签收 2/2，已反馈 2/2，已办结 0/2，已撤销 1"
    );
    let ctx = world.ctx().with_children(&children);
    d.now += mins(10);
    let (done, _) = apply(&parent, &Command::Consolidate, &system(), d.now, &ctx).unwrap();
    assert_eq!(done.stage, Stage::Replied);

    // Every child cancelled: nothing to consolidate.
    let (parent, mut children, mut d) = fanned_out(&world);
    for child in children.iter_mut() {
        *child = d.step(child, cancel.clone(), &supervisor());
    }
    let ctx = world.ctx().with_children(&children);
    let e = apply(&parent, &Command::Consolidate, &system(), d.now, &ctx).unwrap_err();
    assert_eq!(e, FlowError::AllChildrenCancelled { cancelled: 3 });
    assert_eq!(
        e.to_string(),
        "下发的3个子事项均已撤销，没有可汇总的办理结果"
    );
}

/// Signs, handles and replies to a department task, and closes it if asked.
fn finish(task: &WorkItem, close: bool, d: &mut Driver<'_>) -> WorkItem {
    let h = handler(task.assignee.unwrap());
    let task = d.step(task, Command::Sign, &h);
    let task = d.step(&task, Command::Handle, &h);
    let task = d.step(
        &task,
        Command::Reply {
            result: reason("已办理"),
        },
        &h,
    );
    if !close {
        return task;
    }
    let pass = Command::Verify {
        outcome: Verification::Passed,
    };
    let task = d.step(&task, pass, &supervisor());
    d.step(&task, Command::Close, &supervisor())
}

#[test]
fn one_thing_case_closes_once_when_every_department_task_is_closed() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let case = d.at_stage(1, ItemKind::ServiceCase, Stage::Registered);
    let (case, fx) = d.step_fx(
        &case,
        Command::FanOut {
            units: vec![DEPT, DEPT2],
        },
        &dispatcher(),
    );
    let mut tasks = children_of(&fx, 10);
    tasks[0] = finish(&tasks[0], true, &mut d);
    tasks[1] = finish(&tasks[1], false, &mut d);
    let ctx = world.ctx().with_children(&tasks);
    let e = apply(&case, &Command::Consolidate, &supervisor(), d.now, &ctx).unwrap_err();
    assert_eq!(e.to_string(), "下发的2个子事项中仅1个已办结，不能汇总");
    let pass = Command::Verify {
        outcome: Verification::Passed,
    };
    let t1 = d.step(&tasks[1], pass, &supervisor());
    tasks[1] = d.step(&t1, Command::Close, &supervisor());
    let ctx = world.ctx().with_children(&tasks);
    d.now += mins(10);
    let (case, _) = apply(&case, &Command::Consolidate, &supervisor(), d.now, &ctx).unwrap();
    assert_eq!(case.stage, Stage::Replied);
    assert_eq!(progress(&case, &tasks).closed, 2);
}

#[test]
fn fan_out_is_for_directives_and_service_cases_only() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let event = d.at_stage(1, ItemKind::Event, Stage::Registered);
    let cmd = Command::FanOut {
        units: vec![DEPT, DEPT2],
    };
    let e = apply(&event, &cmd, &dispatcher(), d.now, &world.ctx()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "‘事件’不能下发多个单位：只有指令和服务事项可以"
    );
    let directive = d.at_stage(2, ItemKind::Directive, Stage::Registered);
    let twice = Command::FanOut {
        units: vec![DEPT, DEPT],
    };
    let e = apply(&directive, &twice, &dispatcher(), d.now, &world.ctx()).unwrap_err();
    assert_eq!(e, FlowError::DuplicateUnit { unit: DEPT });
    let none = Command::FanOut { units: vec![] };
    let e = apply(&directive, &none, &dispatcher(), d.now, &world.ctx()).unwrap_err();
    assert_eq!(e, FlowError::NoUnits);
    let e = apply(
        &event,
        &Command::Consolidate,
        &system(),
        d.now,
        &world.ctx(),
    )
    .unwrap_err();
    assert!(matches!(e, FlowError::StageRefused { .. }));
}
