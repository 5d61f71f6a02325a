//! The write API (issue 21) over HTTP: batches posted with a bearer token, on the demo database
//! (SQLite, and PostgreSQL when configured). A batch posted twice with one key writes once (also
//! when the two race); a batch with one bad item writes nothing and names it; a batch touching
//! an approved value is refused; the demo's export of a month posted back changes nothing.

use serde_json::{Value, json};
use yiping_kernel::{ObservationStatus, Period};
use yiping_store::{ObservationFilter, Page};

use crate::helpers::*;

async fn post_raw(
    app: &TestApp,
    token: &str,
    path: &str,
    content_type: &str,
    body: String,
    key: Option<&str>,
) -> Reply {
    let auth = format!("Bearer {token}");
    let mut headers = vec![("Authorization", auth.as_str())];
    if let Some(k) = key {
        headers.push(("Idempotency-Key", k));
    }
    send(app, "POST", path, &headers, Some((content_type, body))).await
}

async fn post_items(
    app: &TestApp,
    token: &str,
    path: &str,
    items: Value,
    key: Option<&str>,
) -> Reply {
    post_raw(
        app,
        token,
        path,
        "application/json",
        json!({ "items": items }).to_string(),
        key,
    )
    .await
}

/// How many batches the API applied to observations (the audit trail's `import.apply`).
async fn api_imports(app: &TestApp) -> usize {
    app.store
        .audit_events(10_000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.action == "import.apply" && e.target == "API /api/v1/observations")
        .count()
}

/// 万州区's 固定资产投资 of a half year the demo does not hold.
fn fresh(value: f64) -> Value {
    json!([{ "entity_code": "500101", "indicator_code": "FAI", "period": "2019M01-M06", "value": value }])
}

async fn fresh_values(app: &TestApp) -> Vec<(f64, i64)> {
    let f = ObservationFilter {
        periods: Some(vec![Period::months(2019, 1, 6).unwrap()]),
        ..ObservationFilter::default()
    };
    let page = app.store.observations(&f, Page::first(50)).await.unwrap();
    page.items
        .iter()
        .map(|o| (o.value.value(), o.revision))
        .collect()
}

