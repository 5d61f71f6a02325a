//! The evaluation pages: the schemes, a league table with breakdowns, one unit's history; scope
//! and role checks.

use super::helpers::{get_as, login, post_form_as, send, spawn_demo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_reads_the_league_table_with_breakdowns_and_a_units_history() {
    let app = spawn_demo().await;
    let leader = login(&app, "leader").await;
    let list = get_as(&app, &leader, "/evaluations").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("八张报表·经济报表"));
    assert!(list.body.contains("/evaluations/ECONOMY_RACE"));

    let table = get_as(&app, &leader, "/evaluations/ECONOMY_RACE").await;
    assert_eq!(table.status, 200, "{}", table.body);
    for text in [
        "渝中区",
        "万州区",
        "<details",
        "table class=\"breakdown\"",
        "class=\"grade\"",
        "名次",
    ] {
        assert!(table.body.contains(text), "{text} missing");
    }
    assert!(
        !table.body.contains("重新评价本期"),
        "a leader does not run evaluations"
    );
    let history = get_as(&app, &leader, "/evaluations/ECONOMY_RACE/unit/500103").await;
    assert_eq!(history.status, 200, "{}", history.body);
    assert!(history.body.contains("渝中区") && history.body.contains("历次评价"));

    let r = get_as(&app, &leader, "/evaluations/NOPE").await;
    assert_eq!(r.status, 404);
    let r = get_as(&app, &leader, "/evaluations/ECONOMY_RACE?period=2024Q9").await;
    assert_eq!(r.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_district_sees_the_league_it_takes_part_in_and_only_analysts_run_evaluations() {
    let app = spawn_demo().await;
    let district = login(&app, "yuzhong-leader").await;
    let table = get_as(&app, &district, "/evaluations/ECONOMY_RACE").await;
    assert_eq!(table.status, 200);
    assert!(table.body.contains("渝中区"));
    // 晾晒: the whole league of a scheme the district takes part in; details of others stay closed.
    assert!(
        table.body.contains("万州区"),
        "the other participants are listed"
    );
    assert!(!table.body.contains("管辖范围内"), "not cut to the subtree");
    let other = get_as(&app, &district, "/evaluations/ECONOMY_RACE/unit/500101").await;
    assert_eq!(other.status, 403);

    let firm = login(&app, "enterprise").await;
    assert_eq!(get_as(&app, &firm, "/evaluations").await.status, 403);

    let leader = login(&app, "leader").await;
    let r = post_form_as(
        &app,
        &leader,
        "/evaluations/ECONOMY_RACE/run",
        &[("period", "2024Q3")],
    )
    .await;
    assert_eq!(r.status, 403, "a leader may not run evaluations");

    let analyst = login(&app, "analyst").await;
    let table = get_as(&app, &analyst, "/evaluations/ECONOMY_RACE").await;
    assert!(table.body.contains("重新评价本期"));
    let runs = app
        .store
        .evaluation_runs(Some("ECONOMY_RACE"))
        .await
        .unwrap();
    let period = runs.last().unwrap().period;
    let r = send(
        &app,
        "POST",
        "/evaluations/ECONOMY_RACE/run",
        &[("Cookie", analyst.cookie.as_str())],
        Some((
            "application/x-www-form-urlencoded",
            format!("period={}", period.code()),
        )),
    )
    .await;
    assert_eq!(r.status, 403, "no CSRF token");
    let r = post_form_as(
        &app,
        &analyst,
        "/evaluations/ECONOMY_RACE/run",
        &[("period", &period.code())],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let after = app
        .store
        .evaluation_runs(Some("ECONOMY_RACE"))
        .await
        .unwrap();
    let rerun = after.iter().find(|r| r.period == period).unwrap();
    let before = runs.iter().find(|r| r.period == period).unwrap();
    assert!(rerun.computed_at > before.computed_at, "evaluated again");
    let audit = app.store.audit_events(5).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "evaluation.run"
            && e.actor == "analyst"
            && e.target == "ECONOMY_RACE"),
        "{audit:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_league_table_downloads_as_xlsx_within_the_users_scope() {
    let app = spawn_demo().await;
    let leader = login(&app, "leader").await;
    let page = get_as(&app, &leader, "/evaluations/ECONOMY_RACE?period=2024H1").await;
    assert!(
        page.body
            .contains("href=\"/evaluations/ECONOMY_RACE/export?period=2024H1\""),
        "the page offers the download"
    );
    let r = get_as(
        &app,
        &leader,
        "/evaluations/ECONOMY_RACE/export?period=2024H1",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        r.header("content-disposition")
            .is_some_and(|d| d.contains("filename*=UTF-8''") && d.contains(".xlsx")),
        "{:?}",
        r.headers
    );
    let read = |bytes: &[u8]| {
        yiping_io::read_grid_bytes("排名.xlsx", bytes, &yiping_io::ReadOptions::default())
            .expect("a valid XLSX")
    };
    let grid = read(&r.bytes);
    assert_eq!(grid.sheet.as_deref(), Some("排名"));
    assert!(
        grid.cell(0, 0).text().contains("2024年上半年"),
        "title: {:?}",
        grid.cell(0, 0)
    );
    let header: Vec<String> = grid.rows()[1].iter().map(|c| c.text()).collect();
    // One vocabulary with the web pages: 名次 and 等次.
    assert_eq!(&header[..3], ["名次", "代码", "名称"]);
    assert!(header.contains(&"等次".to_string()) && header.contains(&"颜色".to_string()));
    assert!(
        !header.iter().any(|h| h == "排名" || h == "等级"),
        "{header:?}"
    );
    let names: Vec<String> = grid.rows()[2..].iter().map(|r| r[2].text()).collect();
    assert_eq!(names.len(), 41, "every ranked 区县: {names:?}");
    assert!(names.contains(&"渝中区".to_string()) && names.contains(&"万州区".to_string()));
    let grade = header.iter().position(|h| h == "等次").unwrap();
    assert!(
        grid.rows()[2..].iter().any(|r| r[grade].text() == "A"),
        "grades are written"
    );
    // Scores rounded as on screen: 2 decimals at most.
    let score = header.iter().position(|h| h == "得分").unwrap();
    for r in &grid.rows()[2..] {
        if let yiping_io::Cell::Number(v) = &r[score] {
            assert!(((v * 100.0).round() - v * 100.0).abs() < 1e-6, "score {v}");
        }
    }

    // A district leader takes part in the league: they get it whole, as on the page.
    let yz = login(&app, "yuzhong-leader").await;
    let r = get_as(&app, &yz, "/evaluations/ECONOMY_RACE/export?period=2024H1").await;
    assert_eq!(r.status, 200);
    let grid = read(&r.bytes);
    let rows: Vec<String> = grid.rows()[2..].iter().map(|r| r[2].text()).collect();
    assert_eq!(rows.len(), 41, "{rows:?}");
    assert!(rows.contains(&"渝中区".to_string()));

    // Without the capability, without a period, for a period never evaluated.
    let enterprise = login(&app, "enterprise").await;
    let r = get_as(
        &app,
        &enterprise,
        "/evaluations/ECONOMY_RACE/export?period=2024H1",
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("企业无权查看评价"), "{}", r.body);
    let r = get_as(&app, &leader, "/evaluations/ECONOMY_RACE/export").await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("请指定要导出的时期"));
    let r = get_as(
        &app,
        &leader,
        "/evaluations/ECONOMY_RACE/export?period=2019Q1",
    )
    .await;
    assert_eq!(r.status, 404, "{}", r.body);
}
