use chrono::{Datelike, TimeDelta, TimeZone};
use yiping_flow::ActorRole;
use yiping_kernel::{EntityCode, NewEntity};
use yiping_store::{ChangeContext, EntityUpsert, ParentRef, WorkItemStore};
use yiping_store_sqlite::{OpenMode, open};

use super::*;

pub(crate) struct Org {
    pub city: EntityId,
    pub district: EntityId,
    pub cgj: EntityId,
    pub firm: EntityId,
}

pub(crate) async fn seed(store: &dyn Store) -> Org {
    let e = |kind, code: &str, name: &str, level| {
        NewEntity::new(kind, Some(EntityCode::parse(code).unwrap()), name, level).unwrap()
    };
    let items = vec![
        EntityUpsert::new(e(EntityKind::Region, "500000", "重庆市", 1)),
        EntityUpsert::new(e(EntityKind::Region, "500103", "渝中区", 2))
            .with_parent(ParentRef::Earlier(0)),
        EntityUpsert::new(e(EntityKind::Department, "D009", "市城市管理局", 2))
            .with_parent(ParentRef::Earlier(0)),
        EntityUpsert::new(e(
            EntityKind::Enterprise,
            "91500000TEST00001X",
            "测试企业",
            1,
        )),
    ];
    let ctx = ChangeContext::new(
        "测试",
        "种子",
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
    );
    let ids: Vec<EntityId> = store
        .upsert_entities(&items, &ctx)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    Org {
        city: ids[0],
        district: ids[1],
        cgj: ids[2],
        firm: ids[3],
    }
}

fn t(h: i64) -> DateTime<Utc> {
    // Monday 2024-03-04 09:00 Beijing time.
    Utc.with_ymd_and_hms(2024, 3, 4, 1, 0, 0).unwrap() + TimeDelta::hours(h)
}

fn who(user: &str, role: ActorRole, unit: EntityId) -> Actor {
    Actor::new(UserId::new(user).unwrap(), role, unit)
}

fn event(org: &Org, channel: Channel) -> CreateItem {
    CreateItem {
        kind: ItemKind::Event,
        title: "解放碑步行街暴露垃圾".into(),
        category: CategoryCode::parse("事件/01/01").unwrap(),
        priority: Priority::Normal,
        channel,
        receiving_unit: org.district,
        location: Some(org.district),
        enterprise: None,
        reporter: None,
        requester: None,
        extras: ItemExtras::default(),
    }
}

