//! The work-item and enterprise pages over the demo database: an enterprise request taken from
//! the form to closure and rating by the users whose turn it is, and the denials (another
//! enterprise, another department's handler, a grid worker issuing a directive, a form without
//! its CSRF token, a stale version).

use chrono::Utc;
use yiping_access::Role;
use yiping_kernel::EntityKind;

use super::helpers::{PASSWORD, Session, TestApp, get_as, login, post_form_as, send, spawn_demo};

/// The id of the entity with `code`.
async fn id_of(app: &TestApp, code: &str) -> i64 {
    app.store
        .all_entities()
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.data.code.as_ref().map(|c| c.as_str()) == Some(code))
        .unwrap_or_else(|| panic!("no entity {code}"))
        .id
        .0
}

/// Adds a user (password [`PASSWORD`]) to the demo.
async fn add_user(app: &TestApp, login: &str, role: Role, unit_code: &str) {
    let spec = yiping_app::auth::UserSpec {
        login: login.into(),
        name: login.into(),
        role,
        unit_code: unit_code.into(),
        password: PASSWORD.into(),
    };
    yiping_app::auth::add_user(app.store.as_ref(), &spec, "测试", Utc::now())
        .await
        .unwrap();
}

/// The second demo enterprise's credit code (the demo user `enterprise` has the first).
async fn second_enterprise(app: &TestApp) -> String {
    let mut codes: Vec<String> = app
        .store
        .all_entities()
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.data.kind == EntityKind::Enterprise)
        .filter_map(|e| e.data.code.map(|c| c.as_str().to_string()))
        .collect();
    codes.sort();
    codes[1].clone()
}

