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
    assert!(
        text(&o).contains("没有代码或名称为“D999”的单位"),
        "{}",
        text(&o)
    );
    let o = yiping(&db, &["items", "--stage", "飞行"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("状态“飞行”无效"), "{}", text(&o));
    let o = yiping(&db, &["items", "--show", "7"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("事项 7 不存在"), "{}", text(&o));
}

const ENTITIES: &str = "类型,代码,名称,层级,上级代码\n地区,500000,重庆市,1,\n\
    地区,500103,渝中区,2,500000\n部门,D009,市城市管理局,2,500000\n";

/// A database with a city, a district, the 城管局 and three users (admin, handler, grid worker).
fn seeded(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("y.db");
    assert!(yiping(&db, &["init"]).status.success());
    std::fs::write(dir.join("e.csv"), ENTITIES).unwrap();
    let o = yiping(&db, &["import", dir.join("e.csv").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    for (login, role, unit) in [
        ("boss", "admin", "500000"),
        ("cgj", "handler", "D009"),
        ("grid", "grid_worker", "500103"),
    ] {
        let o = super::users::with_stdin(
            &db,
            &[
                "user",
                "add",
                "--login",
                login,
                "--role",
                role,
                "--unit",
                unit,
                "--password-stdin",
            ],
            "a-long-password\n",
        );
        assert!(o.status.success(), "{}", text(&o));
    }
    db
}

#[test]
fn items_are_filed_and_moved_as_real_users_with_the_apis_rules() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let new = [
        "items",
        "new",
        "--as",
        "grid",
        "--kind",
        "事件",
        "--title",
        "解放碑暴露垃圾",
        "--category",
        "事件/01/01",
        "--channel",
        "grid_worker",
        "--location",
        "500103",
    ];
    let o = yiping(&db, &new);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("已新建事项 1：解放碑暴露垃圾（事件，立案，版本 1）"),
        "{}",
        text(&o)
    );
    assert!(
        text(&o).contains("建议派遣：按分类派至责任部门"),
        "{}",
        text(&o)
    );
    // Only an administrator gives a time; an unknown login is refused.
    let mut at = new.to_vec();
    at.extend(["--at", "2024-03-04T09:00:00+08:00"]);
    let o = yiping(&db, &at);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("只有系统管理员可以指定操作时间"),
        "{}",
        text(&o)
    );
    let o = yiping(
        &db,
        &[
            "items",
            "new",
            "--as",
            "grid",
            "--kind",
            "directive",
            "--title",
            "专项整治",
            "--category",
            "事件/01/01",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "a grid worker issues no directives"
    );
    assert!(text(&o).contains("网格员无权"), "{}", text(&o));
    let o = yiping(
        &db,
        &[
            "items",
            "do",
            "1",
            "--as",
            "nobody",
            "--version",
            "1",
            "sign",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("用户“nobody”不存在"), "{}", text(&o));

    let step = |login: &str, version: &str, cmd: &str| {
        yiping(
            &db,
            &["items", "do", "1", "--as", login, "--version", version, cmd],
        )
    };
    let o = step("boss", "1", r#"{"dispatch": {"unit": "D009"}}"#);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("事项 1：立案 → 派遣（版本 2，boss 以派遣员身份"),
        "{}",
        text(&o)
    );
    // The handler signs; the same version again is a conflict.
    let o = step("cgj", "2", "sign");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("派遣 → 签收（版本 3"), "{}", text(&o));
    let o = step("cgj", "2", "sign");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("已被他人修改（当前版本 3，提交依据的版本 2）"),
        "{}",
        text(&o)
    );
    // A handler may not close (the role rule), and the engine refuses a close before 核查.
    let o = step("cgj", "3", "close");
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("承办人无权"), "{}", text(&o));
    let o = step("boss", "3", "close");
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("不能‘结案’"), "{}", text(&o));
    let o = step("cgj", "3", r#"{"fly": {}}"#);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("操作“{\"fly\": {}}”无效"), "{}", text(&o));
    let o = yiping(&db, &["items", "--show", "1"]);
    assert!(text(&o).contains("当前版本 3"), "{}", text(&o));
    assert!(text(&o).contains("v3"), "{}", text(&o));
    // Units are printed by name, never by internal id (issue 11, bug 4).
    assert!(text(&o).contains("承办 市城市管理局"), "{}", text(&o));
    assert!(text(&o).contains("单位 渝中区"), "{}", text(&o));
    // An inbox filter takes the unit's name as well as its code.
    let o = yiping(&db, &["items", "--unit", "市城市管理局"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("共 1 件"), "{}", text(&o));
}

#[test]
fn a_directive_from_a_json_file_fans_out_and_metrics_print_and_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let file = dir.path().join("指令.json");
    std::fs::write(
        &file,
        r#"{"kind": "directive", "title": "开展占道经营专项整治", "category": "事件/01/01",
            "channel": "leadership", "receiving_unit": "500103",
            "at": "2024-03-04T01:00:00Z"}"#,
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let o = yiping(&db, &["items", "new", "--as", "grid", "--file", file]);
    assert_eq!(o.status.code(), Some(1), "a grid worker gives no time");
    assert!(text(&o).contains("只有系统管理员"), "{}", text(&o));
    let o = yiping(&db, &["items", "new", "--as", "boss", "--file", file]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("已新建事项 1：开展占道经营专项整治（指令，受理，版本 1）"),
        "{}",
        text(&o)
    );
    let at = |min: u32| format!("2024-03-04T{:02}:{:02}:00+08:00", 9 + min / 60, min % 60);
    let act = |version: &str, cmd: &str, when: &str| {
        yiping(
            &db,
            &[
                "items",
                "do",
                "1",
                "--as",
                "boss",
                "--version",
                version,
                cmd,
                "--at",
                when,
            ],
        )
    };
    let o = act("1", "register", &at(30));
    assert!(o.status.success(), "{}", text(&o));
    let o = act(
        "2",
        r#"{"fan_out": {"units": ["D009", "渝中区"]}}"#,
        &at(60),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已下发子事项：2、3"), "{}", text(&o));
    let o = yiping(&db, &["items", "--show", "2"]);
    assert!(text(&o).contains("派遣"), "{}", text(&o));

    // The figures of March: the district by location (the directive and its two tasks).
    let o = yiping(
        &db,
        &[
            "items",
            "metrics",
            "--period",
            "2024M03",
            "--unit",
            "500103",
            "--at",
            &at(120),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("500103 渝中区（按属地计）"), "{out}");
    assert!(out.contains("重办率        WI_REOPEN_RATE"), "{out}");
    assert!(out.contains("平均办理时长  WI_MEAN_DURATION"), "{out}");
    assert!(out.contains("样本量不足（2件，少于5件）"), "{out}");
    let o = yiping(
        &db,
        &[
            "items",
            "metrics",
            "--period",
            "2024M03",
            "--category",
            "交通",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("领域“交通”"), "{}", text(&o));
    let o = yiping(
        &db,
        &[
            "items",
            "metrics",
            "--period",
            "2024M03",
            "--category",
            "事件",
            "--write",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("不能与 --category 同用"), "{}", text(&o));
    let o = yiping(
        &db,
        &[
            "items",
            "metrics",
            "--period",
            "2024M03",
            "--write",
            "--at",
            &at(120),
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已写入 2024M03："), "{}", text(&o));
}
