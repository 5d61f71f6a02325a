//! Signing in and out, sessions, CSRF, throttling and API tokens, over real HTTP.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn login_sets_an_http_only_session_and_me_names_the_user() {
    let app = spawn_demo().await;
    let form = send(&app, "GET", "/login", &[], None).await;
    assert!(form.body.contains("用户名") && form.body.contains("name=\"_csrf\""));
    let s = login(&app, "yuzhong-leader").await;
    let me = get_as(&app, &s, "/api/v1/me").await.json();
    assert_eq!(me["login"], "yuzhong-leader");
    assert_eq!(me["role_label"], "领导");
    assert_eq!(me["unit"]["name"], "渝中区");
    assert!(me["scope_size"].as_u64().unwrap() > 5, "{me}");
    assert_eq!(me["csrf"].as_str().unwrap().len(), 64);
    // The cookie is HttpOnly and SameSite=Lax.
    let form = send(&app, "GET", "/login", &[], None).await;
    let token = set_cookie(&form, "yiping_login_csrf").unwrap();
    let t = token.split_once('=').unwrap().1;
    let r = send(
        &app,
        "POST",
        "/login",
        &[("Cookie", &token)],
        Some((
            "application/x-www-form-urlencoded",
            format!("login=leader&password={PASSWORD}&_csrf={t}&next=%2Fitems"),
        )),
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/items"));
    let sc = r
        .headers
        .iter()
        .find(|(k, v)| k == "set-cookie" && v.starts_with("yiping_session="))
        .unwrap()
        .1
        .clone();
    assert!(
        sc.contains("HttpOnly") && sc.contains("SameSite=Lax"),
        "{sc}"
    );
}

#[tokio::test]
async fn anonymous_api_calls_get_401_and_pages_redirect_to_login() {
    let app = spawn_demo().await;
    let r = send(&app, "GET", "/api/v1/me", &[], None).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"]["code"], "unauthorized");
    let bogus = send(
        &app,
        "GET",
        "/api/v1/me",
        &[("Cookie", "yiping_session=0000")],
        None,
    )
    .await;
    assert_eq!(bogus.status, 401);
}

#[tokio::test]
async fn wrong_passwords_fail_alike_and_are_throttled_and_recorded() {
    let app = spawn_demo().await;
    let attempt = |login: &'static str, password: &'static str| {
        let app = &app;
        async move {
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
                    format!("login={login}&password={password}&_csrf={t}"),
                )),
            )
            .await
        }
    };
    let unknown = attempt("nobody", "whatever1").await;
    let wrong = attempt("analyst", "whatever1").await;
    assert_eq!((unknown.status, wrong.status), (401, 401));
    assert!(unknown.body.contains("用户名或密码错误") && wrong.body.contains("用户名或密码错误"));
    for _ in 0..4 {
        assert_eq!(attempt("analyst", "whatever1").await.status, 401);
    }
    // Five failures: even the right password is refused for a while.
    let throttled = attempt("analyst", PASSWORD).await;
    assert_eq!(throttled.status, 429, "{}", throttled.body);
    assert!(throttled.body.contains("登录失败次数过多"));
    let records = app.store.login_records(20).await.unwrap();
    assert!(records.iter().any(|r| r.login == "nobody" && !r.success));
    assert!(records.iter().any(|r| r.reason == "throttled"));
    // Another user from the same address is unaffected.
    login(&app, "leader").await;
}

#[tokio::test]
async fn login_form_without_its_token_is_refused() {
    let app = spawn_demo().await;
    let r = send(
        &app,
        "POST",
        "/login",
        &[],
        Some((
            "application/x-www-form-urlencoded",
            format!("login=leader&password={PASSWORD}"),
        )),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(set_cookie(&r, "yiping_session").is_none());
}

#[tokio::test]
async fn changes_without_the_csrf_token_are_refused_and_logout_ends_the_session() {
    let app = spawn_demo().await;
    let s = login(&app, "leader").await;
    // No token: refused before any handler runs.
    let r = send(
        &app,
        "POST",
        "/logout",
        &[("Cookie", &s.cookie)],
        Some(("application/x-www-form-urlencoded", String::new())),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("CSRF"));
    let r = send(
        &app,
        "POST",
        "/api/v1/items",
        &[("Cookie", &s.cookie), ("X-CSRF-Token", "forged")],
        Some(("application/json", "{}".into())),
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"]["code"], "csrf");
    assert_eq!(get_as(&app, &s, "/api/v1/me").await.status, 200);
    let out = post_form_as(&app, &s, "/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("location"), Some("/login"));
    assert_eq!(get_as(&app, &s, "/api/v1/me").await.status, 401);
}

#[tokio::test]
async fn api_tokens_authenticate_without_csrf_until_revoked() {
    let app = spawn_demo().await;
    let token = api_token(&app, "analyst").await;
    assert!(token.starts_with("yp_"));
    let me = get_bearer(&app, &token, "/api/v1/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["login"], "analyst");
    assert_eq!(me.json()["csrf"], json!(null));
    let wrong = get_bearer(&app, "yp_nottoken", "/api/v1/me").await;
    assert_eq!(wrong.status, 401);
    let user = app.store.user_by_login("analyst").await.unwrap().unwrap();
    let id = app.store.api_tokens(user.id).await.unwrap()[0].id;
    // Revoked by another process (the CLI): refused once the server's few-second cache of
    // callers has lapsed.
    app.store.revoke_api_token(id).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5_200)).await;
    assert_eq!(get_bearer(&app, &token, "/api/v1/me").await.status, 401);
}
