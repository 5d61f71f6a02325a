//! Work items: one row per item (filter columns plus the whole item as JSON), one row per
//! version in `work_item_history`, and an id counter. This file reads them; the writes are in
//! `work_item_writes`.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::AnyPool;
use sqlx::any::AnyRow;
use yiping_flow::{Actor, HistoryEntry, ItemId, UserId, WorkItem};
use yiping_kernel::EntityId;
use yiping_store::{
    Page, Paged, StoreError, StoreResult, StoredWorkItem, TransitionRecord, WorkItemFilter,
};

use crate::args::{Arg, Sql};
use crate::rows::{get, parse, parse_ts, ts};
use crate::{Dialect, map_err};

/// The snake_case name serde gives a unit enum variant.
pub(crate) fn name<T: Serialize>(v: &T) -> String {
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

pub(crate) fn json<T: Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::invalid(format!("无法序列化事项：{e}")))
}

/// Column access shared by sqlx rows and native SQLite rows, so that both decode alike.
pub trait Cols {
    fn text(&self, col: &str) -> StoreResult<String>;
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>>;
    fn int(&self, col: &str) -> StoreResult<i64>;
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>>;
    fn opt_real(&self, col: &str) -> StoreResult<Option<f64>>;
}

impl Cols for AnyRow {
    fn text(&self, col: &str) -> StoreResult<String> {
        get(self, col)
    }
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        get(self, col)
    }
    fn int(&self, col: &str) -> StoreResult<i64> {
        get(self, col)
    }
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        get(self, col)
    }
    fn opt_real(&self, col: &str) -> StoreResult<Option<f64>> {
        get(self, col)
    }
}

pub fn record_from_row(row: &impl Cols) -> StoreResult<TransitionRecord> {
    let at = row.text("at")?;
    let user = row.text("actor_user")?;
    let role = row.text("actor_role")?;
    let step = row.text("step")?;
    let from = row.text("from_stage")?;
    let to = row.text("to_stage")?;
    let version = row.int("version")?;
    let on_time = row.opt_int("on_time")?;
    let overdue = row.int("overdue")?;
    Ok(TransitionRecord {
        entry: HistoryEntry {
            version: parse(
                "work_item_history.version",
                &version.to_string(),
                u64::try_from(version),
            )?,
            at: parse_ts("work_item_history.at", &at)?,
            actor: Actor {
                user: parse("work_item_history.actor_user", &user, UserId::new(&user))?,
                role: from_name("work_item_history.actor_role", &role)?,
                unit: EntityId(row.int("actor_unit")?),
            },
            step: parse("work_item_history.step", &step, serde_json::from_str(&step))?,
            from: from_name("work_item_history.from_stage", &from)?,
            to: from_name("work_item_history.to_stage", &to)?,
            on_time: on_time.map(|v| v != 0),
        },
        note: row.opt_text("note")?,
        clock_used: row.opt_real("clock_used")?,
        overdue: overdue != 0,
    })
}

pub fn item_from_row(row: &impl Cols) -> StoreResult<StoredWorkItem> {
    let body = row.text("body")?;
    let extras = row.text("extras")?;
    Ok(StoredWorkItem {
        item: parse("work_items.body", &body, serde_json::from_str(&body))?,
        extras: parse("work_items.extras", &extras, serde_json::from_str(&extras))?,
        records: Vec::new(),
    })
}

/// Collects the rows of [`ONE_SQL`] into the item with its history.
pub(crate) fn one_from_rows<R: Cols>(rows: &[R]) -> StoreResult<Option<StoredWorkItem>> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut stored = item_from_row(first)?;
    for row in rows {
        if row.opt_int("item_id")?.is_some() {
            stored.records.push(record_from_row(row)?);
        }
    }
    stored.item.history = stored.records.iter().map(|r| r.entry.clone()).collect();
    Ok(Some(stored))
}

