//! The door through which people file and move work items (`work_items::door`), on SQLite and
//! (when configured) PostgreSQL, with users as the server finds them: the checks run in their
//! order (not found, role and scope, stale version, the engine), each failure typed; only an
//! administrator gives a time; a directive outside the user's subtree leaves nothing behind; an
//! enterprise's request is located in its region; a public request is placed by its position.

mod support;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use support::on_both;
use yiping_access::{Principal, Role as UserRole};
use yiping_app::AppError;
use yiping_app::auth::{ScopeCache, UserSpec, add_user, principal};
use yiping_app::geo::ShippedMap;
use yiping_app::work_items::door::{self, Action, PublicRequest};
use yiping_app::work_items::{CreateItem, FlowSetup};
use yiping_flow::{
    ActorRole, CategoryCode, Channel, Command, ItemId, ItemKind, Priority, Reason, Stage,
};
use yiping_kernel::{EntityCode, EntityId, EntityKind, NewEntity};
use yiping_store::{
    ChangeContext, EntityUpsert, ItemExtras, Page, ParentRef, Store, WorkItemFilter,
};

struct Org {
    city: EntityId,
    district: EntityId,
    other: EntityId,
    cgj: EntityId,
    firm: EntityId,
}

/// Monday 2024-03-04 09:00 Beijing time plus `min` minutes.
fn at(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 4, 1, 0, 0).unwrap() + TimeDelta::minutes(min)
}

async fn seed(store: &dyn Store) -> Org {
    let e = |kind, code: &str, name: &str, level| {
        NewEntity::new(kind, Some(EntityCode::parse(code).unwrap()), name, level).unwrap()
    };
    let items = vec![
        EntityUpsert::new(e(EntityKind::Region, "500000", "重庆市", 1)),
        EntityUpsert::new(e(EntityKind::Region, "500103", "渝中区", 2))
            .with_parent(ParentRef::Earlier(0)),
        EntityUpsert::new(e(EntityKind::Region, "500104", "大渡口区", 2))
            .with_parent(ParentRef::Earlier(0)),
        EntityUpsert::new(e(EntityKind::Department, "D009", "市城市管理局", 2))
            .with_parent(ParentRef::Earlier(0)),
        EntityUpsert::new(e(
            EntityKind::Enterprise,
            "91500000TEST00001X",
            "测试企业",
            3,
        ))
        .with_parent(ParentRef::Earlier(1)),
    ];
    let ctx = ChangeContext::new("测试", "种子", at(0));
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
        other: ids[2],
        cgj: ids[3],
        firm: ids[4],
    }
}

/// A user added as an administrator would, and the principal the server finds for them.
async fn user(store: &dyn Store, login: &str, role: UserRole, unit_code: &str) -> Principal {
    let spec = UserSpec {
        login: login.into(),
        name: login.into(),
        role,
        unit_code: unit_code.into(),
        password: "a-long-password".into(),
    };
    add_user(store, &spec, "测试", at(0)).await.unwrap();
    let stored = store.user_by_login(login).await.unwrap().unwrap();
    principal(store, &ScopeCache::default(), &stored)
        .await
        .unwrap()
}

fn event(org: &Org, title: &str) -> CreateItem {
    CreateItem {
        kind: ItemKind::Event,
        title: title.into(),
        category: CategoryCode::parse("事件/01/01").unwrap(),
        priority: Priority::Normal,
        channel: Channel::GridWorker,
        receiving_unit: org.district,
        location: Some(org.district),
        enterprise: None,
        reporter: None,
        requester: None,
        extras: ItemExtras::default(),
    }
}

async fn count(store: &dyn Store) -> u64 {
    store
        .work_items(&WorkItemFilter::default(), Page::first(1))
        .await
        .unwrap()
        .total
}

