//! Indicator early warning through the use cases, on SQLite and (when configured) PostgreSQL: an
//! import that makes a value cross a rule's threshold raises one 问题 linked to the rule,
//! indicator, period and entity; importing again does not raise a second one.

mod support;

use chrono::{TimeZone, Utc};
use support::on_both;
use yiping_app::import::ImportOutcome;
use yiping_demo::{generate, load_demo_data};
use yiping_flow::{Channel, ItemKind, Priority};
use yiping_kernel::{EntityId, Measure, Period};
use yiping_store::{Page, Store, StoredWorkItem, WorkItemFilter};

fn ctx() -> yiping_store::ChangeContext {
    yiping_store::ChangeContext::new(
        "测试",
        "预警",
        Utc.with_ymd_and_hms(2025, 4, 20, 8, 0, 0).unwrap(),
    )
}

/// The analyst revising the demo's (approved) figures reopens them.
async fn import_csv(store: &dyn Store, csv: &str) -> ImportOutcome {
    support::import_csv_as(store, csv, yiping_app::import::Approved::Reopen, &ctx()).await
}

async fn alert_items(s: &dyn Store) -> Vec<StoredWorkItem> {
    let filter = WorkItemFilter {
        kind: Some(ItemKind::Problem),
        ..WorkItemFilter::default()
    };
    s.work_items(&filter, Page::first(500))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|i| i.extras.alert.is_some())
        .collect()
}