/// One item with its history in one query: the item's columns repeated on each history row
/// (one row with NULL history columns when there is none).
pub const ONE_SQL: &str = "SELECT w.body, w.extras, h.item_id, h.version, h.at, \
     h.actor_user, h.actor_role, h.actor_unit, h.step, h.from_stage, h.to_stage, h.on_time, \
     h.note, h.clock_used, h.overdue FROM work_items w \
     LEFT JOIN work_item_history h ON h.item_id = w.id WHERE w.id = $1 ORDER BY h.version";

/// One item without its history.
pub const HEAD_SQL: &str = "SELECT body, extras FROM work_items WHERE id = $1";

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

pub(crate) async fn one(pool: &AnyPool, id: ItemId) -> StoreResult<Option<StoredWorkItem>> {
    let rows = sqlx::query(ONE_SQL)
        .bind(id.0)
        .fetch_all(pool)
        .await
        .map_err(map_err)?;
    one_from_rows(&rows)
}

pub(crate) async fn head(pool: &AnyPool, id: ItemId) -> StoreResult<Option<StoredWorkItem>> {
    let row = sqlx::query(HEAD_SQL)
        .bind(id.0)
        .fetch_optional(pool)
        .await
        .map_err(map_err)?;
    row.as_ref().map(item_from_row).transpose()
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
        let located = if f.or_located {
            format!(" OR location_id = {p}")
        } else {
            String::new()
        };
        conds.push(format!(
            "(owner_unit = {p} OR assignee = {p} OR escalated_to = {p}{located})"
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

/// A page of items and the number matching, in one statement: the count is an uncorrelated
/// subquery, evaluated once. The page's ids are chosen first (sorting only the received time and
/// id of the matching rows), then only those rows' bodies are read: sorting whole rows copied
/// every matching body into the sorter (a busy inbox has hundreds). Only a page past the end
/// (no row to carry the count) needs a second statement, [`count_sql`].
pub fn list_sql(f: &WorkItemFilter, page: Page) -> Sql {
    let mut sql = Sql::new("");
    let w = where_clause(&mut sql, f);
    let limit = sql.arg(Arg::I64(i64::from(page.limit)));
    let offset = sql.arg(Arg::I64(i64::try_from(page.offset).unwrap_or(i64::MAX)));
    sql.text = format!(
        "SELECT i.body, i.extras, (SELECT COUNT(*) FROM work_items{w}) AS total \
         FROM (SELECT id, received_at FROM work_items{w} \
               ORDER BY received_at DESC, id DESC LIMIT {limit} OFFSET {offset}) AS p \
         JOIN work_items i ON i.id = p.id ORDER BY p.received_at DESC, p.id DESC"
    );
    sql
}

pub fn count_sql(f: &WorkItemFilter) -> Sql {
    let mut count = Sql::new("");
    let w = where_clause(&mut count, f);
    count.text = format!("SELECT COUNT(*) AS total FROM work_items{w}");
    count
}

/// The page from the rows of [`list_sql`]; `count` runs [`count_sql`] when needed.
pub(crate) fn page_from_rows<R: Cols>(
    rows: &[R],
    page: Page,
    count: impl FnOnce() -> StoreResult<i64>,
) -> StoreResult<Paged<StoredWorkItem>> {
    let total = match rows.first() {
        Some(row) => row.int("total")?,
        None if page.offset == 0 => 0,
        None => count()?,
    };
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

pub(crate) async fn list(
    pool: &AnyPool,
    dialect: Dialect,
    f: &WorkItemFilter,
    page: Page,
) -> StoreResult<Paged<StoredWorkItem>> {
    let sql = list_sql(f, page);
    let rows = sql.query(dialect).fetch_all(pool).await.map_err(map_err)?;
    let total = if rows.is_empty() && page.offset > 0 {
        let row = count_sql(f)
            .query(dialect)
            .fetch_one(pool)
            .await
            .map_err(map_err)?;
        get(&row, "total")?
    } else {
        0
    };
    page_from_rows(&rows, page, || Ok(total))
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
