//! A stored evaluation whose JSON does not decode is reported as corrupt, naming the scheme,
//! period and entity (the conformance scenario, given raw SQL on a fresh SQLite file).

use std::sync::Arc;

use yiping_store_conformance::{BoxFut, RawSql, corrupt_results_are_named};
use yiping_store_sqlite::{OpenMode, open};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_evaluation_row_names_its_scheme_period_and_entity_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir.path().join("t.db"), OpenMode::CreateIfMissing)
        .await
        .unwrap();
    let pool = Arc::new(store.pool().clone());
    let raw = move |sql: String| -> BoxFut<'static> {
        let pool = pool.clone();
        Box::pin(async move {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(pool.as_ref())
                .await
                .unwrap();
        })
    };
    let raw: &RawSql = &raw;
    corrupt_results_are_named(&store, raw).await;
    store.close().await;
}
