//! Issue 18: what an attacker tried, over real HTTP — forged system links, oversized texts and
//! bodies, the sign-in throttle under concurrency, open redirects, response headers, limits on
//! costly routes.

use serde_json::json;

use super::helpers::*;
use super::work_items::spawn_app;

/// Defect 1: `extras.alert` / `extras.evaluation` / `extras.token` are written by the system and
/// refused from a client with 422 and a Chinese message (on the old main they were stored).
#[tokio::test]
async fn system_links_in_extras_are_refused_on_the_api() {
    let app = spawn_app().await;
    let district = app.ids[1].0;
    let admin = login(&app, "admin").await;
    let link = json!({
        "alert": {"rule": "IND_VA_DECLINE", "indicator": "IND_VA", "period": "2025Q1",
                  "entity": district, "value": -2.0, "threshold": 0.0, "severity": "critical"},
        "evaluation": {"scheme": "s", "period": "2025Q1", "entity": district, "indicators": []},
        "token": "0123456789abcdef0123456789abcdef",
    });
    for name in ["alert", "evaluation", "token"] {
        let r = post_json_as(
            &app,
            &admin,
            "/api/v1/items",
            json!({
                "kind": "problem",
                "title": "伪造",
                "category": "事件/01/01",
                "channel": "monitoring",
                "receiving_unit": district,
                "extras": {"problem_source": "督查", name: link[name]},
            }),
        )
        .await;
        assert_eq!(r.status, 422, "{name}: {}", r.body);
        let m = r.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(
            m.contains(&format!("extras.{name}")) && m.contains("系统"),
            "{m}"
        );
    }
}

