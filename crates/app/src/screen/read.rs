//! Paged reads the screen needs whole: the unit's own observations, every work item, and the
//! months the period picker offers.

use yiping_kernel::{EntityId, Period};
use yiping_store::{ObservationFilter, Page, Store, WorkItemFilter};

use super::tiles::Values;
use crate::AppError;

pub(super) async fn own_values(
    store: &dyn Store,
    unit: EntityId,
    ids: Vec<yiping_kernel::IndicatorId>,
) -> Result<Values, AppError> {
    let filter = ObservationFilter {
        entities: Some(vec![unit]),
        indicators: Some(ids),
        ..Default::default()
    };
    let mut values = Values::new();
    for o in observations(store, &filter).await? {
        values.insert(
            (o.key.indicator, o.key.period, o.key.measure),
            o.value.value(),
        );
    }
    Ok(values)
}

/// Every observation matching `filter`, page by page.
pub(crate) async fn observations(
    store: &dyn Store,
    filter: &ObservationFilter,
) -> Result<Vec<yiping_kernel::Observation>, AppError> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = store
            .observations(filter, Page::new(Page::MAX_LIMIT, offset))
            .await?;
        let n = page.items.len() as u64;
        out.extend(page.items);
        offset += n;
        if n == 0 || offset >= page.total {
            return Ok(out);
        }
    }
}

pub(crate) async fn all_items(
    store: &dyn Store,
) -> Result<Vec<(yiping_flow::WorkItem, yiping_store::ItemExtras)>, AppError> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = store
            .work_items(
                &WorkItemFilter::default(),
                Page::new(Page::MAX_LIMIT, offset),
            )
            .await?;
        let n = page.items.len() as u64;
        out.extend(page.items.into_iter().map(|s| (s.item, s.extras)));
        offset += n;
        if n == 0 || offset >= page.total {
            return Ok(out);
        }
    }
}

/// Every month of the years with stored evaluations, up to the newest evaluated month, newest
/// first; at least the twelve months of `year`.
pub(super) fn picker_months(runs: &[yiping_store::EvaluationRun], year: i32) -> Vec<Period> {
    let last = runs.iter().map(|r| r.period.last_day()).max();
    let mut years: Vec<i32> = runs.iter().map(|r| r.period.year_number()).collect();
    years.push(year);
    years.sort_unstable();
    years.dedup();
    let mut out = Vec::new();
    for y in years.iter().rev() {
        for m in (1..=12u8).rev() {
            if let Ok(p) = Period::month(*y, m)
                && last.is_none_or(|d| p.last_day() <= d || *y == year)
            {
                out.push(p);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_picker_offers_the_months_of_the_evaluated_years() {
        let m = picker_months(&[], 2024);
        assert_eq!(m.len(), 12);
        assert_eq!(m[0].code(), "2024M12");
    }
}
