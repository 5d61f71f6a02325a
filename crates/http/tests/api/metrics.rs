//! `GET /metrics`: the request series by route template, the histogram and the gauges, for an
//! administrator (session or API token) or the scrape token; refused to everyone else.

use crate::helpers::*;

const SCRAPE: &str = "scrape-token-for-tests";

/// The value of the one sample line starting with `prefix` (name and labels).
fn sample(body: &str, prefix: &str) -> Option<f64> {
    body.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_show_route_templates_latency_and_gauges_to_an_admin_or_the_scrape_token() {
    let app = spawn_demo_with(|s| s.with_metrics_token(Some(SCRAPE.into()))).await;
    let wanzhou = app
        .store
        .all_entities()
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.data.code.as_ref().is_some_and(|c| c.as_str() == "500101"))
        .unwrap()
        .id
        .0;
    let admin = login(&app, "admin").await;
    let created = post_json_as(
        &app,
        &admin,
        "/api/v1/items",
        serde_json::json!({"kind": "event", "title": "监控测试积水", "category": "事件/01/01",
               "channel": "hotline", "receiving_unit": wanzhou, "location": wanzhou}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_i64().unwrap();
    for path in [format!("/api/v1/items/{id}"), "/api/v1/items/999999".into()] {
        get_as(&app, &admin, &path).await;
    }
    get_as(&app, &admin, &format!("/api/v1/items/{id}")).await;

    let r = get_as(&app, &admin, "/metrics").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.header("content-type").unwrap().starts_with("text/plain"),
        "{:?}",
        r.header("content-type")
    );
    let body = &r.body;
    // By the template, never the id.
    let ok = "http_requests_total{route=\"/api/v1/items/{id}\",method=\"GET\",status=\"200\"}";
    assert_eq!(sample(body, ok), Some(2.0), "{body}");
    let missing = "http_requests_total{route=\"/api/v1/items/{id}\",method=\"GET\",status=\"404\"}";
    assert_eq!(sample(body, missing), Some(1.0), "{body}");
    assert!(!body.contains(&format!("/api/v1/items/{id}\"")), "{body}");
    // No label names the id asked for (a float sample may well contain the digits).
    assert!(!body.contains("/api/v1/items/999999"), "{body}");
    assert!(body.contains("# TYPE http_request_duration_seconds histogram"));
    let inf = "http_request_duration_seconds_bucket{route=\"/api/v1/items/{id}\",method=\"GET\",le=\"+Inf\"}";
    assert_eq!(sample(body, inf), Some(3.0), "{body}");
    assert!(body.contains("http_request_duration_seconds_sum{route=\"/api/v1/items/{id}\""));
    assert!(
        sample(body, "yiping_work_items_open ").unwrap() >= 1.0,
        "{body}"
    );
    assert!(
        sample(body, "yiping_work_items_overdue ").is_some(),
        "{body}"
    );
    assert!(sample(body, "yiping_db_pool_connections{state=\"open\"}").unwrap() >= 1.0);
    assert!(
        sample(body, "yiping_job_runs_total{result=\"ok\"}").is_some(),
        "{body}"
    );
    // The demo's data were imported in this process.
    assert!(
        sample(body, "yiping_import_rows_total ").is_some(),
        "{body}"
    );

    // An administrator's API token, and the scrape token.
    let token = api_token(&app, "admin").await;
    assert_eq!(get_bearer(&app, &token, "/metrics").await.status, 200);
    let scraped = get_bearer(&app, SCRAPE, "/metrics").await;
    assert_eq!(scraped.status, 200, "{}", scraped.body);
    assert!(scraped.body.contains("# TYPE http_requests_total counter"));
}

#[tokio::test]
async fn metrics_are_refused_to_a_reporter_a_stranger_and_a_wrong_token() {
    let app = spawn_demo_with(|s| s.with_metrics_token(Some(SCRAPE.into()))).await;
    let reporter = login(&app, "wanzhou-reporter").await;
    let r = get_as(&app, &reporter, "/metrics").await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "forbidden", "{}", r.body);
    let token = api_token(&app, "wanzhou-reporter").await;
    assert_eq!(get_bearer(&app, &token, "/metrics").await.status, 403);
    let anon = send(&app, "GET", "/metrics", &[], None).await;
    assert_eq!(anon.status, 401, "{}", anon.body);
    assert_eq!(anon.json()["error"]["code"], "unauthorized");
    assert_eq!(
        get_bearer(&app, "not-the-token", "/metrics").await.status,
        401
    );
    // Without a configured token, the scrape token is nobody's.
    let plain = spawn_demo().await;
    assert_eq!(get_bearer(&plain, SCRAPE, "/metrics").await.status, 401);
}
