//! Conformance scenarios for work items: round trip with history and extras, inbox filters,
//! optimistic concurrency (a stale version writes nothing), fan-out children, and many tasks
//! racing on one item.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use futures::future::join_all;
use yiping_flow::{
    Actor, ActorRole, Calendar, CategoryBook, CategoryCode, Channel, Command, Effect, FlowContext,
    HistoryEntry, ItemId, ItemKind, NewWorkItem, OrgMap, Priority, Reason, Stage, Step, UserId,
    WorkItem, apply, receive,
};
use yiping_kernel::EntityId;

use super::BoxFut;
use yiping_store::{
    AlertLink, ItemExtras, Page, Store, StoreError, TransitionRecord, WorkItemFilter,
};

const BOOK: &str = r#"
[[category]]
domain = "event"
major = "01"
major_name = "市容环境"
minor = "01"
minor_name = "暴露垃圾"
departments = ["CGJ"]
clock = "natural_days"

[category.limits.normal]
register = 1
dispatch = 1
sign = 1
handle = 3
verify = 1
close = 5
"#;

const CENTRE: EntityId = EntityId(10);
const DEPT: EntityId = EntityId(20);
const DEPT2: EntityId = EntityId(21);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 4, 2, 0, 0).unwrap()
}

fn actor(user: &str, role: ActorRole, unit: EntityId) -> Actor {
    Actor::new(UserId::new(user).unwrap(), role, unit)
}

struct Fixture {
    calendar: Calendar,
    book: CategoryBook,
    org: OrgMap,
}

impl Fixture {
    fn new() -> Self {
        Self {
            calendar: Calendar::new(),
            book: CategoryBook::from_toml_str(BOOK).unwrap(),
            org: OrgMap::new(),
        }
    }

    fn ctx(&self) -> FlowContext<'_> {
        FlowContext::new(&self.calendar, &self.book, &self.org)
    }

    fn receive(&self, id: ItemId, kind: ItemKind, title: &str) -> WorkItem {
        let new = NewWorkItem {
            id,
            kind,
            title: title.to_string(),
            category: CategoryCode::parse("事件/01/01").unwrap(),
            priority: Priority::Normal,
            channel: Channel::Hotline,
            receiving_unit: CENTRE,
            location: None,
            enterprise: None,
            reporter: None,
            requester: None,
        };
        let who = actor("受理员甲", ActorRole::Supervisor, CENTRE);
        receive(new, &who, t0(), &self.ctx()).unwrap().0
    }

    fn apply(
        &self,
        item: &WorkItem,
        cmd: Command,
        who: Actor,
        at: DateTime<Utc>,
    ) -> (WorkItem, Vec<Effect>) {
        apply(item, &cmd, &who, at, &self.ctx()).unwrap()
    }
}

fn record(item: &WorkItem, note: Option<&str>) -> TransitionRecord {
    TransitionRecord {
        entry: item.history.last().unwrap().clone(),
        note: note.map(str::to_string),
        clock_used: Some(0.5),
        overdue: false,
    }
}

async fn store_new(s: &dyn Store, item: &WorkItem, extras: &ItemExtras) {
    let records: Vec<TransitionRecord> = item
        .history
        .iter()
        .cloned()
        .map(TransitionRecord::new)
        .collect();
    s.insert_work_item(item, extras, &records).await.unwrap();
}

