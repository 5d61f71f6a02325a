//! Conformance scenarios for users ([`yiping_store::UserStore`]): accounts, sessions with
//! expiry, API tokens, sign-in attempts for throttling.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use yiping_kernel::EntityId;

use super::{BoxFut, ctx, region};
use yiping_store::{EntityUpsert, LoginRecord, NewSession, NewUser, Store, StoreError};

pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

pub(super) async fn unit(store: &dyn Store) -> EntityId {
    let ids = store
        .upsert_entities(
            &[EntityUpsert::new(region(Some("500103"), "渝中区", 1))],
            &ctx("用户测试"),
        )
        .await
        .unwrap();
    ids[0].0
}

pub(super) fn new_user(login: &str, unit: EntityId) -> NewUser {
    NewUser {
        login: login.into(),
        name: "张三".into(),
        role: "reporter".into(),
        unit,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
    }
}

pub(super) fn users_sessions_and_tokens(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let unit = unit(store).await;
        let id = store
            .create_user(&new_user("zhangsan", unit), t0())
            .await
            .unwrap();
        let again = store.create_user(&new_user("zhangsan", unit), t0()).await;
        assert!(
            matches!(&again, Err(StoreError::Conflict { what }) if what.contains("zhangsan")),
            "{again:?}"
        );
        let missing_unit = store
            .create_user(&new_user("lisi", EntityId(999_999)), t0())
            .await;
        assert!(
            matches!(missing_unit, Err(StoreError::Invalid { .. })),
            "{missing_unit:?}"
        );

        let u = store.user_by_login("zhangsan").await.unwrap().unwrap();
        assert_eq!(
            (u.id, u.unit, u.role.as_str(), u.active),
            (id, unit, "reporter", true)
        );
        assert_eq!(u.created_at, t0());
        assert_eq!(store.user(id).await.unwrap(), Some(u.clone()));
        assert_eq!(store.user_by_login("nobody").await.unwrap(), None);
        assert_eq!(store.users().await.unwrap().len(), 1);

        // Sessions: found while live, gone after expiry, logout or a password change.
        let session = |key: &str| NewSession {
            key_hash: key.into(),
            user_id: id,
            csrf: format!("csrf-{key}"),
            created_at: t0(),
            expires_at: t0() + TimeDelta::hours(8),
            ip: Some("127.0.0.1".into()),
            user_agent: None,
        };
        store.create_session(&session("k1")).await.unwrap();
        store.create_session(&session("k2")).await.unwrap();
        let s = store.session("k1", t0()).await.unwrap().unwrap();
        assert_eq!((s.csrf.as_str(), s.user.id), ("csrf-k1", id));
        assert_eq!(s.expires_at, t0() + TimeDelta::hours(8));
        assert!(
            store
                .session("k1", t0() + TimeDelta::hours(9))
                .await
                .unwrap()
                .is_none()
        );
        assert!(store.session("nope", t0()).await.unwrap().is_none());
        store.delete_session("k1").await.unwrap();
        assert!(store.session("k1", t0()).await.unwrap().is_none());
        assert!(store.session("k2", t0()).await.unwrap().is_some());
        store.set_password(id, "$argon2id$new").await.unwrap();
        assert!(store.session("k2", t0()).await.unwrap().is_none());
        assert_eq!(
            store.user(id).await.unwrap().unwrap().password_hash,
            "$argon2id$new"
        );
        store.create_session(&session("k3")).await.unwrap();
        assert_eq!(
            store
                .purge_sessions(t0() + TimeDelta::hours(9))
                .await
                .unwrap(),
            1
        );

        // A disabled user has no session and no token.
        store.create_session(&session("k4")).await.unwrap();
        let tok = store
            .create_api_token(id, "对接", "th1", t0())
            .await
            .unwrap();
        assert_eq!(
            store.api_token_user("th1").await.unwrap().map(|u| u.id),
            Some(id)
        );
        store.set_user_active(id, false).await.unwrap();
        assert!(store.session("k4", t0()).await.unwrap().is_none());
        assert!(store.api_token_user("th1").await.unwrap().is_none());
        store.set_user_active(id, true).await.unwrap();
        assert!(store.api_token_user("th1").await.unwrap().is_some());
        store.revoke_api_token(tok).await.unwrap();
        assert!(store.api_token_user("th1").await.unwrap().is_none());
        let listed = store.api_tokens(id).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(listed[0].revoked && listed[0].name == "对接");
        assert!(matches!(
            store.revoke_api_token(424_242).await,
            Err(StoreError::NotFound { .. })
        ));
        assert!(matches!(
            store.set_password(424_242, "x").await,
            Err(StoreError::NotFound { .. })
        ));
    })
}

