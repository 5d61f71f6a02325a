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
            0008 login_throttle,
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
