//! Black-box tests of the work-item API and Open311 on a real listener with a small fresh
//! database (a city, a district, the city's 城管局 D009 and one enterprise).

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use yiping_http::AppState;
use yiping_kernel::{EntityCode, EntityKind, NewEntity};
use yiping_store::{ChangeContext, EntityUpsert, ParentRef, Store};

use super::helpers::{TestApp, enc, get_json, post_json, request, serve};

async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let store = yiping_store_sqlite::open(
        &dir.path().join("t.db"),
        yiping_store_sqlite::OpenMode::CreateIfMissing,
    )
    .await
    .unwrap();
    let e = |kind, code: &str, name: &str, level| {
        NewEntity::new(kind, Some(EntityCode::parse(code).unwrap()), name, level).unwrap()
    };
    let items = vec![
        EntityUpsert::new(e(EntityKind::Region, "500000", "重庆市", 1)),
        EntityUpsert::new(e(EntityKind::Region, "500103", "渝中区", 2))
            .with_parent(ParentRef::Earlier(0)),
        EntityUpsert::new(e(EntityKind::Department, "D009", "市城市管理局", 2))
            .with_parent(ParentRef::Earlier(0)),
        EntityUpsert::new(e(
            EntityKind::Enterprise,
            "91500000TEST00001X",
            "测试企业",
            1,
        )),
    ];
    let ctx = ChangeContext::new("测试", "种子", Utc::now());
    let ids = store
        .upsert_entities(&items, &ctx)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let store: Arc<dyn Store> = Arc::new(store);
    serve(
        AppState::new(store.clone()).with_open311_key(Some("secret-key".into())),
        store,
        ids,
        dir,
    )
    .await
}

