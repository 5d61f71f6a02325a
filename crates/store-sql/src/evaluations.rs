//! Evaluation schemes and stored results: scheme versions keyed by (code, year), one header per
//! (scheme, period) and one row per entity, replaced whole in one transaction (bulk rows as
//! multi-row `INSERT`s).
//!
//! A run's metadata and a row's breakdown are JSON text in their columns (`evaluations.meta`,
//! `evaluation_results.breakdown`): encoded here from the store's types and decoded here on every
//! read, so a row that does not decode is `Corrupt` with the scheme, period and entity named,
//! never an empty table further up.

use sqlx::AnyPool;
use sqlx::any::AnyRow;
use yiping_eval::{GradeChange, RankMove};
use yiping_kernel::{EntityId, Frequency, Period};
use yiping_store::{
    BreakdownItem, ChangeContext, EntityChange, EvaluationPage, EvaluationRow, EvaluationRun,
    NewScheme, Page, Paged, ResultFilter, ResultHistoryEntry, ResultSlice, RunMeta, StoreError,
    StoreResult, StoredScheme,
};

use crate::args::{Arg, Sql};
use crate::rows::{date, get, parse, parse_ts, ts};
use crate::{Dialect, SqlStore, map_err};

/// Rows per multi-row statement: at most 17 placeholders a row (NULLs are written as literals),
/// well under SQLite's 32,766 and PostgreSQL's 65,535.
const CHUNK: usize = 1000;

const SCHEME_COLUMNS: &str = "code, year, name, frequency, source, version, changed_by, updated_at";

fn scheme_from_row(row: &AnyRow) -> StoreResult<StoredScheme> {
    let year: i64 = get(row, "year")?;
    let frequency: String = get(row, "frequency")?;
    let at: String = get(row, "updated_at")?;
    Ok(StoredScheme {
        code: get(row, "code")?,
        year: parse("schemes.year", &year.to_string(), i32::try_from(year))?,
        name: get(row, "name")?,
        frequency: parse(
            "schemes.frequency",
            &frequency,
            Frequency::parse(&frequency),
        )?,
        source: get(row, "source")?,
        version: get(row, "version")?,
        changed_by: get(row, "changed_by")?,
        updated_at: parse_ts("schemes.updated_at", &at)?,
    })
}

pub(crate) async fn upsert_scheme(
    store: &SqlStore,
    s: &NewScheme,
    ctx: &ChangeContext,
) -> StoreResult<(StoredScheme, EntityChange)> {
    if s.code.trim().is_empty() {
        return Err(StoreError::invalid("方案代码为空"));
    }
    let mut tx = store
        .pool
        .begin_with(store.dialect.begin_write())
        .await
        .map_err(map_err)?;
    let now = ts(ctx.at);
    let current = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SCHEME_COLUMNS} FROM schemes WHERE code = $1 AND year = $2{}",
        store.dialect.lock_rows()
    )))
    .bind(s.code.clone())
    .bind(i64::from(s.year))
    .fetch_optional(&mut *tx)
    .await
    .map_err(map_err)?
    .map(|r| scheme_from_row(&r))
    .transpose()?;
    let change = match &current {
        Some(c) if c.name == s.name && c.frequency == s.frequency && c.source == s.source => {
            tx.rollback().await.map_err(map_err)?;
            return Ok((c.clone(), EntityChange::Unchanged));
        }
        Some(c) => {
            sqlx::query(
                "UPDATE schemes SET name = $1, frequency = $2, source = $3, version = $4, \
                 changed_by = $5, updated_at = $6 WHERE code = $7 AND year = $8",
            )
            .bind(s.name.clone())
            .bind(s.frequency.as_str())
            .bind(s.source.clone())
            .bind(c.version + 1)
            .bind(ctx.actor.clone())
            .bind(now.clone())
            .bind(s.code.clone())
            .bind(i64::from(s.year))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            EntityChange::Updated
        }
        None => {
            sqlx::query(
                "INSERT INTO schemes (code, year, name, frequency, source, version, changed_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $7)",
            )
            .bind(s.code.clone())
            .bind(i64::from(s.year))
            .bind(s.name.clone())
            .bind(s.frequency.as_str())
            .bind(s.source.clone())
            .bind(ctx.actor.clone())
            .bind(now.clone())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            EntityChange::Inserted
        }
    };
    tx.commit().await.map_err(map_err)?;
    let stored = StoredScheme {
        code: s.code.clone(),
        year: s.year,
        name: s.name.clone(),
        frequency: s.frequency,
        source: s.source.clone(),
        version: current.map_or(1, |c| c.version + 1),
        changed_by: ctx.actor.clone(),
        updated_at: ctx.at,
    };
    Ok((stored, change))
}

