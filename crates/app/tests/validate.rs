//! Validation rules on import and on demand (issue 12), on both databases: the shipped rule
//! "各区县之和不超过全市" refuses a file whose districts exceed the city, naming the cells and
//! both numbers, with nothing stored; a level that disagrees with its reported growth is kept as
//! a finding with both numbers, followed up and resolved once corrected.

mod support;

use chrono::{TimeZone, Utc};
use yiping_access::Principal;
use yiping_app::AppError;
use yiping_app::config::{self, ConfigSet};
use yiping_app::import::{Approved, ImportKind, ImportOptions, import_grid_as};
use yiping_app::validate;
use yiping_io::{ParseOptions, ReadOptions, read_grid_bytes};
use yiping_kernel::Period;
use yiping_store::{ChangeContext, ObservationFilter, Page, QualityFilter, Store};

use support::{import_csv, on_both};

const WORLD: &str = "类型,代码,名称,层级,上级代码\n\
地区,500000,重庆市,1,\n\
地区,500103,渝中区,2,500000\n\
地区,500106,沙坪坝区,2,500000\n";

const INDICATORS: &str = "代码,名称,计量单位,频率,类型\n\
GDP,地区生产总值,亿元,季,累计值\n\
FAI,固定资产投资,亿元,月,累计值\n";

fn ctx() -> ChangeContext {
    ChangeContext::new(
        "测试",
        "校验",
        Utc.with_ymd_and_hms(2025, 2, 1, 8, 0, 0).unwrap(),
    )
}

async fn import(
    store: &dyn Store,
    csv: &str,
) -> Result<yiping_app::import::ImportOutcome, AppError> {
    let grid = read_grid_bytes("区县.csv", csv.as_bytes(), &ReadOptions::default()).unwrap();
    let opts = ImportOptions {
        kind: ImportKind::Auto,
        read: ReadOptions::default(),
        parse: ParseOptions::default(),
        dry_run: false,
    };
    import_grid_as(store, &grid, &opts, Approved::Keep, &ctx()).await
}

async fn count(store: &dyn Store) -> usize {
    store
        .observations(&ObservationFilter::default(), Page::default())
        .await
        .unwrap()
        .total as usize
}

