//! Evaluation through the use cases, on SQLite and (when configured) PostgreSQL: schemes stored
//! as versions, league tables persisted with grades, colours and moves, composites after their
//! components, and recomputation when an import changes the data.

mod support;

use chrono::{TimeZone, Utc};
use support::on_both;
use yiping_access::Principal;
use yiping_app::database::{Create, DatabaseUrl, open};
use yiping_app::evaluate::{
    evaluate_scheme, recompute_affected, store_scheme, store_shipped_schemes,
};
use yiping_app::league::league_table;
use yiping_app::results::{League, LeagueQuery};
use yiping_demo::{generate, load_demo, load_demo_data};
use yiping_flow::ItemKind;
use yiping_kernel::{Period, TargetKind};
use yiping_store::{ChangeContext, EntityChange, Page, Store, WorkItemFilter};

fn ctx() -> ChangeContext {
    ChangeContext::new(
        "测试",
        "评价",
        Utc.with_ymd_and_hms(2025, 1, 20, 8, 0, 0).unwrap(),
    )
}

fn p(code: &str) -> Period {
    Period::parse_code(code).unwrap()
}

/// The whole stored league table, as the command line reads it.
async fn league_of(
    s: &dyn Store,
    scheme: &str,
    period: Period,
) -> Result<League, yiping_app::AppError> {
    yiping_app::results::league(s, &Principal::system(), scheme, &LeagueQuery::all(period)).await
}

