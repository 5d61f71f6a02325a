//! 通报 briefings from stored data (issue 13), on SQLite and (when configured) PostgreSQL: the
//! city's and a district's briefing state the stored values (each placed number equals the
//! stored value at the indicator's decimals, each growth difference is against the stored
//! parent growth), the league is the stored evaluation, the extractor reads every written fact
//! back (issue 14's round trip), the caller's scope is checked, and a bad template is refused
//! naming its key.

mod support;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use support::{entity_by_code as entity, on_both};
use yiping_access::{Principal, Role, Scope};
use yiping_app::AppError;
use yiping_app::briefing;
use yiping_brief::{FactKind, Template, words};
use yiping_demo::{generate, load_demo_data};
use yiping_kernel::{Catalog, EntityId, Measure, Period};
use yiping_store::{ChangeContext, ObservationFilter, Page, Store};
use yiping_text::Lexicon;

fn ctx() -> ChangeContext {
    ChangeContext::new(
        "测试",
        "通报",
        Utc.with_ymd_and_hms(2024, 10, 20, 8, 0, 0).unwrap(),
    )
}

fn template() -> Template {
    briefing::load_template(std::path::Path::new("/nonexistent"), "月度通报").unwrap()
}

async fn stored(s: &dyn Store, unit: EntityId, code: &str, period: &str, m: Measure) -> f64 {
    let ind = s
        .indicators()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.data.name == code || i.data.code.as_str() == code)
        .unwrap();
    let filter = ObservationFilter {
        entities: Some(vec![unit]),
        indicators: Some(vec![ind.id]),
        periods: Some(vec![Period::parse_code(period).unwrap()]),
        measure: Some(m),
        ..Default::default()
    };
    let page = s.observations(&filter, Page::new(10, 0)).await.unwrap();
    page.items[0].value.value()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn briefings_state_the_stored_values_and_survive_the_round_trip() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ctx()).await.unwrap();
        yiping_app::evaluate::store_shipped_schemes(s, &ctx())
            .await
            .unwrap();
        for q in ["2024M01-M06", "2024M01-M09"] {
            yiping_app::evaluate::evaluate_scheme(
                s,
                "ECONOMY_RACE",
                Period::parse_code(q).unwrap(),
                ctx().at,
            )
            .await
            .unwrap();
        }
        let city = entity(s, "500000").await;
        let yuzhong = entity(s, "500103").await;
        let period = Period::parse_code("2024M01-M09").unwrap();
        let catalog = Catalog::new(
            s.all_entities().await.unwrap(),
            s.indicators().await.unwrap(),
        );
        let lexicon = Lexicon::from_catalog(&catalog);
        let t = template();
        for (unit, subject) in [(city, "全市"), (yuzhong, "渝中区")] {
            let data = briefing::gather(s, &Principal::system(), unit, period, &t, ctx().at)
                .await
                .unwrap();
            let brief = yiping_brief::compose(&t, &data);
            let text = brief.text();
            // Every level and growth is the stored value, printed at the indicator's decimals.
            let values: Vec<_> = brief
                .facts
                .iter()
                .filter(|f| matches!(f.kind, FactKind::Value | FactKind::GrowthPct))
                .collect();
            assert!(values.len() >= 6, "{subject}: {values:#?}");
            for f in &values {
                assert_eq!(f.subject, subject);
                let ind = f.indicator.as_deref().unwrap();
                let (m, decimals) = match f.kind {
                    FactKind::Value => (
                        Measure::Value,
                        data.headline
                            .iter()
                            .find(|h| h.name == ind)
                            .unwrap()
                            .decimals,
                    ),
                    _ => (Measure::Growth, 1),
                };
                let v = stored(s, unit, ind, &f.period, m).await;
                assert_eq!(
                    f.value,
                    Some(words::printed(v, decimals)),
                    "{subject} {ind} {:?}",
                    f.kind
                );
                assert!(
                    text.contains(&words::number(v, decimals)),
                    "{v} not in {text}"
                );
            }
            // The district's differences are against the city's stored growth, its rank is
            // among the 区县.
            if unit == yuzhong {
                let gdp = data.headline.iter().find(|h| h.code == "IND_VA").unwrap();
                let own = stored(s, yuzhong, "IND_VA", "2024M01-M09", Measure::Growth).await;
                let city_g = stored(s, city, "IND_VA", "2024M01-M09", Measure::Growth).await;
                assert_eq!(gdp.reference.as_ref().unwrap().growth, city_g);
                assert!(text.contains(&words::versus(own, city_g, "全市")), "{text}");
                let rank = gdp.rank.as_ref().unwrap();
                assert!(
                    rank.of >= 30 && rank.rank >= 1 && rank.rank <= rank.of,
                    "{rank:?}"
                );
                assert!(
                    text.contains(&format!("增速居全市第{}位", rank.rank)),
                    "{text}"
                );
            } else {
                // The city's league is the stored 赛马比拼 of its 区县 with grades.
                let league = data.league.as_ref().unwrap();
                assert_eq!(league.period_code, "2024M01-M09");
                assert!(league.rows.len() >= 38, "{league:#?}");
                assert!(league.rows.iter().any(|r| r.grade.as_deref() == Some("A")));
                assert!(text.contains("A档"), "{text}");
                assert!(brief.facts.iter().any(|f| f.kind == FactKind::Grade));
            }
            // Issue 14: the extractor reads every written fact back.
            let (read, missed) = yiping_brief::roundtrip::check(&brief, &lexicon);
            assert!(
                missed.is_empty(),
                "{subject}: {} of {} facts missed: {missed:#?}\n{text}\n{read:#?}",
                missed.len(),
                brief.facts.len()
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_briefing_is_scope_checked_and_a_bad_template_names_its_key() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(3), &ctx()).await.unwrap();
        let yuzhong = entity(s, "500103").await;
        let wanzhou = entity(s, "500101").await;
        let leader = Principal {
            user_id: 7,
            login: "yuzhong-leader".into(),
            name: "渝中区领导".into(),
            role: Role::Leader,
            unit: yuzhong,
            unit_name: "渝中区".into(),
            scope: Arc::new(Scope::new(yuzhong, [yuzhong])),
        };
        let period = Period::parse_code("2024M01-M09").unwrap();
        let t = template();
        let own = briefing::gather(s, &leader, yuzhong, period, &t, ctx().at).await;
        assert!(own.is_ok(), "{own:?}");
        let other = briefing::gather(s, &leader, wanzhou, period, &t, ctx().at).await;
        assert!(matches!(other, Err(AppError::Forbidden(_))), "{other:?}");
        let quarter = Period::parse_code("2024Q3").unwrap();
        let e = briefing::gather(
            s,
            &leader,
            yuzhong,
            Period::parse_code("2024M04-M09").unwrap(),
            &t,
            ctx().at,
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("2024M01-M09"), "{e}");
        let _ = quarter;
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let text = briefing::SHIPPED[0]
        .1
        .replacen("top = 3", "top = \"三\"", 1);
    std::fs::write(dir.path().join("坏模板.toml"), text).unwrap();
    let e = briefing::load_template(dir.path(), "坏模板").unwrap_err();
    assert!(
        e.to_string().contains("坏模板") && e.to_string().contains("第"),
        "{e}"
    );
    let e = briefing::load_template(dir.path(), "没有的模板").unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)), "{e}");
    assert!(e.to_string().contains("月度通报"), "{e}");
}
