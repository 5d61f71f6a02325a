//! Key-figure tiles: the latest cumulative value and growth of a few indicators for the unit,
//! the growth target and, where an annual plan exists, completion against 序时进度 (time
//! progress by the plan's monthly schedule, linear when none) with its label (DOMAIN §8).

use std::collections::HashMap;

use serde::Serialize;
use yiping_eval::ProgressBands;
use yiping_kernel::{Indicator, IndicatorId, Measure, Period, Target, TargetKind};

/// The indicators shown as tiles, in order, as shipped (`screens.toml` sets them per level).
pub const TILE_INDICATORS: [&str; 5] = ["GDP", "IND_VA", "FAI", "RETAIL", "IND_INV"];

/// 序时进度 of a cumulative value against an annual plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressView {
    /// Completion of the annual plan, %.
    pub completion: f64,
    /// The share of the plan due by now, %.
    pub time_progress: f64,
    /// completion − time progress, percentage points.
    pub gap: f64,
    /// 达到 / 略低于 / 低于 / 明显低于.
    pub label: String,
}

/// One key figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tile {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub decimals: u8,
    pub value: Option<f64>,
    /// Growth on the same period last year, %.
    pub growth: Option<f64>,
    /// The period the figures are for (the latest with data up to the chosen month).
    pub period: Option<String>,
    pub period_label: Option<String>,
    /// The annual growth target, %.
    pub growth_target: Option<f64>,
    pub progress: Option<ProgressView>,
}

/// Observations of one unit, keyed by indicator, period and measure.
pub type Values = HashMap<(IndicatorId, Period, Measure), f64>;

/// The cumulative period 1—`month` of `year`.
pub fn cumulative(year: i32, month: u8) -> Option<Period> {
    Period::months(year, 1, month).ok()
}

/// The tile of `indicator` for the cumulative period up to `month` of `year` (or the latest
/// earlier month of that year with data).
pub fn tile(
    indicator: &Indicator,
    values: &Values,
    targets: &[Target],
    year: i32,
    month: u8,
    bands: &ProgressBands,
) -> Tile {
    let id = indicator.id;
    let found = (1..=month).rev().find_map(|m| {
        let p = cumulative(year, m)?;
        let v = values.get(&(id, p, Measure::Value)).copied();
        let g = values.get(&(id, p, Measure::Growth)).copied();
        (v.is_some() || g.is_some()).then_some((m, p, v, g))
    });
    let target = |kind: TargetKind| {
        targets
            .iter()
            .find(|t| t.indicator == id && t.year == year && t.kind == kind)
    };
    let growth_target = target(TargetKind::Growth).map(|t| t.value);
    let progress = found.and_then(|(m, _, v, _)| {
        let plan = target(TargetKind::Level)?;
        let a = yiping_eval::measures::assess_progress(
            v?,
            Some(plan.value),
            plan.planned_share(m) * 100.0,
            bands,
        )?;
        Some(ProgressView {
            completion: a.completion,
            time_progress: a.time_progress,
            gap: a.gap,
            label: a.label,
        })
    });
    Tile {
        code: indicator.data.code.as_str().to_string(),
        name: indicator.data.name.clone(),
        unit: indicator.data.unit.clone(),
        decimals: indicator.data.decimals,
        value: found.and_then(|f| f.2),
        growth: found.and_then(|f| f.3),
        period: found.map(|f| f.1.code()),
        period_label: found.map(|f| f.1.label_zh()),
        growth_target,
        progress,
    }
}

#[cfg(test)]
mod tests {
    use yiping_kernel::{EntityId, NewIndicator};

    use super::*;

    fn fai() -> Indicator {
        Indicator {
            id: IndicatorId(7),
            data: NewIndicator::new("FAI", "固定资产投资", "亿元").unwrap(),
        }
    }

    #[test]
    fn the_tile_takes_the_latest_month_with_data_and_assesses_time_progress() {
        let i = fai();
        let mut values = Values::new();
        let p9 = cumulative(2024, 9).unwrap();
        values.insert((i.id, p9, Measure::Value), 297.0);
        values.insert((i.id, p9, Measure::Growth), 4.1);
        // DOMAIN §8 worked example: plan 405.34 亿, Jan–Sep 297 亿 → 73.27 %, gap −1.73, 略低于.
        let plan = Target::new(EntityId(1), i.id, 2024, TargetKind::Level, 405.34, None).unwrap();
        let t = tile(&i, &values, &[plan], 2024, 10, &ProgressBands::default());
        assert_eq!(t.period.as_deref(), Some("2024M01-M09"));
        assert_eq!(t.value, Some(297.0));
        assert_eq!(t.growth, Some(4.1));
        let p = t.progress.unwrap();
        assert!((p.completion - 73.27).abs() < 0.01, "{p:?}");
        assert!((p.gap + 1.73).abs() < 0.01, "{p:?}");
        assert_eq!(p.label, "略低于");
    }

    #[test]
    fn no_data_and_no_plan_give_an_empty_tile() {
        let t = tile(
            &fai(),
            &Values::new(),
            &[],
            2024,
            3,
            &ProgressBands::default(),
        );
        assert_eq!(t.value, None);
        assert_eq!(t.progress, None);
        assert_eq!(t.period, None);
    }
}
