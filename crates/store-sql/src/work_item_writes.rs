//! Work-item writes: reserving ids, inserting an item with its first history rows, and a
//! transition — a conditional `UPDATE … WHERE id = ? AND version = expected` (no row: a lost race,
//! reported as a conflict with nothing written), the history row and any child items, atomic.
//!
//! Each write is a [`WriteOp`] whose statements are built here, once, for both databases. On
//! SQLite the backend's native path runs it ([`crate::native`]: `yiping_store_sqlite`'s
//! group-commit writer, one transaction for many callers, a savepoint per write); on PostgreSQL
//! [`run_any`] runs it in its own pooled transaction (row locks serialise racing updates).

use sqlx::AnyConnection;
use yiping_flow::{ChildSpec, ItemId, WorkItem};
use yiping_kernel::EntityId;
use yiping_store::{ItemExtras, StoreError, StoreResult, TransitionRecord, next_due};

use crate::args::{Arg, Sql};
use crate::rows::{get, ts};
use crate::work_items::{json, name};
use crate::{Dialect, SqlStore, map_err};

/// What a write returns: the ids it reserved or created (empty when there are none).
pub type Done = StoreResult<Vec<ItemId>>;

/// A write, its statements prepared outside the transaction.
#[derive(Debug)]
pub enum WriteOp {
    Reserve(u32),
    Insert {
        id: ItemId,
        row: Sql,
        records: Vec<RecordSql>,
    },
    Transition(TransitionSql),
}

fn version_i64(v: u64) -> StoreResult<i64> {
    i64::try_from(v).map_err(|_| StoreError::invalid(format!("版本号 {v} 过大")))
}

/// A column's value: `None` is written as the literal `NULL` (sqlx `Any` binds a typed NULL
/// badly on PostgreSQL, see ARCHITECTURE.md).
type Value = Option<Arg>;

/// Columns and values of an item row, in order. The extras columns (`problem_source`, `token`,
/// `extras`) are included only when `extras` is given: a transition leaves them as stored.
fn item_values(
    item: &WorkItem,
    extras: Option<&ItemExtras>,
    body: Body,
) -> StoreResult<Vec<(&'static str, Value)>> {
    let ent = |e: Option<EntityId>| e.map(|e| Arg::I64(e.0));
    let text = |t: String| Some(Arg::Text(t));
    let mut v = vec![
        ("kind", text(name(&item.kind))),
        ("title", text(item.title.clone())),
        ("category", text(item.category.to_string())),
        ("priority", text(name(&item.priority))),
        ("channel", text(name(&item.channel))),
        ("stage", text(name(&item.stage))),
        (
            "is_open",
            Some(Arg::I64(i64::from(!item.stage.is_terminal()))),
        ),
        ("receiving_unit", Some(Arg::I64(item.receiving_unit.0))),
        ("owner_unit", Some(Arg::I64(item.owner_unit.0))),
        ("assignee", ent(item.assignee)),
        ("escalated_to", ent(item.escalated_to)),
        ("location_id", ent(item.location)),
        ("enterprise_id", ent(item.enterprise)),
        ("parent_id", item.parent.map(|p| Arg::I64(p.0))),
    ];
    if let Some(extras) = extras {
        v.push((
            "problem_source",
            Some(Arg::OptText(extras.problem_source.clone())),
        ));
        v.push(("token", Some(Arg::OptText(extras.token.clone()))));
    }
    v.push(("supervised", Some(Arg::I64(i64::from(item.supervised)))));
    v.push(("due_at", Some(Arg::OptText(next_due(item).map(ts)))));
    v.push(("received_at", text(ts(item.received_at))));
    v.push(("closed_at", Some(Arg::OptText(item.closed_at.map(ts)))));
    v.push(("version", Some(Arg::I64(version_i64(item.version)?))));
    v.push(("updated_at", text(ts(item.updated_at))));
    if body == Body::Written {
        let mut body = item.clone();
        body.history.clear();
        v.push(("body", text(json(&body)?)));
    }
    if let Some(extras) = extras {
        v.push(("extras", text(json(extras)?)));
    }
    Ok(v)
}

/// Whether [`item_values`] includes the body (the item as JSON, without its history).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Written,
    Left,
}

