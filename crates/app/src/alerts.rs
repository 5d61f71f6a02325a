//! Indicator early warning on the server (DOMAIN §19): the rules (`yiping_eval::alerts`, shipped
//! in `crates/eval/alerts/indicator_alerts.toml`) are evaluated against the stored values of a
//! period, and each firing raises one 问题 work item (channel 监测预警), received and owned by
//! the entity it is about, with an [`AlertLink`] (rule, indicator, period, entity, value,
//! threshold, severity) in its extras. An existing item for the same (rule, indicator, period,
//! entity), open or closed, stops a second one, so re-importing the same data raises nothing.
//! Each problem raised notifies the users of its entity (监测预警, [`crate::notifications`]): one
//! message per unit for its firing rules, none while a silence covers the alert.
//!
//! Alert states (DOMAIN §19): every evaluation also reads, for each entity in a rule's scope,
//! whether the condition holds, is held between the firing and the recovery threshold, is clear
//! or has no data ([`StateObservation`]); [`advance`] moves the instance (rule, entity) through
//! the pure state machine of `yiping_eval::alerts::states` and stores it with its change of state.
//! A rule held over several periods (`pending_periods` > 1) raises its problem only once it fires.
//!
//! The pipeline after a change ([`crate::pipeline`]) runs the rules as its last step: after values
//! were inserted or changed, the rules reading a changed indicator for each changed period and,
//! for rules on derived growth, the same period one year later (its growth compares with the
//! changed value); after targets changed, the rules reading a plan (序时进度) for every
//! cumulative month of the target years. [`raise_for_periods`] checks whole periods at once (the
//! demo's loader).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiping_eval::alerts::states::{self, AlertState, Observation};
use yiping_eval::alerts::{AlertInput, AlertRule, AlertSubject, Firing, Severity, evaluate_rule};
use yiping_eval::scheme::FieldError;
use yiping_flow::{Channel, Priority};
use yiping_kernel::{EntityId, IndicatorId, Measure, Period, TargetKind};
use yiping_store::{
    AlertLink, AlertTransitionRecord, ItemExtras, PROBLEM_SOURCES, Store, StoredAlertInstance,
    TargetFilter,
};

use crate::AppError;
use crate::evaluate::inputs::{entity_key, valid_at};
use crate::work_items::FlowSetup;
use crate::work_items::raised::{
    ALERT_CATEGORY, RaisedProblem, problem_category, problem_extras, raise_problem,
};

/// Who raises alert problems, as shown in their history.
const SYSTEM: &str = "监测预警";

/// One firing with what the store knows about it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertInstance {
    pub rule: AlertRule,
    pub firing: Firing,
    pub entity: EntityId,
    pub entity_name: String,
    pub indicator_name: String,
}

impl AlertInstance {
    fn link(&self) -> AlertLink {
        AlertLink {
            rule: self.rule.code.clone(),
            indicator: self.rule.indicator.clone(),
            period: self.firing.period.code(),
            entity: self.entity,
            value: self.firing.value,
            threshold: self.firing.threshold,
            severity: self.rule.severity.as_str().to_string(),
        }
    }
}

/// What one evaluation of the rules found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertRun {
    pub instances: Vec<AlertInstance>,
    /// Rules whose indicator is not in the store: (rule code, indicator code).
    pub skipped: Vec<(String, String)>,
    /// What each rule read for each entity in its scope, for the alert states ([`advance`]).
    pub observations: Vec<StateObservation>,
}

/// One rule's reading for one entity in one period.
#[derive(Debug, Clone, PartialEq)]
pub struct StateObservation {
    pub rule: String,
    pub entity: EntityId,
    pub observation: Observation,
    pub value: Option<f64>,
}

/// What one check of the rules did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AlertReport {
    /// (rule code, period) evaluated.
    pub evaluated: Vec<(String, Period)>,
    pub firing: usize,
    /// New 问题 items raised (firings already raised before are not counted).
    pub raised: usize,
    /// Why the alerts could not be evaluated (the data change itself stands).
    pub error: Option<String>,
}