pub(super) fn round_trip_and_filters(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let f = Fixture::new();
        let ids = s.reserve_item_ids(2).await.unwrap();
        assert_eq!(ids.len(), 2);
        assert_ne!(ids[0], ids[1]);
        let more = s.reserve_item_ids(1).await.unwrap();
        assert!(more[0] > ids[1], "ids are never handed out twice");

        let item = f.receive(ids[0], ItemKind::Event, "路边暴露垃圾");
        let extras = ItemExtras {
            problem_source: Some("信访".into()),
            description: Some("小区门口垃圾堆积三天".into()),
            lat: Some(29.56),
            long: Some(106.55),
            token: Some("tok-1".into()),
            attributes: [("ROAD_SIDE".to_string(), vec!["left".to_string()])].into(),
            ..ItemExtras::default()
        };
        store_new(s, &item, &extras).await;
        let err = s.insert_work_item(&item, &extras, &[]).await.unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");

        let back = s.work_item(item.id).await.unwrap().expect("stored");
        assert_eq!(back.item, item);
        assert_eq!(back.extras, extras);
        assert_eq!(back.records.len(), item.history.len());
        assert_eq!(s.work_item_by_token("tok-1").await.unwrap(), Some(item.id));
        assert_eq!(s.work_item_by_token("none").await.unwrap(), None);
        assert!(s.work_item(ItemId(999_999)).await.unwrap().is_none());
        let head = s.work_item_head(item.id).await.unwrap().expect("stored");
        let mut bare = item.clone();
        bare.history.clear();
        assert_eq!(head.item, bare, "the head is the item without its history");
        assert_eq!(head.extras, extras);
        assert!(head.records.is_empty());
        assert!(s.work_item_head(ItemId(999_999)).await.unwrap().is_none());

        // 立案 → 派遣 with notes and clock time.
        let sup = actor("受理员甲", ActorRole::Supervisor, CENTRE);
        let (v2, _) = f.apply(&item, Command::Register, sup, t0() + TimeDelta::hours(1));
        s.apply_transition(&item, &v2, &record(&v2, None), &[])
            .await
            .unwrap();
        let disp = actor("派遣员乙", ActorRole::Dispatcher, CENTRE);
        let (v3, _) = f.apply(
            &v2,
            Command::Dispatch { unit: DEPT },
            disp,
            t0() + TimeDelta::hours(2),
        );
        s.apply_transition(&v2, &v3, &record(&v3, Some("派往城管")), &[])
            .await
            .unwrap();

        // A stale version is refused and writes nothing.
        let err = s
            .apply_transition(&v2, &v3, &record(&v3, None), &[])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
        let err = s
            .apply_transition(
                &{
                    let mut x = item.clone();
                    x.id = ItemId(999_999);
                    x.version = 0;
                    x
                },
                &{
                    let mut x = v2.clone();
                    x.id = ItemId(999_999);
                    x.version = 1;
                    x.history.last_mut().unwrap().version = 1;
                    x
                },
                &{
                    let mut r = record(&v2, None);
                    r.entry.version = 1;
                    r
                },
                &[],
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }), "{err:?}");
        let back = s.work_item(item.id).await.unwrap().unwrap();
        assert_eq!(back.item, v3);
        let versions: Vec<u64> = back.records.iter().map(|r| r.entry.version).collect();
        assert_eq!(versions, [1, 2, 3]);
        let last = back.records.last().unwrap();
        assert_eq!(last.note.as_deref(), Some("派往城管"));
        assert_eq!(last.clock_used, Some(0.5));
        assert_eq!(last.entry.actor.unit, CENTRE);
        assert_eq!(
            (last.entry.from, last.entry.to),
            (Stage::Registered, Stage::Dispatched)
        );

        // A second item, left at 受理, for the filters.
        let mut other = f.receive(ids[1], ItemKind::Problem, "审计发现的问题");
        other.location = Some(DEPT2);
        let alert = AlertLink {
            rule: "IND_VA_DECLINE".into(),
            indicator: "IND_VA".into(),
            period: "2024M01-M09".into(),
            entity: CENTRE,
            value: -1.25,
            threshold: 0.0,
            severity: "critical".into(),
        };
        store_new(
            s,
            &other,
            &ItemExtras {
                problem_source: Some("审计".into()),
                alert: Some(alert.clone()),
                ..ItemExtras::default()
            },
        )
        .await;
        let listed = s
            .work_items(&WorkItemFilter::default(), Page::first(10))
            .await
            .unwrap();
        let link = listed.items.iter().find_map(|x| x.extras.alert.clone());
        assert_eq!(link, Some(alert), "the alert link survives a list read");
        let list = |filter: WorkItemFilter| async move {
            let p = s.work_items(&filter, Page::first(10)).await.unwrap();
            let ids: Vec<ItemId> = p.items.iter().map(|x| x.item.id).collect();
            (p.total, ids)
        };
        assert_eq!(list(WorkItemFilter::default()).await.0, 2);
        let inbox = WorkItemFilter {
            unit: Some(DEPT),
            ..WorkItemFilter::default()
        };
        assert_eq!(list(inbox).await, (1, vec![item.id]));
        // A unit's inbox holds the items located there only when asked (a grid's inbox).
        let handled_there = WorkItemFilter {
            unit: Some(DEPT2),
            ..WorkItemFilter::default()
        };
        assert_eq!(list(handled_there).await.0, 0);
        let located_there = WorkItemFilter {
            unit: Some(DEPT2),
            or_located: true,
            ..WorkItemFilter::default()
        };
        assert_eq!(list(located_there).await, (1, vec![other.id]));
        let by_stage = WorkItemFilter {
            stages: vec![Stage::Received],
            ..WorkItemFilter::default()
        };
        assert_eq!(list(by_stage).await, (1, vec![other.id]));
        let by_source = WorkItemFilter {
            problem_source: Some("审计".into()),
            ..WorkItemFilter::default()
        };
        assert_eq!(list(by_source).await, (1, vec![other.id]));
        let by_kind = WorkItemFilter {
            kind: Some(ItemKind::Event),
            category_prefix: Some("事件/01".into()),
            ..WorkItemFilter::default()
        };
        assert_eq!(list(by_kind).await, (1, vec![item.id]));
        let overdue_later = WorkItemFilter {
            due_before: Some(t0() + TimeDelta::days(30)),
            open_only: true,
            ..WorkItemFilter::default()
        };
        assert_eq!(list(overdue_later).await.0, 2);
        let overdue_now = WorkItemFilter {
            due_before: Some(t0()),
            ..WorkItemFilter::default()
        };
        assert_eq!(list(overdue_now).await.0, 0);
        let ids_filter = WorkItemFilter {
            ids: vec![other.id],
            ..WorkItemFilter::default()
        };
        assert_eq!(list(ids_filter).await, (1, vec![other.id]));
        let page = s
            .work_items(&WorkItemFilter::default(), Page::new(1, 1))
            .await
            .unwrap();
        assert_eq!((page.total, page.items.len()), (2, 1));
        let all = s
            .work_items_with_history(t0() + TimeDelta::days(1))
            .await
            .unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(
            all.iter().find(|x| x.id == item.id).unwrap().history.len(),
            3
        );
    })
}

