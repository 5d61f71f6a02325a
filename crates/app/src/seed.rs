//! Loading the generated demo data into a store, in a few transactions.

use std::collections::HashMap;

use yiping_kernel::{
    EntityId, IndicatorId, ObservationKey, ObservationStatus, ObservationValue, Target,
};
use yiping_store::{ApplyOptions, ChangeContext, EntityUpsert, ParentRef, Store};

use crate::AppError;
use crate::demo::DemoData;

/// What loading the demo wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub entities: usize,
    pub indicators: usize,
    pub observations: usize,
    pub targets: usize,
}

/// Loads `data` (idempotent: loading twice changes nothing the second time).
pub async fn load_demo(
    store: &dyn Store,
    data: &DemoData,
    ctx: &ChangeContext,
) -> Result<DemoSummary, AppError> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut items = Vec::with_capacity(data.entities.len());
    for (i, e) in data.entities.iter().enumerate() {
        let mut up = EntityUpsert::new(e.entity.clone());
        if let Some(p) = &e.parent_key {
            let j = *index.get(p.as_str()).ok_or_else(|| {
                AppError::invalid(format!("演示数据：{} 的上级 {p} 未先出现", e.key))
            })?;
            up = up.with_parent(ParentRef::Earlier(j));
        }
        index.insert(e.key.as_str(), i);
        items.push(up);
    }
    let ids = store.upsert_entities(&items, ctx).await?;
    let entity_ids: HashMap<&str, EntityId> = data
        .entities
        .iter()
        .zip(&ids)
        .map(|(e, (id, _))| (e.key.as_str(), *id))
        .collect();

    store.upsert_indicators(&data.indicators, ctx).await?;
    let indicator_ids: HashMap<String, IndicatorId> = store
        .indicators()
        .await?
        .into_iter()
        .map(|i| (i.data.code.as_str().to_string(), i.id))
        .collect();
    let entity = |k: &str| {
        entity_ids
            .get(k)
            .copied()
            .ok_or_else(|| AppError::invalid(format!("演示数据：主体 {k} 不存在")))
    };
    let indicator = |c: &str| {
        indicator_ids
            .get(c)
            .copied()
            .ok_or_else(|| AppError::invalid(format!("演示数据：指标 {c} 不存在")))
    };

    let mut batch = Vec::with_capacity(data.observations.len());
    for o in &data.observations {
        let key = ObservationKey {
            entity: entity(&o.entity_key)?,
            indicator: indicator(o.indicator_code.as_str())?,
            period: o.period,
            measure: o.measure,
        };
        let value = ObservationValue::new(o.value, ObservationStatus::Approved)
            .map_err(|e| AppError::invalid(format!("演示数据：{e}")))?;
        batch.push((key, value));
    }
    store
        .apply_observations(&batch, ctx, ApplyOptions::write())
        .await?;

    let mut targets = Vec::with_capacity(data.targets.len());
    for t in &data.targets {
        let target = Target::new(
            entity(&t.entity_key)?,
            indicator(t.indicator_code.as_str())?,
            t.year,
            t.kind,
            t.value,
            t.schedule.clone(),
        )
        .map_err(|e| AppError::invalid(format!("演示数据：{e}")))?;
        targets.push(target);
    }
    store.upsert_targets(&targets, ctx).await?;
    Ok(DemoSummary {
        entities: ids.len(),
        indicators: data.indicators.len(),
        observations: batch.len(),
        targets: targets.len(),
    })
}
