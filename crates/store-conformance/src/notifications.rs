//! Conformance scenarios for notifications and their deliveries
//! ([`yiping_store::NotificationStore`]).

use chrono::TimeDelta;

use super::BoxFut;
use super::users::{new_user, t0, unit};
use yiping_store::{
    AttemptOutcome, DeliveryStatus, NewDelivery, NewNotification, Page, Store, StoreError,
};

fn notice(user_id: i64, title: &str, key: Option<&str>, minutes: i64) -> NewNotification {
    NewNotification {
        user_id,
        kind: "dispatch".into(),
        title: title.into(),
        body: format!("{title}，请及时签收"),
        link: Some("/items/7".into()),
        dedup_key: key.map(str::to_string),
        created_at: t0() + TimeDelta::minutes(minutes),
    }
}

pub(super) fn per_user_read_and_unread(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let unit = unit(store).await;
        let a = store
            .create_user(&new_user("wang", unit), t0())
            .await
            .unwrap();
        let b = store
            .create_user(&new_user("li", unit), t0())
            .await
            .unwrap();
        let ids = store
            .add_notifications(&[
                notice(a, "事项一已派遣", None, 1),
                notice(a, "事项二临期", Some("warn:2:2026-03-03"), 2),
                notice(b, "事项三已派遣", None, 3),
                // The same once-only notice again, in the same write: skipped.
                notice(a, "事项二临期", Some("warn:2:2026-03-03"), 4),
            ])
            .await
            .unwrap();
        assert_eq!(ids.len(), 4, "{ids:?}");
        assert!(ids[..3].iter().all(Option::is_some), "{ids:?}");
        assert_eq!(ids[3], None, "{ids:?}");
        // And in a later write.
        let again = store
            .add_notifications(&[notice(a, "事项二临期", Some("warn:2:2026-03-03"), 5)])
            .await
            .unwrap();
        assert_eq!(again, [None]);
        // The same key for another user is another notice.
        let other = store
            .add_notifications(&[notice(b, "事项二临期", Some("warn:2:2026-03-03"), 6)])
            .await
            .unwrap();
        assert!(other[0].is_some());

        let mine = store
            .notifications(a, false, Page::default())
            .await
            .unwrap();
        assert_eq!(mine.total, 2);
        let titles: Vec<&str> = mine.items.iter().map(|n| n.title.as_str()).collect();
        assert_eq!(titles, ["事项二临期", "事项一已派遣"], "newest first");
        assert_eq!(mine.items[1].link.as_deref(), Some("/items/7"));
        assert_eq!(mine.items[1].created_at, t0() + TimeDelta::minutes(1));
        assert!(
            mine.items
                .iter()
                .all(|n| n.user_id == a && n.read_at.is_none())
        );
        assert_eq!(store.unread_notifications(a).await.unwrap(), 2);
        assert_eq!(store.unread_notifications(b).await.unwrap(), 2);

        let page = store
            .notifications(a, false, Page::new(1, 1))
            .await
            .unwrap();
        assert_eq!((page.total, page.items.len()), (2, 1));
        assert_eq!(page.items[0].title, "事项一已派遣");

        // Another user's notification cannot be marked.
        let theirs = store
            .notifications(b, false, Page::default())
            .await
            .unwrap();
        let at = t0() + TimeDelta::hours(1);
        assert!(
            store
                .mark_notification_read(a, theirs.items[0].id, at)
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(store.unread_notifications(b).await.unwrap(), 2);

        let first = mine.items[1].id;
        let marked = store
            .mark_notification_read(a, first, at)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((marked.id, marked.read_at), (first, Some(at)));
        assert_eq!(marked.link.as_deref(), Some("/items/7"));
        // Marking again keeps the first time.
        let again = store
            .mark_notification_read(a, first, at + TimeDelta::hours(1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.read_at, Some(at));
        assert_eq!(store.unread_notifications(a).await.unwrap(), 1);
        let unread = store.notifications(a, true, Page::default()).await.unwrap();
        assert_eq!(unread.total, 1);
        assert_eq!(unread.items[0].title, "事项二临期");
        let all = store
            .notifications(a, false, Page::default())
            .await
            .unwrap();
        assert_eq!(all.items[1].read_at, Some(at));

        assert_eq!(store.mark_all_notifications_read(b, at).await.unwrap(), 2);
        assert_eq!(store.mark_all_notifications_read(b, at).await.unwrap(), 0);
        assert_eq!(store.unread_notifications(b).await.unwrap(), 0);
        assert_eq!(store.unread_notifications(a).await.unwrap(), 1);

        // A notice for a user who does not exist is refused whole.
        let bad = store
            .add_notifications(&[notice(a, "甲", None, 9), notice(999_999, "乙", None, 9)])
            .await;
        assert!(matches!(bad, Err(StoreError::Invalid { .. })), "{bad:?}");
        assert_eq!(store.unread_notifications(a).await.unwrap(), 1);
    })
}

