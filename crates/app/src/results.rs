//! The one reader of stored evaluation results: what the JSON API, the evaluation pages, the one
//! screen, the CLI (`yiping evaluate`, `yiping export --league`) and the XLSX export show.
//!
//! Four use cases, each taking the caller's [`Principal`] and returning typed views:
//! [`schemes`] (every stored scheme version with its runs), [`league`] (a period's league table,
//! filtered by cohort or grade, paged), [`entity_result`] (one entity's result with its per-item
//! breakdown) and [`history`] (one entity in every stored period).
//!
//! Rules, the same for every front end: every reader needs `ViewEvaluations`; a league is public
//! among its participants (a caller with a row of it in their unit subtree sees every row),
//! except for the schemes `screens.toml` lists in `own_row_only`, whose callers see the rows of
//! their subtree, ranks staying the scheme's overall ranks; one
//! entity's result or history only inside the subtree (refused before anything is read when the
//! entity is named by id). The command line acts as [`Principal::system`], which sees every row
//! without a check per row.
//!
//! Metadata and breakdowns come typed from the store ([`yiping_store::RunMeta`],
//! [`yiping_store::BreakdownItem`]); [`BreakdownLine`] puts each item's definition beside its
//! values. A breakdown whose length differs from its run's items is a corrupt row, reported as
//! such.

mod view;

use yiping_access::{Capability, Principal};
use yiping_kernel::{EntityId, Period};
use yiping_store::{
    EvaluationRow, EvaluationRun, Page, ResultFilter, Store, StoreError, StoredScheme,
};

use crate::AppError;

pub use view::{BreakdownLine, EntityResult, History, HistoryRow, League, SchemeResults};

/// Which rows of a league to read (of those the caller sees, in league order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    All,
    /// The first `n` rows.
    First(usize),
    Page(Page),
}

impl Rows {
    fn window(self) -> (u64, u64) {
        match self {
            Self::All => (0, u64::MAX),
            Self::First(n) => (0, n as u64),
            Self::Page(p) => (p.offset, u64::from(p.limit)),
        }
    }
}

/// A league table to read: the period (the latest evaluated one when `None`), filters, rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeagueQuery {
    pub period: Option<Period>,
    pub cohort: Option<String>,
    pub grade: Option<String>,
    pub rows: Rows,
}

impl LeagueQuery {
    /// Every row of `period`, unfiltered.
    pub fn all(period: Period) -> Self {
        Self {
            period: Some(period),
            cohort: None,
            grade: None,
            rows: Rows::All,
        }
    }
}

/// One entity, as a caller names it: by id, or by the key it was ranked under (region code,
/// credit code, or the id as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject<'a> {
    Id(EntityId),
    Key(&'a str),
}

/// Every stored scheme version (by code, then year) with its stored runs, oldest first.
pub async fn schemes(
    store: &dyn Store,
    caller: &Principal,
) -> Result<Vec<SchemeResults>, AppError> {
    caller.require(Capability::ViewEvaluations)?;
    let schemes = store.schemes().await?;
    let runs = store.evaluation_runs(None).await?;
    Ok(schemes
        .into_iter()
        .map(|scheme| {
            let runs = runs
                .iter()
                .filter(|r| r.scheme == scheme.code && r.scheme_year == scheme.year)
                .cloned()
                .collect();
            SchemeResults { scheme, runs }
        })
        .collect())
}

/// The league table of `scheme` (matched without regard to case) for a period: the rows the
/// caller sees, in league order, with their total.
pub async fn league(
    store: &dyn Store,
    caller: &Principal,
    scheme: &str,
    q: &LeagueQuery,
) -> Result<League, AppError> {
    caller.require(Capability::ViewEvaluations)?;
    let (code, newest) = find_scheme(store, scheme).await?;
    let periods: Vec<Period> = store
        .evaluation_runs(Some(&code))
        .await?
        .iter()
        .map(|r| r.period)
        .collect();
    let period = period_or_latest(&newest, &periods, q.period)?;
    let filter = ResultFilter {
        cohort: q.cohort.clone().filter(|c| !c.trim().is_empty()),
        grade: q.grade.clone().filter(|g| !g.trim().is_empty()),
        entity: None,
    };
    let read = read(store, caller, &code, period, &filter, q.rows)
        .await?
        .ok_or_else(|| no_results(&newest, period))?;
    Ok(League {
        scheme: newest,
        periods,
        run: read.run,
        rows: read.rows,
        total: read.total,
        scoped: read.scoped,
    })
}