async fn done_when(app: &TestApp) {
    let token = api_token(app, "admin").await;
    let path = "/api/v1/observations";

    // Posted twice with one key: written once, the second answer is the first.
    let before = api_imports(app).await;
    let first = post_items(
        app,
        &token,
        path,
        fresh(123.4),
        Some("report-2019-06-500101"),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["inserted"], 1, "{}", first.body);
    let again = post_items(
        app,
        &token,
        path,
        fresh(123.4),
        Some("report-2019-06-500101"),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(api_imports(app).await, before + 1);
    assert_eq!(fresh_values(app).await, [(123.4, 1)]);
    // The same key with another body: refused, nothing written.
    let other = post_items(
        app,
        &token,
        path,
        fresh(999.0),
        Some("report-2019-06-500101"),
    )
    .await;
    assert_eq!(other.status, 422, "{}", other.body);
    assert!(
        other.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Idempotency-Key")
    );
    assert_eq!(fresh_values(app).await, [(123.4, 1)]);

    // Two requests racing with one key: one write, one answer.
    let (a, b) = tokio::join!(
        post_items(app, &token, path, fresh(200.0), Some("race-1")),
        post_items(app, &token, path, fresh(200.0), Some("race-1")),
    );
    assert_eq!((a.status, b.status), (200, 200), "{} / {}", a.body, b.body);
    assert_eq!(a.body, b.body);
    assert_eq!(a.json()["updated"], 1, "{}", a.body);
    assert_eq!(api_imports(app).await, before + 2);
    assert_eq!(fresh_values(app).await, [(200.0, 2)]);

    // One bad item: nothing written, the item and field named.
    let bad = json!([
        { "entity_code": "500101", "indicator_code": "FAI", "period": "2019M01-M06", "value": 1.5 },
        { "entity_code": "500101", "indicator_code": "FAI", "period": "2019M01-M07", "value": "一百" },
    ]);
    let r = post_items(app, &token, path, bad, None).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let problems = &r.json()["error"]["details"]["problems"];
    assert_eq!(problems.as_array().unwrap().len(), 1, "{}", r.body);
    assert_eq!(problems[0]["index"], 1);
    assert_eq!(problems[0]["field"], "value");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("items[1]"),
        "{}",
        r.body
    );
    assert_eq!(fresh_values(app).await, [(200.0, 2)]);

    // An approved value: refused, as the file import refuses it.
    let approved = app
        .store
        .observations(
            &ObservationFilter {
                status: Some(ObservationStatus::Approved),
                ..ObservationFilter::default()
            },
            Page::first(1),
        )
        .await
        .unwrap()
        .items
        .remove(0);
    let entities = app.store.all_entities().await.unwrap();
    let e = entities
        .iter()
        .find(|e| e.id == approved.key.entity)
        .unwrap();
    let indicators = app.store.indicators().await.unwrap();
    let i = indicators
        .iter()
        .find(|i| i.id == approved.key.indicator)
        .unwrap();
    let item = json!([{
        "entity_code": e.data.code.as_ref().unwrap().as_str(),
        "indicator_code": i.data.code.as_str(),
        "period": approved.key.period.code(),
        "measure": approved.key.measure.label_zh(),
        "value": approved.value.value() + 1.0,
    }]);
    let r = post_items(app, &token, path, item, None).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("已审核"), "{}", r.body);
    let after = app
        .store
        .observations(
            &ObservationFilter {
                entities: Some(vec![approved.key.entity]),
                indicators: Some(vec![approved.key.indicator]),
                periods: Some(vec![approved.key.period]),
                measure: Some(approved.key.measure),
                ..ObservationFilter::default()
            },
            Page::first(1),
        )
        .await
        .unwrap()
        .items
        .remove(0);
    assert_eq!(after.revision, approved.revision);
    assert_eq!(after.value, approved.value);

    // The demo's export of a month, posted back: nothing changes.
    let june = Period::months(2024, 1, 6).unwrap();
    let csv = yiping_app::data_files::export_bytes(
        app.store.as_ref(),
        &ObservationFilter {
            periods: Some(vec![june]),
            ..ObservationFilter::default()
        },
        yiping_app::export::ExportLayout::Long,
        false,
    )
    .await
    .unwrap();
    let rows = csv.iter().filter(|b| **b == b'\n').count() - 1;
    assert!(rows > 100, "{rows}");
    let imports = api_imports(app).await;
    let r = post_raw(
        app,
        &token,
        path,
        "text/csv; charset=utf-8",
        String::from_utf8(csv).unwrap(),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (&v["inserted"], &v["updated"], &v["unchanged"]),
        (&json!(0), &json!(0), &json!(rows)),
        "{}",
        r.body
    );
    assert_eq!(
        api_imports(app).await,
        imports,
        "nothing changed, nothing audited"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn done_when_on_sqlite() {
    let app = spawn_demo().await;
    done_when(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn done_when_on_postgres() {
    let Some((app, _db)) = spawn_demo_postgres().await else {
        return;
    };
    done_when(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_limits_dry_run_and_master_data() {
    let app = spawn_demo().await;
    let path = "/api/v1/observations";
    // 万州区's reporter: one item of 渝中区 refuses the batch, naming it.
    let wanzhou = api_token(&app, "wanzhou-reporter").await;
    let items = json!([
        { "entity_code": "500101", "indicator_code": "FAI", "period": "2019M01-M06", "value": 1 },
        { "entity_code": "500103", "indicator_code": "FAI", "period": "2019M01-M06", "value": 2 },
    ]);
    let r = post_items(&app, &wanzhou, path, items, None).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let p = &r.json()["error"]["details"]["problems"];
    assert_eq!(p.as_array().unwrap().len(), 1, "{}", r.body);
    assert_eq!(p[0]["index"], 1);
    assert_eq!(p[0]["value"], "渝中区");
    assert!(fresh_values(&app).await.is_empty());
    // Master data is not theirs to post.
    let r = post_items(
        &app,
        &wanzhou,
        "/api/v1/indicators",
        json!([{"code": "NEW", "name": "新指标", "unit": "个", "frequency": "月", "kind": "水平值"}]),
        None,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);

    // A dry run counts and writes nothing.
    let admin = api_token(&app, "admin").await;
    let r = post_items(
        &app,
        &admin,
        &format!("{path}?dry_run=true"),
        fresh(5.0),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["dry_run"], true);
    assert_eq!(r.json()["inserted"], 1);
    assert!(fresh_values(&app).await.is_empty());

    // Too many items, and too large a body: 413 with a Chinese message, nothing written.
    let many: Vec<Value> = (0..=yiping_app::write_api::MAX_ITEMS)
        .map(|_| json!({}))
        .collect();
    let r = post_items(&app, &admin, path, Value::Array(many), None).await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("分批"),
        "{}",
        r.body
    );
    let auth = format!("Bearer {admin}");
    let r = crate::security::declare_body(
        &app,
        path,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        9 * 1024 * 1024,
    )
    .await;
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(r.body.contains("8 MB"), "{}", r.body);

    // Entities with an effective-dated parent link, indicators and targets.
    let r = post_items(
        &app,
        &admin,
        "/api/v1/entities",
        json!([{"kind": "地区", "code": "500101999", "name": "测试街道", "level": 3,
                "parent_code": "500101", "parent_from": "2025-01-01"}]),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["inserted"], 1, "{}", r.body);
    let r = post_items(
        &app,
        &admin,
        "/api/v1/targets",
        json!([{"entity_code": "500101", "indicator_code": "FAI", "year": 2031, "kind": "增速", "value": 8}]),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["inserted"], 1, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_the_write_routes_in_chinese() {
    let app = spawn_demo().await;
    let (status, doc) = get_json(&app, "/api/v1/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    for path in [
        "/api/v1/observations",
        "/api/v1/entities",
        "/api/v1/indicators",
        "/api/v1/targets",
    ] {
        let op = &doc["paths"][path]["post"];
        assert!(
            op["summary"].as_str().unwrap().contains("提交"),
            "{path}: {op}"
        );
        let example = &op["requestBody"]["content"]["application/json"]["example"];
        assert!(example["items"].is_array(), "{path}: {op}");
        assert!(op["responses"]["422"].is_object(), "{path}");
    }
    assert!(doc["paths"]["/api/v1/observations"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/schemes/{code}/results"]["get"].is_object());
}
