//! Entities, their aliases, groups and effective-dated parent links.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use sqlx::{AnyConnection, AnyPool};
use yiping_kernel::{
    Entity, EntityCode, EntityId, EntityKind, NewEntity, ParentLink, merge_parent_links,
};
use yiping_store::{
    ChangeContext, EntityChange, EntityFilter, EntityUpsert, Page, Paged, ParentRef, StoreError,
    StoreResult,
};

use crate::args::{Arg, Sql};
use crate::rows::{date, get, parse, parse_date, ts};
use crate::{Dialect, SqlStore, map_err};

const ENTITY_COLS: &str = "id, kind, code, name, level, attrs";

/// Loads entities (all, or the given ids) with their aliases, groups and links, ordered by id.
pub(crate) async fn load(
    conn: &mut AnyConnection,
    dialect: Dialect,
    ids: Option<&[EntityId]>,
) -> StoreResult<Vec<Entity>> {
    let mut sql = Sql::new(&format!("SELECT {ENTITY_COLS} FROM entities"));
    let side = |table: &str, cols: &str, key: &str, sql_ids: Option<&[EntityId]>| {
        let mut s = Sql::new(&format!("SELECT {cols} FROM {table}"));
        if let Some(ids) = sql_ids {
            let list = s.in_list(ids.iter().map(|i| i.0));
            s.push(&format!(" WHERE {key} IN {list}"));
        }
        s.push(" ORDER BY 1, 2");
        s
    };
    let aliases = side(
        "entity_aliases",
        "entity_id, alias, position",
        "entity_id",
        ids,
    );
    let groups = side(
        "entity_groups",
        "entity_id, group_name, position",
        "entity_id",
        ids,
    );
    let links = side(
        "entity_links",
        "child_id, id, parent_id, valid_from, valid_to",
        "child_id",
        ids,
    );
    if let Some(ids) = ids {
        let list = sql.in_list(ids.iter().map(|i| i.0));
        sql.push(&format!(" WHERE id IN {list}"));
    }
    sql.push(" ORDER BY id");

    let rows = sql
        .query(dialect)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?;
    let mut out = Vec::with_capacity(rows.len());
    let mut index = HashMap::with_capacity(rows.len());
    for row in &rows {
        let id: i64 = get(row, "id")?;
        let kind_s: String = get(row, "kind")?;
        let kind = parse("entities.kind", &kind_s, EntityKind::parse(&kind_s))?;
        let code: Option<String> = get(row, "code")?;
        let code = match code {
            Some(c) => Some(parse("entities.code", &c, EntityCode::parse(&c))?),
            None => None,
        };
        let name: String = get(row, "name")?;
        let level: i64 = get(row, "level")?;
        let attrs_s: String = get(row, "attrs")?;
        let attrs = parse("entities.attrs", &attrs_s, serde_json::from_str(&attrs_s))?;
        let level = parse("entities.level", &level.to_string(), u8::try_from(level))?;
        let data = NewEntity {
            kind,
            code,
            name,
            aliases: Vec::new(),
            level,
            groups: Vec::new(),
            attrs,
            parents: Vec::new(),
        };
        index.insert(id, out.len());
        out.push(Entity {
            id: EntityId(id),
            data,
        });
    }
    for row in aliases
        .query(dialect)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?
    {
        let id: i64 = get(&row, "entity_id")?;
        if let Some(&i) = index.get(&id) {
            out[i].data.aliases.push(get(&row, "alias")?);
        }
    }
    for row in groups
        .query(dialect)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?
    {
        let id: i64 = get(&row, "entity_id")?;
        if let Some(&i) = index.get(&id) {
            out[i].data.groups.push(get(&row, "group_name")?);
        }
    }
    for row in links
        .query(dialect)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?
    {
        let id: i64 = get(&row, "child_id")?;
        let Some(&i) = index.get(&id) else { continue };
        let parent: i64 = get(&row, "parent_id")?;
        let from: Option<String> = get(&row, "valid_from")?;
        let to: Option<String> = get(&row, "valid_to")?;
        let from = from
            .map(|s| parse_date("entity_links.valid_from", &s))
            .transpose()?;
        let to = to
            .map(|s| parse_date("entity_links.valid_to", &s))
            .transpose()?;
        out[i].data.parents.push(ParentLink {
            parent: EntityId(parent),
            valid_from: from,
            valid_to: to,
        });
    }
    Ok(out)
}