/// One entity's result in a period (the latest evaluated one when `None`), with its breakdown.
pub async fn entity_result(
    store: &dyn Store,
    caller: &Principal,
    scheme: &str,
    entity: EntityId,
    period: Option<Period>,
) -> Result<EntityResult, AppError> {
    caller.require_in(Capability::ViewEvaluations, entity)?;
    let (code, newest) = find_scheme(store, scheme).await?;
    let period = match period {
        Some(p) => p,
        None => {
            let runs = store.evaluation_runs(Some(&code)).await?;
            let periods: Vec<Period> = runs.iter().map(|r| r.period).collect();
            period_or_latest(&newest, &periods, None)?
        }
    };
    let filter = ResultFilter {
        entity: Some(entity),
        ..ResultFilter::default()
    };
    let found = store
        .evaluation(&code, period, &filter, Page::first(1))
        .await?
        .ok_or_else(|| no_results(&newest, period))?;
    check_rows(&found.run, &found.rows.items)?;
    let Some(row) = found.rows.items.into_iter().next() else {
        return Err(AppError::not_found(format!(
            "主体 {} 不在方案{}{}的评价范围内",
            entity.0,
            named(&newest),
            period.label_zh()
        )));
    };
    Ok(EntityResult {
        scheme: newest,
        run: found.run,
        row,
    })
}

/// One entity's results in every stored period, oldest first, each with its run's metadata.
pub async fn history(
    store: &dyn Store,
    caller: &Principal,
    scheme: &str,
    subject: Subject<'_>,
) -> Result<History, AppError> {
    match subject {
        Subject::Id(id) => caller.require_in(Capability::ViewEvaluations, id)?,
        Subject::Key(_) => caller.require(Capability::ViewEvaluations)?,
    }
    let (code, newest) = find_scheme(store, scheme).await?;
    let runs = store.evaluation_runs(Some(&code)).await?;
    let (entity, name) = match subject {
        Subject::Id(id) => (id, None),
        Subject::Key(key) => {
            let (id, name) = entity_of(store, &code, &runs, key).await?.ok_or_else(|| {
                AppError::not_found(format!("“{key}”不在方案{}的评价范围内", named(&newest)))
            })?;
            caller.require_in(Capability::ViewEvaluations, id)?;
            (id, Some(name))
        }
    };
    let mut entries = Vec::new();
    for h in store.evaluation_history(&code, entity).await? {
        let run = runs.iter().find(|r| r.period == h.period);
        if let Some(run) = run {
            check_rows(run, std::slice::from_ref(&h.row))?;
        }
        entries.push(HistoryRow {
            period: h.period,
            meta: run.map(|r| r.meta.clone()),
            row: h.row,
        });
    }
    let name = name
        .or_else(|| entries.last().map(|h| h.row.entity_name.clone()))
        .unwrap_or_default();
    Ok(History {
        scheme: newest,
        entity,
        name,
        entries,
    })
}

/// The stored league of `scheme` for `period` as the one screen shows it, or `None` without
/// one: every row, no check per row. The screen checks `ViewScreen` on its unit at its door and
/// shows only that unit's children, which lie in the caller's subtree.
pub(crate) async fn for_screen(
    store: &dyn Store,
    scheme: &str,
    period: Period,
) -> Result<Option<(EvaluationRun, Vec<EvaluationRow>)>, AppError> {
    let rows = Rows::Page(Page::first(Page::MAX_LIMIT));
    let read = read(
        store,
        &Principal::system(),
        scheme,
        period,
        &ResultFilter::default(),
        rows,
    )
    .await?;
    Ok(read.map(|r| (r.run, r.rows)))
}

/// Rows read for a caller.
struct Read {
    run: EvaluationRun,
    rows: Vec<EvaluationRow>,
    total: u64,
    scoped: bool,
}

