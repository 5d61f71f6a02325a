//! What the app's integration tests share: both backends, and importing a CSV text.
// Each test binary uses only some of these helpers.
#![allow(dead_code)]

use std::sync::Arc;

use yiping_app::database::{Create, DatabaseUrl, open};
use yiping_app::import::{Approved, ImportKind, ImportOptions, ImportOutcome, import_grid_as};
use yiping_io::{ParseOptions, ReadOptions, read_grid_bytes};
use yiping_store::{ChangeContext, Store};
use yiping_store_postgres::testing::{TempDatabase, admin_url};

/// Runs `f` on a fresh SQLite store, then on a fresh PostgreSQL database when configured.
pub async fn on_both<F, Fut>(f: F)
where
    F: Fn(Arc<dyn Store>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let store = open(&DatabaseUrl::Sqlite(dir.path().join("t.db")), Create::Yes)
        .await
        .unwrap();
    f(store).await;
    if let Some(admin) = admin_url() {
        let db = TempDatabase::create(&admin).await;
        let store = open(&DatabaseUrl::Postgres(db.url.clone()), Create::Yes)
            .await
            .unwrap();
        f(store).await;
    }
}

/// Imports `csv` (recognised from its header) and returns what the import did.
pub async fn import_csv(store: &dyn Store, csv: &str, ctx: &ChangeContext) -> ImportOutcome {
    import_csv_as(store, csv, Approved::Keep, ctx).await
}

/// [`import_csv`] by someone who may (`Approved::Reopen`) or may not change approved values.
pub async fn import_csv_as(
    store: &dyn Store,
    csv: &str,
    approved: Approved,
    ctx: &ChangeContext,
) -> ImportOutcome {
    let grid = read_grid_bytes("数据.csv", csv.as_bytes(), &ReadOptions::default()).unwrap();
    let opts = ImportOptions {
        kind: ImportKind::Auto,
        read: ReadOptions::default(),
        parse: ParseOptions::default(),
        dry_run: false,
    };
    import_grid_as(store, &grid, &opts, approved, ctx)
        .await
        .unwrap()
}

/// The id of the entity with `code` (500103, D009) in `store`.
pub async fn entity_by_code(store: &dyn Store, code: &str) -> yiping_kernel::EntityId {
    store
        .all_entities()
        .await
        .unwrap()
        .iter()
        .find(|e| e.data.code.as_ref().is_some_and(|c| c.as_str() == code))
        .unwrap_or_else(|| panic!("no entity {code}"))
        .id
}

/// Monday 2024-03-04 09:00 Beijing time plus `min` minutes.
pub fn monday(min: i64) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono::Utc.with_ymd_and_hms(2024, 3, 4, 1, 0, 0).unwrap() + chrono::TimeDelta::minutes(min)
}

/// 重庆市 with 渝中区 and 市城市管理局 (D009); returns (district, 城管局).
pub async fn city_with_district_and_department(
    store: &dyn Store,
) -> (yiping_kernel::EntityId, yiping_kernel::EntityId) {
    use yiping_kernel::{EntityCode, EntityKind, NewEntity};
    use yiping_store::{EntityUpsert, ParentRef};
    let e = |kind, code: &str, name: &str, level| {
        NewEntity::new(kind, Some(EntityCode::parse(code).unwrap()), name, level).unwrap()
    };
    let items = vec![
        EntityUpsert::new(e(EntityKind::Region, "500000", "重庆市", 1)),
        EntityUpsert::new(e(EntityKind::Region, "500103", "渝中区", 2))
            .with_parent(ParentRef::Earlier(0)),
        EntityUpsert::new(e(EntityKind::Department, "D009", "市城市管理局", 2))
            .with_parent(ParentRef::Earlier(0)),
    ];
    let ctx = ChangeContext::new("测试", "种子", monday(0));
    let ids: Vec<_> = store
        .upsert_entities(&items, &ctx)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    (ids[1], ids[2])
}

/// A user added as an administrator would, and the principal the server finds for them.
pub async fn person(
    store: &dyn Store,
    login: &str,
    role: yiping_access::Role,
    unit_code: &str,
) -> yiping_access::Principal {
    use yiping_app::auth::{ScopeCache, UserSpec, add_user, principal};
    let spec = UserSpec {
        login: login.into(),
        name: login.into(),
        role,
        unit_code: unit_code.into(),
        password: "a-long-password".into(),
    };
    add_user(store, &spec, "测试", monday(0)).await.unwrap();
    let stored = store.user_by_login(login).await.unwrap().unwrap();
    principal(store, &ScopeCache::default(), &stored)
        .await
        .unwrap()
}

/// A 事件 received by `district`, located there.
pub fn event_in(
    district: yiping_kernel::EntityId,
    title: &str,
    channel: yiping_flow::Channel,
) -> yiping_app::work_items::CreateItem {
    yiping_app::work_items::CreateItem {
        kind: yiping_flow::ItemKind::Event,
        title: title.into(),
        category: yiping_flow::CategoryCode::parse("事件/01/01").unwrap(),
        priority: yiping_flow::Priority::Normal,
        channel,
        receiving_unit: district,
        location: Some(district),
        enterprise: None,
        reporter: None,
        requester: None,
        extras: yiping_store::ItemExtras::default(),
    }
}
