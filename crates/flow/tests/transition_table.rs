//! Every (stage × command × role) combination, against a table written out here by hand: the
//! table is the specification, the engine's own tables are what is tested.

mod support;

use chrono::{DateTime, TimeDelta, Utc};
use support::*;
use yiping_flow::{
    ActorRole, Command, CommandKind, ExtensionRequest, FlowError, ItemKind, Stage, SuspendKind,
    Suspension, Verification, WorkItem, apply,
};

use ActorRole::*;
use CommandKind as C;
use Stage::*;

const OPEN_AFTER_REGISTER: &[Stage] = &[
    Registered,
    Dispatched,
    Signed,
    Handling,
    Replied,
    Verified,
    AwaitingRuling,
];
const HANDLING: &[Stage] = &[Registered, Dispatched, Signed, Handling];

/// (command, roles allowed, stages allowed).
const TABLE: &[(CommandKind, &[ActorRole], &[Stage])] = &[
    (C::Register, &[Supervisor], &[Received]),
    (C::Reject, &[Supervisor], &[Received]),
    (C::Dispatch, &[Dispatcher], &[Registered]),
    (C::FanOut, &[Dispatcher], &[Registered]),
    (C::Sign, &[Handler], &[Dispatched]),
    (C::Return, &[Handler], &[Dispatched, Signed]),
    (C::Adjudicate, &[Adjudicator], &[AwaitingRuling]),
    (C::Handle, &[Handler], &[Signed]),
    (C::Reply, &[Handler], &[Handling]),
    (C::Verify, &[Supervisor, Reporter], &[Replied]),
    (C::Rate, &[Requester], &[Replied, Closed]),
    (C::Close, &[Supervisor], &[Verified]),
    (C::ForceClose, &[Adjudicator], OPEN_AFTER_REGISTER),
    (C::RequestExtension, &[Handler], &[Signed, Handling]),
    (C::ApproveExtension, &[Supervisor], &[Signed, Handling]),
    (C::RefuseExtension, &[Supervisor], &[Signed, Handling]),
    (C::Suspend, &[Supervisor], HANDLING),
    (C::Resume, &[Supervisor, System], HANDLING),
    (
        C::Supervise,
        &[Supervisor],
        &[
            Received,
            Registered,
            Dispatched,
            Signed,
            Handling,
            Replied,
            Verified,
            AwaitingRuling,
        ],
    ),
    (C::Escalate, &[Supervisor, System], HANDLING),
    (
        C::Remind,
        &[Supervisor, System],
        &[Dispatched, Signed, Handling],
    ),
    (
        C::Cancel,
        &[Supervisor, Reporter, Requester],
        &[
            Received,
            Registered,
            Dispatched,
            Signed,
            Handling,
            AwaitingRuling,
        ],
    ),
    (C::Consolidate, &[Supervisor, System], &[Dispatched]),
];

/// Where an allowed command leads from a stage (with the sample commands below).
fn destination(kind: CommandKind, from: Stage) -> Stage {
    match kind {
        C::Register => Registered,
        C::Reject => Rejected,
        C::Dispatch | C::FanOut | C::Adjudicate => Dispatched,
        C::Sign => Signed,
        C::Return => Registered, // the fixtures have not been returned before
        C::Handle => Handling,
        C::Reply | C::Consolidate => Replied,
        C::Verify => Verified,
        C::Rate if from == Replied => Verified,
        C::Close | C::ForceClose => Closed,
        C::Cancel => Cancelled,
        _ => from,
    }
}

fn sample(kind: CommandKind) -> Command {
    match kind {
        C::Register => Command::Register,
        C::Reject => Command::Reject {
            reason: reason("不属于受理范围"),
        },
        C::Dispatch => Command::Dispatch { unit: DEPT },
        C::FanOut => Command::FanOut {
            units: vec![DEPT, DEPT2],
        },
        C::Sign => Command::Sign,
        C::Return => Command::Return {
            reason: reason("不属于本单位职责"),
        },
        C::Adjudicate => Command::Adjudicate {
            unit: DEPT,
            reason: reason("职责清单第3条"),
        },
        C::Handle => Command::Handle,
        C::Reply => Command::Reply {
            result: reason("已清运"),
        },
        C::Verify => Command::Verify {
            outcome: Verification::Passed,
        },
        C::Rate => Command::Rate {
            satisfied: true,
            solved: true,
        },
        C::Close => Command::Close,
        C::ForceClose => Command::ForceClose {
            reason: reason("历史遗留，无法解决"),
        },
        C::RequestExtension => Command::RequestExtension {
            amount: 4,
            reason: reason("需等待材料"),
        },
        C::ApproveExtension => Command::ApproveExtension,
        C::RefuseExtension => Command::RefuseExtension {
            reason: reason("理由不充分"),
        },
        C::Suspend => Command::Suspend {
            kind: SuspendKind::Suspend,
            explanation: reason("等待法院判决"),
        },
        C::Resume => Command::Resume,
        C::Supervise => Command::Supervise {
            note: reason("区领导批示"),
        },
        C::Escalate => Command::Escalate,
        C::Remind => Command::Remind,
        C::Cancel => Command::Cancel {
            reason: reason("诉求人撤回"),
        },
        C::Consolidate => Command::Consolidate,
    }
}

