//! `yiping evaluate`, `yiping schemes` and `yiping export --league` as a user runs them.

use super::support::{audit, text, yiping};

#[test]
fn the_demo_refuses_a_day_it_cannot_generate() {
    let dir = tempfile::tempdir().unwrap();
    let o = yiping(&dir.path().join("d.db"), &["demo", "--today", "2023-06-01"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("演示日期 2023-06-01"), "{}", text(&o));
}

#[test]
fn the_demo_league_tables_print_export_and_list() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    // A fixed day: the data run through 2024年12月, the items were received over 2024.
    let o = yiping(&db, &["demo", "--today", "2025-01-01"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("数据截至 2024年12月"), "{}", text(&o));
    assert!(text(&o).contains("评价方案 13 个"), "{}", text(&o));
    assert!(text(&o).contains("事项办理赛马 12 期"), "{}", text(&o));

    let o = yiping(
        &db,
        &[
            "evaluate",
            "--scheme",
            "HANDLING_RACE",
            "--period",
            "2024M06",
        ],
    );
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("事项办理赛马") && t.contains("居全市第1位"),
        "{t}"
    );

    let o = yiping(&db, &["schemes"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("MUJUN") && t.contains("2023 2024"), "{t}");

    let o = yiping(
        &db,
        &[
            "evaluate",
            "--scheme",
            "economy_race",
            "--period",
            "2024年上半年",
            "--limit",
            "5",
        ],
    );
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("经济运行赛马比拼（ECONOMY_RACE，2024年上半年）"),
        "{t}"
    );
    assert!(t.contains("对比时期：2024年一季度"), "{t}");
    assert!(
        t.contains("居全市第1位") && t.contains("共 41 个，仅显示前 5 个"),
        "{t}"
    );

    let o = yiping(&db, &["evaluate", "--scheme", "MUJUN"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("--period"), "{}", text(&o));

    let xlsx = dir.path().join("排名.xlsx");
    let o = yiping(
        &db,
        &[
            "export",
            "--league",
            "ECONOMY_RACE",
            "--period",
            "2024H1",
            "--cohort",
            "渝东南",
            "-o",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("6 行"), "{}", text(&o));
    let grid = yiping_io::read_grid(&xlsx, &yiping_io::ReadOptions::default()).unwrap();
    let cells: Vec<String> = grid.rows().iter().flatten().map(|c| c.text()).collect();
    assert!(
        cells
            .iter()
            .any(|c| c == "经济运行赛马比拼（2024年上半年）"),
        "{cells:?}"
    );
    assert!(cells.iter().any(|c| c == "等次") && cells.iter().any(|c| c == "渝东南"));

    // A changed target is an input too: the evaluations of its year that read the indicator
    // are recomputed.
    let t = dir.path().join("targets.csv");
    std::fs::write(
        &t,
        "主体代码,指标代码,年份,目标类型,目标值\n500103,FAI,2024,总量目标,405.34\n",
    )
    .unwrap();
    let o = yiping(&db, &["import", t.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("已重新计算评价") && text(&o).contains("ECONOMY_RACE"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_csv_is_evaluated_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    let mut csv = String::from(
        "主体代码,名称,分组,TAX_PER_MU,VA_PER_MU,VA_PER_ENERGY,VA_PER_EMISSION,LABOUR_PROD,RD_RATIO\n",
    );
    for i in 0..40 {
        let x = f64::from(i) + 1.0;
        let groups = if i == 7 {
            "规上;公用事业"
        } else {
            "规上"
        };
        csv.push_str(&format!(
            "E{i:03},企业{i},{groups},{},{},{},{},{},{}\n",
            x,
            x * 5.0,
            x / 10.0,
            if i % 9 == 0 {
                String::new()
            } else {
                (x * 100.0).to_string()
            },
            x / 2.0,
            x / 1000.0
        ));
    }
    std::fs::write(&input, csv).unwrap();
    let output = dir.path().join("out.csv");
    let missing_db = dir.path().join("none.db");
    let o = yiping(
        &missing_db,
        &[
            "evaluate",
            "--scheme",
            "mujun",
            "--input",
            input.to_str().unwrap(),
            "--output",
            output.to_str().unwrap(),
            "--timing",
        ],
    );
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("已评价 40 个对象") && t.contains("A类 9") && t.contains("不定等级 1"),
        "{t}"
    );
    assert!(t.contains("timing read_ms="), "{t}");
    assert!(!missing_db.exists(), "no database is created");
    let written = std::fs::read_to_string(&output).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 41);
    assert!(lines[1].starts_with("1,E039,企业39,"), "{}", lines[1]);

    let o = yiping(
        &missing_db,
        &[
            "evaluate",
            "--scheme",
            "NOPE",
            "--input",
            input.to_str().unwrap(),
            "-o",
            "x.csv",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("MUJUN"), "{}", text(&o));
}

#[test]
fn a_replaced_scheme_keeps_its_old_text_in_the_audit_trail() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    assert!(yiping(&db, &["init"]).status.success());
    let file = dir.path().join("mujun.toml");
    let first = yiping_eval::shipped::MUJUN.replace("year = 2023", "year = 2026");
    std::fs::write(&file, &first).unwrap();
    let o = yiping(&db, &["schemes", "--add", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    // The same text again changes nothing and records nothing.
    let o = yiping(&db, &["schemes", "--add", file.to_str().unwrap()]);
    assert!(text(&o).contains("未变"), "{}", text(&o));
    let second = first.replace("weight = 30", "weight = 31");
    assert_ne!(first, second);
    std::fs::write(&file, &second).unwrap();
    let o = yiping(&db, &["schemes", "--add", file.to_str().unwrap()]);
    assert!(text(&o).contains("第2版"), "{}", text(&o));

    let events: Vec<_> = audit(&db)
        .into_iter()
        .filter(|e| e.target == "MUJUN 2026")
        .collect();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["scheme.update", "scheme.add"], "{events:?}");
    let update = &events[0].detail;
    let sha = |t: &str| yiping_app::auth::sha256_hex(t.as_bytes());
    assert!(
        update.starts_with(&format!("第2版，SHA-256 {}", sha(&second))),
        "{update}"
    );
    assert!(update.contains(&format!("替换第1版（SHA-256 {}", sha(&first))));
    // The replaced version is recoverable byte for byte.
    let (_, old) = update
        .split_once(&format!("{}\n", yiping_app::evaluate::REPLACED_TEXT_MARKER))
        .unwrap();
    assert_eq!(old, first);
    assert!(events[1].detail.contains(&sha(&first)));
}
