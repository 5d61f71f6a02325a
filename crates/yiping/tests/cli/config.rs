//! `yiping config` as a city's administrator runs it: export the folder, edit a file, check it
//! with --dry-run, import it (audited); a bad file is refused whole with its row and field; the
//! calendar names the years it lacks.

use super::support::{audit, text, yiping};

#[test]
fn export_edit_and_import_the_configuration_folder() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.db");
    let folder = dir.path().join("配置");
    assert!(yiping(&db, &["init"]).status.success());
    let o = yiping(&db, &["config", "export", folder.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    for name in [
        "calendar.csv",
        "categories.toml",
        "routing.csv",
        "alerts.toml",
        "screens.toml",
        "notify.toml",
    ] {
        assert!(folder.join(name).is_file(), "{name}");
    }

    // A bad row: refused whole, named by file, row and field; nothing stored.
    let calendar = folder.join("calendar.csv");
    let shipped = std::fs::read_to_string(&calendar).unwrap();
    let lines = shipped.lines().count();
    std::fs::write(&calendar, format!("{shipped}2027-01-01,放假了,元旦\n")).unwrap();
    let o = yiping(&db, &["config", "import", folder.to_str().unwrap()]);
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains(&format!(
            "calendar.csv 第{}行 字段kind列：“放假了”",
            lines + 1
        )),
        "{out}"
    );
    assert!(out.contains("配置未导入"), "{out}");

    // Fixed: a dry run checks, the import writes and is audited.
    std::fs::write(&calendar, format!("{shipped}2027-01-01,holiday,元旦\n")).unwrap();
    let o = yiping(
        &db,
        &["config", "import", folder.to_str().unwrap(), "--dry-run"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("calendar.csv：将更新"), "{}", text(&o));
    assert!(!audit(&db).iter().any(|e| e.action == "config.import"));
    let o = yiping(&db, &["config", "import", folder.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("calendar.csv：已更新"), "{}", text(&o));
    assert!(audit(&db).iter().any(|e| e.action == "config.import"));
    let o = yiping(&db, &["config", "calendar"]);
    assert!(text(&o).contains("2027年"), "{}", text(&o));
}
