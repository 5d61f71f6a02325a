//! What a command leaves behind on disk and after a crash (issue 18).

use std::path::{Path, PathBuf};

use super::support::{text, yiping};

pub const ENTITIES: &str = "类型,代码,名称,层级,上级代码\n地区,500000,重庆市,1,\n地区,500103,渝中区,2,500000\n地区,500106,沙坪坝区,2,500000\n";
pub const INDICATORS: &str = "代码,名称,计量单位,频率,类型\nGDP,地区生产总值,亿元,季,累计值\n";

pub fn wal(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_os_string();
    p.push("-wal");
    p.into()
}

pub fn wal_size(db: &Path) -> u64 {
    std::fs::metadata(wal(db)).map(|m| m.len()).unwrap_or(0)
}

/// A database with two districts and GDP.
pub fn seeded(dir: &Path) -> PathBuf {
    let db = dir.join("y.db");
    assert!(yiping(&db, &["init"]).status.success());
    std::fs::write(dir.join("e.csv"), ENTITIES).unwrap();
    std::fs::write(dir.join("i.csv"), INDICATORS).unwrap();
    let o = yiping(
        &db,
        &[
            "import",
            dir.join("e.csv").to_str().unwrap(),
            dir.join("i.csv").to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    db
}

#[test]
fn a_finished_command_leaves_an_empty_write_ahead_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    assert_eq!(wal_size(&db), 0, "after init and the first imports");
    let data = dir.path().join("d.csv");
    std::fs::write(&data, "地区,地区生产总值\n渝中区,12.5\n沙坪坝区,12\n").unwrap();
    let o = yiping(
        &db,
        &["import", "--period", "2024Q1", data.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(wal_size(&db), 0, "the import's log was not folded back");
    // A plain copy of the file alone is now the whole database.
    let copy = dir.path().join("copy.db");
    std::fs::copy(&db, &copy).unwrap();
    let out = dir.path().join("out.csv");
    let o = yiping(&copy, &["export", "-o", out.to_str().unwrap()]);
    assert!(text(&o).contains("已导出 2 条"), "{}", text(&o));
}

const FORMULA_INDICATORS: &str = "代码,名称,计量单位,频率,类型,公式\nTAX,税收,万元,季,累计值,\nLAND,用地,亩,季,累计值,\nTAX_MU,亩均税收,万元/亩,季,累计值,TAX / LAND\n";

/// `yiping export` of every observation; returns what it printed and the file's rows.
fn export_all(db: &Path, dir: &Path) -> (String, Vec<String>) {
    let out = dir.join("all.csv");
    let o = yiping(db, &["export", "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let rows = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect();
    (text(&o), rows)
}

#[test]
fn an_import_killed_after_its_commit_is_followed_up_by_the_next_command() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    std::fs::write(dir.path().join("f.csv"), FORMULA_INDICATORS).unwrap();
    let o = yiping(&db, &["import", dir.path().join("f.csv").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let data = dir.path().join("税收.csv");
    std::fs::write(&data, "地区,税收,用地\n渝中区,1200,300\n沙坪坝区,900,450\n").unwrap();

    // The process dies right after the commit, before formulas, evaluations and alerts.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_yiping"))
        .args(["--database", db.to_str().unwrap()])
        .args(["import", "--period", "2024Q1", data.to_str().unwrap()])
        .env_remove("YIPING_DATABASE_URL")
        .env("YIPING_FAILPOINT", "after-commit")
        .output()
        .unwrap();
    assert!(
        !o.status.success(),
        "the failpoint did not fire: {}",
        text(&o)
    );
    // The data and its audit row are committed together.
    let imports: Vec<_> = super::support::audit(&db)
        .into_iter()
        .filter(|e| e.action == "import.apply" && e.target.ends_with("税收.csv"))
        .collect();
    assert_eq!(imports.len(), 1, "{imports:?}");

    // The next command (any) finishes the follow-up: the derived 亩均税收 appear, once.
    let (said, rows) = export_all(&db, dir.path());
    assert!(said.contains("已补做中断的后续处理"), "{said}");
    assert!(said.contains("税收.csv"), "{said}");
    assert_eq!(rows.len(), 6, "4 imported values and 2 derived: {rows:?}");
    assert!(
        rows.iter()
            .any(|r| r.contains("亩均税收") && r.contains(",4,")),
        "{rows:?}"
    );
    let (said, again) = export_all(&db, dir.path());
    assert!(!said.contains("已补做"), "{said}");
    assert_eq!(again, rows);
    let imports = super::support::audit(&db)
        .into_iter()
        .filter(|e| e.action == "import.apply" && e.target.ends_with("税收.csv"))
        .count();
    assert_eq!(imports, 1, "the audit row is not written twice");
}
