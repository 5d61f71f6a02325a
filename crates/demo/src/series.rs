//! Regional observations from 2022 on: cumulative levels and reported growth for the city, the 38
//! 区县 and the 3 functional areas.
//!
//! How the numbers hang together:
//! - **Growth** (Measure::Growth, %, one decimal) is generated first. The city's follows a centre per
//!   year with noise that shrinks as the cumulative period lengthens; a region's is the city's plus
//!   a stable offset (persistent across years plus a yearly part). Published growths are kept
//!   exactly; around them the offset is interpolated, and it fades back to the region's own offset
//!   away from them, so a published figure does not stand out as a jump.
//! - **Levels** (Measure::Value). The city's annual level moves from 2023 by the reported annual
//!   growth plus a price gap, and is spread over the year by a seasonal profile. For summed
//!   indicators the 38 districts partition the city: each cumulative city value is split by
//!   district shares with the largest-remainder method, in units of the indicator's last decimal,
//!   so the districts add up to the city exactly; published district levels are fixed parts of the
//!   split. Shares move between years with the growth offsets. Functional areas overlap the
//!   districts, so they are not part of the split: their level is a share of the city's. Levels are
//!   never used to recompute growth (DOMAIN.md §0.2).

use yiping_kernel::{Measure, NewIndicator, Period};

use super::DemoObservation;
use super::data::Published;
use super::draw::{Draw, allocate, round_to};
use super::profile::{self, SPECS, SeriesSpec, city_rd_intensity};
use super::regions::{Region, RegionKind, Regions};

/// The last months of the cumulative periods of a year: 1–2月 … 1–12月, or the quarters.
fn period_ends(quarterly: bool) -> Vec<u8> {
    if quarterly {
        vec![3, 6, 9, 12]
    } else {
        (2..=12).collect()
    }
}

fn cumulative(year: i32, to: u8) -> Period {
    Period::months(year, 1, to).expect("a valid cumulative period")
}

/// The published figure of `r` for this indicator, measure and period, if any.
fn published<'a>(
    r: &'a Region,
    code: &str,
    measure: Measure,
    period: Period,
) -> Option<&'a Published> {
    r.published
        .iter()
        .find(|p| p.indicator == code && p.measure == measure && p.period == period)
}

/// Published growths of one year as (index into `ends`, value).
fn growth_anchors(r: &Region, code: &str, year: i32, ends: &[u8]) -> Vec<(usize, f64)> {
    ends.iter()
        .enumerate()
        .filter_map(|(i, &to)| {
            published(r, code, Measure::Growth, cumulative(year, to)).map(|p| (i, p.value))
        })
        .collect()
}

/// A growth series over `ends`: `base` plus an offset that equals the anchors where given, is
/// interpolated between them and fades to `default` away from them, plus noise.
fn growth_series(
    base: &[f64],
    anchors: &[(usize, f64)],
    default: f64,
    noise: f64,
    ends: &[u8],
    d: &mut Draw,
) -> Vec<f64> {
    let offset_at = |i: usize| -> f64 {
        let before = anchors.iter().rev().find(|(j, _)| *j <= i);
        let after = anchors.iter().find(|(j, _)| *j >= i);
        let off = |(j, a): (usize, f64)| a - base[j];
        let fade = |j: usize, o: f64| {
            let months = f64::from(ends[i].abs_diff(ends[j]));
            let w = 0.5f64.powi((months / 3.0).round() as i32).sqrt();
            w * o + (1.0 - w) * default
        };
        match (before, after) {
            (None, None) => default,
            (Some(&(j, a)), None) | (None, Some(&(j, a))) => fade(j, off((j, a))),
            (Some(&(j, a)), Some(&(k, _))) if j == k => off((j, a)),
            (Some(&(j, a)), Some(&(k, b))) => {
                let t = (i - j) as f64 / (k - j) as f64;
                off((j, a)) * (1.0 - t) + off((k, b)) * t
            }
        }
    };
    ends.iter()
        .enumerate()
        .map(|(i, &to)| {
            let z = d.normal();
            match anchors.iter().find(|(j, _)| *j == i) {
                Some(&(_, a)) => a,
                None => {
                    let sd = noise * (2.0 / f64::from(to)).sqrt();
                    round_to((base[i] + offset_at(i) + sd * z).clamp(-90.0, 300.0), 1)
                }
            }
        })
        .collect()
}

fn units(v: f64, decimals: u8) -> i64 {
    (v * 10f64.powi(i32::from(decimals))).round() as i64
}

fn from_units(u: i64, decimals: u8) -> f64 {
    u as f64 / 10f64.powi(i32::from(decimals))
}

