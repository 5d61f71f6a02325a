//! Filters name units by code or name (issue 11, bug 4): `unit=500103` is 渝中区 for the city
//! analyst (it was read as internal id 500103 and answered 403); internal ids still work.

use std::collections::HashMap;

use crate::helpers::*;

#[tokio::test]
async fn filters_and_paths_take_codes_and_names() {
    let app = spawn_demo().await;
    let ids: HashMap<String, i64> = app
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
    let yuzhong = ids["500103"];
    let analyst = login(&app, "analyst").await;
    for unit in [
        "500103".to_string(),
        enc("渝中区"),
        enc("渝中"),
        yuzhong.to_string(),
    ] {
        let r = get_as(
            &app,
            &analyst,
            &format!("/api/v1/items/metrics?period=2024M03&unit={unit}"),
        )
        .await;
        assert_eq!(r.status, 200, "unit={unit}: {}", r.body);
        let units: Vec<i64> = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["unit"].as_i64().unwrap())
            .collect();
        assert!(
            units.iter().all(|u| *u == yuzhong),
            "unit={unit}: {units:?}"
        );
    }
    for path in [
        "/api/v1/entities/500103".to_string(),
        format!("/api/v1/entities?subtree=500103&parent={}", enc("渝中区")),
        "/api/v1/observations?entity=500103&limit=5".to_string(),
        format!("/api/v1/observations?subtree={}&limit=5", enc("渝中区")),
        "/api/v1/items?unit=D009".to_string(),
        "/api/v1/schemes/ECONOMY_RACE/entities/500103/history".to_string(),
    ] {
        let r = get_as(&app, &analyst, &path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
    }
    let one = get_as(&app, &analyst, "/api/v1/entities/500103").await;
    assert_eq!(one.json()["id"].as_i64(), Some(yuzhong));

    // An unknown unit is a 400 naming the parameter; scope is still checked after resolving.
    let r = get_as(
        &app,
        &analyst,
        &format!(
            "/api/v1/items/metrics?period=2024M03&unit={}",
            enc("渝中街")
        ),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("参数 unit"), "{}", r.body);
    // A new item and a command name units by code or name too.
    let admin = login(&app, "admin").await;
    let created = post_json_as(
        &app,
        &admin,
        "/api/v1/items",
        serde_json::json!({"kind": "event", "title": "万州区某路段积水", "category": "事件/01/01",
               "channel": "hotline", "receiving_unit": "万州区", "location": "500101"}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let item = created.json();
    assert_eq!(item["location"].as_i64(), Some(ids["500101"]), "{item}");
    let r = post_json_as(
        &app,
        &admin,
        &format!("/api/v1/items/{}/transitions", item["id"]),
        serde_json::json!({"expected_version": item["version"], "command": "register"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post_json_as(
        &app,
        &admin,
        &format!("/api/v1/items/{}/transitions", item["id"]),
        serde_json::json!({"expected_version": r.json()["item"]["version"],
            "command": {"dispatch": {"unit": "D009"}}}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post_json_as(
        &app,
        &admin,
        &format!("/api/v1/items/{}/transitions", item["id"]),
        serde_json::json!({"expected_version": 99, "command": {"dispatch": {"unit": "不存在的局"}}}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("不存在的局"), "{}", r.body);

    let wanzhou_reporter = login(&app, "wanzhou-reporter").await;
    let r = get_as(
        &app,
        &wanzhou_reporter,
        "/api/v1/items/metrics?period=2024M03&unit=500103",
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
}
