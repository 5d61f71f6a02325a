//! The `yiping` command as a user runs it: exit codes and messages.

use std::path::Path;

use super::support::{audit, text, yiping};

const ENTITIES: &str = "类型,代码,名称,层级,上级代码\n地区,500000,重庆市,1,\n地区,500103,渝中区,2,500000\n地区,500106,沙坪坝区,2,500000\n";
const INDICATORS: &str = "代码,名称,计量单位,频率,类型\nGDP,地区生产总值,亿元,季,累计值\n";

#[test]
fn a_bad_file_exits_non_zero_names_every_bad_cell_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.db");
    assert!(yiping(&db, &["init"]).status.success());
    std::fs::write(dir.path().join("e.csv"), ENTITIES).unwrap();
    std::fs::write(dir.path().join("i.csv"), INDICATORS).unwrap();
    let o = yiping(
        &db,
        &[
            "import",
            dir.path().join("e.csv").to_str().unwrap(),
            dir.path().join("i.csv").to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "地区,地区生产总值\n渝中区,12.5\n沙坪坝区,十二\n不存在区,3\n",
    )
    .unwrap();
    let o = yiping(
        &db,
        &["import", "--period", "2024Q1", bad.to_str().unwrap()],
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("bad.csv") && t.contains("第3行") && t.contains("B列") && t.contains("十二"),
        "{t}"
    );
    assert!(t.contains("第4行") && t.contains("不存在区"), "{t}");
    assert!(t.contains("未作任何修改"), "{t}");

    // Nothing was written: exporting gives a header only.
    let out = dir.path().join("out.csv");
    let o = yiping(&db, &["export", "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已导出 0 条"), "{}", text(&o));

    // The good rows alone import.
    std::fs::write(&bad, "地区,地区生产总值\n渝中区,12.5\n沙坪坝区,12\n").unwrap();
    let o = yiping(
        &db,
        &["import", "--period", "2024Q1", bad.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("新增 2"), "{}", text(&o));

    // A dry run changes nothing and is not recorded; every applied import is, with the file's
    // SHA-256; the rejected one is not.
    let o = yiping(
        &db,
        &[
            "import",
            "--dry-run",
            "--period",
            "2024Q1",
            bad.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let imports: Vec<_> = audit(&db)
        .into_iter()
        .filter(|e| e.action == "import.apply")
        .collect();
    assert_eq!(imports.len(), 3, "{imports:?}");
    let last = &imports[0];
    assert_eq!(last.target, bad.display().to_string());
    let sha = yiping_app::auth::sha256_hex(&std::fs::read(&bad).unwrap());
    assert!(
        last.detail.contains(&sha) && last.detail.contains("2 行"),
        "{last:?}"
    );
    assert!(imports[2].target.ends_with("e.csv"), "{imports:?}");
}

#[test]
fn a_missing_database_or_an_unknown_scheme_is_a_precise_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = yiping(&dir.path().join("typo.db"), &["serve"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("typo.db") && text(&o).contains("yiping init"),
        "{}",
        text(&o)
    );
    assert!(!dir.path().join("typo.db").exists());

    let o = yiping(Path::new("mysql://root@localhost/x"), &["init"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("mysql://") && text(&o).contains("postgres://"),
        "{}",
        text(&o)
    );
}

#[test]
fn an_unknown_encoding_or_period_is_refused_before_touching_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.db");
    assert!(yiping(&db, &["init"]).status.success());
    let f = dir.path().join("x.csv");
    std::fs::write(&f, "a\n").unwrap();
    let o = yiping(&db, &["import", "--encoding", "big5", f.to_str().unwrap()]);
    assert!(
        !o.status.success() && text(&o).contains("big5"),
        "{}",
        text(&o)
    );
    let o = yiping(
        &db,
        &["import", "--period", "第五季度", f.to_str().unwrap()],
    );
    assert!(
        !o.status.success() && text(&o).contains("第五季度"),
        "{}",
        text(&o)
    );
}
