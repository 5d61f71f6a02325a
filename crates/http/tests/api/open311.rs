//! Open311 GeoReport v2 conformance beyond the basics of `work_items`: XML posts, service
//! definitions with attributes, attribute checks, the description limit, `address_id`, and the
//! list filters (comma lists of ids, codes and statuses, the 90-day window from a start date).

use chrono::{TimeDelta, Utc};
use serde_json::Value;

use super::helpers::{TestApp, enc, get_json, request};
use super::work_items::spawn_app;

const FORM: &str = "application/x-www-form-urlencoded";

async fn post(app: &TestApp, format: &str, body: &str) -> (u16, String) {
    let path = format!("/open311/v2/requests.{format}");
    let (status, _, body) = request(app, "POST", &path, Some((FORM, body.to_string()))).await;
    (status, body)
}

fn garbage(extra: &str) -> String {
    format!(
        "api_key=secret-key&jurisdiction_id=cq&service_code=event-01-01&address_string={}&description={}{extra}",
        enc("解放碑步行街"),
        enc("垃圾堆积")
    )
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn a_service_definition_lists_its_attributes_in_json_and_xml() {
    let app = spawn_app().await;
    let (_, services) = get_json(&app, "/open311/v2/services.json?jurisdiction_id=cq").await;
    let meta = |code: &str| {
        services
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["service_code"] == code)
            .map(|s| s["metadata"].clone())
    };
    assert_eq!(meta("event-01-01"), Some(Value::Bool(true)));
    assert_eq!(meta("event-01-02"), Some(Value::Bool(false)));

    let (status, def) = get_json(&app, "/open311/v2/services/event-01-01.json").await;
    assert_eq!(status, 200);
    let attrs = def["attributes"].as_array().unwrap();
    let codes: Vec<&str> = attrs.iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["AMOUNT", "DAYS", "HAZARD"]);
    let amount = &attrs[0];
    assert_eq!(amount["variable"], true);
    assert_eq!(amount["datatype"], "singlevaluelist");
    assert_eq!(amount["required"], true);
    assert_eq!(amount["order"], 1);
    assert_eq!(amount["description"], "垃圾大约有多少？");
    assert_eq!(amount["datatype_description"], "");
    assert_eq!(amount["values"][2]["key"], "large");
    assert_eq!(amount["values"][2]["name"], "大量（一车以上）");
    assert_eq!(attrs[1]["datatype"], "number");
    assert!(attrs[1].get("values").is_none());

    let (status, _, xml) = request(&app, "GET", "/open311/v2/services/event-01-01.xml", None).await;
    assert_eq!(status, 200);
    assert!(
        xml.contains(
            "<service_definition><service_code>event-01-01</service_code><attributes>\
             <attribute><variable>true</variable><code>AMOUNT</code>\
             <datatype>singlevaluelist</datatype><required>true</required>\
             <datatype_description/><order>1</order>\
             <description>垃圾大约有多少？</description><values><value><key>small</key>"
        ),
        "{xml}"
    );
    // A service without a definition has an empty attribute list.
    let (_, _, xml) = request(&app, "GET", "/open311/v2/services/event-01-02.xml", None).await;
    assert!(xml.contains("<attributes></attributes>"), "{xml}");
}

