//! The city map (issue 11): every one of Chongqing's 38 district and county codes (GB/T 2260,
//! `data/chongqing-districts.csv`) has a feature on the shipped map and is coloured, even when the
//! city's entity table carries today's names only (the npm boundaries predate 2016: 梁平县,
//! 武隆县, 开县).

use chrono::Utc;
use serde_json::Value;
use yiping_app::import::{ImportKind, ImportOptions, import_grid};
use yiping_io::{ParseOptions, ReadOptions, read_grid_bytes};
use yiping_store::ChangeContext;

use crate::helpers::*;

/// The 38 district and county codes, from the shipped data file.
fn district_codes() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/chongqing-districts.csv"
    ))
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("code,"))
        .filter_map(|l| {
            let cols: Vec<&str> = l.split(',').collect();
            let kind = cols.get(6).copied().unwrap_or_default();
            (matches!(kind, "district" | "county" | "autonomous_county"))
                .then(|| (cols[0].to_string(), cols[1].to_string()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_district_code_draws_and_is_coloured() {
    let codes = district_codes();
    assert_eq!(codes.len(), 38, "{codes:?}");
    let app = spawn_demo().await;
    // Today's names only: the demo's former names (梁平县 …) are dropped.
    let csv = "类型,代码,名称,层级,上级代码\n\
               地区,500154,开州区,2,500000\n\
               地区,500155,梁平区,2,500000\n\
               地区,500156,武隆区,2,500000\n";
    let grid = read_grid_bytes("区县.csv", csv.as_bytes(), &ReadOptions::default()).unwrap();
    let opts = ImportOptions {
        kind: ImportKind::Auto,
        read: ReadOptions::default(),
        parse: ParseOptions::default(),
        dry_run: false,
    };
    let ctx = ChangeContext::new("测试", "区县.csv", Utc::now());
    import_grid(app.store.as_ref(), &grid, &opts, &ctx)
        .await
        .unwrap();
    let liangping = app
        .store
        .all_entities()
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.data.name == "梁平区")
        .unwrap();
    assert!(liangping.data.aliases.is_empty(), "{liangping:?}");

    let admin = login(&app, "admin").await;
    let geo = get_as(&app, &admin, "/api/v1/screen/500000/map").await;
    assert_eq!(geo.status, 200, "{}", geo.body);
    let geo: Value = serde_json::from_str(&geo.body).unwrap();
    let keys: Vec<&str> = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["properties"]["key"].as_str())
        .collect();
    let screen = get_as(&app, &admin, "/api/v1/screen/500000").await;
    assert_eq!(screen.status, 200, "{}", screen.body);
    let screen = screen.json();
    let children = screen["children"].as_array().unwrap();
    let mut missing = Vec::new();
    for (code, name) in &codes {
        if !keys.contains(&code.as_str()) {
            missing.push(format!("{code} {name}: no feature"));
        }
        let child = children.iter().find(|c| c["key"] == code.as_str());
        match child {
            None => missing.push(format!("{code} {name}: not a child on the screen")),
            Some(c) if c["colour"].is_null() => missing.push(format!("{code} {name}: no colour")),
            Some(_) => {}
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
