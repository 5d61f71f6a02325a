//! A crash between an import's commit and its follow-up (issue 18, defect 4): the write recorded
//! what it changed with the data; the next start finishes the follow-up, once, on both databases.

mod support;

use chrono::{TimeZone, Utc};
use support::on_both;
use yiping_app::evaluate::{evaluate_scheme, store_scheme};
use yiping_app::recovery::{finish_pending, follow_up_for, this_process};
use yiping_demo::{generate, load_demo_data};
use yiping_flow::ItemKind;
use yiping_kernel::{Period, Target, TargetKind};
use yiping_store::{AuditEvent, ChangeContext, FollowUp, Page, Store, WorkItemFilter};

fn ctx() -> ChangeContext {
    ChangeContext::new(
        "测试",
        "目标.csv",
        Utc.with_ymd_and_hms(2025, 1, 20, 8, 0, 0).unwrap(),
    )
}

const FAI_PROGRESS: &str = r#"
code = "FAI_PROGRESS"
name = "固投序时进度"
year = 2024
frequency = "month"
missing = "exclude"
scope_label = "全市"
[population]
kind = "region"
level = 2
[[items]]
id = "gap"
name = "固定资产投资序时进度差"
indicator = "FAI"
measure = "progress_gap"
weight = 100
"#;

async fn problems(s: &dyn Store) -> usize {
    let filter = WorkItemFilter {
        kind: Some(ItemKind::Problem),
        ..WorkItemFilter::default()
    };
    s.work_items(&filter, Page::first(1)).await.unwrap().total as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_left_by_a_dead_process_is_finished_once_by_the_next_start() {
    on_both(|store| async move {
        let s = store.as_ref();
        load_demo_data(s, &generate(9), &ctx()).await.unwrap();
        store_scheme(s, FAI_PROGRESS, &ctx()).await.unwrap();
        let sep = Period::parse_code("2024M01-M09").unwrap();
        evaluate_scheme(s, "FAI_PROGRESS", sep, ctx().at)
            .await
            .unwrap();
        let fai = s
            .indicators()
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.data.code.as_str() == "FAI")
            .unwrap()
            .id;
        let wanzhou = s
            .all_entities()
            .await
            .unwrap()
            .iter()
            .find(|e| e.data.code.as_ref().is_some_and(|c| c.as_str() == "500101"))
            .unwrap()
            .id;
        let filter = yiping_store::TargetFilter {
            year: Some(2024),
            indicator: Some(fai),
            entity: Some(wanzhou),
            kind: Some(TargetKind::Level),
        };
        let plan = s.targets(&filter).await.unwrap()[0].value;
        let before = problems(s).await;

        // What an import does up to its commit, in a process that then died (another machine's,
        // whose claim is older than the lease).
        let raised = Target::new(wanzhou, fai, 2024, TargetKind::Level, plan * 4.0, None).unwrap();
        let dead = FollowUp {
            owner: "另一台主机/4242/99".into(),
            audit: Some(AuditEvent {
                at: ctx().at,
                actor: "测试".into(),
                action: "import.apply".into(),
                target: "目标.csv".into(),
                detail: "目标，1 行".into(),
            }),
        };
        let r = s
            .upsert_targets(&[raised], &ctx().with_follow_up(dead))
            .await
            .unwrap();
        assert!(r.pending.is_some());
        // The audit row was committed with the data.
        assert!(
            s.audit_events(20)
                .await
                .unwrap()
                .iter()
                .any(|e| e.action == "import.apply" && e.target == "目标.csv")
        );
        // A note held by a live process (this one) is left alone.
        let mine = s
            .upsert_targets(
                &[Target::new(wanzhou, fai, 2025, TargetKind::Level, 1.0, None).unwrap()],
                &ctx().with_follow_up(follow_up_for(None)),
            )
            .await
            .unwrap()
            .pending
            .unwrap();
        assert_eq!(problems(s).await, before, "nothing followed yet");

        // Two starts at once: exactly one runs the follow-up.
        let now = Utc::now();
        let (a, b) = tokio::join!(finish_pending(s, now), finish_pending(s, now));
        let done: Vec<_> = a.unwrap().into_iter().chain(b.unwrap()).collect();
        assert_eq!(done.len(), 1, "{done:?}");
        let after = &done[0].after;
        let evaluated: Vec<String> = after
            .recomputed
            .evaluated
            .iter()
            .map(|(c, p)| format!("{c} {p}"))
            .collect();
        assert_eq!(
            evaluated,
            ["FAI_PROGRESS 2024M01-M09"],
            "{:?}",
            after.recomputed
        );
        assert!(after.alerts.raised >= 1, "{:?}", after.alerts);
        assert!(problems(s).await > before);
        let left: Vec<_> = s.pending_changes().await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(
            (left[0].id, left[0].claimed_by.as_deref()),
            (mine, Some(this_process()))
        );
        // Nothing left for the next start.
        assert!(finish_pending(s, now).await.unwrap().is_empty());
    })
    .await;
}
