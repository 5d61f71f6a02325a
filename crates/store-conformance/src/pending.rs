//! Pending follow-ups: recorded with the data in one transaction, claimed by compare-and-swap,
//! finished by their holder (issue 18, defect 4).

use yiping_store::{AuditEvent, FollowUp};

use super::observations::{key, seed_obs_world, val};
use super::*;

fn follow_up(owner: &str, file: &str) -> FollowUp {
    FollowUp {
        owner: owner.into(),
        audit: Some(AuditEvent {
            at: ctx("x").at,
            actor: "测试员".into(),
            action: "import.apply".into(),
            target: file.into(),
            detail: "指标数据，2 行".into(),
        }),
    }
}

async fn audited(s: &dyn Store, file: &str) -> usize {
    s.audit_events(100)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "import.apply" && e.target == file)
        .count()
}

pub(super) fn recorded_claimed_and_finished(s: &dyn Store) -> BoxFut<'_> {
    Box::pin(async move {
        let (ids, g) = seed_obs_world(s).await;
        // Without a follow-up asked for, nothing is recorded.
        let plain = s
            .apply_observations(
                &[(key(ids[0], g, "2023", Measure::Value), val(1.0))],
                &ctx("plain.csv"),
                ApplyOptions::write(),
            )
            .await
            .unwrap();
        assert_eq!(plain.pending, None);
        assert!(s.pending_changes().await.unwrap().is_empty());

        // Two changed values and one unchanged: the note names the two, claimed by the writer,
        // and the audit event is there in the same commit.
        let batch = vec![
            (key(ids[0], g, "2023", Measure::Value), val(1.0)),
            (key(ids[1], g, "2023", Measure::Value), val(2.0)),
            (key(ids[2], g, "2024Q1", Measure::Growth), val(-3.5)),
        ];
        let c = ctx("a.csv").with_follow_up(follow_up("进程甲", "a.csv"));
        let r = s
            .apply_observations(&batch, &c, ApplyOptions::write())
            .await
            .unwrap();
        let id = r.pending.expect("a follow-up is recorded");
        let pending = s.pending_changes().await.unwrap();
        assert_eq!(pending.len(), 1);
        let p = &pending[0];
        assert_eq!(
            (p.id, p.actor.as_str(), p.source.as_str()),
            (id, "测试员", "a.csv")
        );
        let mut got = p.observations.clone();
        got.sort();
        let mut want = vec![batch[1].0, batch[2].0];
        want.sort();
        assert_eq!(got, want, "the changed keys, not the unchanged one");
        assert!(p.targets.is_empty());
        assert_eq!(p.claimed_by.as_deref(), Some("进程甲"));
        assert_eq!(p.claimed_at, Some(c.at));
        assert_eq!(audited(s, "a.csv").await, 1);

        // Nothing changed, a dry run, a failed batch: no note, no audit event.
        let again = s
            .apply_observations(
                &batch,
                &ctx("b.csv").with_follow_up(follow_up("进程甲", "b.csv")),
                ApplyOptions::write(),
            )
            .await
            .unwrap();
        assert_eq!(again.pending, None);
        let dry = s
            .apply_observations(
                &[(key(ids[0], g, "2023", Measure::Value), val(9.0))],
                &ctx("b.csv").with_follow_up(follow_up("进程甲", "b.csv")),
                ApplyOptions::dry_run(),
            )
            .await
            .unwrap();
        assert_eq!(dry.pending, None);
        let bad = s
            .apply_observations(
                &[
                    (key(ids[0], g, "2023", Measure::Value), val(7.0)),
                    (key(EntityId(999_999), g, "2023", Measure::Value), val(7.0)),
                ],
                &ctx("b.csv").with_follow_up(follow_up("进程甲", "b.csv")),
                ApplyOptions::write(),
            )
            .await;
        assert!(bad.is_err());
        assert_eq!(s.pending_changes().await.unwrap().len(), 1);
        assert_eq!(audited(s, "b.csv").await, 0);

        // Targets record (indicator, year).
        let t = s
            .upsert_targets(
                &[Target::new(ids[1], g, 2024, TargetKind::Growth, 6.5, None).unwrap()],
                &ctx("t.csv").with_follow_up(follow_up("进程甲", "t.csv")),
            )
            .await
            .unwrap();
        let tid = t.pending.expect("a target follow-up is recorded");
        let tp = s
            .pending_changes()
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.id == tid)
            .unwrap();
        assert_eq!(tp.targets, vec![(g, 2024)]);
        assert!(tp.observations.is_empty());
        assert_eq!(audited(s, "t.csv").await, 1);

        // Compare-and-swap: only from the holder seen.
        let later = c.at + chrono::TimeDelta::minutes(5);
        assert!(!s.claim_pending(id, None, "进程乙", later).await.unwrap());
        assert!(
            !s.claim_pending(id, Some("别人"), "进程乙", later)
                .await
                .unwrap()
        );
        assert!(
            s.claim_pending(id, Some("进程甲"), "进程乙", later)
                .await
                .unwrap()
        );
        assert!(
            !s.claim_pending(id, Some("进程甲"), "进程丙", later)
                .await
                .unwrap()
        );
        let p = s.pending_changes().await.unwrap();
        let p = p.iter().find(|p| p.id == id).unwrap();
        assert_eq!(
            (p.claimed_by.as_deref(), p.claimed_at),
            (Some("进程乙"), Some(later))
        );
        // Only the holder finishes it.
        assert!(!s.finish_pending(id, "进程甲").await.unwrap());
        assert!(s.finish_pending(id, "进程乙").await.unwrap());
        assert!(!s.finish_pending(id, "进程乙").await.unwrap());
        let left: Vec<i64> = s
            .pending_changes()
            .await
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(left, vec![tid]);

        // Eight processes racing for the same abandoned note: exactly one takes it.
        let claims = (0..8).map(|n| {
            let owner = format!("抢占者{n}");
            async move {
                s.claim_pending(tid, Some("进程甲"), &owner, later)
                    .await
                    .unwrap()
            }
        });
        let won = futures::future::join_all(claims).await;
        assert_eq!(won.iter().filter(|w| **w).count(), 1, "{won:?}");
    })
}
