//! What every API test needs: a server on port 0 over a fresh database, and requests over TCP.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::Utc;
use serde_json::Value;
use yiping_app::database::{Create, DatabaseUrl, open};
use yiping_app::demo::generate;
use yiping_app::seed::load_demo;
use yiping_http::AppState;
use yiping_kernel::EntityId;
use yiping_store::{ChangeContext, Store};

/// The demo database (every shipped scheme stored and evaluated), built once per test binary
/// and copied for each test.
fn template() -> &'static Path {
    static T: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &T.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.db");
        let p = path.clone();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move {
                    let store = yiping_store_sqlite::open(
                        &p,
                        yiping_store_sqlite::OpenMode::CreateIfMissing,
                    )
                    .await
                    .unwrap();
                    let ctx = ChangeContext::new("测试", "demo", Utc::now());
                    let s = load_demo(&store, &generate(11), &ctx).await.unwrap();
                    assert!(s.evaluations > 40, "{s:?}");
                    // Fold the WAL into the main file so that a plain copy is complete.
                    yiping_store_sql::sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                        .execute(store.pool())
                        .await
                        .unwrap();
                    store.close().await;
                })
        })
        .join()
        .unwrap();
        (dir, path)
    })
    .1
}

/// A running server; dropping it stops the server.
pub struct TestApp {
    pub addr: String,
    /// A second connection to the same database, as another process would have.
    pub store: Arc<dyn Store>,
    /// Ids of the entities a test seeded itself (empty for the demo).
    pub ids: Vec<EntityId>,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// Serves `state` on a fresh port.
pub async fn serve(
    state: AppState,
    store: Arc<dyn Store>,
    ids: Vec<EntityId>,
    dir: tempfile::TempDir,
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(yiping_http::serve(listener, state, async move {
        let _ = rx.await;
    }));
    TestApp {
        addr,
        store,
        ids,
        _dir: dir,
        stop: Some(tx),
    }
}

/// A server over a fresh copy of the demo database.
pub async fn spawn_demo() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    std::fs::copy(template(), &db).unwrap();
    let url = DatabaseUrl::Sqlite(db);
    let server_store = open(&url, Create::No).await.unwrap();
    let store = open(&url, Create::No).await.unwrap();
    serve(AppState::new(server_store), store, Vec::new(), dir).await
}

/// A minimal HTTP/1.1 request over TCP; returns the status, the content type and the body.
pub async fn request(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Option<(&str, String)>,
) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(&app.addr).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        app.addr
    );
    if let Some((ct, b)) = &body {
        req.push_str(&format!(
            "Content-Type: {ct}\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    req.push_str("\r\n");
    if let Some((_, b)) = &body {
        req.push_str(b);
    }
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let lower = head.to_ascii_lowercase();
    let ct = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-type: "))
        .unwrap_or_default()
        .to_string();
    let body = if lower.contains("transfer-encoding: chunked") {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, ct, body)
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((len, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

pub async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let (status, _, body) = request(app, "GET", path, None).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

pub async fn post_json(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let (status, _, body) = request(
        app,
        "POST",
        path,
        Some(("application/json", body.to_string())),
    )
    .await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