/// Parses a rule file and checks each rule's problem source against the eight sources.
pub fn parse_rules(text: &str) -> Result<Vec<AlertRule>, AppError> {
    let rules =
        yiping_eval::alerts::parse_rules(text).map_err(|e| AppError::invalid(e.to_string()))?;
    let bad: Vec<String> = rules
        .iter()
        .enumerate()
        .filter(|(_, r)| !PROBLEM_SOURCES.contains(&r.problem_source.as_str()))
        .map(|(i, r)| {
            FieldError {
                path: format!("rules[{i}].problem_source"),
                message: format!(
                    "问题来源“{}”无效：须为 {} 之一",
                    r.problem_source,
                    PROBLEM_SOURCES.join("、")
                ),
            }
            .to_string()
        })
        .collect();
    if bad.is_empty() {
        Ok(rules)
    } else {
        Err(AppError::invalid(format!(
            "预警规则有误：{}",
            bad.join("；")
        )))
    }
}

/// The rules shipped with yiping (`crates/eval/alerts/indicator_alerts.toml`).
pub fn shipped_rules() -> Result<Vec<AlertRule>, AppError> {
    parse_rules(yiping_eval::shipped::ALERT_RULES)
}

/// Evaluates `rules` for `period` against the stored values.
pub async fn evaluate(
    store: &dyn Store,
    rules: &[AlertRule],
    period: Period,
) -> Result<AlertRun, AppError> {
    let entities = store.all_entities().await?;
    let indicators = store.indicators().await?;
    let date = period.last_day();
    let population: Vec<_> = entities.iter().filter(|e| valid_at(e, date)).collect();
    let mut run = AlertRun::default();
    for rule in rules {
        let Some(ind) = indicators
            .iter()
            .find(|i| i.data.code.as_str() == rule.indicator)
        else {
            run.skipped
                .push((rule.code.clone(), rule.indicator.clone()));
            continue;
        };
        let read = |period: Period, measure: Measure| async move {
            let rows = store.observation_slice(ind.id, period, measure).await?;
            Ok::<HashMap<EntityId, f64>, AppError>(
                rows.into_iter().map(|(e, v)| (e, v.value())).collect(),
            )
        };
        let c = &rule.condition;
        let values = read(period, Measure::Value).await?;
        let previous = match period.same_period_last_year() {
            Some(p) if c.needs_previous() => read(p, Measure::Value).await?,
            _ => HashMap::new(),
        };
        let growth = if c.needs_reported_growth() {
            read(period, Measure::Growth).await?
        } else {
            HashMap::new()
        };
        let targets = if c.needs_target() {
            store
                .targets(&TargetFilter {
                    year: Some(period.year_number()),
                    indicator: Some(ind.id),
                    kind: Some(TargetKind::Level),
                    ..TargetFilter::default()
                })
                .await?
        } else {
            Vec::new()
        };
        let subjects: Vec<AlertSubject> = population
            .iter()
            .map(|e| {
                let target = targets.iter().find(|t| t.entity == e.id);
                AlertSubject {
                    key: entity_key(e),
                    name: e.data.name.clone(),
                    kind: Some(e.data.kind),
                    level: e.data.level,
                    value: values.get(&e.id).copied(),
                    previous: previous.get(&e.id).copied(),
                    reported_growth: growth.get(&e.id).copied(),
                    target: target.map(|t| t.value),
                    schedule: target.and_then(|t| t.schedule()).map(<[f64]>::to_vec),
                }
            })
            .collect();
        let input = AlertInput {
            period,
            indicator_name: ind.data.name.clone(),
            unit: ind.data.unit.clone(),
            subjects,
        };
        let firings = evaluate_rule(rule, &input);
        let breached: BTreeSet<usize> = firings.iter().map(|f| f.subject).collect();
        // Hysteresis: a value still past the recovery threshold is held, not clear.
        let held: BTreeSet<usize> = match rule.states.recovery_threshold {
            Some(t) => {
                let recovery = AlertRule {
                    condition: rule.condition.with_threshold(t),
                    ..rule.clone()
                };
                evaluate_rule(&recovery, &input)
                    .iter()
                    .map(|f| f.subject)
                    .collect()
            }
            None => BTreeSet::new(),
        };
        for (i, subject) in input.subjects.iter().enumerate() {
            if !subject
                .kind
                .is_some_and(|k| rule.scope.contains(k, subject.level))
            {
                continue;
            }
            let observation = if breached.contains(&i) {
                Observation::Breached
            } else if !has_data(rule, subject) {
                Observation::NoData
            } else if held.contains(&i) {
                Observation::Held
            } else {
                Observation::Clear
            };
            run.observations.push(StateObservation {
                rule: rule.code.clone(),
                entity: population[i].id,
                observation,
                value: subject.value,
            });
        }
        for firing in firings {
            let e = population[firing.subject];
            run.instances.push(AlertInstance {
                rule: rule.clone(),
                entity: e.id,
                entity_name: e.data.name.clone(),
                indicator_name: ind.data.name.clone(),
                firing,
            });
        }
    }
    Ok(run)
}

