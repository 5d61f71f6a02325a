//! Indicators defined by a quotient formula (亩均税收 = ENT_TAX / LAND_MU) follow their inputs:
//! after an import changes an operand, the quotient is recomputed for the same entities and
//! periods and stored like any value, so evaluations and screens read it without knowing it was
//! derived.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use yiping_kernel::{
    EntityId, IndicatorId, Measure, ObservationKey, ObservationStatus, ObservationValue, Period,
    StatusPolicy,
};
use yiping_store::{ApplyOptions, ChangeContext, Store};

use crate::AppError;

/// Recomputes the quotient indicators whose operands `changed` touches. Returns the derived
/// indicators whose stored values changed.
pub async fn derive_after_change(
    store: &dyn Store,
    changed: &[ObservationKey],
    ctx: &ChangeContext,
) -> Result<Vec<IndicatorId>, AppError> {
    let indicators = store.indicators().await?;
    let by_code: HashMap<&str, IndicatorId> = indicators
        .iter()
        .map(|i| (i.data.code.as_str(), i.id))
        .collect();
    // (entity, period) pairs touched per changed indicator (levels only).
    let mut touched: HashMap<IndicatorId, BTreeSet<(Period, EntityId)>> = HashMap::new();
    for k in changed.iter().filter(|k| k.measure == Measure::Value) {
        touched
            .entry(k.indicator)
            .or_default()
            .insert((k.period, k.entity));
    }
    let mut batch = Vec::new();
    let mut derived = Vec::new();
    let mut slices: HashMap<(IndicatorId, Period), HashMap<EntityId, f64>> = HashMap::new();
    for ind in &indicators {
        let Some((a, b)) = ind.data.quotient_operands() else {
            continue;
        };
        let (Some(&a), Some(&b)) = (by_code.get(a), by_code.get(b)) else {
            continue;
        };
        let mut pairs: BTreeMap<Period, BTreeSet<EntityId>> = BTreeMap::new();
        for (p, e) in touched.get(&a).into_iter().chain(touched.get(&b)).flatten() {
            pairs.entry(*p).or_default().insert(*e);
        }
        if pairs.is_empty() {
            continue;
        }
        derived.push(ind.id);
        for (period, entities) in pairs {
            for operand in [a, b] {
                if let std::collections::hash_map::Entry::Vacant(slot) =
                    slices.entry((operand, period))
                {
                    let rows = store
                        .observation_slice(operand, period, Measure::Value)
                        .await?;
                    slot.insert(rows.into_iter().map(|(e, v)| (e, v.value())).collect());
                }
            }
            for e in entities {
                let (Some(x), Some(y)) =
                    (slices[&(a, period)].get(&e), slices[&(b, period)].get(&e))
                else {
                    continue;
                };
                if let Some(v) = ind.data.quotient_value(*x, *y) {
                    let key = ObservationKey {
                        entity: e,
                        indicator: ind.id,
                        period,
                        measure: Measure::Value,
                    };
                    let value = ObservationValue::new(v, ObservationStatus::Submitted)
                        .map_err(|e| AppError::invalid(e.to_string()))?;
                    batch.push((key, value));
                }
            }
        }
    }
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let ctx = ChangeContext::new(
        ctx.actor.clone(),
        format!("公式派生（{}）", ctx.source),
        ctx.at,
    );
    let opts = ApplyOptions {
        dry_run: false,
        status: StatusPolicy::KeepWhenValueUnchanged,
        // Derived values follow their operands, which were themselves checked.
        keep_approved: false,
    };
    let report = store.apply_observations(&batch, &ctx, opts).await?;
    Ok(if report.inserted + report.updated > 0 {
        derived
    } else {
        Vec::new()
    })
}