struct Case {
    item: WorkItem,
    now: DateTime<Utc>,
    children: Vec<WorkItem>,
}

/// An item at `stage` set up so that the command's own preconditions hold, and the time to
/// apply it at.
fn fixture(world: &World, stage: Stage, kind: CommandKind) -> Case {
    let mut d = Driver::new(world);
    let item_kind = match kind {
        C::FanOut | C::Consolidate => ItemKind::Directive,
        _ => ItemKind::Event,
    };
    let mut children = Vec::new();
    let mut item = if kind == C::Consolidate && stage == Dispatched {
        let parent = d.at_stage(1, item_kind, Registered);
        let units = sample(C::FanOut);
        let (parent, fx) = d.step_fx(&parent, units, &dispatcher());
        for child in children_of(&fx, 100) {
            let h = handler(child.assignee.unwrap());
            let child = d.step(&child, Command::Sign, &h);
            let child = d.step(&child, Command::Handle, &h);
            children.push(d.step(
                &child,
                Command::Reply {
                    result: reason("已落实"),
                },
                &h,
            ));
        }
        parent
    } else {
        d.at_stage(1, item_kind, stage)
    };
    match kind {
        C::ApproveExtension | C::RefuseExtension => {
            item.pending_extension = Some(ExtensionRequest {
                amount: 4,
                reason: reason("需等待材料"),
                requested_at: d.now,
                requested_by: user("h20"),
            });
        }
        C::Resume => {
            item.suspension = Some(Suspension {
                kind: SuspendKind::Park,
                explanation: reason("资金未落实"),
                since: d.now,
            });
        }
        _ => {}
    }
    let wait = match kind {
        C::Escalate | C::Remind => TimeDelta::days(90),
        _ => mins(10),
    };
    Case {
        now: d.now + wait,
        item,
        children,
    }
}

#[test]
fn the_rule_tables_cover_every_command() {
    let listed: Vec<CommandKind> = TABLE.iter().map(|r| r.0).collect();
    assert_eq!(listed, CommandKind::ALL.to_vec());
    for (kind, roles, stages) in TABLE {
        assert_eq!(yiping_flow::allowed_roles(*kind), *roles, "{kind:?}");
        assert_eq!(yiping_flow::allowed_stages(*kind), *stages, "{kind:?}");
    }
}

#[test]
fn every_stage_command_and_role() {
    let world = World::new();
    let (mut allowed, mut refused) = (0, 0);
    for (kind, roles, stages) in TABLE {
        for stage in Stage::ALL {
            let case = fixture(&world, stage, *kind);
            assert_eq!(case.item.stage, stage);
            let ctx = world.ctx().with_children(&case.children);
            for role in ActorRole::ALL {
                let actor = actor_for(role, &case.item);
                let got = apply(&case.item, &sample(*kind), &actor, case.now, &ctx);
                let what = format!("{kind:?} at {stage:?} by {role:?}");
                if !roles.contains(&role) {
                    refused += 1;
                    let e = got.expect_err(&what);
                    assert!(
                        matches!(e, FlowError::RoleNotAllowed { role: r, command, .. } if r == role && command == *kind),
                        "{what}: {e}"
                    );
                } else if !stages.contains(&stage) {
                    refused += 1;
                    let e = got.expect_err(&what);
                    assert!(
                        matches!(e, FlowError::StageRefused { stage: s, command, .. } if s == stage && command == *kind),
                        "{what}: {e}"
                    );
                    let text = e.to_string();
                    let prefix = format!(
                        "状态为‘{}’的事项不能‘{}’：",
                        stage.label_zh(),
                        kind.label_zh()
                    );
                    assert!(text.starts_with(&prefix), "{what}: {text}");
                } else {
                    allowed += 1;
                    let (next, _) = got.unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(next.stage, destination(*kind, stage), "{what}");
                    assert_eq!(next.version, case.item.version + 1, "{what}");
                    assert_eq!(next.history.len(), case.item.history.len() + 1, "{what}");
                    let last = next.history.last().unwrap();
                    assert_eq!((last.from, last.to, last.at), (stage, next.stage, case.now));
                    assert_eq!(next.updated_at, case.now);
                }
            }
        }
    }
    assert_eq!(allowed + refused, 23 * 11 * 7);
    assert_eq!(allowed, 82, "allowed combinations");
}

