//! Notifications that reach people (`yiping_app::notifications`), on SQLite and (when
//! configured) PostgreSQL: a dispatch tells the handlers of the unit it goes to and nobody else;
//! the jobs' 签收提醒 is sent once per deadline, 催办 and 升级 reach the right units; a user
//! reads and marks only their own notifications.

mod support;

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use support::on_both;
use yiping_access::{Principal, Role as UserRole};
use yiping_app::AppError;
use yiping_app::auth::{ScopeCache, UserSpec, add_user, principal};
use yiping_app::notifications::{self, NotificationView};
use yiping_app::work_items::door::{self, Action};
use yiping_app::work_items::metrics::MetricsSchedule;
use yiping_app::work_items::{CreateItem, FlowSetup, run_jobs};
use yiping_flow::{CategoryCode, Channel, Command, ItemKind, Priority};
use yiping_kernel::{EntityCode, EntityId, EntityKind, NewEntity};
use yiping_store::{ChangeContext, EntityUpsert, ItemExtras, Page, ParentRef, Store};

/// Monday 2024-03-04 09:00 Beijing time plus `min` minutes.
fn at(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, 4, 1, 0, 0).unwrap() + TimeDelta::minutes(min)
}

/// 重庆市 with 渝中区 and 市城市管理局; returns (district, 城管局).
async fn seed(store: &dyn Store) -> (EntityId, EntityId) {
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
    let ctx = ChangeContext::new("测试", "种子", at(0));
    let ids: Vec<EntityId> = store
        .upsert_entities(&items, &ctx)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    (ids[1], ids[2])
}

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

fn event(district: EntityId, title: &str) -> CreateItem {
    CreateItem {
        kind: ItemKind::Event,
        title: title.into(),
        category: CategoryCode::parse("事件/01/01").unwrap(),
        priority: Priority::Normal,
        channel: Channel::GridWorker,
        receiving_unit: district,
        location: Some(district),
        enterprise: None,
        reporter: None,
        requester: None,
        extras: ItemExtras::default(),
    }
}