/// The placeholder of `value` in `sql` (or `NULL`).
fn place(sql: &mut Sql, value: Value) -> String {
    match value {
        Some(a) => sql.arg(a),
        None => "NULL".to_string(),
    }
}

/// `col = $n, …` for the columns whose value differs between `previous` and `next`. Naming only
/// those keeps the indexes on unchanged columns out of the write: SQLite rewrites every index
/// holding a column named in `SET`, whether its value changed or not, and PostgreSQL can then
/// update the row in place (HOT) when no indexed column changed. The body (which holds the
/// version) is always written.
fn changed_sets(sql: &mut Sql, previous: &WorkItem, next: &WorkItem) -> StoreResult<String> {
    let before = item_values(previous, None, Body::Left)?;
    let after = item_values(next, None, Body::Written)?;
    let mut sets = Vec::with_capacity(after.len());
    let mut before = before.into_iter();
    for (col, new) in after {
        let old = before.next().filter(|(c, _)| *c == col).map(|(_, v)| v);
        if old.as_ref() != Some(&new) {
            let ph = place(sql, new);
            sets.push(format!("{col} = {ph}"));
        }
    }
    Ok(sets.join(", "))
}

/// The `INSERT` of a new item row.
pub fn insert_item_sql(item: &WorkItem, extras: &ItemExtras) -> StoreResult<Sql> {
    let mut sql = Sql::new("");
    let id = sql.arg(Arg::I64(item.id.0));
    let values = item_values(item, Some(extras), Body::Written)?;
    let cols: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
    let phs: Vec<String> = values
        .into_iter()
        .map(|(_, v)| place(&mut sql, v))
        .collect();
    sql.text = format!(
        "INSERT INTO work_items (id, {}) VALUES ({id}, {})",
        cols.join(", "),
        phs.join(", ")
    );
    Ok(sql)
}

/// A duplicate item id, named.
pub fn item_exists(id: ItemId, e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict { .. } => StoreError::Conflict {
            what: format!("事项 {id} 已存在"),
        },
        other => other,
    }
}

/// A duplicate history version, named.
pub fn record_exists(r: &RecordSql, e: StoreError) -> StoreError {
    match e {
        StoreError::Conflict { .. } => StoreError::Conflict {
            what: format!("事项 {} 的第 {} 版已存在", r.item, r.version),
        },
        other => other,
    }
}

/// The failure of a transition whose `UPDATE` matched no row.
pub fn lost_race(t: &TransitionSql, exists: bool) -> StoreError {
    let id = t.id;
    if exists {
        StoreError::Conflict {
            what: format!(
                "事项 {id} 已被他人修改（提交依据的版本为 {}），请刷新后重试",
                t.expected
            ),
        }
    } else {
        StoreError::NotFound {
            what: format!("事项 {id}"),
        }
    }
}

async fn insert_item(
    conn: &mut AnyConnection,
    dialect: Dialect,
    id: ItemId,
    sql: &Sql,
) -> StoreResult<()> {
    sql.query(dialect)
        .execute(&mut *conn)
        .await
        .map_err(|e| item_exists(id, map_err(e)))?;
    Ok(())
}

/// A history row to insert, with what its conflict message names.
#[derive(Debug)]
pub struct RecordSql {
    pub item: ItemId,
    pub version: u64,
    pub sql: Sql,
}

const HISTORY_INSERT: &str = "INSERT INTO work_item_history (item_id, version, at, actor_user, \
     actor_role, actor_unit, step, from_stage, to_stage, on_time, note, clock_used, overdue)";

