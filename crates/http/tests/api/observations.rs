//! Health, entities and observations.

use super::helpers::{TestApp, api_token, enc, get_bearer, spawn_demo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_the_database() {
    let app = spawn_demo().await;
    let t = api_token(&app, "analyst").await;
    let (status, body) = get(&app, &t, "/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["database"], "sqlite");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entities_filter_and_page() {
    let app = spawn_demo().await;
    let t = api_token(&app, "analyst").await;
    let (s, body) = get(&app, &t, "/api/v1/entities?kind=region&level=2&limit=10").await;
    assert_eq!(s, 200);
    assert_eq!(body["total"], 41, "38 区县 and 3 functional areas");
    assert_eq!(body["items"].as_array().unwrap().len(), 10);
    let (_, p2) = get(
        &app,
        &t,
        "/api/v1/entities?kind=region&level=2&limit=10&offset=40",
    )
    .await;
    assert_eq!(p2["items"].as_array().unwrap().len(), 1);
    let (_, q) = get(&app, &t, &format!("/api/v1/entities?q={}", enc("梁平县"))).await;
    assert_eq!(q["items"][0]["name"], "梁平区");
    let id = q["items"][0]["id"].as_i64().unwrap();
    let (_, towns) = get(
        &app,
        &t,
        &format!("/api/v1/entities?parent={id}&kind=region"),
    )
    .await;
    assert!(
        towns["total"].as_u64().unwrap() > 10,
        "梁平区 has its towns"
    );
    let (s, one) = get(&app, &t, &format!("/api/v1/entities/{id}")).await;
    assert_eq!((s, one["code"].as_str()), (200, Some("500155")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observations_filter_by_indicator_name_chinese_period_and_measure() {
    let app = spawn_demo().await;
    let t = api_token(&app, "analyst").await;
    let path = format!(
        "/api/v1/observations?indicator={}&period={}&measure=growth&limit=100",
        enc("地区生产总值"),
        enc("2023年")
    );
    let (s, body) = get(&app, &t, &path).await;
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
    let app = spawn_demo().await;
    let t = api_token(&app, "analyst").await;
    for (path, status) in [
        ("/api/v1/observations?period=2024Q5", 400),
        ("/api/v1/observations?indicator=NOPE", 400),
        ("/api/v1/observations?limit=0", 400),
        ("/api/v1/entities?kind=city", 400),
        // Any text may be a unit's name: one that names no unit is not found.
        ("/api/v1/entities/abc", 404),
        ("/api/v1/entities/999999", 404),
        ("/api/v1/nothing", 404),
    ] {
        let (s, body) = get(&app, &t, path).await;
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

/// A GET as the city analyst (bearer token), read as JSON.
async fn get(app: &TestApp, token: &str, path: &str) -> (u16, serde_json::Value) {
    let r = get_bearer(app, token, path).await;
    (r.status, r.json())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_reads_are_limited_to_the_callers_subtree() {
    let app = spawn_demo().await;
    let (s, _) = super::helpers::get_json(&app, "/api/v1/observations?limit=1").await;
    assert_eq!(s, 401, "no session, no token");
    let wanzhou = api_token(&app, "wanzhou-reporter").await;
    let (s, body) = get(
        &app,
        &wanzhou,
        &format!(
            "/api/v1/observations?indicator=GDP&period={}&measure=growth&limit=500",
            enc("2023年")
        ),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items.iter().all(|o| o["entity"] != 1),
        "the city is outside 万州区's subtree"
    );
    let (s, list) = get(&app, &wanzhou, "/api/v1/entities?kind=region&level=2").await;
    assert_eq!((s, list["total"].as_u64()), (200, Some(1)), "{list}");
    assert_eq!(list["items"][0]["name"], "万州区");
    for path in [
        "/api/v1/observations?entity=1",
        "/api/v1/observations?subtree=1",
        "/api/v1/entities/1",
        "/api/v1/entities?parent=1",
    ] {
        let (s, body) = get(&app, &wanzhou, path).await;
        assert_eq!(s, 403, "{path}: {body}");
        assert_eq!(body["error"]["code"], "forbidden");
    }
    let firm = api_token(&app, "enterprise").await;
    let (s, _) = get(&app, &firm, "/api/v1/indicators").await;
    assert_eq!(s, 403, "an enterprise reads no statistics");
}
