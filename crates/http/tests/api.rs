//! Black-box tests of the HTTP server: a real listener on port 0, a fresh database per test,
//! requests over TCP.

use std::sync::Arc;

use chrono::Utc;
use serde_json::Value;
use yiping_app::database::{Create, DatabaseUrl, open};
use yiping_app::demo::generate;
use yiping_app::seed::load_demo;
use yiping_http::AppState;
use yiping_store::{ChangeContext, Store};

struct TestApp {
    base: String,
    _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The demo database, built once per test binary and copied for each test.
fn template() -> &'static std::path::Path {
    static TEMPLATE: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> =
        std::sync::OnceLock::new();
    &TEMPLATE
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("template.db");
            let p = path.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    let store = yiping_store_sqlite::open(
                        &p,
                        yiping_store_sqlite::OpenMode::CreateIfMissing,
                    )
                    .await
                    .unwrap();
                    load_demo(
                        &store,
                        &generate(7),
                        &ChangeContext::new("测试", "demo", Utc::now()),
                    )
                    .await
                    .unwrap();
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

/// Starts the server on a fresh copy of the demo database.
async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    std::fs::copy(template(), &db).unwrap();
    let store: Arc<dyn Store> = open(&DatabaseUrl::Sqlite(db), Create::No).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(yiping_http::serve(
        listener,
        AppState::new(store),
        async move {
            let _ = rx.await;
        },
    ));
    TestApp {
        base,
        _dir: dir,
        shutdown: Some(tx),
    }
}

/// A minimal HTTP/1.1 GET over a TCP socket (the server is ours; no client library needed).
async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8(buf).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
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

fn enc(s: &str) -> String {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_the_database() {
    let app = spawn_app().await;
    let (status, body) = get(&app, "/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["database"], "sqlite");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entities_filter_and_page() {
    let app = spawn_app().await;
    let (s, body) = get(&app, "/api/v1/entities?kind=region&level=2&limit=10").await;
    assert_eq!(s, 200);
    assert_eq!(body["total"], 41, "38 区县 and 3 functional areas");
    assert_eq!(body["items"].as_array().unwrap().len(), 10);
    let (_, p2) = get(
        &app,
        "/api/v1/entities?kind=region&level=2&limit=10&offset=40",
    )
    .await;
    assert_eq!(p2["items"].as_array().unwrap().len(), 1);
    let (_, q) = get(&app, &format!("/api/v1/entities?q={}", enc("梁平县"))).await;
    assert_eq!(q["items"][0]["name"], "梁平区");
    let id = q["items"][0]["id"].as_i64().unwrap();
    let (_, towns) = get(&app, &format!("/api/v1/entities?parent={id}&kind=region")).await;
    assert!(
        towns["total"].as_u64().unwrap() > 10,
        "梁平区 has its towns"
    );
    let (s, one) = get(&app, &format!("/api/v1/entities/{id}")).await;
    assert_eq!((s, one["code"].as_str()), (200, Some("500155")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observations_filter_by_indicator_name_chinese_period_and_measure() {
    let app = spawn_app().await;
    let path = format!(
        "/api/v1/observations?indicator={}&period={}&measure=growth&limit=100",
        enc("地区生产总值"),
        enc("2023年")
    );
    let (s, body) = get(&app, &path).await;
    assert_eq!(s, 200);
    let items = body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|o| o["indicator"] == "GDP" && o["period"] == "2023" && o["measure"] == "growth")
    );
    let city = items.iter().find(|o| o["entity"] == 1).expect("the city");
    assert_eq!(city["value"], 6.1, "the published 2023 growth");
    assert_eq!(body["total"].as_u64().unwrap() as usize, items.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_the_error_shape_in_chinese() {
    let app = spawn_app().await;
    for (path, status) in [
        ("/api/v1/observations?period=2024Q5", 400),
        ("/api/v1/observations?indicator=NOPE", 400),
        ("/api/v1/observations?limit=0", 400),
        ("/api/v1/entities?kind=city", 400),
        ("/api/v1/entities/abc", 400),
        ("/api/v1/entities/999999", 404),
        ("/api/v1/nothing", 404),
    ] {
        let (s, body) = get(&app, path).await;
        assert_eq!(s, status, "{path}: {body}");
        let msg = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !body["error"]["code"].is_null() && !msg.is_empty(),
            "{path}: {body}"
        );
        assert!(
            msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{path}: message not in Chinese: {msg}"
        );
    }
}
