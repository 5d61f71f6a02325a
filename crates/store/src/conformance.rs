//! The conformance suite: the same scenarios, run against every backend on a fresh, empty store.
//! A backend's test calls [`scenarios`] and runs each one on a new database. Scenarios panic with a
//! message on failure, like tests.

use std::future::Future;
use std::pin::Pin;

use chrono::{NaiveDate, TimeZone, Utc};
use yiping_kernel::{
    EntityCode, EntityId, EntityKind, IndicatorKind, Measure, NewEntity, NewIndicator,
    ObservationKey, ObservationStatus, ObservationValue, Period, Polarity, Target, TargetKind,
};

use crate::{
    ApplyOptions, ChangeContext, EntityChange, EntityFilter, EntityUpsert, ObservationFilter, Page,
    ParentRef, Store, StoreError, TargetFilter,
};

mod evaluations;
mod work_items;

pub type BoxFut<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
pub type Scenario = for<'a> fn(&'a dyn Store) -> BoxFut<'a>;

/// Every scenario, by name.
pub fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        (
            "entities_round_trip_with_tree_and_history",
            entities_round_trip,
        ),
        ("entity_lists_filter_and_page", entity_lists_filter_and_page),
        ("indicators_round_trip_and_update", indicators_round_trip),
        (
            "observations_insert_update_audit_and_dry_run",
            observations_lifecycle,
        ),
        (
            "observation_batches_are_all_or_nothing",
            observations_atomic,
        ),
        ("observation_lists_filter_and_page", observation_lists),
        ("targets_round_trip", targets_round_trip),
        ("values_round_trip_bit_for_bit", values_round_trip),
        ("schemes_versions_round_trip", evaluations::schemes_versions),
        (
            "evaluations_replace_page_and_filter",
            evaluations::evaluations_replace_and_page,
        ),
        (
            "evaluation_history_and_atomic_replace",
            evaluations::evaluation_history_and_atomicity,
        ),
        (
            "work_items_round_trip_and_filters",
            work_items::round_trip_and_filters,
        ),
        ("work_items_fan_out_children", work_items::fan_out_children),
        (
            "work_items_racing_tasks_one_winner_per_version",
            work_items::racing_tasks,
        ),
    ]
}

