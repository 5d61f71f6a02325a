//! Conformance scenarios for schemes and stored evaluation results.

use chrono::{TimeZone, Utc};
use yiping_eval::scheme::MeasureKind;
use yiping_eval::{GradeChange, GrowthSource, RankMove};
use yiping_kernel::{
    EntityCode, EntityId, EntityKind, Frequency, IndicatorCode, NewEntity, Period,
};

use super::{BoxFut, ctx};
use yiping_store::{
    BreakdownItem, ColourDef, EntityChange, EntityUpsert, EvaluationRow, EvaluationRun, GradeDef,
    ItemDef, NewScheme, Page, ResultFilter, Rgb, RunMeta, Store, StoreError,
};

fn p(code: &str) -> Period {
    Period::parse_code(code).unwrap()
}

fn scheme(code: &str, year: i32, source: &str) -> NewScheme {
    NewScheme {
        code: code.to_string(),
        year,
        name: format!("{code}方案"),
        frequency: Frequency::Quarter,
        source: source.to_string(),
    }
}

pub(super) fn schemes_versions(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        assert!(s.schemes().await.unwrap().is_empty());
        let text = "code = \"RACE\"\n# 赛马比拼\n";
        let (stored, change) = s
            .upsert_scheme(&scheme("RACE", 2024, text), &ctx("方案"))
            .await
            .unwrap();
        assert_eq!(change, EntityChange::Inserted);
        assert_eq!((stored.version, stored.source.as_str()), (1, text));
        let (_, change) = s
            .upsert_scheme(&scheme("RACE", 2024, text), &ctx("方案"))
            .await
            .unwrap();
        assert_eq!(change, EntityChange::Unchanged);
        let changed = format!("{text}# 权重调整\n");
        let (stored, change) = s
            .upsert_scheme(&scheme("RACE", 2024, &changed), &ctx("方案"))
            .await
            .unwrap();
        assert_eq!((change, stored.version), (EntityChange::Updated, 2));
        s.upsert_scheme(&scheme("RACE", 2023, text), &ctx("方案"))
            .await
            .unwrap();
        s.upsert_scheme(&scheme("CARD", 2024, text), &ctx("方案"))
            .await
            .unwrap();
        let all = s.schemes().await.unwrap();
        let keys: Vec<(&str, i32, i64)> = all
            .iter()
            .map(|x| (x.code.as_str(), x.year, x.version))
            .collect();
        assert_eq!(
            keys,
            [("CARD", 2024, 1), ("RACE", 2023, 1), ("RACE", 2024, 2)]
        );
        let race = &all[2];
        assert_eq!(race.source, changed);
        assert_eq!(race.frequency, Frequency::Quarter);
        assert_eq!(race.changed_by, "测试员");
        assert_eq!(race.name, "RACE方案");
        assert!(
            s.upsert_scheme(&scheme(" ", 2024, text), &ctx("方案"))
                .await
                .is_err()
        );
    })
}

