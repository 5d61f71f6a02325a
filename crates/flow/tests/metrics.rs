//! Handling metrics over item histories (DOMAIN §18), including the published check figures
//! 911 / 972 = 93.72 % and 737 / 972 = 75.82 %.

mod support;

use chrono::{DateTime, TimeDelta, Utc};
use support::*;
use yiping_flow::metrics::{
    closure_rate, disposal_rate, extension_rate, mean_duration, on_time_closure_rate,
    on_time_disposal_rate, overdue_pending_rate, reopen_rate, return_rate, rework_rate,
    satisfaction_rate, solved_rate, timely_sign_rate,
};
use yiping_flow::{
    Actor, CategoryCode, CategoryScope, ClockType, Command, CompositeWeights, ItemKind, Mean,
    Ratio, Sample, Stage, UnitFilter, Verification, Window, WorkItem, apply, composite_index,
    metrics, min_sample, receive,
};

fn march(world: &World) -> Window {
    let d = |day| chrono::NaiveDate::from_ymd_opt(2024, 3, day).unwrap();
    Window::local_days(&world.calendar, d(1), d(31))
}

/// Applies commands at given times.
fn run(world: &World, item: WorkItem, plan: Vec<(Command, Actor, DateTime<Utc>)>) -> WorkItem {
    plan.into_iter().fold(item, |item, (cmd, actor, at)| {
        apply(&item, &cmd, &actor, at, &world.ctx())
            .unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
            .0
    })
}

/// A 井盖 item (7 natural days to close, 3 to handle) registered at `at`, replied after
/// `reply` and closed after `close` (None: left in handling).
fn manhole(
    world: &World,
    id: i64,
    at: DateTime<Utc>,
    reply: TimeDelta,
    close: Option<TimeDelta>,
) -> WorkItem {
    let mut new = new_item(id, ItemKind::Event);
    new.category = CategoryCode::parse("部件/01/01").unwrap();
    let (item, _) = receive(new, &supervisor(), at, &world.ctx()).unwrap();
    let h = handler(DEPT);
    let mut plan = vec![
        (Command::Register, supervisor(), at),
        (Command::Dispatch { unit: DEPT }, dispatcher(), at + mins(1)),
        (Command::Sign, h.clone(), at + mins(2)),
        (Command::Handle, h.clone(), at + mins(3)),
    ];
    if let Some(close) = close {
        let pass = Command::Verify {
            outcome: Verification::Passed,
        };
        plan.extend([
            (
                Command::Reply {
                    result: reason("已更换井盖"),
                },
                h,
                at + reply,
            ),
            (pass, supervisor(), at + reply + mins(60)),
            (Command::Close, supervisor(), at + close),
        ]);
    }
    run(world, item, plan)
}

#[test]
fn closure_rates_reproduce_the_published_figures() {
    let world = World::new();
    let start = t(2024, 3, 1, 0, 0);
    let mut items = Vec::new();
    for i in 0..972 {
        let at = start + mins(i);
        let item = match i {
            0..737 => manhole(&world, i, at, TimeDelta::days(1), Some(TimeDelta::days(2))),
            737..911 => manhole(&world, i, at, TimeDelta::days(9), Some(TimeDelta::days(10))),
            _ => manhole(&world, i, at, TimeDelta::zero(), None),
        };
        items.push(item);
    }
    // Not due in March: registered at the end of the month, deadlines in April.
    items.push(manhole(
        &world,
        5000,
        t(2024, 3, 30, 0, 0),
        TimeDelta::days(1),
        Some(TimeDelta::days(2)),
    ));
    // Cancelled items are never due.
    let cancelled = manhole(&world, 5001, start, TimeDelta::zero(), None);
    let cancel = Command::Cancel {
        reason: reason("重复上报"),
    };
    items.push(run(
        &world,
        cancelled,
        vec![(cancel, supervisor(), start + mins(5))],
    ));

    let w = march(&world);
    let closure = closure_rate(&items, UnitFilter::All, w);
    assert_eq!((closure.numerator, closure.denominator), (911, 972));
    assert_eq!(closure.to_string(), "93.72%");
    let on_time = on_time_closure_rate(&items, UnitFilter::All, w);
    assert_eq!((on_time.numerator, on_time.denominator), (737, 972));
    assert_eq!(on_time.to_string(), "75.82%");

    assert_eq!(
        disposal_rate(&items, UnitFilter::All, w),
        Ratio::new(911, 972)
    );
    assert_eq!(
        on_time_disposal_rate(&items, UnitFilter::All, w),
        Ratio::new(737, 972)
    );
    let as_of = t(2024, 4, 30, 0, 0);
    assert_eq!(
        overdue_pending_rate(&items, UnitFilter::All, w, as_of),
        Ratio::new(61, 972)
    );
    assert_eq!(rework_rate(&items, UnitFilter::All, w), Ratio::new(0, 972));
    assert_eq!(
        closure_rate(&items, UnitFilter::Unit(DEPT2), w),
        Ratio::new(0, 0)
    );

    let m = metrics(&items, UnitFilter::All, w, as_of, &world.calendar);
    let expected =
        30.0 * 911.0 / 972.0 + 20.0 * 737.0 / 972.0 + 20.0 + 20.0 * (1.0 - 61.0 / 972.0) + 10.0;
    let got = composite_index(&m, &CompositeWeights::default()).unwrap();
    assert!((got - expected).abs() < 1e-9, "{got} vs {expected}");
    // 737 closed in 2 days, 174 in 10 days (natural-day clock): mean = (737·2 + 174·10) / 911 days.
    let mean = m.mean_duration.unwrap();
    let want = TimeDelta::days(737 * 2 + 174 * 10) / 911;
    assert!((mean - want).num_seconds().abs() <= 1, "{mean} vs {want}");
}

