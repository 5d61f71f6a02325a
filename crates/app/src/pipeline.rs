//! What follows a change of data, in one place: every writer of values, plans or master data
//! (file and browser imports of every kind, the entry form, the work-item metrics job) describes
//! what it changed as a [`ChangeSet`] and calls [`after_change`], which runs the same steps in
//! the same order and returns what each did as an [`AfterChange`].
//!
//! The steps, in order (each reads the change set and what the steps before it did):
//! 1. **formulas** — the quotient indicators (亩均税收 = ENT_TAX / LAND_MU) whose operands changed
//!    are derived again for the touched entities and periods ([`crate::formulas`]);
//! 2. **evaluations** — the stored schemes reading a changed indicator (derived ones included) are
//!    re-evaluated for the affected periods ([`crate::evaluate::recompute_affected`]); changed
//!    targets re-evaluate the stored periods of their years (completion and 序时进度 read them);
//! 3. **alerts** — the indicator alert rules reading a changed indicator are checked for the
//!    changed periods, and the rules reading a plan (序时进度) for every cumulative month of the
//!    years whose targets changed; each new firing raises one 问题 ([`crate::alerts`]).
//!
//! The data change has been committed before the pipeline runs, so no step fails it: a step's
//! failure is written into its part of the outcome and the later steps still run. A later step
//! (validation of the changed values, notifications to the units concerned) is one more private
//! function called at the end of [`Pipeline::run`], with its own field in [`AfterChange`]; the
//! change set already says which entities and indicators changed, which no step reads yet (a new
//! or moved entity enters a league table when that table's period is next evaluated, as it
//! always has).
//!
//! Rejected: letting each writer call the steps it thinks it needs. That is how the target import
//! came to recompute without deriving and the metrics job to recompute without alerts.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use yiping_eval::alerts::AlertRule;
use yiping_kernel::{EntityId, IndicatorId, ObservationKey, Period};
use yiping_store::{ChangeContext, Store};

use crate::AppError;
use crate::alerts::{self, AlertReport};
use crate::evaluate::{RecomputeReport, recompute_affected};

/// What a committed change touched. Build it with the constructors and [`ChangeSet::with`];
/// an empty set makes [`after_change`] do nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangeSet {
    /// The observations written by a write that inserted or changed values (every key of the
    /// batch: the store counts changes, it does not name them).
    pub observations: Vec<ObservationKey>,
    /// (indicator, year) of the targets written by a write that inserted or changed targets.
    pub targets: BTreeSet<(IndicatorId, i32)>,
    /// Entities inserted or changed.
    pub entities: BTreeSet<EntityId>,
    /// Indicator definitions inserted or changed.
    pub indicators: BTreeSet<IndicatorId>,
}

impl ChangeSet {
    pub fn observations(keys: impl IntoIterator<Item = ObservationKey>) -> Self {
        Self {
            observations: keys.into_iter().collect(),
            ..Self::default()
        }
    }

    pub fn targets(targets: impl IntoIterator<Item = (IndicatorId, i32)>) -> Self {
        Self {
            targets: targets.into_iter().collect(),
            ..Self::default()
        }
    }

    pub fn entities(ids: impl IntoIterator<Item = EntityId>) -> Self {
        Self {
            entities: ids.into_iter().collect(),
            ..Self::default()
        }
    }

    pub fn indicators(ids: impl IntoIterator<Item = IndicatorId>) -> Self {
        Self {
            indicators: ids.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Both changes in one set.
    pub fn with(mut self, other: ChangeSet) -> Self {
        self.observations.extend(other.observations);
        self.targets.extend(other.targets);
        self.entities.extend(other.entities);
        self.indicators.extend(other.indicators);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.observations.is_empty()
            && self.targets.is_empty()
            && self.entities.is_empty()
            && self.indicators.is_empty()
    }

    /// The indicators and periods of the changed observations, sorted and without repeats.
    fn value_indicators_and_periods(&self) -> (Vec<IndicatorId>, Vec<Period>) {
        let indicators: BTreeSet<IndicatorId> =
            self.observations.iter().map(|k| k.indicator).collect();
        let periods: BTreeSet<Period> = self.observations.iter().map(|k| k.period).collect();
        (
            indicators.into_iter().collect(),
            periods.into_iter().collect(),
        )
    }

    /// The indicators and years of the changed targets, sorted and without repeats.
    fn target_indicators_and_years(&self) -> (Vec<IndicatorId>, BTreeSet<i32>) {
        let indicators: BTreeSet<IndicatorId> = self.targets.iter().map(|(i, _)| *i).collect();
        let years = self.targets.iter().map(|(_, y)| *y).collect();
        (indicators.into_iter().collect(), years)
    }
}

/// What [`after_change`] did, step by step. Failures are recorded, never returned: the change
/// itself stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AfterChange {
    /// Formula indicators whose derived values changed (step 1).
    pub derived: Vec<IndicatorId>,
    /// Why deriving the formula indicators failed, if it did (step 1).
    pub derive_error: Option<String>,
    /// The evaluations recomputed, those that failed, or why none could run (step 2).
    pub recomputed: RecomputeReport,
    /// The alert rules checked and the 问题 they raised (step 3).
    pub alerts: AlertReport,
}

/// The steps after a change and what they are configured with: today the alert rules (the
/// shipped ones, or a given set).
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    /// `None`: the rules in force (the city's `alerts.toml`, else the shipped ones), read when
    /// the alert step runs.
    rules: Option<Vec<AlertRule>>,
}