/// Raises one 问题 per firing not raised before; returns how many items were created.
pub async fn raise(
    store: &dyn Store,
    instances: &[AlertInstance],
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    if instances.is_empty() {
        return Ok(0);
    }
    let setup = FlowSetup::load(store).await?;
    let sources: BTreeSet<&str> = instances
        .iter()
        .map(|i| i.rule.problem_source.as_str())
        .collect();
    let mut existing: Vec<AlertLink> = Vec::new();
    for source in sources {
        existing.extend(
            problem_extras(store, source)
                .await?
                .into_iter()
                .filter_map(|x| x.alert),
        );
    }
    let mut raised = 0;
    // One message per unit for its firing rules; none for a silenced alert.
    let silences = store.silences().await?;
    let mut notices: BTreeMap<EntityId, Vec<(String, String, yiping_flow::ItemId)>> =
        BTreeMap::new();
    for inst in instances {
        let link = inst.link();
        if existing.iter().any(|l| l.same_firing(&link)) {
            continue;
        }
        let Some(category) = problem_category(&setup, ALERT_CATEGORY, &inst.rule.problem_source)
        else {
            return Err(AppError::invalid(
                "事项分类表中没有“问题”类分类，无法生成预警问题（请在分类表中添加 domain = \"problem\" 的分类）",
            ));
        };
        let problem = RaisedProblem {
            title: alert_title(inst),
            category,
            priority: if inst.rule.severity == Severity::Critical {
                Priority::Urgent
            } else {
                Priority::Normal
            },
            channel: Channel::Monitoring,
            entity: inst.entity,
            system: SYSTEM,
            extras: ItemExtras {
                problem_source: Some(inst.rule.problem_source.clone()),
                description: Some(format!(
                    "{}。请核实数据并分析原因、提出措施。",
                    inst.firing.message
                )),
                alert: Some(link.clone()),
                ..ItemExtras::default()
            },
        };
        let title = problem.title.clone();
        let item = raise_problem(store, &setup, problem, now).await?;
        if !silences
            .iter()
            .any(|s| s.covers(&inst.rule.code, inst.entity, now))
        {
            notices.entry(inst.entity).or_default().push((
                title,
                inst.firing.message.clone(),
                item,
            ));
        }
        existing.push(link);
        raised += 1;
    }
    let grouped: Vec<_> = notices
        .into_iter()
        .map(|(entity, firings)| match firings.as_slice() {
            [(title, message, item)] => {
                crate::notifications::alert_fired(entity, title, message, Some(*item))
            }
            _ => {
                let name = instances
                    .iter()
                    .find(|i| i.entity == entity)
                    .map_or("", |i| i.entity_name.as_str());
                let body = firings
                    .iter()
                    .map(|(t, m, _)| format!("{t}：{m}"))
                    .collect::<Vec<_>>()
                    .join("\n");
                let title = format!("{name} {} 项预警", firings.len());
                crate::notifications::alert_fired(entity, &title, &body, None)
            }
        })
        .collect();
    crate::notifications::send_logged(store, &grouped, None, now).await;
    Ok(raised)
}