/// The rows of `rows` among those matching `filter` that the caller sees, with their total;
/// `None` when the period has no stored results. A caller who sees every row of the run pages in
/// the store; anyone else reads the matching rows (in league order) and pages the visible ones.
async fn read(
    store: &dyn Store,
    caller: &Principal,
    code: &str,
    period: Period,
    filter: &ResultFilter,
    rows: Rows,
) -> Result<Option<Read>, AppError> {
    let (offset, limit) = rows.window();
    let first = Page::new(limit.min(u64::from(Page::MAX_LIMIT)) as u32, offset);
    let Some(page) = store.evaluation(code, period, filter, first).await? else {
        return Ok(None);
    };
    // A league is public among its participants (晾晒): a caller who sees one of its rows sees
    // them all, unless the scheme is configured to show a participant its own row only.
    let slice = store.evaluation_slice(code, period).await?;
    let participant = slice.iter().any(|r| caller.sees(r.entity))
        && !crate::config::load(store)
            .await?
            .screens
            .own_row_only
            .iter()
            .any(|c| c.eq_ignore_ascii_case(code));
    let everything =
        caller.scope.is_everything() || participant || slice.iter().all(|r| caller.sees(r.entity));
    if everything {
        let total = page.rows.total;
        let mut out = page.rows.items;
        let mut at = offset + out.len() as u64;
        while (out.len() as u64) < limit && at < total {
            let size = (limit - out.len() as u64).min(u64::from(Page::MAX_LIMIT)) as u32;
            let Some(more) = store
                .evaluation(code, period, filter, Page::new(size, at))
                .await?
            else {
                break;
            };
            if more.rows.items.is_empty() {
                break;
            }
            at += more.rows.items.len() as u64;
            out.extend(more.rows.items);
        }
        out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        check_rows(&page.run, &out)?;
        return Ok(Some(Read {
            run: page.run,
            rows: out,
            total,
            scoped: false,
        }));
    }
    let mut visible = Vec::new();
    let mut matching = 0u64;
    let mut at = 0u64;
    loop {
        let Some(chunk) = store
            .evaluation(code, period, filter, Page::new(Page::MAX_LIMIT, at))
            .await?
        else {
            break;
        };
        let n = chunk.rows.items.len() as u64;
        matching += n;
        visible.extend(
            chunk
                .rows
                .items
                .into_iter()
                .filter(|r| caller.sees(r.entity)),
        );
        at += n;
        if n == 0 || at >= chunk.rows.total {
            break;
        }
    }
    let total = visible.len() as u64;
    let rows: Vec<EvaluationRow> = visible
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    check_rows(&page.run, &rows)?;
    Ok(Some(Read {
        run: page.run,
        rows,
        total,
        scoped: total < matching,
    }))
}

/// Refuses rows whose breakdown does not line up with their run's items.
fn check_rows(run: &EvaluationRun, rows: &[EvaluationRow]) -> Result<(), AppError> {
    let items = run.meta.items.len();
    match rows.iter().find(|r| r.breakdown.len() != items) {
        None => Ok(()),
        Some(r) => Err(AppError::Store(StoreError::corrupt(format!(
            "评价 {} {} 中主体 {}（{}）的分项明细有{}项，该期评价有{}个分项",
            run.scheme,
            run.period.code(),
            r.entity.0,
            r.entity_key,
            r.breakdown.len(),
            items
        )))),
    }
}

/// Scheme `code` (the exact code first, else without regard to case): its stored code and its
/// newest version (whose name the readers show).
async fn find_scheme(store: &dyn Store, code: &str) -> Result<(String, StoredScheme), AppError> {
    let code = code.trim();
    let all = store.schemes().await?;
    let exact = all.iter().any(|x| x.code == code);
    let versions: Vec<StoredScheme> = all
        .into_iter()
        .filter(|x| {
            if exact {
                x.code == code
            } else {
                x.code.eq_ignore_ascii_case(code)
            }
        })
        .collect();
    let stored = versions.first().map(|x| x.code.clone());
    let newest = versions.into_iter().max_by_key(|x| x.year);
    stored
        .zip(newest)
        .ok_or_else(|| AppError::not_found(format!("没有评价方案“{code}”")))
}

/// “经济运行赛马比拼”（ECONOMY_RACE）.
fn named(s: &StoredScheme) -> String {
    format!("“{}”（{}）", s.name, s.code)
}

fn no_results(scheme: &StoredScheme, period: Period) -> AppError {
    AppError::not_found(format!(
        "方案{}没有{}的评价结果",
        named(scheme),
        period.label_zh()
    ))
}

/// The period asked for, or the latest one evaluated: the last of `periods` (the store lists runs
/// in time, the longer period first among those ending on one day).
fn period_or_latest(
    scheme: &StoredScheme,
    periods: &[Period],
    asked: Option<Period>,
) -> Result<Period, AppError> {
    asked
        .or_else(|| periods.last().copied())
        .ok_or_else(|| AppError::not_found(format!("方案{}还没有评价结果", named(scheme))))
}

/// The entity ranked under `key` (its region code, credit code or id) in the latest runs.
async fn entity_of(
    store: &dyn Store,
    code: &str,
    runs: &[EvaluationRun],
    key: &str,
) -> Result<Option<(EntityId, String)>, AppError> {
    // The latest runs hold the current population (older ones only entities that left it).
    for run in runs.iter().rev().take(3) {
        let found = store
            .evaluation(
                code,
                run.period,
                &ResultFilter::default(),
                Page::first(Page::MAX_LIMIT),
            )
            .await?;
        if let Some(r) = found.and_then(|f| {
            f.rows
                .items
                .into_iter()
                .find(|r| r.entity_key == key || r.entity.0.to_string() == key)
        }) {
            return Ok(Some((r.entity, r.entity_name)));
        }
    }
    Ok(None)
}
