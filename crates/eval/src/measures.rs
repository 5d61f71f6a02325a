//! Derived measures as pure functions over `f64` inputs: growth, share, contribution (拉动 and
//! 贡献率), growth breadth (增长面), difference to a reference, target completion, cohort ratios
//! (落地开工率, 投产率) and 序时进度 (time-proportional progress) with its label bands.
//!
//! Every function that can meet a zero or negative denominator returns `Option<f64>` and never a
//! NaN or an infinity, so a caller can treat `None` as "no data".
//!
//! Growth is taken from the reported figure when the indicator reports one ([`pick_growth`]):
//! statistical offices publish real growth at comparable prices, which cannot be derived from
//! nominal levels (DOMAIN §0.2).

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Tolerance used when a computed value is compared with a configured cut point, so that
/// 81.8 − 75.0 lands on the intended side of 6.8 despite binary floating point.
pub(crate) const EPS: f64 = 1e-9;

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Year-on-year growth in % from two levels over the same cumulative period:
/// (current ÷ previous − 1) × 100. `None` when either level is missing or previous ≤ 0.
pub fn yoy_growth(current: Option<f64>, previous: Option<f64>) -> Option<f64> {
    let (c, p) = (current?, previous?);
    if !c.is_finite() || !p.is_finite() || p <= 0.0 {
        return None;
    }
    finite((c / p - 1.0) * 100.0)
}

/// Share of a part in its parent, in %. `None` when the parent is zero.
pub fn share_pct(part: f64, parent: f64) -> Option<f64> {
    if parent == 0.0 {
        return None;
    }
    finite(part / parent * 100.0)
}

/// Contribution in percentage points (拉动): Δmember ÷ parent_previous × 100.
pub fn contribution_pp(
    member_current: f64,
    member_previous: f64,
    parent_previous: f64,
) -> Option<f64> {
    if parent_previous == 0.0 {
        return None;
    }
    finite((member_current - member_previous) / parent_previous * 100.0)
}

/// Contribution rate in % (贡献率): Δmember ÷ Δparent × 100. `None` when the parent did not move.
pub fn contribution_rate(
    member_current: f64,
    member_previous: f64,
    parent_current: f64,
    parent_previous: f64,
) -> Option<f64> {
    let parent_delta = parent_current - parent_previous;
    if parent_delta == 0.0 {
        return None;
    }
    finite((member_current - member_previous) / parent_delta * 100.0)
}

/// Growth breadth (增长面) in %: the share of members whose growth is > 0, over the members that
/// have data. `None` when no member has data.
pub fn growth_breadth<I: IntoIterator<Item = Option<f64>>>(growths: I) -> Option<f64> {
    let (mut with_data, mut grew) = (0_usize, 0_usize);
    for g in growths.into_iter().flatten().filter(|g| g.is_finite()) {
        with_data += 1;
        if g > 0.0 {
            grew += 1;
        }
    }
    ratio_pct(grew as f64, with_data as f64)
}

/// Difference to a reference in percentage points (高于全市 2.3 个百分点 = +2.3).
pub fn difference_pp(value: f64, reference: f64) -> f64 {
    value - reference
}

/// Target completion rate in %: actual ÷ target × 100. `None` when the target is not positive.
pub fn completion_rate(actual: f64, target: f64) -> Option<f64> {
    if target <= 0.0 || !target.is_finite() {
        return None;
    }
    finite(actual / target * 100.0)
}

/// A cohort ratio in % (落地开工率 = started ÷ signed, 投产率 = in production ÷ under construction).
/// `None` when the denominator is not positive.
pub fn ratio_pct(numerator: f64, denominator: f64) -> Option<f64> {
    if denominator <= 0.0 || !denominator.is_finite() {
        return None;
    }
    finite(numerator / denominator * 100.0)
}

