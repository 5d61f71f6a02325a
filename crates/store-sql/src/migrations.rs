//! The schema's migrations: one list of versions for both databases, the SQL per database.
//!
//! Why one list: the statements of this crate expect the same tables on both databases, so the
//! two backends move through the same versions; a list copied into each backend could drift. The list is [`migrations!`](crate::migrations); each backend crate keeps
//! the SQL of every version in its own `migrations/NNNN_name.sql` (the statements differ between
//! the databases), and `yiping_store_sql::migrator(yiping_store_sql::migrations!())` embeds them
//! at compile time: a backend that lacks a file does not build.
//!
//! How a migration is recorded: sqlx's table `_sqlx_migrations` keeps each applied version with
//! its name and a checksum of its SQL, and re-running skips what is recorded. A released
//! migration is therefore never edited (its checksum would no longer match): add the next one —
//! a line in the list below and one file per backend.

/// The embedded migrations of the calling backend crate, `(version, name, sql)` in order: the
/// one list of versions, each read from `migrations/NNNN_name.sql` under the crate calling it.
#[macro_export]
macro_rules! migrations {
    () => {
        $crate::migrations! {
            @embed
            0001 foundation,
            0002 evaluations,
            0003 work_items,
            0004 users,
            0005 indicator_range,
            0006 config,
            0008 login_throttle,
            0010 pending_changes,
            0011 idempotency,
            0012 notifications,
            0014 quality,
        }
    };
    (@embed $($version:literal $name:ident,)*) => {{
        // The version is written as in the file name: 0004, which is 4.
        #[allow(clippy::zero_prefixed_literal)]
        const MIGRATIONS: &[(i64, &str, &str)] = &[$((
            $version,
            stringify!($name),
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/migrations/",
                stringify!($version),
                "_",
                stringify!($name),
                ".sql"
            )),
        )),*];
        MIGRATIONS
    }};
}

/// A migrator over embedded migrations `(version, name, sql)`, as [`migrations!`](crate::migrations)
/// gives them.
pub fn migrator(migrations: &[(i64, &'static str, &'static str)]) -> sqlx::migrate::Migrator {
    use sqlx::SqlSafeStr;
    use sqlx::migrate::{Migration, MigrationType, Migrator};
    Migrator::with_migrations(
        migrations
            .iter()
            .map(|(v, d, sql)| {
                Migration::new(
                    *v,
                    (*d).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// The store's error for a failed migration, in Chinese. A database whose schema is newer than
/// this program (it records a version the program does not know, written by a newer yiping) is
/// named as such, with both versions, rather than in sqlx's English.
pub fn migration_error(
    e: sqlx::migrate::MigrateError,
    known: &[(i64, &'static str, &'static str)],
) -> yiping_store::StoreError {
    use sqlx::migrate::MigrateError;
    let newest = known.iter().map(|m| m.0).max().unwrap_or(0);
    let message = match e {
        MigrateError::VersionMissing(v) => format!(
            "数据库的结构版本较新：它已应用版本 {v}，而本程序只认识到版本 {newest}。\
             请改用写入该数据库的较新版本的 yiping，或从与本程序相符的备份恢复"
        ),
        MigrateError::VersionMismatch(v) => format!(
            "数据库中结构版本 {v} 的内容与本程序的不同（校验和不符）：\
             该数据库可能由另一版本的 yiping 建立，请改用对应版本或从备份恢复"
        ),
        MigrateError::Dirty(v) => {
            format!("数据库的结构版本 {v} 上次未迁移完成（中途失败）：请从备份恢复后再试")
        }
        other => other.to_string(),
    };
    yiping_store::StoreError::Migration { message }
}
