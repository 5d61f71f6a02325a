//! Validation rules at work (issue 12): the configured rules (`validation.toml`,
//! [`crate::config`]) checked against the data, by the pure [`yiping_eval::validation::check_one`].
//!
//! - **On entry and import** ([`check_batch`], called by [`crate::import`] before anything is
//!   written): each rule reading an indicator of the batch is checked for the batch's entities
//!   and periods, and for their parents when the rule reads children (a district's new value can
//!   break "districts sum to the city"). Values come from the batch first, then the store. A
//!   broken rule of importance high refuses the whole file with every violation listed; medium
//!   and low are recorded as findings once the import is committed ([`record`]).
//! - **On demand** ([`run_as`], `yiping validate --period P`): every rule for every entity in
//!   one period, every violation recorded as a finding.
//! - **Findings per unit** ([`findings_as`], [`annotate_as`]): the unit's subtree, with a
//!   follow-up flag and a comment.
//!
//! A finding whose rule, entity and period pass a later check is marked resolved. "Children"
//! are the entities of the same kind whose parent link is valid at the period's end, without
//! functional areas (功能区 overlap the districts and are never part of a sum).

use std::collections::{HashMap, HashSet};

use rustc_hash::FxHashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiping_access::{Capability, Principal};
use yiping_eval::validation::{Facts, Importance, ValidationRule, Violation, check_one};
use yiping_kernel::{
    Catalog, EntityId, IndicatorId, Measure, ObservationKey, ObservationValue, Period,
};
use yiping_store::{Finding, NewFinding, QualityFilter, Store};

use crate::AppError;

/// Values for the pure check: the batch over the stored slices.
struct StoreFacts<'a> {
    catalog: &'a Catalog,
    codes: HashMap<String, IndicatorId>,
    stored: FxHashMap<(EntityId, IndicatorId, Period, Measure), f64>,
    batch: FxHashMap<(EntityId, IndicatorId, Period, Measure), f64>,
    children: HashMap<EntityId, Vec<EntityId>>,
}

