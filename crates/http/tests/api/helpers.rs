//! What every API test needs: a server on port 0 over a fresh database, and requests over TCP.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use chrono::Utc;
use serde_json::Value;
use yiping_app::database::{Create, DatabaseUrl, open};
use yiping_demo::{generate, load_demo};
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
                    yiping_demo::ensure_demo_users(&store, Utc::now())
                        .await
                        .unwrap();
                    // Fold the WAL into the main file so that a plain copy is complete.
                    yiping_store_sqlite::checkpoint(&store).await.unwrap();
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

/// A server over a fresh copy of the demo database, its state set up by `with`.
pub async fn spawn_demo_with(with: impl FnOnce(AppState) -> AppState) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    std::fs::copy(template(), &db).unwrap();
    let url = DatabaseUrl::Sqlite(db);
    let server_store = open(&url, Create::No).await.unwrap();
    let store = open(&url, Create::No).await.unwrap();
    serve(with(AppState::new(server_store)), store, Vec::new(), dir).await
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

/// Takes a server's database away: closes the server's connections, so that every later query
/// fails as with the database down (`StoreError::Unavailable`).
pub type Outage =
    Box<dyn FnOnce() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> + Send>;

/// A server over a fresh copy of the demo database, accepting Open311 posts with the key
/// `secret-key`, and the switch that takes its database away.
pub async fn spawn_demo_with_outage() -> (TestApp, Outage) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    std::fs::copy(template(), &db).unwrap();
    let server = Arc::new(
        yiping_store_sqlite::open(&db, yiping_store_sqlite::OpenMode::MustExist)
            .await
            .unwrap(),
    );
    let state = AppState::new(server.clone()).with_open311_key(Some("secret-key".into()));
    let store = open(&DatabaseUrl::Sqlite(db), Create::No).await.unwrap();
    let app = serve(state, store, Vec::new(), dir).await;
    let outage: Outage = Box::new(move || Box::pin(async move { server.close().await }));
    (app, outage)
}

/// A minimal HTTP/1.1 request over TCP; returns the status, the content type and the body.
pub async fn request(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Option<(&str, String)>,
) -> (u16, String, String) {
    let r = send(app, method, path, &[], body).await;
    (r.status, r.content_type, r.body)
}

/// A response as the tests read it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced) and as sent.
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// A request with extra headers.
pub async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, String)>,
) -> Reply {
    let body = body.map(|(ct, b)| (ct, b.into_bytes()));
    send_bytes(app, method, path, headers, body).await
}

