//! Evaluation on the server: schemes are stored as TOML text, evaluated against the store's data,
//! and the results persisted per (scheme, period, entity), so that every reader sees the same
//! league table. Results are recomputed whenever data changes ([`recompute_affected`], the second
//! step of the pipeline after a change, [`crate::pipeline`]).
//!
//! Pipeline of [`evaluate_scheme`] (DESIGN §5): pick the scheme version for the period's year →
//! select the population (kind, level, groups, valid at the period's last day) → fetch inputs with
//! one `observation_slice` per indicator, period and measure (value, the same period last year,
//! reported growth, which wins over derived growth), targets and the city value → previous stored
//! results (rank and grade moves) and the stored scores of component schemes (composites) → run
//! `yiping_eval::evaluate` → replace the stored results in one transaction.
//!
//! Rules decided here (see ARCHITECTURE.md):
//! - a scheme version applies from its year on: a 2024 period uses the newest version with
//!   year ≤ 2024; a period before the first version is refused;
//! - an annual indicator read for a shorter period (研发投入强度 in a quarterly card) takes the
//!   previous full year's value, the latest published;
//! - "previous period" is the latest stored evaluation of the same scheme ending before this one;
//!   re-evaluating a period also re-evaluates the stored period right after it (its moves).

mod csv_mode;
pub(crate) mod inputs;
mod problems;
mod rows;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use yiping_eval::{Scheme, evaluate, shipped};
use yiping_kernel::{Entity, Frequency, Indicator, IndicatorId, Period};
use yiping_store::{
    ChangeContext, EntityChange, EvaluationRun, NewScheme, Store, StoreError, StoredScheme,
};

pub use csv_mode::{CSV_FORMAT_HELP, CsvEvaluation, CsvTimings, OutputColumns, evaluate_csv};
pub use rows::{colour_rgb, grade_rgb};

use crate::AppError;

/// What one evaluation stored.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationSummary {
    pub scheme: String,
    pub scheme_name: String,
    pub period: Period,
    /// The version (year) of the scheme that was applied.
    pub scheme_year: i32,
    pub population: usize,
    pub ranked: usize,
    pub previous_period: Option<Period>,
    /// Later stored periods re-evaluated because their rank moves compare with this one.
    pub followed: Vec<Period>,
}

/// What [`recompute_affected`] did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecomputeReport {
    /// (scheme code, period) evaluated, in the order done.
    pub evaluated: Vec<(String, Period)>,
    /// Evaluations that failed, with the reason; the data change itself stands.
    pub failed: Vec<(String, Period, String)>,
    /// Why recomputing could not run at all (the data change itself stands).
    pub error: Option<String>,
}

impl RecomputeReport {
    pub fn is_empty(&self) -> bool {
        self.evaluated.is_empty() && self.failed.is_empty() && self.error.is_none()
    }
}

/// Parses and checks a scheme's TOML, then stores it as a version keyed by code and year.
///
/// A stored scheme's text is replaced in place, so every change is also written to the audit
/// trail (`scheme.add` or `scheme.update` in `audit_events`), and an update's event keeps the
/// replaced text whole ([`scheme_audit_detail`]): the previous version stays recoverable.
pub async fn store_scheme(
    store: &dyn Store,
    text: &str,
    ctx: &ChangeContext,
) -> Result<(StoredScheme, EntityChange), AppError> {
    let scheme = Scheme::from_toml_str(text).map_err(|e| AppError::invalid(e.to_string()))?;
    let new = NewScheme {
        code: scheme.code().to_string(),
        year: scheme.year(),
        name: scheme.name().to_string(),
        frequency: scheme.frequency(),
        source: text.to_string(),
    };
    let previous = store
        .schemes()
        .await?
        .into_iter()
        .find(|s| s.code == new.code && s.year == new.year);
    let (stored, change) = store.upsert_scheme(&new, ctx).await?;
    let action = match change {
        EntityChange::Unchanged => return Ok((stored, change)),
        EntityChange::Inserted => "scheme.add",
        EntityChange::Updated => "scheme.update",
    };
    store
        .record_audit(&yiping_store::AuditEvent {
            at: ctx.at,
            actor: ctx.actor.clone(),
            action: action.into(),
            target: format!("{} {}", stored.code, stored.year),
            detail: scheme_audit_detail(&stored, previous.as_ref()),
        })
        .await?;
    Ok((stored, change))
}

