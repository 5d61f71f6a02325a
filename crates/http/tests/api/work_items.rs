//! Black-box tests of the work-item API and Open311 on a real listener with a small fresh
//! database (a city, a district, the city's 城管局 D009 and two enterprises) and one user per
//! role that matters: the actor of every change is the signed-in user, never the request body.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use yiping_http::AppState;
use yiping_kernel::{EntityCode, EntityKind, NewEntity};
use yiping_store::{ChangeContext, EntityUpsert, ParentRef, Store};

use super::helpers::{
    PASSWORD, TestApp, api_token, enc, get_as, get_json, login, post_bearer, post_json,
    post_json_as, request, serve,
};

pub(super) async fn spawn_app() -> TestApp {
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
        EntityUpsert::new(e(
            EntityKind::Enterprise,
            "91500000TEST00002X",
            "另一企业",
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
    use yiping_access::Role;
    let users = [
        ("admin", Role::Admin, "500000"),
        ("yz-leader", Role::Leader, "500103"),
        ("grid", Role::GridWorker, "500103"),
        ("cgj-handler", Role::Handler, "D009"),
        ("firm", Role::Enterprise, "91500000TEST00001X"),
        ("firm2", Role::Enterprise, "91500000TEST00002X"),
    ];
    for (login, role, unit) in users {
        let spec = yiping_app::auth::UserSpec {
            login: login.into(),
            name: login.into(),
            role,
            unit_code: unit.into(),
            password: PASSWORD.into(),
        };
        yiping_app::auth::add_user(store.as_ref(), &spec, "测试", Utc::now())
            .await
            .unwrap();
    }
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
    let (city, district, cgj) = (app.ids[0].0, app.ids[1].0, app.ids[2].0);
    let admin = login(&app, "admin").await;
    let at = Utc.with_ymd_and_hms(2024, 3, 4, 1, 0, 0).unwrap();
    // The body's actor is ignored: the signed-in administrator receives the item.
    let r = post_json_as(
        &app,
        &admin,
        "/api/v1/items",
        json!({
            "actor": {"user": "冒充", "role": "reporter", "unit": district},
            "kind": "event",
            "title": "解放碑步行街暴露垃圾",
            "category": "事件/01/01",
            "channel": "hotline",
            "receiving_unit": district,
            "location": district,
            "at": at,
        }),
    )
    .await;
    let item = r.json();
    assert_eq!(r.status, 201, "{item}");
    assert_eq!(item["stage"], "received");
    let id = item["id"].as_i64().unwrap();
    let url = format!("/api/v1/items/{id}/transitions");
    let step = |v: u64, command: Value, h: i64| {
        json!({
            "expected_version": v,
            "command": command,
            "at": at + chrono::TimeDelta::minutes(h),
        })
    };
    let r = post_json_as(&app, &admin, &url, step(1, json!("register"), 30)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let registered = r.json()["item"].clone();
    assert_eq!(registered["history"][0]["entry"]["actor"]["user"], "admin");
    assert_eq!(
        registered["history"][1]["entry"]["actor"]["role"],
        "supervisor"
    );

    let r = get_as(&app, &admin, &format!("/api/v1/items/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["suggested_route"]["unit"], cgj);

    let dispatch = json!({"dispatch": {"unit": cgj}});
    let r = post_json_as(&app, &admin, &url, step(2, dispatch.clone(), 60)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let moved = r.json();
    assert_eq!(moved["item"]["stage"], "dispatched");
    assert_eq!(
        moved["item"]["history"][2]["entry"]["actor"]["role"],
        "dispatcher"
    );
    assert!(!moved["notifications"].as_array().unwrap().is_empty());

    // The same version again: someone else moved it first.
    let r = post_json_as(&app, &admin, &url, step(2, dispatch, 61)).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "conflict");

    // A refused command: 422 with the engine's Chinese message.
    let r = post_json_as(&app, &admin, &url, step(3, json!("close"), 62)).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("结案")
    );

    // The department's inbox, filters and paging; the item is overdue long after.
    let handler = login(&app, "cgj-handler").await;
    let r = get_as(&app, &handler, "/api/v1/items?limit=5").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["total"], 1);
    assert_eq!(r.json()["items"][0]["overdue"], true);
    let r = get_as(
        &app,
        &admin,
        &format!("/api/v1/items?unit={cgj}&stage={}", enc("派遣")),
    )
    .await;
    assert_eq!(r.json()["total"], 1);
    let r = get_as(
        &app,
        &admin,
        &format!("/api/v1/items?unit={cgj}&stage=closed"),
    )
    .await;
    assert_eq!(r.json()["total"], 0);
    let r = get_as(&app, &admin, "/api/v1/items?stage=nonsense").await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stage")
    );
    let r = get_as(&app, &admin, "/api/v1/items/999999").await;
    assert_eq!(r.status, 404);

    // Only the administrator may give a time; the handler signs now.
    let r = post_json_as(&app, &handler, &url, step(3, json!("sign"), 90)).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = post_json_as(
        &app,
        &handler,
        &url,
        json!({"expected_version": 3, "command": "sign"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["item"]["history"][3]["entry"]["actor"]["user"],
        "cgj-handler"
    );

    // Metrics per unit: one dispatched item is below the minimum sample.
    let r = get_as(
        &app,
        &admin,
        &format!("/api/v1/items/metrics?period=2024M03&unit={district}"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let m = r.json();
    let rates = m[0]["rates"].as_array().unwrap();
    assert!(rates.iter().any(|r| r["code"] == "WI_CLOSURE_RATE"));
    assert!(rates.iter().all(|r| r["percent"].is_null()), "{m}");
    // The district is rated on the item located in it, as write_metrics stores it: dispatched
    // once in March, to the 城管局; 重办率 and 平均办理时长 are among the figures.
    assert_eq!(m[0]["by_location"], true);
    let sign = rates
        .iter()
        .find(|r| r["code"] == "WI_TIMELY_SIGN_RATE")
        .unwrap();
    assert_eq!(
        (sign["numerator"].as_u64(), sign["denominator"].as_u64()),
        (Some(0), Some(1))
    );
    let mean = rates
        .iter()
        .find(|r| r["code"] == "WI_MEAN_DURATION")
        .unwrap();
    assert_eq!(mean["unit"], "工作小时");
    assert!(rates.iter().any(|r| r["code"] == "WI_REOPEN_RATE"));
    // Without a unit: every unit owning items and every district with items located in it.
    let r = get_as(&app, &admin, "/api/v1/items/metrics?period=2024M03").await;
    let units: Vec<i64> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["unit"].as_i64().unwrap())
        .collect();
    assert_eq!(units, [district.min(cgj), district.max(cgj)], "{}", r.body);
    // One category: the item counts for 事件/01, not for 部件.
    let only = |category: &str| {
        format!(
            "/api/v1/items/metrics?period=2024M03&unit={district}&category={}",
            enc(category)
        )
    };
    let r = get_as(&app, &admin, &only("事件/01")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()[0]["rates"][7]["denominator"], 1, "{}", r.body);
    let r = get_as(&app, &admin, &only("部件")).await;
    assert_eq!(r.json()[0]["rates"][7]["denominator"], 0, "{}", r.body);
    let r = get_as(&app, &admin, &only("交通/01")).await;
    assert_eq!(r.status, 400);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("category"),
        "{}",
        r.body
    );
    let r = get_as(&app, &admin, "/api/v1/items/metrics").await;
    assert_eq!(r.status, 400);

    // A problem without a source is refused in Chinese.
    let r = post_json_as(
        &app,
        &admin,
        "/api/v1/items",
        json!({
            "kind": "problem",
            "title": "审计发现的问题",
            "category": "事件/06/02",
            "channel": "leadership",
            "receiving_unit": city,
        }),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("巡视")
    );
}

#[tokio::test]
async fn a_directives_detail_shows_its_progress_and_cancelled_children_do_not_block_it() {
    let app = spawn_app().await;
    let (district, cgj) = (app.ids[1].0, app.ids[2].0);
    let admin = login(&app, "admin").await;
    let at = Utc.with_ymd_and_hms(2024, 3, 4, 1, 0, 0).unwrap();
    let r = post_json_as(
        &app,
        &admin,
        "/api/v1/items",
        json!({"kind": "directive", "title": "开展占道经营专项整治", "category": "事件/01/01",
               "channel": "leadership", "receiving_unit": district, "at": at}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let url = format!("/api/v1/items/{id}/transitions");
    let go = |v: u64, command: Value| json!({"expected_version": v, "command": command});
    let r = post_json_as(&app, &admin, &url, go(1, json!("register"))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let fan = json!({"fan_out": {"units": [cgj, district]}});
    let r = post_json_as(&app, &admin, &url, go(2, fan)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let kids: Vec<i64> = r.json()["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_i64().unwrap())
        .collect();
    assert_eq!(kids.len(), 2);
    let detail = format!("/api/v1/items/{id}");
    let d = get_as(&app, &admin, &detail).await.json();
    assert_eq!(
        d["progress"],
        json!({"total": 2, "cancelled": 0, "found": 2, "signed": 0, "replied": 0, "closed": 0})
    );

    // The district's task is cancelled; the 城管局 signs, handles and replies.
    let child_url = |c: i64| format!("/api/v1/items/{c}/transitions");
    let cancel = json!({"cancel": {"reason": "该单位不涉及"}});
    let r = post_json_as(&app, &admin, &child_url(kids[1]), go(1, cancel)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let handler = login(&app, "cgj-handler").await;
    let steps = [
        json!("sign"),
        json!("handle"),
        json!({"reply": {"result": "已落实"}}),
    ];
    for (k, cmd) in steps.into_iter().enumerate() {
        let r = post_json_as(&app, &handler, &child_url(kids[0]), go(1 + k as u64, cmd)).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let d = get_as(&app, &admin, &detail).await.json();
    assert_eq!(
        d["progress"],
        json!({"total": 1, "cancelled": 1, "found": 2, "signed": 1, "replied": 1, "closed": 0})
    );
    let v = d["version"].as_u64().unwrap();
    let r = post_json_as(&app, &admin, &url, go(v, json!("consolidate"))).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["item"]["stage"], "replied");
    // An item without children has no progress.
    let r = get_as(&app, &admin, &format!("/api/v1/items/{}", kids[0])).await;
    assert!(r.json().get("progress").is_none(), "{}", r.body);
}

#[tokio::test]
async fn roles_and_scopes_limit_what_each_user_reads_and_does() {
    let app = spawn_app().await;
    let (city, district, cgj) = (app.ids[0].0, app.ids[1].0, app.ids[2].0);
    // Not signed in: 401 in the API's shape.
    let (status, err) = get_json(&app, "/api/v1/items").await;
    assert_eq!(status, 401, "{err}");
    let (status, _) = post_json(&app, "/api/v1/items", json!({})).await;
    assert!(status == 401 || status == 403, "{status}");

    // A grid worker's report is registered at once, with the worker as reporter.
    let grid = login(&app, "grid").await;
    let r = post_json_as(
        &app,
        &grid,
        "/api/v1/items",
        json!({
            "kind": "event",
            "title": "路灯不亮",
            "category": "事件/01/01",
            "channel": "grid_worker",
            "receiving_unit": district,
            "location": district,
            "reporter": "别人",
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let event = r.json();
    assert_eq!(event["stage"], "registered");
    let event_id = event["id"].as_i64().unwrap();
    // …who may not dispatch it, nor file for a unit outside their district.
    let r = post_json_as(
        &app,
        &grid,
        &format!("/api/v1/items/{event_id}/transitions"),
        json!({"expected_version": event["version"], "command": {"dispatch": {"unit": cgj}}}),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "forbidden");
    let r = post_json_as(
        &app,
        &grid,
        "/api/v1/items",
        json!({"kind": "event", "title": "x", "category": "事件/01/01",
               "channel": "grid_worker", "receiving_unit": city}),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = post_json_as(
        &app,
        &grid,
        "/api/v1/items",
        json!({"kind": "directive", "title": "x", "category": "事件/01/01",
               "channel": "leadership", "receiving_unit": district}),
    )
    .await;
    assert_eq!(
        r.status, 403,
        "a grid worker cannot issue directives: {}",
        r.body
    );

    // The district leader reads its district's inbox, not the city department's.
    let leader = login(&app, "yz-leader").await;
    let r = get_as(&app, &leader, "/api/v1/items").await;
    assert_eq!(
        (r.status, r.json()["total"].as_u64()),
        (200, Some(1)),
        "{}",
        r.body
    );
    let r = get_as(&app, &leader, &format!("/api/v1/items?unit={cgj}")).await;
    assert_eq!(r.status, 403, "{}", r.body);

    // An enterprise files on the city platform, whatever it names, and sees only its own.
    let firm = login(&app, "firm").await;
    let r = post_json_as(
        &app,
        &firm,
        "/api/v1/items",
        json!({
            "kind": "enterprise_request",
            "title": "惠企政策兑现迟迟未到账",
            "category": "企业诉求/01/01",
            "channel": "online",
            "receiving_unit": district,
            "enterprise": app.ids[4].0,
        }),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let req = r.json();
    assert_eq!(req["receiving_unit"], city);
    assert_eq!(req["enterprise"], app.ids[3].0);
    assert_eq!(req["channel"], "enterprise");
    let req_id = req["id"].as_i64().unwrap();
    let r = get_as(&app, &firm, "/api/v1/items").await;
    assert_eq!(r.json()["total"], 1, "{}", r.body);
    assert_eq!(r.json()["items"][0]["id"], req_id);
    let r = get_as(&app, &firm, &format!("/api/v1/items/{event_id}")).await;
    assert_eq!(r.status, 403);
    let r = get_as(&app, &firm, &format!("/api/v1/items?unit={district}")).await;
    assert_eq!(r.status, 403);
    let r = get_as(&app, &firm, "/api/v1/items/metrics?period=2024M03").await;
    assert_eq!(r.status, 403);
    let other = login(&app, "firm2").await;
    let r = get_as(&app, &other, &format!("/api/v1/items/{req_id}")).await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = get_as(&app, &other, "/api/v1/items").await;
    assert_eq!(r.json()["total"], 0);
    let r = get_as(
        &app,
        &other,
        &format!("/api/v1/items?enterprise={}", app.ids[3].0),
    )
    .await;
    assert_eq!(r.status, 403);
    // …and the district leader does not see a request on the city platform.
    let r = get_as(&app, &leader, &format!("/api/v1/items/{req_id}")).await;
    assert_eq!(r.status, 403);

    // An integration with an administrator's API token acts as that administrator (no CSRF).
    let token = api_token(&app, "admin").await;
    let r = post_bearer(
        &app,
        &token,
        &format!("/api/v1/items/{req_id}/transitions"),
        json!({"expected_version": 1, "command": "register",
               "actor": {"user": "x", "role": "system", "unit": city}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let history = r.json()["item"]["history"].clone();
    assert_eq!(history[1]["entry"]["actor"]["user"], "admin", "{history}");
    assert_eq!(history[1]["entry"]["actor"]["role"], "supervisor");
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
            "api_key={key}&service_code=event-01-01&lat=29.557&long=106.577&description={}&email=a%40b.cn&attribute%5BAMOUNT%5D=small",
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
    // The point lies within 渝中区's registered boundaries: the item is placed there.
    let stored = app
        .store
        .work_item(yiping_flow::ItemId(id.parse().unwrap()))
        .await
        .unwrap()
        .unwrap();
    let place = app
        .store
        .entity(stored.item.location.expect("located"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(place.data.name, "渝中区");
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

    // Nothing private leaks: internal notes (a 回退 reason) stay out of status_notes, and
    // enterprise requests are not public service requests.
    let cgj = app.ids[2].0;
    let admin = login(&app, "admin").await;
    let url = format!("/api/v1/items/{id}/transitions");
    for (v, cmd) in [
        (1, json!("register")),
        (2, json!({"dispatch": {"unit": cgj}})),
    ] {
        let r = post_json_as(
            &app,
            &admin,
            &url,
            json!({"expected_version": v, "command": cmd}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let handler = login(&app, "cgj-handler").await;
    let r = post_json_as(
        &app,
        &handler,
        &url,
        json!({"expected_version": 3, "command": {"return": {"reason": "内部意见：应由区里处理"}}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, one) = get_json(&app, &format!("/open311/v2/requests/{id}.json")).await;
    let notes = one[0]["status_notes"].as_str().unwrap();
    assert!(!notes.contains("内部意见"), "{notes}");
    assert!(
        one[0].get("email").is_none() && !one.to_string().contains("a@b.cn"),
        "{one}"
    );
    let firm = login(&app, "firm").await;
    let r = post_json_as(
        &app,
        &firm,
        "/api/v1/items",
        json!({"kind": "enterprise_request", "title": "测试企业用地诉求",
               "category": "企业诉求/01/01", "channel": "enterprise", "receiving_unit": app.ids[0].0}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let req_id = r.json()["id"].as_i64().unwrap();
    let (status, _) = get_json(&app, &format!("/open311/v2/requests/{req_id}.json")).await;
    assert_eq!(status, 404);
    let (_, all) = get_json(&app, "/open311/v2/requests.json").await;
    assert!(!all.to_string().contains("测试企业"), "{all}");
    let (_, by_id) = get_json(
        &app,
        &format!("/open311/v2/requests.json?service_request_id={req_id}"),
    )
    .await;
    assert_eq!(by_id.as_array().unwrap().len(), 0);
}