#[test]
fn dispatch_rates_count_for_the_unit_it_was_sent_to() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let quick = d.at_stage(1, ItemKind::Event, Stage::Signed); // signed 10 min after dispatch
    let dispatched = d.at_stage(2, ItemKind::Event, Stage::Dispatched);
    d.now = dispatched.deadline(Stage::Signed).unwrap() + mins(50);
    let late = d.step(&dispatched, Command::Sign, &handler(DEPT));
    let bounced = d.at_stage(3, ItemKind::Event, Stage::Dispatched);
    let back = Command::Return {
        reason: reason("不属于本单位"),
    };
    let bounced = d.step(&bounced, back, &handler(DEPT));
    let bounced = d.step(&bounced, Command::Dispatch { unit: DEPT2 }, &dispatcher());
    let bounced = d.step(&bounced, Command::Sign, &handler(DEPT2));
    let items = [quick, late, bounced];
    let w = march(&world);

    assert_eq!(
        timely_sign_rate(&items, UnitFilter::Unit(DEPT), w),
        Ratio::new(1, 3)
    );
    assert_eq!(
        return_rate(&items, UnitFilter::Unit(DEPT), w),
        Ratio::new(1, 3)
    );
    assert_eq!(
        timely_sign_rate(&items, UnitFilter::Unit(DEPT2), w),
        Ratio::new(1, 1)
    );
    assert_eq!(
        return_rate(&items, UnitFilter::Unit(DEPT2), w),
        Ratio::new(0, 1)
    );
    assert_eq!(
        timely_sign_rate(&items, UnitFilter::All, w),
        Ratio::new(2, 4)
    );
    let april = Window::new(t(2024, 4, 1, 0, 0), t(2024, 5, 1, 0, 0));
    assert_eq!(
        timely_sign_rate(&items, UnitFilter::All, april),
        Ratio::new(0, 0)
    );
}

#[test]
fn rework_reopen_extension_and_satisfaction() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let h = handler(DEPT);
    // Reworked once after a failed verification, then closed; the call-back is satisfied.
    let a = d.at_stage(1, ItemKind::Event, Stage::Replied);
    let fail = Command::Verify {
        outcome: Verification::Failed {
            reason: reason("未清理干净"),
        },
    };
    let a = d.step(&a, fail, &supervisor());
    let a = d.step(
        &a,
        Command::Reply {
            result: reason("已清理"),
        },
        &h,
    );
    let a = d.step(
        &a,
        Command::Verify {
            outcome: Verification::Passed,
        },
        &supervisor(),
    );
    let a = d.step(&a, Command::Close, &supervisor());
    let a = d.step(
        &a,
        Command::Rate {
            satisfied: true,
            solved: true,
        },
        &requester(),
    );
    // Extended once, closed, and reopened after a dissatisfied call-back.
    let b = d.at_stage(2, ItemKind::Event, Stage::Handling);
    let ask = Command::RequestExtension {
        amount: 7,
        reason: reason("等待配件"),
    };
    let b = d.step(&b, ask, &h);
    let b = d.step(&b, Command::ApproveExtension, &supervisor());
    let b = d.step(
        &b,
        Command::Reply {
            result: reason("已处理"),
        },
        &h,
    );
    let b = d.step(
        &b,
        Command::Verify {
            outcome: Verification::Passed,
        },
        &supervisor(),
    );
    let b = d.step(&b, Command::Close, &supervisor());
    let b = d.step(
        &b,
        Command::Rate {
            satisfied: false,
            solved: true,
        },
        &requester(),
    );
    let items = [a, b];
    let w = march(&world);

    assert_eq!(rework_rate(&items, UnitFilter::All, w), Ratio::new(1, 2));
    assert_eq!(extension_rate(&items, UnitFilter::All, w), Ratio::new(1, 2));
    assert_eq!(reopen_rate(&items, UnitFilter::All, w), Ratio::new(1, 2));
    assert_eq!(
        satisfaction_rate(&items, UnitFilter::All, w),
        Ratio::new(1, 2)
    );
    assert_eq!(solved_rate(&items, UnitFilter::All, w), Ratio::new(2, 2));
    assert_eq!(
        closure_rate(&items, UnitFilter::Unit(DEPT), w),
        Ratio::new(1, 2)
    );
    // Only item 1 is still closed: registered Monday 09:10, closed eight steps later at 10:30.
    let mean = mean_duration(
        &items,
        UnitFilter::All,
        w,
        &world.calendar,
        Some(ClockType::WorkingHours),
    );
    assert_eq!(mean, Some(TimeDelta::minutes(80)));
    // The stored 平均办理时长 is that mean in working hours, over the one closed item.
    let m = metrics(
        &items,
        UnitFilter::All,
        w,
        t(2024, 4, 1, 0, 0),
        &world.calendar,
    );
    assert_eq!(
        m.mean_working_hours,
        Mean {
            value: Some(80.0 / 60.0),
            n: 1
        }
    );
    assert_eq!(m.reopened, Ratio::new(1, 2));
}