/// `n` firms, ids in key order.
async fn firms(s: &dyn Store, n: usize) -> Vec<EntityId> {
    let items: Vec<EntityUpsert> = (0..n)
        .map(|i| {
            EntityUpsert::new(
                NewEntity::new(
                    EntityKind::Enterprise,
                    Some(EntityCode::parse(&format!("91500000TEST{i:05}")).unwrap()),
                    &format!("测试企业{i:05}"),
                    3,
                )
                .unwrap(),
            )
        })
        .collect();
    s.upsert_entities(&items, &ctx("企业"))
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// Metadata with every kind of field: optional labels, a composite item without an indicator,
/// a measure with parameters, a missing divisor.
fn meta() -> RunMeta {
    let grade = |name: &str, label: Option<&str>, rgb| GradeDef {
        name: name.to_string(),
        label: label.map(str::to_string),
        rgb: Rgb(rgb),
    };
    RunMeta {
        scheme_name: "亩均论英雄".into(),
        frequency: Frequency::Year,
        grades: vec![
            grade("A", Some("优先发展类"), 0x63_BE_7B),
            grade("B", None, 0xFF_EB_9C),
            grade("C", None, 0xF8_69_6B),
        ],
        grade_suffix: "类".into(),
        colours: vec![ColourDef {
            name: "绿".into(),
            meaning: "高于全区".into(),
            rgb: Rgb(0x91_CF_60),
        }],
        cohorts: vec!["甲组".into(), "乙组".into()],
        items: vec![
            ItemDef {
                id: "tax".into(),
                name: "亩均税收".into(),
                indicator: Some(IndicatorCode::parse("TAX_PER_MU").unwrap()),
                measure: MeasureKind::Growth,
                unit: "万元/亩".into(),
                decimals: 2,
                weight: 40.0,
                divisor: Some(100.0),
            },
            ItemDef {
                id: "card".into(),
                name: "经济报表".into(),
                indicator: None,
                measure: MeasureKind::SchemeScore {
                    scheme: "CARD_ECONOMY".into(),
                },
                unit: String::new(),
                decimals: 1,
                weight: 60.5,
                divisor: None,
            },
        ],
        score_label: "综合得分".into(),
        scope_label: "全区".into(),
        score_decimals: Some(2),
    }
}

fn run(scheme: &str, period: &str, rows: &[EvaluationRow]) -> EvaluationRun {
    EvaluationRun {
        scheme: scheme.to_string(),
        period: p(period),
        scheme_year: 2024,
        scheme_version: 3,
        previous_period: Some(p("2023")),
        population: rows.len() as u32,
        ranked: rows.iter().filter(|r| r.rank.is_some()).count() as u32,
        meta: meta(),
        computed_at: Utc.with_ymd_and_hms(2024, 10, 21, 9, 30, 0).unwrap(),
    }
}

/// Rows for `ids` in league order: every 7th firm is excluded (no score, no rank) and goes last.
fn rows(ids: &[EntityId], salt: f64) -> Vec<EvaluationRow> {
    let (ranked, excluded): (Vec<usize>, Vec<usize>) = (0..ids.len()).partition(|i| i % 7 != 3);
    let n = ranked.len();
    let mut out = Vec::with_capacity(ids.len());
    for (pos, &i) in ranked.iter().chain(&excluded).enumerate() {
        let is_ranked = pos < n;
        let rank = is_ranked.then_some(pos as u32 + 1);
        let moves = [
            RankMove::Up(3),
            RankMove::Down(2),
            RankMove::Same,
            RankMove::New,
        ];
        out.push(EvaluationRow {
            entity: ids[i],
            entity_key: format!("91500000TEST{i:05}"),
            entity_name: format!("测试企业{i:05}"),
            position: pos as u32,
            score: rank.map(|r| 100.0 - f64::from(r) / 3.0 + salt),
            rank,
            cohort: Some(if i % 2 == 0 { "甲组" } else { "乙组" }.to_string()),
            cohort_rank: rank.map(|r| r.div_ceil(2)),
            grade: rank.map(|r| ["A", "B", "C"][(r as usize * 3 - 1) / n].to_string()),
            colour: rank.map(|_| "绿".to_string()),
            rank_change: rank.map(|r| moves[r as usize % 4]),
            cohort_rank_change: rank.and_then(|r| (r % 3 == 0).then_some(RankMove::Up(1))),
            grade_change: rank.map(|r| {
                [
                    GradeChange::Up,
                    GradeChange::Down,
                    GradeChange::Same,
                    GradeChange::New,
                ][r as usize % 4]
            }),
            exempt: i % 11 == 0,
            excluded: !is_ranked,
            explanation: if is_ranked {
                format!("综合得分，居全区第{}位", pos + 1)
            } else {
                "缺少亩均税收数据，未参加评价".to_string()
            },
            breakdown: vec![
                BreakdownItem {
                    raw: Some(i as f64 + 0.5),
                    derived: (i % 2 == 0).then_some(-1.25),
                    points: Some(1.0 / 3.0),
                    growth: Some(GrowthSource::Derived),
                    missing: false,
                },
                BreakdownItem {
                    raw: rank.map(f64::from),
                    points: rank.map(|_| 0.0),
                    missing: rank.is_none(),
                    ..BreakdownItem::default()
                },
            ],
        });
    }
    out
}

pub(super) fn evaluations_replace_and_page(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let ids = firms(s, 2100).await;
        let all = ResultFilter::default();
        assert!(
            s.evaluation("MUJUN", p("2024"), &all, Page::default())
                .await
                .unwrap()
                .is_none()
        );
        let rs = rows(&ids, 0.0);
        let header = run("MUJUN", "2024", &rs);
        s.replace_evaluation(&header, &rs).await.unwrap();

        let page = s
            .evaluation("MUJUN", p("2024"), &all, Page::new(100, 0))
            .await
            .unwrap()
            .expect("stored");
        assert_eq!(page.run, header);
        assert_eq!(page.rows.total, 2100);
        assert_eq!(page.rows.items, rs[..100].to_vec(), "rows round trip");
        let last = s
            .evaluation("MUJUN", p("2024"), &all, Page::new(100, 2050))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(last.rows.items, rs[2050..].to_vec());
        assert!(
            last.rows
                .items
                .iter()
                .all(|r| r.excluded && r.rank.is_none())
        );

        let cohort = ResultFilter {
            cohort: Some("甲组".into()),
            ..Default::default()
        };
        let page = s
            .evaluation("MUJUN", p("2024"), &cohort, Page::new(5000, 0))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(page.rows.total as usize, ids.len().div_ceil(2));
        assert!(
            page.rows
                .items
                .windows(2)
                .all(|w| w[0].position < w[1].position)
        );
        let grade_a = ResultFilter {
            grade: Some("A".into()),
            ..Default::default()
        };
        let n_a = rs
            .iter()
            .filter(|r| r.grade.as_deref() == Some("A"))
            .count();
        let page = s
            .evaluation("MUJUN", p("2024"), &grade_a, Page::new(10, 0))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(page.rows.total as usize, n_a);
        let one = ResultFilter {
            entity: Some(ids[42]),
            ..Default::default()
        };
        let page = s
            .evaluation("MUJUN", p("2024"), &one, Page::default())
            .await
            .unwrap()
            .unwrap();
        let expected: Vec<_> = rs.iter().filter(|r| r.entity == ids[42]).cloned().collect();
        assert_eq!(page.rows.items, expected);

        let slice = s.evaluation_slice("MUJUN", p("2024")).await.unwrap();
        assert_eq!(slice.len(), 2100);
        assert_eq!(slice[0].entity, rs[0].entity);
        assert_eq!(
            slice[0].score.map(f64::to_bits),
            rs[0].score.map(f64::to_bits)
        );
        assert_eq!(
            (slice[0].rank, slice[0].grade.as_deref()),
            (Some(1), Some("A"))
        );
        assert!(
            s.evaluation_slice("MUJUN", p("2022"))
                .await
                .unwrap()
                .is_empty()
        );

        // Replacing keeps nothing of the old rows.
        let fewer = rows(&ids[..10], 1.0);
        s.replace_evaluation(&run("MUJUN", "2024", &fewer), &fewer)
            .await
            .unwrap();
        let page = s
            .evaluation("MUJUN", p("2024"), &all, Page::default())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(page.rows.items, fewer);
        assert_eq!((page.run.population, page.run.ranked), (10, 9));

        // Runs come back by scheme, then in time.
        for period in ["2024Q1", "2023"] {
            let r = rows(&ids[..3], 0.0);
            s.replace_evaluation(&run("MUJUN", period, &r), &r)
                .await
                .unwrap();
        }
        let r = rows(&ids[..3], 0.0);
        s.replace_evaluation(&run("AAA", "2024H1", &r), &r)
            .await
            .unwrap();
        let order: Vec<(String, String)> = s
            .evaluation_runs(None)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.scheme.clone(), r.period.code()))
            .collect();
        let want = [
            ("AAA", "2024H1"),
            ("MUJUN", "2023"),
            ("MUJUN", "2024Q1"),
            ("MUJUN", "2024"),
        ];
        assert_eq!(order, want.map(|(a, b)| (a.to_string(), b.to_string())));
        assert_eq!(s.evaluation_runs(Some("AAA")).await.unwrap().len(), 1);
    })
}