#[tokio::test]
async fn items_are_created_listed_and_moved_with_version_checks() {
    let app = spawn_app().await;
    let (district, cgj) = (app.ids[1].0, app.ids[2].0);
    let at = Utc.with_ymd_and_hms(2024, 3, 4, 1, 0, 0).unwrap();
    let (status, item) = post_json(
        &app,
        "/api/v1/items",
        json!({
            "actor": {"user": "网格员1", "role": "reporter", "unit": district},
            "kind": "event",
            "title": "解放碑步行街暴露垃圾",
            "category": "事件/01/01",
            "channel": "grid_worker",
            "receiving_unit": district,
            "location": district,
            "at": at,
        }),
    )
    .await;
    assert_eq!(status, 201, "{item}");
    assert_eq!(item["stage"], "registered");
    assert_eq!(item["stage_name"], "立案");
    let id = item["id"].as_i64().unwrap();
    let version = item["version"].as_u64().unwrap();

    let (status, detail) = get_json(&app, &format!("/api/v1/items/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(detail["suggested_route"]["unit"], cgj);
    assert_eq!(detail["history"].as_array().unwrap().len(), 1);

    let dispatcher = json!({"user": "派遣员", "role": "dispatcher", "unit": district});
    let body = |v: u64| {
        json!({
            "expected_version": v,
            "actor": dispatcher,
            "command": {"dispatch": {"unit": cgj}},
            "at": at + chrono::TimeDelta::hours(1),
        })
    };
    let (status, moved) = post_json(
        &app,
        &format!("/api/v1/items/{id}/transitions"),
        body(version),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["item"]["stage"], "dispatched");
    assert!(!moved["notifications"].as_array().unwrap().is_empty());

    // The same version again: someone else moved it first.
    let (status, err) = post_json(
        &app,
        &format!("/api/v1/items/{id}/transitions"),
        body(version),
    )
    .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "conflict");

    // A refused command: 422 with the engine's Chinese message.
    let (status, err) = post_json(
        &app,
        &format!("/api/v1/items/{id}/transitions"),
        json!({
            "expected_version": version + 1,
            "actor": {"user": "监督员", "role": "supervisor", "unit": district},
            "command": "close",
        }),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    assert!(
        err["error"]["message"].as_str().unwrap().contains("结案"),
        "{err}"
    );

    // The department's inbox, filters and paging; the item is overdue long after.
    let (status, page) = get_json(&app, &format!("/api/v1/items?unit={cgj}&limit=5")).await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["overdue"], true);
    let (_, page) = get_json(&app, &format!("/api/v1/items?stage={}", enc("派遣"))).await;
    assert_eq!(page["total"], 1);
    let (_, page) = get_json(&app, "/api/v1/items?stage=closed").await;
    assert_eq!(page["total"], 0);
    let (status, err) = get_json(&app, "/api/v1/items?stage=nonsense").await;
    assert_eq!(status, 400);
    assert!(err["error"]["message"].as_str().unwrap().contains("stage"));
    let (status, _) = get_json(&app, "/api/v1/items/999999").await;
    assert_eq!(status, 404);

    // Metrics per unit: one dispatched item is below the minimum sample.
    let (status, m) = get_json(
        &app,
        &format!("/api/v1/items/metrics?period=2024M03&unit={district}"),
    )
    .await;
    assert_eq!(status, 200, "{m}");
    let rates = m[0]["rates"].as_array().unwrap();
    assert!(rates.iter().any(|r| r["code"] == "WI_CLOSURE_RATE"));
    assert!(rates.iter().all(|r| r["percent"].is_null()), "{m}");
    let (status, _) = get_json(&app, "/api/v1/items/metrics").await;
    assert_eq!(status, 400);

    // A problem without a source is refused in Chinese.
    let (status, err) = post_json(
        &app,
        "/api/v1/items",
        json!({
            "actor": {"user": "受理员", "role": "supervisor", "unit": district},
            "kind": "problem",
            "title": "审计发现的问题",
            "category": "事件/06/02",
            "channel": "leadership",
            "receiving_unit": district,
        }),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("巡视"));
}

#[tokio::test]
async fn open311_lists_services_and_takes_requests_in_json_and_xml() {
    let app = spawn_app().await;
    let (status, services) = get_json(&app, "/open311/v2/services.json").await;
    assert_eq!(status, 200);
    let list = services.as_array().unwrap();
    assert!(list.len() >= 10);
    assert!(list.iter().any(|s| s["service_code"] == "event-01-01"));
    let (status, ct, xml) = request(&app, "GET", "/open311/v2/services.xml", None).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("application/xml"));
    assert!(xml.contains("<services><service><service_code>"), "{xml}");
    let (status, def) = get_json(&app, "/open311/v2/services/event-01-01.json").await;
    assert_eq!(
        (status, def["service_code"].as_str()),
        (200, Some("event-01-01"))
    );
    let (status, _, xml) = request(&app, "GET", "/open311/v2/services/nope.xml", None).await;
    assert_eq!(status, 404);
    assert!(xml.contains("<errors><error><code>404</code>"), "{xml}");

    // Posting needs the key.
    let form = |key: &str| {
        format!(
            "api_key={key}&service_code=event-01-01&lat=29.557&long=106.577&description={}&email=a%40b.cn",
            enc("路口垃圾桶满溢 <三天>")
        )
    };
    let (status, _, body) = request(
        &app,
        "POST",
        "/open311/v2/requests.json",
        Some(("application/x-www-form-urlencoded", form("wrong"))),
    )
    .await;
    assert_eq!(status, 403);
    let err: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(err[0]["code"], 403);
    let (status, _, body) = request(
        &app,
        "POST",
        "/open311/v2/requests.json",
        Some(("application/x-www-form-urlencoded", form("secret-key"))),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let posted: Value = serde_json::from_str(&body).unwrap();
    let id = posted[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = posted[0]["token"].as_str().unwrap().to_string();

    let (status, one) = get_json(&app, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(status, 200);
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["service_code"], "event-01-01");
    assert_eq!(one[0]["description"], "路口垃圾桶满溢 <三天>");
    assert_eq!(one[0]["lat"], 29.557);
    let (status, _, xml) =
        request(&app, "GET", &format!("/open311/v2/requests/{id}.xml"), None).await;
    assert_eq!(status, 200);
    assert!(
        xml.contains("<description>路口垃圾桶满溢 &lt;三天&gt;</description>"),
        "{xml}"
    );
    assert!(xml.contains(&format!("<service_request_id>{id}</service_request_id>")));
    let (_, tok) = get_json(&app, &format!("/open311/v2/tokens/{token}.json")).await;
    assert_eq!(tok[0]["service_request_id"], id.as_str());

    // Lists: by id, by code and status within 90 days, and the range rule.
    let (_, by_id) = get_json(
        &app,
        &format!("/open311/v2/requests.json?service_request_id={id}"),
    )
    .await;
    assert_eq!(by_id.as_array().unwrap().len(), 1);
    let (_, open) = get_json(
        &app,
        "/open311/v2/requests.json?service_code=event-01-01&status=open",
    )
    .await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    let (_, closed) = get_json(&app, "/open311/v2/requests.json?status=closed").await;
    assert_eq!(closed.as_array().unwrap().len(), 0);
    let (status, err) = get_json(
        &app,
        "/open311/v2/requests.json?start_date=2024-01-01T00:00:00Z&end_date=2024-06-01T00:00:00Z",
    )
    .await;
    assert_eq!(status, 400);
    assert!(err[0]["description"].as_str().unwrap().contains("90"));
    let (status, _, xml) = request(&app, "GET", "/open311/v2/requests.xml", None).await;
    assert_eq!(status, 200);
    assert!(xml.starts_with("<?xml") && xml.contains("<service_requests><request>"));
}