fn ctx(source: &str) -> ChangeContext {
    ChangeContext::new(
        "测试员",
        source,
        Utc.with_ymd_and_hms(2024, 10, 21, 9, 30, 0).unwrap(),
    )
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn region(code: Option<&str>, name: &str, level: u8) -> NewEntity {
    NewEntity::new(
        EntityKind::Region,
        code.map(|c| EntityCode::parse(c).unwrap()),
        name,
        level,
    )
    .unwrap()
}

/// City → 2 districts → a town that moved from the first district to the second on 2016-06-01.
async fn seed_tree(s: &dyn Store) -> Vec<EntityId> {
    let items = vec![
        EntityUpsert::new(region(Some("500000"), "重庆市", 1).with_aliases(["全市"])),
        EntityUpsert::new(
            region(Some("500155"), "梁平区", 2)
                .with_aliases(["梁平", "梁平县"])
                .with_groups(["渝东北"])
                .with_attr("land_area_km2", serde_json::json!(1892.0)),
        )
        .with_parent(ParentRef::Earlier(0)),
        EntityUpsert::new(
            region(None, "两江新区", 2)
                .with_aliases(["两江"])
                .with_groups(["主城都市区"]),
        )
        .with_parent(ParentRef::Earlier(0)),
        EntityUpsert {
            entity: region(Some("500155001"), "梁山街道", 3),
            parents: vec![
                (ParentRef::Earlier(2), None, Some(d(2016, 6, 1))),
                (ParentRef::Earlier(1), Some(d(2016, 6, 1)), None),
            ],
        },
    ];
    let out = s
        .upsert_entities(&items, &ctx("种子"))
        .await
        .expect("upsert tree");
    assert_eq!(out.len(), 4);
    assert!(
        out.iter().all(|(_, c)| *c == EntityChange::Inserted),
        "{out:?}"
    );
    out.into_iter().map(|(id, _)| id).collect()
}

fn entities_round_trip(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let ids = seed_tree(s).await;
        let liangping = s.entity(ids[1]).await.unwrap().expect("stored");
        assert_eq!(liangping.data.name, "梁平区");
        assert_eq!(liangping.data.code.as_ref().unwrap().as_str(), "500155");
        let mut aliases = liangping.data.aliases.clone();
        aliases.sort();
        assert_eq!(aliases, vec!["梁平".to_string(), "梁平县".to_string()]);
        assert_eq!(liangping.data.groups, vec!["渝东北".to_string()]);
        assert_eq!(
            liangping.data.attrs["land_area_km2"],
            serde_json::json!(1892.0)
        );
        assert_eq!(liangping.current_parent(), Some(ids[0]));

        let town = s.entity(ids[3]).await.unwrap().unwrap();
        assert_eq!(town.parent_at(d(2015, 1, 1)), Some(ids[2]));
        assert_eq!(town.parent_at(d(2020, 1, 1)), Some(ids[1]));

        // The subtree follows the links valid on the date.
        let mut before = s.subtree(ids[2], d(2015, 1, 1)).await.unwrap();
        before.sort();
        assert_eq!(before, vec![ids[2], ids[3]]);
        assert_eq!(
            s.subtree(ids[2], d(2020, 1, 1)).await.unwrap(),
            vec![ids[2]]
        );
        assert_eq!(s.subtree(ids[0], d(2020, 1, 1)).await.unwrap().len(), 4);

        // Upserting the same again changes nothing; a renamed alias set is an update.
        let again = vec![
            EntityUpsert::new(
                region(Some("500155"), "梁平区", 2)
                    .with_aliases(["梁平", "梁平县"])
                    .with_groups(["渝东北"])
                    .with_attr("land_area_km2", serde_json::json!(1892.0)),
            )
            .with_parent(ParentRef::Existing(ids[0])),
        ];
        let out = s.upsert_entities(&again, &ctx("再次")).await.unwrap();
        assert_eq!(out, vec![(ids[1], EntityChange::Unchanged)]);
        let changed = vec![
            EntityUpsert::new(region(Some("500155"), "梁平区", 2).with_aliases(["梁平"]))
                .with_parent(ParentRef::Existing(ids[0])),
        ];
        let out = s.upsert_entities(&changed, &ctx("修改")).await.unwrap();
        assert_eq!(out, vec![(ids[1], EntityChange::Updated)]);
        let e = s.entity(ids[1]).await.unwrap().unwrap();
        assert_eq!(e.data.aliases, vec!["梁平".to_string()]);
        assert!(e.data.groups.is_empty());

        // A parent that does not exist is refused and nothing is written.
        let bad = vec![
            EntityUpsert::new(region(Some("500156"), "武隆区", 2)),
            EntityUpsert::new(region(Some("500229"), "城口县", 2))
                .with_parent(ParentRef::Existing(EntityId(987_654))),
        ];
        let err = s.upsert_entities(&bad, &ctx("坏")).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Invalid { .. } | StoreError::NotFound { .. }
            ),
            "{err:?}"
        );
        assert_eq!(
            s.all_entities().await.unwrap().len(),
            4,
            "the failed batch left rows behind"
        );
        assert!(s.entity(EntityId(987_654)).await.unwrap().is_none());
    })
}