/// Collects observations, marking published ones with their source.
struct Out<'a> {
    code: &'static str,
    obs: &'a mut Vec<DemoObservation>,
}

impl Out<'_> {
    fn push(&mut self, r: &Region, period: Period, measure: Measure, value: f64) {
        let source = published(r, self.code, measure, period).map(|_| r.source.clone());
        self.obs.push(DemoObservation {
            entity_key: r.key.clone(),
            indicator_code: self.code.to_string(),
            period,
            measure,
            value,
            source,
        });
    }
}

/// Growth of every region for one indicator: `[region][year][period]`, the city first.
fn growths(
    seed: u64,
    spec: &SeriesSpec,
    all: &[&Region],
    ends: &[u8],
    years: &[i32],
) -> Vec<Vec<Vec<f64>>> {
    let city = all[0];
    let city_growth: Vec<Vec<f64>> = years
        .iter()
        .enumerate()
        .map(|(yi, &y)| {
            let centre = spec.growth_centre(yi);
            let mut d = Draw::new(seed, &format!("growth/{}/{}/{y}", spec.code, city.key));
            let base = vec![centre; ends.len()];
            growth_series(
                &base,
                &growth_anchors(city, spec.code, y, ends),
                0.0,
                spec.noise,
                ends,
                &mut d,
            )
        })
        .collect();
    let mut out = vec![city_growth.clone()];
    for r in &all[1..] {
        let persistent = spec.spread
            * 0.7
            * Draw::new(seed, &format!("offset/{}/{}", spec.code, r.key)).normal();
        let series = years
            .iter()
            .enumerate()
            .map(|(yi, &y)| {
                let mut d = Draw::new(seed, &format!("growth/{}/{}/{y}", spec.code, r.key));
                let default = persistent + spec.spread * 0.5 * d.normal();
                let anchors = growth_anchors(r, spec.code, y, ends);
                growth_series(
                    &city_growth[yi],
                    &anchors,
                    default,
                    spec.spread * 0.25,
                    ends,
                    &mut d,
                )
            })
            .collect();
        out.push(series);
    }
    out
}

/// Cumulative shares of the annual total at each period end, with a little yearly variation.
fn seasonal_shares(seed: u64, spec: &SeriesSpec, year: i32, ends: &[u8]) -> Vec<f64> {
    let mut d = Draw::new(seed, &format!("season/{}/{year}", spec.code));
    let flows: Vec<f64> = spec
        .months
        .iter()
        .map(|m| m * (1.0 + 0.04 * d.normal()))
        .collect();
    let total: f64 = flows.iter().sum();
    ends.iter()
        .map(|&to| {
            if to == 12 {
                1.0
            } else {
                flows[..usize::from(to)].iter().sum::<f64>() / total
            }
        })
        .collect()
}

/// Moves a 2023 share (year index 1) to the other years by the region's growth lead over the city.
fn shares_by_year(share_2023: f64, growth: &[Vec<f64>], city: &[Vec<f64>]) -> Vec<f64> {
    let lead = |yi: usize| {
        let last = growth[yi].len() - 1;
        1.0 + (growth[yi][last] - city[yi][last]) / 100.0
    };
    chain(share_2023, city.len(), lead)
}

/// Values by year from the base year (index 1): `base / step(1)` before it, then multiplied by
/// `step(i)` year by year.
fn chain(base: f64, years: usize, step: impl Fn(usize) -> f64) -> Vec<f64> {
    let mut out = vec![base / step(1), base];
    for yi in 2..years {
        let next = out[yi - 1] * step(yi);
        out.push(next);
    }
    out
}