pub(crate) async fn schemes(pool: &AnyPool) -> StoreResult<Vec<StoredScheme>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SCHEME_COLUMNS} FROM schemes ORDER BY code, year"
    )))
    .fetch_all(pool)
    .await
    .map_err(map_err)?
    .iter()
    .map(scheme_from_row)
    .collect()
}

fn opt_int(sql: &mut Sql, v: Option<i64>) -> String {
    v.map_or_else(|| "NULL".to_string(), |x| sql.arg(Arg::I64(x)))
}

fn opt_text(sql: &mut Sql, v: Option<&str>) -> String {
    v.map_or_else(|| "NULL".to_string(), |x| sql.arg(Arg::Text(x.to_string())))
}

/// A move as its two columns: the kind and the signed places.
fn move_args(sql: &mut Sql, m: Option<RankMove>) -> (String, String) {
    match m {
        None => ("NULL".into(), "NULL".into()),
        Some(m) => (
            sql.arg(Arg::Text(m.as_str().into())),
            opt_int(sql, m.places()),
        ),
    }
}

pub(crate) async fn replace(
    store: &SqlStore,
    run: &EvaluationRun,
    rows: &[EvaluationRow],
) -> StoreResult<()> {
    let code = run.scheme.clone();
    let period = run.period.code();
    let at = ts(run.computed_at);
    let meta = serde_json::to_string(&run.meta)
        .map_err(|e| StoreError::invalid(format!("评价 {code} {period} 的元数据无法写出：{e}")))?;
    let mut tx = store
        .pool
        .begin_with(store.dialect.begin_write())
        .await
        .map_err(map_err)?;
    sqlx::query("DELETE FROM evaluation_results WHERE scheme_code = $1 AND period = $2")
        .bind(code.clone())
        .bind(period.clone())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    sqlx::query(
        "INSERT INTO evaluations (scheme_code, period, period_end, scheme_year, scheme_version, previous_period, \
         population, ranked, meta, computed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (scheme_code, period) DO UPDATE SET period_end = excluded.period_end, \
         scheme_year = excluded.scheme_year, scheme_version = excluded.scheme_version, \
         previous_period = excluded.previous_period, population = excluded.population, \
         ranked = excluded.ranked, meta = excluded.meta, computed_at = excluded.computed_at",
    )
    .bind(code.clone())
    .bind(period.clone())
    .bind(date(run.period.last_day()))
    .bind(i64::from(run.scheme_year))
    .bind(run.scheme_version)
    .bind(run.previous_period.map(|p| p.code()))
    .bind(i64::from(run.population))
    .bind(i64::from(run.ranked))
    .bind(meta)
    .bind(at.clone())
    .execute(&mut *tx)
    .await
    .map_err(map_err)?;
    for chunk in rows.chunks(CHUNK) {
        let mut sql = Sql::new(
            "INSERT INTO evaluation_results (scheme_code, period, computed_at, entity_id, entity_key, entity_name, \
             position, score, rank, cohort, cohort_rank, grade, colour, rank_move, rank_change, cohort_rank_move, \
             cohort_rank_change, grade_change, exempt, excluded, explanation, breakdown) VALUES ",
        );
        sql.arg(Arg::Text(code.clone()));
        sql.arg(Arg::Text(period.clone()));
        sql.arg(Arg::Text(at.clone()));
        let mut values = Vec::with_capacity(chunk.len());
        for r in chunk {
            let entity = sql.arg(Arg::I64(r.entity.0));
            let key = sql.arg(Arg::Text(r.entity_key.clone()));
            let name = sql.arg(Arg::Text(r.entity_name.clone()));
            let position = sql.arg(Arg::I64(i64::from(r.position)));
            let score = r
                .score
                .map_or_else(|| "NULL".to_string(), |s| sql.arg(Arg::F64(s)));
            let rank = opt_int(&mut sql, r.rank.map(i64::from));
            let cohort = opt_text(&mut sql, r.cohort.as_deref());
            let cohort_rank = opt_int(&mut sql, r.cohort_rank.map(i64::from));
            let grade = opt_text(&mut sql, r.grade.as_deref());
            let colour = opt_text(&mut sql, r.colour.as_deref());
            let (rm, rc) = move_args(&mut sql, r.rank_change);
            let (cm, cc) = move_args(&mut sql, r.cohort_rank_change);
            let gc = opt_text(&mut sql, r.grade_change.map(GradeChange::as_str));
            let explanation = sql.arg(Arg::Text(r.explanation.clone()));
            let mut text = String::with_capacity(2 + 40 * r.breakdown.len());
            BreakdownItem::write_json(&r.breakdown, &mut text);
            let breakdown = sql.arg(Arg::Text(text));
            values.push(format!(
                "($1, $2, $3, {entity}, {key}, {name}, {position}, {score}, {rank}, {cohort}, {cohort_rank}, \
                 {grade}, {colour}, {rm}, {rc}, {cm}, {cc}, {gc}, {}, {}, {explanation}, {breakdown})",
                i64::from(r.exempt),
                i64::from(r.excluded),
            ));
        }
        sql.push(&values.join(", "));
        sql.query(store.dialect)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
    }
    tx.commit().await.map_err(map_err)?;
    Ok(())
}