/// The first line of an update's audit detail; the replaced TOML follows it.
pub const REPLACED_TEXT_MARKER: &str = "原方案文本如下：";

/// What the audit trail says of a stored scheme version: the version and the SHA-256 of the
/// new text, and for an update the replaced version, its hash and its whole text (after
/// [`REPLACED_TEXT_MARKER`] and a newline).
pub fn scheme_audit_detail(stored: &StoredScheme, previous: Option<&StoredScheme>) -> String {
    let new = format!(
        "第{}版，SHA-256 {}",
        stored.version,
        crate::auth::sha256_hex(stored.source.as_bytes())
    );
    match previous {
        None => new,
        Some(old) => format!(
            "{new}；替换第{}版（SHA-256 {}，{}于{}保存）。{REPLACED_TEXT_MARKER}\n{}",
            old.version,
            crate::auth::sha256_hex(old.source.as_bytes()),
            old.changed_by,
            old.updated_at.format("%Y-%m-%d %H:%M:%S UTC"),
            old.source
        ),
    }
}

/// Stores every scheme shipped with the engine (`crates/eval/schemes`); returns how many changed.
pub async fn store_shipped_schemes(
    store: &dyn Store,
    ctx: &ChangeContext,
) -> Result<usize, AppError> {
    // Check them as a set first: composites must resolve.
    shipped::load_all().map_err(|e| AppError::invalid(format!("内置评价方案有误：{e}")))?;
    let mut changed = 0;
    for (_, text) in shipped::ALL {
        let (_, c) = store_scheme(store, text, ctx).await?;
        if c != EntityChange::Unchanged {
            changed += 1;
        }
    }
    Ok(changed)
}

/// The stored scheme versions, parsed, by code.
#[derive(Debug)]
pub struct Library {
    versions: BTreeMap<String, Vec<(StoredScheme, Scheme)>>,
}