impl Facts for StoreFacts<'_> {
    fn value(&self, entity: EntityId, code: &str, period: Period, measure: Measure) -> Option<f64> {
        let key = (entity, *self.codes.get(code)?, period, measure);
        self.batch
            .get(&key)
            .or_else(|| self.stored.get(&key))
            .copied()
    }

    fn children(&self, entity: EntityId, period: Period) -> Vec<EntityId> {
        let end = period.last_day();
        self.children
            .get(&entity)
            .map(|c| {
                c.iter()
                    .copied()
                    .filter(|c| {
                        self.catalog
                            .entity(*c)
                            .is_some_and(|e| e.parent_at(end) == Some(entity))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn level(&self, entity: EntityId) -> Option<u8> {
        self.catalog.entity(entity).map(|e| e.data.level)
    }
}

/// Every child link ever, parent → children of the same kind (functional areas left out).
fn children_map(catalog: &Catalog) -> HashMap<EntityId, Vec<EntityId>> {
    let mut out: HashMap<EntityId, Vec<EntityId>> = HashMap::new();
    for e in catalog.entities() {
        if crate::screen::is_functional(e) {
            continue;
        }
        let mut parents: Vec<EntityId> = e.data.parents.iter().map(|l| l.parent).collect();
        parents.sort_unstable();
        parents.dedup();
        for p in parents {
            if catalog
                .entity(p)
                .is_some_and(|pe| pe.data.kind == e.data.kind)
            {
                out.entry(p).or_default().push(e.id);
            }
        }
    }
    out
}

/// The rules whose every indicator is in the catalogue (a rule naming an indicator a city does
/// not keep is not checked), with their indicators' ids.
fn usable<'r>(
    rules: &'r [ValidationRule],
    codes: &HashMap<String, IndicatorId>,
) -> Vec<(&'r ValidationRule, Vec<IndicatorId>)> {
    rules
        .iter()
        .filter_map(|r| {
            let ids: Option<Vec<IndicatorId>> = r
                .indicators()
                .iter()
                .map(|c| codes.get(*c).copied())
                .collect();
            ids.map(|ids| (r, ids))
        })
        .collect()
}

fn codes(catalog: &Catalog) -> HashMap<String, IndicatorId> {
    catalog
        .indicators()
        .map(|i| (i.data.code.as_str().to_string(), i.id))
        .collect()
}

/// Loads the stored slices the rules read for these periods.
async fn load(
    store: &dyn Store,
    rules: &[(&ValidationRule, Vec<IndicatorId>)],
    periods: &HashSet<Period>,
    codes: &HashMap<String, IndicatorId>,
) -> Result<FxHashMap<(EntityId, IndicatorId, Period, Measure), f64>, AppError> {
    let mut slices: HashSet<(IndicatorId, Period, Measure)> = HashSet::new();
    for (r, _) in rules {
        for p in periods.iter().filter(|p| r.period_type.accepts(**p)) {
            for o in r.left.operands().into_iter().chain(r.right.operands()) {
                if let (Some(id), Some(sp)) = (codes.get(&o.indicator), o.shift.apply(*p)) {
                    slices.insert((*id, sp, o.measure));
                }
            }
        }
    }
    let mut stored = FxHashMap::default();
    for (ind, p, m) in slices {
        for (e, v) in store.observation_slice(ind, p, m).await? {
            stored.insert((e, ind, p, m), v.value());
        }
    }
    Ok(stored)
}

/// What checking a batch found: every violation, and which (rule, entity, period) were checked.
#[derive(Debug, Default)]
pub struct Checked {
    pub violations: Vec<Violation>,
    /// Per rule, the (entity, period) checked, sorted.
    checked: HashMap<String, Vec<(EntityId, Period)>>,
    periods: HashSet<Period>,
}

impl Checked {
    /// Violations of importance high.
    pub fn blocking(&self) -> impl Iterator<Item = &Violation> {
        self.violations
            .iter()
            .filter(|v| v.importance == Importance::High)
    }

    pub fn has_blocking(&self) -> bool {
        self.blocking().next().is_some()
    }

    /// Whether `rule` was checked for `entity` in `period`.
    fn was_checked(&self, rule: &str, entity: EntityId, period: Period) -> bool {
        self.checked
            .get(rule)
            .is_some_and(|s| s.binary_search(&(entity, period)).is_ok())
    }

    /// How many checks were made.
    fn count(&self) -> usize {
        self.checked.values().map(Vec::len).sum()
    }
}

/// Checks the rules reading an indicator of `batch` for its entities and periods (and their
/// parents, for rules reading children); nothing is written.
pub async fn check_batch(
    store: &dyn Store,
    catalog: &Catalog,
    rules: &[ValidationRule],
    batch: &[(ObservationKey, ObservationValue)],
) -> Result<Checked, AppError> {
    let codes = codes(catalog);
    let rules = usable(rules, &codes);
    if rules.is_empty() || batch.is_empty() {
        return Ok(Checked::default());
    }
    let read: HashSet<IndicatorId> = rules.iter().flat_map(|(_, ids)| ids.clone()).collect();
    let mut values = FxHashMap::default();
    values.reserve(batch.len());
    // (entity, period) of the batch per indicator, for the subjects of each rule.
    let mut touched: HashMap<IndicatorId, Vec<(EntityId, Period)>> = HashMap::new();
    for (k, v) in batch.iter().filter(|(k, _)| read.contains(&k.indicator)) {
        values.insert((k.entity, k.indicator, k.period, k.measure), v.value());
        touched
            .entry(k.indicator)
            .or_default()
            .push((k.entity, k.period));
    }
    if touched.is_empty() {
        return Ok(Checked::default());
    }
    let children = children_map(catalog);
    let periods: HashSet<Period> = touched.values().flatten().map(|t| t.1).collect();
    let stored = load(store, &rules, &periods, &codes).await?;
    let facts = StoreFacts {
        catalog,
        codes,
        stored,
        batch: values,
        children,
    };
    let mut out = Checked {
        periods,
        ..Checked::default()
    };
    for (rule, ids) in &rules {
        let children = rule.reads_children();
        let mut subjects: Vec<(EntityId, Period)> = Vec::new();
        for (entity, period) in ids.iter().filter_map(|i| touched.get(i)).flatten() {
            if !rule.period_type.accepts(*period) {
                continue;
            }
            subjects.push((*entity, *period));
            if children
                && let Some(parent) = catalog
                    .entity(*entity)
                    .and_then(|e| e.parent_at(period.last_day()))
            {
                subjects.push((parent, *period));
            }
        }
        // A value and its growth, or a rule over two indicators, name a subject twice.
        subjects.sort_unstable();
        subjects.dedup();
        subjects.retain(|(entity, period)| rule.applies(facts.level(*entity), *period));
        for &(entity, period) in &subjects {
            if let Some(v) = check_one(rule, &facts, entity, period) {
                out.violations.push(v);
            }
        }
        out.checked.insert(rule.code.clone(), subjects);
    }
    Ok(out)
}

/// "渝中区 2024年1—9月 各区县地区生产总值之和不超过全市：下级合计 地区生产总值 1050 …", with
/// indicator codes replaced by their names.
pub fn describe(catalog: &Catalog, v: &Violation) -> String {
    let entity = catalog
        .entity(v.entity)
        .map_or_else(|| v.entity.to_string(), |e| e.data.name.clone());
    let mut message = v.message();
    let mut indicators: Vec<_> = catalog.indicators().collect();
    // Longer codes first, so that GDP_PC is not read as GDP followed by _PC.
    indicators.sort_by_key(|i| std::cmp::Reverse(i.data.code.as_str().len()));
    for i in indicators {
        let code = i.data.code.as_str();
        if message.contains(code) {
            message = replace_word(&message, code, &i.data.name);
        }
    }
    format!("{entity} {} {message}", v.period.label_zh())
}

/// Replaces `word` where it is not part of a longer code.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let is_code = |c: char| c.is_ascii_alphanumeric() || "_.-".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(word) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + word.len()..].chars().next();
        out.push_str(&rest[..i]);
        if before.is_some_and(is_code) || after.is_some_and(is_code) {
            out.push_str(word);
        } else {
            out.push_str(with);
        }
        rest = &rest[i + word.len()..];
    }
    out.push_str(rest);
    out
}

/// Records what a check found: violations of at most `up_to` importance (medium for imports:
/// high ones refused the file; high for on-demand runs) become findings, and open findings of
/// a checked (rule, entity, period) that passed are resolved. Returns the findings recorded.
pub async fn record(
    store: &dyn Store,
    catalog: &Catalog,
    checked: &Checked,
    up_to: Importance,
    at: DateTime<Utc>,
) -> Result<usize, AppError> {
    let findings: Vec<NewFinding> = checked
        .violations
        .iter()
        .filter(|v| v.importance >= up_to)
        .map(|v| NewFinding {
            rule: v.rule.clone(),
            rule_name: v.rule_name.clone(),
            importance: v.importance.as_str().to_string(),
            entity: v.entity,
            period: v.period,
            left: v.left,
            right: v.right,
            message: describe(catalog, v),
            found_at: at,
        })
        .collect();
    store.record_findings(&findings).await?;
    let broken: HashSet<(&str, EntityId, Period)> = checked
        .violations
        .iter()
        .map(|v| (v.rule.as_str(), v.entity, v.period))
        .collect();
    let mut resolved = Vec::new();
    for period in &checked.periods {
        let open = QualityFilter {
            entities: None,
            period: Some(*period),
            open_only: true,
        };
        for f in store.findings(&open).await? {
            let (rule, entity, period) = (f.data.rule.as_str(), f.data.entity, f.data.period);
            if checked.was_checked(rule, entity, period)
                && !broken.contains(&(rule, entity, period))
            {
                resolved.push(f.id);
            }
        }
    }
    store.resolve_findings(&resolved).await?;
    Ok(findings.len())
}

/// What an on-demand run found.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub period: Period,
    pub rules: usize,
    pub checked: usize,
    /// Every violation, described with names, in rule order.
    pub violations: Vec<RunViolation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunViolation {
    pub rule: String,
    pub importance: Importance,
    pub entity: EntityId,
    pub left: Option<f64>,
    pub right: Option<f64>,
    pub message: String,
}

/// Checks every rule for every entity in `period` on the stored data and records every
/// violation as a finding. Analysts and admins (those who run evaluations).
pub async fn run_as(
    store: &dyn Store,
    p: &Principal,
    period: Period,
    at: DateTime<Utc>,
) -> Result<RunReport, AppError> {
    p.require(Capability::RunEvaluations)?;
    let config = crate::config::load(store).await?;
    let catalog = Catalog::new(store.all_entities().await?, store.indicators().await?);
    let codes = codes(&catalog);
    let rules = usable(&config.validation, &codes);
    let periods: HashSet<Period> = [period].into();
    let stored = load(store, &rules, &periods, &codes).await?;
    let facts = StoreFacts {
        catalog: &catalog,
        codes,
        stored,
        batch: FxHashMap::default(),
        children: children_map(&catalog),
    };
    let mut checked = Checked {
        periods,
        ..Checked::default()
    };
    let mut entities: Vec<EntityId> = catalog.entities().map(|e| e.id).collect();
    entities.sort_unstable();
    for (rule, _) in &rules {
        let subjects: Vec<(EntityId, Period)> = entities
            .iter()
            .filter(|e| rule.applies(facts.level(**e), period))
            .map(|e| (*e, period))
            .collect();
        for &(e, _) in &subjects {
            if let Some(v) = check_one(rule, &facts, e, period) {
                checked.violations.push(v);
            }
        }
        checked.checked.insert(rule.code.clone(), subjects);
    }
    record(store, &catalog, &checked, Importance::High, at).await?;
    Ok(RunReport {
        period,
        rules: rules.len(),
        checked: checked.count(),
        violations: checked
            .violations
            .iter()
            .map(|v| RunViolation {
                rule: v.rule.clone(),
                importance: v.importance,
                entity: v.entity,
                left: v.left,
                right: v.right,
                message: describe(&catalog, v),
            })
            .collect(),
    })
}

/// The findings of `unit`'s subtree (the caller's own unit when `None`), newest first.
pub async fn findings_as(
    store: &dyn Store,
    p: &Principal,
    unit: Option<EntityId>,
    period: Option<Period>,
    open_only: bool,
) -> Result<Vec<Finding>, AppError> {
    let entities = match unit {
        // Someone who sees everything, asking for no unit: everything.
        None if p.scope.is_everything() => {
            p.require(Capability::ViewData)?;
            None
        }
        unit => {
            let unit = unit.unwrap_or_else(|| p.home());
            p.require_in(Capability::ViewData, unit)?;
            let subtree = store.subtree(unit, Utc::now().date_naive()).await?;
            Some(subtree.into_iter().filter(|e| p.sees(*e)).collect())
        }
    };
    Ok(store
        .findings(&QualityFilter {
            entities,
            period,
            open_only,
        })
        .await?)
}

/// Sets a finding's follow-up flag and comment: whoever enters data for its entity.
pub async fn annotate_as(
    store: &dyn Store,
    p: &Principal,
    id: i64,
    follow_up: bool,
    comment: &str,
    at: DateTime<Utc>,
) -> Result<Finding, AppError> {
    let found = store
        .finding(id)
        .await?
        .filter(|f| p.sees(f.data.entity))
        .ok_or_else(|| AppError::not_found(format!("没有编号为 {id} 的校验发现")))?;
    p.require_in(Capability::EnterData, found.data.entity)?;
    let comment = comment.trim();
    if comment.chars().count() > 500 {
        return Err(AppError::invalid("说明不能超过 500 字"));
    }
    store
        .annotate_finding(id, follow_up, comment, &p.login, at)
        .await?;
    store
        .finding(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("没有编号为 {id} 的校验发现")))
}
