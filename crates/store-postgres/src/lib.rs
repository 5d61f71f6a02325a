//! The shared-server backend: PostgreSQL, migrated on open.
//!
//! Principal function: [`open`], which returns the shared `yiping_store_sql::SqlStore`; also
//! [`redact`] (a URL without its password, for messages) and, for tests, [`testing`] (a
//! throw-away database per test). The statements themselves live in `yiping-store-sql`, which
//! runs PostgreSQL's work-item writes in pooled transactions (no native path); this crate owns
//! the connection settings and the SQL of `migrations/` (the versions are listed once, in
//! `yiping_store_sql::migrations!`).

use std::time::Duration;

use sqlx::Connection;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, install_default_drivers};
use yiping_store::StoreError;
use yiping_store_sql::{Dialect, SqlStore, map_err};

/// The migrations: the versions listed once in `yiping_store_sql::migrations!`, the SQL from this
/// crate's `migrations/`, embedded. Never edit one that has been released: add a new one.
fn migrator() -> sqlx::migrate::Migrator {
    yiping_store_sql::migrator(yiping_store_sql::migrations!())
}

/// Hides the password of a URL for messages.
pub fn redact(url: &str) -> String {
    match url.parse::<sqlx::any::AnyConnectOptions>() {
        Ok(o) => {
            let mut u = o.database_url.clone();
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "（无法解析的地址）".to_string(),
    }
}

/// The URL without its password, and the password (for tools such as `pg_dump`, which take it
/// from `PGPASSWORD` so that it does not show in the process list).
pub fn without_password(url: &str) -> Result<(String, Option<String>), StoreError> {
    let o: AnyConnectOptions = url.parse().map_err(map_err)?;
    let mut u = o.database_url.clone();
    let password = u.password().map(percent_decode);
    let _ = u.set_password(None);
    Ok((u.to_string(), password))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(hex) = std::str::from_utf8(&b[i + 1..i + 3])
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Connects to (and migrates) the PostgreSQL database at `url` (`postgres://…` or `postgresql://…`).
pub async fn open(url: &str, max_connections: u32) -> Result<SqlStore, StoreError> {
    install_default_drivers();
    let opts: AnyConnectOptions = url.parse().map_err(map_err)?;
    let unavailable = |e: sqlx::Error| StoreError::Unavailable {
        message: format!("无法连接 PostgreSQL“{}”：{e}", redact(url)),
    };
    // One direct attempt first: the pool would keep retrying a refused connection until its
    // acquire timeout, and a wrong address should fail at once.
    let probe = sqlx::AnyConnection::connect_with(&opts)
        .await
        .map_err(unavailable)?;
    probe.close().await.map_err(unavailable)?;
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(opts)
        .await
        .map_err(unavailable)?;
    migrator()
        .run(&pool)
        .await
        .map_err(|e| yiping_store_sql::migration_error(e, yiping_store_sql::migrations!()))?;
    Ok(SqlStore::new(pool, Dialect::Postgres))
}

/// Throw-away databases for tests: each test gets a fresh database on the server named by
/// `YIPING_TEST_POSTGRES_URL`, dropped when the guard is dropped.
pub mod testing {
    use sqlx::AnyConnection;
    use sqlx::Connection;
    use sqlx::any::{AnyConnectOptions, install_default_drivers};
    use std::sync::atomic::{AtomicU32, Ordering};

    /// The variable that names the PostgreSQL server for tests.
    pub const URL_VAR: &str = "YIPING_TEST_POSTGRES_URL";
    /// When set to 1, a missing or unreachable server fails the tests instead of skipping them.
    pub const REQUIRED_VAR: &str = "YIPING_TEST_POSTGRES_REQUIRED";

    /// The admin URL for tests, or `None` when PostgreSQL tests should be skipped. Panics when
    /// PostgreSQL is required but not configured, so CI cannot silently skip the leg.
    pub fn admin_url() -> Option<String> {
        match std::env::var(URL_VAR) {
            Ok(u) if !u.trim().is_empty() => Some(u),
            _ if std::env::var(REQUIRED_VAR).as_deref() == Ok("1") => {
                panic!("{REQUIRED_VAR}=1 but {URL_VAR} is not set: the PostgreSQL leg cannot run")
            }
            _ => None,
        }
    }

    /// A database created for one test and dropped afterwards.
    #[derive(Debug)]
    pub struct TempDatabase {
        admin_url: String,
        name: String,
        pub url: String,
    }

    impl TempDatabase {
        pub async fn create(admin_url: &str) -> Self {
            static SEQ: AtomicU32 = AtomicU32::new(0);
            install_default_drivers();
            let name = format!(
                "yiping_t_{}_{}_{}",
                std::process::id(),
                SEQ.fetch_add(1, Ordering::Relaxed),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or(0)
            );
            let mut admin = AnyConnection::connect(admin_url)
                .await
                .expect("connect to the test PostgreSQL server");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut admin)
                .await
                .expect("create a test database");
            let _ = admin.close().await;
            let opts: AnyConnectOptions = admin_url.parse().expect("a valid URL");
            let mut url = opts.database_url.clone();
            url.set_path(&format!("/{name}"));
            Self {
                admin_url: admin_url.to_string(),
                name,
                url: url.to_string(),
            }
        }
    }

    impl Drop for TempDatabase {
        fn drop(&mut self) {
            let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
            // Drop runs outside async; use a short-lived runtime on a separate thread.
            let _ = std::thread::spawn(move || {
                let rt = tokio_rt();
                rt.block_on(async move {
                    if let Ok(mut c) = AnyConnection::connect(&admin_url).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&mut c)
                        .await;
                        let _ = c.close().await;
                    }
                });
            })
            .join();
        }
    }

    fn tokio_rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime")
    }
}
