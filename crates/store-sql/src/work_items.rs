//! Work items: one row per item (filter columns plus the whole item as JSON), one row per
//! version in `work_item_history`, and an id counter. A transition is a conditional `UPDATE …
//! WHERE version = expected` in a write transaction: a lost race updates no row and is reported
//! as a conflict with nothing written.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool};
use yiping_flow::{Actor, ChildSpec, HistoryEntry as FlowEntry, ItemId, UserId, WorkItem};
use yiping_kernel::EntityId;
use yiping_store::{
    ItemExtras, Page, Paged, StoreError, StoreResult, StoredWorkItem, TransitionRecord,
    WorkItemFilter, next_due,
};

use crate::args::{Arg, Sql};
use crate::rows::{get, parse, parse_ts, ts};
use crate::{Dialect, SqlStore, map_err};

/// The snake_case name serde gives a unit enum variant.
fn name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(e) => format!("{e}"),
    }
}

fn from_name<T: DeserializeOwned>(col: &str, raw: &str) -> StoreResult<T> {
    parse(
        col,
        raw,
        serde_json::from_value(serde_json::Value::String(raw.to_string())),
    )
}

fn json<T: Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::invalid(format!("无法序列化事项：{e}")))
}

fn opt_i64(sql: &mut Sql, v: Option<i64>) -> String {
    match v {
        Some(v) => sql.arg(Arg::I64(v)),
        None => "NULL".to_string(),
    }
}

fn version_i64(v: u64) -> StoreResult<i64> {
    i64::try_from(v).map_err(|_| StoreError::invalid(format!("版本号 {v} 过大")))
}

/// Columns and values of an item row, in order.
fn item_values(
    sql: &mut Sql,
    item: &WorkItem,
    extras: &ItemExtras,
) -> StoreResult<Vec<(&'static str, String)>> {
    let mut body = item.clone();
    body.history.clear();
    let ent = |e: Option<EntityId>| e.map(|e| e.0);
    let mut v = vec![
        ("kind", sql.arg(Arg::Text(name(&item.kind)))),
        ("title", sql.arg(Arg::Text(item.title.clone()))),
        ("category", sql.arg(Arg::Text(item.category.to_string()))),
        ("priority", sql.arg(Arg::Text(name(&item.priority)))),
        ("channel", sql.arg(Arg::Text(name(&item.channel)))),
        ("stage", sql.arg(Arg::Text(name(&item.stage)))),
        (
            "is_open",
            sql.arg(Arg::I64(i64::from(!item.stage.is_terminal()))),
        ),
        ("receiving_unit", sql.arg(Arg::I64(item.receiving_unit.0))),
        ("owner_unit", sql.arg(Arg::I64(item.owner_unit.0))),
    ];
    v.push(("assignee", opt_i64(sql, ent(item.assignee))));
    v.push(("escalated_to", opt_i64(sql, ent(item.escalated_to))));
    v.push(("location_id", opt_i64(sql, ent(item.location))));
    v.push(("enterprise_id", opt_i64(sql, ent(item.enterprise))));
    v.push(("parent_id", opt_i64(sql, item.parent.map(|p| p.0))));
    v.push((
        "problem_source",
        sql.arg(Arg::OptText(extras.problem_source.clone())),
    ));
    v.push(("token", sql.arg(Arg::OptText(extras.token.clone()))));
    v.push(("supervised", sql.arg(Arg::I64(i64::from(item.supervised)))));
    v.push(("due_at", sql.arg(Arg::OptText(next_due(item).map(ts)))));
    v.push(("received_at", sql.arg(Arg::Text(ts(item.received_at)))));
    v.push(("closed_at", sql.arg(Arg::OptText(item.closed_at.map(ts)))));
    v.push(("version", sql.arg(Arg::I64(version_i64(item.version)?))));
    v.push(("updated_at", sql.arg(Arg::Text(ts(item.updated_at)))));
    v.push(("body", sql.arg(Arg::Text(json(&body)?))));
    v.push(("extras", sql.arg(Arg::Text(json(extras)?))));
    Ok(v)
}

async fn insert_item(
    conn: &mut AnyConnection,
    dialect: Dialect,
    item: &WorkItem,
    extras: &ItemExtras,
) -> StoreResult<()> {
    let mut sql = Sql::new("");
    let id = sql.arg(Arg::I64(item.id.0));
    let values = item_values(&mut sql, item, extras)?;
    let cols: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
    let phs: Vec<&str> = values.iter().map(|(_, p)| p.as_str()).collect();
    sql.text = format!(
        "INSERT INTO work_items (id, {}) VALUES ({id}, {})",
        cols.join(", "),
        phs.join(", ")
    );
    sql.query(dialect)
        .execute(&mut *conn)
        .await
        .map_err(|e| match map_err(e) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                what: format!("事项 {} 已存在", item.id),
            },
            other => other,
        })?;
    Ok(())
}

