//! The demo's work items, on a small organisation: every main stage occurs and the monthly
//! metrics are written through the pipeline after a change.

use chrono::{TimeZone, Utc};
use yiping_demo::items;
use yiping_flow::Stage;
use yiping_kernel::{EntityCode, EntityKind, NewEntity};
use yiping_store::{
    ChangeContext, EntityUpsert, Page, ParentRef, Store, WorkItemFilter, WorkItemStore,
};
use yiping_store_sqlite::{OpenMode, open};

/// 重庆市 with one district, one department and one firm.
async fn seed(store: &dyn Store) {
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
    store.upsert_entities(&items, &ctx).await.unwrap();
}

#[tokio::test]
async fn the_demo_reaches_every_main_stage_and_writes_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("t.db"), OpenMode::CreateIfMissing)
        .await
        .unwrap();
    seed(&store).await;
    // Every item kept at the stage drawn for it, late or not (the demo itself closes most late
    // ones, so that a fresh demo has few overdue items).
    let now = yiping_demo::DemoDay::REFERENCE.morning();
    let summary = items::load_keeping(&store, 7, 400, now, 1.0).await.unwrap();
    assert_eq!(summary.items, 400);
    let stages: Vec<Stage> = summary.by_stage.iter().map(|(s, _)| *s).collect();
    for s in [
        Stage::Received,
        Stage::Registered,
        Stage::Dispatched,
        Stage::Handling,
        Stage::Closed,
        Stage::Rejected,
        Stage::Cancelled,
    ] {
        assert!(stages.contains(&s), "{s:?} missing: {summary}");
    }
    assert!(summary.metric_values > 0, "{summary}");
    let indicators = store.indicators().await.unwrap();
    assert!(
        indicators
            .iter()
            .any(|i| i.data.code.as_str() == "WI_CLOSURE_RATE")
    );
    let stored = store
        .work_items(&WorkItemFilter::default(), Page::first(1))
        .await
        .unwrap();
    assert_eq!(stored.total as usize, 400 + summary.children);
}