/// Defect 6: one limit for descriptions (4,000 characters) on the API as on the pages and
/// Open311, answered 413 everywhere (the API stored 1.9 MB on the old main).
#[tokio::test]
async fn an_oversized_description_is_413_on_the_api_pages_and_open311() {
    let app = spawn_app().await;
    let district = app.ids[1].0;
    let grid = login(&app, "grid").await;
    let item = |d: String| {
        json!({
            "kind": "event",
            "title": "井盖缺失",
            "category": "事件/01/01",
            "channel": "grid_worker",
            "receiving_unit": district,
            "extras": {"description": d},
        })
    };
    let r = post_json_as(&app, &grid, "/api/v1/items", item("长".repeat(4001))).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "too_large");
    assert!(
        r.body.contains("描述不能超过 4000 个字符，实有 4001 个"),
        "{}",
        r.body
    );
    let r = post_json_as(&app, &grid, "/api/v1/items", item("长".repeat(4000))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The page's form.
    let r = post_form_as(
        &app,
        &grid,
        "/items/new",
        &[
            ("title", "井盖缺失"),
            ("category", "事件/01/01"),
            ("description", &"长".repeat(4001)),
        ],
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(r.body.contains("描述不能超过 4000 个字符"), "{}", r.body);
}

/// `media_url` is republished to anonymous Open311 readers: only http(s) addresses.
#[tokio::test]
async fn a_javascript_media_url_is_refused() {
    let app = spawn_app().await;
    let body = format!(
        "api_key=secret-key&service_code=event-01-02&address_string=x&media_url={}",
        enc("javascript:alert(document.cookie)")
    );
    let (status, _, body) = request(
        &app,
        "POST",
        "/open311/v2/requests.json",
        Some(("application/x-www-form-urlencoded", body)),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("http://") && body.contains("https://"),
        "{body}"
    );
    let body = format!(
        "api_key=secret-key&service_code=event-01-02&address_string=x&media_url={}",
        enc("https://example.org/a.jpg")
    );
    let (status, _, body) = request(
        &app,
        "POST",
        "/open311/v2/requests.json",
        Some(("application/x-www-form-urlencoded", body)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// One sign-in through the form (a fresh login CSRF cookie each time, as a browser gets).
async fn form_sign_in(app: &TestApp, login: &str, password: &str) -> Reply {
    let form = send(app, "GET", "/login", &[], None).await;
    let c = set_cookie(&form, "yiping_login_csrf").unwrap();
    let t = c.split_once('=').unwrap().1.to_string();
    send(
        app,
        "POST",
        "/login",
        &[("Cookie", &c)],
        Some((
            "application/x-www-form-urlencoded",
            format!("login={}&password={}&_csrf={t}", enc(login), enc(password)),
        )),
    )
    .await
}

/// Defect 2 over HTTP: 200 concurrent wrong passwords for one login are checked at most the
/// limit (5) times, the rest answer 429 (on the old main all were checked), and a colleague at
/// the same address still signs in.
#[tokio::test]
async fn a_burst_of_wrong_passwords_is_checked_at_most_the_limit() {
    let app = spawn_demo().await;
    let app = &app;
    let replies = futures::future::join_all(
        (0..200).map(|_| async move { form_sign_in(app, "analyst", "wrong-guess").await.status }),
    )
    .await;
    let wrong = replies.iter().filter(|s| **s == 401).count();
    let throttled = replies.iter().filter(|s| **s == 429).count();
    assert_eq!((wrong, throttled), (5, 195), "{replies:?}");
    login(app, "leader").await;
}

/// Defect 2: while a burst of sign-ins is hashed (on the bounded blocking pool), `/healthz`
/// still answers and every guess is answered. No timing is asserted (speed belongs in
/// benchmarks); the throttle tests above are what fails on the old main. That the hashing leaves
/// the request threads free is checked without a clock in app's `auth` unit tests.
#[tokio::test]
async fn healthz_answers_during_a_burst_of_sign_ins() {
    let app = spawn_demo().await;
    let app = &app;
    let burst = futures::future::join_all((0..90).map(|i| async move {
        form_sign_in(app, &format!("nobody{i}"), "wrong-guess")
            .await
            .status
    }));
    let probe = async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        request(app, "GET", "/healthz", None).await.0
    };
    let (statuses, status) = tokio::join!(burst, probe);
    assert_eq!(status, 200);
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
}

/// Sends only a request head declaring a body of `length` bytes (none is sent): a body over
/// the route's limit is refused on its declared length, before anything is read.
pub(crate) async fn declare_body(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    length: usize,
) -> Reply {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(&app.addr).await.unwrap();
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {length}\r\n",
        app.addr
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Reply {
        status: head.split_whitespace().nth(1).unwrap().parse().unwrap(),
        content_type: String::new(),
        headers: Vec::new(),
        body: body.to_string(),
        bytes: Vec::new(),
    }
}

/// Defects 6 and 7: bodies over their route's limit answer 413 with a Chinese message on the
/// API, Open311 and the pages (the API took 1.9 MB on the old main); a browser upload may be
/// up to 20 MB (the old main cut it at axum's default 2 MB with "上传内容无法读取").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_bodies_are_413_everywhere_and_uploads_take_20_mb() {
    let app = spawn_demo().await;
    let me = login(&app, "yuzhong-reporter").await;
    // A JSON body over 1 MB, actually sent.
    let big = json!({"title": "x", "extras": {"description": "长".repeat(700_000)}});
    let r = post_json_as(&app, &me, "/api/v1/items", big).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "too_large");
    assert!(r.body.contains("请求内容太大：不能超过 1 MB"), "{}", r.body);
    // Declared sizes, refused before reading.
    let r = declare_body(
        &app,
        "/open311/v2/requests.json",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        2_000_000,
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(r.body.contains("请求内容太大"), "{}", r.body);
    let r = declare_body(
        &app,
        "/data/import/preview",
        &[
            ("Cookie", &me.cookie),
            ("X-CSRF-Token", &me.csrf),
            ("HX-Request", "true"),
            ("Content-Type", "multipart/form-data; boundary=x"),
        ],
        21 * 1024 * 1024,
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(
        r.body.contains("上传的文件太大：不能超过 20 MB"),
        "{}",
        r.body
    );

    // A 3 MB table is read (its one row previewed), not cut off at 2 MB.
    let b = "----yipingtestboundary";
    let csv = format!(
        "主体代码,主体,指标代码,指标,时期,口径,数值,计量单位\n500103,渝中区,FAI,固定资产投资,2019M01-M10,数值,777.77,亿元\n{}",
        ",,,,,,,\n".repeat(400_000)
    );
    assert!(csv.len() > 3_000_000);
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"大表.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{b}--\r\n"
    );
    let ct = format!("multipart/form-data; boundary={b}");
    let r = send_as(&app, &me, "POST", "/data/import/preview", Some((&ct, body))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("预览（尚未写入）"), "{}", r.body);
}

/// Defect 8: costly routes have a bounded number of places. With none free, they answer 503
/// with `Retry-After` and a Chinese message in their route's shape, while every other route
/// answers as usual (on the old main nothing limited them).
#[tokio::test]
async fn costly_routes_refuse_with_retry_after_when_saturated() {
    let app = spawn_demo_with(|s| s.with_costly_limit(0)).await;
    let s = login(&app, "analyst").await;
    let r = get_as(&app, &s, "/api/v1/items/metrics?period=2024M03").await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.header("retry-after"), Some("5"));
    assert_eq!(r.json()["error"]["code"], "busy");
    assert!(r.body.contains("服务器繁忙"), "{}", r.body);
    let page = get_as(&app, &s, "/screen/500103").await;
    assert_eq!(page.status, 503);
    assert_eq!(page.header("retry-after"), Some("5"));
    assert!(page.body.contains("服务器繁忙"), "{}", page.body);
    // Everything else still answers.
    assert_eq!(request(&app, "GET", "/healthz", None).await.0, 200);
    assert_eq!(get_as(&app, &s, "/api/v1/items").await.status, 200);
    assert_eq!(get_as(&app, &s, "/api/v1/me").await.status, 200);
}

/// Defect 8: 200 concurrent metrics calls are all answered (figures, or 503 with Retry-After
/// when no place frees up within the wait), none hangs, and `/healthz` answers meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_metrics_calls_are_bounded_and_answered() {
    let app = spawn_demo_with(|s| s.with_costly_limit(2)).await;
    let s = login(&app, "analyst").await;
    let (app, s) = (&app, &s);
    let calls = futures::future::join_all((0..200).map(|_| async move {
        let r = get_as(app, s, "/api/v1/items/metrics?period=2024M03").await;
        (r.status, r.header("retry-after").map(str::to_string))
    }));
    let probe = async {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        request(app, "GET", "/healthz", None).await.0
    };
    let (answers, health) = tokio::join!(calls, probe);
    assert_eq!(health, 200);
    for (status, retry) in &answers {
        match status {
            200 => {}
            503 => assert_eq!(retry.as_deref(), Some("5")),
            other => panic!("{other}"),
        }
    }
    assert!(answers.iter().any(|(s, _)| *s == 200));
}

