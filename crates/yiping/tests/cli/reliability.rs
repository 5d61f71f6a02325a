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
