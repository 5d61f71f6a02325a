//! The configuration pages (issue 11): admins view and edit the city's files in the browser
//! (checked whole, every problem named, audited), analysts only view; a saved category is offered
//! by the event form at once; the entry form names the year its calendar lacks (bug 6) until that
//! year's arrangements are saved, and then counts them.

use super::helpers::{
    Reply, Session, TestApp, api_token, get_as, get_bearer, login, post_form_as, send_as,
    spawn_demo,
};

fn multipart(files: &[(&str, &str)], dry_run: bool) -> (String, String) {
    let b = "----yipingconfigboundary";
    let mut body = String::new();
    for (name, text) in files {
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: text/plain\r\n\r\n{text}\r\n"
        ));
    }
    if dry_run {
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n1\r\n"
        ));
    }
    body.push_str(&format!("--{b}--\r\n"));
    (format!("multipart/form-data; boundary={b}"), body)
}

async fn upload(app: &TestApp, s: &Session, files: &[(&str, &str)], dry_run: bool) -> Reply {
    let (ct, body) = multipart(files, dry_run);
    send_as(app, s, "POST", "/admin/config/upload", Some((&ct, body))).await
}

const BIKES: &str = r#"
[[category]]
domain = "event"
major = "09"
major_name = "共享出行"
minor = "01"
minor_name = "共享单车乱停放"
clock = "working_hours"

[category.limits.normal]
handle = 8
close = 16
"#;

#[tokio::test]
async fn admins_view_and_edit_the_configuration_and_the_event_form_follows() {
    let app = spawn_demo().await;
    let admin = login(&app, "admin").await;
    let page = get_as(&app, &admin, "/admin/config").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for text in [
        "系统配置",
        "calendar.csv",
        "工作日历",
        "八张问题清单",
        "指标预警",
        "IND_VA_DECLINE",
        "ECONOMY_RACE",
        "内置默认",
    ] {
        assert!(page.body.contains(text), "{text}");
    }
    let file = get_as(&app, &admin, "/admin/config/categories.toml/download").await;
    assert_eq!(file.status, 200);
    assert!(file.body.contains("[[category]]"));

    // An analyst sees the settings but may not change them; a leader does not see them.
    let analyst = login(&app, "analyst").await;
    assert_eq!(get_as(&app, &analyst, "/admin/config").await.status, 200);
    let refused = post_form_as(
        &app,
        &analyst,
        "/admin/config/categories.toml",
        &[("body", "")],
    )
    .await;
    assert_eq!(refused.status, 403);
    let leader = login(&app, "leader").await;
    assert_eq!(get_as(&app, &leader, "/admin/config").await.status, 403);

    // A bad file is shown back with its problems, and nothing is stored.
    let bad = post_form_as(
        &app,
        &admin,
        "/admin/config/calendar.csv",
        &[("body", "date,kind,name\n2027-01-01,假期,元旦\n")],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(
        bad.body.contains("calendar.csv 第2行 字段kind列"),
        "{}",
        bad.body
    );
    assert!(app.store.config_files().await.unwrap().is_empty());

    // A new category, saved: the event form offers it at once.
    let book = format!("{}{BIKES}", yiping_app::work_items::CATEGORIES_TOML);
    let saved = post_form_as(
        &app,
        &admin,
        "/admin/config/categories.toml",
        &[("body", &book)],
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(
        saved.body.contains("已保存：categories.toml"),
        "{}",
        saved.body
    );
    let audit = app.store.audit_events(5).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.action == "config.import" && e.actor == "admin")
    );
    let grid = login(&app, "grid-jiefangbei").await;
    let form = get_as(&app, &grid, "/items/new").await;
    assert!(
        form.body.contains("事件/09/01") && form.body.contains("共享单车乱停放"),
        "the event form offers the new category"
    );
    // Problem types are not offered to events.
    assert!(!form.body.contains("问题/02/01"));

    // Uploading files: a dry run checks, a bad one names its problems.
    let r = upload(
        &app,
        &admin,
        &[("alerts.toml", yiping_eval::shipped::ALERT_RULES)],
        true,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("检查通过"), "{}", r.body);
    let r = upload(
        &app,
        &admin,
        &[("routing.csv", "category,region,unit\n事件/77/01,*,属地\n")],
        false,
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("routing.csv 第2行 字段category列"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn the_entry_form_names_a_missing_calendar_year_until_it_is_imported() {
    let app = spawn_demo().await;
    let reporter = login(&app, "yuzhong-reporter").await;
    let url = "/data/entry?unit=500103&period=2026M12";
    // Issue 11, bug 6: the calendar ends in 2026, so December 2026's deadline (in January 2027)
    // is a guess: the page says which year is missing.
    let page = get_as(&app, &reporter, url).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("2027年01月07日"), "{}", page.body);
    assert!(page.body.contains("工作日历缺少2027年"), "{}", page.body);
    // The API says the same.
    let token = api_token(&app, "yuzhong-reporter").await;
    let r = get_bearer(&app, &token, "/api/v1/deadline?month=2026M12").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["deadline"], "2027-01-07");
    assert!(v["warnings"][0].as_str().unwrap().contains("2027年"), "{v}");

    let admin = login(&app, "admin").await;
    let calendar = format!(
        "{}2027-01-01,holiday,元旦\n2027-01-02,holiday,元旦\n2027-01-03,holiday,元旦\n",
        yiping_app::calendar::HOLIDAYS_CSV
    );
    let r = post_form_as(
        &app,
        &admin,
        "/admin/config/calendar.csv",
        &[("body", &calendar)],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let page = get_as(&app, &reporter, url).await;
    assert!(page.body.contains("2027年01月08日"), "{}", page.body);
    assert!(!page.body.contains("工作日历缺少"), "{}", page.body);
    let v = get_bearer(&app, &token, "/api/v1/deadline?month=2026M12")
        .await
        .json();
    assert_eq!(v["deadline"], "2027-01-08");
    assert_eq!(v["warnings"], serde_json::json!([]));
    let v = get_bearer(&app, &token, "/api/v1/calendar").await.json();
    assert!(
        v["years"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(2027)),
        "{v}"
    );
}

#[tokio::test]
async fn a_calendar_year_is_edited_on_its_own_page() {
    let app = spawn_demo().await;
    let admin = login(&app, "admin").await;
    let r = get_as(&app, &admin, "/admin/calendar/2026").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("2026-10-01,holiday,国庆节"), "{}", r.body);
    let r = get_as(&app, &admin, "/admin/calendar/2027").await;
    assert!(r.body.contains("日历中还没有2027年的安排"), "{}", r.body);

    let bad = post_form_as(
        &app,
        &admin,
        "/admin/calendar/2027",
        &[("body", "2027-01-01,holiday,元旦\n2028-01-01,holiday,元旦\n")],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("不是2027年的日期"), "{}", bad.body);
    assert!(app.store.config_files().await.unwrap().is_empty());

    let ok = post_form_as(
        &app,
        &admin,
        "/admin/calendar/2027",
        &[("body", "2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n")],
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(ok.body.contains("已保存：calendar.csv"), "{}", ok.body);
    let page = get_as(&app, &admin, "/admin/config").await;
    assert!(
        page.body.contains("2027年"),
        "the overview lists the new year"
    );
    // The other years are kept.
    let r = get_as(&app, &admin, "/admin/calendar/2026").await;
    assert!(r.body.contains("2026-10-01,holiday,国庆节"));
}
