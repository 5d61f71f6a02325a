//! Running a [`WriteOp`] on a native SQLite connection: the same statements as on PostgreSQL
//! (built by `yiping_store_sql`'s `work_item_writes`, handed over through
//! [`yiping_store_sql::native`]), bound to rusqlite, with the same error mapping as sqlx's.

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql, ffi};
use yiping_flow::ItemId;
use yiping_store::{ItemExtras, StoreError, StoreResult, TransitionRecord};

use yiping_store_sql::native::{
    Arg, Done, RecordSql, Sql, TransitionSql, WriteOp, insert_item_sql, item_exists, lost_race,
    record_exists, record_sql,
};

/// A value of a statement, bound to a native connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bind<'a>(pub(crate) &'a Arg);

impl ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Arg::I64(v) => ValueRef::Integer(*v),
            Arg::F64(v) | Arg::OptF64(Some(v)) => ValueRef::Real(*v),
            Arg::Text(s) | Arg::OptText(Some(s)) => ValueRef::Text(s.as_bytes()),
            Arg::OptText(None) | Arg::OptF64(None) => ValueRef::Null,
        }))
    }
}

/// The same mapping as [`yiping_store_sql::map_err`] for sqlx errors.
pub(crate) fn map_sqlite(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            let m = msg.clone().unwrap_or_else(|| f.to_string());
            match f.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    StoreError::Conflict {
                        what: format!("违反唯一性约束（{m}）"),
                    }
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => StoreError::Invalid {
                    reason: "引用的主体或指标不存在".to_string(),
                },
                ffi::SQLITE_CONSTRAINT_NOTNULL | ffi::SQLITE_CONSTRAINT_CHECK => {
                    StoreError::Invalid {
                        reason: format!("数据不满足约束：{m}"),
                    }
                }
                _ => StoreError::Database { message: m },
            }
        }
        _ => StoreError::Database {
            message: e.to_string(),
        },
    }
}

/// Runs one statement; returns the number of rows it changed.
pub(crate) fn exec(conn: &Connection, sql: &Sql) -> StoreResult<usize> {
    let (text, args) = sql.positional();
    let mut stmt = conn.prepare_cached(&text).map_err(map_sqlite)?;
    stmt.execute(rusqlite::params_from_iter(args.iter().map(Bind)))
        .map_err(map_sqlite)
}

fn reserve(conn: &Connection, n: u32) -> StoreResult<Vec<ItemId>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let last: i64 = conn
        .prepare_cached(
            "UPDATE work_item_ids SET last_id = last_id + ?1 WHERE singleton = 1 RETURNING last_id",
        )
        .and_then(|mut s| s.query_row([i64::from(n)], |r| r.get(0)))
        .map_err(map_sqlite)?;
    Ok((last - i64::from(n) + 1..=last).map(ItemId).collect())
}

fn insert_item(conn: &Connection, id: ItemId, row: &Sql) -> StoreResult<()> {
    exec(conn, row).map_err(|e| item_exists(id, e))?;
    Ok(())
}

fn insert_record(conn: &Connection, r: &RecordSql) -> StoreResult<()> {
    exec(conn, &r.sql).map_err(|e| record_exists(r, e))?;
    Ok(())
}

fn transition(conn: &Connection, t: &TransitionSql) -> Done {
    if exec(conn, &t.update)? == 0 {
        let exists = conn
            .prepare_cached("SELECT id FROM work_items WHERE id = ?1")
            .and_then(|mut s| s.query([t.id.0])?.next().map(|r| r.is_some()))
            .map_err(map_sqlite)?;
        return Err(lost_race(t, exists));
    }
    insert_record(conn, &t.record)?;
    let ids = reserve(conn, u32::try_from(t.children.len()).unwrap_or(u32::MAX))?;
    for (spec, child_id) in t.children.iter().zip(&ids) {
        let child = spec.clone().into_item(*child_id);
        insert_item(
            conn,
            *child_id,
            &insert_item_sql(&child, &ItemExtras::default())?,
        )?;
        for e in &child.history {
            insert_record(
                conn,
                &record_sql(*child_id, &TransitionRecord::new(e.clone()))?,
            )?;
        }
    }
    Ok(ids)
}

pub(crate) fn run_op(conn: &Connection, op: &WriteOp) -> Done {
    match op {
        WriteOp::Reserve(n) => reserve(conn, *n),
        WriteOp::Insert { id, row, records } => {
            insert_item(conn, *id, row)?;
            for r in records {
                insert_record(conn, r)?;
            }
            Ok(Vec::new())
        }
        WriteOp::Transition(t) => transition(conn, t),
    }
}
