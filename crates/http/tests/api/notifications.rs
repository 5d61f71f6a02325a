//! Notifications over HTTP: a dispatch to 市经济信息委 appears in its handler's bell, list page
//! and API at once; each user reads and marks only their own (another's is 404 and stays
//! unread); the bell is on every page.

use serde_json::{Value, json};

use crate::helpers::*;

async fn unread(app: &TestApp, s: &Session) -> u64 {
    let r = get_as(app, s, "/api/v1/notifications?unread=true").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["total"], v["unread"], "{v}");
    v["unread"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispatch_appears_in_the_handlers_bell_and_only_they_mark_it() {
    let app = spawn_demo().await;
    let ids: std::collections::HashMap<String, i64> = app
        .store
        .all_entities()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| {
            e.data
                .code
                .as_ref()
                .map(|c| (c.as_str().to_string(), e.id.0))
        })
        .collect();
    let (yuzhong, jxw) = (ids["500103"], ids["D002"]);
    let admin = login(&app, "admin").await;
    let handler = login(&app, "jxw-handler").await;
    let other = login(&app, "yuzhong-reporter").await;
    let before = unread(&app, &handler).await;
    let other_before = unread(&app, &other).await;

    let created = post_json_as(
        &app,
        &admin,
        "/api/v1/items",
        json!({"kind": "event", "title": "园区企业用电异常", "category": "事件/01/01",
               "channel": "hotline", "receiving_unit": yuzhong, "location": yuzhong}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let item = created.json()["id"].as_i64().unwrap();
    let url = format!("/api/v1/items/{item}/transitions");
    let r = post_json_as(
        &app,
        &admin,
        &url,
        json!({"expected_version": 1, "command": "register"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post_json_as(
        &app,
        &admin,
        &url,
        json!({"expected_version": 2, "command": {"dispatch": {"unit": jxw}}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);

    // The handler's bell, API and list page.
    assert_eq!(unread(&app, &handler).await, before + 1);
    assert_eq!(unread(&app, &other).await, other_before, "not another unit");
    let list = get_as(&app, &handler, "/api/v1/notifications?limit=1")
        .await
        .json();
    let n: &Value = &list["items"][0];
    assert_eq!(n["kind_label"], "派单", "{n}");
    assert_eq!(n["title"], "派单：园区企业用电异常");
    assert_eq!(n["link"], format!("/items/{item}"));
    assert!(n["read_at"].is_null());
    let id = n["id"].as_i64().unwrap();

    let bell = get_as(&app, &handler, "/notifications/bell").await;
    assert_eq!(bell.status, 200);
    assert!(
        bell.body.contains(&format!(">{}<", before + 1)),
        "{}",
        bell.body
    );
    // Every page carries the bell that loads it.
    let page = get_as(&app, &handler, "/items").await;
    assert!(
        page.body.contains(r#"hx-get="/notifications/bell""#),
        "{}",
        page.body
    );
    let list_page = get_as(&app, &handler, "/notifications").await;
    assert_eq!(list_page.status, 200);
    assert!(list_page.body.contains("派单：园区企业用电异常"));
    assert!(
        list_page
            .body
            .contains(&format!(r#"action="/notifications/{id}/read""#))
    );
    assert!(
        !list_page.body.contains("dispatch"),
        "no English code shown"
    );

    // Another user cannot mark it, by the API or the page; it stays unread.
    let r = post_json_as(
        &app,
        &other,
        &format!("/api/v1/notifications/{id}/read"),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = post_form_as(&app, &other, &format!("/notifications/{id}/read"), &[]).await;
    assert_eq!(r.status, 404);
    assert_eq!(unread(&app, &handler).await, before + 1);
    let r = post_json_as(&app, &handler, "/api/v1/notifications/abc/read", json!({})).await;
    assert_eq!(r.status, 404, "{}", r.body);

    // The handler opens it from the page: marked read, sent to the item.
    let r = post_form_as(&app, &handler, &format!("/notifications/{id}/read"), &[]).await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some(format!("/items/{item}").as_str())
    );
    assert_eq!(unread(&app, &handler).await, before);
    let again = post_json_as(
        &app,
        &handler,
        &format!("/api/v1/notifications/{id}/read"),
        json!({}),
    )
    .await;
    assert_eq!(again.status, 200);
    assert!(again.json()["read_at"].is_string());

    // Marking all read touches only the caller's.
    let r = post_json_as(&app, &other, "/api/v1/notifications/read-all", json!({})).await;
    assert_eq!(r.status, 200);
    assert_eq!(unread(&app, &other).await, 0);
    let bad = get_as(&app, &handler, "/api/v1/notifications?unread=maybe").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("unread"), "{}", bad.body);
}

/// The alerts page and API answer with the instances the caller may see; a silence set through
/// the API is listed, and a bad one is refused with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_states_are_listed_and_silences_set_by_api() {
    let app = spawn_demo().await;
    let analyst = login(&app, "analyst").await;
    let r = get_as(&app, &analyst, "/api/v1/alerts").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json()["silences"].as_array().unwrap().is_empty());
    let bad = post_json_as(
        &app,
        &analyst,
        "/api/v1/alerts/silences",
        json!({"rule": "IND_VA_DECLINE", "unit": "500101", "starts_at": "2026-01-02T00:00:00Z",
               "ends_at": "2026-01-01T00:00:00Z", "reason": "核实"}),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("结束时间"), "{}", bad.body);
    let ok = post_json_as(
        &app,
        &analyst,
        "/api/v1/alerts/silences",
        json!({"rule": "IND_VA_DECLINE", "unit": "万州区", "ends_at": "2099-01-01T00:00:00Z",
               "reason": "数据核实中"}),
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    let listed = get_as(&app, &analyst, "/api/v1/alerts").await.json();
    assert_eq!(listed["silences"][0]["reason"], "数据核实中");
    let page = get_as(&app, &analyst, "/alerts").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("预警状态") && page.body.contains("数据核实中"));
    assert!(page.body.contains("生效中"));
}