fn same_entity(a: &NewEntity, b: &NewEntity) -> bool {
    let set = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
    let links = |v: &[ParentLink]| {
        v.iter()
            .map(|l| (l.parent, l.valid_from, l.valid_to))
            .collect::<BTreeSet<_>>()
    };
    a.kind == b.kind
        && a.code == b.code
        && a.name == b.name
        && a.level == b.level
        && a.attrs == b.attrs
        && set(&a.aliases) == set(&b.aliases)
        && set(&a.groups) == set(&b.groups)
        && links(&a.parents) == links(&b.parents)
}

async fn find_existing(
    conn: &mut AnyConnection,
    dialect: Dialect,
    e: &NewEntity,
) -> StoreResult<Option<EntityId>> {
    let mut sql = Sql::new("SELECT id FROM entities WHERE kind = ");
    let k = sql.arg(Arg::Text(e.kind.as_str().into()));
    sql.push(&k);
    match &e.code {
        Some(code) => {
            let c = sql.arg(Arg::Text(code.as_str().into()));
            sql.push(&format!(" AND code = {c}"));
        }
        None => {
            let n = sql.arg(Arg::Text(e.name.clone()));
            sql.push(&format!(" AND code IS NULL AND name = {n}"));
        }
    }
    let rows = sql
        .query(dialect)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?;
    match rows.len() {
        0 => Ok(None),
        1 => Ok(Some(EntityId(get(&rows[0], "id")?))),
        _ => Err(StoreError::invalid(format!(
            "有{}个没有代码的{}都叫“{}”，请补充代码以区分",
            rows.len(),
            e.kind.label_zh(),
            e.name
        ))),
    }
}