#[test]
fn a_suspended_item_accepts_only_resume_supervise_cancel_and_force_close() {
    let world = World::new();
    for (kind, roles, stages) in TABLE {
        for stage in HANDLING.iter().filter(|s| stages.contains(s)) {
            let mut case = fixture(&world, *stage, *kind);
            case.item.suspension.get_or_insert(Suspension {
                kind: SuspendKind::Suspend,
                explanation: reason("等待法院判决"),
                since: case.now - mins(5),
            });
            let ctx = world.ctx().with_children(&case.children);
            for role in roles.iter() {
                let actor = actor_for(*role, &case.item);
                let got = apply(&case.item, &sample(*kind), &actor, case.now, &ctx);
                let what = format!("{kind:?} at suspended {stage:?} by {role:?}");
                if kind.allowed_while_suspended() {
                    let (next, _) = got.unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert!(
                        next.suspension.is_none() == (*kind != C::Supervise),
                        "{what}"
                    );
                } else {
                    let e = got.expect_err(&what);
                    assert_eq!(
                        e,
                        FlowError::Suspended {
                            kind: "挂起",
                            command: *kind
                        },
                        "{what}"
                    );
                }
            }
        }
    }
}

/// The commands a random walk draws from, including the other outcomes of 核查 and 评价.
fn walk_commands() -> Vec<Command> {
    let mut all: Vec<Command> = CommandKind::ALL.iter().map(|k| sample(*k)).collect();
    all.push(Command::Verify {
        outcome: Verification::Failed {
            reason: reason("现场未整改"),
        },
    });
    all.push(Command::Rate {
        satisfied: false,
        solved: false,
    });
    all.push(Command::Suspend {
        kind: SuspendKind::Park,
        explanation: reason("列入挂账"),
    });
    all
}

fn check_invariants(item: &WorkItem) {
    let last = item.history.last().unwrap();
    assert_eq!(item.version, item.history.len() as u64);
    assert_eq!((last.to, last.at), (item.stage, item.updated_at));
    assert_eq!(item.closure.is_some(), item.stage == Closed);
    assert_eq!(item.closed_at.is_some(), item.stage == Closed);
    if item.stage.is_terminal() {
        assert!(item.suspension.is_none() && item.pending_extension.is_none());
    }
    if item.assignee.is_some() {
        assert_eq!(item.stage, Dispatched);
    }
    assert!(item.counters.returns <= 2);
    if item.final_owner {
        assert_ne!(item.stage, AwaitingRuling);
    }
    for pause in &item.pauses {
        assert!(pause.from <= pause.to);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(200))]

    /// Whatever people try, in whatever order, the item stays consistent: successes bump the
    /// version by one and keep the history in step. Most steps pick
    /// a command the stage allows and a role the command allows, so walks get deep.
    #[test]
    fn random_walks_keep_the_item_consistent(
        steps in proptest::collection::vec((0usize..1000, 0usize..10, 0usize..10, 1i64..3000), 1..80),
    ) {
        let world = World::new();
        let mut d = Driver::new(&world);
        let mut item = d.receive(1, ItemKind::Event);
        let commands = walk_commands();
        for (c, r, pick, wait) in steps {
            // Commands that end the loop early are drawn only now and then.
            let ender = |k: CommandKind| matches!(k, C::Reject | C::Cancel | C::ForceClose);
            let fitting: Vec<&Command> = commands
                .iter()
                .filter(|cmd| yiping_flow::allowed_stages(cmd.kind()).contains(&item.stage))
                .filter(|cmd| pick == 0 || !ender(cmd.kind()))
                .collect();
            let cmd = match fitting.len() {
                n if n > 0 && pick < 9 => fitting[c % n],
                _ => &commands[c % commands.len()],
            };
            let roles = yiping_flow::allowed_roles(cmd.kind());
            let role = if r < 8 { roles[r % roles.len()] } else { ActorRole::ALL[c % 7] };
            let actor = actor_for(role, &item);
            d.now += mins(wait);
            match apply(&item, cmd, &actor, d.now, &world.ctx()) {
                Ok((next, _)) => {
                    proptest::prop_assert_eq!(next.version, item.version + 1);
                    check_invariants(&next);
                    item = next;
                }
                Err(e) => proptest::prop_assert!(!e.to_string().is_empty()),
            }
        }
    }
}