/// A request with extra headers and a body of any bytes (an XLSX upload).
pub async fn send_bytes(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, Vec<u8>)>,
) -> Reply {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(&app.addr).await.unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        app.addr
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some((ct, b)) = &body {
        req.push_str(&format!(
            "Content-Type: {ct}\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    req.push_str("\r\n");
    let mut req = req.into_bytes();
    if let Some((_, b)) = &body {
        req.extend_from_slice(b);
    }
    s.write_all(&req).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8(buf[..split].to_vec()).unwrap();
    let raw = &buf[split + 4..];
    let status: u16 = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let lower = head.to_ascii_lowercase();
    let ct = lower
        .lines()
        .find_map(|l| l.strip_prefix("content-type: "))
        .unwrap_or_default()
        .to_string();
    let bytes = if lower.contains("transfer-encoding: chunked") {
        dechunk(raw)
    } else {
        raw.to_vec()
    };
    let headers = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        content_type: ct,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}

fn dechunk(mut s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(at) = s.windows(2).position(|w| w == b"\r\n") {
        let len = String::from_utf8_lossy(&s[..at]);
        let n = usize::from_str_radix(len.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        let rest = &s[at + 2..];
        out.extend_from_slice(&rest[..n]);
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

/// The password of every demo user.
pub const PASSWORD: &str = yiping_demo::DEMO_PASSWORD;

/// A signed-in browser: its session cookie and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// Signs `login` in through the login form, as a browser does, and reads the CSRF token from
/// `/api/v1/me`.
pub async fn login(app: &TestApp, login: &str) -> Session {
    let form = send(app, "GET", "/login", &[], None).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let login_cookie = set_cookie(&form, "yiping_login_csrf").expect("login CSRF cookie");
    let token = login_cookie.split_once('=').unwrap().1.to_string();
    let body = format!(
        "login={}&password={}&_csrf={token}&next=%2F",
        enc(login),
        enc(PASSWORD)
    );
    let cookie_header = login_cookie.clone();
    let r = send(
        app,
        "POST",
        "/login",
        &[("Cookie", &cookie_header)],
        Some(("application/x-www-form-urlencoded", body)),
    )
    .await;
    assert_eq!(r.status, 303, "login {login}: {}", r.body);
    let cookie = set_cookie(&r, "yiping_session").expect("session cookie");
    let me = send(app, "GET", "/api/v1/me", &[("Cookie", &cookie)], None).await;
    assert_eq!(me.status, 200, "{}", me.body);
    let csrf = me.json()["csrf"].as_str().unwrap().to_string();
    Session { cookie, csrf }
}

/// `name=value` of a cookie the response sets.
pub fn set_cookie(r: &Reply, name: &str) -> Option<String> {
    r.headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .map(|(_, v)| v.split(';').next().unwrap_or("").trim().to_string())
        .find(|c| c.starts_with(&format!("{name}=")))
}

/// A request as a signed-in browser: the cookie, and the CSRF header on anything but GET.
pub async fn send_as(
    app: &TestApp,
    s: &Session,
    method: &str,
    path: &str,
    body: Option<(&str, String)>,
) -> Reply {
    let mut headers = vec![("Cookie", s.cookie.as_str())];
    if method != "GET" {
        headers.push(("X-CSRF-Token", s.csrf.as_str()));
    }
    send(app, method, path, &headers, body).await
}

pub async fn get_as(app: &TestApp, s: &Session, path: &str) -> Reply {
    send_as(app, s, "GET", path, None).await
}

pub async fn post_json_as(app: &TestApp, s: &Session, path: &str, body: Value) -> Reply {
    send_as(
        app,
        s,
        "POST",
        path,
        Some(("application/json", body.to_string())),
    )
    .await
}

/// Posts a urlencoded form with the session's `_csrf` field (as a plain HTML form does).
pub async fn post_form_as(
    app: &TestApp,
    s: &Session,
    path: &str,
    fields: &[(&str, &str)],
) -> Reply {
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("_csrf", s.csrf.as_str()));
    let body = all
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    send(
        app,
        "POST",
        path,
        &[("Cookie", s.cookie.as_str())],
        Some(("application/x-www-form-urlencoded", body)),
    )
    .await
}

/// An API token for `login` (issued directly in the store), for `Authorization: Bearer`.
pub async fn api_token(app: &TestApp, login: &str) -> String {
    yiping_app::auth::issue_api_token(app.store.as_ref(), login, "测试", "测试", Utc::now())
        .await
        .unwrap()
}

/// A GET with a bearer token.
pub async fn get_bearer(app: &TestApp, token: &str, path: &str) -> Reply {
    let h = format!("Bearer {token}");
    send(app, "GET", path, &[("Authorization", &h)], None).await
}

/// A JSON POST with a bearer token (no CSRF needed).
pub async fn post_bearer(app: &TestApp, token: &str, path: &str, body: Value) -> Reply {
    let h = format!("Bearer {token}");
    send(
        app,
        "POST",
        path,
        &[("Authorization", &h)],
        Some(("application/json", body.to_string())),
    )
    .await
}

/// The name of the first value field (`v<indicator id>`) of an entry form.
pub fn first_value_field(html: &str) -> String {
    html.match_indices("name=\"v")
        .map(|(at, m)| {
            html[at + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .find(|d| !d.is_empty())
        .map(|d| format!("v{d}"))
        .expect("a value field")
}

/// A server over a fresh PostgreSQL database holding the demo (the same as [`spawn_demo`]), when
/// `YIPING_TEST_POSTGRES_URL` names a server; the database is dropped with the returned guard.
pub async fn spawn_demo_postgres() -> Option<(TestApp, yiping_store_postgres::testing::TempDatabase)>
{
    let admin = yiping_store_postgres::testing::admin_url()?;
    let db = yiping_store_postgres::testing::TempDatabase::create(&admin).await;
    let url = DatabaseUrl::Postgres(db.url.clone());
    let server_store = open(&url, Create::Yes).await.unwrap();
    let ctx = ChangeContext::new("测试", "demo", Utc::now());
    load_demo(server_store.as_ref(), &generate(11), &ctx)
        .await
        .unwrap();
    yiping_demo::ensure_demo_users(server_store.as_ref(), Utc::now())
        .await
        .unwrap();
    let store = open(&url, Create::No).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    Some((
        serve(AppState::new(server_store), store, Vec::new(), dir).await,
        db,
    ))
}