/// The analyst correcting the demo's (approved) figures reopens them.
async fn import_csv(store: &dyn Store, csv: &str) -> yiping_app::import::ImportOutcome {
    support::import_csv_as(store, csv, yiping_app::import::Approved::Reopen, &ctx()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemes_are_versioned_and_refused_with_the_field_path() {
    on_both(|store| async move {
        let s = store.as_ref();
        assert_eq!(store_shipped_schemes(s, &ctx()).await.unwrap(), 13);
        assert_eq!(
            store_shipped_schemes(s, &ctx()).await.unwrap(),
            0,
            "idempotent"
        );
        let text = yiping_eval::shipped::MUJUN.replace("year = 2023", "year = 2025");
        let (v, change) = store_scheme(s, &text, &ctx()).await.unwrap();
        assert_eq!(
            (v.year, v.version, change),
            (2025, 1, EntityChange::Inserted)
        );
        assert_eq!(s.schemes().await.unwrap().len(), 14);
        // A changed text replaces the version in place; the audit keeps the text it replaced.
        let changed = text.replace("weight = 30", "weight = 35");
        let (v2, change) = store_scheme(s, &changed, &ctx()).await.unwrap();
        assert_eq!((v2.version, change), (2, EntityChange::Updated));
        let events = s.audit_events(50).await.unwrap();
        let mujun: Vec<_> = events.iter().filter(|e| e.target == "MUJUN 2025").collect();
        assert_eq!(mujun.len(), 2, "{mujun:?}");
        assert_eq!(
            (mujun[0].action.as_str(), mujun[1].action.as_str()),
            ("scheme.update", "scheme.add")
        );
        assert_eq!(mujun[0].actor, "测试");
        let marker = format!("{}\n", yiping_app::evaluate::REPLACED_TEXT_MARKER);
        assert_eq!(mujun[0].detail.split_once(&marker).unwrap().1, text);
        let shipped = events.iter().filter(|e| e.action == "scheme.add").count();
        assert_eq!(
            shipped, 14,
            "13 shipped and the new one, not the unchanged re-store"
        );
        let bad = yiping_eval::shipped::MUJUN.replace("weight = 30", "weight = -30");
        let e = store_scheme(s, &bad, &ctx()).await.unwrap_err().to_string();
        assert!(e.contains("items[0].weight"), "{e}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_composite_evaluates_its_components_first_and_versions_follow_the_year() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ctx()).await.unwrap();
        store_shipped_schemes(s, &ctx()).await.unwrap();
        let sum = evaluate_scheme(s, "cards_overall", p("2024Q1"), ctx().at)
            .await
            .unwrap();
        assert_eq!(
            (sum.scheme.as_str(), sum.population, sum.ranked),
            ("CARDS_OVERALL", 41, 41)
        );
        for card in [
            "CARD_PARTY",
            "CARD_ECONOMY",
            "CARD_INNOVATION",
            "CARD_LIVELIHOOD",
        ] {
            let slice = s.evaluation_slice(card, p("2024Q1")).await.unwrap();
            assert_eq!(slice.len(), 41, "{card}");
            assert!(slice.iter().all(|r| r.score.is_some()), "{card}");
        }
        // The innovation card reads the annual 研发投入强度 of 2023 in a quarter of 2024.
        let league = league_of(s, "CARD_INNOVATION", p("2024Q1")).await.unwrap();
        let parts = league.breakdown(&league.rows[0]);
        assert_eq!(parts[0].id, "rd");
        assert!(parts[0].raw.is_some(), "{parts:?}");

        // The 2023 version of 亩均 applies to 2024; no version applies to 2022.
        let m = evaluate_scheme(s, "MUJUN", p("2024"), ctx().at)
            .await
            .unwrap();
        assert_eq!(m.scheme_year, 2023);
        assert!(m.population > 250, "{m:?}");
        let e = evaluate_scheme(s, "MUJUN", p("2022"), ctx().at)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("没有适用于2022年的版本"), "{e}");
        let e = evaluate_scheme(s, "NOPE", p("2024"), ctx().at)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("没有评价方案“NOPE”") && e.contains("MUJUN"),
            "{e}"
        );

        // Evaluating an earlier period afterwards re-evaluates the later one's moves.
        let first = evaluate_scheme(s, "MUJUN", p("2023"), ctx().at)
            .await
            .unwrap();
        assert_eq!(first.followed, [p("2024")]);
        let league = league_of(s, "MUJUN", p("2024")).await.unwrap();
        assert_eq!(league.run.previous_period, Some(p("2023")));
        assert!(
            league
                .rows
                .iter()
                .filter(|r| r.rank.is_some())
                .all(|r| r.rank_change.is_some())
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_stores_every_league_table_and_an_import_recomputes_what_it_touches() {
    on_both(|store| async move {
        let s = store.as_ref();
        let summary = load_demo(s, &generate(5), &ctx()).await.unwrap();
        assert_eq!(summary.schemes, 13);
        // 10 quarterly schemes × 4 + the monthly five-colour map × 11 + 亩均 × 2 (事项办理赛马
        // waits for the work items' WI_* indicators).
        assert_eq!(summary.evaluations, 10 * 4 + 11 + 2);

        let mujun = league_of(s, "MUJUN", p("2024"))
            .await
            .unwrap();
        let n = mujun.rows.len();
        let count = |g: &str| mujun.rows.iter().filter(|r| r.grade.as_deref() == Some(g)).count();
        assert_eq!(count("A"), n / 4, "top 25 % are A");
        assert!(count("D") > 0 && count("D") <= n.div_ceil(20) + 1);
        let table = league_table(&mujun);
        assert_eq!(table.fills.len(), n, "one fill per grade cell, no colours in 亩均");

        // One firm's 亩均税收 for 2024 is corrected upwards: 亩均 2024 is recomputed.
        let last = mujun.rows.last().unwrap();
        let before = last.rank.unwrap();
        let out = import_csv(
            s,
            &format!("主体代码,指标代码,时期,数值\n{},TAX_PER_MU,2024,900\n", last.entity_key),
        )
        .await;
        let re = out.after.unwrap().recomputed;
        let done: Vec<String> = re.evaluated.iter().map(|(c, p)| format!("{c} {p}")).collect();
        assert_eq!(done, ["MUJUN 2024"], "{re:?}");
        let after = league_of(s, "MUJUN", p("2024"))
            .await
            .unwrap();
        let row = after.rows.iter().find(|r| r.entity == last.entity).unwrap();
        assert!(row.rank.unwrap() < before / 2, "{row:?}");
        assert_eq!(row.grade.as_deref(), Some("A"));

        // An unchanged re-import recomputes nothing.
        let again = import_csv(
            s,
            &format!("主体代码,指标代码,时期,数值\n{},TAX_PER_MU,2024,900\n", last.entity_key),
        )
        .await;
        assert!(again.after.is_none());

        // Data for a new quarter creates that quarter's league tables.
        let csv = "主体代码,指标代码,时期,口径,数值\n500103,GDP,2025Q1,增速,6.5\n500106,GDP,2025Q1,增速,7.5\n";
        let re = import_csv(s, csv).await.after.unwrap().recomputed;
        let done: Vec<String> = re.evaluated.iter().map(|(c, p)| format!("{c} {p}")).collect();
        assert!(done.contains(&"ECONOMY_RACE 2025Q1".to_string()), "{done:?}");
        assert!(done.contains(&"CARDS_OVERALL 2025Q1".to_string()), "{done:?}");
        let race = league_of(s, "ECONOMY_RACE", p("2025Q1"))
            .await
            .unwrap();
        assert_eq!(race.run.ranked, 0, "the other growth rates are not in yet");
        assert!(race.rows[0].explanation.contains("未参加评价"));
        assert_eq!(race.run.previous_period, Some(p("2024")));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_and_time_progress_read_targets_and_the_city() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(9), &ctx()).await.unwrap();
        let scheme = r#"
code = "FAI_PROGRESS"
name = "固投序时进度"
year = 2024
frequency = "month"
missing = "exclude"
scope_label = "全市"
[population]
kind = "region"
level = 2
[[items]]
id = "gap"
name = "固定资产投资序时进度差"
indicator = "FAI"
measure = "progress_gap"
weight = 100
[colours]
mode = "thresholds"
by = "item:gap"
cuts = [5.0, 0.0, -5.0, -15.0]
"#;
        store_scheme(s, scheme, &ctx()).await.unwrap();
        let sum = evaluate_scheme(s, "FAI_PROGRESS", p("2024M01-M09"), ctx().at)
            .await
            .unwrap();
        assert_eq!(sum.ranked, 41, "every unit has a 2024 FAI level target");
        let league = league_of(s, "FAI_PROGRESS", p("2024M01-M09"))
            .await
            .unwrap();
        assert!(league.rows.iter().all(|r| r.colour.is_some()));
        assert!(
            league.rows[0]
                .explanation
                .starts_with("固定资产投资序时进度差")
        );
        // Recomputation is driven by the indicators a scheme reads.
        let fai = s
            .indicators()
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.data.code.as_str() == "FAI")
            .unwrap();
        let targets = s
            .targets(&yiping_store::TargetFilter {
                year: Some(2024),
                indicator: Some(fai.id),
                kind: Some(TargetKind::Level),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(targets.len(), 42);
        let re = recompute_affected(s, &[fai.id], &[p("2024M01-M09")], ctx().at)
            .await
            .unwrap();
        let done: Vec<String> = re
            .evaluated
            .iter()
            .map(|(c, p)| format!("{c} {p}"))
            .collect();
        assert_eq!(done, ["FAI_PROGRESS 2024M01-M09"]);
    })
    .await;
}

async fn raised_problems(s: &dyn Store) -> Vec<yiping_store::StoredWorkItem> {
    let filter = WorkItemFilter {
        kind: Some(ItemKind::Problem),
        ..WorkItemFilter::default()
    };
    s.work_items(&filter, Page::first(5000))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|i| i.extras.evaluation.is_some())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grade_c_raises_one_problem_per_entity_and_period() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ctx()).await.unwrap();
        store_shipped_schemes(s, &ctx()).await.unwrap();
        let q1 = p("2024Q1");
        evaluate_scheme(s, "ECONOMY_RACE", q1, ctx().at)
            .await
            .unwrap();
        let league = league_of(s, "ECONOMY_RACE", q1).await.unwrap();
        let c: Vec<_> = league
            .rows
            .iter()
            .filter(|r| r.grade.as_deref() == Some("C"))
            .collect();
        assert!(!c.is_empty());
        let raised = raised_problems(s).await;
        assert_eq!(raised.len(), c.len());
        for row in &c {
            let item = raised
                .iter()
                .find(|i| i.item.owner_unit == row.entity)
                .expect("one problem per C entity");
            let link = item.extras.evaluation.as_ref().unwrap();
            assert_eq!(link.scheme, "ECONOMY_RACE");
            assert_eq!(link.period, "2024Q1");
            assert_eq!(link.entity, row.entity);
            assert_eq!(link.grade.as_deref(), Some("C"));
            assert!(link.indicators.iter().any(|i| i == "GDP"), "{link:?}");
            assert_eq!(item.item.location, Some(row.entity));
            assert_eq!(item.extras.problem_source.as_deref(), Some("督查"));
            // Issue 11, bug 1: a problem type of its own (赛马比拼/评价落后, 整改 in months).
            assert_eq!(item.item.category.to_string(), "问题/03/01");
            let title = &item.item.title;
            assert!(
                title.starts_with("经济运行赛马比拼 2024年一季度："),
                "{title}"
            );
            assert!(
                title.contains(&format!("{}C档", row.entity_name)),
                "{title}"
            );
            assert!(title.ends_with("请分析原因并提出整改措施"), "{title}");
        }
        // Re-evaluating raises nothing new; schemes without [problems] raise nothing.
        evaluate_scheme(s, "ECONOMY_RACE", q1, ctx().at)
            .await
            .unwrap();
        evaluate_scheme(s, "CARD_ECONOMY", q1, ctx().at)
            .await
            .unwrap();
        assert_eq!(raised_problems(s).await.len(), c.len());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_ranks_districts_on_handling_every_month() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&DatabaseUrl::Sqlite(dir.path().join("t.db")), Create::Yes)
        .await
        .unwrap();
    let s = store.as_ref();
    load_demo_data(s, &generate(5), &ctx()).await.unwrap();
    store_shipped_schemes(s, &ctx()).await.unwrap();
    let items = yiping_demo::items::load(s, 5).await.unwrap();
    assert_eq!(items.evaluations, 12, "{items}");
    let june = league_of(s, "HANDLING_RACE", p("2024M06")).await.unwrap();
    let ranked: Vec<_> = june.rows.iter().filter(|r| r.rank.is_some()).collect();
    assert!(ranked.len() >= 10, "{} ranked", ranked.len());
    assert!(ranked.iter().all(|r| r.grade.is_some()));
    for g in ["A", "B", "C"] {
        assert!(ranked.iter().any(|r| r.grade.as_deref() == Some(g)), "{g}");
    }
    let excluded = june.rows.iter().filter(|r| r.excluded).count();
    eprintln!(
        "HANDLING_RACE 2024M06: {} ranked, {excluded} excluded",
        ranked.len()
    );
}