fn entity_lists_filter_and_page(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let ids = seed_tree(s).await;
        let firm = NewEntity::new(
            EntityKind::Enterprise,
            Some(EntityCode::parse("91500000TEST00001X").unwrap()),
            "重庆测试科技有限公司",
            9,
        )
        .unwrap()
        .with_groups(["规上", "专精特新"]);
        s.upsert_entities(
            &[EntityUpsert::new(firm).with_parent(ParentRef::Existing(ids[1]))],
            &ctx("企业"),
        )
        .await
        .unwrap();

        let all = s
            .entities(&EntityFilter::default(), Page::default())
            .await
            .unwrap();
        assert_eq!(all.total, 5);
        let regions = s
            .entities(
                &EntityFilter {
                    kind: Some(EntityKind::Region),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(regions.total, 4);
        let level2 = s
            .entities(
                &EntityFilter {
                    level: Some(2),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(level2.total, 2);
        let children = s
            .entities(
                &EntityFilter {
                    parent: Some(ids[0]),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(children.total, 2);
        let sub = s
            .entities(
                &EntityFilter {
                    subtree: Some(ids[1]),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(sub.total, 3, "梁平区, its town (now) and the firm");
        let tagged = s
            .entities(
                &EntityFilter {
                    group: Some("专精特新".into()),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(tagged.items.len(), 1);
        assert_eq!(tagged.items[0].data.kind, EntityKind::Enterprise);
        let by_alias = s
            .entities(
                &EntityFilter {
                    name_contains: Some("梁平县".into()),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(by_alias.items.len(), 1);

        let p1 = s
            .entities(&EntityFilter::default(), Page::new(2, 0))
            .await
            .unwrap();
        let p3 = s
            .entities(&EntityFilter::default(), Page::new(2, 4))
            .await
            .unwrap();
        assert_eq!((p1.items.len(), p1.total, p3.items.len()), (2, 5, 1));
        let mut seen: Vec<EntityId> = Vec::new();
        for off in [0, 2, 4] {
            seen.extend(
                s.entities(&EntityFilter::default(), Page::new(2, off))
                    .await
                    .unwrap()
                    .items
                    .iter()
                    .map(|e| e.id),
            );
        }
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 5, "pages overlap or miss rows");
    })
}

fn gdp() -> NewIndicator {
    let mut i = NewIndicator::new("GDP", "地区生产总值", "亿元")
        .unwrap()
        .with_aliases(["GDP总量"]);
    i.definition = "按当年价格计算的地区生产总值".into();
    i.owner_department = Some("市统计局".into());
    i.constraint = Some("预期性".into());
    i
}

fn rd() -> NewIndicator {
    let mut i = NewIndicator::new("RD_INTENSITY", "研发投入强度", "%")
        .unwrap()
        .with_decimals(2)
        .unwrap();
    i.kind = IndicatorKind::Rate;
    i.formula = Some("RD / GDP * 100".into());
    i.frequency = yiping_kernel::Frequency::Year;
    i
}

fn indicators_round_trip(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let r = s
            .upsert_indicators(&[gdp(), rd()], &ctx("指标"))
            .await
            .unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged), (2, 0, 0));
        let all = s.indicators().await.unwrap();
        assert_eq!(all.len(), 2);
        let g = all.iter().find(|i| i.data.code.as_str() == "GDP").unwrap();
        assert_eq!(g.data, gdp());
        let r2 = all
            .iter()
            .find(|i| i.data.code.as_str() == "RD_INTENSITY")
            .unwrap();
        assert_eq!(r2.data, rd());

        let mut changed = gdp();
        changed.polarity = Polarity::LowerBetter;
        changed.aliases = vec!["生产总值".into()];
        let r = s
            .upsert_indicators(&[changed.clone(), rd()], &ctx("指标"))
            .await
            .unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 1));
        let again = s.indicators().await.unwrap();
        let g2 = again
            .iter()
            .find(|i| i.data.code.as_str() == "GDP")
            .unwrap();
        assert_eq!(g2.id, g.id, "an update keeps the id");
        assert_eq!(g2.data, changed);
    })
}

async fn seed_obs_world(s: &dyn Store) -> (Vec<EntityId>, yiping_kernel::IndicatorId) {
    let ids = seed_tree(s).await;
    s.upsert_indicators(&[gdp()], &ctx("指标")).await.unwrap();
    let g = s
        .indicators()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.data.code.as_str() == "GDP")
        .unwrap()
        .id;
    (ids, g)
}

fn key(e: EntityId, i: yiping_kernel::IndicatorId, p: &str, m: Measure) -> ObservationKey {
    ObservationKey {
        entity: e,
        indicator: i,
        period: Period::parse_code(p).unwrap(),
        measure: m,
    }
}

fn val(x: f64) -> ObservationValue {
    ObservationValue::new(x, ObservationStatus::Submitted).unwrap()
}

fn observations_lifecycle(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let (ids, g) = seed_obs_world(s).await;
        let batch = vec![
            (key(ids[0], g, "2023", Measure::Value), val(30145.79)),
            (key(ids[0], g, "2023", Measure::Growth), val(6.1)),
            (key(ids[1], g, "2023", Measure::Value), val(0.1 + 0.2)),
            (key(ids[2], g, "2024Q1", Measure::Growth), val(-3.25)),
        ];
        let dry = s
            .apply_observations(&batch, &ctx("a.csv"), ApplyOptions::dry_run())
            .await
            .unwrap();
        assert_eq!(
            (dry.inserted, dry.updated, dry.unchanged, dry.dry_run),
            (4, 0, 0, true)
        );
        assert_eq!(
            s.observations(&ObservationFilter::default(), Page::default())
                .await
                .unwrap()
                .total,
            0,
            "dry run wrote"
        );

        let r = s
            .apply_observations(&batch, &ctx("a.csv"), ApplyOptions::write())
            .await
            .unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged), (4, 0, 0));
        let r = s
            .apply_observations(&batch, &ctx("a.csv"), ApplyOptions::write())
            .await
            .unwrap();
        assert_eq!(
            (r.inserted, r.updated, r.unchanged),
            (0, 0, 4),
            "re-import must change nothing"
        );

        // Values come back bit for bit.
        let all = s
            .observations(&ObservationFilter::default(), Page::default())
            .await
            .unwrap();
        assert_eq!(all.total, 4);
        let got = all.items.iter().find(|o| o.key == batch[2].0).unwrap();
        assert_eq!(got.value.value().to_bits(), (0.1f64 + 0.2).to_bits());
        assert_eq!(got.revision, 1);
        assert_eq!(got.source, "a.csv");
        assert_eq!(got.changed_by, "测试员");

        // A changed value is a new revision with the old value in the audit table.
        let changed = vec![(batch[0].0, val(30145.8)), (batch[1].0, val(6.1))];
        let dry = s
            .apply_observations(&changed, &ctx("b.xlsx"), ApplyOptions::dry_run())
            .await
            .unwrap();
        assert_eq!((dry.inserted, dry.updated, dry.unchanged), (0, 1, 1));
        assert_eq!(dry.sample_updates[0].old.value(), 30145.79);
        let still = s.audit(&batch[0].0, Page::default()).await.unwrap();
        assert_eq!(still.total, 0, "dry run wrote an audit entry");
        let r = s
            .apply_observations(&changed, &ctx("b.xlsx"), ApplyOptions::write())
            .await
            .unwrap();
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 1));
        let o = s
            .observations(
                &ObservationFilter {
                    entities: Some(vec![ids[0]]),
                    measure: Some(Measure::Value),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(o.items.len(), 1);
        assert_eq!(
            (
                o.items[0].value.value(),
                o.items[0].revision,
                o.items[0].source.as_str()
            ),
            (30145.8, 2, "b.xlsx")
        );
        let trail = s.audit(&batch[0].0, Page::default()).await.unwrap();
        assert_eq!(trail.total, 1);
        let a = &trail.items[0];
        assert_eq!(
            (a.old_value, a.new_value, a.revision),
            (Some(30145.79), 30145.8, 2)
        );
        assert_eq!(
            (a.changed_by.as_str(), a.source.as_str()),
            ("测试员", "b.xlsx")
        );

        // A status change alone is a revision too.
        let approved = ObservationValue::new(30145.8, ObservationStatus::Approved).unwrap();
        let r = s
            .apply_observations(
                &[(batch[0].0, approved)],
                &ctx("审核"),
                ApplyOptions::write(),
            )
            .await
            .unwrap();
        assert_eq!(r.updated, 1);
        let trail = s.audit(&batch[0].0, Page::default()).await.unwrap();
        assert_eq!(trail.total, 2);
        assert_eq!(
            trail.items[0].new_status,
            ObservationStatus::Approved,
            "newest first"
        );
        assert_eq!(
            trail.items[0].old_status,
            Some(ObservationStatus::Submitted)
        );

        // Without stated statuses, the same value keeps its approval; a new value does not.
        let keep = ApplyOptions {
            status: yiping_kernel::StatusPolicy::KeepWhenValueUnchanged,
            ..ApplyOptions::write()
        };
        let r = s
            .apply_observations(&[(batch[0].0, val(30145.8))], &ctx("c.csv"), keep)
            .await
            .unwrap();
        assert_eq!(
            (r.updated, r.unchanged),
            (0, 1),
            "an approval was undone by a table without statuses"
        );
        let r = s
            .apply_observations(&[(batch[0].0, val(30146.0))], &ctx("c.csv"), keep)
            .await
            .unwrap();
        assert_eq!(r.updated, 1);
        let trail = s.audit(&batch[0].0, Page::default()).await.unwrap();
        assert_eq!(trail.items[0].new_status, ObservationStatus::Submitted);
        assert_eq!(trail.items[0].old_status, Some(ObservationStatus::Approved));
        let r = s
            .apply_observations(
                &[(batch[0].0, val(30145.8))],
                &ctx("d.csv"),
                ApplyOptions::write(),
            )
            .await
            .unwrap();
        assert_eq!(r.updated, 1);

        let slice = s
            .observation_slice(g, Period::parse_code("2023").unwrap(), Measure::Value)
            .await
            .unwrap();
        let mut slice: Vec<(EntityId, f64)> =
            slice.into_iter().map(|(e, v)| (e, v.value())).collect();
        slice.sort_by_key(|x| x.0);
        assert_eq!(slice, vec![(ids[0], 30145.8), (ids[1], 0.1 + 0.2)]);
    })
}