/// Rounds half away from zero to `decimals` places (the convention of published statistics).
pub fn round_to(x: f64, decimals: u8) -> f64 {
    let f = 10_f64.powi(i32::from(decimals));
    let r = (x * f).round() / f;
    if r.is_finite() { r } else { x }
}

/// Where a growth figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrowthSource {
    /// Published by the statistics office (comparable prices where applicable).
    Reported,
    /// Computed here from two nominal levels.
    Derived,
}

/// The growth to use: the reported one whenever it exists, else the derived one. A reported
/// growth is never replaced by one derived from nominal levels.
pub fn pick_growth(reported: Option<f64>, derived: Option<f64>) -> Option<(f64, GrowthSource)> {
    match (
        reported.filter(|r| r.is_finite()),
        derived.filter(|d| d.is_finite()),
    ) {
        (Some(r), _) => Some((r, GrowthSource::Reported)),
        (None, Some(d)) => Some((d, GrowthSource::Derived)),
        (None, None) => None,
    }
}

/// Why a 序时进度 configuration was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MeasureError {
    #[error("序时计划须有12个月的累计比例，实有{0}个")]
    ScheduleLength(usize),
    #[error("序时计划的累计比例须在0—1之间且逐月不减，12月须为1")]
    ScheduleShape,
    #[error("序时进度分档须至少一档，且各档下限须为有限数并严格递减")]
    BandsOrder,
    #[error("“超过”的差距下限须大于第一档的下限")]
    ExceedMargin,
    #[error("序时进度分档的名称不能为空")]
    EmptyLabel,
}

/// The cumulative share of an annual plan due by the end of each month: linear (m/12) or a
/// 12-value front- or back-loaded 序时目标 curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressSchedule {
    cumulative: Option<[f64; 12]>,
}

impl ProgressSchedule {
    /// Month m is due m/12 of the plan.
    pub fn linear() -> Self {
        Self { cumulative: None }
    }

    /// Twelve cumulative shares (0–1, non-decreasing, December = 1), as in a kernel `Target`.
    pub fn cumulative(shares: &[f64]) -> Result<Self, MeasureError> {
        let arr: [f64; 12] = shares
            .try_into()
            .map_err(|_| MeasureError::ScheduleLength(shares.len()))?;
        let in_range = arr
            .iter()
            .all(|s| s.is_finite() && (0.0..=1.0 + EPS).contains(s));
        if !in_range || arr.windows(2).any(|w| w[1] < w[0]) || (arr[11] - 1.0).abs() > EPS {
            return Err(MeasureError::ScheduleShape);
        }
        Ok(Self {
            cumulative: Some(arr),
        })
    }

    /// The share (0–1) due by the end of `month` (clamped to 1–12).
    fn share_at_month_end(&self, month: u8) -> f64 {
        let m = month.clamp(1, 12);
        match &self.cumulative {
            Some(s) => s[usize::from(m) - 1],
            None => f64::from(m) / 12.0,
        }
    }
}

impl Default for ProgressSchedule {
    fn default() -> Self {
        Self::linear()
    }
}