async fn entity(s: &dyn Store, code: &str) -> EntityId {
    let all = s.all_entities().await.unwrap();
    all.iter()
        .find(|e| e.data.code.as_ref().is_some_and(|c| c.as_str() == code))
        .unwrap()
        .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_crossing_a_threshold_raises_one_problem_and_reimporting_raises_none() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ctx()).await.unwrap();
        let yuzhong = entity(s, "500103").await;
        // 2025 has no data yet: a growth above 0 fires nothing.
        let row =
            |g: &str| format!("主体代码,指标代码,时期,口径,数值\n500103,IND_VA,2025Q1,增速,{g}\n");
        let out = import_csv(s, &row("1.5")).await;
        let report = out.after.expect("the pipeline ran").alerts;
        assert_eq!(report.error, None);
        assert!(
            report
                .evaluated
                .iter()
                .any(|(r, p)| r == "IND_VA_DECLINE" && p.code() == "2025Q1"),
            "{report:?}"
        );
        assert_eq!((report.firing, report.raised), (0, 0));
        assert!(alert_items(s).await.is_empty());

        // The revised figure falls below 0: exactly one 问题 for 渝中区.
        let out = import_csv(s, &row("-2.0")).await;
        let report = out.after.unwrap().alerts;
        assert_eq!((report.firing, report.raised), (1, 1), "{report:?}");
        let items = alert_items(s).await;
        assert_eq!(items.len(), 1);
        let it = &items[0];
        let link = it.extras.alert.as_ref().unwrap();
        assert_eq!(link.rule, "IND_VA_DECLINE");
        assert_eq!(link.indicator, "IND_VA");
        assert_eq!(link.period, "2025Q1");
        assert_eq!(link.entity, yuzhong);
        assert_eq!((link.value, link.threshold), (-2.0, 0.0));
        assert_eq!(link.severity, "critical");
        assert_eq!(it.item.owner_unit, yuzhong);
        assert_eq!(it.item.location, Some(yuzhong));
        assert_eq!(it.item.channel, Channel::Monitoring);
        assert_eq!(it.item.priority, Priority::Urgent);
        assert_eq!(it.extras.problem_source.as_deref(), Some("督查"));
        assert_eq!(
            it.item.title,
            "严重预警 2025年一季度 渝中区：规上工业增加值负增长"
        );
        let text = it.extras.description.as_deref().unwrap();
        assert!(
            text.contains("渝中区规上工业增加值增速为-2%，低于预警线0%"),
            "{text}"
        );

        // The same file again changes nothing; a further revision still fires, but the firing
        // (rule, indicator, period, entity) already has its item.
        assert!(import_csv(s, &row("-2.0")).await.after.is_none());
        let report = import_csv(s, &row("-2.5")).await.after.unwrap().alerts;
        assert_eq!((report.firing, report.raised), (1, 0), "{report:?}");
        assert_eq!(alert_items(s).await.len(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn derived_growth_and_progress_rules_read_last_year_and_the_plan() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ctx()).await.unwrap();
        let inds = s.indicators().await.unwrap();
        let id = |code: &str| {
            inds.iter()
                .find(|i| i.data.code.as_str() == code)
                .unwrap()
                .id
        };
        let wanzhou = entity(s, "500101").await;
        // 万州's 2025 Q1 industrial value at 90 % of 2024 Q1, no reported growth: −10 % derived.
        let q1_2024 = Period::parse_code("2024Q1").unwrap();
        let last = s
            .observation_slice(id("IND_VA"), q1_2024, Measure::Value)
            .await
            .unwrap();
        let base = last.iter().find(|(e, _)| *e == wanzhou).unwrap().1.value();
        let csv = format!(
            "主体代码,指标代码,时期,口径,数值\n500101,IND_VA,2025Q1,数值,{}\n",
            base * 0.9
        );
        let report = import_csv(s, &csv).await.after.unwrap().alerts;
        assert_eq!((report.firing, report.raised), (1, 1), "{report:?}");
        let items = alert_items(s).await;
        let link = items[0].extras.alert.as_ref().unwrap();
        assert_eq!(link.entity, wanzhou);
        assert!((link.value + 10.0).abs() < 1e-6, "{link:?}");

        // 固定资产投资 of 万州 for 1—9月 2024 cut to 60 % of its annual plan (75 % due): 15 pp
        // behind, more than the rule's 5.
        let plan = s
            .targets(&yiping_store::TargetFilter {
                year: Some(2024),
                indicator: Some(id("FAI")),
                entity: Some(wanzhou),
                kind: Some(yiping_kernel::TargetKind::Level),
            })
            .await
            .unwrap()[0]
            .value;
        let csv = format!(
            "主体代码,指标代码,时期,口径,数值\n500101,FAI,2024M01-M09,数值,{}\n",
            plan * 0.6
        );
        let report = import_csv(s, &csv).await.after.unwrap().alerts;
        assert_eq!(report.error, None, "{report:?}");
        let items = alert_items(s).await;
        let fai = items
            .iter()
            .filter_map(|i| i.extras.alert.as_ref())
            .find(|l| l.rule == "FAI_BEHIND_PROGRESS" && l.entity == wanzhou)
            .expect("万州 behind 序时进度");
        assert_eq!(fai.period, "2024M01-M09");
        assert!((fai.value - 60.0).abs() < 1e-6, "{fai:?}");
        assert_eq!(fai.threshold, -5.0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raised_plan_puts_a_district_behind_progress() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ctx()).await.unwrap();
        let inds = s.indicators().await.unwrap();
        let fai = inds
            .iter()
            .find(|i| i.data.code.as_str() == "FAI")
            .unwrap()
            .id;
        let wanzhou = entity(s, "500101").await;
        let q3 = Period::parse_code("2024M01-M09").unwrap();
        let done = s
            .observation_slice(fai, q3, Measure::Value)
            .await
            .unwrap()
            .into_iter()
            .find(|(e, _)| *e == wanzhou)
            .unwrap()
            .1
            .value();
        // The plan doubled to twice the Jan–Sep figure: 50 % done, 25 pp behind in September.
        let csv = format!(
            "主体代码,指标代码,年份,目标类型,目标值\n500101,FAI,2024,总量目标,{}\n",
            done * 2.0
        );
        let report = import_csv(s, &csv)
            .await
            .after
            .expect("plans are checked")
            .alerts;
        assert_eq!(report.error, None);
        assert_eq!(report.evaluated.len(), 12, "{report:?}");
        let items = alert_items(s).await;
        let link = items
            .iter()
            .filter_map(|i| i.extras.alert.as_ref())
            .find(|l| l.entity == wanzhou && l.period == "2024M01-M09")
            .expect("万州 behind 序时进度 in September");
        assert_eq!(link.rule, "FAI_BEHIND_PROGRESS");
        assert!((link.value - 50.0).abs() < 1e-6, "{link:?}");
    })
    .await;
}

