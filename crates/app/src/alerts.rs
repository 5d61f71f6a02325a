//! Indicator early warning on the server (DOMAIN §19): the rules (`yiping_eval::alerts`, shipped
//! in `crates/eval/alerts/indicator_alerts.toml`) are evaluated against the stored values of a
//! period, and each firing raises one 问题 work item (channel 监测预警), received and owned by
//! the entity it is about, with an [`AlertLink`] (rule, indicator, period, entity, value,
//! threshold, severity) in its extras. An existing item for the same (rule, indicator, period,
//! entity), open or closed, stops a second one, so re-importing the same data raises nothing.
//! Each problem raised notifies the users of its entity (监测预警, [`crate::notifications`]).
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
use yiping_eval::alerts::{AlertInput, AlertRule, AlertSubject, Firing, Severity, evaluate_rule};
use yiping_eval::scheme::FieldError;
use yiping_flow::{Channel, Priority};
use yiping_kernel::{EntityId, IndicatorId, Measure, Period, TargetKind};
use yiping_store::{AlertLink, ItemExtras, PROBLEM_SOURCES, Store, TargetFilter};

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
        for firing in evaluate_rule(rule, &input) {
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
    let mut notices = Vec::new();
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
        notices.push(crate::notifications::alert_fired(
            inst.entity,
            &title,
            &inst.firing.message,
            Some(item),
        ));
        existing.push(link);
        raised += 1;
    }
    crate::notifications::send_logged(store, &notices, None, now).await;
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
        report.raised += raise(store, &run.instances, now).await?;
    }
    Ok(())
}
