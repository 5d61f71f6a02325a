//! Conformance scenario for alert states ([`yiping_store::AlertStateStore`]).

use chrono::TimeDelta;

use super::BoxFut;
use super::users::{t0, unit};
use yiping_store::{AlertTransitionRecord, NewSilence, Store, StoredAlertInstance};

pub(super) fn instances_transitions_and_silences(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let e = unit(store).await;
        assert!(store.alert_instances().await.unwrap().is_empty());
        assert!(store.alert_instance("GDP_LOW", e).await.unwrap().is_none());
        let inst = |state: &str, count: u32, period: &str, end: &str, value| StoredAlertInstance {
            rule: "GDP_LOW".into(),
            entity: e,
            state: state.into(),
            count,
            was_firing: false,
            period: period.into(),
            period_end: end.into(),
            value,
            updated_at: t0(),
        };
        let change = |from: &str, to: &str, period: &str| AlertTransitionRecord {
            rule: "GDP_LOW".into(),
            entity: e,
            period: period.into(),
            from: from.into(),
            to: to.into(),
            value: Some(-1.25),
            at: t0(),
        };
        // A missing value first: the values after it are still written (PostgreSQL).
        let no_data = inst("no_data", 0, "2023M12", "2023-12-31", None);
        store.record_alert_state(&no_data, None).await.unwrap();
        let pending = inst("pending", 1, "2024M01", "2024-01-31", Some(-1.25));
        store
            .record_alert_state(&pending, Some(&change("normal", "pending", "2024M01")))
            .await
            .unwrap();
        let firing = inst("firing", 0, "2024M02", "2024-02-29", None);
        store
            .record_alert_state(&firing, Some(&change("pending", "firing", "2024M02")))
            .await
            .unwrap();
        // The same state again: the instance moves on, no change recorded.
        let again = inst("firing", 0, "2024M03", "2024-03-31", Some(0.5));
        store.record_alert_state(&again, None).await.unwrap();

        assert_eq!(
            store.alert_instance("GDP_LOW", e).await.unwrap(),
            Some(again.clone())
        );
        assert_eq!(store.alert_instances().await.unwrap(), [again]);
        let history = store.alert_transitions("GDP_LOW", e).await.unwrap();
        let path: Vec<(&str, &str, &str)> = history
            .iter()
            .map(|t| (t.from.as_str(), t.to.as_str(), t.period.as_str()))
            .collect();
        assert_eq!(
            path,
            [
                ("normal", "pending", "2024M01"),
                ("pending", "firing", "2024M02")
            ]
        );
        assert_eq!(history[0].value, Some(-1.25));
        assert!(
            store
                .alert_transitions("OTHER", e)
                .await
                .unwrap()
                .is_empty()
        );
        let recent = store.recent_alert_transitions(1).await.unwrap();
        assert_eq!(recent.len(), 1);
        assert_eq!(recent[0].to, "firing");

        let id = store
            .add_silence(&NewSilence {
                rule: Some("GDP_LOW".into()),
                entity: Some(e),
                starts_at: t0(),
                ends_at: t0() + TimeDelta::days(3),
                reason: "数据核实中".into(),
                created_by: "analyst".into(),
                created_at: t0(),
            })
            .await
            .unwrap();
        let all_rules = store
            .add_silence(&NewSilence {
                rule: None,
                entity: None,
                starts_at: t0(),
                ends_at: t0() + TimeDelta::hours(1),
                reason: "系统维护".into(),
                created_by: "admin".into(),
                created_at: t0(),
            })
            .await
            .unwrap();
        let silences = store.silences().await.unwrap();
        assert_eq!(
            silences.iter().map(|s| s.id).collect::<Vec<_>>(),
            [all_rules, id]
        );
        let s = &silences[1];
        assert_eq!((s.rule.as_deref(), s.entity), (Some("GDP_LOW"), Some(e)));
        assert_eq!(s.reason, "数据核实中");
        assert!(s.covers("GDP_LOW", e, t0() + TimeDelta::days(1)));
        assert!(!s.covers("OTHER", e, t0() + TimeDelta::days(1)));
        assert!(
            !s.covers("GDP_LOW", e, t0() + TimeDelta::days(3)),
            "expired"
        );
        assert!(silences[0].covers("OTHER", e, t0()));
        assert_eq!(silences[0].entity, None);
    })
}
