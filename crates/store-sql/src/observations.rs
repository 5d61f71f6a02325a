//! Observations: the batched, audited apply path and the reads.

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool};
use yiping_kernel::{
    EntityId, IndicatorId, Measure, Observation, ObservationKey, ObservationStatus,
    ObservationValue, Period, diff_observations,
};
use yiping_store::{
    ApplyOptions, ApplyReport, AuditEntry, ChangeContext, ObservationFilter, Page, Paged,
    StoreError, StoreResult,
};

use crate::args::{Arg, Sql};
use crate::entities::{subtree_sql, subtree_sql_at};
use crate::rows::{get, parse, parse_ts, ts};
use crate::{Dialect, SqlStore, map_err};

/// Rows per multi-row statement: 6 values each, well under SQLite's 32,766 and PostgreSQL's
/// 65,535 placeholders.
const CHUNK: usize = 2000;

type Existing = rustc_hash::FxHashMap<ObservationKey, (ObservationValue, i64)>;

fn value_of(status: &str, value: f64) -> StoreResult<ObservationValue> {
    let st = parse(
        "observations.status",
        status,
        ObservationStatus::parse(status),
    )?;
    parse(
        "observations.value",
        &value.to_string(),
        ObservationValue::new(value, st),
    )
}

/// Reads the stored values of the keys in `batch`, one query per (indicator, period).
async fn read_existing(
    conn: &mut AnyConnection,
    dialect: Dialect,
    batch: &[(ObservationKey, ObservationValue)],
) -> StoreResult<Existing> {
    let mut groups: BTreeMap<(IndicatorId, Period), Vec<EntityId>> = BTreeMap::new();
    for (k, _) in batch {
        groups
            .entry((k.indicator, k.period))
            .or_default()
            .push(k.entity);
    }
    let wanted: rustc_hash::FxHashSet<ObservationKey> = batch.iter().map(|(k, _)| *k).collect();
    let mut out = Existing::default();
    for ((indicator, period), mut ents) in groups {
        ents.sort();
        ents.dedup();
        let mut sql = Sql::new(
            "SELECT entity_id, measure, value, status, revision FROM observations WHERE indicator_id = ",
        );
        let i = sql.arg(Arg::I64(indicator.0));
        let p = sql.arg(Arg::Text(period.code()));
        sql.push(&format!("{i} AND period = {p}"));
        // Narrow by entity when the list is short; otherwise read the column and filter here.
        if ents.len() <= 500 {
            let list = sql.in_list(ents.iter().map(|e| e.0));
            sql.push(&format!(" AND entity_id IN {list}"));
        }
        sql.push(dialect.lock_rows());
        for row in sql
            .query(dialect)
            .fetch_all(&mut *conn)
            .await
            .map_err(map_err)?
        {
            let m: String = get(&row, "measure")?;
            let key = ObservationKey {
                entity: EntityId(get(&row, "entity_id")?),
                indicator,
                period,
                measure: parse("observations.measure", &m, Measure::parse(&m))?,
            };
            if wanted.contains(&key) {
                let status: String = get(&row, "status")?;
                let v = value_of(&status, get(&row, "value")?)?;
                out.insert(key, (v, get(&row, "revision")?));
            }
        }
    }
    Ok(out)
}

/// Refuses a batch that names an entity or indicator that does not exist (the observations
/// table has no foreign keys; see the migration).
async fn check_references(
    conn: &mut AnyConnection,
    dialect: Dialect,
    batch: &[(ObservationKey, ObservationValue)],
) -> StoreResult<()> {
    let mut entities: Vec<i64> = batch.iter().map(|(k, _)| k.entity.0).collect();
    let mut indicators: Vec<i64> = batch.iter().map(|(k, _)| k.indicator.0).collect();
    for (table, what, ids) in [
        ("entities", "主体", &mut entities),
        ("indicators", "指标", &mut indicators),
    ] {
        ids.sort_unstable();
        ids.dedup();
        for chunk in ids.chunks(5000) {
            let mut sql = Sql::new(&format!("SELECT id FROM {table} WHERE id IN "));
            let list = sql.in_list(chunk.iter().copied());
            sql.push(&list);
            let found: rustc_hash::FxHashSet<i64> = sql
                .query(dialect)
                .fetch_all(&mut *conn)
                .await
                .map_err(map_err)?
                .iter()
                .map(|r| get::<i64>(r, "id"))
                .collect::<StoreResult<_>>()?;
            if let Some(missing) = chunk.iter().find(|id| !found.contains(id)) {
                return Err(StoreError::invalid(format!(
                    "引用的{what}（编号{missing}）不存在，整批数据未写入"
                )));
            }
        }
    }
    Ok(())
}

