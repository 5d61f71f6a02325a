//! Seasonal outliers (DOMAIN §19): a monthly economic series peaks every December and dips every
//! February, so a plain z-score over recent months flags the normal calendar. Each month is
//! compared with the same month of earlier years instead.
//!
//! What is compared is the month's *seasonal index*: its value ÷ the median of the twelve months
//! ending with it (a median, so one spike does not shift the months after it). Levels grow
//! year on year (a December 8 % above last December is normal), the index does not, so the
//! comparison is free of the trend. Two tests, either of which flags:
//!
//! - the modified z-score on median and MAD: 0.6745 · (x − median) ÷ MAD, |z| above
//!   [`SeasonalOptions::modified_z`] (default 3.5); no score when the MAD is 0;
//! - min–max bounds from the mean ± k·sd of the history (sample sd, k = [`SeasonalOptions::k`],
//!   default 2);
//!
//! and neither flags a value within [`SeasonalOptions::min_relative`] of the history's median.
//!
//! [`seasonal_flags`] walks a whole series; [`assess`] judges one value against its history.

use serde::Serialize;

/// When a value is an outlier.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SeasonalOptions {
    /// The |modified z| above which a value is flagged.
    pub modified_z: f64,
    /// The number of standard deviations of the min–max bounds.
    pub k: f64,
    /// The fewest earlier years of the same month needed to judge.
    pub min_years: usize,
    /// A value within this share of the history's median (default 5 %) is never flagged: with
    /// three or four years of history the spread is tiny, and a 1 % wobble is not news.
    pub min_relative: f64,
}

impl Default for SeasonalOptions {
    fn default() -> Self {
        Self {
            modified_z: 3.5,
            k: 2.0,
            min_years: 3,
            min_relative: 0.05,
        }
    }
}

/// How one value compares with its history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// The value judged (a seasonal index in [`seasonal_flags`]).
    pub value: f64,
    pub median: f64,
    pub mad: f64,
    /// `None` when the history has no spread (MAD 0).
    pub modified_z: Option<f64>,
    pub low: f64,
    pub high: f64,
    /// Flagged by the modified z-score.
    pub by_modified_z: bool,
    /// Flagged by the min–max bounds.
    pub by_bounds: bool,
}