/// Defect 9: after sign-in only same-site paths are followed (`/%09/example.com` left the
/// site on the old main), and a CR/LF in `next` no longer answers 500 after the session was
/// created.
#[tokio::test]
async fn sign_in_never_redirects_off_site_or_fails_on_a_bad_next() {
    let app = spawn_demo().await;
    for next in [
        "/%09/example.com",
        "//example.com",
        "/%5Cexample.com",
        "/items%0D%0ASet-Cookie:%20x=1",
        "https://example.com",
    ] {
        let form = send(&app, "GET", "/login", &[], None).await;
        let c = set_cookie(&form, "yiping_login_csrf").unwrap();
        let t = c.split_once('=').unwrap().1.to_string();
        let r = send(
            &app,
            "POST",
            "/login",
            &[("Cookie", &c)],
            Some((
                "application/x-www-form-urlencoded",
                format!("login=leader&password={PASSWORD}&_csrf={t}&next={next}"),
            )),
        )
        .await;
        assert_eq!(r.status, 303, "{next}: {}", r.body);
        assert_eq!(r.header("location"), Some("/"), "{next}");
    }
}

/// Defect 9: an offset at or beyond 2^63 is refused (it wrapped to the first page on the old
/// main).
#[tokio::test]
async fn a_huge_offset_is_refused_not_wrapped() {
    let app = spawn_demo().await;
    let s = login(&app, "analyst").await;
    let r = get_as(&app, &s, "/api/v1/entities?offset=9223372036854775808").await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("过大"), "{}", r.body);
    let r = get_as(&app, &s, "/api/v1/entities?offset=9223372036854775807").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["items"].as_array().map(Vec::len),
        Some(0),
        "{}",
        r.body
    );
}