async fn all(store: &dyn Store, p: &Principal) -> Vec<NotificationView> {
    notifications::list(store, p, false, Page::default())
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn a_dispatch_reaches_the_handlers_of_its_unit_and_only_they_mark_it() {
    on_both(|store: Arc<dyn Store>| async move {
        let store = store.as_ref();
        let (district, cgj_unit) = seed(store).await;
        let setup = FlowSetup::load(store).await.unwrap();
        let admin = user(store, "boss", UserRole::Admin, "500000").await;
        let grid = user(store, "grid", UserRole::GridWorker, "500103").await;
        let cgj = user(store, "cgj", UserRole::Handler, "D009").await;
        let cgj2 = user(store, "cgj2", UserRole::Handler, "D009").await;
        let cgj_reporter = user(store, "cgj_tb", UserRole::Reporter, "D009").await;

        let created = door::create(store, &setup, &grid, event(district, "暴露垃圾"), None)
            .await
            .unwrap();
        let item = created.item.item;
        assert_eq!(notifications::unread_count(store, &cgj).await.unwrap(), 0);
        door::act(
            store,
            &setup,
            &admin,
            Action::new(item.id, item.version, Command::Dispatch { unit: cgj_unit }),
            None,
        )
        .await
        .unwrap();

        for handler in [&cgj, &cgj2] {
            assert_eq!(
                notifications::unread_count(store, handler).await.unwrap(),
                1
            );
            let got = all(store, handler).await;
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].kind, "dispatch");
            assert_eq!(got[0].kind_label, "派单");
            assert_eq!(got[0].title, "派单：暴露垃圾");
            assert!(
                got[0].body.contains("新派遣事项“暴露垃圾”，请签收"),
                "{}",
                got[0].body
            );
            assert_eq!(
                got[0].link.as_deref(),
                Some(format!("/items/{}", item.id).as_str())
            );
            assert!(got[0].read_at.is_none());
        }
        // Not the dispatcher who acted, nor a unit member who does not work items.
        assert!(all(store, &admin).await.is_empty());
        assert!(all(store, &cgj_reporter).await.is_empty());
        let _ = district;

        // One user cannot mark another's notification; their own, yes.
        let id = all(store, &cgj).await[0].id;
        let e = notifications::mark_read(store, &cgj2, id)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, AppError::NotFound(m) if m.contains("不存在")),
            "{e:?}"
        );
        assert_eq!(notifications::unread_count(store, &cgj).await.unwrap(), 1);
        notifications::mark_read(store, &cgj, id).await.unwrap();
        assert_eq!(notifications::unread_count(store, &cgj).await.unwrap(), 0);
        assert!(all(store, &cgj).await[0].read_at.is_some());
        let unread = notifications::list(store, &cgj, true, Page::default())
            .await
            .unwrap();
        assert_eq!(unread.total, 0);
        assert_eq!(notifications::mark_all_read(store, &cgj2).await.unwrap(), 1);
        assert_eq!(notifications::unread_count(store, &cgj2).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn the_jobs_remind_to_sign_once_then_chase_and_escalate() {
    on_both(|store: Arc<dyn Store>| async move {
        let store = store.as_ref();
        let (district, cgj_unit) = seed(store).await;
        let setup = FlowSetup::load(store).await.unwrap();
        let admin = user(store, "boss", UserRole::Admin, "500000").await;
        let cgj = user(store, "cgj", UserRole::Handler, "D009").await;
        let yz = user(store, "yz", UserRole::Handler, "500103").await;
        let created = door::create(
            store,
            &setup,
            &admin,
            event(district, "井盖缺失"),
            Some(at(0)),
        )
        .await
        .unwrap();
        let item = created.item.item;
        let item = door::act(
            store,
            &setup,
            &admin,
            Action::new(item.id, item.version, Command::Register),
            Some(at(1)),
        )
        .await
        .unwrap()
        .item
        .item;
        let item = door::act(
            store,
            &setup,
            &admin,
            Action::new(item.id, item.version, Command::Dispatch { unit: cgj_unit }),
            Some(at(2)),
        )
        .await
        .unwrap()
        .item
        .item;
        let sign_due = item.deadline(yiping_flow::Stage::Signed).unwrap();
        notifications::mark_all_read(store, &cgj).await.unwrap();

        // Within the warning window: one 签收提醒, not repeated by the next run.
        let schedule = MetricsSchedule::new();
        let before = sign_due - TimeDelta::minutes(30);
        let r = run_jobs(store, &setup, before, &schedule).await.unwrap();
        assert_eq!(r.warned, [item.id]);
        run_jobs(store, &setup, before + TimeDelta::minutes(5), &schedule)
            .await
            .unwrap();
        let got = all(store, &cgj).await;
        let reminders: Vec<_> = got.iter().filter(|n| n.kind == "sign_reminder").collect();
        assert_eq!(reminders.len(), 1, "{got:?}");
        assert_eq!(reminders[0].kind_label, "签收提醒");
        assert!(
            reminders[0].body.contains("尚未签收"),
            "{}",
            reminders[0].body
        );

        // Two days overdue: 催办 to the handlers, 升级 to the parent unit of the owner.
        let late = sign_due + TimeDelta::days(2);
        let r = run_jobs(store, &setup, late, &schedule).await.unwrap();
        assert_eq!(r.reminded, [item.id]);
        assert_eq!(r.escalated, [item.id]);
        let got = all(store, &cgj).await;
        assert!(
            got.iter()
                .any(|n| n.kind == "remind" && n.kind_label == "催办"),
            "{got:?}"
        );
        let everyone: Vec<_> = [&admin, &cgj, &yz]
            .into_iter()
            .map(|p| (p.login.clone(), p))
            .collect();
        let mut escalated = Vec::new();
        for (login, p) in everyone {
            if all(store, p).await.iter().any(|n| n.kind == "escalate") {
                escalated.push(login);
            }
        }
        assert_eq!(escalated, ["boss"], "the city above the owner is told");
    })
    .await;
}
