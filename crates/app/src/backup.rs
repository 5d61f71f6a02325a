//! Backups: `yiping backup OUT` and `yiping restore IN`.
//!
//! SQLite: [`backup`] writes a consistent, compacted copy with `VACUUM INTO` (safe while the
//! server writes: the copy is the database as of one commit), checks it, and only then gives it
//! its name; [`restore`] checks a copy (an intact yiping database, of schema versions this build
//! knows), refuses to overwrite an existing database without `force`, and replaces the file
//! whole (the old write-ahead log removed first, so that it cannot be replayed onto the copy).
//! PostgreSQL: `pg_dump` / `pg_restore` from the PostgreSQL client tools, run when on the PATH
//! (the password through `PGPASSWORD`, not the process list), else a message saying how.

use std::path::{Path, PathBuf};
use std::process::Command;

use yiping_store_sqlite::backup::{Inspection, inspect, known_versions};

use crate::AppError;
use crate::database::{Create, DatabaseUrl, open};

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_os_string();
    p.push(suffix);
    p.into()
}

fn io(what: String) -> impl FnOnce(std::io::Error) -> AppError {
    move |e| AppError::invalid(format!("{what}：{e}"))
}

/// Writes a backup of the database `url` to `out`; `force` replaces an existing `out`. Returns
/// what was done, in Chinese.
pub async fn backup(url: &DatabaseUrl, out: &Path, force: bool) -> Result<String, AppError> {
    if out.exists() && !force {
        return Err(AppError::invalid(format!(
            "文件“{}”已存在；要覆盖它请加 --force",
            out.display()
        )));
    }
    match url {
        DatabaseUrl::Sqlite(db) => {
            if !db.exists() {
                return Err(AppError::invalid(format!(
                    "数据库文件“{}”不存在",
                    db.display()
                )));
            }
            let partial = sibling(out, ".partial");
            let _ = std::fs::remove_file(&partial);
            yiping_store_sqlite::backup::backup(db, &partial)?;
            let checked = inspect(&partial);
            let checked = match checked {
                Ok(c) => c,
                Err(e) => {
                    let _ = std::fs::remove_file(&partial);
                    return Err(e.into());
                }
            };
            std::fs::rename(&partial, out)
                .map_err(io(format!("无法把备份命名为“{}”", out.display())))?;
            let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
            Ok(format!(
                "已备份 SQLite 数据库“{}”到“{}”（{bytes} 字节，结构版本 {}）",
                db.display(),
                out.display(),
                checked.version()
            ))
        }
        DatabaseUrl::Postgres(u) => {
            let (plain, password) = yiping_store_postgres::without_password(u)?;
            let status = pg_tool("pg_dump", password.as_deref())?
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(out)
                .arg(&plain)
                .status()
                .map_err(io("无法运行 pg_dump".into()))?;
            if !status.success() {
                return Err(AppError::invalid(format!(
                    "pg_dump 失败（{status}）：备份未完成"
                )));
            }
            Ok(format!(
                "已用 pg_dump 备份 PostgreSQL 数据库 {} 到“{}”",
                yiping_store_postgres::redact(u),
                out.display()
            ))
        }
    }
}

