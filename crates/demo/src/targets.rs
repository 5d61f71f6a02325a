//! Annual targets of the city and every 区县-level unit for the demo's target years (the year of
//! the last complete month and the current year): GDP growth, FAI growth, an FAI level (the
//! previous year's level plus the growth target) with the default linear schedule and an 工业投资
//! level with a back-loaded schedule (DOMAIN.md §8).

use std::collections::HashMap;

use yiping_kernel::{Measure, Period, TargetKind};

use super::draw::{Draw, round_to};
use super::regions::Regions;
use super::{DemoObservation, DemoTarget};

/// A back-loaded plan: cumulative share of the annual target at the end of each month.
pub(super) const BACK_LOADED: [f64; 12] = [
    0.05, 0.10, 0.17, 0.24, 0.31, 0.39, 0.47, 0.56, 0.66, 0.77, 0.88, 1.0,
];

/// The year whose city GDP target is published.
const PUBLISHED_YEAR: i32 = 2024;

/// The city's GDP growth target for 2024, as published: "地区生产总值预期目标增长6%左右" (重庆市政府工作报告,
/// 2024-01-21, via http://cq.xinhuanet.com/20240121/172c7ab51183433dae3d4b60bc610ff5/c.html). The other
/// targets, and every target of another year (which repeats these figures), are synthetic.
const CITY_GDP_GROWTH: f64 = 6.0;
const CITY_FAI_GROWTH: f64 = 5.0;
const CITY_IND_INV_GROWTH: f64 = 10.0;

fn half_points(x: f64) -> f64 {
    (x * 2.0).round() / 2.0
}

pub(super) fn generate(
    seed: u64,
    regions: &Regions,
    observations: &[DemoObservation],
    years: &[i32],
) -> Vec<DemoTarget> {
    years
        .iter()
        .flat_map(|&y| of_year(seed, regions, observations, y))
        .collect()
}

fn of_year(
    seed: u64,
    regions: &Regions,
    observations: &[DemoObservation],
    year: i32,
) -> Vec<DemoTarget> {
    let base_year = Period::year(year - 1).expect("a valid year");
    let last_year: HashMap<(&str, &str, Measure), f64> = observations
        .iter()
        .filter(|o| o.period == base_year)
        .map(|o| {
            (
                (o.entity_key.as_str(), o.indicator_code.as_str(), o.measure),
                o.value,
            )
        })
        .collect();
    let get = |key: &str, code: &str, m: Measure| {
        *last_year
            .get(&(key, code, m))
            .unwrap_or_else(|| panic!("no {code} {m:?} for {key} in {base_year}"))
    };
    let city = regions.city.key.as_str();
    let lead =
        |key: &str, code: &str| get(key, code, Measure::Growth) - get(city, code, Measure::Growth);

    let mut targets = Vec::new();
    let mut push =
        |key: &str, code: &str, kind: TargetKind, value: f64, schedule: Option<Vec<f64>>| {
            targets.push(DemoTarget {
                entity_key: key.to_string(),
                indicator_code: code.to_string(),
                year,
                kind,
                value,
                schedule,
            });
        };
    for r in std::iter::once(&regions.city).chain(&regions.units) {
        let key = r.key.as_str();
        let (gdp, fai, ind_inv) = if key == city {
            (CITY_GDP_GROWTH, CITY_FAI_GROWTH, CITY_IND_INV_GROWTH)
        } else {
            let label = if year == PUBLISHED_YEAR {
                format!("target/{key}")
            } else {
                format!("target/{key}/{year}")
            };
            let mut d = Draw::new(seed, &label);
            let gdp = half_points(CITY_GDP_GROWTH + 0.5 * lead(key, "GDP") + d.range(-0.3, 1.2))
                .clamp(5.0, 9.5);
            let fai = half_points(CITY_FAI_GROWTH + 0.3 * lead(key, "FAI") + d.range(-1.0, 3.0))
                .clamp(0.0, 20.0);
            let ind_inv = half_points(CITY_IND_INV_GROWTH + d.range(-3.0, 6.0));
            (gdp, fai, ind_inv)
        };
        push(key, "GDP", TargetKind::Growth, gdp, None);
        push(key, "FAI", TargetKind::Growth, fai, None);
        let fai_level = get(key, "FAI", Measure::Value) * (1.0 + fai / 100.0);
        push(key, "FAI", TargetKind::Level, round_to(fai_level, 2), None);
        let ind_level = get(key, "IND_INV", Measure::Value) * (1.0 + ind_inv / 100.0);
        push(
            key,
            "IND_INV",
            TargetKind::Level,
            round_to(ind_level, 2),
            Some(BACK_LOADED.to_vec()),
        );
    }
    targets
}
