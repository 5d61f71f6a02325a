//! A stored evaluation whose JSON does not decode is reported as corrupt, naming the scheme,
//! period and entity (the conformance scenario, given raw SQL on a throw-away PostgreSQL
//! database), when YIPING_TEST_POSTGRES_URL names a server.

use std::sync::Arc;

use yiping_store_conformance::{BoxFut, RawSql, corrupt_results_are_named};
use yiping_store_postgres::open;
use yiping_store_postgres::testing::{TempDatabase, admin_url};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_evaluation_row_names_its_scheme_period_and_entity_on_postgres() {
    let Some(admin) = admin_url() else {
        eprintln!("skipped: YIPING_TEST_POSTGRES_URL is not set");
        return;
    };
    let db = TempDatabase::create(&admin).await;
    let store = open(&db.url, 2).await.unwrap();
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