impl Library {
    pub async fn load(store: &dyn Store) -> Result<Self, AppError> {
        let mut versions: BTreeMap<String, Vec<(StoredScheme, Scheme)>> = BTreeMap::new();
        for s in store.schemes().await? {
            let scheme = Scheme::from_toml_str(&s.source).map_err(|e| {
                AppError::invalid(format!("已存储的方案 {}（{}年）无效：{e}", s.code, s.year))
            })?;
            versions
                .entry(s.code.clone())
                .or_default()
                .push((s, scheme));
        }
        for v in versions.values_mut() {
            v.sort_by_key(|(s, _)| s.year);
        }
        Ok(Self { versions })
    }

    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.versions.keys().map(String::as_str)
    }

    /// The newest version of each scheme.
    pub fn latest(&self) -> impl Iterator<Item = (&StoredScheme, &Scheme)> {
        self.versions
            .values()
            .filter_map(|v| v.last().map(|(s, x)| (s, x)))
    }

    /// The version applying to `period`: the newest with year ≤ the period's year.
    pub fn for_period(
        &self,
        code: &str,
        period: Period,
    ) -> Result<(&StoredScheme, &Scheme), AppError> {
        let versions = self.find(code)?;
        let year = period.year_number();
        versions
            .iter()
            .rev()
            .find(|(s, _)| s.year <= year)
            .map(|(s, x)| (s, x))
            .ok_or_else(|| {
                AppError::invalid(format!(
                    "方案 {code} 没有适用于{year}年的版本（最早的版本为{}年）",
                    versions[0].0.year
                ))
            })
    }

    fn find(&self, code: &str) -> Result<&Vec<(StoredScheme, Scheme)>, AppError> {
        self.versions
            .get(code)
            .or_else(|| {
                self.versions
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(code))
                    .map(|(_, v)| v)
            })
            .ok_or_else(|| {
                let known: Vec<&str> = self.codes().collect();
                AppError::not_found(format!(
                    "没有评价方案“{code}”（已有：{}）",
                    if known.is_empty() {
                        "无，请先运行 yiping demo 或导入方案".to_string()
                    } else {
                        known.join("、")
                    }
                ))
            })
    }

    /// The canonical code of a scheme (`mujun` → `MUJUN`).
    pub fn code_of(&self, code: &str) -> Result<String, AppError> {
        self.find(code).map(|v| v[0].0.code.clone())
    }

    /// Codes of every scheme any of whose versions reads one of `indicators` (by code).
    fn using_indicators(&self, indicators: &HashSet<String>) -> BTreeSet<String> {
        self.versions
            .iter()
            .filter(|(_, v)| {
                v.iter().any(|(_, s)| {
                    s.indicators()
                        .iter()
                        .any(|c| indicators.contains(c.as_str()))
                        || s.adjustments()
                            .iter()
                            .any(|a| indicators.contains(&a.id.to_ascii_uppercase()))
                })
            })
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Codes of the composites taking the score of any of `codes`, transitively.
    fn composites_of(&self, codes: &BTreeSet<String>) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut frontier: Vec<String> = codes.iter().cloned().collect();
        while let Some(c) = frontier.pop() {
            for (k, v) in &self.versions {
                let takes = v
                    .iter()
                    .any(|(_, s)| s.component_schemes().contains(&c.as_str()));
                if takes && !codes.contains(k) && out.insert(k.clone()) {
                    frontier.push(k.clone());
                }
            }
        }
        out
    }

    /// `codes` with every component before the composites that take its score.
    fn dependency_order(&self, codes: &BTreeSet<String>) -> Vec<String> {
        fn visit(
            lib: &Library,
            c: &str,
            codes: &BTreeSet<String>,
            seen: &mut HashSet<String>,
            out: &mut Vec<String>,
        ) {
            if !seen.insert(c.to_string()) {
                return;
            }
            if let Some(v) = lib.versions.get(c) {
                for (_, s) in v {
                    for comp in s.component_schemes() {
                        visit(lib, comp, codes, seen, out);
                    }
                }
            }
            if codes.contains(c) {
                out.push(c.to_string());
            }
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for c in codes {
            visit(self, c, codes, &mut seen, &mut out);
        }
        out
    }
}

/// Whether `period` is one a scheme of `frequency` is published for: a year; a quarter or a
/// cumulative period ending with a quarter (一季度, 上半年, 前三季度, 全年); a month or a cumulative
/// period of months; an ISO week.
pub fn natural_period(frequency: Frequency, period: Period) -> bool {
    match period {
        Period::Week { .. } => frequency == Frequency::Week,
        Period::Months { from, to, .. } => match frequency {
            Frequency::Year => from == 1 && to == 12,
            Frequency::Quarter => to % 3 == 0 && (from == 1 || from + 2 == to),
            Frequency::Month => from == 1 || from == to,
            Frequency::Week => false,
        },
    }
}

/// The periods of `year` a scheme of `frequency` is published for, in time order (cumulative
/// forms for quarters and months, from 1—2月 as statistics offices publish).
pub fn periods_of_year(frequency: Frequency, year: i32) -> Vec<Period> {
    let cumulative = |to: u8| Period::months(year, 1, to).ok();
    match frequency {
        Frequency::Year => Period::year(year).ok().into_iter().collect(),
        Frequency::Quarter => [3, 6, 9, 12].into_iter().filter_map(cumulative).collect(),
        Frequency::Month => (2..=12).filter_map(cumulative).collect(),
        Frequency::Week => (1..=52)
            .filter_map(|w| Period::week(year, w).ok())
            .collect(),
    }
}

fn chronological(p: &Period) -> (NaiveDate, NaiveDate) {
    (p.last_day(), p.first_day())
}

/// Entities and indicators, loaded once for a batch of evaluations.
#[derive(Debug)]
pub(crate) struct World {
    pub entities: Vec<Entity>,
    pub indicators: HashMap<String, Indicator>,
}

