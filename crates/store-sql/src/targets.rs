//! Annual targets.

use sqlx::AnyPool;
use yiping_kernel::{EntityId, IndicatorId, Target, TargetKind};
use yiping_store::{ChangeContext, StoreError, StoreResult, TargetFilter, UpsertReport};

use crate::args::{Arg, Sql};
use crate::rows::{get, parse, ts};
use crate::{Dialect, SqlStore, map_err};

fn schedule_text(t: &Target) -> StoreResult<Option<String>> {
    t.schedule()
        .map(|s| serde_json::to_string(s).map_err(|e| StoreError::invalid(e.to_string())))
        .transpose()
}

pub(crate) async fn upsert(
    store: &SqlStore,
    targets: &[Target],
    ctx: &ChangeContext,
) -> StoreResult<UpsertReport> {
    let mut tx = store
        .pool
        .begin_with(store.dialect.begin_write())
        .await
        .map_err(map_err)?;
    let now = ts(ctx.at);
    let mut report = UpsertReport::default();
    let mut changed = std::collections::BTreeSet::new();
    for t in targets {
        let schedule = schedule_text(t)?;
        let current = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT value, schedule FROM targets WHERE entity_id = $1 AND indicator_id = $2 AND year = $3 AND kind = $4{}",
            store.dialect.lock_rows()
        )))
        .bind(t.entity.0)
        .bind(t.indicator.0)
        .bind(i64::from(t.year))
        .bind(t.kind.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        match current {
            Some(row) => {
                let value: f64 = get(&row, "value")?;
                let old_schedule: Option<String> = get(&row, "schedule")?;
                if value == t.value && old_schedule == schedule {
                    report.unchanged += 1;
                    continue;
                }
                sqlx::query(
                    "UPDATE targets SET value = $1, schedule = $2, changed_by = $3, changed_at = $4 \
                     WHERE entity_id = $5 AND indicator_id = $6 AND year = $7 AND kind = $8",
                )
                .bind(t.value)
                .bind(schedule)
                .bind(ctx.actor.clone())
                .bind(now.clone())
                .bind(t.entity.0)
                .bind(t.indicator.0)
                .bind(i64::from(t.year))
                .bind(t.kind.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                report.updated += 1;
                changed.insert((t.indicator, t.year));
            }
            None => {
                sqlx::query(
                    "INSERT INTO targets (entity_id, indicator_id, year, kind, value, schedule, changed_by, changed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(t.entity.0)
                .bind(t.indicator.0)
                .bind(i64::from(t.year))
                .bind(t.kind.as_str())
                .bind(t.value)
                .bind(schedule)
                .bind(ctx.actor.clone())
                .bind(now.clone())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                report.inserted += 1;
                changed.insert((t.indicator, t.year));
            }
        }
    }
    if let Some(follow_up) = &ctx.follow_up
        && !changed.is_empty()
    {
        let changed: Vec<_> = changed.into_iter().collect();
        report.pending =
            Some(crate::pending::record(&mut tx, follow_up, ctx, &[], &changed).await?);
    }
    tx.commit().await.map_err(map_err)?;
    Ok(report)
}

pub(crate) async fn list(
    pool: &AnyPool,
    dialect: Dialect,
    f: &TargetFilter,
) -> StoreResult<Vec<Target>> {
    let mut sql = Sql::new("");
    let mut conds = Vec::new();
    if let Some(y) = f.year {
        conds.push(format!("year = {}", sql.arg(Arg::I64(i64::from(y)))));
    }
    if let Some(e) = f.entity {
        conds.push(format!("entity_id = {}", sql.arg(Arg::I64(e.0))));
    }
    if let Some(i) = f.indicator {
        conds.push(format!("indicator_id = {}", sql.arg(Arg::I64(i.0))));
    }
    if let Some(k) = f.kind {
        conds.push(format!("kind = {}", sql.arg(Arg::Text(k.as_str().into()))));
    }
    let where_ = if conds.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conds.join(" AND "))
    };
    sql.text = format!(
        "SELECT entity_id, indicator_id, year, kind, value, schedule FROM targets{where_} \
         ORDER BY year, indicator_id, entity_id, kind"
    );
    let rows = sql.query(dialect).fetch_all(pool).await.map_err(map_err)?;
    rows.iter()
        .map(|row| {
            let kind: String = get(row, "kind")?;
            let year: i64 = get(row, "year")?;
            let schedule: Option<String> = get(row, "schedule")?;
            let schedule = match schedule {
                Some(s) => Some(parse(
                    "targets.schedule",
                    &s,
                    serde_json::from_str::<Vec<f64>>(&s),
                )?),
                None => None,
            };
            let t = Target::new(
                EntityId(get(row, "entity_id")?),
                IndicatorId(get(row, "indicator_id")?),
                parse("targets.year", &year.to_string(), i32::try_from(year))?,
                parse("targets.kind", &kind, TargetKind::parse(&kind))?,
                get(row, "value")?,
                schedule,
            );
            parse("targets", "", t)
        })
        .collect()
}