pub(super) fn deliveries_retry_and_log(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let new = |target: &str| NewDelivery {
            channel: "email".into(),
            target: target.into(),
            subject: "派单通知".into(),
            body: "事项一已派遣".into(),
            created_at: t0(),
        };
        let ids = store
            .queue_deliveries(&[new("a@example.org"), new("b@example.org")])
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        assert!(
            store
                .due_deliveries(t0() - TimeDelta::seconds(1), 10)
                .await
                .unwrap()
                .is_empty()
        );
        let due = store.due_deliveries(t0(), 10).await.unwrap();
        assert_eq!(due.iter().map(|d| d.id).collect::<Vec<_>>(), ids);
        assert_eq!(due[0].status, DeliveryStatus::Pending);
        assert_eq!(due[0].attempts, 0);
        assert_eq!(store.due_deliveries(t0(), 1).await.unwrap().len(), 1);

        let (a, b) = (ids[0], ids[1]);
        let t1 = t0() + TimeDelta::seconds(1);
        let retry = t1 + TimeDelta::seconds(30);
        assert!(
            store
                .record_attempt(
                    a,
                    t1,
                    &AttemptOutcome::Failed {
                        error: "连接被拒绝".into(),
                        retry_at: Some(retry),
                    },
                )
                .await
                .unwrap()
        );
        assert!(
            store
                .record_attempt(b, t1, &AttemptOutcome::Sent)
                .await
                .unwrap()
        );
        // A sent delivery is not changed again.
        assert!(
            !store
                .record_attempt(b, t1, &AttemptOutcome::Sent)
                .await
                .unwrap()
        );
        assert!(store.due_deliveries(t1, 10).await.unwrap().is_empty());
        let later = store.due_deliveries(retry, 10).await.unwrap();
        assert_eq!(later.len(), 1);
        assert_eq!(
            (
                later[0].id,
                later[0].attempts,
                later[0].last_error.as_deref()
            ),
            (a, 1, Some("连接被拒绝"))
        );
        assert!(
            store
                .record_attempt(
                    a,
                    retry,
                    &AttemptOutcome::Failed {
                        error: "超时".into(),
                        retry_at: None,
                    },
                )
                .await
                .unwrap()
        );
        assert!(
            store
                .due_deliveries(retry + TimeDelta::days(1), 10)
                .await
                .unwrap()
                .is_empty()
        );

        let all = store.deliveries(Page::default()).await.unwrap();
        assert_eq!(all.total, 2);
        assert_eq!(all.items[0].id, b, "newest first");
        assert_eq!(all.items[0].status, DeliveryStatus::Sent);
        assert_eq!(all.items[0].sent_at, Some(t1));
        assert_eq!(all.items[1].status, DeliveryStatus::Failed);
        assert_eq!(all.items[1].attempts, 2);
        let log = store.delivery_attempts(a).await.unwrap();
        let got: Vec<(bool, &str)> = log.iter().map(|x| (x.ok, x.detail.as_str())).collect();
        assert_eq!(got, [(false, "连接被拒绝"), (false, "超时")]);
        assert_eq!(log[1].at, retry);
        let log = store.delivery_attempts(b).await.unwrap();
        assert_eq!(log.len(), 1);
        assert!(log[0].ok);
    })
}
