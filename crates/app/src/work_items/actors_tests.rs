use std::sync::Arc;

use chrono::{TimeDelta, TimeZone};
use yiping_access::Scope;
use yiping_flow::{CategoryCode, Channel, ItemId, NewWorkItem, Priority, RegionLevel, receive};
use yiping_store::WorkItemFilter;

use super::*;
use crate::work_items::{CreateItem, FlowSetup};

const CITY: EntityId = EntityId(1);
const DISTRICT: EntityId = EntityId(2);
const OTHER_DISTRICT: EntityId = EntityId(3);
const TOWN: EntityId = EntityId(4);
const D002: EntityId = EntityId(10);
const D009: EntityId = EntityId(11);
const FIRM: EntityId = EntityId(20);
const OTHER_FIRM: EntityId = EntityId(21);

fn setup() -> FlowSetup {
    let mut s = FlowSetup::shipped().unwrap();
    s.org.add_region(CITY, RegionLevel::City, None);
    s.org
        .add_region(DISTRICT, RegionLevel::District, Some(CITY));
    s.org
        .add_region(OTHER_DISTRICT, RegionLevel::District, Some(CITY));
    s.org.add_region(TOWN, RegionLevel::Town, Some(DISTRICT));
    s.org.add_department(CITY, "D002", D002);
    s.org.add_department(CITY, "D009", D009);
    s.city = Some(CITY);
    s
}

fn user(login: &str, role: UserRole, unit: EntityId, members: &[EntityId]) -> Principal {
    Principal {
        user_id: 1,
        login: login.into(),
        name: login.into(),
        role,
        unit,
        unit_name: "本单位".into(),
        scope: Arc::new(Scope::new(unit, members.iter().copied())),
    }
}

fn analyst() -> Principal {
    let all = [DISTRICT, OTHER_DISTRICT, TOWN, D002, D009];
    user("analyst", UserRole::Analyst, CITY, &all)
}

fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 4, 1, 0, 0).unwrap() + TimeDelta::hours(h)
}

/// An enterprise request filed by `firm`'s user on the city platform.
fn request(s: &FlowSetup, firm: &Principal) -> WorkItem {
    let actor = creator_for(firm, ItemKind::EnterpriseRequest).unwrap();
    assert_eq!(actor.role, ActorRole::Requester);
    receive(
        NewWorkItem {
            id: ItemId(7),
            kind: ItemKind::EnterpriseRequest,
            title: "惠企政策兑现迟迟未到账".into(),
            category: CategoryCode::parse("企业诉求/01/01").unwrap(),
            priority: Priority::Normal,
            channel: Channel::Enterprise,
            receiving_unit: CITY,
            location: None,
            enterprise: Some(firm.unit),
            reporter: None,
            requester: None,
        },
        &actor,
        t(0),
        &s.ctx(),
    )
    .unwrap()
    .0
}

fn step(s: &FlowSetup, item: &WorkItem, p: &Principal, cmd: Command, h: i64) -> WorkItem {
    let actor = check_command(p, item, &cmd, None).unwrap();
    apply(item, &cmd, &actor, t(h), &s.ctx()).unwrap().0
}

#[test]
fn roles_map_to_the_flow_roles_the_command_needs() {
    let a = analyst();
    assert_eq!(
        actor_for(&a, CommandKind::Register).unwrap().role,
        ActorRole::Supervisor
    );
    assert_eq!(
        actor_for(&a, CommandKind::Dispatch).unwrap().role,
        ActorRole::Dispatcher
    );
    assert_eq!(
        actor_for(&a, CommandKind::Adjudicate).unwrap().role,
        ActorRole::Adjudicator
    );
    let h = user("jxw-handler", UserRole::Handler, D002, &[]);
    let actor = actor_for(&h, CommandKind::Sign).unwrap();
    assert_eq!(
        (actor.role, actor.unit, actor.user.as_str()),
        (ActorRole::Handler, D002, "jxw-handler")
    );
    assert!(matches!(
        actor_for(&h, CommandKind::Close),
        Err(AccessError::Role {
            cap: Capability::SuperviseItems,
            ..
        })
    ));
    let g = user("grid", UserRole::GridWorker, TOWN, &[]);
    assert_eq!(
        actor_for(&g, CommandKind::Verify).unwrap().role,
        ActorRole::Reporter
    );
    assert!(actor_for(&g, CommandKind::Dispatch).is_err());
    let e = user("enterprise", UserRole::Enterprise, FIRM, &[]);
    assert_eq!(
        actor_for(&e, CommandKind::Rate).unwrap().role,
        ActorRole::Requester
    );
    assert!(actor_for(&e, CommandKind::Sign).is_err());
    // Creation: a grid worker reports, a leader issues directives, a reporter may not.
    assert_eq!(
        creator_for(&g, ItemKind::Event).unwrap().role,
        ActorRole::Reporter
    );
    assert!(creator_for(&g, ItemKind::Directive).is_err());
    assert!(creator_for(&e, ItemKind::Event).is_err());
    let leader = user("leader", UserRole::Leader, CITY, &[DISTRICT]);
    assert_eq!(
        creator_for(&leader, ItemKind::Directive).unwrap().role,
        ActorRole::Supervisor
    );
}

