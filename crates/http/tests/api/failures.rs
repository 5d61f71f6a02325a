//! How failures answer, each in the shape of what was asked: the login form shown again with a
//! Chinese message (not a JSON body), and a database outage as 503 everywhere — an HTML page,
//! the API's JSON error and Open311's own error list in JSON or XML.

use serde_json::Value;

use super::helpers::{
    Outage, Reply, TestApp, enc, get_as, login, send, set_cookie, spawn_demo,
    spawn_demo_with_outage,
};

const FORM: &str = "application/x-www-form-urlencoded";

/// Posts the login form as a browser does (the form's token in its cookie and its field).
async fn sign_in(app: &TestApp, login: &str, password: &str) -> (Reply, String) {
    let form = send(app, "GET", "/login", &[], None).await;
    assert_eq!(form.status, 200, "{}", form.body);
    let cookie = set_cookie(&form, "yiping_login_csrf").expect("the form's token cookie");
    let token = cookie.split_once('=').unwrap().1.to_string();
    let body = format!(
        "login={}&password={}&_csrf={token}&next={}",
        enc(login),
        enc(password),
        enc("/items")
    );
    let r = send(
        app,
        "POST",
        "/login",
        &[("Cookie", &cookie)],
        Some((FORM, body)),
    )
    .await;
    (r, cookie)
}

/// The login form, filled in with what was typed, and a fresh token to send it again.
fn assert_login_form(r: &Reply, old_cookie: &str, login: &str) {
    assert!(
        r.content_type.starts_with("text/html"),
        "{}",
        r.content_type
    );
    assert!(
        serde_json::from_str::<Value>(&r.body).is_err(),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(r#"<form method="post" action="/login">"#),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(&format!(r#"name="login" value="{login}""#)),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(r#"name="next" value="/items""#),
        "{}",
        r.body
    );
    let fresh = set_cookie(r, "yiping_login_csrf").expect("a fresh token");
    assert_ne!(fresh, old_cookie);
}

#[tokio::test]
async fn a_wrong_password_in_the_browser_shows_the_form_again_with_a_chinese_message() {
    let app = spawn_demo().await;
    let (r, cookie) = sign_in(&app, "analyst", "not-the-password").await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert_login_form(&r, &cookie, "analyst");
    assert!(r.body.contains("用户名或密码错误"), "{}", r.body);
    assert!(r.body.contains(r#"role="alert""#), "{}", r.body);
    assert!(set_cookie(&r, "yiping_session").is_none());
}

/// `code` of the first error of an Open311 JSON error list.
fn open311_code(r: &Reply) -> Value {
    r.json()[0]["code"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_down_pages_the_api_and_open311_answer_503_each_in_their_own_shape() {
    let (app, outage): (TestApp, Outage) = spawn_demo_with_outage().await;
    let admin = login(&app, "admin").await;
    // The engine's context is cached from here on: what follows reaches the database itself.
    let services = send(&app, "GET", "/open311/v2/services.json", &[], None).await;
    assert_eq!(services.status, 200, "{}", services.body);
    outage().await;

    // A page: HTML with the Chinese message (in the site layout while the caller is known).
    let page = get_as(&app, &admin, "/items").await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    assert!(page.body.contains("数据库暂时不可用"), "{}", page.body);
    assert!(
        !page.body.contains("无法连接数据库"),
        "no internal text: {}",
        page.body
    );

    // The API: its JSON error shape.
    let api = get_as(&app, &admin, "/api/v1/items").await;
    assert_eq!(api.status, 503, "{}", api.body);
    assert!(api.content_type.starts_with("application/json"));
    assert_eq!(api.json()["error"]["code"], "unavailable", "{}", api.body);
    assert_eq!(api.json()["error"]["message"], "数据库暂时不可用");

    // Open311: its own list of {code, description}, in JSON or XML by the suffix.
    let list = send(&app, "GET", "/open311/v2/requests.json", &[], None).await;
    assert_eq!(list.status, 503, "{}", list.body);
    assert_eq!(open311_code(&list), 503, "{}", list.body);
    assert_eq!(list.json()[0]["description"], "数据库暂时不可用");
    let xml = send(&app, "GET", "/open311/v2/requests.xml", &[], None).await;
    assert_eq!(xml.status, 503, "{}", xml.body);
    assert!(xml.content_type.starts_with("application/xml"));
    assert!(
        xml.body.contains("<errors><error><code>503</code>"),
        "{}",
        xml.body
    );
    // A post with a position: the region lookup's failure is the outage, not "outside the map".
    let body = format!(
        "api_key=secret-key&service_code=event-01-01&lat=29.557&long=106.577&description={}&attribute%5BAMOUNT%5D=small",
        enc("路口垃圾桶满溢")
    );
    let post = send(
        &app,
        "POST",
        "/open311/v2/requests.json",
        &[],
        Some((FORM, body)),
    )
    .await;
    assert_eq!(post.status, 503, "{}", post.body);
    assert_eq!(open311_code(&post), 503, "{}", post.body);

    // Signing in: the form again, with the reason.
    let (r, cookie) = sign_in(&app, "analyst", "whatever1").await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_login_form(&r, &cookie, "analyst");
    assert!(
        r.body.contains("数据库暂时不可用，请稍后再试"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_page_that_fails_is_a_chinese_error_page_in_the_site_layout_for_the_signed_in_user() {
    let app = spawn_demo().await;
    let s = login(&app, "yuzhong-leader").await;
    let r = get_as(&app, &s, "/items/999999").await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(
        r.content_type.starts_with("text/html"),
        "{}",
        r.content_type
    );
    assert!(r.body.contains("没有找到"), "{}", r.body);
    assert!(r.body.contains("事项 999999 不存在"), "{}", r.body);
    // The layout: the navigation, the user's unit and the sign-out form with the session's token.
    assert!(r.body.contains(r#"class="topbar""#), "{}", r.body);
    assert!(r.body.contains("渝中区"), "{}", r.body);
    assert!(
        r.body.contains(&format!(r#"value="{}""#, s.csrf)),
        "{}",
        r.body
    );
}
