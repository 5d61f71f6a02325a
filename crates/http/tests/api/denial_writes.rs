//! The denial matrix of writes: every route that changes data, sent by every demo user with a
//! valid session and CSRF token. Each probe names who may pass; everyone else must be refused
//! (403, or 404 where the thing is hidden from them) and leave the data as it was, which the
//! probe checks by reading what it would have changed (a count, a version, a value) before and
//! after the request.

use std::collections::HashMap;

use chrono::Utc;
use serde_json::json;
use yiping_kernel::{EntityId, IndicatorId, Period};
use yiping_store::{Page, WorkItemFilter};

use super::denials::USERS;
use crate::helpers::*;

use super::denial_probe::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_write_is_refused_outside_its_role_and_unit_and_changes_nothing() {
    let app = spawn_demo().await;
    let ids: HashMap<String, EntityId> = app
        .store
        .all_entities()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| e.data.code.as_ref().map(|c| (c.as_str().to_string(), e.id)))
        .collect();
    let (wanzhou, yuzhong) = (id(&ids, "500101"), id(&ids, "500103"));
    let mut sessions = HashMap::new();
    for u in USERS {
        sessions.insert(u, login(&app, u).await);
    }
    // Two items of 渝中区 to act on (one through the API, one through the page: a 督办 is
    // accepted once), and a user to switch off and on.
    let admin = &sessions["admin"];
    let mut items = Vec::new();
    for title in ["矩阵测试事项（接口）", "矩阵测试事项（页面）"] {
        let created = post_json_as(
            &app,
            admin,
            "/api/v1/items",
            json!({"kind": "event", "title": title, "category": "事件/01/01",
                   "channel": "hotline", "receiving_unit": yuzhong, "location": yuzhong}),
        )
        .await;
        assert_eq!(created.status, 201, "{}", created.body);
        items.push(created.json()["id"].as_i64().unwrap());
    }
    let (item, page_item) = (items[0], items[1]);
    yiping_app::auth::add_user(
        app.store.as_ref(),
        &yiping_app::auth::UserSpec {
            login: "matrix-target".into(),
            name: "被管理的用户".into(),
            role: yiping_access::Role::Reporter,
            unit_code: "500101".into(),
            password: "matrix-password".into(),
        },
        "测试",
        Utc::now(),
    )
    .await
    .unwrap();
    // Two notifications of the handler's, to mark (through the API and the page), and one of
    // the 渝中区 reporter's, to mark all read.
    let mut notes = Vec::new();
    for (login, title) in [
        ("jxw-handler", "矩阵测试通知（接口）"),
        ("jxw-handler", "矩阵测试通知（页面）"),
        ("yuzhong-reporter", "矩阵测试通知（全部）"),
    ] {
        use yiping_app::notifications::{Kind, Notice, To, send};
        let notice = Notice {
            kind: Kind::Item,
            title: title.into(),
            body: title.into(),
            link: None,
            once: None,
        };
        let sent = send(
            app.store.as_ref(),
            &[(To::Login(login.into()), notice)],
            None,
            Utc::now(),
        )
        .await
        .unwrap();
        notes.push(sent[0]);
    }
    // The first value field of 万州区's June form.
    let form = get_as(&app, admin, "/data/entry?unit=500101&period=2024M06").await;
    assert_eq!(form.status, 200);
    let field = first_value_field(&form.body);
    let indicator = IndicatorId(field[1..].parse().unwrap());
    let june = Period::months(2024, 1, 6).unwrap();
    let fai = app
        .store
        .indicators()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.data.code.as_str() == "FAI")
        .unwrap()
        .id;
    let csv = "主体代码,主体,指标代码,指标,时期,口径,数值,计量单位\n\
               500101,万州区,FAI,固定资产投资,2024M01-M06,数值,765.43,亿元\n"
        .to_string();
    let geo = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"高笋塘街道"},"geometry":{"type":"Polygon","coordinates":[[[108.38,30.80],[108.39,30.80],[108.39,30.81],[108.38,30.80]]]}}]}"#;

    // A validation finding and a seasonal outlier flag of 万州区 (issue 12).
    app.store
        .record_findings(&[yiping_store::NewFinding {
            rule: "MATRIX".into(),
            rule_name: "矩阵测试规则".into(),
            importance: "medium".into(),
            entity: wanzhou,
            period: june,
            left: Some(2.0),
            right: Some(1.0),
            message: "万州区 矩阵测试".into(),
            found_at: Utc::now(),
        }])
        .await
        .unwrap();
    let finding = app
        .store
        .findings(&yiping_store::QualityFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.data.rule == "MATRIX")
        .unwrap()
        .id;
    app.store
        .record_outlier_flags(&[yiping_store::NewOutlierFlag {
            indicator: fai,
            entity: wanzhou,
            period: june,
            value: 10.0,
            index: 1.6,
            median: 1.0,
            low: 0.9,
            high: 1.1,
            modified_z: Some(8.0),
            history: vec![(2022, 6.0), (2023, 6.5)],
            found_at: Utc::now(),
        }])
        .await
        .unwrap();
    let outlier = app
        .store
        .outlier_flags(&yiping_store::QualityFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.data.entity == wanzhou && f.data.indicator == fai)
        .unwrap()
        .id;

    const ITEM_ACTORS: &[&str] = &["admin", "analyst", "leader", "yuzhong-leader"];
    const WANZHOU_WRITERS: &[&str] = &["admin", "analyst", "wanzhou-reporter"];
    const CITY_ANALYSTS: &[&str] = &["admin", "analyst"];
    let supervise = json!({"expected_version": "{version}",
                           "command": {"supervise": {"note": "请加快办理"}}});
    let f = |pairs: &[(&str, &str)]| {
        Body::Form(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    };
    // A report's figure for a month the demo has no data for (a draft is new), and a working
    // calendar with one more year (2027's 元旦).
    let old_june = Period::months(2019, 1, 6).unwrap();
    let calendar = format!(
        "{}2027-01-01,holiday,元旦\n",
        yiping_app::config::shipped_text(yiping_app::config::CALENDAR).unwrap()
    );
    let writes = [
        Write {
            method: "POST",
            path: format!("/api/v1/findings/{finding}"),
            body: Body::Json(json!({"follow_up": true, "comment": "已请万州区核实"})),
            allowed: WANZHOU_WRITERS,
            watch: Watch::Finding(finding),
            writes: true,
        },
        Write {
            method: "POST",
            path: format!("/data/quality/findings/{finding}"),
            body: f(&[("follow_up", "1"), ("comment", "页面：已请万州区核实")]),
            allowed: WANZHOU_WRITERS,
            watch: Watch::Finding(finding),
            writes: true,
        },
        Write {
            method: "POST",
            path: format!("/data/quality/outliers/{outlier}"),
            body: f(&[("review", "confirmed"), ("note", "页面：录入有误")]),
            allowed: CITY_ANALYSTS,
            watch: Watch::Outlier(outlier),
            writes: true,
        },
        Write {
            method: "POST",
            path: format!("/api/v1/outliers/{outlier}"),
            body: Body::Json(json!({"review": "dismissed", "note": "季节性促销"})),
            allowed: CITY_ANALYSTS,
            watch: Watch::Outlier(outlier),
            writes: true,
        },
        Write {
            method: "POST",
            path: "/api/v1/items".into(),
            body: Body::Json(json!({"kind": "event", "title": "万州区某路段积水",
                "category": "事件/01/01", "channel": "online",
                "receiving_unit": wanzhou, "location": wanzhou})),
            allowed: &["admin", "analyst", "wanzhou-reporter"],
            watch: Watch::Items,
            writes: true,
        },
        Write {
            method: "POST",
            path: format!("/api/v1/items/{item}/transitions"),
            body: Body::Json(supervise),
            allowed: ITEM_ACTORS,
            watch: Watch::Version(item),
            writes: true,
        },
        Write {
            method: "POST",
            path: format!("/items/{page_item}/act"),
            body: f(&[
                ("version", "{version}"),
                ("cmd", "supervise"),
                ("reason", "请本周内办结"),
            ]),
            allowed: ITEM_ACTORS,
            watch: Watch::Version(page_item),
            writes: true,
        },
        Write {
            method: "POST",
            path: "/data/entry?unit=500101&period=2024M06".into(),
            body: f(&[(field.as_str(), "4321.5")]),
            allowed: WANZHOU_WRITERS,
            watch: Watch::Value(wanzhou, indicator, june),
            writes: true,
        },
        Write {
            method: "POST",
            path: "/data/import/preview".into(),
            body: Body::File {
                field: "file",
                name: "万州区.csv",
                text: csv.clone(),
                digest: None,
            },
            allowed: WANZHOU_WRITERS,
            watch: Watch::Value(wanzhou, fai, june),
            writes: false,
        },
        Write {
            method: "POST",
            path: "/data/import/apply".into(),
            // Confirmed with the digest of the previewed bytes, as the page sends it.
            body: Body::File {
                field: "file",
                name: "万州区.csv",
                digest: Some(yiping_app::auth::sha256_hex(csv.as_bytes())),
                text: csv,
            },
            allowed: WANZHOU_WRITERS,
            watch: Watch::Value(wanzhou, fai, june),
            writes: true,
        },
        Write {
            method: "POST",
            path: "/evaluations/ECONOMY_RACE/run".into(),
            body: f(&[("period", "2024Q1")]),
            allowed: CITY_ANALYSTS,
            watch: Watch::Computed("ECONOMY_RACE", Period::parse_code("2024Q1").unwrap()),
            writes: true,
        },
        Write {
            method: "POST",
            path: "/screen/500101/map".into(),
            body: Body::File {
                field: "geojson",
                name: "万州区.geojson",
                text: geo.to_string(),
                digest: None,
            },
            allowed: CITY_ANALYSTS,
            watch: Watch::Map(wanzhou),
            writes: true,
        },
        Write {
            method: "POST",
            path: "/items/new".into(),
            body: f(&[
                ("title", "万州区某小区垃圾堆放"),
                ("category", "事件/01/01"),
                ("location", &wanzhou.0.to_string()),
            ]),
            allowed: &["admin", "analyst", "wanzhou-reporter"],
            watch: Watch::Items,
            writes: true,
        },
        Write {
            method: "POST",
            path: "/items/directives/new".into(),
            body: f(&[
                ("title", "开展安全隐患专项排查"),
                ("category", "事件/01/01"),
                ("units", &wanzhou.0.to_string()),
            ]),
            allowed: &["admin", "analyst", "leader"],
            watch: Watch::Items,
            writes: true,
        },
        Write {
            method: "POST",
            path: "/requests/new".into(),
            body: f(&[
                ("title", "技改补贴尚未兑现"),
                ("category", "企业诉求/01/01"),
                ("description", "去年申请的补贴至今未到账"),
                ("contact", "张经理 13800000000"),
            ]),
            allowed: &["enterprise"],
            watch: Watch::Items,
            writes: true,
        },
        Write {
            method: "POST",
            path: "/data/reports/read".into(),
            body: Body::File {
                field: "file",
                name: "万州区简报.txt",
                text: "2019年1-6月，万州区固定资产投资完成88.5亿元。\n".into(),
                digest: None,
            },
            allowed: &["admin", "analyst", "yuzhong-reporter", "wanzhou-reporter"],
            watch: Watch::Value(wanzhou, fai, old_june),
            writes: false,
        },
        Write {
            method: "POST",
            path: "/data/reports/save".into(),
            body: f(&[
                ("file", "万州区简报.txt"),
                ("digest", "0"),
                ("keep", "0"),
                ("entity_0", "万州区"),
                ("indicator_0", "固定资产投资"),
                ("period_0", "2019年1-6月"),
                ("measure_0", "value"),
                ("value_0", "88.5"),
                ("unit_0", "亿元"),
            ]),
            allowed: WANZHOU_WRITERS,
            watch: Watch::Value(wanzhou, fai, old_june),
            writes: true,
        },
        Write {
            method: "POST",
            path: "/admin/config/upload".into(),
            body: Body::File {
                field: "files",
                name: "calendar.csv",
                text: calendar.clone(),
                digest: None,
            },
            allowed: &["admin"],
            watch: Watch::Config,
            writes: true,
        },
        Write {
            method: "POST",
            path: "/admin/config/calendar.csv".into(),
            body: f(&[("body", &format!("{calendar}2027-01-02,holiday,元旦\n"))]),
            allowed: &["admin"],
            watch: Watch::Config,
            writes: true,
        },
        Write {
            method: "POST",
            path: "/admin/calendar/2027".into(),
            body: f(&[(
                "body",
                "2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-01-03,holiday,元旦\n",
            )]),
            allowed: &["admin"],
            watch: Watch::Config,
            writes: true,
        },
        // The write API (issue 21): a batch of values, and master data.
        Write {
            method: "POST",
            path: "/api/v1/observations".into(),
            body: Body::Json(
                json!({"items": [{"entity_code": "500101", "indicator_code": "FAI",
                "period": "2024M01-M06", "value": 812.5}]}),
            ),
            allowed: WANZHOU_WRITERS,
            watch: Watch::Value(wanzhou, fai, june),
            writes: true,
        },
        Write {
            method: "POST",
            path: "/api/v1/entities".into(),
            body: Body::Json(json!({"items": [{"kind": "地区", "code": "500101998",
                "name": "矩阵测试街道", "level": 3, "parent_code": "500101"}]})),
            allowed: CITY_ANALYSTS,
            watch: Watch::Catalog,
            writes: true,
        },
        Write {
            method: "POST",
            path: "/api/v1/indicators".into(),
            body: Body::Json(json!({"items": [{"code": "MATRIX", "name": "矩阵测试指标",
                "unit": "个", "frequency": "月", "kind": "水平值"}]})),
            allowed: CITY_ANALYSTS,
            watch: Watch::Catalog,
            writes: true,
        },
        Write {
            method: "POST",
            path: "/api/v1/targets".into(),
            body: Body::Json(
                json!({"items": [{"entity_code": "500101", "indicator_code": "FAI",
                "year": 2032, "kind": "增速", "value": 9}]}),
            ),
            allowed: CITY_ANALYSTS,
            watch: Watch::Catalog,
            writes: true,
        },
        Write {
            method: "POST",
            path: "/admin/users".into(),
            body: f(&[
                ("login", "matrix-new"),
                ("name", "新用户"),
                ("role", "reporter"),
                ("unit", "500101"),
                ("password", "a-long-password"),
            ]),
            allowed: &["admin"],
            watch: Watch::Users,
            writes: true,
        },
        Write {
            method: "POST",
            path: "/admin/users/matrix-target/active".into(),
            body: f(&[("active", "0")]),
            allowed: &["admin"],
            watch: Watch::User("matrix-target"),
            writes: true,
        },
        Write {
            method: "POST",
            path: "/admin/users/matrix-target/token".into(),
            body: f(&[]),
            allowed: &["admin"],
            watch: Watch::User("matrix-target"),
            writes: true,
        },
        Write {
            method: "POST",
            path: "/api/v1/alerts/silences".into(),
            body: Body::Json(json!({"rule": "IND_VA_DECLINE", "unit": "500101",
                                    "ends_at": "2099-01-01T00:00:00Z", "reason": "数据核实中"})),
            allowed: CITY_ANALYSTS,
            watch: Watch::Silences,
            writes: true,
        },
        Write {
            method: "POST",
            path: format!("/api/v1/notifications/{}/read", notes[0]),
            body: Body::Json(json!({})),
            allowed: &["jxw-handler"],
            watch: Watch::Unread("jxw-handler"),
            writes: true,
        },
        Write {
            method: "POST",
            path: format!("/notifications/{}/read", notes[1]),
            body: f(&[]),
            allowed: &["jxw-handler"],
            watch: Watch::Unread("jxw-handler"),
            writes: true,
        },
        // Everyone marks their own; the reporter's notification is marked by the reporter.
        Write {
            method: "POST",
            path: "/api/v1/notifications/read-all".into(),
            body: Body::Json(json!({})),
            allowed: &USERS,
            watch: Watch::Unread("yuzhong-reporter"),
            writes: true,
        },
        Write {
            method: "POST",
            path: "/notifications/read-all".into(),
            body: f(&[]),
            allowed: &USERS,
            watch: Watch::Unread("yuzhong-reporter"),
            writes: false,
        },
        Write {
            method: "POST",
            path: "/admin/users/matrix-target/revoke".into(),
            body: f(&[]),
            allowed: &["admin"],
            watch: Watch::User("matrix-target"),
            writes: true,
        },
    ];
    let mut failures = Vec::new();
    for w in &writes {
        let initial = fingerprint(&app, w.watch).await;
        for u in USERS {
            let version = match w.watch {
                Watch::Version(id) => fingerprint(&app, Watch::Version(id)).await,
                _ => String::new(),
            };
            let before = fingerprint(&app, w.watch).await;
            let r = send_write(&app, &sessions[u], w, &version).await;
            let after = fingerprint(&app, w.watch).await;
            if w.allowed.contains(&u) {
                // Let through: whatever the outcome, not an access refusal.
                if matches!(r.status, 401 | 403 | 404) || r.status >= 500 {
                    failures.push(format!(
                        "{u} {} {} → {} (expected to be let through): {}",
                        w.method,
                        w.path,
                        r.status,
                        excerpt(&r.body)
                    ));
                }
            } else if !matches!(r.status, 403 | 404) || before != after {
                failures.push(format!(
                    "{u} {} {} → {} (expected 403/404), data {before} → {after}: {}",
                    w.method,
                    w.path,
                    r.status,
                    excerpt(&r.body)
                ));
            }
        }
        let last = fingerprint(&app, w.watch).await;
        if w.writes == (last == initial) {
            failures.push(format!(
                "{} {}: the users let through {} (data {initial} → {last})",
                w.method,
                w.path,
                if w.writes {
                    "changed nothing"
                } else {
                    "changed something"
                }
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The users a write lets through do what it says: a non-enterprise cannot file a request on
/// the form and an enterprise cannot report an event, and neither leaves an item behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_enterprises_file_requests_and_enterprises_do_not_report_events() {
    let app = spawn_demo().await;
    let count = |app: &TestApp| {
        let store = app.store.clone();
        async move {
            store
                .work_items(&WorkItemFilter::default(), Page::first(1))
                .await
                .unwrap()
                .total
        }
    };
    let before = count(&app).await;
    let request = [
        ("title", "技改补贴尚未兑现"),
        ("category", "企业诉求/01/01"),
        ("description", "去年申请的补贴至今未到账"),
        ("contact", "张经理 13800000000"),
    ];
    for u in [
        "admin",
        "analyst",
        "leader",
        "yuzhong-reporter",
        "grid-jiefangbei",
    ] {
        let s = login(&app, u).await;
        let r = post_form_as(&app, &s, "/requests/new", &request).await;
        assert_eq!(r.status, 403, "{u}: {}", r.body);
    }
    let admin = login(&app, "admin").await;
    let r = post_form_as(&app, &admin, "/requests/new", &request).await;
    assert!(
        r.body.contains("只有企业用户可以通过此表单提交诉求"),
        "{}",
        r.body
    );
    let enterprise = login(&app, "enterprise").await;
    let r = post_form_as(
        &app,
        &enterprise,
        "/items/new",
        &[("title", "门前道路破损"), ("category", "事件/01/01")],
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("企业无权上报事件"), "{}", r.body);
    assert_eq!(count(&app).await, before, "nothing was created");
    // The enterprise's own request goes through.
    let r = post_form_as(&app, &enterprise, "/requests/new", &request).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(count(&app).await, before + 1);
}