#[test]
fn visibility_follows_units_scope_and_the_enterprise() {
    let s = setup();
    let firm = user("enterprise", UserRole::Enterprise, FIRM, &[]);
    let item = request(&s, &firm);
    assert!(sees_item(&firm, &item));
    assert!(!sees_item(
        &user("other", UserRole::Enterprise, OTHER_FIRM, &[]),
        &item
    ));
    assert!(sees_item(&analyst(), &item));
    let district_leader = user("yz", UserRole::Leader, DISTRICT, &[TOWN]);
    assert!(!sees_item(&district_leader, &item));
    assert!(require_visible(&district_leader, &item).is_err());
    let handler = user("jxw-handler", UserRole::Handler, D002, &[]);
    assert!(!sees_item(&handler, &item), "not yet dispatched to D002");

    let a = analyst();
    let item = step(&s, &item, &a, Command::Register, 1);
    let item = step(&s, &item, &a, Command::Dispatch { unit: D002 }, 2);
    assert!(sees_item(&handler, &item), "dispatched to D002");
    assert!(!sees_item(
        &user("cgj", UserRole::Handler, D009, &[]),
        &item
    ));
}

#[test]
fn only_the_commands_the_engine_accepts_are_offered() {
    let s = setup();
    let ctx = s.ctx();
    let firm = user("enterprise", UserRole::Enterprise, FIRM, &[]);
    let a = analyst();
    let handler = user("jxw-handler", UserRole::Handler, D002, &[]);
    let item = request(&s, &firm);
    assert_eq!(
        allowed_commands(&a, &item, &ctx, t(1)),
        [
            CommandKind::Register,
            CommandKind::Reject,
            CommandKind::Supervise,
            CommandKind::Cancel
        ]
    );
    assert_eq!(
        allowed_commands(&firm, &item, &ctx, t(1)),
        [CommandKind::Cancel]
    );
    assert!(allowed_commands(&handler, &item, &ctx, t(1)).is_empty());

    let item = step(&s, &item, &a, Command::Register, 1);
    assert!(allowed_commands(&a, &item, &ctx, t(1)).contains(&CommandKind::Dispatch));
    assert!(
        !allowed_commands(&a, &item, &ctx, t(1)).contains(&CommandKind::FanOut),
        "a request cannot fan out"
    );
    let item = step(&s, &item, &a, Command::Dispatch { unit: D002 }, 2);
    assert_eq!(
        allowed_commands(&handler, &item, &ctx, t(3)),
        [CommandKind::Sign, CommandKind::Return]
    );
    // Another department's handler is offered nothing and refused by the engine.
    let cgj = user("cgj", UserRole::Handler, D009, &[]);
    assert!(allowed_commands(&cgj, &item, &ctx, t(3)).is_empty());

    let item = step(&s, &item, &handler, Command::Sign, 3);
    let offered = allowed_commands(&handler, &item, &ctx, t(4));
    assert!(offered.contains(&CommandKind::Handle));
    assert!(offered.contains(&CommandKind::RequestExtension));
    assert!(!offered.contains(&CommandKind::Sign));
    let item = step(&s, &item, &handler, Command::Handle, 4);
    let result = Reason::new("已兑现到账").unwrap();
    let item = step(&s, &item, &handler, Command::Reply { result }, 5);
    assert!(allowed_commands(&a, &item, &ctx, t(6)).contains(&CommandKind::Verify));
    assert!(allowed_commands(&firm, &item, &ctx, t(6)).contains(&CommandKind::Rate));
    let passed = Command::Verify {
        outcome: Verification::Passed,
    };
    let item = step(&s, &item, &a, passed, 6);
    let item = step(&s, &item, &a, Command::Close, 7);
    assert_eq!(
        allowed_commands(&firm, &item, &ctx, t(8)),
        [CommandKind::Rate]
    );
    assert!(allowed_commands(&handler, &item, &ctx, t(8)).is_empty());
}