pub(super) fn fan_out_children(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let f = Fixture::new();
        let id = s.reserve_item_ids(1).await.unwrap()[0];
        let item = f.receive(id, ItemKind::Directive, "开展燃气安全排查");
        store_new(s, &item, &ItemExtras::default()).await;
        let sup = actor("受理员甲", ActorRole::Supervisor, CENTRE);
        let (v2, _) = f.apply(&item, Command::Register, sup, t0() + TimeDelta::hours(1));
        s.apply_transition(&item, &v2, &record(&v2, None), &[])
            .await
            .unwrap();
        let disp = actor("派遣员乙", ActorRole::Dispatcher, CENTRE);
        let (v3, effects) = f.apply(
            &v2,
            Command::FanOut {
                units: vec![DEPT, DEPT2],
            },
            disp,
            t0() + TimeDelta::hours(2),
        );
        let specs: Vec<_> = effects
            .into_iter()
            .filter_map(|e| match e {
                Effect::CreateChild(c) => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!(specs.len(), 2);
        let child_ids = s
            .apply_transition(&v2, &v3, &record(&v3, None), &specs)
            .await
            .unwrap();
        assert_eq!(child_ids.len(), 2);
        let children = s.child_items(id).await.unwrap();
        let got: Vec<(ItemId, Option<EntityId>, Stage, usize)> = children
            .iter()
            .map(|c| (c.id, c.assignee, c.stage, c.history.len()))
            .collect();
        assert_eq!(
            got,
            [
                (child_ids[0], Some(DEPT), Stage::Dispatched, 1),
                (child_ids[1], Some(DEPT2), Stage::Dispatched, 1)
            ]
        );
        let parent = s.work_item(id).await.unwrap().unwrap();
        assert_eq!(parent.item.children, 2);
        // A conflicting fan-out creates no children.
        let err = s
            .apply_transition(&v2, &v3, &record(&v3, None), &specs)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
        assert_eq!(s.child_items(id).await.unwrap().len(), 2);
    })
}

