//! The write-ahead log stays bounded (issue 18, defect 3): without truncating checkpoints it kept
//! the size of every burst (2.2 GB after a minute of writes while readers read) and a finished
//! import left a log of its own size behind.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use yiping_kernel::{
    EntityKind, Measure, NewEntity, NewIndicator, ObservationKey, ObservationStatus,
    ObservationValue, Period,
};
use yiping_store::{
    ApplyOptions, ChangeContext, EntityUpsert, ObservationFilter, Page, ParentRef, Store,
};
use yiping_store_sqlite::{OpenMode, open, wal_path};

const MIB: u64 = 1024 * 1024;

/// `journal_size_limit` and the size from which the checkpoint thread truncates.
const LIMIT: u64 = 16 * MIB;

fn wal_size(db: &std::path::Path) -> u64 {
    std::fs::metadata(wal_path(db))
        .map(|m| m.len())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_stays_bounded_under_bursts_with_readers_and_is_empty_after_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wal.db");
    let store = Arc::new(open(&db, OpenMode::CreateIfMissing).await.unwrap());
    let ctx = ChangeContext::new(
        "测试",
        "wal",
        Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
    );
    let mut entities = vec![EntityUpsert::new(
        NewEntity::new(EntityKind::Region, None, "全市", 1).unwrap(),
    )];
    for n in 0..400 {
        entities.push(
            EntityUpsert::new(
                NewEntity::new(EntityKind::Region, None, &format!("区{n}"), 2).unwrap(),
            )
            .with_parent(ParentRef::Earlier(0)),
        );
    }
    let ids: Vec<_> = store
        .upsert_entities(&entities, &ctx)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    store
        .upsert_indicators(&[NewIndicator::new("X", "某指标", "亿元").unwrap()], &ctx)
        .await
        .unwrap();
    let x = store.indicators().await.unwrap()[0].id;
    let periods: Vec<Period> = (2000..2025)
        .flat_map(|y| (1..=12).map(move |m| Period::month(y, m).unwrap()))
        .collect();
    let batch = |round: u32| -> Vec<(ObservationKey, ObservationValue)> {
        let mut b = Vec::new();
        for e in &ids {
            for (p, measure) in periods
                .iter()
                .flat_map(|p| [(p, Measure::Value), (p, Measure::Growth)])
            {
                b.push((
                    ObservationKey {
                        entity: *e,
                        indicator: x,
                        period: *p,
                        measure,
                    },
                    ObservationValue::new(f64::from(round) + 0.5, ObservationStatus::Submitted)
                        .unwrap(),
                ));
            }
        }
        b
    };
    // Readers all the time: with passive checkpoints alone the log could never restart.
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let _ = store
                    .observations(&ObservationFilter::default(), Page::first(50))
                    .await;
            }
        })
    };
    // How large the log gets, sampled while it is written.
    let sampler = {
        let (db, stop) = (db.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut largest = 0;
            while !stop.load(Ordering::Relaxed) {
                largest = largest.max(wal_size(&db));
                std::thread::sleep(Duration::from_millis(20));
            }
            largest
        })
    };
    let started = Instant::now();
    store
        .apply_observations(&batch(0), &ctx, ApplyOptions::write())
        .await
        .unwrap();
    let burst = wal_size(&db);
    // Give the checkpoint thread its tick.
    let deadline = Instant::now() + Duration::from_secs(20);
    while wal_size(&db) > LIMIT && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let settled = wal_size(&db);
    stop.store(true, Ordering::Relaxed);
    reader.await.unwrap();
    let largest = sampler.join().unwrap();
    eprintln!(
        "rows per round {}, largest log {} MiB, after the burst {} MiB, settled {} MiB, {:?}",
        batch(0).len(),
        largest / MIB,
        burst / MIB,
        settled / MIB,
        started.elapsed()
    );
    assert!(
        largest > LIMIT,
        "the burst is too small to show anything: {largest} bytes"
    );
    assert!(
        settled <= LIMIT,
        "the log stays above its limit: {settled} bytes"
    );
    store.checkpoint().await.unwrap();
    assert_eq!(
        wal_size(&db),
        0,
        "a checkpoint at the end of a command empties the log"
    );
    store.close().await;
}
