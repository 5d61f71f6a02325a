//! Scenarios on the main line: intake, the full loop, ownership, returns and 终审, verification,
//! ratings, closure types, and the wording of refusals.

mod support;

use support::*;
use yiping_flow::{
    Actor, ActorRole, CategoryCode, Channel, ClosureType, Command, Effect, FlowError, ItemKind,
    MetricKind, Recipient, Stage, Step, Verification, WorkItem, apply, receive,
};

fn metric_kinds(effects: &[Effect]) -> Vec<MetricKind> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Metric(m) => Some(m.kind),
            _ => None,
        })
        .collect()
}

fn messages_to(effects: &[Effect], to: &Recipient) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notify { to: r, message } if r == to => Some(message.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn the_full_loop_from_receipt_to_normal_closure() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item = d.receive(1, ItemKind::Event);
    assert_eq!(item.stage, Stage::Received);
    assert_eq!(item.version, 1);
    assert_eq!(item.history[0].step, Step::Received);
    // 4 working hours to register from Monday 09:00.
    assert_eq!(
        item.deadline(Stage::Registered),
        Some(t(2024, 3, 4, 14, 30))
    );

    let item = d.step(&item, Command::Register, &supervisor());
    assert_eq!(item.registered_at, Some(t(2024, 3, 4, 9, 10)));
    // 40 working hours (7 a day): 6h50 on Monday, 28h Tuesday to Friday, 5h10 the next Monday.
    assert_eq!(item.deadline(Stage::Closed), Some(t(2024, 3, 11, 15, 40)));

    let (item, fx) = d.step_fx(&item, Command::Dispatch { unit: DEPT }, &dispatcher());
    let to_dept = messages_to(&fx, &Recipient::Unit(DEPT));
    assert_eq!(
        to_dept,
        ["新派遣事项“解放碑步行街垃圾堆积”，请签收（时限 2024-03-04 11:20）"]
    );
    assert_eq!((item.owner_unit, item.assignee), (DISTRICT, Some(DEPT)));

    let (item, fx) = d.step_fx(&item, Command::Sign, &handler(DEPT));
    assert_eq!((item.owner_unit, item.assignee), (DEPT, None));
    assert_eq!(metric_kinds(&fx), [MetricKind::Signed { on_time: true }]);

    let item = d.step(&item, Command::Handle, &handler(DEPT));
    let (item, fx) = d.step_fx(
        &item,
        Command::Reply {
            result: reason("已清运"),
        },
        &handler(DEPT),
    );
    assert_eq!(item.handled_by, Some(user("h20")));
    assert_eq!(
        messages_to(&fx, &Recipient::User(user("q1"))),
        ["您的诉求“解放碑步行街垃圾堆积”已办理：已清运，请评价"]
    );
    let verify = Command::Verify {
        outcome: Verification::Passed,
    };
    let item = d.step(&item, verify, &supervisor());
    let (item, fx) = d.step_fx(&item, Command::Close, &supervisor());
    assert_eq!(item.stage, Stage::Closed);
    assert_eq!(item.closure, Some(ClosureType::Normal));
    assert_eq!(metric_kinds(&fx), [MetricKind::Closed(ClosureType::Normal)]);
    assert_eq!(item.version, 8);
    let path: Vec<Stage> = item.history.iter().map(|h| h.to).collect();
    use Stage::*;
    assert_eq!(
        path,
        [
            Received, Registered, Dispatched, Signed, Handling, Replied, Verified, Closed
        ]
    );
    assert_eq!(item.history.last().unwrap().on_time, Some(true));
}