/// How far into the year the evaluation stands: by month (the usual 1—9月 report) or by day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressClock {
    /// The cumulative period ends with `month` (1–12).
    Month(u8),
    /// Day `day_of_year` (1-based) of `year`; the year decides 365 or 366 days.
    Day { year: i32, day_of_year: u16 },
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn month_lengths(year: i32) -> [u16; 12] {
    let feb = if is_leap(year) { 29 } else { 28 };
    [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
}

/// Time progress (序时进度) in %: months elapsed ÷ 12 or days elapsed ÷ days in the year, or the
/// share due under a cumulative schedule (interpolated linearly inside a month for the day clock).
pub fn time_progress(clock: ProgressClock, schedule: &ProgressSchedule) -> f64 {
    match clock {
        ProgressClock::Month(m) => schedule.share_at_month_end(m) * 100.0,
        ProgressClock::Day { year, day_of_year } => {
            let lengths = month_lengths(year);
            let days_in_year: u16 = lengths.iter().sum();
            let day = day_of_year.clamp(1, days_in_year);
            if schedule.cumulative.is_none() {
                return f64::from(day) / f64::from(days_in_year) * 100.0;
            }
            let (mut month, mut before) = (1_u8, 0_u16);
            for len in lengths {
                if day <= before + len {
                    let start = if month == 1 {
                        0.0
                    } else {
                        schedule.share_at_month_end(month - 1)
                    };
                    let end = schedule.share_at_month_end(month);
                    let within = f64::from(day - before) / f64::from(len);
                    return (start + (end - start) * within) * 100.0;
                }
                before += len;
                month += 1;
            }
            100.0
        }
    }
}

/// The gap to time progress in percentage points: completion % − time progress %.
pub fn progress_gap(completion_pct: f64, time_progress_pct: f64) -> f64 {
    completion_pct - time_progress_pct
}

/// One label band: gaps at or above `min_gap` (pp) get `label`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressBand {
    pub min_gap: f64,
    pub label: String,
}

/// Labels for the gap to 序时进度, fitted to the 铜梁 wording (DOMAIN §8). The default is
/// gap ≥ 0 → 达到, −5 ≤ gap < 0 → 略低于, −15 ≤ gap < −5 → 低于, below → 明显低于, with no
/// separate "超过" band; [`ProgressBands::with_exceed`] adds one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressBands {
    exceed: Option<ProgressBand>,
    bands: Vec<ProgressBand>,
    below: String,
}

impl ProgressBands {
    /// `bands` in strictly decreasing order of `min_gap`; `below` labels every smaller gap.
    pub fn new(bands: Vec<ProgressBand>, below: impl Into<String>) -> Result<Self, MeasureError> {
        let below = below.into();
        if bands.is_empty()
            || bands.iter().any(|b| !b.min_gap.is_finite())
            || bands.windows(2).any(|w| w[1].min_gap >= w[0].min_gap)
        {
            return Err(MeasureError::BandsOrder);
        }
        if below.trim().is_empty() || bands.iter().any(|b| b.label.trim().is_empty()) {
            return Err(MeasureError::EmptyLabel);
        }
        Ok(Self {
            exceed: None,
            bands,
            below,
        })
    }

    /// Adds a "超过" style label for gaps at or above `margin` (which must exceed the first band).
    pub fn with_exceed(
        mut self,
        margin: f64,
        label: impl Into<String>,
    ) -> Result<Self, MeasureError> {
        let label = label.into();
        if label.trim().is_empty() {
            return Err(MeasureError::EmptyLabel);
        }
        if !margin.is_finite() || margin <= self.bands[0].min_gap {
            return Err(MeasureError::ExceedMargin);
        }
        self.exceed = Some(ProgressBand {
            min_gap: margin,
            label,
        });
        Ok(self)
    }

    /// The label for a gap in percentage points.
    pub fn label(&self, gap: f64) -> &str {
        if let Some(e) = &self.exceed
            && gap + EPS >= e.min_gap
        {
            return &e.label;
        }
        self.bands
            .iter()
            .find(|b| gap + EPS >= b.min_gap)
            .map_or(self.below.as_str(), |b| b.label.as_str())
    }
}

impl Default for ProgressBands {
    fn default() -> Self {
        let band = |min_gap: f64, label: &str| ProgressBand {
            min_gap,
            label: label.to_string(),
        };
        Self {
            exceed: None,
            bands: vec![band(0.0, "达到"), band(-5.0, "略低于"), band(-15.0, "低于")],
            below: "明显低于".to_string(),
        }
    }
}

/// A cumulative result set against an annual plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressAssessment {
    /// Completion rate in %.
    pub completion: f64,
    /// Time progress in %.
    pub time_progress: f64,
    /// completion − time progress, in percentage points.
    pub gap: f64,
    pub label: String,
}