fn regional_indicator(
    seed: u64,
    spec: &SeriesSpec,
    decimals: u8,
    regions: &Regions,
    years: &[i32],
    obs: &mut Vec<DemoObservation>,
) {
    let ends = period_ends(spec.quarterly);
    let all: Vec<&Region> = std::iter::once(&regions.city)
        .chain(&regions.units)
        .collect();
    let growth = growths(seed, spec, &all, &ends, years);
    let city_growth = &growth[0];

    // City annual levels.
    let year_end = |y: i32| cumulative(y, 12);
    let a2023 = published(&regions.city, spec.code, Measure::Value, year_end(2023))
        .map_or(spec.city_2023, |p| p.value);
    let nominal = |yi: usize| 1.0 + (city_growth[yi][ends.len() - 1] + spec.price_gap) / 100.0;
    let annual = chain(a2023, years.len(), nominal);

    // Shares of the city by year: districts (normalised to 1 when summed) and multiples otherwise.
    let fixed_2023 = |r: &Region| {
        published(r, spec.code, Measure::Value, year_end(2023)).map(|p| p.value / a2023)
    };
    let districts: Vec<usize> = (1..all.len())
        .filter(|&i| all[i].kind == RegionKind::District)
        .collect();
    let weights: Vec<f64> = all
        .iter()
        .map(|r| profile::weight(seed, spec.code, r))
        .collect();
    let mut share_2023 = weights.clone();
    if spec.summed {
        let anchored: f64 = districts.iter().filter_map(|&i| fixed_2023(all[i])).sum();
        let free: f64 = districts
            .iter()
            .filter(|&&i| fixed_2023(all[i]).is_none())
            .map(|&i| weights[i])
            .sum();
        for &i in &districts {
            share_2023[i] = fixed_2023(all[i]).unwrap_or(weights[i] / free * (1.0 - anchored));
        }
    }
    let mut shares: Vec<Vec<f64>> = (0..all.len())
        .map(|i| shares_by_year(share_2023[i], &growth[i], city_growth))
        .collect();
    if spec.summed {
        let mut totals = vec![0.0; years.len()];
        for &i in &districts {
            totals.iter_mut().zip(&shares[i]).for_each(|(t, s)| *t += s);
        }
        for &i in &districts {
            shares[i].iter_mut().zip(&totals).for_each(|(s, t)| *s /= t);
        }
    }

    let mut out = Out {
        code: spec.code,
        obs,
    };
    for (yi, &y) in years.iter().enumerate() {
        let season = seasonal_shares(seed, spec, y, &ends);
        let mut d = Draw::new(seed, &format!("level/{}/{y}", spec.code));
        for (pi, &to) in ends.iter().enumerate() {
            let period = cumulative(y, to);
            let city_value = round_to(annual[yi] * season[pi], decimals);
            let jitter: Vec<f64> = all.iter().map(|_| 1.0 + 0.004 * d.normal()).collect();
            let mut values: Vec<f64> = (0..all.len())
                .map(|i| {
                    let v = published(all[i], spec.code, Measure::Value, period)
                        .map_or(city_value * shares[i][yi] * jitter[i], |p| p.value);
                    round_to(v, decimals)
                })
                .collect();
            values[0] = city_value;
            if spec.summed {
                let w: Vec<f64> = districts
                    .iter()
                    .map(|&i| shares[i][yi] * jitter[i])
                    .collect();
                let fixed: Vec<Option<i64>> = districts
                    .iter()
                    .map(|&i| {
                        published(all[i], spec.code, Measure::Value, period)
                            .map(|p| units(p.value, decimals))
                    })
                    .collect();
                let parts = allocate(units(city_value, decimals), &w, &fixed);
                for (k, &i) in districts.iter().enumerate() {
                    values[i] = from_units(parts[k], decimals);
                }
            }
            for (i, r) in all.iter().enumerate() {
                out.push(r, period, Measure::Value, values[i]);
                out.push(r, period, Measure::Growth, growth[i][yi][pi]);
            }
        }
    }
}

/// 研发投入强度: one yearly value per region, no growth.
fn rd_intensity(seed: u64, regions: &Regions, years: &[i32], obs: &mut Vec<DemoObservation>) {
    let mut out = Out {
        code: "RD_INTENSITY",
        obs,
    };
    for (yi, &y) in years.iter().enumerate() {
        let period = Period::year(y).expect("a valid year");
        let city = city_rd_intensity(yi);
        out.push(&regions.city, period, Measure::Value, city);
        for r in &regions.units {
            let mut d = Draw::new(seed, &format!("rd/{}/{y}", r.key));
            let v = city * profile::weight(seed, "RD_INTENSITY", r) * (1.0 + 0.03 * d.normal());
            out.push(r, period, Measure::Value, round_to(v, 2));
        }
    }
}

/// All regional observations of `years` (consecutive, from 2022; every period of each year:
/// the caller drops those after its last complete month).
pub(super) fn regional(
    seed: u64,
    regions: &Regions,
    indicators: &[NewIndicator],
    years: &[i32],
) -> Vec<DemoObservation> {
    assert!(
        years.len() >= 3 && years[1] == 2023,
        "regional data starts in 2022 and runs at least to 2024"
    );
    let mut obs = Vec::new();
    for spec in &SPECS {
        let decimals = indicators
            .iter()
            .find(|i| i.code.as_str() == spec.code)
            .unwrap_or_else(|| panic!("no indicator {}", spec.code))
            .decimals;
        regional_indicator(seed, spec, decimals, regions, years, &mut obs);
    }
    rd_intensity(seed, regions, years, &mut obs);
    obs
}
