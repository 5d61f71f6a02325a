//! Alert states through the pipeline, on SQLite and (when configured) PostgreSQL: a rule held
//! for two periods then clear for two shows pending → firing → recovering → normal in its
//! history and raises its problem once, when it fires; a silence stops the notification of a
//! firing and expires by itself.

mod support;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use support::on_both;
use yiping_access::{Principal, Role};
use yiping_app::alerts::{self, SilenceRequest};
use yiping_app::auth::{ScopeCache, UserSpec, add_user, principal};
use yiping_app::config::{self, ConfigSet};
use yiping_app::notifications;
use yiping_demo::{generate, load_demo_data};
use yiping_flow::ItemKind;
use yiping_kernel::EntityId;
use yiping_store::{ChangeContext, Page, Store, WorkItemFilter};

const RULES: &str = r#"
[[rules]]
code = "IND_VA_TWO_QUARTERS"
name = "规上工业增加值连续两季负增长"
indicator = "IND_VA"
condition = "threshold"
measure = "reported_growth"
operator = "<"
threshold = 0.0
recovery_threshold = 0.5
pending_periods = 2
recovery_periods = 2
severity = "warning"
scope = { kind = "region", level = 2 }
"#;

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 4, d, 8, 0, 0).unwrap()
}

async fn import_at(s: &dyn Store, csv: &str, at: DateTime<Utc>) {
    let ctx = ChangeContext::new("测试", "预警状态", at);
    let out = support::import_csv_as(s, csv, yiping_app::import::Approved::Reopen, &ctx).await;
    let after = out.after.expect("the pipeline ran");
    assert_eq!(after.alerts.error, None, "{:?}", after.alerts);
}

fn growth(code: &str, period: &str, g: &str) -> String {
    format!("主体代码,指标代码,时期,口径,数值\n{code},IND_VA,{period},增速,{g}\n")
}

async fn entity(s: &dyn Store, code: &str) -> EntityId {
    s.all_entities()
        .await
        .unwrap()
        .iter()
        .find(|e| e.data.code.as_ref().is_some_and(|c| c.as_str() == code))
        .unwrap()
        .id
}

async fn problems(s: &dyn Store, entity: EntityId) -> usize {
    let filter = WorkItemFilter {
        kind: Some(ItemKind::Problem),
        ..WorkItemFilter::default()
    };
    s.work_items(&filter, Page::first(500))
        .await
        .unwrap()
        .items
        .iter()
        .filter(|i| {
            i.extras
                .alert
                .as_ref()
                .is_some_and(|a| a.rule == "IND_VA_TWO_QUARTERS" && a.entity == entity)
        })
        .count()
}

async fn person(s: &dyn Store, login: &str, role: Role, unit: &str) -> Principal {
    let spec = UserSpec {
        login: login.into(),
        name: login.into(),
        role,
        unit_code: unit.into(),
        password: "a-long-password".into(),
    };
    add_user(s, &spec, "测试", day(1)).await.unwrap();
    let u = s.user_by_login(login).await.unwrap().unwrap();
    principal(s, &ScopeCache::default(), &u).await.unwrap()
}