/// Replaces the database `url` by the backup `input`; an existing database only with `force`.
/// Returns what was done, in Chinese.
pub async fn restore(url: &DatabaseUrl, input: &Path, force: bool) -> Result<String, AppError> {
    if !input.exists() {
        return Err(AppError::invalid(format!(
            "备份文件“{}”不存在",
            input.display()
        )));
    }
    match url {
        DatabaseUrl::Sqlite(db) => {
            let found = inspect(input)?;
            check_versions(input, &found)?;
            if db.exists() && !force {
                return Err(AppError::invalid(format!(
                    "数据库“{}”已存在，恢复会用备份替换其中的全部数据；确认请加 --force（并先停止使用它的 yiping serve）",
                    db.display()
                )));
            }
            let partial = sibling(db, ".restore-partial");
            std::fs::copy(input, &partial)
                .map_err(io(format!("无法复制备份到“{}”", partial.display())))?;
            std::fs::File::open(&partial)
                .and_then(|f| f.sync_all())
                .map_err(io(format!("无法写入“{}”", partial.display())))?;
            for stale in [sibling(db, "-wal"), sibling(db, "-shm")] {
                match std::fs::remove_file(&stale) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => {
                        let _ = std::fs::remove_file(&partial);
                        return Err(io(format!("无法删除旧的“{}”", stale.display()))(
                            e,
                        ));
                    }
                }
            }
            std::fs::rename(&partial, db).map_err(io(format!("无法替换“{}”", db.display())))?;
            // An older backup is brought up to this build's schema now.
            let store = open(url, Create::No).await?;
            store.checkpoint().await?;
            Ok(format!(
                "已从“{}”恢复 SQLite 数据库“{}”（备份的结构版本 {}，本程序 {}）",
                input.display(),
                db.display(),
                found.version(),
                known_versions().last().copied().unwrap_or(0)
            ))
        }
        DatabaseUrl::Postgres(u) => {
            let store = open(url, Create::Yes).await?;
            let has_data =
                !store.all_entities().await?.is_empty() || !store.users().await?.is_empty();
            if has_data && !force {
                return Err(AppError::invalid(format!(
                    "数据库 {} 中已有数据，恢复会替换它；确认请加 --force（并先停止使用它的 yiping serve）",
                    yiping_store_postgres::redact(u)
                )));
            }
            drop(store);
            let (plain, password) = yiping_store_postgres::without_password(u)?;
            let status = pg_tool("pg_restore", password.as_deref())?
                .args([
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                ])
                .arg(&plain)
                .arg(input)
                .status()
                .map_err(io("无法运行 pg_restore".into()))?;
            if !status.success() {
                return Err(AppError::invalid(format!(
                    "pg_restore 失败（{status}）：数据库未作修改（恢复在一个事务中进行）"
                )));
            }
            // Refuses a backup of a newer schema (an unknown version), migrates an older one.
            open(url, Create::No).await.map_err(|e| {
                AppError::invalid(format!(
                    "已恢复，但本程序无法使用这个数据库（备份可能来自更新版本的 yiping，本程序认识的结构版本到 {}）：{e}",
                    known_versions().last().copied().unwrap_or(0)
                ))
            })?;
            Ok(format!(
                "已用 pg_restore 从“{}”恢复 PostgreSQL 数据库 {}",
                input.display(),
                yiping_store_postgres::redact(u)
            ))
        }
    }
}

/// Refuses a backup whose schema has versions this build does not know (a newer yiping's).
fn check_versions(input: &Path, found: &Inspection) -> Result<(), AppError> {
    let known = known_versions();
    let unknown: Vec<String> = found
        .versions
        .iter()
        .filter(|v| !known.contains(v))
        .map(|v| format!("{v:04}"))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(AppError::invalid(format!(
        "备份“{}”的数据库结构版本为 {:04}，含本程序不认识的版本 {}（本程序认识到 {:04}）：请用更新版本的 yiping 恢复",
        input.display(),
        found.version(),
        unknown.join("、"),
        known.last().copied().unwrap_or(0)
    )))
}

/// A PostgreSQL client tool from the PATH, or how to get one.
fn pg_tool(name: &str, password: Option<&str>) -> Result<Command, AppError> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    let Some(path) = found else {
        return Err(AppError::invalid(format!(
            "PostgreSQL 数据库的备份和恢复使用 PostgreSQL 客户端工具 {name}，但 PATH 中没有找到它。\
             请安装（Debian/Ubuntu：apt-get install postgresql-client），或直接运行：\
             pg_dump --format=custom --file 备份.dump 'postgres://用户@主机/库名'（备份），\
             pg_restore --clean --if-exists --no-owner --single-transaction --dbname 'postgres://用户@主机/库名' 备份.dump（恢复）"
        )));
    };
    let mut c = Command::new(path);
    if let Some(p) = password {
        c.env("PGPASSWORD", p);
    }
    Ok(c)
}