#[test]
fn refusals_name_the_transition_in_chinese() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item = d.at_stage(1, ItemKind::Event, Stage::Handling);
    let e = apply(&item, &Command::Close, &supervisor(), d.now, &world.ctx()).unwrap_err();
    assert_eq!(e.to_string(), "状态为‘处置’的事项不能‘结案’：须先经核查");

    let e = apply(
        &item,
        &Command::Dispatch { unit: DEPT2 },
        &reporter(),
        d.now,
        &world.ctx(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "上报人无权‘派遣’：只有派遣员可以执行");

    let closed = d.at_stage(2, ItemKind::Event, Stage::Closed);
    let e = apply(
        &closed,
        &Command::Register,
        &supervisor(),
        d.now,
        &world.ctx(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "状态为‘结案’的事项不能‘立案’：事项已结案");

    let e = apply(
        &item,
        &Command::Reply {
            result: reason("已处理"),
        },
        &handler(DEPT2),
        d.now,
        &world.ctx(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "只有单位 20 的承办人可以‘反馈’该事项，操作人属于单位 21"
    );
    let stranger = Actor::new(user("r2"), ActorRole::Reporter, GRID);
    let e = apply(
        &item,
        &Command::Cancel {
            reason: reason("不想等了"),
        },
        &stranger,
        d.now,
        &world.ctx(),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "只有上报人本人可以‘撤销’该事项");

    let earlier = item.updated_at - mins(1);
    let e = apply(
        &item,
        &Command::Handle,
        &handler(DEPT),
        earlier,
        &world.ctx(),
    )
    .unwrap_err();
    assert_eq!(e, FlowError::TimeWentBack);
}

#[test]
fn intake_checks_role_title_and_category() {
    let world = World::new();
    let now = t0();
    let ctx = world.ctx();
    let e = receive(new_item(1, ItemKind::Event), &handler(DEPT), now, &ctx).unwrap_err();
    assert_eq!(e.to_string(), "承办人无权受理事项");

    let mut blank = new_item(1, ItemKind::Event);
    blank.title = "  ".into();
    let e = receive(blank, &supervisor(), now, &ctx).unwrap_err();
    assert_eq!(e.to_string(), "标题不能为空");

    let mut unknown = new_item(1, ItemKind::Event);
    unknown.category = CategoryCode::parse("事件/09/09").unwrap();
    let e = receive(unknown, &supervisor(), now, &ctx).unwrap_err();
    assert_eq!(e.to_string(), "分类“事件/09/09”不在分类表中");

    let mut mismatch = new_item(1, ItemKind::EnterpriseRequest);
    mismatch.category = CategoryCode::parse("event/01/01").unwrap();
    let e = receive(mismatch, &supervisor(), now, &ctx).unwrap_err();
    assert_eq!(e.to_string(), "‘企业诉求’不能使用“事件/01/01”分类");

    // An enterprise files its own request: it becomes the requester, on the topic's clock.
    let mut own = new_item(2, ItemKind::EnterpriseRequest);
    own.requester = None;
    own.channel = Channel::Enterprise;
    let (item, _) = receive(own, &requester(), now, &ctx).unwrap();
    assert_eq!(item.requester, Some(user("q1")));
    assert_eq!(item.clock, yiping_flow::ClockType::WorkingDays);
    assert_eq!(
        item.deadline(Stage::Registered),
        Some(t(2024, 3, 5, 17, 30))
    );
}

#[test]
fn a_grid_workers_report_is_registered_at_once() {
    let world = World::new();
    let mut new = new_item(1, ItemKind::Event);
    new.channel = Channel::GridWorker;
    new.reporter = None;
    let (item, fx) = receive(new, &reporter(), t0(), &world.ctx()).unwrap();
    assert_eq!(item.stage, Stage::Registered);
    assert_eq!(item.reporter, Some(user("r1")));
    assert_eq!(item.history.len(), 1);
    assert_eq!(item.history[0].to, Stage::Registered);
    assert_eq!(
        metric_kinds(&fx),
        [MetricKind::Received, MetricKind::Registered]
    );
    assert!(item.deadline(Stage::Registered).is_none());
    assert!(item.deadline(Stage::Dispatched).is_some());
}

#[test]
fn the_first_receiver_owns_the_item_until_another_unit_signs() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item = d.at_stage(1, ItemKind::Event, Stage::Dispatched);
    assert_eq!(item.owner_unit, DISTRICT);
    let back = Command::Return {
        reason: reason("垃圾位于商场红线内，属物业管理"),
    };
    let (item, fx) = d.step_fx(&item, back, &handler(DEPT));
    assert_eq!(item.stage, Stage::Registered);
    assert_eq!((item.owner_unit, item.assignee), (DISTRICT, None));
    assert_eq!(item.counters.returns, 1);
    assert_eq!(
        messages_to(&fx, &Recipient::Unit(DISTRICT)),
        ["事项“解放碑步行街垃圾堆积”被单位 20 回退：垃圾位于商场红线内，属物业管理，请重新派遣"]
    );
    assert_eq!(metric_kinds(&fx), [MetricKind::Returned]);
    // Returned after signing: ownership goes back to the first receiver as well.
    let item = d.step(&item, Command::Dispatch { unit: DEPT2 }, &dispatcher());
    let item = d.step(&item, Command::Sign, &handler(DEPT2));
    assert_eq!(item.owner_unit, DEPT2);
    let back = Command::Return {
        reason: reason("非市场监管职责"),
    };
    let item = d.step(&item, back, &handler(DEPT2));
    assert_eq!(item.owner_unit, DISTRICT);
}

#[test]
fn a_second_bounce_goes_to_final_adjudication() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item = d.at_stage(1, ItemKind::Event, Stage::AwaitingRuling);
    assert_eq!(item.counters.returns, 2);
    let e = apply(
        &item,
        &Command::Dispatch { unit: DEPT },
        &dispatcher(),
        d.now,
        &world.ctx(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "状态为‘待终审’的事项不能‘派遣’：只能派遣已立案、待派遣的事项"
    );

    let ruling = Command::Adjudicate {
        unit: DEPT,
        reason: reason("依据区城管职责清单第12项"),
    };
    let (item, fx) = d.step_fx(&item, ruling, &adjudicator());
    assert_eq!(item.stage, Stage::Dispatched);
    assert_eq!((item.owner_unit, item.final_owner), (DEPT, true));
    assert!(messages_to(&fx, &Recipient::Unit(DEPT))[0].starts_with("终审确定由你单位负责"));
    let back = Command::Return {
        reason: reason("仍不属于我局"),
    };
    let e = apply(&item, &back, &handler(DEPT), d.now, &world.ctx()).unwrap_err();
    assert_eq!(e.to_string(), "该事项已经终审确定由本单位负责，不能再回退");
    let item = d.step(&item, Command::Sign, &handler(DEPT));
    assert_eq!(item.stage, Stage::Signed);
}

#[test]
fn a_failed_verification_sends_the_item_back_and_counts() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item = d.at_stage(1, ItemKind::Event, Stage::Replied);
    let fail = Command::Verify {
        outcome: Verification::Failed {
            reason: reason("现场仍有垃圾"),
        },
    };
    let (item, fx) = d.step_fx(&item, fail, &reporter());
    assert_eq!(item.stage, Stage::Handling);
    assert_eq!(item.counters.reworks, 1);
    assert!(item.handled_at.is_none());
    assert_eq!(
        messages_to(&fx, &Recipient::Unit(DEPT)),
        ["事项“解放碑步行街垃圾堆积”返工：核查未通过，现场仍有垃圾"]
    );
    // The handler cannot verify their own result, whatever role they act in.
    let item = d.step(
        &item,
        Command::Reply {
            result: reason("已再次清运"),
        },
        &handler(DEPT),
    );
    let same_person = Actor::new(user("h20"), ActorRole::Supervisor, DISTRICT);
    let pass = Command::Verify {
        outcome: Verification::Passed,
    };
    let e = apply(&item, &pass, &same_person, d.now, &world.ctx()).unwrap_err();
    assert_eq!(e, FlowError::SameAsHandler);
}