async fn setup(store: &dyn Store) {
    import_csv(store, WORLD, &ctx()).await;
    import_csv(store, INDICATORS, &ctx()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn districts_exceeding_the_city_refuse_the_file_naming_each_cell_and_both_numbers() {
    on_both(|store| async move {
        let s = store.as_ref();
        setup(s).await;
        import_csv(s, "主体,指标,时期,数值\n重庆市,GDP,2024Q1,1000\n", &ctx()).await;
        let before = count(s).await;
        let parts = "主体,指标,时期,数值\n渝中区,GDP,2024Q1,600\n沙坪坝区,GDP,2024Q1,450.2\n";
        let err = import(s, parts).await.unwrap_err();
        let AppError::Rejected { problems, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        let p = &problems[0];
        // The city's total is not in the file: the first part it holds is named.
        assert_eq!((p.at.row, p.at.column.as_deref()), (2, Some("D")), "{p:?}");
        assert!(p.reason.contains("重庆市 2024年一季度"), "{}", p.reason);
        assert!(p.reason.contains("地区生产总值"), "codes are shown as names: {}", p.reason);
        assert!(!p.reason.contains("GDP"), "{}", p.reason);
        assert!(p.reason.contains("1050.2") && p.reason.contains("1000"), "{}", p.reason);
        assert_eq!(count(s).await, before, "a refused file stored values");

        // The same file with a total that holds them is accepted; within the tolerance (0.5) too.
        let whole = "主体,指标,时期,数值\n重庆市,GDP,2024Q1,1050\n渝中区,GDP,2024Q1,600\n沙坪坝区,GDP,2024Q1,450.2\n";
        let out = import(s, whole).await.unwrap();
        assert!(out.findings.is_empty(), "{:?}", out.findings);
        assert_eq!(count(s).await, before + 2);

        // A total lowered below its stored parts is refused, naming the total's own cell.
        let lower = "主体,指标,时期,数值\n重庆市,GDP,2024Q1,900\n";
        let err = import(s, lower).await.unwrap_err();
        let AppError::Rejected { problems, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(problems[0].at.row, 2);
        assert!(problems[0].reason.contains("900"), "{}", problems[0].reason);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_level_disagreeing_with_its_reported_growth_is_a_finding_with_both_numbers() {
    on_both(|store| async move {
        let s = store.as_ref();
        setup(s).await;
        let out = import(
            s,
            "主体,指标,时期,口径,数值\n渝中区,GDP,2023Q1,总量,100\n渝中区,GDP,2024Q1,总量,110\n渝中区,GDP,2024Q1,增速,3.0\n",
        )
        .await
        .unwrap();
        assert_eq!(out.findings.len(), 1, "{:?}", out.findings);
        let f = &out.findings[0];
        assert!(f.contains("10") && f.contains("3") && f.contains("相差 7"), "{f}");
        let stored = s.findings(&QualityFilter::default()).await.unwrap();
        assert_eq!(stored.len(), 1);
        let found = &stored[0];
        assert_eq!(found.data.rule, "GDP_LEVEL_GROWTH");
        assert_eq!(found.data.importance, "low");
        assert!((found.data.left.unwrap() - 10.0).abs() < 1e-9);
        assert_eq!(found.data.right, Some(3.0));
        assert!(found.data.message.starts_with("渝中区 2024年一季度"), "{}", found.data.message);

        // The unit follows it up; the findings list of its district holds it, the other's not.
        let system = Principal::system();
        let at = ctx().at;
        let noted = validate::annotate_as(s, &system, found.id, true, "已请区统计局核对增速", at)
            .await
            .unwrap();
        assert!(noted.follow_up);
        let entities = s.all_entities().await.unwrap();
        let id = |name: &str| entities.iter().find(|e| e.data.name == name).unwrap().id;
        let mine = validate::findings_as(s, &system, Some(id("渝中区")), None, true)
            .await
            .unwrap();
        assert_eq!(mine.len(), 1);
        let other = validate::findings_as(s, &system, Some(id("沙坪坝区")), None, false)
            .await
            .unwrap();
        assert!(other.is_empty());

        // Corrected growth: the finding is resolved, the comment kept.
        import(s, "主体,指标,时期,口径,数值\n渝中区,GDP,2024Q1,增速,9.6\n").await.unwrap();
        let after = s.finding(found.id).await.unwrap().unwrap();
        assert!(after.resolved && after.follow_up);
        assert_eq!(after.comment, "已请区统计局核对增速");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_on_demand_run_checks_every_entity_and_records_every_violation() {
    on_both(|store| async move {
        let s = store.as_ref();
        setup(s).await;
        let system = Principal::system();
        let at = ctx().at;
        // A rule file of the city: cumulative FAI must not fall, importance high.
        let rules = "[[rules]]\ncode = \"FAI_CUM\"\nname = \"固定资产投资累计不减\"\nkind = \"cumulative\"\nindicator = \"FAI\"\nimportance = \"medium\"\n";
        config::apply(s, &system, ConfigSet::new().with(config::VALIDATION, rules), false, at)
            .await
            .unwrap();
        import(
            s,
            "主体,指标,时期,数值\n渝中区,FAI,2024M01-M02,50\n沙坪坝区,FAI,2024M01-M02,40\n渝中区,FAI,2024M01-M03,45\n",
        )
        .await
        .unwrap();
        let q1 = Period::parse_code("2024Q1").unwrap();
        let report = validate::run_as(s, &system, q1, at).await.unwrap();
        assert_eq!(report.rules, 1);
        assert_eq!(report.violations.len(), 1, "{:?}", report.violations);
        let v = &report.violations[0];
        assert!(v.message.contains("渝中区") && v.message.contains("45") && v.message.contains("50"));
        assert_eq!(
            s.findings(&QualityFilter::default()).await.unwrap().len(),
            1
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_rule_file_is_refused_naming_the_rule_line_and_key() {
    on_both(|store| async move {
        let s = store.as_ref();
        let bad = "[[rules]]\ncode = \"X\"\nname = \"坏\"\nleft = \"GDP\"\noperator = \"=<\"\nright = \"children(GDP)\"\n";
        let err = config::apply(
            s,
            &Principal::system(),
            ConfigSet::new().with(config::VALIDATION, bad),
            false,
            ctx().at,
        )
        .await
        .unwrap_err();
        let AppError::Rejected { problems, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].at.file, "validation.toml");
        assert_eq!(problems[0].at.row, 1);
        assert_eq!(problems[0].at.column.as_deref(), Some("字段operator"));
        assert!(problems[0].reason.contains("=<"));
        assert!(s.config_files().await.unwrap().is_empty(), "nothing stored");
    })
    .await;
}
