//! A city's configuration as data (issue 11), on SQLite and (when configured) PostgreSQL:
//! `config export` → edit the files → `config import` changes behaviour — a 2027 calendar moves a
//! reporting deadline (and the warning naming 2027 goes), a new category is offered to events, a
//! new alert rule fires on the next data import, a routing rule dispatches by itself. Imports are
//! all or nothing, refused for non-admins, checked on a dry run, and audited.

mod support;

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use support::on_both;
use yiping_access::{Principal, Role, Scope};
use yiping_app::AppError;
use yiping_app::config::{self, FileChange};
use yiping_app::data_entry::{reporting_deadline, reporting_deadline_warning};
use yiping_app::work_items::{CreateItem, FlowSetup, create};
use yiping_demo::{generate, load_demo_data};
use yiping_flow::{
    Actor, ActorRole, CategoryCode, CategoryDomain, Channel, ItemKind, Priority, Stage, UserId,
};
use yiping_kernel::EntityId;
use yiping_store::{ChangeContext, ItemExtras, Page, Store, WorkItemFilter};

fn ctx() -> ChangeContext {
    ChangeContext::new(
        "测试",
        "配置",
        Utc.with_ymd_and_hms(2025, 4, 20, 8, 0, 0).unwrap(),
    )
}

fn analyst() -> Principal {
    Principal {
        user_id: 9,
        login: "analyst".into(),
        name: "分析员".into(),
        role: Role::Analyst,
        unit: EntityId(0),
        unit_name: "系统".into(),
        scope: Arc::new(Scope::everything(EntityId(0))),
    }
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

fn append(dir: &std::path::Path, name: &str, text: &str) {
    let path = dir.join(name);
    let mut body = std::fs::read_to_string(&path).unwrap();
    body.push_str(text);
    std::fs::write(path, body).unwrap();
}

const NEW_CATEGORY: &str = r#"
[[category]]
domain = "event"
major = "09"
major_name = "共享出行"
minor = "01"
minor_name = "共享单车乱停放"
clock = "working_hours"
auto_dispatch = true

[category.limits.normal]
register = 1
dispatch = 1
sign = 2
handle = 8
verify = 4
close = 16
"#;

const NEW_RULE: &str = r#"
[[rules]]
code = "GDP_SLOW_TEST"
name = "地区生产总值增速低于3%"
indicator = "GDP"
condition = "threshold"
measure = "growth"
operator = "<"
threshold = 3.0
scope = { kind = "region", level = 2 }
"#;

async fn alert_rules_raised(s: &dyn Store) -> Vec<(String, String, String)> {
    let filter = WorkItemFilter {
        kind: Some(ItemKind::Problem),
        ..WorkItemFilter::default()
    };
    s.work_items(&filter, Page::first(500))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|i| {
            let rule = i.extras.alert?.rule;
            Some((rule, i.item.category.to_string(), i.item.title))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_edit_import_changes_the_calendar_the_categories_and_the_alert_rules() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ctx()).await.unwrap();
        let admin = Principal::system();
        let now = ctx().at;
        let dir = tempfile::tempdir().unwrap();

        // Export: every configuration file, the shipped defaults.
        let written = config::export_dir(s, &admin, dir.path()).await.unwrap();
        assert_eq!(written.len(), config::FILES.len());
        for name in config::FILES {
            assert!(dir.path().join(name).is_file(), "{name}");
        }

        // Before: December 2026 is due on 2027-01-07, 元旦 2027 counted as a working day, and
        // the user is told that 2027 is missing.
        let cal = yiping_app::calendar::current(s).await.unwrap();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(reporting_deadline(&cal, 2026, 12), d(2027, 1, 7));
        let warning = reporting_deadline_warning(&cal, 2026, 12).expect("a warning");
        assert!(warning.contains("2027年"), "{warning}");
        let setup = FlowSetup::load(s).await.unwrap();
        let bikes = CategoryCode::parse("事件/09/01").unwrap();
        assert!(setup.categories.get(&bikes).is_none());

        // Edit: the 2027 元旦, a new event category, a new alert rule.
        append(
            dir.path(),
            config::CALENDAR,
            "2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-01-03,holiday,元旦\n",
        );
        append(dir.path(), config::CATEGORIES, NEW_CATEGORY);
        append(dir.path(), config::ALERTS, NEW_RULE);

        // Only an administrator imports.
        let refused = config::import_dir(s, &analyst(), dir.path(), false, now).await;
        assert!(
            matches!(refused, Err(AppError::Forbidden(_))),
            "{refused:?}"
        );

        // A dry run checks and changes nothing.
        let dry = config::import_dir(s, &admin, dir.path(), true, now)
            .await
            .unwrap();
        assert!(dry.dry_run);
        assert_eq!(dry.changed(), config::FILES.len(), "{dry:?}");
        assert!(s.config_files().await.unwrap().is_empty());

        let report = config::import_dir(s, &admin, dir.path(), false, now)
            .await
            .unwrap();
        let changed: Vec<(&str, FileChange)> =
            report.files.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        assert!(changed.contains(&(config::CALENDAR, FileChange::Changed)));
        assert_eq!(s.config_files().await.unwrap().len(), config::FILES.len());
        let audit = s.audit_events(10).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "config.import" && e.target.contains("calendar.csv")),
            "{audit:?}"
        );
        // Importing the same folder again changes nothing.
        let again = config::import_dir(s, &admin, dir.path(), false, now)
            .await
            .unwrap();
        assert_eq!(again.changed(), 0, "{again:?}");

        // After: the deadline moves past 元旦, and the warning is gone.
        let cal = yiping_app::calendar::current(s).await.unwrap();
        assert_eq!(reporting_deadline(&cal, 2026, 12), d(2027, 1, 8));
        assert_eq!(reporting_deadline_warning(&cal, 2026, 12), None);

        // The new category is offered to events (the form lists the event domain's 大类).
        let setup = FlowSetup::load(s).await.unwrap();
        assert!(
            setup
                .categories
                .majors(CategoryDomain::Event)
                .contains(&("09", "共享出行")),
            "{:?}",
            setup.categories.majors(CategoryDomain::Event)
        );

        // The new rule fires on the next data import, through the pipeline.
        let out = support::import_csv(
            s,
            "主体代码,指标代码,时期,口径,数值\n500103,GDP,2025Q1,增速,2.5\n",
            &ctx(),
        )
        .await;
        let alerts = out.after.expect("the pipeline ran").alerts;
        assert_eq!(alerts.error, None);
        assert!(
            alerts
                .evaluated
                .iter()
                .any(|(r, p)| r == "GDP_SLOW_TEST" && p.code() == "2025Q1"),
            "{alerts:?}"
        );
        let raised = alert_rules_raised(s).await;
        let (_, category, title) = raised
            .iter()
            .find(|(r, _, _)| r == "GDP_SLOW_TEST")
            .expect("the new rule raised a problem");
        assert_eq!(category, "问题/02/01");
        assert_eq!(title, "预警 2025年一季度 渝中区：地区生产总值增速低于3%");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_folder_is_refused_whole_with_every_problem_named() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ctx()).await.unwrap();
        let admin = Principal::system();
        let dir = tempfile::tempdir().unwrap();
        config::export_dir(s, &admin, dir.path()).await.unwrap();
        append(dir.path(), config::CALENDAR, "2027-13-01,holiday,元旦\n");
        append(
            dir.path(),
            config::ROUTING,
            "事件/01/02,500103,D009,\n事件/01/02,599999,D009,\n",
        );
        let err = config::import_dir(s, &admin, dir.path(), false, ctx().at)
            .await
            .unwrap_err();
        let AppError::Rejected { problems, .. } = err else {
            panic!("{err:?}");
        };
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            text.iter()
                .any(|p| p.starts_with("calendar.csv 第") && p.contains("字段date列")),
            "{text:?}"
        );
        assert_eq!(
            problems.len(),
            1,
            "routing is checked once the files parse: {text:?}"
        );
        assert!(s.config_files().await.unwrap().is_empty());

        // The calendar fixed: now the unknown region of the routing rules is named.
        config::export_dir(s, &admin, dir.path()).await.unwrap();
        append(
            dir.path(),
            config::ROUTING,
            "事件/01/02,500103,D009,\n事件/01/02,599999,D009,\n",
        );
        let err = config::import_dir(s, &admin, dir.path(), false, ctx().at)
            .await
            .unwrap_err();
        let AppError::Rejected { problems, .. } = err else {
            panic!("{err:?}");
        };
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 1, "{text:?}");
        assert!(
            text[0].starts_with("routing.csv 第7行 字段region列：“599999”"),
            "{text:?}"
        );
        assert!(s.config_files().await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_matching_routing_rule_dispatches_when_the_category_says_so() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ctx()).await.unwrap();
        let admin = Principal::system();
        let yuzhong = entity(s, "500103").await;
        let unit_code = "500103";
        let set = config::ConfigSet::new()
            .with(
                config::CATEGORIES,
                format!("{}{NEW_CATEGORY}", yiping_app::work_items::CATEGORIES_TOML),
            )
            .with(
                config::ROUTING,
                format!(
                    "category,region,unit,note\n事件/09/*,{unit_code},{unit_code},渝中区自行处置\n\
                     事件/01/02,*,属地,\n事件/01/02,{unit_code},属地,\n"
                ),
            );
        config::apply(s, &admin, set, false, ctx().at)
            .await
            .unwrap();
        let setup = FlowSetup::load(s).await.unwrap();
        let city = setup.city.unwrap();
        let new = |category: &str| CreateItem {
            kind: ItemKind::Event,
            title: "测试".into(),
            category: CategoryCode::parse(category).unwrap(),
            priority: Priority::Normal,
            channel: Channel::Hotline,
            receiving_unit: city,
            location: Some(yuzhong),
            enterprise: None,
            reporter: None,
            requester: None,
            extras: ItemExtras::default(),
        };
        let actor = Actor::new(UserId::new("受理员").unwrap(), ActorRole::Supervisor, city);
        // One rule, and the category dispatches by itself: registered and dispatched.
        let item = create(s, &setup, new("事件/09/01"), &actor, ctx().at)
            .await
            .unwrap();
        assert_eq!(
            item.item.stage,
            Stage::Dispatched,
            "{:?}",
            item.item.history
        );
        assert_eq!(item.item.assignee, Some(yuzhong));
        // Two rules match (and the category does not say so): the suggestion waits.
        let item = create(s, &setup, new("事件/01/02"), &actor, ctx().at)
            .await
            .unwrap();
        assert_eq!(item.item.stage, Stage::Received);
        let suggested = yiping_app::work_items::suggest_route(&setup, &item.item).unwrap();
        assert_eq!(suggested.unit, yuzhong, "the nearest rule: 属地 of 渝中区");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_levels_screen_shows_what_screens_toml_says() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ctx()).await.unwrap();
        let city = entity(s, "500000").await;
        let yuzhong = entity(s, "500103").await;
        let month = yiping_kernel::Period::parse_code("2024M09").unwrap();
        let codes = |screen: &yiping_app::screen::Screen| -> Vec<String> {
            screen.tiles.iter().map(|t| t.code.clone()).collect()
        };
        let before = yiping_app::screen::load(s, city, month, ctx().at)
            .await
            .unwrap();
        assert_eq!(
            codes(&before),
            ["GDP", "IND_VA", "FAI", "RETAIL", "IND_INV"]
        );

        let screens = config::shipped_text(config::SCREENS).unwrap().replacen(
            "tiles = [\"GDP\", \"IND_VA\", \"FAI\", \"RETAIL\", \"IND_INV\"]",
            "tiles = [\"RETAIL\", \"GDP\"]",
            1,
        );
        let set = config::ConfigSet::new().with(config::SCREENS, screens);
        config::apply(s, &Principal::system(), set, false, ctx().at)
            .await
            .unwrap();
        let after = yiping_app::screen::load(s, city, month, ctx().at)
            .await
            .unwrap();
        assert_eq!(codes(&after), ["RETAIL", "GDP"], "the city's tiles");
        let district = yiping_app::screen::load(s, yuzhong, month, ctx().at)
            .await
            .unwrap();
        assert_eq!(codes(&district).len(), 5, "the district's are unchanged");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_items_deadline_in_a_year_the_calendar_lacks_carries_a_warning() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ctx()).await.unwrap();
        let yuzhong = entity(s, "500103").await;
        let received = Utc.with_ymd_and_hms(2026, 12, 21, 2, 0, 0).unwrap();
        let setup = FlowSetup::load(s).await.unwrap();
        let new = CreateItem {
            kind: ItemKind::Problem,
            title: "督查发现的问题".into(),
            category: CategoryCode::parse("问题/01/02").unwrap(),
            priority: Priority::Normal,
            channel: Channel::Leadership,
            receiving_unit: yuzhong,
            location: Some(yuzhong),
            enterprise: None,
            reporter: None,
            requester: None,
            extras: ItemExtras {
                problem_source: Some("督查".into()),
                ..ItemExtras::default()
            },
        };
        let actor = Actor::new(
            UserId::new("督查员").unwrap(),
            ActorRole::Supervisor,
            yuzhong,
        );
        let item = create(s, &setup, new, &actor, received).await.unwrap();
        assert_eq!(item.item.clock, yiping_flow::ClockType::WorkingDays);
        let id = item.item.id;
        // Registered: the 销号 limit (30 working days) runs into 2027.
        yiping_app::work_items::transition(
            s,
            &setup,
            id,
            item.item.version,
            &yiping_flow::Command::Register,
            &actor,
            received,
        )
        .await
        .unwrap();
        let view = yiping_app::work_items::item_view(s, &setup, id, received)
            .await
            .unwrap()
            .unwrap();
        let w = view.calendar_warning.expect("a warning");
        assert!(w.contains("2027年"), "{w}");

        let calendar = format!(
            "{}2027-01-01,holiday,元旦\n",
            yiping_app::calendar::HOLIDAYS_CSV
        );
        let set = config::ConfigSet::new().with(config::CALENDAR, calendar);
        config::apply(s, &Principal::system(), set, false, received)
            .await
            .unwrap();
        let setup = FlowSetup::load(s).await.unwrap();
        let view = yiping_app::work_items::item_view(s, &setup, id, received)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(view.calendar_warning, None);
    })
    .await;
}