fn observations_atomic(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let (ids, g) = seed_obs_world(s).await;
        s.apply_observations(
            &[(key(ids[0], g, "2023", Measure::Value), val(1.0))],
            &ctx("first"),
            ApplyOptions::write(),
        )
        .await
        .unwrap();
        // The second row references an entity that does not exist: the whole batch is refused,
        // including the update of the first row.
        let batch = vec![
            (key(ids[0], g, "2023", Measure::Value), val(2.0)),
            (key(EntityId(424_242), g, "2023", Measure::Value), val(3.0)),
        ];
        assert!(
            s.apply_observations(&batch, &ctx("bad"), ApplyOptions::write())
                .await
                .is_err()
        );
        let all = s
            .observations(&ObservationFilter::default(), Page::default())
            .await
            .unwrap();
        assert_eq!(all.total, 1);
        assert_eq!(all.items[0].value.value(), 1.0);
        assert_eq!(
            s.audit(&batch[0].0, Page::default()).await.unwrap().total,
            0
        );

        // A large batch (several statement chunks) lands whole.
        let big: Vec<_> = (0..2500)
            .map(|i| {
                let p = Period::month(1950 + (i / 12), (i % 12) as u8 + 1).unwrap();
                (
                    ObservationKey {
                        entity: ids[1],
                        indicator: g,
                        period: p,
                        measure: Measure::Value,
                    },
                    val(f64::from(i) * 1.5),
                )
            })
            .collect();
        let r = s
            .apply_observations(&big, &ctx("big"), ApplyOptions::write())
            .await
            .unwrap();
        assert_eq!(r.inserted, 2500);
        let f = ObservationFilter {
            entities: Some(vec![ids[1]]),
            ..Default::default()
        };
        assert_eq!(
            s.observations(&f, Page::new(10, 0)).await.unwrap().total,
            2500
        );
    })
}

