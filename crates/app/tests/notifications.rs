//! Notifications that reach people (`yiping_app::notifications`), on SQLite and (when
//! configured) PostgreSQL: a dispatch tells the handlers of the unit it goes to and nobody else;
//! the jobs' 签收提醒 is sent once per deadline, 催办 and 升级 reach the right units; a user
//! reads and marks only their own notifications.

mod support;

use std::sync::Arc;

use chrono::TimeDelta;
use support::on_both;
use yiping_access::{Principal, Role as UserRole};
use yiping_app::AppError;
use yiping_app::notifications::{self, NotificationView};
use yiping_app::work_items::door::{self, Action};
use yiping_app::work_items::metrics::MetricsSchedule;
use yiping_app::work_items::{FlowSetup, run_jobs};
use yiping_flow::{Channel, Command};
use yiping_store::{Page, Store};

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
        let (district, cgj_unit) = support::city_with_district_and_department(store).await;
        let setup = FlowSetup::load(store).await.unwrap();
        let admin = support::person(store, "boss", UserRole::Admin, "500000").await;
        let grid = support::person(store, "grid", UserRole::GridWorker, "500103").await;
        let cgj = support::person(store, "cgj", UserRole::Handler, "D009").await;
        let cgj2 = support::person(store, "cgj2", UserRole::Handler, "D009").await;
        let cgj_reporter = support::person(store, "cgj_tb", UserRole::Reporter, "D009").await;

        let created = door::create(
            store,
            &setup,
            &grid,
            support::event_in(district, "暴露垃圾", Channel::GridWorker),
            None,
        )
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
        let (district, cgj_unit) = support::city_with_district_and_department(store).await;
        let setup = FlowSetup::load(store).await.unwrap();
        let admin = support::person(store, "boss", UserRole::Admin, "500000").await;
        let cgj = support::person(store, "cgj", UserRole::Handler, "D009").await;
        let yz = support::person(store, "yz", UserRole::Handler, "500103").await;
        let created = door::create(
            store,
            &setup,
            &admin,
            support::event_in(district, "井盖缺失", Channel::GridWorker),
            Some(support::monday(0)),
        )
        .await
        .unwrap();
        let item = created.item.item;
        let item = door::act(
            store,
            &setup,
            &admin,
            Action::new(item.id, item.version, Command::Register),
            Some(support::monday(1)),
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
            Some(support::monday(2)),
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
