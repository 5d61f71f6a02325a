//! Conformance scenarios for findings and outlier flags ([`yiping_store::QualityStore`]).

use super::BoxFut;
use super::users::t0;
use yiping_kernel::{EntityId, IndicatorId, Period};
use yiping_store::{NewFinding, NewOutlierFlag, OutlierReview, QualityFilter, Store};

fn finding(rule: &str, entity: i64, left: Option<f64>, message: &str) -> NewFinding {
    NewFinding {
        rule: rule.into(),
        rule_name: "各区县之和不超过全市".into(),
        importance: "medium".into(),
        entity: EntityId(entity),
        period: Period::months(2024, 1, 9).unwrap(),
        left,
        right: Some(1000.0),
        message: message.into(),
        found_at: t0(),
    }
}

pub(super) fn findings_upsert_on_rule_entity_period_and_keep_comments(
    store: &dyn Store,
) -> BoxFut<'_> {
    Box::pin(async move {
        store
            .record_findings(&[
                finding("R", 1, Some(1050.0), "一"),
                finding("R", 2, None, "二"),
            ])
            .await
            .unwrap();
        let all = store.findings(&QualityFilter::default()).await.unwrap();
        assert_eq!(all.len(), 2);
        let one = all.iter().find(|f| f.data.entity == EntityId(1)).unwrap();
        assert_eq!(one.data.left, Some(1050.0));
        assert_eq!(one.data.period, Period::months(2024, 1, 9).unwrap());
        let two = all.iter().find(|f| f.data.entity == EntityId(2)).unwrap();
        assert_eq!(two.data.left, None, "a missing side stays missing");
        assert!(!one.follow_up && !one.resolved);

        store
            .annotate_finding(one.id, true, "已联系区统计局核实", "analyst", t0())
            .await
            .unwrap();
        store.resolve_findings(&[one.id]).await.unwrap();
        let open = QualityFilter {
            open_only: true,
            ..QualityFilter::default()
        };
        assert_eq!(store.findings(&open).await.unwrap().len(), 1);
        // Found again: new numbers, open again, the comment kept.
        store
            .record_findings(&[finding("R", 1, Some(1060.5), "三")])
            .await
            .unwrap();
        let again = store.finding(one.id).await.unwrap().unwrap();
        assert_eq!(again.data.left, Some(1060.5));
        assert_eq!(again.data.message, "三");
        assert!(again.follow_up && !again.resolved);
        assert_eq!(again.comment, "已联系区统计局核实");
        assert_eq!(again.updated_by.as_deref(), Some("analyst"));
        assert_eq!(
            store
                .findings(&QualityFilter::default())
                .await
                .unwrap()
                .len(),
            2
        );
        let only_two = QualityFilter {
            entities: Some(vec![EntityId(2)]),
            period: Some(Period::months(2024, 1, 9).unwrap()),
            open_only: false,
        };
        assert_eq!(store.findings(&only_two).await.unwrap().len(), 1);
        let other = QualityFilter {
            period: Some(Period::months(2024, 1, 8).unwrap()),
            ..QualityFilter::default()
        };
        assert!(store.findings(&other).await.unwrap().is_empty());
        assert!(
            store
                .annotate_finding(999_999, false, "", "x", t0())
                .await
                .is_err()
        );
    })
}

pub(super) fn outlier_flags_keep_their_review_when_found_again(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let flag = |value: f64, z: Option<f64>| NewOutlierFlag {
            indicator: IndicatorId(7),
            entity: EntityId(3),
            period: Period::month(2024, 6).unwrap(),
            value,
            index: 1.6,
            median: 1.02,
            low: 0.98,
            high: 1.06,
            modified_z: z,
            history: vec![(2021, 80.5), (2022, 84.25), (2023, 90.0)],
            found_at: t0(),
        };
        store
            .record_outlier_flags(&[flag(150.0, Some(12.5))])
            .await
            .unwrap();
        let stored = store
            .outlier_flags(&QualityFilter::default())
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        let f = &stored[0];
        assert_eq!(f.review, OutlierReview::Pending);
        assert_eq!(
            f.data.history,
            vec![(2021, 80.5), (2022, 84.25), (2023, 90.0)]
        );
        assert_eq!(f.data.modified_z, Some(12.5));
        store
            .review_outlier_flag(
                f.id,
                OutlierReview::Dismissed,
                "促销活动，数据无误",
                "rev",
                t0(),
            )
            .await
            .unwrap();
        store
            .record_outlier_flags(&[flag(151.0, None)])
            .await
            .unwrap();
        let again = store.outlier_flag(f.id).await.unwrap().unwrap();
        assert_eq!(again.data.value, 151.0);
        assert_eq!(again.data.modified_z, None);
        assert_eq!(again.review, OutlierReview::Dismissed);
        assert_eq!(again.note, "促销活动，数据无误");
        let open = QualityFilter {
            open_only: true,
            ..QualityFilter::default()
        };
        assert!(store.outlier_flags(&open).await.unwrap().is_empty());
    })
}