/// The values of a history row, as placeholders (or NULL literals) of `sql`, in the column order
/// of [`HISTORY_INSERT`].
fn record_values(sql: &mut Sql, item: ItemId, r: &TransitionRecord) -> StoreResult<String> {
    let e = &r.entry;
    let vals = [
        sql.arg(Arg::I64(item.0)),
        sql.arg(Arg::I64(version_i64(e.version)?)),
        sql.arg(Arg::Text(ts(e.at))),
        sql.arg(Arg::Text(e.actor.user.as_str().to_string())),
        sql.arg(Arg::Text(name(&e.actor.role))),
        sql.arg(Arg::I64(e.actor.unit.0)),
        sql.arg(Arg::Text(json(&e.step)?)),
        sql.arg(Arg::Text(name(&e.from))),
        sql.arg(Arg::Text(name(&e.to))),
        place(sql, e.on_time.map(|t| Arg::I64(i64::from(t)))),
        sql.arg(Arg::OptText(r.note.clone())),
        // A typed NULL float would be bound as float4 by sqlx Any on PostgreSQL and poison the
        // cached statement for later non-NULL values: NULLs are written as literals.
        match r.clock_used {
            Some(v) => sql.arg(Arg::F64(v)),
            None => "NULL".to_string(),
        },
        sql.arg(Arg::I64(i64::from(r.overdue))),
    ];
    Ok(vals.join(", "))
}

pub fn record_sql(item: ItemId, r: &TransitionRecord) -> StoreResult<RecordSql> {
    let mut sql = Sql::new("");
    let vals = record_values(&mut sql, item, r)?;
    sql.text = format!("{HISTORY_INSERT} VALUES ({vals})");
    Ok(RecordSql {
        item,
        version: r.entry.version,
        sql,
    })
}

async fn insert_record(
    conn: &mut AnyConnection,
    dialect: Dialect,
    r: &RecordSql,
) -> StoreResult<()> {
    r.sql
        .query(dialect)
        .execute(&mut *conn)
        .await
        .map_err(|e| record_exists(r, map_err(e)))?;
    Ok(())
}

async fn reserve(conn: &mut AnyConnection, n: u32) -> StoreResult<Vec<ItemId>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let row = sqlx::query(
        "UPDATE work_item_ids SET last_id = last_id + $1 WHERE singleton = 1 RETURNING last_id",
    )
    .bind(i64::from(n))
    .fetch_one(&mut *conn)
    .await
    .map_err(map_err)?;
    let last: i64 = get(&row, "last_id")?;
    Ok((last - i64::from(n) + 1..=last).map(ItemId).collect())
}

/// Runs a write in a pooled transaction (PostgreSQL). Nothing of a failed write is written.
async fn run_any(store: &SqlStore, op: &WriteOp) -> Done {
    let dialect = store.dialect;
    if let WriteOp::Transition(t) = op
        && let Some(single) = &t.single
    {
        let done = single
            .query(dialect)
            .execute(&store.pool)
            .await
            .map_err(|e| record_exists(&t.record, map_err(e)))?;
        if done.rows_affected() == 0 {
            let exists = sqlx::query("SELECT id FROM work_items WHERE id = $1")
                .bind(t.id.0)
                .fetch_optional(&store.pool)
                .await
                .map_err(map_err)?;
            return Err(lost_race(t, exists.is_some()));
        }
        return Ok(Vec::new());
    }
    let mut tx = store
        .pool
        .begin_with(dialect.begin_write())
        .await
        .map_err(map_err)?;
    let done = match op {
        WriteOp::Reserve(n) => reserve(&mut tx, *n).await,
        WriteOp::Insert { id, row, records } => {
            async {
                insert_item(&mut tx, dialect, *id, row).await?;
                for r in records {
                    insert_record(&mut tx, dialect, r).await?;
                }
                Ok(Vec::new())
            }
            .await
        }
        WriteOp::Transition(t) => write_transition(&mut tx, dialect, t).await,
    };
    match done {
        Ok(ids) => {
            tx.commit().await.map_err(map_err)?;
            Ok(ids)
        }
        Err(e) => {
            tx.rollback().await.map_err(map_err)?;
            Err(e)
        }
    }
}

/// Runs a write: on the backend's native path when it has one (SQLite: the group-commit writer),
/// in its own transaction otherwise.
async fn write(store: &SqlStore, op: WriteOp) -> Done {
    match store.native.as_deref() {
        Some(native) => native.write(op).await,
        None => run_any(store, &op).await,
    }
}

pub(crate) async fn reserve_ids(store: &SqlStore, n: u32) -> StoreResult<Vec<ItemId>> {
    if let Some(ids) = store.spare_ids.take(n) {
        return Ok(ids);
    }
    let block = store.spare_ids.block_for(n);
    let mut fresh = write(store, WriteOp::Reserve(block)).await?;
    let rest = fresh.split_off((n as usize).min(fresh.len()));
    store.spare_ids.keep(rest);
    Ok(fresh)
}