pub(super) fn login_attempts(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let attempt = |login: &str, ip: &str, minutes: i64, success: bool| LoginRecord {
            login: login.into(),
            ip: ip.into(),
            at: t0() + TimeDelta::minutes(minutes),
            success,
            reason: if success {
                "ok".into()
            } else {
                "密码错误".into()
            },
        };
        for r in [
            attempt("a", "10.0.0.1", 0, false),
            attempt("a", "10.0.0.1", 5, false),
            attempt("a", "10.0.0.2", 6, false),
            attempt("b", "10.0.0.1", 7, false),
            attempt("a", "10.0.0.1", 8, true),
        ] {
            store.record_login(&r).await.unwrap();
        }
        let since = t0() + TimeDelta::minutes(1);
        assert_eq!(
            store
                .failed_logins_since("a", "10.0.0.1", since)
                .await
                .unwrap(),
            (2, 2)
        );
        assert_eq!(
            store
                .failed_logins_since("a", "10.0.0.1", t0())
                .await
                .unwrap(),
            (3, 3)
        );
        let newest = store.login_records(2).await.unwrap();
        assert_eq!(newest.len(), 2);
        assert!(newest[0].success && newest[0].at == t0() + TimeDelta::minutes(8));
    })
}

pub(super) fn throttle_reserves_atomically(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        use yiping_store::ThrottleKey;
        let keys = |limit_pair: u32, limit_ip: u32| {
            vec![
                ThrottleKey {
                    key: "a@10.0.0.1".into(),
                    limit: limit_pair,
                },
                ThrottleKey {
                    key: "10.0.0.1".into(),
                    limit: limit_ip,
                },
            ]
        };
        // Three fit under a limit of 3; the fourth is refused and counts nothing.
        for _ in 0..3 {
            assert!(store.reserve_attempt(&keys(3, 10), 100).await.unwrap());
        }
        assert!(!store.reserve_attempt(&keys(3, 10), 100).await.unwrap());
        // The address's count was not raised by the refusal: 7 more fit under its limit of 10.
        let other = |n: u32| ThrottleKey {
            key: format!("b{n}@10.0.0.1"),
            limit: 3,
        };
        for n in 0..7 {
            let k = [
                other(n),
                ThrottleKey {
                    key: "10.0.0.1".into(),
                    limit: 10,
                },
            ];
            assert!(store.reserve_attempt(&k, 100).await.unwrap(), "{n}");
        }
        assert!(!store.reserve_attempt(&keys(30, 10), 100).await.unwrap());
        // A released attempt frees its place.
        store
            .release_attempt(&["a@10.0.0.1".into(), "10.0.0.1".into()], 100)
            .await
            .unwrap();
        assert!(store.reserve_attempt(&keys(3, 10), 100).await.unwrap());
        // The previous window still counts; two windows back is forgotten.
        assert!(!store.reserve_attempt(&keys(3, 100), 101).await.unwrap());
        assert!(store.reserve_attempt(&keys(3, 100), 102).await.unwrap());
    })
}

pub(super) fn throttle_under_concurrency(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        use yiping_store::ThrottleKey;
        let k = [ThrottleKey {
            key: "race@10.0.0.9".into(),
            limit: 5,
        }];
        let tries = (0..40).map(|_| store.reserve_attempt(&k, 7));
        let granted = futures::future::join_all(tries)
            .await
            .into_iter()
            .filter(|r| *r.as_ref().unwrap())
            .count();
        assert_eq!(granted, 5);
    })
}

pub(super) fn tokens_revoked_for_good(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let unit = unit(store).await;
        let id = store
            .create_user(&new_user("revoked", unit), t0())
            .await
            .unwrap();
        store.create_api_token(id, "t1", "h-1", t0()).await.unwrap();
        store.create_api_token(id, "t2", "h-2", t0()).await.unwrap();
        assert_eq!(store.revoke_api_tokens_of(id).await.unwrap(), 2);
        assert_eq!(store.revoke_api_tokens_of(id).await.unwrap(), 0);
        assert!(store.api_token_user("h-1").await.unwrap().is_none());
        store.set_user_active(id, false).await.unwrap();
        store.set_user_active(id, true).await.unwrap();
        assert!(store.api_token_user("h-2").await.unwrap().is_none());
        assert!(
            store
                .api_tokens(id)
                .await
                .unwrap()
                .iter()
                .all(|t| t.revoked)
        );
    })
}