#[tokio::test]
async fn create_route_transition_and_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("t.db"), OpenMode::CreateIfMissing)
        .await
        .unwrap();
    let org = seed(&store).await;
    let setup = FlowSetup::load(&store).await.unwrap();

    // A grid worker's report is registered at once.
    let grid = who("网格员1", ActorRole::Reporter, org.district);
    let item = create(
        &store,
        &setup,
        event(&org, Channel::GridWorker),
        &grid,
        t(0),
    )
    .await
    .unwrap();
    assert_eq!(item.item.stage, Stage::Registered);
    let r = suggest_route(&setup, &item.item).expect("a route");
    assert_eq!(r.unit, org.cgj);

    // Dispatch, then a stale version is a conflict and a refused command the engine's message.
    let disp = who("派遣员", ActorRole::Dispatcher, org.district);
    let v = item.item.version;
    let out = transition(
        &store,
        &setup,
        item.item.id,
        v,
        &Command::Dispatch { unit: r.unit },
        &disp,
        t(1),
    )
    .await
    .unwrap();
    assert_eq!(out.item.item.stage, Stage::Dispatched);
    let err = transition(&store, &setup, item.item.id, v, &Command::Sign, &disp, t(2))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Store(StoreError::Conflict { .. })),
        "{err}"
    );
    let err = transition(
        &store,
        &setup,
        item.item.id,
        v + 1,
        &Command::Register,
        &who("监督员", ActorRole::Supervisor, org.district),
        t(2),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AppError::Flow(_)) && err.to_string().contains("立案"),
        "{err}"
    );

    // The department's inbox has it; it is overdue after its signing limit.
    let inbox = WorkItemFilter {
        unit: Some(org.cgj),
        ..WorkItemFilter::default()
    };
    let page = list(&store, &setup, inbox.clone(), false, Page::first(10), t(2))
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert!(!page.items[0].overdue);
    let later = t(24 * 3);
    let page = list(&store, &setup, inbox, true, Page::first(10), later)
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert!(page.items[0].overdue);

    // The jobs chase it and escalate it once, and do not repeat themselves within the hour.
    // What `/metrics` shows: one open item, overdue by then, and the job run counted.
    let gauges = crate::monitoring::item_gauges(&store, later).await.unwrap();
    assert_eq!((gauges.open, gauges.overdue), (1, 1));
    let gauges = crate::monitoring::item_gauges(&store, t(2)).await.unwrap();
    assert_eq!((gauges.open, gauges.overdue), (1, 0));
    let runs_before = crate::monitoring::counters().job_runs_ok;
    let schedule = metrics::MetricsSchedule::new();
    let report = run_jobs(&store, &setup, later, &schedule).await.unwrap();
    assert!(crate::monitoring::counters().job_runs_ok > runs_before);
    assert_eq!(report.overdue, 1);
    assert_eq!(report.reminded, vec![item.item.id]);
    assert_eq!(report.escalated, vec![item.item.id], "{report:?}");
    // The figures of the previous and the current month are written back on the first run …
    let written = report.metrics.expect("figures written on the first run");
    assert_eq!(report.metrics_error, None);
    let months: Vec<String> = written.written.iter().map(|(p, _)| p.code()).collect();
    let today = setup.calendar.local(later).date();
    assert_eq!(months.len(), 2);
    assert_eq!(months[1], format!("{}M{:02}", today.year(), today.month()));
    let wi = store.indicators().await.unwrap();
    assert!(wi.iter().any(|i| i.data.code.as_str() == "WI_REOPEN_RATE"));
    assert!(
        wi.iter()
            .any(|i| i.data.code.as_str() == "WI_MEAN_DURATION")
    );
    // … not again within the hour, and again after it.
    let soon = run_jobs(&store, &setup, later + TimeDelta::minutes(59), &schedule)
        .await
        .unwrap();
    assert_eq!(soon.metrics, None);
    let again = run_jobs(&store, &setup, later + TimeDelta::hours(1), &schedule)
        .await
        .unwrap();
    assert!(again.reminded.is_empty() && again.escalated.is_empty());
    assert_eq!(again.metrics.map(|m| m.written.len()), Some(2));
    let stored = store.work_item(item.item.id).await.unwrap().unwrap();
    assert_eq!(stored.item.escalated_to, Some(org.city));
    let versions: Vec<u64> = stored.records.iter().map(|r| r.entry.version).collect();
    assert_eq!(versions, (1..=stored.item.version).collect::<Vec<_>>());
    assert!(stored.records.last().unwrap().overdue);
}

#[tokio::test]
async fn kinds_check_what_they_require() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("t.db"), OpenMode::CreateIfMissing)
        .await
        .unwrap();
    let org = seed(&store).await;
    let setup = FlowSetup::load(&store).await.unwrap();
    let sup = who("受理员", ActorRole::Supervisor, org.district);

    let mut req = event(&org, Channel::Enterprise);
    req.kind = ItemKind::EnterpriseRequest;
    req.category = CategoryCode::parse("企业诉求/01/01").unwrap();
    let err = create(&store, &setup, req.clone(), &sup, t(0))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("须注明企业"), "{err}");
    req.enterprise = Some(org.district);
    let err = create(&store, &setup, req.clone(), &sup, t(0))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("不是企业"), "{err}");
    req.enterprise = Some(org.firm);
    let ok = create(&store, &setup, req, &sup, t(0)).await.unwrap();
    assert_eq!(ok.item.enterprise, Some(org.firm));

    let mut problem = event(&org, Channel::Leadership);
    problem.kind = ItemKind::Problem;
    let err = create(&store, &setup, problem.clone(), &sup, t(0))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("巡视"), "{err}");
    problem.extras.problem_source = Some("审计".into());
    let ok = create(&store, &setup, problem, &sup, t(0)).await.unwrap();
    assert_eq!(ok.extras.problem_source.as_deref(), Some("审计"));
    assert_eq!(ok.item.stage, Stage::Received);
}

#[test]
fn the_shipped_categories_parse() {
    let setup = FlowSetup::shipped().unwrap();
    assert!(setup.categories.len() >= 20);
}