#[tokio::test]
async fn posts_check_attributes_description_and_location_and_answer_in_xml() {
    let app = spawn_app().await;
    // A required attribute missing: the specification's error list, in both formats.
    let (status, body) = post(&app, "json", &garbage("")).await;
    assert_eq!(status, 400);
    let err = json(&body);
    assert_eq!(err[0]["code"], 400);
    assert_eq!(
        err[0]["description"],
        "缺少必填属性 attribute[AMOUNT]（垃圾大约有多少？）"
    );
    let (status, xml) = post(&app, "xml", &garbage("&attribute%5BAMOUNT%5D=huge")).await;
    assert_eq!(status, 400);
    assert!(
        xml.contains("<errors><error><code>400</code><description>attribute[AMOUNT]“huge”无效"),
        "{xml}"
    );

    // Too long a description: 413, as everywhere (the app's one limit).
    let long = "垃".repeat(4001);
    let body = format!(
        "api_key=secret-key&service_code=event-01-02&address_string=x&description={}",
        enc(&long)
    );
    let (status, body) = post(&app, "json", &body).await;
    assert_eq!(status, 413);
    assert!(
        json(&body)[0]["description"]
            .as_str()
            .unwrap()
            .contains("描述不能超过 4000 个字符，实有 4001 个"),
        "{body}"
    );
    // Exactly 4,000 is fine; address_id alone is a location.
    let body = format!(
        "api_key=secret-key&service_code=event-01-02&address_id=A-778&description={}",
        enc(&"贴".repeat(4000))
    );
    let (status, body) = post(&app, "json", &body).await;
    assert_eq!(status, 200, "{body}");
    let id = json(&body)[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, one) = get_json(&app, &format!("/open311/v2/requests/{id}.json")).await;
    assert_eq!(one[0]["address_id"], "A-778");
    let (status, body) = post(&app, "json", "api_key=secret-key&service_code=event-01-02").await;
    assert_eq!(status, 400);
    assert!(body.contains("address_id"), "{body}");

    // A good XML post with attributes: an array with the id and the token; the values kept.
    let attrs = "&attribute%5BAMOUNT%5D=large&attribute%5BHAZARD%5D%5B%5D=odour\
                 &attribute%5BHAZARD%5D%5B%5D=sharp&attribute%5BDAYS%5D=3";
    let (status, xml) = post(&app, "xml", &garbage(attrs)).await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.starts_with("<?xml"), "{xml}");
    let id = xml
        .split("<service_request_id>")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .expect("an id")
        .to_string();
    assert!(
        xml.contains("<service_requests><request><service_request_id>"),
        "{xml}"
    );
    assert!(xml.contains("<token>"), "{xml}");
    let stored = app
        .store
        .work_item(yiping_flow::ItemId(id.parse().unwrap()))
        .await
        .unwrap()
        .unwrap();
    let a = &stored.extras.attributes;
    assert_eq!(a["AMOUNT"], ["large"]);
    assert_eq!(a["HAZARD"], ["odour", "sharp"]);
    assert_eq!(a["DAYS"], ["3"]);
    // A service without attributes refuses them.
    let body = "api_key=secret-key&service_code=event-01-02&address_string=x&attribute%5BX%5D=1";
    let (status, body) = post(&app, "json", body).await;
    assert_eq!(status, 400);
    assert!(body.contains("没有属性"), "{body}");
}

#[tokio::test]
async fn lists_take_comma_lists_and_a_window_from_the_start_date() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for body in [
        garbage("&attribute%5BAMOUNT%5D=small"),
        "api_key=secret-key&service_code=event-01-02&address_string=x".to_string(),
        "api_key=secret-key&service_code=component-01-01&address_string=y".to_string(),
    ] {
        let (status, body) = post(&app, "json", &body).await;
        assert_eq!(status, 200, "{body}");
        ids.push(
            json(&body)[0]["service_request_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let count = |v: &Value| v.as_array().map_or(usize::MAX, Vec::len);
    let (status, two) = get_json(
        &app,
        &format!(
            "/open311/v2/requests.json?service_request_id={},{}",
            ids[0], ids[2]
        ),
    )
    .await;
    assert_eq!(status, 200);
    let got: Vec<&str> = two
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap())
        .collect();
    assert_eq!(got.len(), 2);
    assert!(got.contains(&ids[0].as_str()) && got.contains(&ids[2].as_str()));
    let (_, codes) = get_json(
        &app,
        "/open311/v2/requests.json?service_code=event-01-01,component-01-01",
    )
    .await;
    assert_eq!(count(&codes), 2, "{codes}");
    let (status, err) = get_json(&app, "/open311/v2/requests.json?service_code=event-99-99").await;
    assert_eq!(status, 400);
    assert!(
        err[0]["description"]
            .as_str()
            .unwrap()
            .contains("event-99-99")
    );

    // Status: a comma list means either.
    let (_, both) = get_json(&app, "/open311/v2/requests.json?status=open,closed").await;
    assert_eq!(count(&both), 3);
    let (_, open) = get_json(&app, "/open311/v2/requests.json?status=open").await;
    assert_eq!(count(&open), 3);
    let (_, closed) = get_json(&app, "/open311/v2/requests.json?status=closed").await;
    assert_eq!(count(&closed), 0);
    let (status, _) = get_json(&app, "/open311/v2/requests.json?status=open,pending").await;
    assert_eq!(status, 400);

    // start_date alone: the 90 days after it. Yesterday's window holds today's requests; one
    // that ended long ago holds none (and is not refused for reaching to now).
    let yesterday = (Utc::now() - TimeDelta::days(1)).to_rfc3339();
    let (status, recent) = get_json(
        &app,
        &format!("/open311/v2/requests.json?start_date={}", enc(&yesterday)),
    )
    .await;
    assert_eq!(status, 200, "{recent}");
    assert_eq!(count(&recent), 3);
    let (status, old) = get_json(
        &app,
        "/open311/v2/requests.json?start_date=2024-01-01T00:00:00%2B08:00",
    )
    .await;
    assert_eq!((status, count(&old)), (200, 0), "{old}");
    let (status, err) = get_json(&app, "/open311/v2/requests.json?start_date=yesterday").await;
    assert_eq!(status, 400);
    assert!(err[0]["description"].as_str().unwrap().contains("W3C"));
}