async fn insert_record(
    conn: &mut AnyConnection,
    dialect: Dialect,
    item: ItemId,
    r: &TransitionRecord,
) -> StoreResult<()> {
    let e = &r.entry;
    let mut sql = Sql::new("");
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
        opt_i64(&mut sql, e.on_time.map(i64::from)),
        sql.arg(Arg::OptText(r.note.clone())),
        // A typed NULL float would be bound as float4 by sqlx Any on PostgreSQL and poison the
        // cached statement for later non-NULL values: NULLs are written as literals.
        match r.clock_used {
            Some(v) => sql.arg(Arg::F64(v)),
            None => "NULL".to_string(),
        },
        sql.arg(Arg::I64(i64::from(r.overdue))),
    ];
    sql.text = format!(
        "INSERT INTO work_item_history (item_id, version, at, actor_user, actor_role, actor_unit, \
         step, from_stage, to_stage, on_time, note, clock_used, overdue) VALUES ({})",
        vals.join(", ")
    );
    sql.query(dialect)
        .execute(&mut *conn)
        .await
        .map_err(|e| match map_err(e) {
            StoreError::Conflict { .. } => StoreError::Conflict {
                what: format!("事项 {item} 的第 {} 版已存在", r.entry.version),
            },
            other => other,
        })?;
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

pub(crate) async fn reserve_ids(store: &SqlStore, n: u32) -> StoreResult<Vec<ItemId>> {
    let mut tx = store
        .pool
        .begin_with(store.dialect.begin_write())
        .await
        .map_err(map_err)?;
    let ids = reserve(&mut tx, n).await?;
    tx.commit().await.map_err(map_err)?;
    Ok(ids)
}

pub(crate) async fn insert(
    store: &SqlStore,
    item: &WorkItem,
    extras: &ItemExtras,
    records: &[TransitionRecord],
) -> StoreResult<()> {
    let mut tx = store
        .pool
        .begin_with(store.dialect.begin_write())
        .await
        .map_err(map_err)?;
    insert_item(&mut tx, store.dialect, item, extras).await?;
    for r in records {
        insert_record(&mut tx, store.dialect, item.id, r).await?;
    }
    tx.commit().await.map_err(map_err)?;
    Ok(())
}

fn record_from_row(row: &AnyRow) -> StoreResult<TransitionRecord> {
    let at: String = get(row, "at")?;
    let user: String = get(row, "actor_user")?;
    let role: String = get(row, "actor_role")?;
    let step: String = get(row, "step")?;
    let from: String = get(row, "from_stage")?;
    let to: String = get(row, "to_stage")?;
    let version: i64 = get(row, "version")?;
    let on_time: Option<i64> = get(row, "on_time")?;
    let overdue: i64 = get(row, "overdue")?;
    Ok(TransitionRecord {
        entry: FlowEntry {
            version: parse(
                "work_item_history.version",
                &version.to_string(),
                u64::try_from(version),
            )?,
            at: parse_ts("work_item_history.at", &at)?,
            actor: Actor {
                user: parse("work_item_history.actor_user", &user, UserId::new(&user))?,
                role: from_name("work_item_history.actor_role", &role)?,
                unit: EntityId(get(row, "actor_unit")?),
            },
            step: parse("work_item_history.step", &step, serde_json::from_str(&step))?,
            from: from_name("work_item_history.from_stage", &from)?,
            to: from_name("work_item_history.to_stage", &to)?,
            on_time: on_time.map(|v| v != 0),
        },
        note: get(row, "note")?,
        clock_used: get(row, "clock_used")?,
        overdue: overdue != 0,
    })
}

fn item_from_row(row: &AnyRow) -> StoreResult<StoredWorkItem> {
    let body: String = get(row, "body")?;
    let extras: String = get(row, "extras")?;
    Ok(StoredWorkItem {
        item: parse("work_items.body", &body, serde_json::from_str(&body))?,
        extras: parse("work_items.extras", &extras, serde_json::from_str(&extras))?,
        records: Vec::new(),
    })
}

const HISTORY_COLUMNS: &str = "item_id, version, at, actor_user, actor_role, actor_unit, step, \
     from_stage, to_stage, on_time, note, clock_used, overdue";

