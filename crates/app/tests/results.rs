//! The results reader (`app::results`) on SQLite and (when configured) PostgreSQL: what a caller
//! sees of a stored league, one entity's result and its history, by role and scope, and a row
//! whose breakdown does not line up with its run reported as corrupt.

mod support;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use support::on_both;
use yiping_access::{AccessError, Principal, Role, Scope};
use yiping_app::AppError;
use yiping_app::results::{self, LeagueQuery, Rows, Subject};
use yiping_eval::scheme::MeasureKind;
use yiping_kernel::{EntityCode, EntityId, EntityKind, Frequency, NewEntity, Period};
use yiping_store::{
    BreakdownItem, ChangeContext, EntityUpsert, EvaluationRow, EvaluationRun, GradeDef, ItemDef,
    NewScheme, Page, ParentRef, Rgb, RunMeta, Store, StoreError,
};

fn ctx() -> ChangeContext {
    ChangeContext::new(
        "测试",
        "结果",
        Utc.with_ymd_and_hms(2024, 10, 21, 9, 30, 0).unwrap(),
    )
}

fn p(code: &str) -> Period {
    Period::parse_code(code).unwrap()
}

const DISTRICTS: [(&str, &str); 4] = [
    ("500101", "万州区"),
    ("500103", "渝中区"),
    ("500104", "大渡口区"),
    ("500105", "江北区"),
];

/// The city and four districts; returns the districts' ids.
async fn seed(s: &dyn Store) -> Vec<EntityId> {
    let region = |code: &str, name: &str, level| {
        NewEntity::new(
            EntityKind::Region,
            Some(EntityCode::parse_region(code).unwrap()),
            name,
            level,
        )
        .unwrap()
    };
    let mut items = vec![EntityUpsert::new(region("500000", "重庆市", 1))];
    for (code, name) in DISTRICTS {
        items.push(EntityUpsert::new(region(code, name, 2)).with_parent(ParentRef::Earlier(0)));
    }
    let ids: Vec<EntityId> = s
        .upsert_entities(&items, &ctx())
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    s.upsert_scheme(
        &NewScheme {
            code: "RACE".into(),
            year: 2024,
            name: "赛马".into(),
            frequency: Frequency::Quarter,
            source: "# 读者不解析方案文本".into(),
        },
        &ctx(),
    )
    .await
    .unwrap();
    ids[1..].to_vec()
}

fn meta() -> RunMeta {
    RunMeta {
        scheme_name: "赛马（当期）".into(),
        frequency: Frequency::Quarter,
        grades: ["A", "B"]
            .map(|g| GradeDef {
                name: g.into(),
                label: None,
                rgb: Rgb(if g == "A" { 0x63_BE_7B } else { 0xF8_69_6B }),
            })
            .to_vec(),
        grade_suffix: "档".into(),
        colours: Vec::new(),
        cohorts: Vec::new(),
        items: vec![ItemDef {
            id: "gdp".into(),
            name: "地区生产总值增速".into(),
            indicator: None,
            measure: MeasureKind::Growth,
            unit: "%".into(),
            decimals: 1,
            weight: 40.0,
            divisor: Some(100.0),
        }],
        score_label: "赛马得分".into(),
        scope_label: "全市".into(),
        score_decimals: Some(2),
    }
}

/// The districts ranked in order, A for the first two and B for the rest; `items` breakdown
/// entries per row.
async fn store_run(s: &dyn Store, ids: &[EntityId], period: &str, items: usize) {
    let rows: Vec<EvaluationRow> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| EvaluationRow {
            entity: id,
            entity_key: DISTRICTS[i].0.into(),
            entity_name: DISTRICTS[i].1.into(),
            position: i as u32,
            score: Some(90.0 - i as f64),
            rank: Some(i as u32 + 1),
            cohort: None,
            cohort_rank: None,
            grade: Some(if i < 2 { "A" } else { "B" }.into()),
            colour: None,
            rank_change: None,
            cohort_rank_change: None,
            grade_change: None,
            exempt: false,
            excluded: false,
            explanation: format!("居全市第{}位", i + 1),
            breakdown: vec![
                BreakdownItem {
                    raw: Some(6.5 - i as f64),
                    points: Some(50.0),
                    ..BreakdownItem::default()
                };
                items
            ],
        })
        .collect();
    let run = EvaluationRun {
        scheme: "RACE".into(),
        period: p(period),
        scheme_year: 2024,
        scheme_version: 1,
        previous_period: None,
        population: rows.len() as u32,
        ranked: rows.len() as u32,
        meta: meta(),
        computed_at: ctx().at,
    };
    s.replace_evaluation(&run, &rows).await.unwrap();
}

/// A user of `role` seeing `members` only.
fn user(role: Role, members: &[EntityId]) -> Principal {
    Principal {
        user_id: 7,
        login: "t".into(),
        name: "测试".into(),
        role,
        unit: members[0],
        unit_name: "渝中区".into(),
        scope: Arc::new(Scope::new(members[0], members.iter().copied())),
    }
}

