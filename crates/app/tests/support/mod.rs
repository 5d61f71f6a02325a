//! What the app's integration tests share: both backends, and importing a CSV text.
// Each test binary uses only some of these helpers.
#![allow(dead_code)]

use std::sync::Arc;

use yiping_app::database::{Create, DatabaseUrl, open};
use yiping_app::import::{Approved, ImportKind, ImportOptions, ImportOutcome, import_grid_as};
use yiping_io::{ParseOptions, ReadOptions, read_grid_bytes};
use yiping_store::{ChangeContext, Store};
use yiping_store_postgres::testing::{TempDatabase, admin_url};

/// Runs `f` on a fresh SQLite store, then on a fresh PostgreSQL database when configured.
pub async fn on_both<F, Fut>(f: F)
where
    F: Fn(Arc<dyn Store>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let store = open(&DatabaseUrl::Sqlite(dir.path().join("t.db")), Create::Yes)
        .await
        .unwrap();
    f(store).await;
    if let Some(admin) = admin_url() {
        let db = TempDatabase::create(&admin).await;
        let store = open(&DatabaseUrl::Postgres(db.url.clone()), Create::Yes)
            .await
            .unwrap();
        f(store).await;
    }
}

/// Imports `csv` (recognised from its header) and returns what the import did.
pub async fn import_csv(store: &dyn Store, csv: &str, ctx: &ChangeContext) -> ImportOutcome {
    import_csv_as(store, csv, Approved::Keep, ctx).await
}

/// [`import_csv`] by someone who may (`Approved::Reopen`) or may not change approved values.
pub async fn import_csv_as(
    store: &dyn Store,
    csv: &str,
    approved: Approved,
    ctx: &ChangeContext,
) -> ImportOutcome {
    let grid = read_grid_bytes("数据.csv", csv.as_bytes(), &ReadOptions::default()).unwrap();
    let opts = ImportOptions {
        kind: ImportKind::Auto,
        read: ReadOptions::default(),
        parse: ParseOptions::default(),
        dry_run: false,
    };
    import_grid_as(store, &grid, &opts, approved, ctx)
        .await
        .unwrap()
}

/// The id of the entity with `code` (500103, D009) in `store`.
pub async fn entity_by_code(store: &dyn Store, code: &str) -> yiping_kernel::EntityId {
    store
        .all_entities()
        .await
        .unwrap()
        .iter()
        .find(|e| e.data.code.as_ref().is_some_and(|c| c.as_str() == code))
        .unwrap_or_else(|| panic!("no entity {code}"))
        .id
}
