//! `yiping user`: adding users with a password from standard input, refusals, listing,
//! tokens, disabling and password resets, each change in the audit trail.

use std::io::Write;
use std::process::{Command, Stdio};

use super::support::{audit, text, yiping};

const ENTITIES: &str =
    "类型,代码,名称,层级,上级代码\n地区,500000,重庆市,1,\n地区,500103,渝中区,2,500000\n";

pub fn with_stdin(db: &std::path::Path, args: &[&str], input: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yiping"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env_remove("YIPING_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn users_are_added_listed_tokened_and_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("u.db");
    assert!(yiping(&db, &["init"]).status.success());
    std::fs::write(dir.path().join("e.csv"), ENTITIES).unwrap();
    let o = yiping(&db, &["import", dir.path().join("e.csv").to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));

    let add = [
        "user",
        "add",
        "--login",
        "wang",
        "--name",
        "王五",
        "--role",
        "填报员",
        "--unit",
        "500103",
        "--password-stdin",
    ];
    let o = with_stdin(&db, &add, "a-long-password\n");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("已新增用户 wang（填报员）"));

    // The same login again, an unknown unit, a short password, an unknown role.
    let o = with_stdin(&db, &add, "a-long-password\n");
    assert!(!o.status.success());
    assert!(text(&o).contains("登录名“wang”已被使用"), "{}", text(&o));
    let o = with_stdin(
        &db,
        &[
            "user",
            "add",
            "--login",
            "li",
            "--role",
            "leader",
            "--unit",
            "500199",
            "--password-stdin",
        ],
        "a-long-password\n",
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("没有代码为“500199”的单位"),
        "{}",
        text(&o)
    );
    let o = with_stdin(
        &db,
        &[
            "user",
            "add",
            "--login",
            "li",
            "--role",
            "leader",
            "--unit",
            "500000",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("密码至少 8 位"), "{}", text(&o));
    let o = yiping(
        &db,
        &[
            "user", "add", "--login", "li", "--role", "boss", "--unit", "500000",
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("未知角色“boss”"), "{}", text(&o));

    // Without --password-stdin a random password is shown once.
    let o = yiping(
        &db,
        &[
            "user", "add", "--login", "zhao", "--role", "admin", "--unit", "500000",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("初始密码（只显示这一次）"));

    let o = yiping(&db, &["user", "list"]);
    let t = text(&o);
    assert!(
        t.contains("wang") && t.contains("王五") && t.contains("渝中区") && t.contains("启用"),
        "{t}"
    );

    let o = yiping(&db, &["user", "token", "wang"]);
    assert!(
        o.status.success() && text(&o).contains("yp_"),
        "{}",
        text(&o)
    );
    let token = text(&o)
        .split_whitespace()
        .find(|w| w.starts_with("yp_"))
        .unwrap()
        .to_string();

    let o = yiping(&db, &["user", "disable", "wang"]);
    assert!(o.status.success());
    assert!(text(&yiping(&db, &["user", "list"])).contains("停用"));
    let o = yiping(&db, &["user", "disable", "nobody"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("没有用户“nobody”"));
    let o = yiping(&db, &["user", "enable", "wang"]);
    assert!(o.status.success(), "{}", text(&o));
    // Issue 18, defect 5: enabling again does not revive the token (it did on the old main).
    assert!(
        !token_live(&db, &token),
        "disable → enable revived the token"
    );
    let o = yiping(&db, &["user", "token", "wang"]);
    let second = text(&o)
        .split_whitespace()
        .find(|w| w.starts_with("yp_"))
        .unwrap()
        .to_string();
    assert!(token_live(&db, &second));
    let o = yiping(&db, &["user", "revoke", "wang"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("已吊销 wang 的 API 令牌 1 个"),
        "{}",
        text(&o)
    );
    assert!(!token_live(&db, &second));
    let o = with_stdin(
        &db,
        &["user", "passwd", "wang", "--password-stdin"],
        "short\n",
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("密码至少 8 位"), "{}", text(&o));
    let o = with_stdin(
        &db,
        &["user", "passwd", "wang", "--password-stdin"],
        "another-long-password\n",
    );
    assert!(o.status.success(), "{}", text(&o));

    // Every change is in the audit trail, by the command line, newest first; the refused
    // reset and the unknown user left nothing.
    let trail: Vec<(String, String, String)> = audit(&db)
        .into_iter()
        .filter(|e| e.target == "wang")
        .map(|e| (e.action, e.actor, e.detail))
        .collect();
    let actions: Vec<&str> = trail.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.passwd",
            "token.revoke",
            "token.issue",
            "user.enable",
            "user.disable",
            "token.issue",
            "user.add"
        ],
        "{trail:?}"
    );
    assert!(trail.iter().all(|t| t.1 == "命令行"), "{trail:?}");
    assert!(
        !trail[0].2.contains("another-long-password"),
        "the password is not recorded"
    );
    assert!(!audit(&db).iter().any(|e| e.target == "nobody"));
}

/// Whether `token` still names a user (read as the server would, through the app).
fn token_live(db: &std::path::Path, token: &str) -> bool {
    let url = yiping_app::database::DatabaseUrl::Sqlite(db.to_path_buf());
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = yiping_app::database::open(&url, yiping_app::database::Create::No)
                .await
                .unwrap();
            yiping_app::auth::token_user(store.as_ref(), token)
                .await
                .unwrap()
                .is_some()
        })
}
