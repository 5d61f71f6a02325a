//! Running the built `yiping` binary against a database file.

use std::path::Path;
use std::process::{Command, Output};

pub fn yiping(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yiping"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env_remove("YIPING_DATABASE_URL")
        .output()
        .unwrap()
}

/// Everything the command printed, stdout then stderr.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The newest audit events of the database file, as the server's admin page lists them.
pub fn audit(db: &Path) -> Vec<yiping_store::AuditEvent> {
    let url = yiping_app::database::DatabaseUrl::Sqlite(db.to_path_buf());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = yiping_app::database::open(&url, yiping_app::database::Create::No)
                .await
                .unwrap();
            store.audit_events(200).await.unwrap()
        })
}