#[test]
fn ratings_confirm_rework_or_reopen() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item = d.at_stage(1, ItemKind::Event, Stage::Replied);
    let unhappy = Command::Rate {
        satisfied: false,
        solved: false,
    };
    let item = d.step(&item, unhappy.clone(), &requester());
    assert_eq!((item.stage, item.counters.reworks), (Stage::Handling, 1));

    let item = d.step(
        &item,
        Command::Reply {
            result: reason("已清运并加装垃圾桶"),
        },
        &handler(DEPT),
    );
    let item = d.step(
        &item,
        Command::Rate {
            satisfied: true,
            solved: true,
        },
        &requester(),
    );
    assert_eq!(item.stage, Stage::Verified);
    let item = d.step(&item, Command::Close, &supervisor());

    // The call-back after closure, long after the 结案 deadline: dissatisfied → 重办, with
    // fresh handling and closing limits, so the reopened item is not overdue at once.
    let old_close = item.deadline(Stage::Closed).unwrap();
    d.now = old_close + chrono::TimeDelta::days(3);
    let (item, fx) = d.step_fx(&item, unhappy, &requester());
    assert_eq!(item.stage, Stage::Handling);
    assert_eq!(item.counters.reopens, 1);
    assert_eq!((item.closed_at, item.closure), (None, None));
    assert!(item.deadline(Stage::Handling).unwrap() > d.now);
    assert!(item.deadline(Stage::Closed).unwrap() > d.now);
    assert!(item.deadline(Stage::Closed).unwrap() > old_close);
    assert_eq!(item.deadline(Stage::Verified), None);
    assert!(!item.is_overdue(d.now), "重办后不应立即超期");
    assert!(metric_kinds(&fx).contains(&MetricKind::Reopened));

    let item = d.step(
        &item,
        Command::Reply {
            result: reason("已整改"),
        },
        &handler(DEPT),
    );
    let pass = Command::Verify {
        outcome: Verification::Passed,
    };
    let item = d.step(&item, pass, &supervisor());
    let item = d.step(&item, Command::Close, &supervisor());
    let item = d.step(
        &item,
        Command::Rate {
            satisfied: true,
            solved: true,
        },
        &requester(),
    );
    assert_eq!(item.stage, Stage::Closed);
    let again = Command::Rate {
        satisfied: false,
        solved: false,
    };
    let e = apply(&item, &again, &requester(), d.now + mins(1), &world.ctx()).unwrap_err();
    assert_eq!(e.to_string(), "本次结案已评价");
}