/// The title of an alert problem: the severity once (提示 / 预警 / 严重预警; the warning level
/// used to read 预警预警), the period, the entity and the rule's name.
fn alert_title(inst: &AlertInstance) -> String {
    let label = match inst.rule.severity {
        Severity::Info => "提示",
        Severity::Warning => "预警",
        Severity::Critical => "严重预警",
    };
    format!(
        "{label} {} {}：{}",
        inst.firing.period.label_zh(),
        inst.entity_name,
        inst.rule.name
    )
}

/// The same period one year later (whose derived growth compares with this one).
fn next_year(p: Period) -> Option<Period> {
    match p {
        Period::Months { year, from, to } => Period::months(year + 1, from, to).ok(),
        Period::Week { year, week } => Period::week(year + 1, week).ok(),
    }
}

/// Evaluates the rules of `rules` reading one of `indicators` for `periods` (and, for derived
/// growth, the next year's same periods) and raises their problems into `report`. Failures are
/// recorded in the report, not returned: the data change itself stands.
pub(crate) async fn check_changed_values(
    store: &dyn Store,
    rules: &[AlertRule],
    indicators: &[IndicatorId],
    periods: &[Period],
    now: DateTime<Utc>,
    report: &mut AlertReport,
) {
    let result = async {
        let codes = indicator_codes(store, indicators).await?;
        let mut work: BTreeMap<Period, Vec<AlertRule>> = BTreeMap::new();
        for rule in rules.iter().filter(|r| codes.contains(&r.indicator)) {
            for p in periods {
                work.entry(*p).or_default().push(rule.clone());
                if rule.condition.needs_previous()
                    && let Some(n) = next_year(*p)
                {
                    work.entry(n).or_default().push(rule.clone());
                }
            }
        }
        run_periods(store, work, now, report).await
    };
    if let Err(e) = result.await {
        report.error.get_or_insert(e.to_string());
    }
}

/// After targets of `years` changed: the rules of `rules` reading a plan (behind 序时进度) on one
/// of `indicators` are evaluated for every cumulative month of those years (1月 … 1—12月) and
/// raise their problems into `report`. Failures are recorded, not returned.
pub(crate) async fn check_changed_plans(
    store: &dyn Store,
    rules: &[AlertRule],
    indicators: &[IndicatorId],
    years: &BTreeSet<i32>,
    now: DateTime<Utc>,
    report: &mut AlertReport,
) {
    let result = async {
        let codes = indicator_codes(store, indicators).await?;
        let rules: Vec<AlertRule> = rules
            .iter()
            .filter(|r| r.condition.needs_target() && codes.contains(&r.indicator))
            .cloned()
            .collect();
        if rules.is_empty() {
            return Ok(());
        }
        let work = years
            .iter()
            .flat_map(|y| (1..=12).filter_map(move |m| Period::months(*y, 1, m).ok()))
            .map(|p| (p, rules.clone()))
            .collect();
        run_periods(store, work, now, report).await
    };
    if let Err(e) = result.await {
        report.error.get_or_insert(e.to_string());
    }
}

async fn indicator_codes(
    store: &dyn Store,
    indicators: &[IndicatorId],
) -> Result<Vec<String>, AppError> {
    Ok(store
        .indicators()
        .await?
        .into_iter()
        .filter(|i| indicators.contains(&i.id))
        .map(|i| i.data.code.as_str().to_string())
        .collect())
}

/// The rules in force: the city's `alerts.toml` ([`crate::config`]), else the shipped ones.
pub async fn configured_rules(store: &dyn Store) -> Result<Vec<AlertRule>, AppError> {
    Ok(crate::config::load(store).await?.alerts)
}

/// Evaluates the rules in force for every period in `periods` and raises their problems (the
/// demo does this once its data are loaded).
pub async fn raise_for_periods(
    store: &dyn Store,
    periods: &[Period],
    now: DateTime<Utc>,
) -> Result<AlertReport, AppError> {
    let rules = configured_rules(store).await?;
    let work = periods.iter().map(|p| (*p, rules.clone())).collect();
    let mut report = AlertReport::default();
    run_periods(store, work, now, &mut report).await?;
    Ok(report)
}