fn observation_lists(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let (ids, g) = seed_obs_world(s).await;
        let mut batch = Vec::new();
        for (i, e) in ids.iter().enumerate() {
            for p in ["2024Q1", "2024H1", "2024M01-M09"] {
                batch.push((key(*e, g, p, Measure::Value), val(i as f64 + 0.5)));
                batch.push((key(*e, g, p, Measure::Growth), val(i as f64 - 1.0)));
            }
        }
        s.apply_observations(&batch, &ctx("list"), ApplyOptions::write())
            .await
            .unwrap();
        let by_period = ObservationFilter {
            periods: Some(vec![Period::parse_code("2024M01-M09").unwrap()]),
            ..Default::default()
        };
        assert_eq!(
            s.observations(&by_period, Page::default())
                .await
                .unwrap()
                .total,
            8
        );
        let growth_q1 = ObservationFilter {
            periods: Some(vec![Period::quarter(2024, 1).unwrap()]),
            measure: Some(Measure::Growth),
            entities: Some(vec![ids[1], ids[2]]),
            indicators: Some(vec![g]),
            ..Default::default()
        };
        let r = s.observations(&growth_q1, Page::default()).await.unwrap();
        assert_eq!(r.total, 2);
        assert!(
            r.items
                .iter()
                .all(|o| o.key.measure == Measure::Growth && o.key.period.code() == "2024Q1")
        );
        let drafts = ObservationFilter {
            status: Some(ObservationStatus::Draft),
            ..Default::default()
        };
        assert_eq!(
            s.observations(&drafts, Page::default())
                .await
                .unwrap()
                .total,
            0
        );
        let page = s
            .observations(&ObservationFilter::default(), Page::new(5, 20))
            .await
            .unwrap();
        assert_eq!((page.total, page.items.len()), (24, 4));
    })
}