const RUN_COLUMNS: &str = "scheme_code, period, scheme_year, scheme_version, previous_period, population, ranked, meta, computed_at";

fn period_of(col: &str, raw: &str) -> StoreResult<Period> {
    parse(col, raw, Period::parse_code(raw))
}

fn u32_of(col: &str, v: i64) -> StoreResult<u32> {
    parse(col, &v.to_string(), u32::try_from(v))
}

fn run_from_row(row: &AnyRow) -> StoreResult<EvaluationRun> {
    let scheme: String = get(row, "scheme_code")?;
    let period: String = get(row, "period")?;
    let previous: Option<String> = get(row, "previous_period")?;
    let year: i64 = get(row, "scheme_year")?;
    let at: String = get(row, "computed_at")?;
    let meta: String = get(row, "meta")?;
    let meta: RunMeta = serde_json::from_str(&meta).map_err(|e| {
        StoreError::corrupt(format!(
            "评价 {scheme} {period} 的元数据（meta）无法读取：{e}"
        ))
    })?;
    Ok(EvaluationRun {
        period: period_of("evaluations.period", &period)?,
        scheme,
        scheme_year: parse(
            "evaluations.scheme_year",
            &year.to_string(),
            i32::try_from(year),
        )?,
        scheme_version: get(row, "scheme_version")?,
        previous_period: previous
            .map(|p| period_of("evaluations.previous_period", &p))
            .transpose()?,
        population: u32_of("evaluations.population", get(row, "population")?)?,
        ranked: u32_of("evaluations.ranked", get(row, "ranked")?)?,
        meta,
        computed_at: parse_ts("evaluations.computed_at", &at)?,
    })
}

const ROW_COLUMNS: &str = "period, entity_id, entity_key, entity_name, position, score, rank, cohort, cohort_rank, \
     grade, colour, rank_move, rank_change, cohort_rank_move, cohort_rank_change, grade_change, exempt, excluded, \
     explanation, breakdown";