/// Fills in the histories of `items` (one query per chunk of ids).
async fn attach_history(
    pool: &AnyPool,
    dialect: Dialect,
    items: &mut [StoredWorkItem],
) -> StoreResult<()> {
    for chunk in items.chunks_mut(500) {
        let mut sql = Sql::new("");
        let list = sql.in_list(chunk.iter().map(|i| i.item.id.0));
        sql.text = format!(
            "SELECT {HISTORY_COLUMNS} FROM work_item_history WHERE item_id IN {list} \
             ORDER BY item_id, version"
        );
        let rows = sql.query(dialect).fetch_all(pool).await.map_err(map_err)?;
        let mut by_id: std::collections::HashMap<i64, Vec<TransitionRecord>> =
            std::collections::HashMap::new();
        for row in &rows {
            let id: i64 = get(row, "item_id")?;
            by_id.entry(id).or_default().push(record_from_row(row)?);
        }
        for s in chunk.iter_mut() {
            let records = by_id.remove(&s.item.id.0).unwrap_or_default();
            s.item.history = records.iter().map(|r| r.entry.clone()).collect();
            s.records = records;
        }
    }
    Ok(())
}

pub(crate) async fn one(
    pool: &AnyPool,
    dialect: Dialect,
    id: ItemId,
) -> StoreResult<Option<StoredWorkItem>> {
    let row = sqlx::query("SELECT body, extras FROM work_items WHERE id = $1")
        .bind(id.0)
        .fetch_optional(pool)
        .await
        .map_err(map_err)?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut items = vec![item_from_row(&row)?];
    attach_history(pool, dialect, &mut items).await?;
    Ok(items.pop())
}

pub(crate) async fn by_token(pool: &AnyPool, token: &str) -> StoreResult<Option<ItemId>> {
    let row = sqlx::query("SELECT id FROM work_items WHERE token = $1")
        .bind(token.to_string())
        .fetch_optional(pool)
        .await
        .map_err(map_err)?;
    row.map(|r| get::<i64>(&r, "id").map(ItemId)).transpose()
}

fn where_clause(sql: &mut Sql, f: &WorkItemFilter) -> String {
    let mut conds: Vec<String> = Vec::new();
    if let Some(u) = f.unit {
        let p = sql.arg(Arg::I64(u.0));
        conds.push(format!(
            "(owner_unit = {p} OR assignee = {p} OR escalated_to = {p})"
        ));
    }
    if let Some(k) = f.kind {
        conds.push(format!("kind = {}", sql.arg(Arg::Text(name(&k)))));
    }
    if !f.stages.is_empty() {
        let phs: Vec<String> = f
            .stages
            .iter()
            .map(|s| sql.arg(Arg::Text(name(s))))
            .collect();
        conds.push(format!("stage IN ({})", phs.join(", ")));
    }
    if f.open_only {
        conds.push("is_open = 1".to_string());
    }
    if let Some(t) = f.due_before {
        conds.push(format!("due_at < {}", sql.arg(Arg::Text(ts(t)))));
    }
    if let Some(c) = &f.category_prefix {
        let p = sql.arg(Arg::Text(c.clone()));
        conds.push(format!("substr(category, 1, length({p})) = {p}"));
    }
    if let Some(s) = &f.problem_source {
        conds.push(format!(
            "problem_source = {}",
            sql.arg(Arg::Text(s.clone()))
        ));
    }
    if let Some(e) = f.enterprise {
        conds.push(format!("enterprise_id = {}", sql.arg(Arg::I64(e.0))));
    }
    if let Some(p) = f.parent {
        conds.push(format!("parent_id = {}", sql.arg(Arg::I64(p.0))));
    }
    if let Some(t) = f.received_from {
        conds.push(format!("received_at >= {}", sql.arg(Arg::Text(ts(t)))));
    }
    if let Some(t) = f.received_to {
        conds.push(format!("received_at < {}", sql.arg(Arg::Text(ts(t)))));
    }
    if let Some(s) = f.supervised {
        conds.push(format!("supervised = {}", sql.arg(Arg::I64(i64::from(s)))));
    }
    if !f.ids.is_empty() {
        let list = sql.in_list(f.ids.iter().map(|i| i.0));
        conds.push(format!("id IN {list}"));
    }
    if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    }
}

