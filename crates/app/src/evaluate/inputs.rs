//! Building the engine's input from the store: the population, one column per item filled from
//! one `observation_slice` per indicator, period and measure, targets, city references, previous
//! results and the stored scores of component schemes.

use std::collections::HashMap;

use yiping_eval::scheme::{
    BandRule, Base, Basis, ColourRule, MeasureKind, Normalisation, Reference, Threshold,
};
use yiping_eval::{
    EntityInput, EvalInput, ItemInput, PreviousEntry, PreviousResults, Scheme, pick_growth,
};
use yiping_kernel::{
    Entity, EntityId, EntityKind, Frequency, Indicator, IndicatorId, Measure, Period, TargetKind,
};
use yiping_store::{Store, TargetFilter};

use super::World;
use crate::AppError;

/// The engine's input and, aligned with its entities, the store's ids.
#[derive(Debug)]
pub(super) struct Built {
    pub input: EvalInput,
    pub ids: Vec<EntityId>,
}

/// The key an entity is ranked and listed by: its code, or its id when it has none.
pub(crate) fn entity_key(e: &Entity) -> String {
    e.data
        .code
        .as_ref()
        .map_or_else(|| e.id.0.to_string(), |c| c.as_str().to_string())
}

/// Whether the entity exists on `date`: a root, or one with a parent link valid then.
pub(crate) fn valid_at(e: &Entity, date: chrono::NaiveDate) -> bool {
    e.data.parents.is_empty() || e.data.parents.iter().any(|l| l.valid_at(date))
}

/// The city: the only region without a parent on `date` (the root of the region tree).
fn city_of(world: &World, date: chrono::NaiveDate) -> Option<EntityId> {
    let mut roots = world
        .entities
        .iter()
        .filter(|e| e.data.kind == EntityKind::Region && e.parent_at(date).is_none())
        .filter(|e| valid_at(e, date));
    let first = roots.next()?;
    roots.next().is_none().then_some(first.id)
}

/// The period an indicator's values are read at: annual indicators in a shorter period take the
/// previous full year (the latest published value).
fn data_period(ind: &Indicator, period: Period) -> Period {
    if ind.data.frequency == Frequency::Year && period.month_count() != Some(12) {
        Period::year(period.year_number() - 1).unwrap_or(period)
    } else {
        period
    }
}

/// Whether item `k` reads targets: its measure, normalisation, or a cut point on it.
fn needs_target(scheme: &Scheme, k: usize) -> bool {
    let item = &scheme.items()[k];
    let by_measure = matches!(
        item.measure,
        MeasureKind::Completion
            | MeasureKind::ProgressGap
            | MeasureKind::DifferenceToReference {
                reference: Reference::Target,
                ..
            }
    );
    let by_norm = matches!(item.normalisation, Normalisation::TargetCompletion { .. });
    let refers = |by: Basis, ts: &[Threshold]| {
        by == Basis::Item(k)
            && ts.iter().any(|t| {
                matches!(
                    t,
                    Threshold::Relative {
                        reference: Reference::Target,
                        ..
                    }
                )
            })
    };
    let by_band = scheme.banding().is_some_and(|b| match &b.rule {
        BandRule::Absolute { by, thresholds } => refers(*by, thresholds),
        _ => false,
    });
    let by_colour = scheme.colours().is_some_and(|c| match &c.rule {
        ColourRule::Thresholds { by, cuts } => refers(*by, cuts),
        ColourRule::Quintile => false,
    });
    by_measure || by_norm || by_band || by_colour
}

fn growth_based(m: &MeasureKind) -> bool {
    matches!(
        m,
        MeasureKind::Growth
            | MeasureKind::DifferenceToReference {
                base: Base::Growth,
                ..
            }
    )
}

/// Slices already read, per (indicator, period, measure).
#[derive(Debug, Default)]
struct Slices(HashMap<(IndicatorId, Period, Measure), HashMap<EntityId, f64>>);

impl Slices {
    async fn get(
        &mut self,
        store: &dyn Store,
        ind: IndicatorId,
        period: Period,
        measure: Measure,
    ) -> Result<&HashMap<EntityId, f64>, AppError> {
        let key = (ind, period, measure);
        if let std::collections::hash_map::Entry::Vacant(slot) = self.0.entry(key) {
            let rows = store.observation_slice(ind, period, measure).await?;
            slot.insert(rows.into_iter().map(|(e, v)| (e, v.value())).collect());
        }
        Ok(&self.0[&key])
    }
}

/// A column aligned with `ids` from a map.
fn column(ids: &[EntityId], m: &HashMap<EntityId, f64>) -> Vec<Option<f64>> {
    ids.iter().map(|id| m.get(id).copied()).collect()
}