/// Rows per bulk statement.
const JSON_CHUNK: usize = 10_000;

/// Writes rows as `INSERT … SELECT … ON CONFLICT DO UPDATE` statements whose rows arrive as one
/// JSON array parameter (`[[entity, indicator, period, measure, value, status, revision], …]`),
/// unpacked by the database (`json_each` / `json_array_elements`). One parameter per ten thousand
/// rows instead of seven per row: binding, not writing, was the cost of a bulk load. Values go
/// through JSON as their shortest round-trip decimal, which both databases parse back exactly
/// (the conformance suite checks bit equality).
#[allow(clippy::enum_glob_use)]
async fn write_rows(
    conn: &mut AnyConnection,
    dialect: Dialect,
    rows: &[(ObservationKey, ObservationValue, i64)],
    new_keys: bool,
    ctx: &ChangeContext,
) -> StoreResult<()> {
    use crate::ColumnType::{Int, Real, Text};
    let at = ts(ctx.at);
    const COLUMNS: &str = "observations (entity_id, indicator_id, period, measure, value, status, revision, source, changed_by, changed_at) ";
    // Rows the diff found new are plain inserts: a conflict means another writer got there first,
    // and the whole import must fail. On SQLite, OR ROLLBACK says so and spares the statement
    // journal that an upsert keeps for every page it touches (a third of the write time).
    let insert = match (new_keys, dialect) {
        (true, Dialect::Sqlite) => format!("INSERT OR ROLLBACK INTO {COLUMNS}"),
        _ => format!("INSERT INTO {COLUMNS}"),
    };
    let insert = insert.as_str();
    let upsert = if new_keys {
        ""
    } else {
        " ON CONFLICT (indicator_id, period, measure, entity_id) DO UPDATE SET value = excluded.value, \
         status = excluded.status, revision = excluded.revision, source = excluded.source, \
         changed_by = excluded.changed_by, changed_at = excluded.changed_at"
    };
    if dialect == Dialect::Sqlite {
        // SQLite's text-to-real conversion is not exact for every double (1e-300 comes back one
        // unit off), so SQLite gets every value as a bound parameter: multi-row VALUES with
        // positional placeholders (see `Sql::query`).
        for chunk in rows.chunks(CHUNK) {
            let mut sql = Sql::new(insert);
            sql.push("VALUES ");
            for (n, (k, v, rev)) in chunk.iter().enumerate() {
                if n > 0 {
                    sql.push(", ");
                }
                let ph = [
                    sql.arg(Arg::I64(k.entity.0)),
                    sql.arg(Arg::I64(k.indicator.0)),
                    sql.arg(Arg::Text(k.period.code())),
                    sql.arg(Arg::Text(k.measure.as_str().into())),
                    sql.arg(Arg::F64(v.value())),
                    sql.arg(Arg::Text(v.status.as_str().into())),
                    sql.arg(Arg::I64(*rev)),
                    sql.arg(Arg::Text(ctx.source.clone())),
                    sql.arg(Arg::Text(ctx.actor.clone())),
                    sql.arg(Arg::Text(at.clone())),
                ];
                sql.push(&format!("({})", ph.join(", ")));
            }
            sql.push(upsert);
            sql.query(dialect)
                .execute(&mut *conn)
                .await
                .map_err(map_err)?;
        }
        return Ok(());
    }
    let select = dialect.json_rows_select(
        &[Int, Int, Text, Text, Real, Text, Int],
        &["$2", "$3", "$4"],
    );
    let statement = format!("{insert}{select}{upsert}");
    let mut json = String::with_capacity(JSON_CHUNK.min(rows.len()) * 64);
    for chunk in rows.chunks(JSON_CHUNK) {
        json.clear();
        json.push('[');
        for (n, (k, v, rev)) in chunk.iter().enumerate() {
            if n > 0 {
                json.push(',');
            }
            let row = (
                k.entity.0,
                k.indicator.0,
                k.period.code(),
                k.measure.as_str(),
                v.value(),
                v.status.as_str(),
                rev,
            );
            json.push_str(
                &serde_json::to_string(&row).map_err(|e| StoreError::invalid(e.to_string()))?,
            );
        }
        json.push(']');
        let mut sql = Sql::new(&statement);
        sql.arg(Arg::Text(std::mem::take(&mut json)));
        sql.arg(Arg::Text(ctx.source.clone()));
        sql.arg(Arg::Text(ctx.actor.clone()));
        sql.arg(Arg::Text(at.clone()));
        sql.query(dialect)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
        if let Some(Arg::Text(buf)) = sql.args.into_iter().next() {
            json = buf;
        }
    }
    Ok(())
}