/// The next version of `item` as a 督办 note by `task` (the store does not check the engine's
/// rules, only versions).
fn noted(item: &WorkItem, task: usize, round: usize) -> (WorkItem, TransitionRecord) {
    let mut next = item.clone();
    next.version += 1;
    next.updated_at += TimeDelta::seconds(1);
    let entry = HistoryEntry {
        version: next.version,
        at: next.updated_at,
        actor: actor(&format!("任务{task}"), ActorRole::Supervisor, CENTRE),
        step: Step::Command(Command::Supervise {
            note: Reason::new(format!("第{round}轮")).unwrap(),
        }),
        from: item.stage,
        to: item.stage,
        on_time: None,
    };
    next.history.push(entry.clone());
    let record = TransitionRecord {
        entry,
        note: Some(format!("任务{task}第{round}轮")),
        clock_used: None,
        overdue: false,
    };
    (next, record)
}

pub(super) fn racing_tasks(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        const TASKS: usize = 16;
        const ROUNDS: usize = 4;
        let f = Fixture::new();
        let id = s.reserve_item_ids(1).await.unwrap()[0];
        let item = f.receive(id, ItemKind::Event, "并发测试");
        store_new(s, &item, &ItemExtras::default()).await;

        // Lock-step rounds: every task read the same version, exactly one wins.
        for round in 0..ROUNDS {
            let read = join_all((0..TASKS).map(|_| s.work_item(id))).await;
            let attempts = read.into_iter().enumerate().map(|(task, r)| {
                let current = r.unwrap().unwrap().item;
                async move {
                    let (next, rec) = noted(&current, task, round);
                    s.apply_transition(&current, &next, &rec, &[]).await
                }
            });
            let results = join_all(attempts).await;
            let wins = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(wins, 1, "round {round}: {results:?}");
            assert!(
                results
                    .iter()
                    .all(|r| matches!(r, Ok(_) | Err(StoreError::Conflict { .. }))),
                "{results:?}"
            );
        }

        // Free for all: each task retries until it has written twice.
        let tasks = (0..TASKS).map(|task| async move {
            let mut written = 0;
            let mut conflicts = 0;
            while written < 2 {
                let current = s.work_item(id).await.unwrap().unwrap().item;
                let (next, rec) = noted(&current, task, 100 + written);
                match s.apply_transition(&current, &next, &rec, &[]).await {
                    Ok(_) => written += 1,
                    Err(StoreError::Conflict { .. }) => conflicts += 1,
                    Err(e) => panic!("task {task}: {e:?}"),
                }
                assert!(conflicts < 10_000, "task {task} starved");
            }
        });
        join_all(tasks).await;

        let stored = s.work_item(id).await.unwrap().unwrap();
        let expected = 1 + ROUNDS + 2 * TASKS;
        assert_eq!(stored.item.version as usize, expected);
        let versions: Vec<u64> = stored.records.iter().map(|r| r.entry.version).collect();
        let contiguous: Vec<u64> = (1..=expected as u64).collect();
        assert_eq!(versions, contiguous, "no lost or duplicated entries");
        assert_eq!(stored.item.history.len(), expected);
        for task in 0..TASKS {
            let mine = stored
                .records
                .iter()
                .filter(|r| {
                    r.note
                        .as_deref()
                        .is_some_and(|n| n.starts_with(&format!("任务{task}第10")))
                })
                .count();
            assert_eq!(mine, 2, "task {task} wrote twice in the free-for-all");
        }
    })
}