#[tokio::test]
async fn commands_pass_the_checks_in_order_and_each_failure_is_typed() {
    on_both(|store: Arc<dyn Store>| async move {
        let store = store.as_ref();
        let org = seed(store).await;
        let setup = FlowSetup::load(store).await.unwrap();
        let admin = user(store, "boss", UserRole::Admin, "500000").await;
        let grid = user(store, "grid", UserRole::GridWorker, "500103").await;
        let cgj = user(store, "cgj", UserRole::Handler, "D009").await;

        // Only an administrator gives a time.
        let refused = door::create(store, &setup, &grid, event(&org, "暴露垃圾"), Some(at(0)))
            .await
            .unwrap_err();
        assert!(
            matches!(&refused, AppError::Forbidden(m) if m.to_string().contains("只有系统管理员")),
            "{refused:?}"
        );
        let created = door::create(store, &setup, &grid, event(&org, "暴露垃圾"), None)
            .await
            .unwrap();
        let item = created.item.item;
        assert_eq!(item.stage, Stage::Registered, "a grid worker's report");
        assert_eq!(created.suggested_route.map(|r| r.unit), Some(org.cgj));

        // Not found, then role, then the version, then the engine.
        let missing = Action::new(ItemId(999), 1, Command::Sign);
        let e = door::act(store, &setup, &cgj, missing, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::NotFound(m) if m == "事项 999 不存在"),
            "{e:?}"
        );
        let dispatch = Command::Dispatch { unit: org.cgj };
        let e = door::act(
            store,
            &setup,
            &cgj,
            Action::new(item.id, 0, dispatch.clone()),
            None,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&e, AppError::Forbidden(m) if m.to_string().contains("承办人无权")),
            "{e:?}"
        );
        let stale = Action::new(item.id, item.version + 1, dispatch.clone());
        let e = door::act(store, &setup, &admin, stale, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::Conflict(m) if m.contains("已被他人修改")),
            "{e:?}"
        );
        let close = Action::new(item.id, item.version, Command::Close);
        let e = door::act(store, &setup, &admin, close, None)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Flow(_)), "{e:?}");

        // The administrator dispatches, the handler signs.
        let acted = door::act(
            store,
            &setup,
            &admin,
            Action::new(item.id, item.version, dispatch),
            None,
        )
        .await
        .unwrap();
        assert_eq!(acted.item.item.stage, Stage::Dispatched);
        assert_eq!(acted.actor.role, ActorRole::Dispatcher);
        assert!(
            acted.notices().any(|(_, m)| !m.is_empty()),
            "the unit is told"
        );
        let v = acted.item.item.version;
        let sign = Action::new(item.id, v, Command::Sign);
        let signed = door::act(store, &setup, &cgj, sign, None).await.unwrap();
        assert_eq!(signed.item.item.stage, Stage::Signed);
        assert_eq!(signed.actor.role, ActorRole::Handler);
        assert_eq!(signed.item.records.len(), acted.item.records.len() + 1);
        // The administrator may act at a time of their choosing (replaying events).
        let later = signed.item.item.updated_at + TimeDelta::minutes(30);
        let note = Reason::new("限期办结").unwrap();
        let supervise = Action::new(
            item.id,
            signed.item.item.version,
            Command::Supervise { note },
        );
        let supervised = door::act(store, &setup, &admin, supervise, Some(later))
            .await
            .unwrap();
        assert_eq!(supervised.at, later);
        assert!(supervised.item.item.supervised);
        assert_eq!(supervised.item.item.updated_at, later);

        // A user of another district neither reads nor moves it.
        let other = user(store, "ddk", UserRole::Leader, "500104").await;
        let e = door::item(store, &other, item.id).await.unwrap_err();
        assert!(matches!(e, AppError::Forbidden(_)), "{e:?}");
        assert_eq!(org.other, other.unit);
    })
    .await;
}

#[tokio::test]
async fn a_directive_to_a_unit_outside_the_subtree_leaves_nothing_behind() {
    on_both(|store: Arc<dyn Store>| async move {
        let store = store.as_ref();
        let org = seed(store).await;
        let setup = FlowSetup::load(store).await.unwrap();
        let leader = user(store, "yz", UserRole::Leader, "500103").await;
        let directive = CreateItem {
            kind: ItemKind::Directive,
            channel: Channel::Leadership,
            location: None,
            ..event(&org, "开展占道经营专项整治")
        };
        let before = count(store).await;
        let e = door::issue_directive(
            store,
            &setup,
            &leader,
            directive.clone(),
            vec![org.district, org.other],
            None,
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&e, AppError::Forbidden(m) if m.to_string().contains("管辖范围")),
            "{e:?}"
        );
        assert_eq!(count(store).await, before, "nothing was stored");
        let e = door::issue_directive(store, &setup, &leader, directive.clone(), vec![], None)
            .await
            .unwrap_err();
        assert!(matches!(e, AppError::Invalid(_)), "{e:?}");

        let city = user(store, "analyst", UserRole::Analyst, "500000").await;
        let units = vec![org.district, org.other];
        let acted = door::issue_directive(store, &setup, &city, directive, units, None)
            .await
            .unwrap();
        assert_eq!(acted.item.item.kind, ItemKind::Directive);
        assert_eq!(acted.children.len(), 2);
        assert_eq!(count(store).await, before + 3);
    })
    .await;
}