fn move_from_row(row: &AnyRow, kind: &str, places: &str) -> StoreResult<Option<RankMove>> {
    let k: Option<String> = get(row, kind)?;
    let n: Option<i64> = get(row, places)?;
    k.map(|k| {
        RankMove::from_parts(&k, n)
            .ok_or_else(|| StoreError::corrupt(format!("列 {kind} 的值“{k}”无效")))
    })
    .transpose()
}

/// A result row of `scheme` (the query's; the period is a column).
fn row_from_row(row: &AnyRow, scheme: &str) -> StoreResult<EvaluationRow> {
    let opt_u32 = |col: &str| -> StoreResult<Option<u32>> {
        get::<Option<i64>>(row, col)?
            .map(|v| u32_of(col, v))
            .transpose()
    };
    let grade_change: Option<String> = get(row, "grade_change")?;
    let exempt: i64 = get(row, "exempt")?;
    let excluded: i64 = get(row, "excluded")?;
    let entity = EntityId(get(row, "entity_id")?);
    let entity_key: String = get(row, "entity_key")?;
    let breakdown: String = get(row, "breakdown")?;
    let breakdown: Vec<BreakdownItem> = serde_json::from_str(&breakdown).map_err(|e| {
        let period = get::<String>(row, "period").unwrap_or_default();
        StoreError::corrupt(format!(
            "评价 {scheme} {period} 中主体 {}（{entity_key}）的分项明细（breakdown）无法读取：{e}",
            entity.0
        ))
    })?;
    Ok(EvaluationRow {
        entity,
        entity_key,
        entity_name: get(row, "entity_name")?,
        position: u32_of("evaluation_results.position", get(row, "position")?)?,
        score: get(row, "score")?,
        rank: opt_u32("rank")?,
        cohort: get(row, "cohort")?,
        cohort_rank: opt_u32("cohort_rank")?,
        grade: get(row, "grade")?,
        colour: get(row, "colour")?,
        rank_change: move_from_row(row, "rank_move", "rank_change")?,
        cohort_rank_change: move_from_row(row, "cohort_rank_move", "cohort_rank_change")?,
        grade_change: grade_change
            .map(|g| {
                GradeChange::parse(&g)
                    .ok_or_else(|| StoreError::corrupt(format!("列 grade_change 的值“{g}”无效")))
            })
            .transpose()?,
        exempt: exempt != 0,
        excluded: excluded != 0,
        explanation: get(row, "explanation")?,
        breakdown,
    })
}

async fn run_of(pool: &AnyPool, scheme: &str, period: &str) -> StoreResult<Option<EvaluationRun>> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {RUN_COLUMNS} FROM evaluations WHERE scheme_code = $1 AND period = $2"
    )))
    .bind(scheme.to_string())
    .bind(period.to_string())
    .fetch_optional(pool)
    .await
    .map_err(map_err)?
    .map(|r| run_from_row(&r))
    .transpose()
}