impl World {
    async fn load(store: &dyn Store) -> Result<Self, StoreError> {
        Ok(Self {
            entities: store.all_entities().await?,
            indicators: store
                .indicators()
                .await?
                .into_iter()
                .map(|i| (i.data.code.as_str().to_string(), i))
                .collect(),
        })
    }
}

/// Evaluates scheme `code` for `period`, stores the results, and re-evaluates the stored period
/// right after it (whose rank moves compare with this one).
pub async fn evaluate_scheme(
    store: &dyn Store,
    code: &str,
    period: Period,
    now: DateTime<Utc>,
) -> Result<EvaluationSummary, AppError> {
    let t = std::time::Instant::now();
    let lib = Library::load(store).await?;
    let world = World::load(store).await?;
    tracing::debug!(
        entities = world.entities.len(),
        ms = t.elapsed().as_millis() as u64,
        "loaded schemes, entities and indicators"
    );
    let code = lib.code_of(code)?;
    let mut summary = evaluate_at(store, &lib, &world, &code, period, now).await?;
    let runs = store.evaluation_runs(Some(&code)).await?;
    if let Some(next) = runs
        .iter()
        .map(|r| r.period)
        .filter(|p| p.last_day() > period.last_day())
        .min_by_key(chronological)
    {
        // Only the moves of the next period change; a failure there leaves this result standing.
        match evaluate_at(store, &lib, &world, &code, next, now).await {
            Ok(_) => summary.followed.push(next),
            Err(e) => {
                tracing::warn!(scheme = %code, period = %next, error = %e, "下一期的排名变化未能更新")
            }
        }
    }
    Ok(summary)
}

/// Re-evaluates scheme `code` (matched without regard to case) for `period` on behalf of
/// `caller`, who needs `RunEvaluations` and a unit at the top of the hierarchy (a scheme ranks the
/// whole population, so a district's user may not rerun it); recorded in the audit as
/// `evaluation.run`.
pub async fn run_as(
    store: &dyn Store,
    caller: &yiping_access::Principal,
    code: &str,
    period: Period,
    now: DateTime<Utc>,
) -> Result<EvaluationSummary, AppError> {
    caller.require(yiping_access::Capability::RunEvaluations)?;
    let unit = store.entity(caller.unit).await?;
    if unit.as_ref().and_then(|u| u.current_parent()).is_some() {
        return Err(yiping_access::AccessError::OutOfScope {
            unit_name: caller.unit_name.clone(),
        }
        .into());
    }
    let code = Library::load(store).await?.code_of(code)?;
    let summary = evaluate_scheme(store, &code, period, now).await?;
    crate::audit::record(store, caller, "evaluation.run", &code, period.code(), now).await;
    Ok(summary)
}

/// Evaluates every stored scheme for each of `periods` where the period suits the scheme's
/// frequency and a version applies (components before composites); the demo's loader.
pub async fn evaluate_all(
    store: &dyn Store,
    periods: &[Period],
    now: DateTime<Utc>,
) -> Result<Vec<EvaluationSummary>, AppError> {
    let lib = Library::load(store).await?;
    let world = World::load(store).await?;
    let all: BTreeSet<String> = lib.codes().map(String::from).collect();
    let mut periods = periods.to_vec();
    periods.sort_by_key(chronological);
    let mut out = Vec::new();
    for code in lib.dependency_order(&all) {
        for &p in &periods {
            let Ok((_, scheme)) = lib.for_period(&code, p) else {
                continue;
            };
            if let Some(missing) = scheme
                .indicators()
                .into_iter()
                .find(|c| !world.indicators.contains_key(c.as_str()))
            {
                // Not loaded yet (the demo writes the work items' WI_* after the schemes).
                tracing::debug!(scheme = %code, indicator = %missing, "指标尚未建立，跳过");
                break;
            }
            if natural_period(scheme.frequency(), p) {
                out.push(evaluate_at(store, &lib, &world, &code, p, now).await?);
            }
        }
    }
    Ok(out)
}