fn page(limit: u32, offset: u64) -> LeagueQuery {
    LeagueQuery {
        period: None,
        cohort: None,
        grade: None,
        rows: Rows::Page(Page::new(limit, offset)),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_reads_the_rows_of_their_subtree_with_the_overall_ranks() {
    on_both(|store| async move {
        let s = store.as_ref();
        let ids = seed(s).await;
        store_run(s, &ids, "2024Q1", 1).await;
        store_run(s, &ids, "2024Q2", 1).await;
        let system = Principal::system();

        let all = results::league(s, &system, "race", &page(500, 0))
            .await
            .unwrap();
        assert_eq!(all.run.period, p("2024Q2"), "the latest period by default");
        assert_eq!(all.periods, [p("2024Q1"), p("2024Q2")]);
        assert_eq!((all.rows.len(), all.total, all.scoped), (4, 4, false));
        assert_eq!(all.scheme.name, "赛马");
        assert_eq!(all.meta().scheme_name, "赛马（当期）");

        // A league is public among its participants (晾晒): 渝中 and 江北's leader sees it whole.
        let district = user(Role::Leader, &[ids[1], ids[3]]);
        let public = results::league(s, &district, "RACE", &page(500, 0))
            .await
            .unwrap();
        assert_eq!((public.total, public.scoped), (4, false));
        // A caller taking no part sees nothing of it.
        let outsider = user(Role::Leader, &[EntityId(9999)]);
        let none = results::league(s, &outsider, "RACE", &page(500, 0))
            .await
            .unwrap();
        assert_eq!(none.total, 0);

        // A scheme shown to each participant as its own row only (screens.toml own_row_only):
        // 渝中 and 江北 only, paged over what the caller sees, ranks unchanged.
        let screens = yiping_app::config::shipped_text(yiping_app::config::SCREENS)
            .unwrap()
            .replacen("own_row_only = []", "own_row_only = [\"RACE\"]", 1);
        assert!(screens.contains("own_row_only = [\"RACE\"]"));
        let set = yiping_app::config::ConfigSet::new().with(yiping_app::config::SCREENS, screens);
        yiping_app::config::apply(s, &system, set, false, Utc::now())
            .await
            .unwrap();
        let first = results::league(s, &district, "RACE", &page(1, 0))
            .await
            .unwrap();
        assert_eq!((first.total, first.scoped), (2, true));
        assert_eq!(first.rows[0].entity, ids[1]);
        assert_eq!(first.rows[0].rank, Some(2));
        let second = results::league(s, &district, "RACE", &page(1, 1))
            .await
            .unwrap();
        assert_eq!(second.rows[0].rank, Some(4));
        let b = LeagueQuery {
            grade: Some("B".into()),
            ..page(500, 0)
        };
        let graded = results::league(s, &district, "RACE", &b).await.unwrap();
        assert_eq!(
            graded.rows.iter().map(|r| r.entity).collect::<Vec<_>>(),
            [ids[3]]
        );
        let whole = LeagueQuery {
            rows: Rows::All,
            ..page(1, 0)
        };
        let whole = results::league(s, &district, "RACE", &whole).await.unwrap();
        assert_eq!(whole.rows.len(), 2);

        // One entity: inside the subtree with its breakdown, outside refused.
        let one = results::entity_result(s, &district, "RACE", ids[1], Some(p("2024Q1")))
            .await
            .unwrap();
        let lines = one.breakdown();
        assert_eq!(lines[0].name, "地区生产总值增速");
        assert_eq!(
            lines[0].measure,
            Some(5.5),
            "the raw value when nothing was derived"
        );
        assert_eq!(lines[0].weighted, Some(20.0));
        let refused = results::entity_result(s, &district, "RACE", ids[0], None).await;
        assert!(
            matches!(
                refused,
                Err(AppError::Forbidden(AccessError::OutOfScope { .. }))
            ),
            "{refused:?}"
        );

        // History by key (as the pages name it) or by id.
        let h = results::history(s, &district, "RACE", Subject::Key("500103"))
            .await
            .unwrap();
        assert_eq!((h.entity, h.name.as_str()), (ids[1], "渝中区"));
        assert_eq!(h.entries.len(), 2);
        assert_eq!(h.entries[1].grade_rgb(), Some(Rgb(0x63_BE_7B)));
        let other = results::history(s, &district, "RACE", Subject::Key("500101")).await;
        assert!(matches!(other, Err(AppError::Forbidden(_))), "{other:?}");
        let nobody = results::history(s, &district, "RACE", Subject::Key("999999")).await;
        assert!(matches!(nobody, Err(AppError::NotFound(_))), "{nobody:?}");
        let by_id = results::history(s, &system, "RACE", Subject::Id(ids[2]))
            .await
            .unwrap();
        assert_eq!(by_id.name, "大渡口区");

        // A role without the capability reads nothing; unknown names are not found.
        let firm = user(Role::Enterprise, &[ids[1]]);
        let r = results::league(s, &firm, "RACE", &page(10, 0)).await;
        assert!(
            matches!(r, Err(AppError::Forbidden(AccessError::Role { .. }))),
            "{r:?}"
        );
        assert!(results::schemes(s, &firm).await.is_err());
        let r = results::league(s, &system, "NOPE", &page(10, 0)).await;
        assert!(matches!(r, Err(AppError::NotFound(m)) if m.contains("NOPE")));
        let q4 = LeagueQuery {
            period: Some(p("2024Q4")),
            ..page(10, 0)
        };
        let r = results::league(s, &system, "RACE", &q4).await;
        assert!(matches!(r, Err(AppError::NotFound(m)) if m.contains("2024年四季度")));

        let listed = results::schemes(s, &district).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].runs.len(), 2);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_breakdown_out_of_line_with_its_items_is_a_corrupt_row() {
    on_both(|store| async move {
        let s = store.as_ref();
        let ids = seed(s).await;
        store_run(s, &ids, "2024Q1", 2).await;
        let r = results::league(s, &Principal::system(), "RACE", &page(10, 0)).await;
        let Err(AppError::Store(StoreError::Corrupt { message })) = r else {
            panic!("expected a corrupt row, got {r:?}");
        };
        for part in ["RACE", "2024Q1", &ids[0].0.to_string(), "500101"] {
            assert!(message.contains(part), "{part} missing from “{message}”");
        }
    })
    .await;
}
