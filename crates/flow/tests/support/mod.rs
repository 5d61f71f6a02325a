//! Shared fixtures: the real holiday file, a small category book, a region tree with departments,
//! actors, and items driven to each stage through the engine itself.
#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use yiping_flow::{
    Actor, ActorRole, Calendar, CategoryBook, CategoryCode, Channel, Command, Effect, FlowContext,
    ItemId, ItemKind, NewWorkItem, OrgMap, Priority, Reason, RegionLevel, Stage, UserId,
    Verification, WorkItem, apply, receive,
};
use yiping_kernel::EntityId;

pub const HOLIDAYS_CSV: &str = include_str!("../../../../data/cn-holidays.csv");

pub const CITY: EntityId = EntityId(1);
pub const DISTRICT: EntityId = EntityId(10);
pub const TOWN: EntityId = EntityId(100);
pub const VILLAGE: EntityId = EntityId(1000);
pub const GRID: EntityId = EntityId(10000);
/// 区城管局 (CGJ of the district).
pub const DEPT: EntityId = EntityId(20);
/// 区市场监管局 (SCJGJ of the district).
pub const DEPT2: EntityId = EntityId(21);
/// 市发展改革委 (FGW of the city).
pub const CITY_FGW: EntityId = EntityId(2);

pub const CATEGORIES: &str = r#"
[[category]]
domain = "event"
major = "01"
major_name = "市容环境"
minor = "01"
minor_name = "暴露垃圾"
departments = ["CGJ"]
clock = "working_hours"
close_condition = "垃圾清运完毕，现场无残留"

[category.limits.normal]
register = 4
dispatch = 2
sign = 2
handle = 16
verify = 8
close = 40

[category.limits.urgent]
clock = "urgent_hours"
register = 1
dispatch = 1
sign = 1
handle = 4
verify = 2
close = 8

[[category]]
domain = "event"
major = "02"
major_name = "矛盾纠纷"
minor = "01"
minor_name = "噪声扰民"
clock = "working_days"

[category.limits.normal]
register = 1
dispatch = 1
sign = 1
handle = 5
verify = 2
close = 10

[[category]]
domain = "enterprise"
major = "03"
major_name = "要素保障"
minor = "01"
minor_name = "用电用能"
departments = ["FGW", "JXW"]
clock = "working_days"

[category.limits.normal]
register = 1
sign = 1
handle = 3
verify = 2
close = 5

[[category]]
domain = "component"
major = "01"
major_name = "公用设施"
minor = "01"
minor_name = "井盖"
departments = ["CGJ"]
clock = "natural_days"

[category.limits.normal]
handle = 3
close = 7
"#;

pub fn calendar() -> Calendar {
    Calendar::from_csv(HOLIDAYS_CSV).expect("the shipped holiday file parses")
}

pub fn book() -> CategoryBook {
    CategoryBook::from_toml_str(CATEGORIES).expect("the test category book parses")
}

pub fn org() -> OrgMap {
    let mut org = OrgMap::new();
    org.add_region(CITY, RegionLevel::City, None)
        .add_region(DISTRICT, RegionLevel::District, Some(CITY))
        .add_region(TOWN, RegionLevel::Town, Some(DISTRICT))
        .add_region(VILLAGE, RegionLevel::Village, Some(TOWN))
        .add_region(GRID, RegionLevel::Grid, Some(VILLAGE))
        .add_department(DISTRICT, "CGJ", DEPT)
        .add_department(DISTRICT, "SCJGJ", DEPT2)
        .add_department(CITY, "FGW", CITY_FGW);
    org
}

/// Calendar, categories and organisation, owned, so tests can borrow a context.
pub struct World {
    pub calendar: Calendar,
    pub book: CategoryBook,
    pub org: OrgMap,
}

impl World {
    pub fn new() -> Self {
        Self {
            calendar: calendar(),
            book: book(),
            org: org(),
        }
    }

    pub fn ctx(&self) -> FlowContext<'_> {
        FlowContext::new(&self.calendar, &self.book, &self.org)
    }
}

/// A local (UTC+8) time as UTC.
pub fn t(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    calendar().to_utc(
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, mi, 0)
            .unwrap(),
    )
}

pub fn mins(n: i64) -> TimeDelta {
    TimeDelta::minutes(n)
}

pub fn user(id: &str) -> UserId {
    UserId::new(id).unwrap()
}

pub fn reason(text: &str) -> Reason {
    Reason::new(text).unwrap()
}

pub fn supervisor() -> Actor {
    Actor::new(user("s1"), ActorRole::Supervisor, DISTRICT)
}

pub fn dispatcher() -> Actor {
    Actor::new(user("d1"), ActorRole::Dispatcher, DISTRICT)
}

pub fn adjudicator() -> Actor {
    Actor::new(user("a1"), ActorRole::Adjudicator, CITY)
}

pub fn handler(unit: EntityId) -> Actor {
    Actor::new(user(&format!("h{}", unit.0)), ActorRole::Handler, unit)
}

pub fn reporter() -> Actor {
    Actor::new(user("r1"), ActorRole::Reporter, GRID)
}

pub fn requester() -> Actor {
    Actor::new(user("q1"), ActorRole::Requester, EntityId(900))
}

