//! Indicators and their aliases.

use std::collections::HashMap;

use sqlx::AnyConnection;
use yiping_kernel::{
    Aggregation, Frequency, Indicator, IndicatorCode, IndicatorId, IndicatorKind, NewIndicator,
    Polarity, ValidRange,
};
use yiping_store::{ChangeContext, StoreResult, UpsertReport};

use crate::rows::{get, parse, ts};
use crate::{SqlStore, map_err};

pub(crate) async fn load(conn: &mut AnyConnection) -> StoreResult<Vec<Indicator>> {
    let rows = sqlx::query(
        "SELECT id, code, name, unit, frequency, kind, aggregation, polarity, decimals, definition, \
         owner_department, constraint_type, formula, valid_min, valid_max FROM indicators ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    let mut out = Vec::with_capacity(rows.len());
    let mut index = HashMap::new();
    for row in &rows {
        let text = |c: &str| get::<String>(row, c);
        let id: i64 = get(row, "id")?;
        let code = text("code")?;
        let freq = text("frequency")?;
        let kind = text("kind")?;
        let agg = text("aggregation")?;
        let pol = text("polarity")?;
        let decimals: i64 = get(row, "decimals")?;
        let data = NewIndicator {
            code: parse("indicators.code", &code, IndicatorCode::parse(&code))?,
            name: text("name")?,
            aliases: Vec::new(),
            unit: text("unit")?,
            frequency: parse("indicators.frequency", &freq, Frequency::parse(&freq))?,
            kind: parse("indicators.kind", &kind, IndicatorKind::parse(&kind))?,
            aggregation: parse("indicators.aggregation", &agg, Aggregation::parse(&agg))?,
            polarity: parse("indicators.polarity", &pol, Polarity::parse(&pol))?,
            decimals: parse(
                "indicators.decimals",
                &decimals.to_string(),
                u8::try_from(decimals),
            )?,
            definition: text("definition")?,
            owner_department: get(row, "owner_department")?,
            constraint: get(row, "constraint_type")?,
            formula: get(row, "formula")?,
            range: {
                let (min, max) = (get(row, "valid_min")?, get(row, "valid_max")?);
                parse(
                    "indicators.valid_min/valid_max",
                    &format!("{min:?}—{max:?}"),
                    ValidRange::new(min, max),
                )?
            },
        };
        index.insert(id, out.len());
        out.push(Indicator {
            id: IndicatorId(id),
            data,
        });
    }
    let aliases = sqlx::query(
        "SELECT indicator_id, alias FROM indicator_aliases ORDER BY indicator_id, position",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(map_err)?;
    for row in aliases {
        let id: i64 = get(&row, "indicator_id")?;
        if let Some(&i) = index.get(&id) {
            out[i].data.aliases.push(get(&row, "alias")?);
        }
    }
    Ok(out)
}

/// The SQL for the two bounds of a range after `last` placeholders: `$n` for a bound, `NULL`
/// for an open one. (sqlx's `Any` driver sends an absent `f64` to PostgreSQL as a `real`, which
/// PostgreSQL refuses for a `double precision` column; a literal NULL avoids binding it.)
fn range_placeholders(range: &ValidRange, last: usize) -> (String, String) {
    let mut n = last;
    let mut ph = |v: Option<f64>| match v {
        Some(_) => {
            n += 1;
            format!("${n}")
        }
        None => "NULL".to_string(),
    };
    let min = ph(range.min);
    (min, ph(range.max))
}

/// Binds the bounds [`range_placeholders`] made placeholders for.
trait BindBounds: Sized {
    fn bind_bounds(self, range: &ValidRange) -> Self;
}

impl<'q> BindBounds for sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    fn bind_bounds(self, range: &ValidRange) -> Self {
        [range.min, range.max]
            .into_iter()
            .flatten()
            .fold(self, |q, v| q.bind(v))
    }
}

pub(crate) async fn upsert(
    store: &SqlStore,
    items: &[NewIndicator],
    ctx: &ChangeContext,
) -> StoreResult<UpsertReport> {
    let mut tx = store
        .pool
        .begin_with(store.dialect.begin_write())
        .await
        .map_err(map_err)?;
    let existing: HashMap<String, Indicator> = load(&mut tx)
        .await?
        .into_iter()
        .map(|i| (i.data.code.as_str().to_string(), i))
        .collect();
    let now = ts(ctx.at);
    let mut report = UpsertReport::default();
    for ind in items {
        let id = match existing.get(ind.code.as_str()) {
            Some(old) if old.data == *ind => {
                report.unchanged += 1;
                continue;
            }
            Some(old) => {
                let (min, max) = range_placeholders(&ind.range, 13);
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE indicators SET name = $1, unit = $2, frequency = $3, kind = $4, aggregation = $5, \
                     polarity = $6, decimals = $7, definition = $8, owner_department = $9, constraint_type = $10, \
                     formula = $11, updated_at = $12, valid_min = {min}, valid_max = {max} WHERE id = $13",
                )))
                .bind(ind.name.clone())
                .bind(ind.unit.clone())
                .bind(ind.frequency.as_str())
                .bind(ind.kind.as_str())
                .bind(ind.aggregation.as_str())
                .bind(ind.polarity.as_str())
                .bind(i64::from(ind.decimals))
                .bind(ind.definition.clone())
                .bind(ind.owner_department.clone())
                .bind(ind.constraint.clone())
                .bind(ind.formula.clone())
                .bind(now.clone())
                .bind(old.id.0)
                .bind_bounds(&ind.range)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                sqlx::query("DELETE FROM indicator_aliases WHERE indicator_id = $1")
                    .bind(old.id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                report.updated += 1;
                old.id.0
            }
            None => {
                let (min, max) = range_placeholders(&ind.range, 13);
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO indicators (code, name, unit, frequency, kind, aggregation, polarity, decimals, \
                     definition, owner_department, constraint_type, formula, created_at, updated_at, \
                     valid_min, valid_max) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, {min}, {max}) RETURNING id",
                )))
                .bind(ind.code.as_str().to_string())
                .bind(ind.name.clone())
                .bind(ind.unit.clone())
                .bind(ind.frequency.as_str())
                .bind(ind.kind.as_str())
                .bind(ind.aggregation.as_str())
                .bind(ind.polarity.as_str())
                .bind(i64::from(ind.decimals))
                .bind(ind.definition.clone())
                .bind(ind.owner_department.clone())
                .bind(ind.constraint.clone())
                .bind(ind.formula.clone())
                .bind(now.clone())
                .bind_bounds(&ind.range)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
                report.inserted += 1;
                get::<i64>(&row, "id")?
            }
        };
        for (pos, a) in ind.aliases.iter().enumerate() {
            sqlx::query(
                "INSERT INTO indicator_aliases (indicator_id, alias, position) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(a.clone())
            .bind(pos as i64)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
    }
    tx.commit().await.map_err(map_err)?;
    Ok(report)
}