async fn write_side_tables(conn: &mut AnyConnection, id: i64, e: &NewEntity) -> StoreResult<()> {
    for table in ["entity_aliases", "entity_groups"] {
        let sql = format!("DELETE FROM {table} WHERE entity_id = $1");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
    }
    sqlx::query("DELETE FROM entity_links WHERE child_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
    for (pos, a) in e.aliases.iter().enumerate() {
        sqlx::query("INSERT INTO entity_aliases (entity_id, alias, position) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(a.clone())
            .bind(pos as i64)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
    }
    for (pos, g) in e.groups.iter().enumerate() {
        sqlx::query(
            "INSERT INTO entity_groups (entity_id, group_name, position) VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(g.clone())
        .bind(pos as i64)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
    }
    for l in &e.parents {
        sqlx::query("INSERT INTO entity_links (child_id, parent_id, valid_from, valid_to) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(l.parent.0)
            .bind(l.valid_from.map(date))
            .bind(l.valid_to.map(date))
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}

async fn exists(conn: &mut AnyConnection, id: EntityId) -> StoreResult<bool> {
    let rows = sqlx::query("SELECT id FROM entities WHERE id = $1")
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?;
    Ok(!rows.is_empty())
}

pub(crate) async fn upsert(
    store: &SqlStore,
    items: &[EntityUpsert],
    ctx: &ChangeContext,
) -> StoreResult<Vec<(EntityId, EntityChange)>> {
    let dialect = store.dialect;
    let mut tx = store
        .pool
        .begin_with(store.dialect.begin_write())
        .await
        .map_err(map_err)?;
    let mut out: Vec<(EntityId, EntityChange)> = Vec::with_capacity(items.len());
    let now = ts(ctx.at);
    for (i, item) in items.iter().enumerate() {
        let mut data = item.entity.clone();
        data.parents.clear();
        for (p, from, to) in &item.parents {
            let parent = match *p {
                ParentRef::Existing(id) => {
                    if !exists(&mut tx, id).await? {
                        return Err(StoreError::invalid(format!(
                            "“{}”的上级（编号{}）不存在",
                            data.name, id
                        )));
                    }
                    id
                }
                ParentRef::Earlier(j) if j < i => out[j].0,
                ParentRef::Earlier(j) => {
                    return Err(StoreError::invalid(format!(
                        "“{}”的上级须排在它之前（第{}项）",
                        data.name,
                        j + 1
                    )));
                }
            };
            let link = ParentLink::new(parent, *from, *to)
                .map_err(|e| StoreError::invalid(e.to_string()))?;
            let name = data.name.clone();
            data = data
                .with_parent(link)
                .map_err(|e| StoreError::invalid(format!("“{name}”：{e}")))?;
        }
        let attrs =
            serde_json::to_string(&data.attrs).map_err(|e| StoreError::invalid(e.to_string()))?;
        match find_existing(&mut tx, dialect, &data).await? {
            None => {
                let row = sqlx::query(
                    "INSERT INTO entities (kind, code, name, level, attrs, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                )
                .bind(data.kind.as_str())
                .bind(data.code.as_ref().map(|c| c.as_str().to_string()))
                .bind(data.name.clone())
                .bind(i64::from(data.level))
                .bind(attrs)
                .bind(now.clone())
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                let id: i64 = get(&row, "id")?;
                write_side_tables(&mut tx, id, &data).await?;
                out.push((EntityId(id), EntityChange::Inserted));
            }
            Some(id) => {
                let current = load(&mut tx, dialect, Some(&[id])).await?;
                // Redistricting keeps history: the new links are laid over the stored ones.
                if let Some(c) = current.first() {
                    data.parents = merge_parent_links(&c.data.parents, &data.parents);
                }
                if current.first().is_some_and(|c| same_entity(&c.data, &data)) {
                    out.push((id, EntityChange::Unchanged));
                    continue;
                }
                sqlx::query("UPDATE entities SET name = $1, level = $2, attrs = $3, updated_at = $4 WHERE id = $5")
                    .bind(data.name.clone())
                    .bind(i64::from(data.level))
                    .bind(attrs)
                    .bind(now.clone())
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                write_side_tables(&mut tx, id.0, &data).await?;
                out.push((id, EntityChange::Updated));
            }
        }
    }
    tx.commit().await.map_err(map_err)?;
    Ok(out)
}

/// `root` and its descendants by the links valid on `date` (or the current, open-ended links).
pub(crate) async fn subtree(
    pool: &AnyPool,
    dialect: Dialect,
    root: EntityId,
    date_at: Option<NaiveDate>,
) -> StoreResult<Vec<EntityId>> {
    let mut sql = Sql::new("");
    let r = sql.arg(Arg::I64(root.0));
    let cond = match date_at {
        Some(d) => {
            let p = sql.arg(Arg::Text(date(d)));
            format!(
                "(l.valid_from IS NULL OR l.valid_from <= {p}) AND (l.valid_to IS NULL OR l.valid_to > {p})"
            )
        }
        None => "l.valid_to IS NULL".to_string(),
    };
    sql.push(&format!(
        "WITH RECURSIVE sub(id) AS (SELECT id FROM entities WHERE id = {r} \
         UNION SELECT l.child_id FROM entity_links l JOIN sub ON l.parent_id = sub.id WHERE {cond}) \
         SELECT id FROM sub ORDER BY id"
    ));
    let rows = sql.query(dialect).fetch_all(pool).await.map_err(map_err)?;
    rows.iter()
        .map(|r| get::<i64>(r, "id").map(EntityId))
        .collect()
}

/// SQL for "the current subtree of `root`", to embed as `x IN (…)`.
pub(crate) fn subtree_sql(sql: &mut Sql, root: EntityId) -> String {
    subtree_sql_at(sql, root, None)
}

/// SQL for "the subtree of `root` by the links valid on `date`" (the current links without a
/// date), to embed as `x IN (…)`: a 2024 period places a unit under its 2024 parent.
pub(crate) fn subtree_sql_at(sql: &mut Sql, root: EntityId, date_at: Option<NaiveDate>) -> String {
    let r = sql.arg(Arg::I64(root.0));
    let cond = match date_at {
        Some(d) => {
            let p = sql.arg(Arg::Text(date(d)));
            format!(
                "(l.valid_from IS NULL OR l.valid_from <= {p}) AND (l.valid_to IS NULL OR l.valid_to > {p})"
            )
        }
        None => "l.valid_to IS NULL".to_string(),
    };
    format!(
        "(WITH RECURSIVE sub(id) AS (SELECT id FROM entities WHERE id = {r} \
         UNION SELECT l.child_id FROM entity_links l JOIN sub ON l.parent_id = sub.id WHERE {cond}) \
         SELECT id FROM sub)"
    )
}

pub(crate) async fn list(
    store: &SqlStore,
    f: &EntityFilter,
    page: Page,
) -> StoreResult<Paged<Entity>> {
    let dialect = store.dialect;
    let mut sql = Sql::new("");
    let mut conds: Vec<String> = Vec::new();
    if let Some(k) = f.kind {
        conds.push(format!(
            "e.kind = {}",
            sql.arg(Arg::Text(k.as_str().into()))
        ));
    }
    if let Some(l) = f.level {
        conds.push(format!("e.level = {}", sql.arg(Arg::I64(i64::from(l)))));
    }
    if let Some(p) = f.parent {
        let ph = sql.arg(Arg::I64(p.0));
        conds.push(format!("e.id IN (SELECT child_id FROM entity_links WHERE parent_id = {ph} AND valid_to IS NULL)"));
    }
    if let Some(root) = f.subtree {
        let sub = subtree_sql(&mut sql, root);
        conds.push(format!("e.id IN {sub}"));
    }
    if let Some(g) = &f.group {
        let ph = sql.arg(Arg::Text(g.clone()));
        conds.push(format!(
            "e.id IN (SELECT entity_id FROM entity_groups WHERE group_name = {ph})"
        ));
    }
    if let Some(q) = &f.name_contains {
        let pattern = format!(
            "%{}%",
            q.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let ph = sql.arg(Arg::Text(pattern));
        conds.push(format!(
            "(e.name LIKE {ph} ESCAPE '\\' OR e.id IN (SELECT entity_id FROM entity_aliases WHERE alias LIKE {ph} ESCAPE '\\'))"
        ));
    }
    let where_ = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };

    let mut count = Sql {
        text: format!("SELECT COUNT(*) AS n FROM entities e{where_}"),
        args: sql.args.clone(),
    };
    let total: i64 = get(
        &count
            .query(dialect)
            .fetch_one(&store.pool)
            .await
            .map_err(map_err)?,
        "n",
    )?;
    let lim = count.arg(Arg::I64(i64::from(page.limit)));
    let off = count.arg(Arg::I64(i64::try_from(page.offset).unwrap_or(i64::MAX)));
    count.text =
        format!("SELECT e.id AS id FROM entities e{where_} ORDER BY e.id LIMIT {lim} OFFSET {off}");
    let rows = count
        .query(dialect)
        .fetch_all(&store.pool)
        .await
        .map_err(map_err)?;
    let ids: Vec<EntityId> = rows
        .iter()
        .map(|r| get::<i64>(r, "id").map(EntityId))
        .collect::<Result<_, _>>()?;
    let mut conn = store.pool.acquire().await.map_err(map_err)?;
    let items = if ids.is_empty() {
        Vec::new()
    } else {
        load(&mut conn, dialect, Some(&ids)).await?
    };
    Ok(Paged {
        items,
        total: total as u64,
        limit: page.limit,
        offset: page.offset,
    })
}
