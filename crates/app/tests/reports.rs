//! Reports read back into data (`app::reports`) on SQLite and (when configured) PostgreSQL: the
//! facts of a written report proposed for review, and the confirmed ones stored as drafts with
//! the document as source — all or nothing, within the reviewer's scope, never over a reported
//! value.

mod support;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use support::{import_csv, on_both};
use yiping_access::{Principal, Role, Scope};
use yiping_app::AppError;
use yiping_app::reports::{self, DraftFact, ReportContext};
use yiping_kernel::{EntityId, Measure, ObservationStatus, Period};
use yiping_store::{ChangeContext, ObservationFilter, Page, Store};

const WORLD: &str = "类型,代码,名称,别名,层级,上级代码,分组\n\
地区,500000,重庆市,全市,1,,\n\
地区,500103,渝中区,渝中,2,500000,主城都市区\n\
地区,500106,沙坪坝区,沙坪坝,2,500000,主城都市区\n";

const INDICATORS: &str = "代码,名称,别名,计量单位,频率,类型\n\
GDP,地区生产总值,GDP总量,亿元,季,累计值\n\
FAI,固定资产投资,固投,亿元,月,累计值\n";

/// A report written for this test: two districts' figures for the first quarter.
const REPORT: &str = "一季度经济运行情况\n\
2024年一季度，渝中区地区生产总值增长6.5%，固定资产投资增长8.2%，增速排名全市第3位。\n\
沙坪坝区地区生产总值增长5.1%。\n";

fn ctx() -> ChangeContext {
    ChangeContext::new(
        "测试",
        "准备",
        Utc.with_ymd_and_hms(2024, 4, 20, 8, 0, 0).unwrap(),
    )
}

async fn world(s: &dyn Store) -> (EntityId, EntityId) {
    import_csv(s, WORLD, &ctx()).await;
    import_csv(s, INDICATORS, &ctx()).await;
    // 沙坪坝's growth is already reported (a different figure).
    import_csv(
        s,
        "主体代码,主体,指标代码,指标,时期,口径,数值,计量单位,状态\n\
         500106,沙坪坝区,GDP,地区生产总值,2024Q1,增速,5.3,%,已报送\n",
        &ctx(),
    )
    .await;
    let all = s.all_entities().await.unwrap();
    let id = |name: &str| all.iter().find(|e| e.data.name == name).unwrap().id;
    (id("渝中区"), id("沙坪坝区"))
}

fn reporter(unit: EntityId, name: &str, role: Role) -> Principal {
    Principal {
        user_id: 3,
        login: "reviewer".into(),
        name: "审阅人".into(),
        role,
        unit,
        unit_name: name.into(),
        scope: Arc::new(Scope::new(unit, [unit])),
    }
}

async fn drafts(s: &dyn Store) -> Vec<yiping_kernel::Observation> {
    s.observations(
        &ObservationFilter {
            status: Some(ObservationStatus::Draft),
            ..ObservationFilter::default()
        },
        Page::first(100),
    )
    .await
    .unwrap()
    .items
}