pub(crate) async fn page(
    pool: &AnyPool,
    dialect: Dialect,
    scheme: &str,
    period: Period,
    f: &ResultFilter,
    page: Page,
) -> StoreResult<Option<EvaluationPage>> {
    let code = period.code();
    let Some(run) = run_of(pool, scheme, &code).await? else {
        return Ok(None);
    };
    let mut sql = Sql::new("");
    let s = sql.arg(Arg::Text(scheme.to_string()));
    let p = sql.arg(Arg::Text(code));
    let mut conds = vec![format!("scheme_code = {s}"), format!("period = {p}")];
    if let Some(c) = &f.cohort {
        conds.push(format!("cohort = {}", sql.arg(Arg::Text(c.clone()))));
    }
    if let Some(g) = &f.grade {
        conds.push(format!("grade = {}", sql.arg(Arg::Text(g.clone()))));
    }
    if let Some(e) = f.entity {
        conds.push(format!("entity_id = {}", sql.arg(Arg::I64(e.0))));
    }
    let where_ = conds.join(" AND ");
    sql.text = format!("SELECT COUNT(*) AS n FROM evaluation_results WHERE {where_}");
    let total: i64 = get(
        &sql.query(dialect).fetch_one(pool).await.map_err(map_err)?,
        "n",
    )?;
    let lim = sql.arg(Arg::I64(i64::from(page.limit)));
    let off = sql.arg(Arg::I64(i64::try_from(page.offset).unwrap_or(i64::MAX)));
    sql.text = format!(
        "SELECT {ROW_COLUMNS} FROM evaluation_results WHERE {where_} ORDER BY position LIMIT {lim} OFFSET {off}"
    );
    let items = sql
        .query(dialect)
        .fetch_all(pool)
        .await
        .map_err(map_err)?
        .iter()
        .map(|r| row_from_row(r, scheme))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Some(EvaluationPage {
        run,
        rows: Paged {
            items,
            total: total as u64,
            limit: page.limit,
            offset: page.offset,
        },
    }))
}

/// Sorts periods in time: by last day, then the longer period first.
fn chronological(p: &Period) -> (chrono::NaiveDate, chrono::NaiveDate) {
    (p.last_day(), p.first_day())
}

pub(crate) async fn runs(pool: &AnyPool, scheme: Option<&str>) -> StoreResult<Vec<EvaluationRun>> {
    let rows = match scheme {
        Some(s) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {RUN_COLUMNS} FROM evaluations WHERE scheme_code = $1"
            )))
            .bind(s.to_string())
            .fetch_all(pool)
            .await
        }
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {RUN_COLUMNS} FROM evaluations"
            )))
            .fetch_all(pool)
            .await
        }
    }
    .map_err(map_err)?;
    let mut out = rows
        .iter()
        .map(run_from_row)
        .collect::<StoreResult<Vec<_>>>()?;
    out.sort_by(|a, b| {
        a.scheme
            .cmp(&b.scheme)
            .then_with(|| chronological(&a.period).cmp(&chronological(&b.period)))
    });
    Ok(out)
}

pub(crate) async fn slice(
    pool: &AnyPool,
    scheme: &str,
    period: Period,
) -> StoreResult<Vec<ResultSlice>> {
    let rows = sqlx::query(
        "SELECT entity_id, entity_key, score, rank, cohort_rank, grade FROM evaluation_results \
         WHERE scheme_code = $1 AND period = $2 ORDER BY position",
    )
    .bind(scheme.to_string())
    .bind(period.code())
    .fetch_all(pool)
    .await
    .map_err(map_err)?;
    rows.iter()
        .map(|r| {
            let opt_u32 = |col: &str| -> StoreResult<Option<u32>> {
                get::<Option<i64>>(r, col)?
                    .map(|v| u32_of(col, v))
                    .transpose()
            };
            Ok(ResultSlice {
                entity: EntityId(get(r, "entity_id")?),
                entity_key: get(r, "entity_key")?,
                score: get(r, "score")?,
                rank: opt_u32("rank")?,
                cohort_rank: opt_u32("cohort_rank")?,
                grade: get(r, "grade")?,
            })
        })
        .collect()
}

pub(crate) async fn history(
    pool: &AnyPool,
    scheme: &str,
    entity: EntityId,
) -> StoreResult<Vec<ResultHistoryEntry>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ROW_COLUMNS} FROM evaluation_results WHERE scheme_code = $1 AND entity_id = $2"
    )))
    .bind(scheme.to_string())
    .bind(entity.0)
    .fetch_all(pool)
    .await
    .map_err(map_err)?;
    let mut out = rows
        .iter()
        .map(|r| {
            let p: String = get(r, "period")?;
            Ok(ResultHistoryEntry {
                period: period_of("evaluation_results.period", &p)?,
                row: row_from_row(r, scheme)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    out.sort_by_key(|h| chronological(&h.period));
    Ok(out)
}