#[test]
fn closure_types_normal_overdue_and_forced() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item = d.at_stage(1, ItemKind::Event, Stage::Verified);
    let late = item.deadline(Stage::Closed).unwrap() + mins(1);
    let (closed, _) = apply(&item, &Command::Close, &supervisor(), late, &world.ctx()).unwrap();
    assert_eq!(closed.closure, Some(ClosureType::Overdue));
    assert_eq!(closed.history.last().unwrap().on_time, Some(false));

    let open = d.at_stage(2, ItemKind::Event, Stage::Handling);
    let force = Command::ForceClose {
        reason: reason("涉及历史遗留问题，转入信访程序"),
    };
    let (forced, fx) = d.step_fx(&open, force, &adjudicator());
    assert_eq!(
        (forced.stage, forced.closure),
        (Stage::Closed, Some(ClosureType::Forced))
    );
    assert_eq!(
        forced.outcome_reason.as_ref().unwrap().as_str(),
        "涉及历史遗留问题，转入信访程序"
    );
    assert!(metric_kinds(&fx).contains(&MetricKind::Closed(ClosureType::Forced)));
}

#[test]
fn rejection_and_cancellation_end_the_loop_with_a_reason() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item = d.receive(1, ItemKind::Event);
    let (rejected, fx) = d.step_fx(
        &item,
        Command::Reject {
            reason: reason("不属于城市管理范围"),
        },
        &supervisor(),
    );
    assert_eq!(rejected.stage, Stage::Rejected);
    assert_eq!(
        messages_to(&fx, &Recipient::User(user("r1"))),
        ["您反映的“解放碑步行街垃圾堆积”不予立案：不属于城市管理范围"]
    );
    let item = d.at_stage(2, ItemKind::Event, Stage::Signed);
    let cancelled = d.step(
        &item,
        Command::Cancel {
            reason: reason("已自行解决"),
        },
        &requester(),
    );
    assert_eq!(cancelled.stage, Stage::Cancelled);
    assert!(cancelled.stage.is_terminal());
}

#[test]
fn items_round_trip_through_json() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let item: WorkItem = d.at_stage(1, ItemKind::Event, Stage::Closed);
    let json = serde_json::to_string(&item).unwrap();
    let back: WorkItem = serde_json::from_str(&json).unwrap();
    assert_eq!(back, item);
    assert!(json.contains("\"category\":\"事件/01/01\""));
}