/// Re-evaluates every stored scheme that reads one of `indicators`, for the periods whose inputs
/// changed: each changed period that suits the scheme (or was evaluated before), the stored
/// periods a year later (their growth is derived from it), for an annual period the stored
/// shorter periods of the next year (which read it as the latest annual value), the stored
/// period right after each (rank moves), and the composites taking those schemes' scores.
/// Failures are reported, not returned: the data change has already been committed.
pub async fn recompute_affected(
    store: &dyn Store,
    indicators: &[IndicatorId],
    periods: &[Period],
    now: DateTime<Utc>,
) -> Result<RecomputeReport, AppError> {
    let mut report = RecomputeReport::default();
    if indicators.is_empty() || periods.is_empty() {
        return Ok(report);
    }
    let lib = Library::load(store).await?;
    let world = World::load(store).await?;
    let changed: HashSet<String> = world
        .indicators
        .values()
        .filter(|i| indicators.contains(&i.id))
        .map(|i| i.data.code.as_str().to_string())
        .collect();
    let direct = lib.using_indicators(&changed);
    if direct.is_empty() {
        return Ok(report);
    }
    let composites = lib.composites_of(&direct);
    let all_runs = store.evaluation_runs(None).await?;
    let stored = |code: &str| -> Vec<Period> {
        all_runs
            .iter()
            .filter(|r| r.scheme == code)
            .map(|r| r.period)
            .collect()
    };
    let wanted = |code: &str, changed_periods: &mut dyn Iterator<Item = Period>| {
        let stored = stored(code);
        let mut set: BTreeSet<(NaiveDate, NaiveDate, Period)> = BTreeSet::new();
        let mut add = |p: Period| {
            set.insert((p.last_day(), p.first_day(), p));
        };
        for p in changed_periods {
            let suits = lib
                .for_period(code, p)
                .is_ok_and(|(_, s)| natural_period(s.frequency(), p));
            if suits || stored.contains(&p) {
                add(p);
            }
            for &q in &stored {
                let a_year_later = q.same_period_last_year() == Some(p);
                let reads_as_annual = p.month_count() == Some(12)
                    && q.year_number() == p.year_number() + 1
                    && q.month_count() != Some(12);
                if a_year_later || reads_as_annual {
                    add(q);
                }
            }
        }
        // The stored period right after each: its rank moves compare with the one before.
        let mut ps: Vec<Period> = set.iter().map(|(_, _, p)| *p).collect();
        for p in ps.clone() {
            if let Some(next) = stored
                .iter()
                .filter(|q| q.last_day() > p.last_day())
                .min_by_key(|q| chronological(q))
            {
                ps.push(*next);
            }
        }
        ps.sort_by_key(chronological);
        ps.dedup();
        ps
    };
    let mut plan: BTreeMap<String, Vec<Period>> = BTreeMap::new();
    for code in &direct {
        plan.insert(code.clone(), wanted(code, &mut periods.iter().copied()));
    }
    let order = lib.dependency_order(&direct.union(&composites).cloned().collect());
    for code in order {
        let ps = match plan.get(&code) {
            Some(ps) => ps.clone(),
            None => {
                // A composite: the periods of its recomputed components.
                let (_, s) = match lib.latest().find(|(st, _)| st.code == code) {
                    Some(x) => x,
                    None => continue,
                };
                let comps: Vec<Period> = s
                    .component_schemes()
                    .iter()
                    .filter_map(|c| plan.get(*c))
                    .flatten()
                    .copied()
                    .collect();
                let ps = wanted(&code, &mut comps.into_iter());
                plan.insert(code.clone(), ps.clone());
                ps
            }
        };
        for p in ps {
            match evaluate_at(store, &lib, &world, &code, p, now).await {
                Ok(_) => report.evaluated.push((code.clone(), p)),
                Err(e) => report.failed.push((code.clone(), p, e.to_string())),
            }
        }
    }
    Ok(report)
}

