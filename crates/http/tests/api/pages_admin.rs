//! The user administration page: admins only, forms with CSRF, users added within scope.

use crate::helpers::*;

#[tokio::test]
async fn admin_lists_adds_disables_and_issues_tokens() {
    let app = spawn_demo().await;
    let s = login(&app, "admin").await;
    let page = get_as(&app, &s, "/admin/users").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("用户管理") && page.body.contains("yuzhong-reporter"));
    assert!(page.body.contains("最近登录记录") && page.body.contains("最近变更审计"));

    let r = post_form_as(
        &app,
        &s,
        "/admin/users",
        &[
            ("login", "new-reporter"),
            ("name", "新填报员<b>"),
            ("role", "reporter"),
            ("unit", "500101"),
            ("password", "a-long-password"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("已新增用户 new-reporter"));
    // Names are escaped.
    assert!(r.body.contains("新填报员&lt;b&gt;") && !r.body.contains("新填报员<b>"));
    let u = app
        .store
        .user_by_login("new-reporter")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.role, "reporter");
    let audit = app.store.audit_events(5).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "user.add" && e.actor == "admin")
    );

    let bad = post_form_as(
        &app,
        &s,
        "/admin/users",
        &[
            ("login", "x"),
            ("role", "reporter"),
            ("unit", "500101"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("密码至少 8 位"));

    let r = post_form_as(
        &app,
        &s,
        "/admin/users/new-reporter/active",
        &[("active", "0")],
    )
    .await;
    assert!(r.body.contains("已停用用户 new-reporter"), "{}", r.body);
    assert!(
        !app.store
            .user_by_login("new-reporter")
            .await
            .unwrap()
            .unwrap()
            .active
    );

    let r = post_form_as(&app, &s, "/admin/users/analyst/token", &[]).await;
    let token = r.body.split("请立即保存）：").nth(1).unwrap()[..67].to_string();
    assert!(token.starts_with("yp_"), "{token}");
    assert_eq!(
        get_bearer(&app, &token, "/api/v1/me").await.json()["login"],
        "analyst"
    );
}

#[tokio::test]
async fn non_admins_are_refused_and_forms_need_the_csrf_token() {
    let app = spawn_demo().await;
    for who in ["leader", "analyst", "yuzhong-reporter", "enterprise"] {
        let s = login(&app, who).await;
        let r = get_as(&app, &s, "/admin/users").await;
        assert_eq!(r.status, 403, "{who}");
        assert!(r.body.contains("无权管理用户"), "{who}: {}", r.body);
        let r = post_form_as(
            &app,
            &s,
            "/admin/users",
            &[
                ("login", "sneaky"),
                ("role", "admin"),
                ("unit", "500000"),
                ("password", "a-long-password"),
            ],
        )
        .await;
        assert_eq!(r.status, 403, "{who}");
    }
    assert!(app.store.user_by_login("sneaky").await.unwrap().is_none());
    let admin = login(&app, "admin").await;
    let r = send(
        &app,
        "POST",
        "/admin/users",
        &[("Cookie", &admin.cookie)],
        Some((
            "application/x-www-form-urlencoded",
            "login=sneaky&role=admin&unit=500000&password=a-long-password".into(),
        )),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(app.store.user_by_login("sneaky").await.unwrap().is_none());
    // Anonymous: sent to the login page with the way back.
    let r = send(&app, "GET", "/admin/users", &[], None).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login?next=%2Fadmin%2Fusers"));
}

/// Issue 18, defect 9: a district's admin sees the sign-in record and audit of their own users
/// only (on the old main the city's were shown); defect 5: the page revokes a user's tokens.
#[tokio::test]
async fn a_district_admin_sees_their_users_record_and_revokes_tokens() {
    let app = spawn_demo().await;
    let spec = yiping_app::auth::UserSpec {
        login: "yz-admin".into(),
        name: "渝中区管理员".into(),
        role: yiping_access::Role::Admin,
        unit_code: "500103".into(),
        password: PASSWORD.into(),
    };
    yiping_app::auth::add_user(app.store.as_ref(), &spec, "测试", chrono::Utc::now())
        .await
        .unwrap();
    login(&app, "wanzhou-reporter").await;
    login(&app, "leader").await;
    login(&app, "yuzhong-reporter").await;
    let token = api_token(&app, "yuzhong-reporter").await;
    let s = login(&app, "yz-admin").await;
    let page = get_as(&app, &s, "/admin/users").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let record = page.body.split("最近登录记录").nth(1).unwrap();
    assert!(record.contains("yuzhong-reporter"), "{record}");
    assert!(
        !record.contains("wanzhou-reporter") && !record.contains("<td>leader</td>"),
        "{record}"
    );
    // The page revokes the district user's tokens, at once.
    assert_eq!(get_bearer(&app, &token, "/api/v1/me").await.status, 200);
    let r = post_form_as(&app, &s, "/admin/users/yuzhong-reporter/revoke", &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body.contains("已吊销 yuzhong-reporter 的 API 令牌 1 个"),
        "{}",
        r.body
    );
    assert_eq!(get_bearer(&app, &token, "/api/v1/me").await.status, 401);
    // A user outside the district is not shown to exist.
    let r = post_form_as(&app, &s, "/admin/users/analyst/revoke", &[]).await;
    assert_eq!(r.status, 404);
}
