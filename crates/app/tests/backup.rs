//! `yiping backup` / `yiping restore` on SQLite: a backup taken while other connections write
//! is whole (same exports, same league tables after a restore); restore refuses to overwrite
//! without force and refuses a schema it does not know.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{TimeZone, Utc};
use yiping_app::backup::{backup, restore};
use yiping_app::database::{Create, DatabaseUrl, open};
use yiping_app::export::{ExportLayout, export_observations};
use yiping_demo::{generate, load_demo};
use yiping_store::{AuditEvent, ChangeContext, ObservationFilter, Page, ResultFilter, Store};

fn ctx() -> ChangeContext {
    ChangeContext::new(
        "测试",
        "备份",
        Utc.with_ymd_and_hms(2025, 1, 20, 8, 0, 0).unwrap(),
    )
}

/// Every observation as CSV, and every stored league table.
async fn snapshot(s: &dyn Store, csv: &std::path::Path) -> (Vec<u8>, Vec<String>) {
    export_observations(s, &ObservationFilter::default(), ExportLayout::Long, csv)
        .await
        .unwrap();
    let mut leagues = Vec::new();
    for run in s.evaluation_runs(None).await.unwrap() {
        let page = s
            .evaluation(
                &run.scheme,
                run.period,
                &ResultFilter::default(),
                Page::first(Page::MAX_LIMIT),
            )
            .await
            .unwrap()
            .unwrap();
        leagues.push(format!("{page:?}"));
    }
    (std::fs::read(csv).unwrap(), leagues)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_to_identical_exports_and_leagues() {
    let dir = tempfile::tempdir().unwrap();
    let url = DatabaseUrl::Sqlite(dir.path().join("live.db"));
    let store = open(&url, Create::Yes).await.unwrap();
    let summary = load_demo(store.as_ref(), &generate(7), &ctx())
        .await
        .unwrap();
    assert!(summary.evaluations > 0);

    // Writers on other tables (the audit trail, work-item ids through the group-commit writer)
    // while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicUsize::new(0));
    let mut load = Vec::new();
    for w in 0..3 {
        let (store, stop, writes) = (store.clone(), stop.clone(), writes.clone());
        load.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                if w == 0 {
                    store.reserve_item_ids(1).await.unwrap();
                } else {
                    store
                        .record_audit(&AuditEvent {
                            at: Utc::now(),
                            actor: format!("写入者{w}"),
                            action: "test.write".into(),
                            target: n.to_string(),
                            detail: "备份时的写入".into(),
                        })
                        .await
                        .unwrap();
                }
                n += 1;
                writes.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let out = dir.path().join("备份.db");
    let said = backup(&url, &out, false).await.unwrap();
    assert!(said.contains("已备份"), "{said}");
    let during = writes.load(Ordering::Relaxed);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, Ordering::Relaxed);
    for l in load {
        l.await.unwrap();
    }
    assert!(
        writes.load(Ordering::Relaxed) > during,
        "the writers kept writing"
    );
    // A second backup to the same name is refused without force.
    let again = backup(&url, &out, false).await.unwrap_err().to_string();
    assert!(
        again.contains("已存在") && again.contains("--force"),
        "{again}"
    );

    // Restored elsewhere: the same data and the same league tables.
    let copy = DatabaseUrl::Sqlite(dir.path().join("restored.db"));
    restore(&copy, &out, false).await.unwrap();
    let restored = open(&copy, Create::No).await.unwrap();
    let live = snapshot(store.as_ref(), &dir.path().join("live.csv")).await;
    let back = snapshot(restored.as_ref(), &dir.path().join("back.csv")).await;
    assert!(live.0.len() > 1000 && !live.1.is_empty());
    assert!(live.0 == back.0, "the exports differ");
    assert_eq!(live.1, back.1, "the league tables differ");

    // Overwriting the restored database needs force.
    let refused = restore(&copy, &out, false).await.unwrap_err().to_string();
    assert!(
        refused.contains("已存在") && refused.contains("--force"),
        "{refused}"
    );
    drop(restored);
    restore(&copy, &out, true).await.unwrap();

    // A backup of a newer schema (a version this build does not know) is refused.
    let newer = dir.path().join("newer.db");
    std::fs::copy(&out, &newer).unwrap();
    record_a_newer_version(&newer).await;
    let e = restore(&DatabaseUrl::Sqlite(dir.path().join("x.db")), &newer, true)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("9999") && e.contains("更新版本"), "{e}");
    assert!(!dir.path().join("x.db").exists());
    store.checkpoint().await.unwrap();
}

/// Records a schema version 9999 in a copy, as a newer yiping would have.
async fn record_a_newer_version(db: &std::path::Path) {
    let c = rusqlite::Connection::open(db).unwrap();
    c.execute(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (9999, 'future', '2030-01-01', 1, x'00', 0)",
        [],
    )
    .unwrap();
}