#[test]
fn a_category_scope_keeps_one_domain_major_or_minor_class() {
    let world = World::new();
    let mut d = Driver::new(&world);
    let litter = d.at_stage(1, ItemKind::Event, Stage::Handling);
    let mut noise = d.at_stage(2, ItemKind::Event, Stage::Handling);
    noise.category = CategoryCode::parse("事件/02/01").unwrap();
    let request = d.at_stage(3, ItemKind::EnterpriseRequest, Stage::Handling);
    let all = vec![litter, noise, request];
    let kept = |scope: &str| {
        let mut items = all.clone();
        CategoryScope::parse(scope).unwrap().keep(&mut items);
        items.iter().map(|i| i.id.0).collect::<Vec<_>>()
    };
    assert_eq!(kept("事件"), [1, 2]);
    assert_eq!(kept("event/02"), [2]);
    assert_eq!(kept("事件/01/01"), [1]);
    assert_eq!(kept("企业诉求/03"), [3]);
    assert!(kept("事件/01/02").is_empty());
    assert_eq!(
        CategoryScope::parse("event/02").unwrap().to_string(),
        "事件/02"
    );
    for (bad, says) in [
        ("交通/01", "领域“交通”"),
        ("事件/1", "大类代码“1”无效"),
        ("事件/01/02/03", "应形如"),
    ] {
        let e = CategoryScope::parse(bad).unwrap_err().to_string();
        assert!(e.contains(says), "{bad}: {e}");
    }
    // The rates then read only the kept items.
    let mut events = all.clone();
    CategoryScope::parse("事件/02").unwrap().keep(&mut events);
    let w = march(&world);
    assert_eq!(disposal_rate(&all, UnitFilter::All, w), Ratio::new(0, 3));
    assert_eq!(disposal_rate(&events, UnitFilter::All, w), Ratio::new(0, 1));
}

#[test]
fn ratios_print_as_percentages_and_small_samples_are_not_ranked() {
    let cases = [
        ((1, 3), "33.33%"),
        ((2, 3), "66.67%"),
        ((1, 8), "12.50%"),
        ((5, 5), "100.00%"),
        ((0, 0), "—"),
    ];
    for ((n, d), text) in cases {
        assert_eq!(Ratio::new(n, d).to_string(), text);
    }
    assert_eq!(Ratio::new(911, 972).percent_hundredths(), Some(9372));
    assert_eq!(Ratio::new(0, 0).value(), None);

    let one_quick_case = Ratio::new(1, 1);
    assert_eq!(
        min_sample(&one_quick_case, 5),
        Sample::TooFew { n: 1, min: 5 }
    );
    assert_eq!(
        min_sample(&one_quick_case, 5).to_string(),
        "样本量不足（1件，少于5件），不参与排名"
    );
    let city = Ratio::new(911, 972);
    assert_eq!(min_sample(&city, 30), Sample::Rankable(911.0 / 972.0));
    assert_eq!(min_sample(&city, 30).to_string(), "93.72%");
    assert_eq!(
        min_sample(&Ratio::new(0, 0), 0),
        Sample::TooFew { n: 0, min: 1 }
    );
}
