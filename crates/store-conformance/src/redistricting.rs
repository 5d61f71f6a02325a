//! Redistricting keeps history: a new parent link closes the old one, it never deletes it.

use yiping_kernel::{Measure, ObservationKey, ObservationStatus, ObservationValue, Period};
use yiping_store::{
    ApplyOptions, EntityChange, EntityFilter, EntityUpsert, ObservationFilter, Page, ParentRef,
    Store,
};

use crate::{BoxFut, ctx, d, gdp, region, seed_tree};

/// A 社区 under 梁平区 re-imported under 两江新区 from 2025-01-01: the 2024 link survives,
/// closed the day before; 2024 subtrees still hold it; importing the same again is a no-op.
pub(crate) fn a_new_parent_closes_the_old_link(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let ids = seed_tree(s).await;
        let (liangping, liangjiang) = (ids[1], ids[2]);
        let community = || region(Some("500155001001"), "双桂社区", 4);
        let first = s
            .upsert_entities(
                &[EntityUpsert::new(community()).with_parent(ParentRef::Existing(liangping))],
                &ctx("社区"),
            )
            .await
            .unwrap();
        let id = first[0].0;

        let moved = [EntityUpsert {
            entity: community(),
            parents: vec![(ParentRef::Existing(liangjiang), Some(d(2025, 1, 1)), None)],
        }];
        let out = s.upsert_entities(&moved, &ctx("调整")).await.unwrap();
        assert_eq!(out, vec![(id, EntityChange::Updated)]);

        let e = s.entity(id).await.unwrap().unwrap();
        assert_eq!(e.data.parents.len(), 2, "{:?}", e.data.parents);
        assert_eq!(e.parent_at(d(2024, 12, 31)), Some(liangping));
        assert_eq!(e.parent_at(d(2025, 1, 1)), Some(liangjiang));
        assert_eq!(e.current_parent(), Some(liangjiang));

        // Subtrees by date: 2024 under 梁平区, 2025 under 两江新区.
        assert!(
            s.subtree(liangping, d(2024, 6, 30))
                .await
                .unwrap()
                .contains(&id)
        );
        assert!(
            !s.subtree(liangping, d(2025, 6, 30))
                .await
                .unwrap()
                .contains(&id)
        );
        assert!(
            s.subtree(liangjiang, d(2025, 6, 30))
                .await
                .unwrap()
                .contains(&id)
        );
        assert!(
            !s.subtree(liangjiang, d(2024, 6, 30))
                .await
                .unwrap()
                .contains(&id)
        );
        // Lists by parent follow the current links.
        let under = |p| EntityFilter {
            parent: Some(p),
            ..Default::default()
        };
        let now = s
            .entities(&under(liangjiang), Page::default())
            .await
            .unwrap();
        assert!(now.items.iter().any(|e| e.id == id));
        let old = s
            .entities(&under(liangping), Page::default())
            .await
            .unwrap();
        assert!(!old.items.iter().any(|e| e.id == id));

        // The same file again changes nothing; an undated row naming the current parent neither.
        let again = s.upsert_entities(&moved, &ctx("再次")).await.unwrap();
        assert_eq!(again, vec![(id, EntityChange::Unchanged)]);
        let undated = [EntityUpsert::new(community()).with_parent(ParentRef::Existing(liangjiang))];
        let again = s.upsert_entities(&undated, &ctx("再次")).await.unwrap();
        assert_eq!(again, vec![(id, EntityChange::Unchanged)]);

        // Observations by period follow the hierarchy of the period: the 2024 value is under
        // 梁平区, the 2025 value under 两江新区.
        s.upsert_indicators(&[gdp()], &ctx("指标")).await.unwrap();
        let g = s.indicators().await.unwrap()[0].id;
        let (y24, y25) = (Period::year(2024).unwrap(), Period::year(2025).unwrap());
        let v = |x| ObservationValue::new(x, ObservationStatus::Submitted).unwrap();
        let key = |p| ObservationKey {
            entity: id,
            indicator: g,
            period: p,
            measure: Measure::Value,
        };
        s.apply_observations(
            &[(key(y24), v(1.0)), (key(y25), v(2.0))],
            &ctx("数据"),
            ApplyOptions::write(),
        )
        .await
        .unwrap();
        let values = |root, periods: Vec<Period>| async move {
            let f = ObservationFilter {
                subtree: Some(root),
                periods: Some(periods),
                ..Default::default()
            };
            let mut v: Vec<f64> = s
                .observations(&f, Page::default())
                .await
                .unwrap()
                .items
                .iter()
                .map(|o| o.value.value())
                .collect();
            v.sort_by(f64::total_cmp);
            v
        };
        assert_eq!(values(liangping, vec![y24]).await, vec![1.0]);
        assert_eq!(values(liangping, vec![y24, y25]).await, vec![1.0]);
        assert_eq!(values(liangjiang, vec![y24, y25]).await, vec![2.0]);
        assert!(values(liangjiang, vec![y24]).await.is_empty());

        // Both spans given at once (two rows of one code) are stored as given.
        let twice = [EntityUpsert {
            entity: region(Some("500155001002"), "桂西社区", 4),
            parents: vec![
                (ParentRef::Existing(liangping), None, Some(d(2025, 1, 1))),
                (ParentRef::Existing(liangjiang), Some(d(2025, 1, 1)), None),
            ],
        }];
        let out = s.upsert_entities(&twice, &ctx("两行")).await.unwrap();
        let e = s.entity(out[0].0).await.unwrap().unwrap();
        assert_eq!(e.parent_at(d(2024, 3, 1)), Some(liangping));
        assert_eq!(e.parent_at(d(2025, 3, 1)), Some(liangjiang));
        let again = s.upsert_entities(&twice, &ctx("两行")).await.unwrap();
        assert_eq!(again[0].1, EntityChange::Unchanged);
    })
}
