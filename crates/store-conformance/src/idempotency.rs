//! Conformance scenarios for idempotency keys ([`yiping_store::IdempotencyStore`]).

use chrono::Duration;
use yiping_store::{IdempotencyClaim, IdempotentAnswer, Store};

use super::BoxFut;
use super::users::t0;

pub(super) fn keys_claimed_answered_and_expired(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let day = Duration::hours(24);
        let claim = |owner: &'static str, key: &'static str, hash: &'static str, minutes: i64| {
            let at = t0() + Duration::minutes(minutes);
            store.claim_idempotency_key(owner, key, hash, at, at - day)
        };
        assert_eq!(
            claim("7", "k1", "h1", 0).await.unwrap(),
            IdempotencyClaim::Claimed
        );
        // Held, not answered yet: the hash is given so that a different request is recognised.
        assert_eq!(
            claim("7", "k1", "h2", 1).await.unwrap(),
            IdempotencyClaim::Taken {
                request_hash: "h1".into(),
                answer: None
            }
        );
        // Another owner's key of the same name is another key.
        assert_eq!(
            claim("8", "k1", "h1", 1).await.unwrap(),
            IdempotencyClaim::Claimed
        );
        let answer = IdempotentAnswer {
            status: 201,
            body: "{\"inserted\":2,\"说明\":\"已写入\"}".into(),
        };
        store
            .record_idempotent_answer("7", "k1", &answer)
            .await
            .unwrap();
        assert_eq!(
            claim("7", "k1", "h1", 2).await.unwrap(),
            IdempotencyClaim::Taken {
                request_hash: "h1".into(),
                answer: Some(answer.clone())
            }
        );
        // Releasing an answered key does nothing; an unanswered one is given up.
        store.release_idempotency_key("7", "k1").await.unwrap();
        assert!(matches!(
            claim("7", "k1", "h1", 3).await.unwrap(),
            IdempotencyClaim::Taken {
                answer: Some(_),
                ..
            }
        ));
        store.release_idempotency_key("8", "k1").await.unwrap();
        assert_eq!(
            claim("8", "k1", "h9", 3).await.unwrap(),
            IdempotencyClaim::Claimed
        );
        // After 24 hours the key is forgotten and may be claimed anew.
        assert_eq!(
            claim("7", "k1", "h3", 24 * 60 + 1).await.unwrap(),
            IdempotencyClaim::Claimed
        );
        // Purging forgets what is older than the cut-off.
        assert_eq!(
            store
                .purge_idempotency_keys(t0() + Duration::minutes(10))
                .await
                .unwrap(),
            1,
            "only owner 8's key is older"
        );
    })
}

pub(super) fn racing_claims_one_winner(store: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let at = t0();
        let tries = (0..12)
            .map(|_| store.claim_idempotency_key("7", "race", "h", at, at - Duration::hours(24)));
        let claimed = futures::future::join_all(tries)
            .await
            .into_iter()
            .filter(|r| *r.as_ref().unwrap() == IdempotencyClaim::Claimed)
            .count();
        assert_eq!(claimed, 1);
    })
}