/// Re-evaluates every stored period of scheme `code` (after a new version of it was stored), then
/// the composites taking its score for the same periods.
pub async fn recompute_scheme(
    store: &dyn Store,
    code: &str,
    now: DateTime<Utc>,
) -> Result<RecomputeReport, AppError> {
    let lib = Library::load(store).await?;
    let world = World::load(store).await?;
    let code = lib.code_of(code)?;
    let mut report = RecomputeReport::default();
    let periods: Vec<Period> = store
        .evaluation_runs(Some(&code))
        .await?
        .iter()
        .map(|r| r.period)
        .collect();
    let mut codes = BTreeSet::from([code.clone()]);
    codes.extend(lib.composites_of(&codes));
    for c in lib.dependency_order(&codes) {
        for &p in &periods {
            match evaluate_at(store, &lib, &world, &c, p, now).await {
                Ok(_) => report.evaluated.push((c.clone(), p)),
                Err(e) => report.failed.push((c.clone(), p, e.to_string())),
            }
        }
    }
    Ok(report)
}

/// The latest stored evaluation of `code` ending before `period`.
fn previous_run(runs: &[EvaluationRun], period: Period) -> Option<&EvaluationRun> {
    runs.iter()
        .filter(|r| r.period.last_day() < period.last_day())
        .max_by_key(|r| chronological(&r.period))
}

/// One evaluation, stored. Composites whose component has no stored result for the period get the
/// component evaluated first.
async fn evaluate_at(
    store: &dyn Store,
    lib: &Library,
    world: &World,
    code: &str,
    period: Period,
    now: DateTime<Utc>,
) -> Result<EvaluationSummary, AppError> {
    let (stored, scheme) = lib.for_period(code, period)?;
    for comp in scheme.component_schemes() {
        if store.evaluation_slice(comp, period).await?.is_empty() && lib.find(comp).is_ok() {
            Box::pin(evaluate_at(store, lib, world, comp, period, now)).await?;
        }
    }
    let t0 = std::time::Instant::now();
    let runs = store.evaluation_runs(Some(code)).await?;
    let previous = previous_run(&runs, period).map(|r| r.period);
    let built = inputs::build(store, world, scheme, period, previous).await?;
    let t1 = std::time::Instant::now();
    let ev = evaluate(scheme, &built.input);
    let t2 = std::time::Instant::now();
    let (run, rows) = rows::to_store(stored, scheme, period, previous, &ev, &built, now)?;
    let t3 = std::time::Instant::now();
    store.replace_evaluation(&run, &rows).await?;
    if !scheme.problems().is_empty() {
        problems::raise(store, scheme, &stored.name, period, &rows, now).await?;
    }
    tracing::debug!(
        scheme = code,
        period = %period,
        rows = rows.len(),
        load_ms = (t1 - t0).as_millis() as u64,
        compute_ms = (t2 - t1).as_millis() as u64,
        rows_ms = (t3 - t2).as_millis() as u64,
        persist_ms = t3.elapsed().as_millis() as u64,
        "evaluated"
    );
    Ok(EvaluationSummary {
        scheme: stored.code.clone(),
        scheme_name: stored.name.clone(),
        period,
        scheme_year: stored.year,
        population: rows.len(),
        ranked: run.ranked as usize,
        previous_period: previous,
        followed: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(c: &str) -> Period {
        Period::parse_code(c).unwrap()
    }

    #[test]
    fn natural_periods_follow_the_frequency() {
        assert!(natural_period(Frequency::Quarter, p("2024Q1")));
        assert!(natural_period(Frequency::Quarter, p("2024M01-M09")));
        assert!(natural_period(Frequency::Quarter, p("2024Q3")));
        assert!(!natural_period(Frequency::Quarter, p("2024M01-M08")));
        assert!(natural_period(Frequency::Year, p("2024")));
        assert!(!natural_period(Frequency::Year, p("2024H1")));
        assert!(natural_period(Frequency::Month, p("2024M01-M08")));
        assert!(!natural_period(Frequency::Month, p("2024W03")));
        assert_eq!(
            periods_of_year(Frequency::Quarter, 2024),
            [p("2024Q1"), p("2024H1"), p("2024M01-M09"), p("2024")]
        );
        assert_eq!(periods_of_year(Frequency::Month, 2024).len(), 11);
    }
}