async fn alert_notices(s: &dyn Store, p: &Principal) -> usize {
    notifications::list(s, p, false, Page::default())
        .await
        .unwrap()
        .items
        .iter()
        .filter(|n| n.kind == "alert")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_periods_held_then_two_clear_walk_every_state_and_a_silence_expires() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ChangeContext::new("测试", "演示", day(1)))
            .await
            .unwrap();
        let admin = Principal::system();
        config::apply(
            s,
            &admin,
            ConfigSet::new().with(config::ALERTS, RULES),
            false,
            day(1),
        )
        .await
        .unwrap();
        let yuzhong = entity(s, "500103").await;
        let wanzhou = entity(s, "500101").await;
        let yz = person(s, "yz-handler", Role::Handler, "500103").await;
        let wz = person(s, "wz-handler", Role::Handler, "500101").await;
        let analyst = person(s, "city-analyst", Role::Analyst, "500000").await;

        // 渝中区: below 0 in Q1 (pending, nothing raised) and Q2 (firing: one problem, one notice).
        import_at(s, &growth("500103", "2025Q1", "-1.0"), day(2)).await;
        assert_eq!(problems(s, yuzhong).await, 0, "pending raises nothing");
        assert_eq!(alert_notices(s, &yz).await, 0);
        import_at(s, &growth("500103", "2025Q2", "-1.5"), day(2)).await;
        assert_eq!(problems(s, yuzhong).await, 1);
        assert_eq!(alert_notices(s, &yz).await, 1);
        // Q3 at 0.3 lies between the lines (0 and the recovery threshold 0.5): still firing.
        import_at(s, &growth("500103", "2025Q3", "0.3"), day(2)).await;
        // Q4 and 2026Q1 clear: recovering, then normal.
        import_at(s, &growth("500103", "2025Q4", "1.0"), day(2)).await;
        import_at(s, &growth("500103", "2026Q1", "1.2"), day(2)).await;
        let history = s
            .alert_transitions("IND_VA_TWO_QUARTERS", yuzhong)
            .await
            .unwrap();
        let path: Vec<(&str, &str, &str)> = history
            .iter()
            .map(|t| (t.period.as_str(), t.from.as_str(), t.to.as_str()))
            .collect();
        assert_eq!(
            path,
            [
                ("2025Q1", "normal", "pending"),
                ("2025Q2", "pending", "firing"),
                ("2025Q4", "firing", "recovering"),
                ("2026Q1", "recovering", "normal"),
            ]
        );
        assert_eq!(problems(s, yuzhong).await, 1, "raised once");
        let (views, _) = alerts::instances(s, &yz, day(2)).await.unwrap();
        let mine: Vec<_> = views
            .iter()
            .filter(|v| v.rule == "IND_VA_TWO_QUARTERS")
            .collect();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].entity, yuzhong);
        assert_eq!(mine[0].state_label, "正常");
        assert_eq!(
            mine[0].history[1],
            ("2025Q2".to_string(), "待触发", "告警中")
        );
        // 渝中区's handler does not see 万州区's instances.
        assert!(
            views
                .iter()
                .all(|v| v.entity == yuzhong || v.rule != "IND_VA_TWO_QUARTERS")
        );

        // 万州区 is silenced on 4 月 3 日 for a day: its firing notifies nobody.
        let bad = alerts::add_silence(
            s,
            &analyst,
            SilenceRequest {
                rule: Some("IND_VA_TWO_QUARTERS".into()),
                entity: Some(wanzhou),
                starts_at: day(3),
                ends_at: day(3),
                reason: "数据核实中".into(),
            },
            day(3),
        )
        .await
        .unwrap_err();
        assert!(bad.to_string().contains("结束时间"), "{bad}");
        let refused = alerts::add_silence(
            s,
            &wz,
            SilenceRequest {
                rule: None,
                entity: Some(wanzhou),
                starts_at: day(3),
                ends_at: day(4),
                reason: "想静默".into(),
            },
            day(3),
        )
        .await;
        assert!(refused.is_err(), "a handler may not silence alerts");
        alerts::add_silence(
            s,
            &analyst,
            SilenceRequest {
                rule: Some("IND_VA_TWO_QUARTERS".into()),
                entity: Some(wanzhou),
                starts_at: day(3),
                ends_at: day(3) + TimeDelta::days(1),
                reason: "数据核实中".into(),
            },
            day(3),
        )
        .await
        .unwrap();
        import_at(s, &growth("500101", "2025Q1", "-2.0"), day(3)).await;
        import_at(s, &growth("500101", "2025Q2", "-2.0"), day(3)).await;
        assert_eq!(problems(s, wanzhou).await, 1, "the problem is still raised");
        assert_eq!(alert_notices(s, &wz).await, 0, "silenced");
        let (views, silences) = alerts::instances(s, &analyst, day(3)).await.unwrap();
        assert!(
            views
                .iter()
                .any(|v| v.entity == wanzhou && v.silenced && v.state == "firing")
        );
        assert_eq!(silences.len(), 1);
        // Cleared, then firing again after the silence ended: notified.
        for p in ["2025Q3", "2025Q4"] {
            import_at(s, &growth("500101", p, "2.0"), day(3)).await;
        }
        import_at(s, &growth("500101", "2026Q1", "-1.0"), day(5)).await;
        import_at(s, &growth("500101", "2026Q2", "-1.0"), day(5)).await;
        assert_eq!(problems(s, wanzhou).await, 2);
        assert_eq!(
            alert_notices(s, &wz).await,
            1,
            "the silence expired by itself"
        );
        let (views, _) = alerts::instances(s, &analyst, day(5)).await.unwrap();
        assert!(
            views
                .iter()
                .any(|v| v.entity == wanzhou && !v.silenced && v.state == "firing")
        );
    })
    .await;
}
