//! `yiping alerts` as a user runs it.

use super::support::{text, yiping};

#[test]
fn alerts_list_firings_and_refuse_a_bad_rule_file_by_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.db");
    assert!(yiping(&db, &["init"]).status.success());
    let o = yiping(&db, &["alerts"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("请用 --period 指定时期"), "{}", text(&o));
    // An empty database: the shipped rules' indicators do not exist yet.
    let o = yiping(&db, &["alerts", "--period", "2024年1—9月", "--raise"]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("2024年1—9月 监测预警：3 条规则，触发 0 条"),
        "{out}"
    );
    assert!(
        out.contains("规则 IND_VA_DECLINE 的指标 IND_VA 不存在，已跳过"),
        "{out}"
    );
    assert!(out.contains("新生成问题 0 个"), "{out}");
    let rules = dir.path().join("r.toml");
    std::fs::write(
        &rules,
        "[[rules]]\ncode = \"X\"\nname = \"甲\"\nindicator = \"GDP\"\ncondition = \"threshold\"\nmeasure = \"value\"\noperator = \"<\"\nthreshold = 1.0\nscope = { kind = \"region\" }\nproblem_source = \"传闻\"\n",
    )
    .unwrap();
    let o = yiping(
        &db,
        &[
            "alerts",
            "--period",
            "2024Q1",
            "--rules",
            rules.to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("rules[0].problem_source: 问题来源“传闻”无效"),
        "{}",
        text(&o)
    );
}
