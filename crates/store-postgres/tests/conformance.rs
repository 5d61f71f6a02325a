//! The store conformance suite on PostgreSQL, when YIPING_TEST_POSTGRES_URL names a server.
//! Each scenario gets its own database, dropped afterwards.

use yiping_store_conformance::scenarios;
use yiping_store_postgres::open;
use yiping_store_postgres::testing::{TempDatabase, admin_url};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_conformance_scenario_passes_on_postgres() {
    let Some(admin) = admin_url() else {
        eprintln!("skipped: YIPING_TEST_POSTGRES_URL is not set");
        return;
    };
    for (name, scenario) in scenarios() {
        let db = TempDatabase::create(&admin).await;
        let store = open(&db.url, 4).await.unwrap();
        eprintln!("postgres: {name}");
        scenario(&store).await;
        store.close().await;
    }
    // CI greps for this line to prove the PostgreSQL leg ran.
    println!("POSTGRES_CONFORMANCE_RAN");
}

#[tokio::test]
async fn an_unreachable_server_gives_a_precise_error_without_the_password() {
    let err = open("postgres://someone:secret@127.0.0.1:1/nothing", 1)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("PostgreSQL") && !err.contains("secret"),
        "{err}"
    );
}