async fn run_periods(
    store: &dyn Store,
    work: BTreeMap<Period, Vec<AlertRule>>,
    now: DateTime<Utc>,
    report: &mut AlertReport,
) -> Result<(), AppError> {
    for (period, rules) in work {
        let run = evaluate(store, &rules, period).await?;
        report.evaluated.extend(
            rules
                .iter()
                .filter(|r| !run.skipped.iter().any(|(c, _)| *c == r.code))
                .map(|r| (r.code.clone(), period)),
        );
        report.firing += run.instances.len();
        let active = advance(store, &run.observations, period, now).await?;
        // A rule held for more than one period raises its problem once it fires; a rule of one
        // period raises on every firing, as before the states.
        let to_raise: Vec<AlertInstance> = run
            .instances
            .into_iter()
            .filter(|i| {
                i.rule.states.pending_periods <= 1
                    || active.contains(&(i.rule.code.clone(), i.entity))
            })
            .collect();
        report.raised += raise(store, &to_raise, now).await?;
    }
    Ok(())
}

/// Whether the entity reported what the rule reads: the value, or its growth (reported, or
/// derivable from the same period last year).
fn has_data(rule: &AlertRule, s: &AlertSubject) -> bool {
    use yiping_eval::alerts::AlertMeasure as M;
    let derived = s.value.is_some() && s.previous.is_some();
    match rule.condition.measure() {
        M::Value => s.value.is_some(),
        M::ReportedGrowth => s.reported_growth.is_some(),
        M::DerivedGrowth => derived,
        M::Growth => s.reported_growth.is_some() || derived,
    }
}

/// Moves the alert instances on by one period's observations (pure steps of
/// [`yiping_eval::alerts::states::apply`]) and stores each instance with its change of state.
/// An observation of a period not after the instance's last one changes nothing (a re-import of
/// an older period does not replay the states). An entity that never left normal is not kept, nor
/// one never tracked that has no data. Returns the (rule, entity) firing or recovering after it.
pub async fn advance(
    store: &dyn Store,
    observations: &[StateObservation],
    period: Period,
    now: DateTime<Utc>,
) -> Result<BTreeSet<(String, EntityId)>, AppError> {
    if observations.is_empty() {
        return Ok(BTreeSet::new());
    }
    let rules = configured_rules(store).await?;
    let stored: HashMap<(String, EntityId), StoredAlertInstance> = store
        .alert_instances()
        .await?
        .into_iter()
        .map(|i| ((i.rule.clone(), i.entity), i))
        .collect();
    let end = period.last_day().format("%Y-%m-%d").to_string();
    let mut active = BTreeSet::new();
    for o in observations {
        let key = (o.rule.clone(), o.entity);
        let before = stored.get(&key);
        if before.is_some_and(|b| b.period_end >= end) {
            if before
                .is_some_and(|b| AlertState::parse(&b.state).is_some_and(AlertState::is_active))
            {
                active.insert(key);
            }
            continue;
        }
        let rule = rules
            .iter()
            .find(|r| r.code == o.rule)
            .map(|r| r.states)
            .unwrap_or_default();
        let current = before.map_or_else(states::Instance::default, |b| states::Instance {
            state: AlertState::parse(&b.state).unwrap_or(AlertState::Normal),
            count: b.count,
            was_firing: b.was_firing,
        });
        let (next, change) = states::apply(&rule, current, o.observation);
        if before.is_none() && next.state == AlertState::Normal {
            continue;
        }
        if before.is_none() && next.state == AlertState::NoData {
            continue;
        }
        if next.state.is_active() {
            active.insert(key);
        }
        let instance = StoredAlertInstance {
            rule: o.rule.clone(),
            entity: o.entity,
            state: next.state.code().to_string(),
            count: next.count,
            was_firing: next.was_firing,
            period: period.code(),
            period_end: end.clone(),
            value: o.value,
            updated_at: now,
        };
        let record = change.map(|t| AlertTransitionRecord {
            rule: o.rule.clone(),
            entity: o.entity,
            period: period.code(),
            from: t.from.code().to_string(),
            to: t.to.code().to_string(),
            value: o.value,
            at: now,
        });
        store.record_alert_state(&instance, record.as_ref()).await?;
    }
    Ok(active)
}