pub(super) fn evaluation_history_and_atomicity(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let ids = firms(s, 12).await;
        for (period, salt) in [("2024", 2.0), ("2022", 0.0), ("2023", 1.0)] {
            let r = rows(&ids, salt);
            s.replace_evaluation(&run("MUJUN", period, &r), &r)
                .await
                .unwrap();
        }
        let h = s.evaluation_history("MUJUN", ids[5]).await.unwrap();
        let periods: Vec<String> = h.iter().map(|e| e.period.code()).collect();
        assert_eq!(periods, ["2022", "2023", "2024"]);
        let want = rows(&ids, 1.0)
            .into_iter()
            .find(|r| r.entity == ids[5])
            .unwrap();
        assert_eq!(h[1].row, want);
        assert!(
            s.evaluation_history("OTHER", ids[5])
                .await
                .unwrap()
                .is_empty()
        );

        // A replacement that fails half-way (an unknown entity) leaves the stored rows alone.
        let mut bad = rows(&ids, 9.0);
        bad[11].entity = EntityId(987_654_321);
        assert!(
            s.replace_evaluation(&run("MUJUN", "2024", &bad), &bad)
                .await
                .is_err()
        );
        let page = s
            .evaluation(
                "MUJUN",
                p("2024"),
                &ResultFilter::default(),
                Page::default(),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(page.rows.items, rows(&ids, 2.0));
    })
}