pub(crate) async fn insert(
    store: &SqlStore,
    item: &WorkItem,
    extras: &ItemExtras,
    records: &[TransitionRecord],
) -> StoreResult<()> {
    let op = WriteOp::Insert {
        id: item.id,
        row: insert_item_sql(item, extras)?,
        records: records
            .iter()
            .map(|r| record_sql(item.id, r))
            .collect::<StoreResult<Vec<_>>>()?,
    };
    write(store, op).await?;
    Ok(())
}

/// What a transition writes.
#[derive(Debug)]
pub struct TransitionSql {
    pub id: ItemId,
    pub expected: u64,
    pub update: Sql,
    pub record: RecordSql,
    pub children: Vec<ChildSpec>,
    /// PostgreSQL, no children: the update and the history row as one statement
    /// (`WITH u AS (UPDATE … RETURNING id) INSERT … SELECT … FROM u`), one round trip in
    /// autocommit instead of four.
    pub single: Option<Sql>,
}

async fn write_transition(
    conn: &mut AnyConnection,
    dialect: Dialect,
    t: &TransitionSql,
) -> StoreResult<Vec<ItemId>> {
    let done = t
        .update
        .query(dialect)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
    if done.rows_affected() == 0 {
        let exists = sqlx::query("SELECT id FROM work_items WHERE id = $1")
            .bind(t.id.0)
            .fetch_optional(&mut *conn)
            .await
            .map_err(map_err)?;
        return Err(lost_race(t, exists.is_some()));
    }
    insert_record(conn, dialect, &t.record).await?;
    let ids = reserve(conn, u32::try_from(t.children.len()).unwrap_or(u32::MAX)).await?;
    for (spec, child_id) in t.children.iter().zip(&ids) {
        let child = spec.clone().into_item(*child_id);
        let row = insert_item_sql(&child, &ItemExtras::default())?;
        insert_item(conn, dialect, *child_id, &row).await?;
        for e in &child.history {
            let r = record_sql(*child_id, &TransitionRecord::new(e.clone()))?;
            insert_record(conn, dialect, &r).await?;
        }
    }
    Ok(ids)
}

pub(crate) async fn apply_transition(
    store: &SqlStore,
    previous: &WorkItem,
    next: &WorkItem,
    record: &TransitionRecord,
    children: &[ChildSpec],
) -> StoreResult<Vec<ItemId>> {
    let (id, expected) = (previous.id, previous.version);
    if next.id != id || next.version != expected + 1 || record.entry.version != next.version {
        return Err(StoreError::invalid(format!(
            "事项 {id} 的新版本应为 {}，提交的是事项 {} 的版本 {}（记录 {}）",
            expected + 1,
            next.id,
            next.version,
            record.entry.version
        )));
    }
    // The extras columns are not rewritten: a transition does not change them.
    let mut update = Sql::new("");
    let sets = changed_sets(&mut update, previous, next)?;
    let idp = update.arg(Arg::I64(id.0));
    let vp = update.arg(Arg::I64(version_i64(expected)?));
    update.text = format!("UPDATE work_items SET {sets} WHERE id = {idp} AND version = {vp}");
    let single = if store.dialect == Dialect::Postgres && children.is_empty() {
        let mut sql = Sql::new("");
        let sets = changed_sets(&mut sql, previous, next)?;
        let idp = sql.arg(Arg::I64(id.0));
        let vp = sql.arg(Arg::I64(version_i64(expected)?));
        let vals = record_values(&mut sql, id, record)?;
        sql.text = format!(
            "WITH u AS (UPDATE work_items SET {sets} WHERE id = {idp} AND version = {vp} \
             RETURNING id) {HISTORY_INSERT} SELECT {vals} FROM u"
        );
        Some(sql)
    } else {
        None
    };
    let t = TransitionSql {
        id,
        expected,
        update,
        record: record_sql(id, record)?,
        children: children.to_vec(),
        single,
    };
    write(store, WriteOp::Transition(t)).await
}