#[tokio::test]
async fn a_report_is_reviewed_and_confirmed_facts_become_drafts() {
    on_both(|store| async move {
        let s = store.as_ref();
        let (yuzhong, _) = world(s).await;
        let who = reporter(yuzhong, "渝中区", Role::Reporter);
        // Without the report's unit, a sentence naming no unit leaves the fact to the reviewer.
        let bare = reports::review(s, &who, "一季度.txt", REPORT.as_bytes(), Default::default())
            .await
            .unwrap();
        let fai = bare
            .items
            .iter()
            .find(|i| i.fact.text.contains("8.2"))
            .unwrap();
        assert_eq!(fai.note.as_deref(), Some("没有读出主体"));
        let about = ReportContext {
            unit: Some("渝中区"),
            period: None,
        };
        let review = reports::review(s, &who, "一季度.txt", REPORT.as_bytes(), about)
            .await
            .unwrap();
        assert_eq!(review.digest.len(), 64);
        let by_text = |t: &str| {
            review
                .items
                .iter()
                .find(|i| i.fact.text.contains(t))
                .unwrap_or_else(|| panic!("no fact for {t}: {:#?}", review.items))
        };
        // Own unit, catalogue indicator, stated period: proposed as it is.
        let gdp = by_text("6.5");
        assert!(gdp.proposed(), "{gdp:?}");
        assert_eq!(gdp.draft.entity, "渝中区");
        assert_eq!(gdp.draft.indicator, "地区生产总值");
        assert_eq!(gdp.draft.period, "2024年一季度");
        assert_eq!(gdp.draft.measure, Some(Measure::Growth));
        assert_eq!(gdp.draft.value, "6.5");
        assert!(by_text("8.2").proposed(), "{:#?}", by_text("8.2"));
        // A rank is not a value; another district is outside the reporter's scope.
        let rank = review
            .items
            .iter()
            .find(|i| i.fact.measure == yiping_text::Measure::Rank);
        if let Some(rank) = rank {
            assert!(rank.note.as_deref().unwrap().contains("排名"));
        }
        let other = by_text("5.1");
        assert!(
            other.note.as_deref().unwrap().contains("超出本单位"),
            "{other:?}"
        );
        // Nothing is stored by reading.
        assert!(drafts(s).await.is_empty());

        // The reviewer corrects the investment growth and confirms both.
        let mut fai = by_text("8.2").draft.clone();
        fai.value = "8.4".into();
        let confirmed = vec![gdp.draft.clone(), fai];
        let at = Utc.with_ymd_and_hms(2024, 4, 21, 9, 0, 0).unwrap();
        let out = reports::store_drafts(s, &who, "一季度.txt", &review.digest, &confirmed, at)
            .await
            .unwrap();
        assert_eq!(out.outcome.observations.as_ref().unwrap().inserted, 2);
        let stored = drafts(s).await;
        assert_eq!(stored.len(), 2);
        assert!(stored.iter().all(|o| o.source == "报告《一季度.txt》"));
        let fai = stored
            .iter()
            .find(|o| o.value.value() == 8.4)
            .expect("the corrected value is stored");
        assert_eq!(fai.key.period, Period::parse_code("2024Q1").unwrap());
        assert_eq!(fai.key.measure, Measure::Growth);
        let audit = s.audit_events(10).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "report.drafts" && e.target == "一季度.txt"),
            "{audit:?}"
        );

        // Confirming the same facts again changes nothing.
        let again = reports::store_drafts(s, &who, "一季度.txt", &review.digest, &confirmed, at)
            .await
            .unwrap();
        assert_eq!(again.unchanged, 2);
        assert_eq!(drafts(s).await.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn drafts_are_refused_whole_outside_scope_or_over_reported_values() {
    on_both(|store| async move {
        let s = store.as_ref();
        let (yuzhong, shapingba) = world(s).await;
        let own = DraftFact {
            entity: "渝中区".into(),
            indicator: "地区生产总值".into(),
            period: "2024年一季度".into(),
            measure: Some(Measure::Growth),
            value: "6.5".into(),
            unit: "%".into(),
            text: "增长6.5%".into(),
        };
        let other = DraftFact {
            entity: "500106".into(),
            value: "5.1".into(),
            ..own.clone()
        };
        let at = Utc.with_ymd_and_hms(2024, 4, 21, 9, 0, 0).unwrap();
        // A 渝中区 reporter cannot store 沙坪坝区's figure: nothing is stored, fact 2 is named.
        let who = reporter(yuzhong, "渝中区", Role::Reporter);
        let e = reports::store_drafts(s, &who, "r.txt", "x", &[own.clone(), other.clone()], at)
            .await
            .unwrap_err();
        let AppError::Rejected { problems, .. } = e else {
            panic!("{e:?}")
        };
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert_eq!(problems[0].at.row, 2);
        assert!(problems[0].reason.contains("超出本单位"));
        assert!(drafts(s).await.is_empty());

        // 沙坪坝区's own reviewer: the reported 5.3 is not replaced by the report's 5.1.
        let who = reporter(shapingba, "沙坪坝区", Role::Reporter);
        let e = reports::store_drafts(s, &who, "r.txt", "x", std::slice::from_ref(&other), at)
            .await
            .unwrap_err();
        let AppError::Rejected { problems, .. } = e else {
            panic!("{e:?}")
        };
        assert!(problems[0].reason.contains("已报送"), "{problems:?}");
        assert!(drafts(s).await.is_empty());

        // A handler may not enter data at all; a rank cannot be stored; a word is not a number.
        let handler = reporter(yuzhong, "渝中区", Role::Handler);
        assert!(matches!(
            reports::store_drafts(s, &handler, "r.txt", "x", std::slice::from_ref(&own), at).await,
            Err(AppError::Forbidden(_))
        ));
        let who = reporter(yuzhong, "渝中区", Role::Reporter);
        let bad = DraftFact {
            value: "六点五".into(),
            ..own.clone()
        };
        let e = reports::store_drafts(s, &who, "r.txt", "x", &[own, bad], at)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("1处问题"), "{e}");
        assert!(drafts(s).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn unreadable_reports_are_named() {
    on_both(|store| async move {
        let s = store.as_ref();
        let (yuzhong, _) = world(s).await;
        let who = reporter(yuzhong, "渝中区", Role::Reporter);
        for (file, bytes, want) in [
            ("空.txt", &b""[..], "空文件"),
            ("假.docx", &b"not a zip"[..], ".docx"),
            ("图.txt", &b"\x89PNG\x00\x00\x01"[..], "二进制"),
        ] {
            let e = reports::review(s, &who, file, bytes, ReportContext::default())
                .await
                .unwrap_err();
            let text = e.to_string();
            assert!(text.contains(file) && text.contains(want), "{text}");
        }
        let about = ReportContext {
            period: Some("明年"),
            unit: None,
        };
        let e = reports::review(s, &who, "r.txt", REPORT.as_bytes(), about)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("报告期"), "{e}");
    })
    .await;
}