/// Defect 9: every response carries X-Frame-Options, a Content-Security-Policy, nosniff and a
/// Referrer-Policy (none did on the old main): pages, the API, errors and static files.
#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_demo().await;
    let s = login(&app, "leader").await;
    let replies = [
        send(&app, "GET", "/login", &[], None).await,
        get_as(&app, &s, "/screen").await,
        get_as(&app, &s, "/api/v1/me").await,
        send(&app, "GET", "/api/v1/nothing-here", &[], None).await,
        send(&app, "GET", "/healthz", &[], None).await,
        send(&app, "GET", "/open311/v2/services.json", &[], None).await,
    ];
    for r in &replies {
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{r:?}");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("referrer-policy"), Some("same-origin"));
        let csp = r.header("content-security-policy").unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    }
    // No inline handlers, which the policy would block.
    let screen = get_as(&app, &s, "/screen").await;
    assert!(!screen.body.contains("onchange="), "{}", screen.body);
}

/// Defect 9: a connection that trickles its request head (slowloris) or sits idle is closed
/// after the header-read timeout (on the old main both were held as long as the client liked).
#[tokio::test]
async fn slow_or_idle_connections_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_demo().await;
    let limit = yiping_http::HEADER_READ_TIMEOUT + std::time::Duration::from_secs(5);
    let idle = async {
        let mut s = tokio::net::TcpStream::connect(&app.addr).await.unwrap();
        let mut buf = [0u8; 256];
        // Closed by the server: the read ends (0 bytes, or a reset), well before the limit.
        tokio::time::timeout(limit, s.read(&mut buf)).await.is_ok()
    };
    let trickle = async {
        let mut s = tokio::net::TcpStream::connect(&app.addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let mut buf = [0u8; 256];
        loop {
            if started.elapsed() > limit {
                return false;
            }
            // One header byte a second keeps no timer of a per-read kind from firing.
            if s.write_all(b"X").await.is_err() {
                return true;
            }
            match tokio::time::timeout(std::time::Duration::from_secs(1), s.read(&mut buf)).await {
                Ok(Ok(0) | Err(_)) => return true,
                Ok(Ok(_)) => return true, // 408 or similar: the server gave up on the head
                Err(_) => {}
            }
        }
    };
    let (idle_closed, trickle_closed) = tokio::join!(idle, trickle);
    assert!(idle_closed, "an idle connection was held open");
    assert!(trickle_closed, "a trickling request head was held open");
}

/// Defect 6: a body sent in chunks (no declared length) is capped as it is read: over 1 MB on
/// the API it is 413 in the API's shape.
#[tokio::test]
async fn a_chunked_body_over_the_limit_is_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_demo().await;
    let me = login(&app, "yuzhong-reporter").await;
    let mut s = tokio::net::TcpStream::connect(&app.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: {}\r\n\
         X-CSRF-Token: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        me.cookie, me.csrf
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
    for _ in 0..24 {
        if s.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(
        text.contains("too_large") && text.contains("请求内容太大"),
        "{text}"
    );
}
