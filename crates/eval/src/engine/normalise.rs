//! Step 2: from measures to points on a 0–100 scale, over the active entities (those not
//! excluded) of each normalisation group (the whole population, or each cohort).
//!
//! Lower-better items are mirrored so that more points always mean better: min–max measures the
//! distance from the worst, benchmark and target ratios are inverted, z-scores and identity
//! scores change sign.

use super::derive::MeasureColumn;
use crate::scheme::{Degenerate, Normalisation};

/// Points for every population entity; `None` when excluded or without a measure.
pub(super) fn normalise(
    norm: &Normalisation,
    degenerate: Degenerate,
    col: &MeasureColumn<'_>,
    active: &[bool],
    group: &[u32],
    n_groups: usize,
) -> Vec<Option<f64>> {
    let hb = col.higher_better;
    let value = |p: usize| -> Option<f64> { if active[p] { col.measure[p] } else { None } };
    let m = col.measure.len();
    match *norm {
        Normalisation::Identity => (0..m)
            .map(|p| value(p).map(|x| if hb { x } else { -x }))
            .collect(),
        Normalisation::BenchmarkRatio { benchmark, cap } => (0..m)
            .map(|p| {
                value(p).map(|x| {
                    let ratio = if hb {
                        x / benchmark
                    } else if x > 0.0 {
                        benchmark / x
                    } else {
                        f64::INFINITY
                    };
                    100.0 * cap.map_or(ratio, |c| ratio.min(c))
                })
            })
            .collect(),
        Normalisation::TargetCompletion { cap } => (0..m)
            .map(|p| {
                let t = col.target(p)?;
                value(p).map(|x| {
                    let pts = if hb { 100.0 * x / t } else { 100.0 * t / x };
                    cap.map_or(pts, |c| pts.min(c))
                })
            })
            .collect(),
        Normalisation::MinMax { floor, ceiling } => {
            let mut lo = vec![f64::INFINITY; n_groups];
            let mut hi = vec![f64::NEG_INFINITY; n_groups];
            for (p, &g) in group.iter().enumerate() {
                if let Some(x) = value(p) {
                    let g = g as usize;
                    lo[g] = lo[g].min(x);
                    hi[g] = hi[g].max(x);
                }
            }
            (0..m)
                .map(|p| {
                    value(p).map(|x| {
                        let g = group[p] as usize;
                        let span = hi[g] - lo[g];
                        if span <= 0.0 {
                            return match degenerate {
                                Degenerate::Full => ceiling,
                                Degenerate::Floor => floor,
                            };
                        }
                        let r = if hb {
                            (x - lo[g]) / span
                        } else {
                            (hi[g] - x) / span
                        };
                        floor + (ceiling - floor) * r.clamp(0.0, 1.0)
                    })
                })
                .collect()
        }
        Normalisation::ZScore { centre, scale } => {
            let mut n = vec![0_usize; n_groups];
            let mut sum = vec![0.0; n_groups];
            for p in 0..m {
                if let Some(x) = value(p) {
                    n[group[p] as usize] += 1;
                    sum[group[p] as usize] += x;
                }
            }
            let mean: Vec<f64> = sum
                .iter()
                .zip(&n)
                .map(|(s, &k)| if k > 0 { s / k as f64 } else { 0.0 })
                .collect();
            let mut sq = vec![0.0; n_groups];
            for (p, &g) in group.iter().enumerate() {
                if let Some(x) = value(p) {
                    let g = g as usize;
                    sq[g] += (x - mean[g]).powi(2);
                }
            }
            let sd: Vec<f64> = sq
                .iter()
                .zip(&n)
                .map(|(s, &k)| if k > 0 { (s / k as f64).sqrt() } else { 0.0 })
                .collect();
            (0..m)
                .map(|p| {
                    value(p).map(|x| {
                        let g = group[p] as usize;
                        if sd[g] <= 0.0 {
                            return centre;
                        }
                        let z = (x - mean[g]) / sd[g];
                        centre + scale * if hb { z } else { -z }
                    })
                })
                .collect()
        }
        Normalisation::RankPoints { max, step } => {
            let mut idx: Vec<u32> = (0..m as u32)
                .filter(|&p| value(p as usize).is_some())
                .collect();
            let key = |p: u32| {
                let x = col.measure[p as usize].unwrap_or(0.0);
                if hb { -x } else { x }
            };
            idx.sort_unstable_by(|&a, &b| {
                group[a as usize]
                    .cmp(&group[b as usize])
                    .then(key(a).total_cmp(&key(b)))
                    .then(a.cmp(&b))
            });
            let mut count = vec![0_usize; n_groups];
            for &p in &idx {
                count[group[p as usize] as usize] += 1;
            }
            let mut out = vec![None; m];
            let (mut pos, mut rank, mut last): (usize, usize, Option<(u32, f64)>) = (0, 0, None);
            for &p in &idx {
                let g = group[p as usize];
                let k = key(p);
                match last {
                    Some((lg, _)) if lg != g => {
                        pos = 1;
                        rank = 1;
                    }
                    Some((_, lk)) if lk == k => pos += 1,
                    Some(_) => {
                        pos += 1;
                        rank = pos;
                    }
                    None => {
                        pos = 1;
                        rank = 1;
                    }
                }
                last = Some((g, k));
                let n = count[g as usize] as f64;
                let r = rank as f64;
                out[p as usize] = Some(match step {
                    Some(s) => (max - (r - 1.0) * s).max(0.0),
                    None => max * (n - r + 1.0) / n,
                });
            }
            out
        }
    }
}