#[tokio::test]
async fn an_enterprise_files_on_the_city_platform_located_in_its_region() {
    on_both(|store: Arc<dyn Store>| async move {
        let store = store.as_ref();
        let org = seed(store).await;
        let setup = FlowSetup::load(store).await.unwrap();
        let firm = user(store, "firm", UserRole::Enterprise, "91500000TEST00001X").await;
        let request = CreateItem {
            kind: ItemKind::EnterpriseRequest,
            category: CategoryCode::parse("企业诉求/01/01").unwrap(),
            channel: Channel::Hotline,
            receiving_unit: org.other,
            location: Some(org.other),
            ..event(&org, "技改补贴尚未兑现")
        };
        let created = door::create(store, &setup, &firm, request, None)
            .await
            .unwrap();
        let item = created.item.item;
        assert_eq!(item.receiving_unit, org.city);
        assert_eq!(item.enterprise, Some(org.firm));
        assert_eq!(item.location, Some(org.district), "属地 of the enterprise");
        assert_eq!(item.channel, Channel::Enterprise);
    })
    .await;
}

/// A square boundary for 渝中区 around (106.55–106.60 E, 29.53–29.58 N).
const BOUNDARY: &str = r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
    "properties": {"name": "渝中区"}, "geometry": {"type": "Polygon", "coordinates":
    [[[106.55, 29.53], [106.60, 29.53], [106.60, 29.58], [106.55, 29.58], [106.55, 29.53]]]}}]}"#;

fn public(position: Option<(f64, f64)>) -> PublicRequest {
    PublicRequest {
        title: "路口垃圾桶满溢".into(),
        category: CategoryCode::parse("事件/01/01").unwrap(),
        requester: None,
        position,
        extras: ItemExtras::default(),
    }
}

#[tokio::test]
async fn a_public_request_is_placed_by_its_position_in_the_registered_boundaries() {
    on_both(|store: Arc<dyn Store>| async move {
        let store = store.as_ref();
        let org = seed(store).await;
        let setup = FlowSetup::load(store).await.unwrap();
        let file =
            |position, shipped| door::file_public(store, &setup, public(position), shipped, at(0));

        // No boundaries registered: received, not placed.
        let c = file(Some((29.557, 106.577)), None).await.unwrap();
        assert_eq!(c.item.item.receiving_unit, org.city);
        assert_eq!(c.item.item.location, None);
        // The shipped map of the city is used when none was uploaded…
        let shipped = ShippedMap {
            code: "500000",
            geojson: BOUNDARY,
        };
        let c = file(Some((29.557, 106.577)), Some(shipped)).await.unwrap();
        assert_eq!(c.item.item.location, Some(org.district));
        // …but not for another region's code.
        let elsewhere = ShippedMap {
            code: "510000",
            geojson: BOUNDARY,
        };
        let c = file(Some((29.557, 106.577)), Some(elsewhere))
            .await
            .unwrap();
        assert_eq!(c.item.item.location, None);
        // An uploaded map, and a point outside it.
        store
            .put_region_map(org.city, BOUNDARY, "测试", at(0))
            .await
            .unwrap();
        let c = file(Some((29.557, 106.577)), None).await.unwrap();
        assert_eq!(c.item.item.location, Some(org.district));
        let c = file(Some((30.9, 108.4)), None).await.unwrap();
        assert_eq!(c.item.item.location, None);
        let c = file(None, None).await.unwrap();
        assert_eq!(c.item.item.location, None);
        assert_eq!(c.item.item.kind, ItemKind::Event);
    })
    .await;
}
