//! The one screen: pages, JSON endpoints, map matching, boundary upload, static files, and the
//! denials (role and scope).

use crate::helpers::{get_as, login, post_form_as, send, send_as, spawn_demo};

#[tokio::test]
async fn the_leader_is_sent_to_the_city_screen_which_shows_tiles_map_and_league() {
    let app = spawn_demo().await;
    let s = login(&app, "leader").await;
    let home = get_as(&app, &s, "/").await;
    assert_eq!(home.status, 303);
    assert_eq!(home.header("location"), Some("/screen"));
    let own = get_as(&app, &s, "/screen").await;
    assert_eq!(own.status, 303);
    assert_eq!(own.header("location"), Some("/screen/500000"));

    let page = get_as(&app, &s, "/screen/500000?period=2024M09").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for part in [
        "重庆市 · 一屏",
        r#"id="league""#,
        r#"id="map""#,
        "/api/v1/screen/500000/map",
        r#"id="screen-data""#,
        "echarts.min.js?v=",
        "经济运行赛马比拼",
        "两江新区",
        "序时进度",
        "分项指标五色表",
        "事项办理",
    ] {
        assert!(page.body.contains(part), "missing {part}");
    }
    // The league is server-rendered: one row per ranked district, with grade badges.
    let rows = page.body.matches("<tr data-key=").count();
    assert!(rows >= 38, "league rows: {rows}");
    assert!(page.body.contains("badge grade grade-A"));
}