pub(crate) async fn list(
    pool: &AnyPool,
    dialect: Dialect,
    f: &WorkItemFilter,
    page: Page,
) -> StoreResult<Paged<StoredWorkItem>> {
    let mut count = Sql::new("");
    let w = where_clause(&mut count, f);
    count.text = format!("SELECT COUNT(*) AS n FROM work_items{w}");
    let row = count
        .query(dialect)
        .fetch_one(pool)
        .await
        .map_err(map_err)?;
    let total: i64 = get(&row, "n")?;
    let mut sql = Sql::new("");
    let w = where_clause(&mut sql, f);
    let limit = sql.arg(Arg::I64(i64::from(page.limit)));
    let offset = sql.arg(Arg::I64(i64::try_from(page.offset).unwrap_or(i64::MAX)));
    sql.text = format!(
        "SELECT body, extras FROM work_items{w} ORDER BY received_at DESC, id DESC \
         LIMIT {limit} OFFSET {offset}"
    );
    let rows = sql.query(dialect).fetch_all(pool).await.map_err(map_err)?;
    let items = rows
        .iter()
        .map(item_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Paged {
        items,
        total: u64::try_from(total).unwrap_or_default(),
        limit: page.limit,
        offset: page.offset,
    })
}

pub(crate) async fn all_with_history(
    pool: &AnyPool,
    dialect: Dialect,
    received_before: DateTime<Utc>,
) -> StoreResult<Vec<WorkItem>> {
    let rows =
        sqlx::query("SELECT body, extras FROM work_items WHERE received_at < $1 ORDER BY id")
            .bind(ts(received_before))
            .fetch_all(pool)
            .await
            .map_err(map_err)?;
    let mut items = rows
        .iter()
        .map(item_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    attach_history(pool, dialect, &mut items).await?;
    Ok(items.into_iter().map(|s| s.item).collect())
}

pub(crate) async fn children(
    pool: &AnyPool,
    dialect: Dialect,
    parent: ItemId,
) -> StoreResult<Vec<WorkItem>> {
    let rows = sqlx::query("SELECT body, extras FROM work_items WHERE parent_id = $1 ORDER BY id")
        .bind(parent.0)
        .fetch_all(pool)
        .await
        .map_err(map_err)?;
    let mut items = rows
        .iter()
        .map(item_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    attach_history(pool, dialect, &mut items).await?;
    Ok(items.into_iter().map(|s| s.item).collect())
}

pub(crate) async fn apply_transition(
    store: &SqlStore,
    id: ItemId,
    expected: u64,
    next: &WorkItem,
    record: &TransitionRecord,
    children: &[ChildSpec],
) -> StoreResult<Vec<ItemId>> {
    if next.id != id || next.version != expected + 1 || record.entry.version != next.version {
        return Err(StoreError::invalid(format!(
            "事项 {id} 的新版本应为 {}，提交的是 {}（记录 {}）",
            expected + 1,
            next.version,
            record.entry.version
        )));
    }
    let dialect = store.dialect;
    let mut tx = store
        .pool
        .begin_with(dialect.begin_write())
        .await
        .map_err(map_err)?;
    let current = sqlx::query("SELECT extras FROM work_items WHERE id = $1")
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
    let Some(current) = current else {
        return Err(StoreError::NotFound {
            what: format!("事项 {id}"),
        });
    };
    let raw: String = get(&current, "extras")?;
    let extras: ItemExtras = parse("work_items.extras", &raw, serde_json::from_str(&raw))?;
    let mut sql = Sql::new("");
    let values = item_values(&mut sql, next, &extras)?;
    let sets: Vec<String> = values.iter().map(|(c, p)| format!("{c} = {p}")).collect();
    let idp = sql.arg(Arg::I64(id.0));
    let vp = sql.arg(Arg::I64(version_i64(expected)?));
    sql.text = format!(
        "UPDATE work_items SET {} WHERE id = {idp} AND version = {vp}",
        sets.join(", ")
    );
    let done = sql
        .query(dialect)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    if done.rows_affected() == 0 {
        tx.rollback().await.map_err(map_err)?;
        return Err(StoreError::Conflict {
            what: format!("事项 {id} 已被他人修改（提交依据的版本为 {expected}），请刷新后重试"),
        });
    }
    insert_record(&mut tx, dialect, id, record).await?;
    let ids = reserve(&mut tx, u32::try_from(children.len()).unwrap_or(u32::MAX)).await?;
    for (spec, child_id) in children.iter().zip(&ids) {
        let child = spec.clone().into_item(*child_id);
        insert_item(&mut tx, dialect, &child, &ItemExtras::default()).await?;
        for e in &child.history {
            insert_record(
                &mut tx,
                dialect,
                *child_id,
                &TransitionRecord::new(e.clone()),
            )
            .await?;
        }
    }
    tx.commit().await.map_err(map_err)?;
    Ok(ids)
}