async fn write_audit(
    conn: &mut AnyConnection,
    dialect: Dialect,
    updates: &[yiping_kernel::Update],
    ctx: &ChangeContext,
) -> StoreResult<()> {
    let at = ts(ctx.at);
    for chunk in updates.chunks(CHUNK / 2) {
        let mut sql = Sql::new(
            "INSERT INTO observation_audit (entity_id, indicator_id, period, measure, old_value, new_value, \
             old_status, new_status, revision, source, changed_by, changed_at) VALUES ",
        );
        sql.arg(Arg::Text(ctx.source.clone()));
        sql.arg(Arg::Text(ctx.actor.clone()));
        sql.arg(Arg::Text(at.clone()));
        let mut values = Vec::with_capacity(chunk.len());
        for u in chunk {
            let ph = [
                sql.arg(Arg::I64(u.key.entity.0)),
                sql.arg(Arg::I64(u.key.indicator.0)),
                sql.arg(Arg::Text(u.key.period.code())),
                sql.arg(Arg::Text(u.key.measure.as_str().into())),
                sql.arg(Arg::OptF64(Some(u.old.value()))),
                sql.arg(Arg::F64(u.new.value())),
                sql.arg(Arg::OptText(Some(u.old.status.as_str().into()))),
                sql.arg(Arg::Text(u.new.status.as_str().into())),
                sql.arg(Arg::I64(u.old_revision + 1)),
            ];
            values.push(format!("({}, $1, $2, $3)", ph.join(", ")));
        }
        sql.push(&values.join(", "));
        sql.query(dialect)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
    }
    Ok(())
}