/// Issue 18, defect 1: a client may not forge the link the system writes on a raised problem.
/// On the old main the forged 问题 was stored and the real firing was then taken as already
/// raised (`raised` was 0).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_alert_link_is_refused_and_the_real_problem_is_still_raised() {
    use yiping_access::Role;
    use yiping_app::AppError;
    use yiping_app::auth::{ScopeCache, UserSpec, add_user, principal};
    use yiping_app::work_items::door;
    use yiping_app::work_items::{CreateItem, FlowSetup};
    use yiping_flow::CategoryCode;
    use yiping_store::{AlertLink, EvaluationLink, ItemExtras};

    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ctx()).await.unwrap();
        let yuzhong = entity(s, "500103").await;
        let row =
            |g: &str| format!("主体代码,指标代码,时期,口径,数值\n500103,IND_VA,2025Q1,增速,{g}\n");
        import_csv(s, &row("1.5")).await;
        let spec = UserSpec {
            login: "yz-analyst".into(),
            name: "分析员".into(),
            role: Role::Analyst,
            unit_code: "500103".into(),
            password: "a-long-password".into(),
        };
        add_user(s, &spec, "测试", ctx().at).await.unwrap();
        let stored = s.user_by_login("yz-analyst").await.unwrap().unwrap();
        let p = principal(s, &ScopeCache::default(), &stored).await.unwrap();
        let setup = FlowSetup::load(s).await.unwrap();
        let forged = |extras: ItemExtras| CreateItem {
            kind: ItemKind::Problem,
            title: "伪造的预警问题".into(),
            category: CategoryCode::parse("事件/01/01").unwrap(),
            priority: Priority::Normal,
            channel: Channel::Monitoring,
            receiving_unit: yuzhong,
            location: Some(yuzhong),
            enterprise: None,
            reporter: None,
            requester: None,
            extras: ItemExtras {
                problem_source: Some("督查".into()),
                ..extras
            },
        };
        let alert = ItemExtras {
            alert: Some(AlertLink {
                rule: "IND_VA_DECLINE".into(),
                indicator: "IND_VA".into(),
                period: "2025Q1".into(),
                entity: yuzhong,
                value: -2.0,
                threshold: 0.0,
                severity: "critical".into(),
            }),
            ..ItemExtras::default()
        };
        let evaluation = ItemExtras {
            evaluation: Some(EvaluationLink {
                scheme: "s".into(),
                period: "2025Q1".into(),
                entity: yuzhong,
                indicators: vec!["IND_VA".into()],
                grade: None,
                colour: None,
                score: None,
            }),
            ..ItemExtras::default()
        };
        let token = ItemExtras {
            token: Some("0123456789abcdef".into()),
            ..ItemExtras::default()
        };
        for (extras, name) in [
            (alert, "alert"),
            (evaluation, "evaluation"),
            (token, "token"),
        ] {
            let e = door::create(s, &setup, &p, forged(extras), None)
                .await
                .unwrap_err();
            assert!(
                matches!(&e, AppError::Invalid(m) if m.contains(name)),
                "{e:?}"
            );
        }
        // The real firing is raised.
        let report = import_csv(s, &row("-2.0")).await.after.unwrap().alerts;
        assert_eq!((report.firing, report.raised), (1, 1), "{report:?}");
        let items = alert_items(s).await;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].item.channel, Channel::Monitoring);
        assert_ne!(items[0].item.title, "伪造的预警问题");
    })
    .await;
}
