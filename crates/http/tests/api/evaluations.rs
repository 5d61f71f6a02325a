//! Black-box tests of the evaluation API: a real listener on port 0 over a copy of the demo
//! database (whose loader stores and evaluates every shipped scheme), requests over TCP, and an
//! import through the app layer on the same database between two reads.

use chrono::Utc;
use yiping_app::import::{Approved, ImportKind, ImportOptions, import_grid_as};
use yiping_io::{ParseOptions, ReadOptions, read_grid_bytes};
use yiping_store::ChangeContext;

use super::helpers::{TestApp, api_token, enc, get_bearer, spawn_demo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_shipped_scheme_is_listed_with_its_evaluated_periods() {
    let app = spawn_demo().await;
    let t = api_token(&app, "analyst").await;
    let (status, body) = get(&app, &t, "/api/v1/schemes").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 13);
    let race = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == "ECONOMY_RACE")
        .unwrap();
    let periods: Vec<&str> = race["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["2024Q1", "2024H1", "2024M01-M09", "2024"]);
    let (_, body) = get(&app, &t, "/api/v1/schemes?limit=5&offset=10").await;
    assert_eq!(body["items"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_league_table_comes_in_rank_order_filtered_by_cohort_and_paged() {
    let app = spawn_demo().await;
    let t = api_token(&app, "analyst").await;
    let (status, body) = get(
        &app,
        &t,
        "/api/v1/schemes/economy_race/results?period=2024H1&limit=10",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 41);
    assert_eq!(body["previous_period"], "2024Q1");
    assert_eq!(body["scheme_name"], "经济运行赛马比拼");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    for (i, r) in items.iter().enumerate() {
        assert_eq!(r["rank"], i + 1);
        assert!(r["grade"].is_string() && r["colour"].is_string(), "{r}");
        assert!(r["colour_rgb"].as_str().unwrap().starts_with('#'));
        assert!(r["rank_change"]["move"].is_string(), "{r}");
        assert!(r["explanation"].as_str().unwrap().contains("居全市第"));
        assert_eq!(r["breakdown"].as_array().unwrap().len(), 4);
    }
    let (_, body) = get(
        &app,
        &t,
        &format!(
            "/api/v1/schemes/ECONOMY_RACE/results?period={}&cohort={}&limit=100",
            enc("2024年上半年"),
            enc("渝东北")
        ),
    )
    .await;
    assert_eq!(body["total"], 11);
    let ranks: Vec<u64> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["cohort"], "渝东北");
            r["cohort_rank"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(ranks, (1..=11).collect::<Vec<_>>());
    // No period: the latest evaluated one.
    let (_, body) = get(&app, &t, "/api/v1/schemes/MUJUN/results?limit=1").await;
    assert_eq!(body["period"], "2024");
    assert_eq!(body["total"], body["population"]);
    for (path, want) in [
        ("/api/v1/schemes/NOPE/results", 404),
        ("/api/v1/schemes/MUJUN/results?period=2019", 404),
        ("/api/v1/schemes/MUJUN/results?period=2024Q5", 400),
        ("/api/v1/schemes/MUJUN/results?limit=0", 400),
        // Any text may be a unit's name: one that names no unit is not found.
        ("/api/v1/schemes/MUJUN/entities/abc", 404),
    ] {
        let (status, body) = get(&app, &t, path).await;
        assert_eq!(status, want, "{path}: {body}");
        assert!(body["error"]["message"].is_string(), "{path}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entity_has_a_breakdown_and_a_history() {
    let app = spawn_demo().await;
    let t = api_token(&app, "analyst").await;
    let (_, body) = get(
        &app,
        &t,
        "/api/v1/schemes/ECONOMY_RACE/results?period=2024H1&limit=1",
    )
    .await;
    let id = body["items"][0]["entity"].as_i64().unwrap();
    let (status, one) = get(
        &app,
        &t,
        &format!("/api/v1/schemes/ECONOMY_RACE/entities/{id}?period=2024H1"),
    )
    .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["rank"], 1);
    let parts = one["breakdown"].as_array().unwrap();
    assert_eq!(parts[0]["name"], "地区生产总值增速");
    assert_eq!(parts[0]["growth"], "reported", "reported growth wins");
    assert!(parts.iter().all(|p| p["points"].as_f64().unwrap() >= 60.0));
    let sum: f64 = parts.iter().map(|p| p["weighted"].as_f64().unwrap()).sum();
    assert!((sum - one["score"].as_f64().unwrap()).abs() < 0.01);
    assert_eq!(one["evaluation"]["period"], "2024H1");

    let (status, h) = get(
        &app,
        &t,
        &format!("/api/v1/schemes/economy_race/entities/{id}/history"),
    )
    .await;
    assert_eq!(status, 200, "{h}");
    let periods: Vec<&str> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["2024Q1", "2024H1", "2024M01-M09", "2024"]);
    // A firm is not in a region scheme.
    let (_, firms) = get(&app, &t, "/api/v1/schemes/MUJUN/results?limit=1").await;
    let firm = firms["items"][0]["entity"].as_i64().unwrap();
    let (status, _) = get(
        &app,
        &t,
        &format!("/api/v1/schemes/ECONOMY_RACE/entities/{firm}?period=2024H1"),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_changing_one_district_moves_its_rank_and_grade_in_the_next_read() {
    let app = spawn_demo().await;
    let t = api_token(&app, "analyst").await;
    let url = "/api/v1/schemes/ECONOMY_RACE/results?period=2024H1&limit=100";
    let (_, before) = get(&app, &t, url).await;
    // The last-ranked district that has a code.
    let last = before["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|r| r["key"].as_str().unwrap().len() == 6)
        .unwrap()
        .clone();
    let key = last["key"].as_str().unwrap();
    assert!(last["rank"].as_u64().unwrap() > 30, "{last}");
    assert_ne!(last["grade"], "A");

    // The district reports much higher growth for 1—6月.
    let csv = format!(
        "主体代码,指标代码,时期,口径,数值\n\
         {key},GDP,2024H1,增速,19.5\n\
         {key},IND_VA,2024H1,增速,38.0\n\
         {key},FAI,2024H1,增速,41.0\n\
         {key},RETAIL,2024H1,增速,27.0\n"
    );
    let grid = read_grid_bytes("更正.csv", csv.as_bytes(), &ReadOptions::default()).unwrap();
    let opts = ImportOptions {
        kind: ImportKind::Auto,
        read: ReadOptions::default(),
        parse: ParseOptions::default(),
        dry_run: false,
    };
    let ctx = ChangeContext::new("测试", "更正.csv", Utc::now());
    // The analyst's correction reopens the approved figures.
    let out = import_grid_as(app.store.as_ref(), &grid, &opts, Approved::Reopen, &ctx)
        .await
        .unwrap();
    assert_eq!(out.observations.as_ref().unwrap().updated, 4);
    let re = out.after.expect("the pipeline ran").recomputed;
    assert!(re.failed.is_empty() && re.error.is_none(), "{re:?}");
    let done: Vec<String> = re
        .evaluated
        .iter()
        .map(|(c, p)| format!("{c} {}", p.code()))
        .collect();
    for want in [
        "ECONOMY_RACE 2024H1",
        "ECONOMY_RACE 2024M01-M09",
        "CARD_ECONOMY 2024H1",
        "CARDS_OVERALL 2024H1",
        "FIVE_COLOUR_IND_VA 2024H1",
    ] {
        assert!(done.iter().any(|d| d == want), "{want} not in {done:?}");
    }

    let (_, after) = get(&app, &t, url).await;
    let now = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap();
    assert_eq!(now["rank"], 1, "{now}");
    assert_eq!(now["grade"], "A", "{now}");
    assert_eq!(now["rank_change"]["move"], "up", "{now}");
    assert_eq!(now["grade_change"]["move"], "up", "{now}");
    assert_eq!(now["breakdown"][0]["measure"], 19.5);
    // The next period's moves now compare with the new ranking.
    let (_, next) = get(
        &app,
        &t,
        "/api/v1/schemes/ECONOMY_RACE/results?period=2024M01-M09&limit=100",
    )
    .await;
    let n = next["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == key)
        .unwrap();
    assert_eq!(n["rank_change"]["move"], "down", "{n}");
}

/// A GET as the city analyst (bearer token), read as JSON.
async fn get(app: &TestApp, token: &str, path: &str) -> (u16, serde_json::Value) {
    let r = get_bearer(app, token, path).await;
    (r.status, r.json())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_district_sees_the_whole_league_it_takes_part_in_but_only_its_own_details() {
    let app = spawn_demo().await;
    let t = api_token(&app, "analyst").await;
    let (_, all) = get(&app, &t, "/api/v1/schemes/ECONOMY_RACE/results?limit=100").await;
    let total = all["total"].as_u64().unwrap();
    assert!(total > 30, "{all}");
    let yuzhong = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "渝中区")
        .cloned()
        .unwrap();
    let other = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] != "渝中区")
        .cloned()
        .unwrap();
    let leader = api_token(&app, "yuzhong-leader").await;
    let (s, mine) = get(
        &app,
        &leader,
        "/api/v1/schemes/ECONOMY_RACE/results?limit=100",
    )
    .await;
    assert_eq!(s, 200, "{mine}");
    // The league is public among its participants (晾晒): every row, the same ranks.
    assert_eq!(mine["total"].as_u64(), Some(total));
    let own = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "渝中区")
        .cloned()
        .expect("渝中区 in the league");
    assert_eq!(own["rank"], yuzhong["rank"], "the overall rank");
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == other["name"]),
        "the other participants are listed"
    );
    let (s, _) = get(
        &app,
        &leader,
        &format!(
            "/api/v1/schemes/ECONOMY_RACE/entities/{}",
            yuzhong["entity"]
        ),
    )
    .await;
    assert_eq!(s, 200);
    for path in [
        format!("/api/v1/schemes/ECONOMY_RACE/entities/{}", other["entity"]),
        format!(
            "/api/v1/schemes/ECONOMY_RACE/entities/{}/history",
            other["entity"]
        ),
    ] {
        let (s, body) = get(&app, &leader, &path).await;
        assert_eq!(s, 403, "{path}: {body}");
    }
    let firm = api_token(&app, "enterprise").await;
    let (s, _) = get(&app, &firm, "/api/v1/schemes").await;
    assert_eq!(s, 403, "an enterprise reads no evaluations");
}