pub(crate) async fn apply(
    store: &SqlStore,
    batch: &[(ObservationKey, ObservationValue)],
    ctx: &ChangeContext,
    opts: ApplyOptions,
) -> StoreResult<ApplyReport> {
    let dry_run = opts.dry_run;
    let mut seen = rustc_hash::FxHashSet::default();
    seen.reserve(batch.len());
    if let Some((k, _)) = batch.iter().find(|(k, _)| !seen.insert(*k)) {
        return Err(StoreError::invalid(format!(
            "同一批数据中重复出现：主体{} 指标{} 时期{} {}",
            k.entity,
            k.indicator,
            k.period,
            k.measure.label_zh()
        )));
    }
    let mut tx = store
        .pool
        .begin_with(store.dialect.begin_write())
        .await
        .map_err(map_err)?;
    check_references(&mut tx, store.dialect, batch).await?;
    let existing = read_existing(&mut tx, store.dialect, batch).await?;
    let changes = diff_observations(&existing, batch, opts.status);
    let approved_changes: Vec<_> = changes
        .updates
        .iter()
        .filter(|u| u.old.status == ObservationStatus::Approved)
        .cloned()
        .collect();
    let refused = opts.keep_approved && !approved_changes.is_empty();
    let report = ApplyReport {
        inserted: changes.inserts.len(),
        updated: changes.updates.len(),
        unchanged: changes.unchanged,
        sample_updates: changes.updates.iter().take(50).cloned().collect(),
        approved_changes,
        dry_run,
        pending: None,
    };
    if dry_run || refused || changes.is_empty() {
        tx.rollback().await.map_err(map_err)?;
        return Ok(report);
    }
    // In key order, new rows extend the B-tree at a few points instead of landing on random
    // pages (at a million rows the difference is the database no longer fitting in the cache).
    let mut inserts: Vec<(ObservationKey, ObservationValue, i64)> =
        changes.inserts.iter().map(|(k, v)| (*k, *v, 1)).collect();
    inserts.sort_unstable_by_key(|(k, _, _)| (k.indicator, k.period, k.measure, k.entity));
    write_rows(&mut tx, store.dialect, &inserts, true, ctx).await?;
    let mut updates: Vec<(ObservationKey, ObservationValue, i64)> = changes
        .updates
        .iter()
        .map(|u| (u.key, u.new, u.old_revision + 1))
        .collect();
    updates.sort_unstable_by_key(|(k, _, _)| (k.indicator, k.period, k.measure, k.entity));
    write_rows(&mut tx, store.dialect, &updates, false, ctx).await?;
    write_audit(&mut tx, store.dialect, &changes.updates, ctx).await?;
    let mut report = report;
    if let Some(follow_up) = &ctx.follow_up {
        let changed: Vec<ObservationKey> = changes
            .inserts
            .iter()
            .map(|(k, _)| *k)
            .chain(changes.updates.iter().map(|u| u.key))
            .collect();
        report.pending =
            Some(crate::pending::record(&mut tx, follow_up, ctx, &changed, &[]).await?);
    }
    tx.commit().await.map_err(map_err)?;
    Ok(report)
}

fn observation_from_row(row: &AnyRow) -> StoreResult<Observation> {
    let period: String = get(row, "period")?;
    let measure: String = get(row, "measure")?;
    let status: String = get(row, "status")?;
    let at: String = get(row, "changed_at")?;
    Ok(Observation {
        key: ObservationKey {
            entity: EntityId(get(row, "entity_id")?),
            indicator: IndicatorId(get(row, "indicator_id")?),
            period: parse("observations.period", &period, Period::parse_code(&period))?,
            measure: parse("observations.measure", &measure, Measure::parse(&measure))?,
        },
        value: value_of(&status, get(row, "value")?)?,
        source: get(row, "source")?,
        revision: get(row, "revision")?,
        changed_by: get(row, "changed_by")?,
        changed_at: parse_ts("observations.changed_at", &at)?,
    })
}

pub(crate) async fn list(
    pool: &AnyPool,
    dialect: Dialect,
    f: &ObservationFilter,
    page: Page,
) -> StoreResult<Paged<Observation>> {
    let mut sql = Sql::new("");
    let mut conds = Vec::new();
    if let Some(ids) = &f.entities {
        let list = sql.in_list(ids.iter().map(|e| e.0));
        conds.push(format!("entity_id IN {list}"));
    }
    match (f.subtree, &f.periods) {
        // Each period's values by the hierarchy of its last day (redistricting keeps history).
        (Some(root), Some(ps)) if !ps.is_empty() => {
            let parts: Vec<String> = ps
                .iter()
                .map(|p| {
                    let code = sql.arg(Arg::Text(p.code()));
                    let sub = subtree_sql_at(&mut sql, root, Some(p.last_day()));
                    format!("(period = {code} AND entity_id IN {sub})")
                })
                .collect();
            conds.push(format!("({})", parts.join(" OR ")));
        }
        (Some(root), _) => {
            let sub = subtree_sql(&mut sql, root);
            conds.push(format!("entity_id IN {sub}"));
        }
        (None, _) => {}
    }
    if let Some(ids) = &f.indicators {
        let list = sql.in_list(ids.iter().map(|i| i.0));
        conds.push(format!("indicator_id IN {list}"));
    }
    if let Some(ps) = &f.periods {
        let ph: Vec<String> = ps.iter().map(|p| sql.arg(Arg::Text(p.code()))).collect();
        conds.push(if ph.is_empty() {
            "1 = 0".into()
        } else {
            format!("period IN ({})", ph.join(", "))
        });
    }
    if let Some(m) = f.measure {
        conds.push(format!(
            "measure = {}",
            sql.arg(Arg::Text(m.as_str().into()))
        ));
    }
    if let Some(s) = f.status {
        conds.push(format!(
            "status = {}",
            sql.arg(Arg::Text(s.as_str().into()))
        ));
    }
    let where_ = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    sql.text = format!("SELECT COUNT(*) AS n FROM observations{where_}");
    let total: i64 = get(
        &sql.query(dialect).fetch_one(pool).await.map_err(map_err)?,
        "n",
    )?;
    let lim = sql.arg(Arg::I64(i64::from(page.limit)));
    let off = sql.arg(Arg::I64(i64::try_from(page.offset).unwrap_or(i64::MAX)));
    sql.text = format!(
        "SELECT entity_id, indicator_id, period, measure, value, status, revision, source, changed_by, changed_at \
         FROM observations{where_} ORDER BY indicator_id, period, entity_id, measure LIMIT {lim} OFFSET {off}"
    );
    let rows = sql.query(dialect).fetch_all(pool).await.map_err(map_err)?;
    let items = rows
        .iter()
        .map(observation_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Paged {
        items,
        total: total as u64,
        limit: page.limit,
        offset: page.offset,
    })
}