pub fn system() -> Actor {
    Actor::system(DISTRICT)
}

/// The actor of a role entitled to act on this item (the right unit or the right person).
pub fn actor_for(role: ActorRole, item: &WorkItem) -> Actor {
    match role {
        ActorRole::Handler => handler(item.assignee.unwrap_or(item.owner_unit)),
        ActorRole::Supervisor => supervisor(),
        ActorRole::Dispatcher => dispatcher(),
        ActorRole::Adjudicator => adjudicator(),
        ActorRole::Reporter => reporter(),
        ActorRole::Requester => requester(),
        ActorRole::System => system(),
    }
}

pub fn category_for(kind: ItemKind) -> CategoryCode {
    match kind {
        ItemKind::EnterpriseRequest => CategoryCode::parse("enterprise/03/01").unwrap(),
        _ => CategoryCode::parse("event/01/01").unwrap(),
    }
}

pub fn new_item(id: i64, kind: ItemKind) -> NewWorkItem {
    NewWorkItem {
        id: ItemId(id),
        kind,
        title: "解放碑步行街垃圾堆积".into(),
        category: category_for(kind),
        priority: Priority::Normal,
        channel: Channel::Hotline,
        receiving_unit: DISTRICT,
        location: Some(GRID),
        enterprise: None,
        reporter: Some(user("r1")),
        requester: Some(user("q1")),
    }
}

/// The start of most scenarios: Monday 2024-03-04 09:00.
pub fn t0() -> DateTime<Utc> {
    t(2024, 3, 4, 9, 0)
}

/// Drives items through the engine, ten minutes a step.
pub struct Driver<'w> {
    pub world: &'w World,
    pub now: DateTime<Utc>,
}

impl<'w> Driver<'w> {
    pub fn new(world: &'w World) -> Self {
        Self { world, now: t0() }
    }

    pub fn receive(&mut self, id: i64, kind: ItemKind) -> WorkItem {
        let (item, _) = receive(
            new_item(id, kind),
            &supervisor(),
            self.now,
            &self.world.ctx(),
        )
        .expect("receive");
        item
    }

    /// Applies a command ten minutes later, panicking with the engine's message on refusal.
    pub fn step(&mut self, item: &WorkItem, cmd: Command, actor: &Actor) -> WorkItem {
        self.step_fx(item, cmd, actor).0
    }

    pub fn step_fx(
        &mut self,
        item: &WorkItem,
        cmd: Command,
        actor: &Actor,
    ) -> (WorkItem, Vec<Effect>) {
        self.now += mins(10);
        apply(item, &cmd, actor, self.now, &self.world.ctx())
            .unwrap_or_else(|e| panic!("{cmd:?} by {:?}: {e}", actor.role))
    }

    /// An item of `kind` at `stage`, reached by the ordinary route.
    pub fn at_stage(&mut self, id: i64, kind: ItemKind, stage: Stage) -> WorkItem {
        let item = self.receive(id, kind);
        let s = supervisor();
        match stage {
            Stage::Received => item,
            Stage::Rejected => self.step(
                &item,
                Command::Reject {
                    reason: reason("重复上报"),
                },
                &s,
            ),
            Stage::Cancelled => self.step(
                &item,
                Command::Cancel {
                    reason: reason("已自行解决"),
                },
                &s,
            ),
            _ => {
                let item = self.step(&item, Command::Register, &s);
                self.continue_from_registered(item, stage)
            }
        }
    }

    fn continue_from_registered(&mut self, item: WorkItem, stage: Stage) -> WorkItem {
        if stage == Stage::Registered {
            return item;
        }
        let item = self.step(&item, Command::Dispatch { unit: DEPT }, &dispatcher());
        if stage == Stage::AwaitingRuling {
            let back = Command::Return {
                reason: reason("不属于本单位职责"),
            };
            let item = self.step(&item, back.clone(), &handler(DEPT));
            let item = self.step(&item, Command::Dispatch { unit: DEPT2 }, &dispatcher());
            return self.step(&item, back, &handler(DEPT2));
        }
        let mut item = item;
        let h = handler(DEPT);
        let plan: [(Stage, Command, Actor); 5] = [
            (Stage::Signed, Command::Sign, h.clone()),
            (Stage::Handling, Command::Handle, h.clone()),
            (
                Stage::Replied,
                Command::Reply {
                    result: reason("已清运"),
                },
                h,
            ),
            (
                Stage::Verified,
                Command::Verify {
                    outcome: Verification::Passed,
                },
                supervisor(),
            ),
            (Stage::Closed, Command::Close, supervisor()),
        ];
        if stage == Stage::Dispatched {
            return item;
        }
        for (reached, cmd, actor) in plan {
            item = self.step(&item, cmd, &actor);
            if reached == stage {
                return item;
            }
        }
        panic!("no route to {stage:?}")
    }
}

/// The child items a fan-out asked for, with ids from `first_id`.
pub fn children_of(effects: &[Effect], first_id: i64) -> Vec<WorkItem> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::CreateChild(spec) => Some(spec.clone()),
            _ => None,
        })
        .enumerate()
        .map(|(k, spec)| spec.into_item(ItemId(first_id + k as i64)))
        .collect()
}
