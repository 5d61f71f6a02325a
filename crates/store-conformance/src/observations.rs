//! Observation and target scenarios of the conformance suite.

use super::*;

pub(super) async fn seed_obs_world(s: &dyn Store) -> (Vec<EntityId>, yiping_kernel::IndicatorId) {
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

pub(super) fn key(
    e: EntityId,
    i: yiping_kernel::IndicatorId,
    p: &str,
    m: Measure,
) -> ObservationKey {
    ObservationKey {
        entity: e,
        indicator: i,
        period: Period::parse_code(p).unwrap(),
        measure: m,
    }
}

pub(super) fn val(x: f64) -> ObservationValue {
    ObservationValue::new(x, ObservationStatus::Submitted).unwrap()
}

pub(super) fn observations_lifecycle(s: &dyn Store) -> BoxFut<'_> {
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

pub(super) fn observations_atomic(s: &dyn Store) -> BoxFut<'_> {
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

pub(super) fn observation_lists(s: &dyn Store) -> BoxFut<'_> {
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

pub(super) fn targets_round_trip(s: &dyn Store) -> BoxFut<'_> {
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
pub(super) fn values_round_trip(s: &dyn Store) -> BoxFut<'_> {
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

/// Issue 11, bug 3: under `keep_approved` a batch that would change an approved value (its number
/// or its status) writes nothing and lists the value; without it the change is applied and still
/// listed, for the caller's audit.
pub(super) fn approved_values_are_kept(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let (ids, g) = seed_obs_world(s).await;
        let (a, b) = (
            key(ids[0], g, "2024", Measure::Value),
            key(ids[1], g, "2024", Measure::Value),
        );
        let approved = |x| ObservationValue::new(x, ObservationStatus::Approved).unwrap();
        s.apply_observations(
            &[(a, approved(100.0)), (b, val(50.0))],
            &ctx("审核"),
            ApplyOptions::write(),
        )
        .await
        .unwrap();
        let keep = ApplyOptions {
            keep_approved: true,
            ..ApplyOptions::write()
        };
        // A changed approved value and a changed submitted one: the whole batch is refused.
        let r = s
            .apply_observations(&[(a, val(101.0)), (b, val(51.0))], &ctx("再报"), keep)
            .await
            .unwrap();
        assert_eq!(r.approved_changes.len(), 1, "{r:?}");
        assert_eq!(r.approved_changes[0].key, a);
        assert_eq!(r.approved_changes[0].old.value(), 100.0);
        let now = |k| async move {
            s.observations(
                &ObservationFilter {
                    entities: Some(vec![k]),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap()
            .items[0]
                .value
        };
        assert_eq!(
            now(ids[0]).await,
            approved(100.0),
            "the approved value changed"
        );
        assert_eq!(
            now(ids[1]).await.value(),
            50.0,
            "a refused batch wrote a row"
        );
        // A status alone going down (已审核 → 已报送) is a change too.
        let r = s
            .apply_observations(&[(a, val(100.0))], &ctx("再报"), keep)
            .await
            .unwrap();
        assert_eq!(r.approved_changes.len(), 1);
        assert_eq!(now(ids[0]).await, approved(100.0));
        // The same approved value again is no change; other values go through.
        let r = s
            .apply_observations(&[(a, approved(100.0)), (b, val(52.0))], &ctx("再报"), keep)
            .await
            .unwrap();
        assert!(r.approved_changes.is_empty());
        assert_eq!(now(ids[1]).await.value(), 52.0);
        // Reopening (no keep_approved) applies the change and still lists it.
        let r = s
            .apply_observations(&[(a, val(101.0))], &ctx("重新打开"), ApplyOptions::write())
            .await
            .unwrap();
        assert_eq!((r.updated, r.approved_changes.len()), (1, 1));
        assert_eq!(now(ids[0]).await, val(101.0));
    })
}
