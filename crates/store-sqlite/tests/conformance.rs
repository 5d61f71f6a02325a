//! The store conformance suite on SQLite: every scenario on a fresh database file.

use yiping_store_conformance::scenarios;
use yiping_store_sqlite::{OpenMode, open};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_conformance_scenario_passes_on_sqlite() {
    for (name, scenario) in scenarios() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir.path().join("t.db"), OpenMode::CreateIfMissing)
            .await
            .unwrap();
        eprintln!("sqlite: {name}");
        scenario(&store).await;
        store.close().await;
    }
}

#[tokio::test]
async fn a_missing_file_is_refused_unless_creation_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.db");
    let err = open(&path, OpenMode::MustExist)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("typo.db") && err.contains("yiping init"),
        "{err}"
    );
    assert!(!path.exists());
}

#[tokio::test]
async fn the_database_uses_wal_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("库 文件#1.db");
    let store = open(&path, OpenMode::CreateIfMissing).await.unwrap();
    let mode: (String,) = sqlx_row(&store, "PRAGMA journal_mode").await;
    assert_eq!(mode.0.to_lowercase(), "wal");
    let fk: (i64,) = sqlx_row(&store, "PRAGMA foreign_keys").await;
    assert_eq!(fk.0, 1);
    store.close().await;
    assert!(
        path.exists(),
        "the file is created at the given path, even with spaces and #"
    );
    // Re-opening runs no migration twice.
    let again = open(&path, OpenMode::MustExist).await.unwrap();
    again.close().await;
}

async fn sqlx_row<T>(store: &yiping_store_sql::SqlStore, sql: &'static str) -> T
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    sqlx::query_as::<_, T>(sql)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn ids_reserved_ahead_in_a_burst_are_given_back_on_close() {
    use yiping_flow::ItemId;
    use yiping_store::WorkItemStore;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ids.db");
    let store = open(&path, OpenMode::CreateIfMissing).await.unwrap();
    let mut got = Vec::new();
    for _ in 0..3 {
        got.extend(store.reserve_item_ids(1).await.unwrap());
    }
    assert_eq!(got, [ItemId(1), ItemId(2), ItemId(3)], "one after another");
    store.close().await;
    // The burst reserved a block after the first id; its unused rest came back.
    let again = open(&path, OpenMode::MustExist).await.unwrap();
    assert_eq!(again.reserve_item_ids(1).await.unwrap(), [ItemId(4)]);
    again.close().await;
}

#[tokio::test]
async fn the_migration_table_records_the_one_list_of_versions() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("m.db"), OpenMode::CreateIfMissing)
        .await
        .unwrap();
    let recorded: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, description FROM _sqlx_migrations ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    store.close().await;
    let listed: Vec<(i64, String)> = yiping_store_sql::migrations!()
        .iter()
        .map(|(v, name, _)| (*v, (*name).to_string()))
        .collect();
    assert_eq!(recorded, listed);
    // Released migrations keep their numbers and names, or existing databases would not open.
    let released = [
        (1, "foundation"),
        (2, "evaluations"),
        (3, "work_items"),
        (4, "users"),
    ];
    let names: Vec<(i64, &str)> = recorded.iter().map(|(v, n)| (*v, n.as_str())).collect();
    assert_eq!(names[..released.len()], released);
}