fn targets_round_trip(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let (ids, g) = seed_obs_world(s).await;
        let back: Vec<f64> = [2, 4, 8, 14, 22, 32, 42, 52, 64, 76, 88, 100]
            .iter()
            .map(|x| f64::from(*x) / 100.0)
            .collect();
        let targets = vec![
            Target::new(ids[1], g, 2024, TargetKind::Growth, 6.5, None).unwrap(),
            Target::new(
                ids[1],
                g,
                2024,
                TargetKind::Level,
                405.34,
                Some(back.clone()),
            )
            .unwrap(),
            Target::new(ids[2], g, 2025, TargetKind::Growth, 7.0, None).unwrap(),
        ];
        let r = s.upsert_targets(&targets, &ctx("目标")).await.unwrap();
        assert_eq!(r.inserted, 3);
        let y24 = s
            .targets(&TargetFilter {
                year: Some(2024),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(y24.len(), 2);
        let level = y24.iter().find(|t| t.kind == TargetKind::Level).unwrap();
        assert_eq!(level.schedule(), Some(back.as_slice()));
        assert_eq!(level.value, 405.34);
        let r = s
            .upsert_targets(
                &[Target::new(ids[1], g, 2024, TargetKind::Growth, 7.5, None).unwrap()],
                &ctx("目标"),
            )
            .await
            .unwrap();
        assert_eq!((r.inserted, r.updated), (0, 1));
        let t = s
            .targets(&TargetFilter {
                entity: Some(ids[1]),
                kind: Some(TargetKind::Growth),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].value, 7.5);
        // A target for an entity that does not exist is refused whole.
        let bad = vec![
            Target::new(ids[2], g, 2026, TargetKind::Growth, 1.0, None).unwrap(),
            Target::new(EntityId(99_999), g, 2026, TargetKind::Growth, 1.0, None).unwrap(),
        ];
        assert!(s.upsert_targets(&bad, &ctx("坏")).await.is_err());
        assert!(
            s.targets(&TargetFilter {
                year: Some(2026),
                ..Default::default()
            })
            .await
            .unwrap()
            .is_empty()
        );
    })
}

/// Values of every magnitude come back bit for bit, however the backend moves them in bulk.
fn values_round_trip(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let (ids, g) = seed_obs_world(s).await;
        let mut values = vec![
            0.1 + 0.2,
            1.0 / 3.0,
            -2.0 / 3.0,
            5e-324,
            1e-300,
            f64::MAX,
            f64::MIN_POSITIVE,
            9_007_199_254_740_993.0,
            30145.79,
            0.0,
            123_456_789.123_456_78,
        ];
        // A deterministic spread of mantissas and exponents.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        while values.len() < 3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mantissa = (x >> 11) as f64 / (1u64 << 53) as f64;
            let exp = (x % 40) as i32 - 20;
            let sign = if x & 1 == 0 { 1.0 } else { -1.0 };
            values.push(sign * mantissa * 10f64.powi(exp));
        }
        let batch: Vec<_> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let p = Period::month(1950 + (i / 12) as i32, (i % 12) as u8 + 1).unwrap();
                (
                    ObservationKey {
                        entity: ids[1],
                        indicator: g,
                        period: p,
                        measure: Measure::Value,
                    },
                    val(*v),
                )
            })
            .collect();
        s.apply_observations(&batch, &ctx("bits"), ApplyOptions::write())
            .await
            .unwrap();
        let f = ObservationFilter {
            entities: Some(vec![ids[1]]),
            ..Default::default()
        };
        let mut got = Vec::new();
        let mut offset = 0;
        loop {
            let page = s
                .observations(&f, Page::new(Page::MAX_LIMIT, offset))
                .await
                .unwrap();
            offset += page.items.len() as u64;
            got.extend(page.items);
            if offset >= page.total {
                break;
            }
        }
        assert_eq!(got.len(), batch.len());
        let stored: std::collections::HashMap<_, _> = got
            .iter()
            .map(|o| (o.key, o.value.value().to_bits()))
            .collect();
        let wrong: Vec<String> = batch
            .iter()
            .filter(|(k, v)| stored[k] != v.value().to_bits())
            .map(|(k, v)| {
                format!(
                    "{:e} came back as {:e}",
                    v.value(),
                    f64::from_bits(stored[k])
                )
            })
            .collect();
        assert!(
            wrong.is_empty(),
            "{} of {} values changed: {:?}",
            wrong.len(),
            batch.len(),
            &wrong[..wrong.len().min(8)]
        );
        // Re-applying the same values is recognised as unchanged.
        let r = s
            .apply_observations(&batch, &ctx("bits"), ApplyOptions::write())
            .await
            .unwrap();
        assert_eq!(r.unchanged, batch.len());
    })
}