impl Assessment {
    pub fn flagged(&self) -> bool {
        self.by_modified_z || self.by_bounds
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Judges `value` against `history` (the same month of earlier years). `None` when the history
/// is shorter than `opts.min_years` or holds a non-finite number.
pub fn assess(value: f64, history: &[f64], opts: &SeasonalOptions) -> Option<Assessment> {
    if history.len() < opts.min_years.max(2)
        || !value.is_finite()
        || history.iter().any(|h| !h.is_finite())
    {
        return None;
    }
    let mut h = history.to_vec();
    let med = median(&mut h);
    let mut dev: Vec<f64> = history.iter().map(|x| (x - med).abs()).collect();
    let mad = median(&mut dev);
    let modified_z = (mad > 0.0).then(|| 0.6745 * (value - med) / mad);
    let n = history.len() as f64;
    let mean = history.iter().sum::<f64>() / n;
    let sd = (history.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let (low, high) = (mean - opts.k * sd, mean + opts.k * sd);
    let material = (value - med).abs() > opts.min_relative * med.abs();
    Some(Assessment {
        value,
        median: med,
        mad,
        modified_z,
        low,
        high,
        by_modified_z: material && modified_z.is_some_and(|z| z.abs() > opts.modified_z),
        by_bounds: material
            && (value < low - crate::measures::EPS || value > high + crate::measures::EPS),
    })
}

/// A flagged month of a series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeasonalFlag {
    pub year: i32,
    pub month: u8,
    /// The month's own value.
    pub level: f64,
    pub assessment: Assessment,
}

/// The seasonal index of every month that has the eleven months before it: value ÷ the median
/// of the twelve months ending with it. `series` is `(year, month, value)` in any order; months
/// missing from the series leave the indices that need them out.
pub fn seasonal_indices(series: &[(i32, u8, f64)]) -> Vec<(i32, u8, f64)> {
    let index = |y: i32, m: u8| i32::from(m) - 1 + y * 12;
    let map: std::collections::HashMap<i32, f64> = series
        .iter()
        .filter(|(_, m, v)| (1..=12).contains(m) && v.is_finite())
        .map(|&(y, m, v)| (index(y, m), v))
        .collect();
    let mut out: Vec<(i32, u8, f64)> = series
        .iter()
        .filter_map(|&(y, m, v)| {
            let i = index(y, m);
            let window: Option<Vec<f64>> = (i - 11..=i).map(|j| map.get(&j).copied()).collect();
            let mid = median(&mut window?);
            (mid > 0.0 && v.is_finite()).then(|| (y, m, v / mid))
        })
        .collect();
    out.sort_by_key(|&(y, m, _)| (y, m));
    out
}

/// Every month of `series` (single months, `(year, month, value)`) whose seasonal index is an
/// outlier against the same month of the earlier years.
pub fn seasonal_flags(series: &[(i32, u8, f64)], opts: &SeasonalOptions) -> Vec<SeasonalFlag> {
    let idx = seasonal_indices(series);
    let level = |y: i32, m: u8| {
        series
            .iter()
            .find(|&&(sy, sm, _)| sy == y && sm == m)
            .map_or(f64::NAN, |s| s.2)
    };
    idx.iter()
        .filter_map(|&(y, m, v)| {
            let history: Vec<f64> = idx
                .iter()
                .filter(|&&(hy, hm, _)| hm == m && hy < y)
                .map(|h| h.2)
                .collect();
            let a = assess(v, &history, opts)?;
            a.flagged().then(|| SeasonalFlag {
                year: y,
                month: m,
                level: level(y, m),
                assessment: a,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Five years of a growing series (6 % a year) with a December peak (1.8× a normal month), a
    /// February dip and a little noise that differs year to year.
    fn series() -> Vec<(i32, u8, f64)> {
        let shape = [
            1.0, 0.7, 1.0, 1.0, 1.02, 1.05, 0.98, 1.0, 1.03, 1.0, 1.05, 1.8,
        ];
        let noise = [
            0.01, -0.012, 0.006, -0.004, 0.0, 0.008, -0.01, 0.004, -0.006, 0.012, -0.008, 0.002,
        ];
        let mut out = Vec::new();
        for (yi, y) in (2019..=2024).enumerate() {
            for m in 1..=12u8 {
                let i = usize::from(m) - 1;
                let wobble = 1.0 + noise[(i + yi * 5) % 12];
                let v = 100.0 * 1.06_f64.powi(yi as i32) * shape[i] * wobble;
                out.push((y, m, v));
            }
        }
        out
    }

    #[test]
    fn a_normal_december_peak_raises_no_flag() {
        let flags = seasonal_flags(&series(), &SeasonalOptions::default());
        assert!(flags.is_empty(), "{flags:?}");
        // A plain comparison with the other months of the year would flag every December.
        let dec = series()
            .iter()
            .filter(|s| s.0 == 2024)
            .map(|s| s.2)
            .collect::<Vec<_>>();
        let others = &dec[..11];
        let a = assess(dec[11], others, &SeasonalOptions::default()).unwrap();
        assert!(a.flagged());
    }

    #[test]
    fn a_mid_year_spike_is_flagged_by_both_tests() {
        let mut s = series();
        let june = s.iter_mut().find(|x| x.0 == 2024 && x.1 == 6).unwrap();
        june.2 *= 1.6;
        let flags = seasonal_flags(&s, &SeasonalOptions::default());
        assert_eq!(flags.len(), 1, "{flags:?}");
        assert_eq!((flags[0].year, flags[0].month), (2024, 6));
        assert!(flags[0].assessment.by_modified_z && flags[0].assessment.by_bounds);
    }

    #[test]
    fn too_little_history_or_no_spread_gives_no_score() {
        let o = SeasonalOptions::default();
        assert!(assess(5.0, &[1.0, 2.0], &o).is_none());
        let a = assess(5.0, &[1.0, 1.0, 1.0], &o).unwrap();
        assert_eq!(a.modified_z, None);
        assert!(a.by_bounds, "sd 0: anything else is out of bounds");
        let a = assess(10.0, &[8.0, 9.0, 10.0, 11.0, 12.0], &o).unwrap();
        assert_eq!(a.median, 10.0);
        assert_eq!(a.modified_z, Some(0.0));
        assert!(!a.flagged());
    }
}