#[tokio::test]
async fn a_district_leader_may_open_only_the_screens_of_their_district() {
    let app = spawn_demo().await;
    let s = login(&app, "yuzhong-leader").await;
    let own = get_as(&app, &s, "/screen").await;
    assert_eq!(own.header("location"), Some("/screen/500103"));
    assert_eq!(get_as(&app, &s, "/screen/500103").await.status, 200);
    for path in [
        "/screen/500000",
        "/screen/500101",
        "/api/v1/screen/500000",
        "/api/v1/screen/500101/map",
    ] {
        let r = get_as(&app, &s, path).await;
        assert_eq!(r.status, 403, "{path}: {}", r.body);
    }
    let api = get_as(&app, &s, "/api/v1/screen/500000").await;
    assert_eq!(api.json()["error"]["code"], "forbidden");
    // The breadcrumb does not offer the city, which is not theirs to open.
    let page = get_as(&app, &s, "/screen/500103").await;
    assert!(!page.body.contains(r#"href="/screen/500000"#));
}

#[tokio::test]
async fn roles_without_the_screen_are_refused_and_sent_to_their_home_page() {
    let app = spawn_demo().await;
    let firm = login(&app, "enterprise").await;
    assert_eq!(
        get_as(&app, &firm, "/").await.header("location"),
        Some("/requests")
    );
    assert_eq!(get_as(&app, &firm, "/screen").await.status, 403);
    assert_eq!(
        get_as(&app, &firm, "/api/v1/screen/500000").await.status,
        403
    );
    let handler = login(&app, "jxw-handler").await;
    assert_eq!(
        get_as(&app, &handler, "/").await.header("location"),
        Some("/items")
    );
    // Not signed in: the page asks for a login, the API answers 401.
    let anon = send(&app, "GET", "/screen/500000", &[], None).await;
    assert_eq!(anon.status, 303);
    assert!(
        anon.header("location")
            .unwrap_or("")
            .starts_with("/login?next=")
    );
    assert_eq!(
        send(&app, "GET", "/api/v1/screen/500000", &[], None)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn the_json_screen_lists_the_children_of_the_unit() {
    let app = spawn_demo().await;
    let s = login(&app, "leader").await;
    let r = get_as(&app, &s, "/api/v1/screen/500000?period=2024M09").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["month"], "2024M09");
    let children = v["children"].as_array().unwrap();
    assert_eq!(children.len(), 41, "38 区县 and 3 功能区");
    let functional: Vec<&str> = children
        .iter()
        .filter(|c| c["functional"] == true)
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(functional.len(), 3, "{functional:?}");
    assert!(functional.contains(&"两江新区"));
    assert!(
        children
            .iter()
            .any(|c| c["name"] == "梁平区" && c["key"] == "500155")
    );
    assert!(v["league"]["rows"].as_array().unwrap().len() >= 38);
    assert!(
        v["tiles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["progress"]["label"].is_string())
    );

    // A district's children are its towns; a functional area is addressed by id.
    let d = get_as(&app, &s, "/api/v1/screen/500103").await.json();
    let towns = d["children"].as_array().unwrap();
    assert!(!towns.is_empty());
    assert!(towns.iter().all(|t| t["level"] == 3));
    assert!(towns.iter().any(|t| t["name"] == "解放碑街道"));
    let key = children.iter().find(|c| c["name"] == "两江新区").unwrap()["key"]
        .as_str()
        .unwrap();
    assert!(key.starts_with("id-"));
    assert_eq!(
        get_as(&app, &s, &format!("/screen/{key}")).await.status,
        200
    );

    assert_eq!(
        get_as(&app, &s, "/api/v1/screen/500000?period=2024Q1")
            .await
            .status,
        400
    );
    assert_eq!(get_as(&app, &s, "/screen/999999").await.status, 404);
    assert_eq!(get_as(&app, &s, "/screen/abc").await.status, 404);
}

#[tokio::test]
async fn the_city_map_matches_old_district_names_to_the_current_ones() {
    let app = spawn_demo().await;
    let s = login(&app, "leader").await;
    let r = get_as(&app, &s, "/api/v1/screen/500000/map").await;
    assert_eq!(r.status, 200);
    let v = r.json();
    let features = v["features"].as_array().unwrap();
    assert_eq!(features.len(), 38);
    let names: Vec<&str> = features
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap())
        .collect();
    for current in ["梁平区", "武隆区", "开州区", "渝中区"] {
        assert!(names.contains(&current), "{current} missing in {names:?}");
    }
    assert!(!names.contains(&"梁平县") && !names.contains(&"武隆县"));
    assert!(features.iter().all(|f| f["properties"]["key"].is_string()));
    // A district has no registered boundaries: its screen shows a tile map instead.
    let page = get_as(&app, &s, "/screen/500103").await;
    assert!(page.body.contains(r#"class="tilemap""#));
    assert_eq!(
        get_as(&app, &s, "/api/v1/screen/500103/map").await.status,
        404
    );
}

fn multipart(geojson: &str) -> (String, String) {
    let boundary = "----yipingtestboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"geojson\"; filename=\"t.geojson\"\r\n\
         Content-Type: application/geo+json\r\n\r\n{geojson}\r\n--{boundary}--\r\n"
    );
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn an_admin_uploads_boundaries_for_a_district_and_others_may_not() {
    let app = spawn_demo().await;
    let geo = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"解放碑街道"},"geometry":{"type":"Polygon","coordinates":[[[106.57,29.55],[106.58,29.55],[106.58,29.56],[106.57,29.55]]]}}]}"#;
    let leader = login(&app, "leader").await;
    let (ct, body) = multipart(geo);
    let refused = send_as(
        &app,
        &leader,
        "POST",
        "/screen/500103/map",
        Some((&ct, body.clone())),
    )
    .await;
    assert_eq!(refused.status, 403);
    let admin = login(&app, "admin").await;
    let bad = multipart(r#"{"type":"Feature"}"#);
    let r = send_as(
        &app,
        &admin,
        "POST",
        "/screen/500103/map",
        Some((&bad.0, bad.1)),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = send_as(
        &app,
        &admin,
        "POST",
        "/screen/500103/map",
        Some((&ct, body)),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("1个要素与下级单位匹配"), "{}", r.body);
    let audit = app.store.audit_events(5).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "map.upload" && e.actor == "admin" && e.target == "渝中区"),
        "{audit:?}"
    );
    let m = get_as(&app, &admin, "/api/v1/screen/500103/map").await;
    assert_eq!(m.status, 200);
    assert_eq!(m.json()["features"][0]["properties"]["name"], "解放碑街道");
    let page = get_as(&app, &admin, "/screen/500103").await;
    assert!(page.body.contains(r#"id="map""#));
}

#[tokio::test]
async fn static_files_are_public_cached_and_revalidated() {
    let app = spawn_demo().await;
    let js = send(&app, "GET", "/static/echarts.min.js", &[], None).await;
    assert_eq!(js.status, 200);
    assert!(js.content_type.starts_with("text/javascript"));
    let etag = js.header("etag").unwrap().to_string();
    assert_eq!(js.header("cache-control"), Some("no-cache"));
    let again = send(
        &app,
        "GET",
        "/static/echarts.min.js",
        &[("If-None-Match", &etag)],
        None,
    )
    .await;
    assert_eq!(again.status, 304);
    let hash = etag.trim_matches('"');
    let versioned = send(&app, "GET", &format!("/static/app.css?v={hash}"), &[], None).await;
    assert_eq!(
        versioned.header("cache-control"),
        Some("no-cache"),
        "another file's hash"
    );
    let css = send(&app, "GET", "/static/app.css", &[], None).await;
    assert!(css.content_type.starts_with("text/css"));
    let h = css.header("etag").unwrap().trim_matches('"').to_string();
    let v = send(&app, "GET", &format!("/static/app.css?v={h}"), &[], None).await;
    assert!(v.header("cache-control").unwrap().contains("immutable"));
    let geo = send(&app, "GET", "/static/maps/chongqing.geojson", &[], None).await;
    assert_eq!(geo.status, 200);
    assert_eq!(
        send(&app, "GET", "/static/../Cargo.toml", &[], None)
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_town_screen_drills_into_its_communities_and_a_grid_shows_its_standing_and_items() {
    let app = spawn_demo().await;
    // The grid worker of 民生路社区第一网格 (解放碑街道) reports an event without saying where: it is
    // located in their grid (before the screen is first read).
    let grid = login(&app, "grid-jiefangbei").await;
    let r = post_form_as(
        &app,
        &grid,
        "/items/new",
        &[
            ("title", "解放碑步行街井盖松动"),
            ("category", "事件/01/01"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);

    let leader = login(&app, "leader").await;
    let r = get_as(&app, &leader, "/screen/500103003").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let b = &r.body;
    // The breadcrumb leads up to the district and the city.
    let crumbs = &b[b.find("class=\"breadcrumb\"").unwrap()..];
    let crumbs = &crumbs[..crumbs.find("</nav>").unwrap()];
    assert!(crumbs.contains("href=\"/screen/500000?period="), "{crumbs}");
    assert!(crumbs.contains("href=\"/screen/500103?period="), "{crumbs}");
    assert!(crumbs.contains("解放碑街道"));
    // Tiles (the live work tile at least), no tile without a figure, and the work panel.
    assert!(b.contains("class=\"tiles\""));
    assert!(b.contains("data-code=\"WORK\""));
    assert!(
        !b.contains("data-code=\"GDP\""),
        "no empty GDP tile for a town"
    );
    assert!(b.contains("id=\"work\""));
    // The town drills into its communities, which count the new item.
    assert!(b.contains("href=\"/screen/500103003001?period="), "{b}");
    assert!(b.contains("民生路社区"));
    assert!(
        !b.contains("下级单位暂无分项指标数据"),
        "no empty colour table"
    );
    let j = get_as(&app, &leader, "/api/v1/screen/500103003")
        .await
        .json();
    let children: Vec<&str> = j["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        children,
        [
            "500103003001",
            "500103003002",
            "500103003003",
            "500103003004"
        ]
    );

    // The grid's own screen: its place in the tree and its own items (the new one first).
    let r = get_as(&app, &leader, "/screen/500103003001001").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let b = &r.body;
    let crumbs = &b[b.find("class=\"breadcrumb\"").unwrap()..];
    let crumbs = &crumbs[..crumbs.find("</nav>").unwrap()];
    assert!(
        crumbs.contains("href=\"/screen/500103003?period="),
        "{crumbs}"
    );
    assert!(
        crumbs.contains("href=\"/screen/500103003001?period="),
        "{crumbs}"
    );
    // Where it stands (this demo has no other items in the grid: no ranking yet).
    assert!(b.contains("aria-label=\"所处位置\""));
    let own = &b[b.find("id=\"own-items\"").expect("the grid's items")..];
    assert!(own.contains("解放碑步行街井盖松动"), "{own}");
    let j = get_as(&app, &leader, "/api/v1/screen/500103003001001")
        .await
        .json();
    assert_eq!(j["own_items"][0]["title"], "解放碑步行街井盖松动");
    assert!(j["children"].as_array().unwrap().is_empty());

    // A district screen keeps its map of children; its towns report no indicators, so where
    // the colour table would stand empty it shows its own place in the city's leagues.
    let d = get_as(&app, &leader, "/screen/500103").await;
    assert!(d.body.contains("class=\"tilemap\""));
    assert!(
        !d.body.contains("下级单位暂无分项指标数据"),
        "no empty colour table"
    );
    let st = &d.body[d
        .body
        .find("id=\"standings\"")
        .expect("the district's standings")..];
    assert!(st.contains("渝中区") && st.contains("排名"), "{st}");
}

/// The screen's 下载通报 button: the unit's briefing for 1 to the month shown, as Word and PDF.
#[tokio::test]
async fn the_screen_offers_its_briefing_as_word_and_pdf() {
    let app = spawn_demo().await;
    let s = login(&app, "yuzhong-leader").await;
    let page = get_as(&app, &s, "/screen/500103?period=2024M09").await;
    assert!(
        page.body.contains(r#"action="/screen/500103/brief""#),
        "no button"
    );
    assert!(page.body.contains("下载通报"));
    let docx = get_as(&app, &s, "/screen/500103/brief?period=2024M09&format=docx").await;
    assert_eq!(docx.status, 200, "{}", docx.body);
    assert_eq!(
        docx.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    assert!(docx.bytes.starts_with(b"PK"), "not a zip");
    let disposition = docx.header("content-disposition").unwrap_or_default();
    assert!(disposition.contains(".docx"), "{disposition}");
    let bad = get_as(&app, &s, "/screen/500103/brief?period=2024M09&format=odt").await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(bad.body.contains("docx"), "{}", bad.body);
    let pdf = get_as(&app, &s, "/screen/500103/brief?period=2024M09&format=pdf").await;
    if std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok()
    {
        assert_eq!(pdf.status, 200, "{}", pdf.body);
        assert_eq!(pdf.header("content-type"), Some("application/pdf"));
        assert!(pdf.bytes.starts_with(b"%PDF"), "not a PDF");
    } else {
        // Without LibreOffice: a Chinese message saying so.
        assert!(pdf.body.contains("LibreOffice"), "{}", pdf.body);
    }
}