/// Completion, time progress, gap and label. `None` when there is no positive plan: an indicator
/// without a plan gets no 序时 label.
pub fn assess_progress(
    actual: f64,
    plan: Option<f64>,
    time_progress_pct: f64,
    bands: &ProgressBands,
) -> Option<ProgressAssessment> {
    let completion = completion_rate(actual, plan?)?;
    let gap = progress_gap(completion, time_progress_pct);
    Some(ProgressAssessment {
        completion,
        time_progress: time_progress_pct,
        gap,
        label: bands.label(gap).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_needs_a_positive_previous_level() {
        assert_eq!(
            yoy_growth(Some(110.0), Some(100.0)).map(|g| round_to(g, 6)),
            Some(10.0)
        );
        assert_eq!(yoy_growth(Some(110.0), Some(0.0)), None);
        assert_eq!(yoy_growth(Some(110.0), Some(-5.0)), None);
        assert_eq!(yoy_growth(None, Some(100.0)), None);
        assert_eq!(yoy_growth(Some(1.0), None), None);
    }

    #[test]
    fn reported_growth_wins_over_derived_growth() {
        assert_eq!(
            pick_growth(Some(6.1), Some(9.0)),
            Some((6.1, GrowthSource::Reported))
        );
        assert_eq!(
            pick_growth(None, Some(9.0)),
            Some((9.0, GrowthSource::Derived))
        );
        assert_eq!(
            pick_growth(Some(f64::NAN), Some(9.0)),
            Some((9.0, GrowthSource::Derived))
        );
        assert_eq!(pick_growth(None, None), None);
    }

    #[test]
    fn share_and_contribution() {
        assert_eq!(share_pct(25.0, 200.0), Some(12.5));
        assert_eq!(share_pct(25.0, 0.0), None);
        // member 100 → 110, parent 1000 → 1050: 拉动 1.0 pp, 贡献率 20 %.
        assert_eq!(contribution_pp(110.0, 100.0, 1000.0), Some(1.0));
        assert_eq!(contribution_rate(110.0, 100.0, 1050.0, 1000.0), Some(20.0));
        assert_eq!(contribution_rate(110.0, 100.0, 1000.0, 1000.0), None);
    }

    #[test]
    fn breadth_counts_members_with_data_only() {
        let g = [Some(1.0), Some(-2.0), None, Some(0.0), Some(3.5)];
        assert_eq!(growth_breadth(g), Some(50.0));
        assert_eq!(growth_breadth([None, None]), None);
    }

    #[test]
    fn day_clock_handles_leap_years_and_schedules() {
        let linear = ProgressSchedule::linear();
        let p = time_progress(
            ProgressClock::Day {
                year: 2024,
                day_of_year: 183,
            },
            &linear,
        );
        assert!((p - 50.0).abs() < 1e-9);
        let mut s = [0.0; 12];
        for (i, v) in s.iter_mut().enumerate() {
            *v = (i as f64 + 1.0) / 12.0;
        }
        let sched = ProgressSchedule::cumulative(&s).unwrap();
        let jan_end = time_progress(
            ProgressClock::Day {
                year: 2023,
                day_of_year: 31,
            },
            &sched,
        );
        assert!((jan_end - 100.0 / 12.0).abs() < 1e-9);
        assert!(ProgressSchedule::cumulative(&s[..11]).is_err());
    }

    #[test]
    fn bands_must_decrease() {
        let b = |g: f64| ProgressBand {
            min_gap: g,
            label: "x".into(),
        };
        assert_eq!(
            ProgressBands::new(vec![b(0.0), b(1.0)], "y"),
            Err(MeasureError::BandsOrder)
        );
        assert!(ProgressBands::default().with_exceed(-1.0, "超过").is_err());
        let with = ProgressBands::default().with_exceed(5.0, "超过").unwrap();
        assert_eq!(with.label(5.9), "超过");
        assert_eq!(with.label(4.7), "达到");
    }
}