/// Raw SQL run on the backend's own database (tests only): how a scenario plants a row that the
/// store itself would never write.
pub type RawSql = dyn Fn(String) -> BoxFut<'static> + Send + Sync;

fn corrupt_message(e: StoreError) -> String {
    match e {
        StoreError::Corrupt { message } => message,
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

/// A stored header or row whose JSON does not decode is `Corrupt` on every read that meets it,
/// naming the scheme, the period and (for a row) the entity; the other rows still read.
pub fn corrupt_results_are_named<'a>(s: &'a dyn Store, sql: &'a RawSql) -> BoxFut<'a> {
    Box::pin(async move {
        let ids = firms(s, 4).await;
        let rs = rows(&ids, 0.0);
        s.replace_evaluation(&run("MUJUN", "2024", &rs), &rs)
            .await
            .unwrap();
        let bad = ids[2];
        sql(format!(
            r#"UPDATE evaluation_results SET breakdown = '[{{"raw":"x"}}]' WHERE entity_id = {}"#,
            bad.0
        ))
        .await;
        let all = ResultFilter::default();
        let m = corrupt_message(
            s.evaluation("MUJUN", p("2024"), &all, Page::default())
                .await
                .unwrap_err(),
        );
        for part in ["MUJUN", "2024", &bad.0.to_string(), "分项明细"] {
            assert!(m.contains(part), "{part} missing from “{m}”");
        }
        let m = corrupt_message(s.evaluation_history("MUJUN", bad).await.unwrap_err());
        assert!(m.contains("MUJUN") && m.contains(&bad.0.to_string()), "{m}");
        let good = ResultFilter {
            entity: Some(ids[0]),
            ..Default::default()
        };
        let page = s
            .evaluation("MUJUN", p("2024"), &good, Page::default())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(page.rows.items.len(), 1, "the other rows still read");

        // A header whose colour is not #RRGGBB.
        sql(r##"UPDATE evaluations SET meta = REPLACE(meta, '#91CF60', 'green') WHERE scheme_code = 'MUJUN'"##.to_string())
            .await;
        let m = corrupt_message(
            s.evaluation("MUJUN", p("2024"), &good, Page::default())
                .await
                .unwrap_err(),
        );
        for part in ["MUJUN", "2024", "元数据", "green"] {
            assert!(m.contains(part), "{part} missing from “{m}”");
        }
        let m = corrupt_message(s.evaluation_runs(Some("MUJUN")).await.unwrap_err());
        assert!(m.contains("MUJUN") && m.contains("2024"), "{m}");
    })
}