impl Pipeline {
    /// The pipeline every front end uses: the alert rules in force ([`crate::config`]).
    pub fn shipped() -> Self {
        Self::default()
    }

    /// The same steps with other alert rules (a deployment's own, or a test's).
    pub fn with_rules(rules: Vec<AlertRule>) -> Self {
        Self { rules: Some(rules) }
    }

    /// Runs the steps on `changes`, in order.
    pub async fn run(
        &self,
        store: &dyn Store,
        changes: &ChangeSet,
        ctx: &ChangeContext,
    ) -> AfterChange {
        let mut out = AfterChange::default();
        if changes.is_empty() {
            return out;
        }
        formulas(store, changes, ctx, &mut out).await;
        evaluations(store, changes, ctx.at, &mut out).await;
        self.alerts(store, changes, ctx.at, &mut out).await;
        out
    }

    async fn alerts(
        &self,
        store: &dyn Store,
        changes: &ChangeSet,
        now: DateTime<Utc>,
        out: &mut AfterChange,
    ) {
        let rules = match &self.rules {
            Some(r) => r.clone(),
            None => match alerts::configured_rules(store).await {
                Ok(r) => r,
                Err(e) => {
                    out.alerts.error = Some(e.to_string());
                    return;
                }
            },
        };
        let (mut indicators, periods) = changes.value_indicators_and_periods();
        if !changes.observations.is_empty() {
            indicators.extend(&out.derived);
            indicators.sort();
            indicators.dedup();
            // Early warning: the rules reading a changed indicator raise their problems.
            alerts::check_changed_values(
                store,
                &rules,
                &indicators,
                &periods,
                now,
                &mut out.alerts,
            )
            .await;
        }
        if !changes.targets.is_empty() {
            let (indicators, years) = changes.target_indicators_and_years();
            alerts::check_changed_plans(store, &rules, &indicators, &years, now, &mut out.alerts)
                .await;
        }
    }
}

/// Runs the shipped [`Pipeline`] on `changes`: formulas → evaluations → alerts.
pub async fn after_change(
    store: &dyn Store,
    changes: &ChangeSet,
    ctx: &ChangeContext,
) -> AfterChange {
    Pipeline::shipped().run(store, changes, ctx).await
}

/// Step 1: quotient indicators follow their operands before anything reads them.
async fn formulas(
    store: &dyn Store,
    changes: &ChangeSet,
    ctx: &ChangeContext,
    out: &mut AfterChange,
) {
    if changes.observations.is_empty() {
        return;
    }
    match crate::formulas::derive_after_change(store, &changes.observations, ctx).await {
        Ok(derived) => out.derived = derived,
        Err(e) => out.derive_error = Some(e.to_string()),
    }
}

/// Step 2: evaluation follows the data.
async fn evaluations(
    store: &dyn Store,
    changes: &ChangeSet,
    now: DateTime<Utc>,
    out: &mut AfterChange,
) {
    if !changes.observations.is_empty() {
        let (mut indicators, periods) = changes.value_indicators_and_periods();
        indicators.extend(&out.derived);
        indicators.sort();
        indicators.dedup();
        let r = recompute_affected(store, &indicators, &periods, now).await;
        merge_recompute(&mut out.recomputed, r);
    }
    if !changes.targets.is_empty() {
        let (indicators, years) = changes.target_indicators_and_years();
        let r = recompute_target_years(store, &indicators, &years, now).await;
        merge_recompute(&mut out.recomputed, r);
    }
}

/// Targets feed completion and 序时进度 items: the stored evaluations of the target years that
/// read those indicators are recomputed.
async fn recompute_target_years(
    store: &dyn Store,
    indicators: &[IndicatorId],
    years: &BTreeSet<i32>,
    now: DateTime<Utc>,
) -> Result<RecomputeReport, AppError> {
    let periods: BTreeSet<Period> = store
        .evaluation_runs(None)
        .await?
        .into_iter()
        .map(|r| r.period)
        .filter(|p| years.contains(&p.year_number()))
        .collect();
    let periods: Vec<Period> = periods.into_iter().collect();
    recompute_affected(store, indicators, &periods, now).await
}

fn merge_recompute(into: &mut RecomputeReport, r: Result<RecomputeReport, AppError>) {
    match r {
        Ok(r) => {
            into.evaluated.extend(r.evaluated);
            into.failed.extend(r.failed);
            if into.error.is_none() {
                into.error = r.error;
            }
        }
        Err(e) => {
            if into.error.is_none() {
                into.error = Some(e.to_string());
            }
        }
    }
}