#[test]
fn named_units_must_be_in_scope_or_the_suggested_route() {
    let s = setup();
    let firm = user("enterprise", UserRole::Enterprise, FIRM, &[]);
    let item = request(&s, &firm);
    let yz = user("yz", UserRole::Leader, DISTRICT, &[TOWN, CITY]);
    let item = step(&s, &item, &yz, Command::Register, 1);
    let cmd = Command::Dispatch { unit: D002 };
    assert!(matches!(
        check_command(&yz, &item, &cmd, None),
        Err(AccessError::OutOfScope { .. })
    ));
    assert!(check_command(&yz, &item, &cmd, Some(D002)).is_ok());
}

#[test]
fn lists_and_new_items_are_kept_in_scope() {
    let s = setup();
    let firm = user("enterprise", UserRole::Enterprise, FIRM, &[]);
    let f = scope_filter(&firm, WorkItemFilter::default()).unwrap();
    assert_eq!((f.enterprise, f.unit), (Some(FIRM), None));
    let other = WorkItemFilter {
        enterprise: Some(OTHER_FIRM),
        ..WorkItemFilter::default()
    };
    assert!(scope_filter(&firm, other).is_err());
    let yz = user("yz", UserRole::Leader, DISTRICT, &[TOWN]);
    assert_eq!(
        scope_filter(&yz, WorkItemFilter::default()).unwrap().unit,
        Some(DISTRICT)
    );
    let town = WorkItemFilter {
        unit: Some(TOWN),
        ..WorkItemFilter::default()
    };
    assert_eq!(scope_filter(&yz, town).unwrap().unit, Some(TOWN));
    let city = WorkItemFilter {
        unit: Some(CITY),
        ..WorkItemFilter::default()
    };
    assert!(scope_filter(&yz, city).is_err());
    // A leader's inbox is what their unit handles; a grid worker's also what happens in the grid.
    assert!(
        !scope_filter(&yz, WorkItemFilter::default())
            .unwrap()
            .or_located
    );
    let grid = user("grid", UserRole::GridWorker, TOWN, &[]);
    let g = scope_filter(&grid, WorkItemFilter::default()).unwrap();
    assert_eq!((g.unit, g.or_located), (Some(TOWN), true));

    let new = CreateItem {
        kind: ItemKind::EnterpriseRequest,
        title: "用地".into(),
        category: CategoryCode::parse("企业诉求/01/01").unwrap(),
        priority: Priority::Normal,
        channel: Channel::Online,
        receiving_unit: DISTRICT,
        location: Some(TOWN),
        enterprise: Some(OTHER_FIRM),
        reporter: None,
        requester: Some(UserId::new("别人").unwrap()),
        extras: Default::default(),
    };
    let (item, actor) = scope_new_item(&firm, &s, new.clone()).unwrap();
    assert_eq!(
        (
            item.enterprise,
            item.receiving_unit,
            item.location,
            item.requester
        ),
        (Some(FIRM), CITY, None, None)
    );
    assert_eq!(
        (item.channel, actor.role),
        (Channel::Enterprise, ActorRole::Requester)
    );
    let grid = user("grid", UserRole::GridWorker, TOWN, &[]);
    let event = CreateItem {
        kind: ItemKind::Event,
        category: CategoryCode::parse("事件/01/01").unwrap(),
        enterprise: None,
        ..new
    };
    assert!(
        scope_new_item(&grid, &s, event.clone()).is_err(),
        "district is out of scope"
    );
    let here = CreateItem {
        receiving_unit: TOWN,
        ..event
    };
    let (item, actor) = scope_new_item(&grid, &s, here.clone()).unwrap();
    assert_eq!((item.requester, actor.role), (None, ActorRole::Reporter));
    // A grid worker's report without a location happened in their own grid (issue 11).
    let unplaced = CreateItem {
        location: None,
        ..here
    };
    let (item, _) = scope_new_item(&grid, &s, unplaced.clone()).unwrap();
    assert_eq!(item.location, Some(TOWN));
    let reporter = user("rep", UserRole::Reporter, DISTRICT, &[TOWN]);
    let (item, _) = scope_new_item(&reporter, &s, unplaced).unwrap();
    assert_eq!(
        item.location, None,
        "only a grid worker's report is placed so"
    );
}