pub(crate) async fn slice(
    pool: &AnyPool,
    indicator: IndicatorId,
    period: Period,
    measure: Measure,
) -> StoreResult<Vec<(EntityId, ObservationValue)>> {
    let rows = sqlx::query(
        "SELECT entity_id, value, status FROM observations WHERE indicator_id = $1 AND period = $2 AND measure = $3 ORDER BY entity_id",
    )
    .bind(indicator.0)
    .bind(period.code())
    .bind(measure.as_str())
    .fetch_all(pool)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|r| {
            let status: String = get(r, "status")?;
            Ok((
                EntityId(get(r, "entity_id")?),
                value_of(&status, get(r, "value")?)?,
            ))
        })
        .collect()
}

pub(crate) async fn audit(
    pool: &AnyPool,
    key: &ObservationKey,
    page: Page,
) -> StoreResult<Paged<AuditEntry>> {
    const WHERE: &str =
        "WHERE entity_id = $1 AND indicator_id = $2 AND period = $3 AND measure = $4";
    let bind = |q: sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments>| {
        q.bind(key.entity.0)
            .bind(key.indicator.0)
            .bind(key.period.code())
            .bind(key.measure.as_str())
    };
    let n = bind(sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n FROM observation_audit {WHERE}"
    ))))
    .fetch_one(pool)
    .await
    .map_err(map_err)?;
    let total: i64 = get(&n, "n")?;
    let rows = bind(sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT old_value, new_value, old_status, new_status, revision, source, changed_by, changed_at \
         FROM observation_audit {WHERE} ORDER BY id DESC LIMIT $5 OFFSET $6"
    ))))
    .bind(i64::from(page.limit))
    .bind(i64::try_from(page.offset).unwrap_or(i64::MAX))
    .fetch_all(pool)
    .await
    .map_err(map_err)?;
    let items = rows
        .iter()
        .map(|r| {
            let old_status: Option<String> = get(r, "old_status")?;
            let new_status: String = get(r, "new_status")?;
            let at: String = get(r, "changed_at")?;
            Ok(AuditEntry {
                key: *key,
                old_value: get(r, "old_value")?,
                new_value: get(r, "new_value")?,
                old_status: old_status
                    .map(|s| {
                        parse(
                            "observation_audit.old_status",
                            &s,
                            ObservationStatus::parse(&s),
                        )
                    })
                    .transpose()?,
                new_status: parse(
                    "observation_audit.new_status",
                    &new_status,
                    ObservationStatus::parse(&new_status),
                )?,
                revision: get(r, "revision")?,
                changed_by: get(r, "changed_by")?,
                changed_at: parse_ts("observation_audit.changed_at", &at)?,
                source: get(r, "source")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Paged {
        items,
        total: total as u64,
        limit: page.limit,
        offset: page.offset,
    })
}