/// The item's current version, read through the API as `s`.
async fn version(app: &TestApp, s: &Session, id: i64) -> String {
    let r = get_as(app, s, &format!("/api/v1/items/{id}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["version"].as_u64().unwrap().to_string()
}

/// Performs `cmd` on item `id` through the item page's form; returns the reply.
async fn act(
    app: &TestApp,
    s: &Session,
    id: i64,
    cmd: &str,
    extra: &[(&str, &str)],
) -> super::helpers::Reply {
    let v = version(app, s, id).await;
    let mut fields = vec![("version", v.as_str()), ("cmd", cmd)];
    fields.extend_from_slice(extra);
    post_form_as(app, s, &format!("/items/{id}/act"), &fields).await
}

#[tokio::test]
async fn an_enterprise_request_goes_from_the_form_to_closure_and_rating() {
    let app = spawn_demo().await;
    let firm = login(&app, "enterprise").await;

    // Signed out: the pages send to the login form.
    let r = send(&app, "GET", "/items", &[], None).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.header("location").unwrap().starts_with("/login"));

    let r = get_as(&app, &firm, "/requests/new").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("惠企政策兑现"), "enterprise topics offered");
    let r = post_form_as(
        &app,
        &firm,
        "/requests/new",
        &[
            ("category", "企业诉求/01/01"),
            ("title", "技改补贴<尚未>兑现"),
            ("description", "去年申报的技改补贴至今未到账。"),
            ("contact", "张经理 13800000000"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/requests?done=created"));
    let r = get_as(&app, &firm, "/requests?done=created").await;
    assert!(
        r.body.contains("技改补贴&lt;尚未&gt;兑现"),
        "escaped: {}",
        r.body
    );
    let listed = get_as(&app, &firm, "/api/v1/items").await.json();
    let id = listed["items"][0]["id"].as_i64().unwrap();

    // Another enterprise neither lists nor opens it.
    let other_code = second_enterprise(&app).await;
    add_user(&app, "firm2", Role::Enterprise, &other_code).await;
    let other = login(&app, "firm2").await;
    let r = get_as(&app, &other, &format!("/items/{id}")).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = get_as(&app, &other, "/requests").await;
    assert!(!r.body.contains("技改补贴"), "{}", r.body);

    // The city analyst registers and dispatches it to the department the topic names.
    let analyst = login(&app, "analyst").await;
    let r = get_as(&app, &analyst, "/items").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("技改补贴"), "in the city's inbox");
    let page = get_as(&app, &analyst, &format!("/items/{id}")).await.body;
    assert!(page.contains(r#"data-testid="act-register""#), "{page}");
    assert!(!page.contains(r#"data-testid="act-sign""#));
    assert_eq!(act(&app, &analyst, id, "register", &[]).await.status, 303);
    let d002 = id_of(&app, "D002").await.to_string();
    let r = act(&app, &analyst, id, "dispatch", &[("unit", &d002)]).await;
    assert_eq!(r.status, 303, "{}", r.body);

    // Another department's handler neither sees nor acts.
    add_user(&app, "cgj-handler", Role::Handler, "D009").await;
    let cgj = login(&app, "cgj-handler").await;
    assert_eq!(
        get_as(&app, &cgj, &format!("/items/{id}")).await.status,
        403
    );
    let r = post_form_as(
        &app,
        &cgj,
        &format!("/items/{id}/act"),
        &[("version", "3"), ("cmd", "sign")],
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // The department's handler: only its actions; a stale version is a clear conflict; a form
    // without the CSRF token is refused.
    let jxw = login(&app, "jxw-handler").await;
    let r = get_as(&app, &jxw, "/items").await;
    assert!(r.body.contains("技改补贴"), "in the department's inbox");
    let page = get_as(&app, &jxw, &format!("/items/{id}")).await.body;
    assert!(page.contains(r#"data-testid="act-sign""#), "{page}");
    assert!(page.contains(r#"data-testid="act-return""#));
    assert!(!page.contains(r#"data-testid="act-close""#));
    let r = send(
        &app,
        "POST",
        &format!("/items/{id}/act"),
        &[("Cookie", jxw.cookie.as_str())],
        Some((
            "application/x-www-form-urlencoded",
            "version=3&cmd=sign".into(),
        )),
    )
    .await;
    assert_eq!(r.status, 403, "no CSRF token: {}", r.body);
    let r = post_form_as(
        &app,
        &jxw,
        &format!("/items/{id}/act"),
        &[("version", "2"), ("cmd", "sign")],
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("已被他人处理"), "{}", r.body);
    assert_eq!(act(&app, &jxw, id, "sign", &[]).await.status, 303);
    let r = act(&app, &jxw, id, "return", &[]).await;
    assert_eq!(r.status, 422, "a return needs a reason: {}", r.body);
    assert!(r.body.contains("请填写回退理由"));
    // 申请延期 by the handler, decided by the analyst.
    let r = act(
        &app,
        &jxw,
        id,
        "request_extension",
        &[("amount", "2"), ("reason", "需财政局会签")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = get_as(&app, &analyst, &format!("/items/{id}")).await.body;
    assert!(page.contains("需财政局会签"), "{page}");
    assert!(page.contains(r#"data-testid="act-approve_extension""#));
    assert!(
        !page.contains(r#"data-testid="act-handle""#),
        "handling is the handler's"
    );
    let r = act(&app, &analyst, id, "approve_extension", &[]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(act(&app, &jxw, id, "handle", &[]).await.status, 303);
    let r = act(
        &app,
        &jxw,
        id,
        "reply",
        &[("reason", "补贴已于本周拨付到账")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);

    // The analyst verifies and closes; the history names who did what.
    let r = act(&app, &analyst, id, "verify", &[("outcome", "passed")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(act(&app, &analyst, id, "close", &[]).await.status, 303);
    let page = get_as(&app, &analyst, &format!("/items/{id}?done=close"))
        .await
        .body;
    assert!(page.contains("已结案"), "{page}");
    // People by name and unit, never by login.
    let hist = &page[page
        .find("data-testid=\"item-history\"")
        .expect("the history")..];
    assert!(hist.contains("市经济信息委承办人") && hist.contains("补贴已于本周拨付到账"));
    assert!(!hist.contains("jxw-handler"), "{hist}");

    // The enterprise rates it from its list; a dissatisfied call-back reopens it (重办).
    let r = get_as(&app, &firm, "/requests").await;
    assert!(r.body.contains(r#"data-testid="rate""#), "{}", r.body);
    let v = version(&app, &firm, id).await;
    let r = post_form_as(
        &app,
        &firm,
        &format!("/items/{id}/act"),
        &[
            ("version", &v),
            ("cmd", "rate"),
            ("rating", "dissatisfied"),
            ("comment", "补贴金额与政策文件不符<script>"),
            ("next", "/requests"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/requests?done=rate"));
    let item = get_as(&app, &firm, &format!("/api/v1/items/{id}"))
        .await
        .json();
    assert_eq!(item["stage"], "handling", "{item}");
    let r = get_as(&app, &firm, "/requests").await;
    assert!(r.body.contains("不满意"), "{}", r.body);
    // The comment is kept in the history, escaped on the item page.
    let stored = app
        .store
        .work_item(yiping_flow::ItemId(id))
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored
            .records
            .iter()
            .any(|r| r.note.as_deref() == Some("补贴金额与政策文件不符<script>")),
        "{:?}",
        stored.records
    );
    let page = get_as(&app, &firm, &format!("/items/{id}")).await.body;
    assert!(
        page.contains("补贴金额与政策文件不符&lt;script&gt;"),
        "{page}"
    );
}

#[tokio::test]
async fn directives_reports_and_the_inbox_filters() {
    let app = spawn_demo().await;
    // A grid worker reports an event (registered at once) but cannot issue a directive.
    let grid = login(&app, "grid-jiefangbei").await;
    let r = get_as(&app, &grid, "/items/new").await;
    assert_eq!(r.status, 200);
    // grid-jiefangbei works 民生路社区第一网格 of 解放碑街道.
    let town = id_of(&app, "500103003001001").await.to_string();
    let r = post_form_as(
        &app,
        &grid,
        "/items/new",
        &[
            ("title", "解放碑步行街暴露垃圾"),
            ("category", "事件/01/01"),
            ("location", &town),
            ("description", "垃圾堆放两天无人清理"),
            ("priority", "urgent"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = get_as(&app, &grid, r.header("location").unwrap())
        .await
        .body;
    assert!(
        page.contains("已提交") && page.contains("解放碑步行街暴露垃圾"),
        "{page}"
    );
    assert!(page.contains("紧急"));
    assert_eq!(
        get_as(&app, &grid, "/items/directives/new").await.status,
        403
    );
    let r = post_form_as(
        &app,
        &grid,
        "/items/directives/new",
        &[
            ("title", "排查"),
            ("category", "事件/01/01"),
            ("units", &town),
        ],
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // The inbox of the town: filters and the htmx partial.
    let r = get_as(&app, &grid, "/items?state=open&stage=registered").await;
    assert!(r.body.contains("解放碑步行街暴露垃圾"), "{}", r.body);
    let r = get_as(&app, &grid, "/items?state=closed").await;
    assert!(!r.body.contains("解放碑步行街暴露垃圾"));
    let r = send(
        &app,
        "GET",
        "/items?state=all",
        &[("Cookie", grid.cookie.as_str()), ("HX-Request", "true")],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("<html") && r.body.contains("解放碑步行街暴露垃圾"));

    // The city leader sends a directive to two departments and follows the fan-out.
    let leader = login(&app, "leader").await;
    let (d002, d009) = (id_of(&app, "D002").await, id_of(&app, "D009").await);
    let page = get_as(&app, &leader, "/items/directives/new").await.body;
    assert!(page.contains(&format!(r#"value="{d002}""#)), "{page}");
    let r = post_form_as(
        &app,
        &leader,
        "/items/directives/new",
        &[
            ("title", "开展安全隐患专项排查"),
            ("category", "事件/01/01"),
            ("priority", "normal"),
            ("units", &d002.to_string()),
            ("units", &d009.to_string()),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let page = get_as(&app, &leader, r.header("location").unwrap())
        .await
        .body;
    assert!(page.contains(r#"data-testid="fan-out""#), "{page}");
    assert!(
        page.contains("共下发 2 个单位") && page.contains("未签收"),
        "{page}"
    );
    // The department handler signs its child; the parent's page shows who signed.
    let jxw = login(&app, "jxw-handler").await;
    let inbox = get_as(&app, &jxw, "/api/v1/items?kind=directive")
        .await
        .json();
    let child = inbox["items"][0]["id"].as_i64().unwrap();
    let parent = inbox["items"][0]["parent"].as_i64().unwrap();
    assert_eq!(act(&app, &jxw, child, "sign", &[]).await.status, 303);
    let page = get_as(&app, &leader, &format!("/items/{parent}"))
        .await
        .body;
    assert!(page.contains("jxw-handler（"), "{page}");
    // The city leader opens a district's inbox; the district leader cannot open the city's.
    let yuzhong = id_of(&app, "500103").await;
    let page = get_as(&app, &leader, "/items").await.body;
    assert!(
        page.contains(&format!(r#"<option value="{yuzhong}""#)),
        "unit picker"
    );
    let r = get_as(&app, &leader, &format!("/items?unit={yuzhong}&state=all")).await;
    assert!(
        r.status == 200 && r.body.contains("渝中区 · 共"),
        "{}",
        r.body
    );
    let yz = login(&app, "yuzhong-leader").await;
    let city = id_of(&app, "500000").await;
    assert_eq!(
        get_as(&app, &yz, &format!("/items?unit={city}"))
            .await
            .status,
        403
    );
    // A district leader cannot send to a city department: refused, nothing created.
    let before = app
        .store
        .work_items(&Default::default(), yiping_store::Page::first(1))
        .await
        .unwrap()
        .total;
    let r = post_form_as(
        &app,
        &yz,
        "/items/directives/new",
        &[
            ("title", "排查"),
            ("category", "事件/01/01"),
            ("units", &d002.to_string()),
        ],
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("超出本单位（渝中区）的管辖范围"));
    let after = app
        .store
        .work_items(&Default::default(), yiping_store::Page::first(1))
        .await
        .unwrap()
        .total;
    assert_eq!(after, before);
}