/// An alert instance as the alerts page and API show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstanceView {
    pub rule: String,
    pub rule_name: String,
    pub entity: EntityId,
    pub entity_name: String,
    pub state: String,
    pub state_label: &'static str,
    pub period: String,
    pub value: Option<f64>,
    pub updated_at: DateTime<Utc>,
    /// Whether a silence covers it now.
    pub silenced: bool,
    /// Its changes of state, oldest first: (period, from, to) with the Chinese state names.
    pub history: Vec<(String, &'static str, &'static str)>,
}

fn state_label(code: &str) -> &'static str {
    AlertState::parse(code).map_or("未知", AlertState::label_zh)
}

/// The alert instances of entities `p` may see, with their history, and the silences: the
/// alerts page and `GET /api/v1/alerts`.
pub async fn instances(
    store: &dyn Store,
    p: &yiping_access::Principal,
    now: DateTime<Utc>,
) -> Result<(Vec<InstanceView>, Vec<yiping_store::Silence>), AppError> {
    p.require(yiping_access::Capability::ViewData)?;
    let rules = configured_rules(store).await?;
    let entities = store.all_entities().await?;
    let silences = store.silences().await?;
    let mut out = Vec::new();
    for i in store.alert_instances().await? {
        if !p.sees(i.entity) {
            continue;
        }
        let history = store
            .alert_transitions(&i.rule, i.entity)
            .await?
            .into_iter()
            .map(|t| (t.period, state_label(&t.from), state_label(&t.to)))
            .collect();
        out.push(InstanceView {
            rule_name: rules
                .iter()
                .find(|r| r.code == i.rule)
                .map_or_else(|| i.rule.clone(), |r| r.name.clone()),
            entity_name: entities
                .iter()
                .find(|e| e.id == i.entity)
                .map_or_else(String::new, |e| e.data.name.clone()),
            silenced: silences.iter().any(|s| s.covers(&i.rule, i.entity, now)),
            state_label: state_label(&i.state),
            rule: i.rule,
            entity: i.entity,
            state: i.state,
            period: i.period,
            value: i.value,
            updated_at: i.updated_at,
            history,
        });
    }
    let silences = silences
        .into_iter()
        .filter(|s| s.entity.is_none_or(|e| p.sees(e)))
        .collect();
    Ok((out, silences))
}

/// A silence as a person asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SilenceRequest {
    /// A rule's code (None: every rule).
    pub rule: Option<String>,
    /// An entity in the user's scope (None: all, administrators and analysts of the city only).
    pub entity: Option<EntityId>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
}

/// Stores a silence for `p` (who may run evaluations: 分析员, 管理员), checked: a known rule, an
/// entity in their scope (or, for everything, a user whose scope is everything), an end after
/// the start and a reason.
pub async fn add_silence(
    store: &dyn Store,
    p: &yiping_access::Principal,
    req: SilenceRequest,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    use yiping_access::Capability;
    p.require(Capability::RunEvaluations)?;
    match req.entity {
        Some(e) => p.require_in(Capability::RunEvaluations, e)?,
        None if !p.scope.is_everything() => {
            return Err(AppError::invalid(
                "请选择要静默的单位（只有全市范围的用户可以静默所有单位）",
            ));
        }
        None => {}
    }
    if let Some(rule) = &req.rule
        && !configured_rules(store)
            .await?
            .iter()
            .any(|r| &r.code == rule)
    {
        return Err(AppError::invalid(format!("预警规则“{rule}”不存在")));
    }
    if req.ends_at <= req.starts_at {
        return Err(AppError::invalid("静默的结束时间须晚于开始时间"));
    }
    let reason = req.reason.trim();
    if reason.is_empty() {
        return Err(AppError::invalid("请填写静默原因"));
    }
    Ok(store
        .add_silence(&yiping_store::NewSilence {
            rule: req.rule,
            entity: req.entity,
            starts_at: req.starts_at,
            ends_at: req.ends_at,
            reason: reason.to_string(),
            created_by: p.login.clone(),
            created_at: now,
        })
        .await?)
}