pub(super) async fn build(
    store: &dyn Store,
    world: &World,
    scheme: &Scheme,
    period: Period,
    previous: Option<Period>,
) -> Result<Built, AppError> {
    let date = period.last_day();
    let pop = scheme.population();
    let mut ids = Vec::new();
    let mut entities = Vec::new();
    for e in world.entities.iter().filter(|e| valid_at(e, date)) {
        let key = entity_key(e);
        let candidate = (e.data.kind == pop.kind && pop.level.is_none_or(|l| l == e.data.level))
            || pop.include.contains(&key);
        if candidate {
            ids.push(e.id);
            entities.push(
                EntityInput::new(key, e.data.name.clone(), e.data.kind, e.data.level)
                    .with_groups(e.data.groups.iter().cloned()),
            );
        }
    }
    let mut input = EvalInput::new(entities);
    input.references.time_progress = Some(match period {
        Period::Months { .. } => period.elapsed_share_by_month() * 100.0,
        Period::Week { .. } => period.elapsed_share_by_day() * 100.0,
    });
    let city = city_of(world, date);
    let mut slices = Slices::default();
    for (k, item) in scheme.items().iter().enumerate() {
        let mut col = ItemInput::default();
        if let MeasureKind::SchemeScore { scheme: comp } = &item.measure {
            let scores: HashMap<EntityId, f64> = store
                .evaluation_slice(comp, period)
                .await?
                .into_iter()
                .filter_map(|r| r.score.map(|s| (r.entity, s)))
                .collect();
            col.value = column(&ids, &scores);
            input.items.insert(item.id.clone(), col);
            continue;
        }
        let Some(code) = &item.indicator else {
            continue;
        };
        let ind = world.indicators.get(code.as_str()).ok_or_else(|| {
            AppError::invalid(format!(
                "方案 {} 的评价项“{}”引用的指标 {code} 不存在",
                scheme.code(),
                item.name
            ))
        })?;
        let dp = data_period(ind, period);
        col.polarity = Some(ind.data.polarity);
        let values = slices.get(store, ind.id, dp, Measure::Value).await?;
        col.value = column(&ids, values);
        let city_value = city.and_then(|c| values.get(&c).copied());
        let needs_previous =
            growth_based(&item.measure) || matches!(item.measure, MeasureKind::Contribution(_));
        let mut city_previous = None;
        if needs_previous && let Some(last_year) = dp.same_period_last_year() {
            let prev = slices.get(store, ind.id, last_year, Measure::Value).await?;
            col.previous = column(&ids, prev);
            city_previous = city.and_then(|c| prev.get(&c).copied());
        }
        let mut city_growth = None;
        if growth_based(&item.measure) {
            let g = slices.get(store, ind.id, dp, Measure::Growth).await?;
            col.reported_growth = column(&ids, g);
            city_growth = pick_growth(
                city.and_then(|c| g.get(&c).copied()),
                yiping_eval::measures::yoy_growth(city_value, city_previous),
            )
            .map(|(v, _)| v);
        }
        let mut city_target = None;
        if needs_target(scheme, k) {
            let kind = if growth_based(&item.measure) {
                TargetKind::Growth
            } else {
                TargetKind::Level
            };
            let targets = store
                .targets(&TargetFilter {
                    year: Some(period.year_number()),
                    indicator: Some(ind.id),
                    kind: Some(kind),
                    ..Default::default()
                })
                .await?;
            let by_entity: HashMap<EntityId, f64> =
                targets.iter().map(|t| (t.entity, t.value)).collect();
            col.target = column(&ids, &by_entity);
            if let Some(ct) = city.and_then(|c| targets.iter().find(|t| t.entity == c)) {
                city_target = Some(ct.value);
                // A city plan with its own monthly curve sets the item's 序时进度.
                if ct.schedule().is_some()
                    && let Period::Months { to, .. } = period
                {
                    col.time_progress = Some(ct.planned_share(to) * 100.0);
                }
            }
        }
        col.parent_current = city_value;
        col.parent_previous = city_previous;
        col.city = match &item.measure {
            MeasureKind::Growth => city_growth,
            MeasureKind::DifferenceToReference { base, .. } => match base {
                Base::Growth => city_growth,
                Base::Value => city_value,
            },
            MeasureKind::Completion => city_value
                .zip(city_target)
                .and_then(|(v, t)| yiping_eval::measures::completion_rate(v, t)),
            MeasureKind::ProgressGap => city_value
                .zip(city_target)
                .and_then(|(v, t)| yiping_eval::measures::completion_rate(v, t))
                .zip(col.time_progress.or(input.references.time_progress))
                .map(|(c, tp)| c - tp),
            MeasureKind::Share => city_value.map(|_| 100.0),
            MeasureKind::Value => city_value,
            MeasureKind::Contribution(_) | MeasureKind::SchemeScore { .. } => None,
        };
        input.items.insert(item.id.clone(), col);
    }
    // Bonus and penalty inputs: the indicator whose code is the adjustment's id, if any.
    for adj in scheme.adjustments() {
        if let Some(ind) = world.indicators.get(&adj.id.to_ascii_uppercase()) {
            let values = slices
                .get(store, ind.id, data_period(ind, period), Measure::Value)
                .await?;
            input
                .adjustments
                .insert(adj.id.clone(), column(&ids, values));
        }
    }
    if let Some(prev) = previous {
        let mut p = PreviousResults::new();
        for r in store.evaluation_slice(scheme.code(), prev).await? {
            p.insert(
                r.entity_key,
                PreviousEntry {
                    rank: r.rank,
                    cohort_rank: r.cohort_rank,
                    grade: r.grade,
                },
            );
        }
        input.previous = Some(p);
    }
    Ok(Built { input, ids })
}
