//! `yiping items` and `yiping run-jobs` as a user runs them.

use super::support::{text, yiping};

#[test]
fn jobs_and_inbox_run_on_an_empty_database_and_unknown_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.db");
    assert!(yiping(&db, &["init"]).status.success());
    let o = yiping(&db, &["run-jobs", "--at", "2024-12-31T09:00:00+08:00"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("超期 0 件"), "{}", text(&o));
    let o = yiping(&db, &["items"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("共 0 件"), "{}", text(&o));
    let o = yiping(&db, &["items", "--unit", "D999"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("单位“D999”不存在"), "{}", text(&o));
    let o = yiping(&db, &["items", "--stage", "飞行"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("状态“飞行”无效"), "{}", text(&o));
    let o = yiping(&db, &["items", "--show", "7"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("事项 7 不存在"), "{}", text(&o));
}
