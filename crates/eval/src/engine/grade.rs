//! Step 5: grades (relative shares, top-N counts or absolute thresholds) and the five colours,
//! within each scope (overall or per cohort).

use super::derive::{MeasureColumn, item_reference};
use super::input::References;
use crate::measures::EPS;
use crate::scheme::{BandRule, Banding, Basis, ColourRule, Colours, Reference, Threshold};

/// What grades and colours read: scores, measures and references.
pub(super) struct Basics<'a> {
    pub scores: &'a [Option<f64>],
    pub cols: &'a [MeasureColumn<'a>],
    pub refs: &'a References,
}

impl Basics<'_> {
    fn value(&self, basis: Basis, p: usize) -> Option<f64> {
        match basis {
            Basis::Score => self.scores[p],
            Basis::Item(i) => self.cols[i].measure[p],
        }
    }

    fn higher_better(&self, basis: Basis) -> bool {
        match basis {
            Basis::Score => true,
            Basis::Item(i) => self.cols[i].higher_better,
        }
    }

    fn cut(&self, t: &Threshold, basis: Basis, p: usize) -> Option<f64> {
        match t {
            Threshold::Constant(v) => Some(*v),
            Threshold::Relative { reference, offset } => {
                let r = match basis {
                    Basis::Item(i) => item_reference(reference, &self.cols[i], self.refs, p),
                    Basis::Score => match reference {
                        Reference::City => self.refs.city,
                        Reference::TimeProgress => self.refs.time_progress,
                        Reference::Named(n) => self.refs.named.get(n).copied(),
                        Reference::Target => None,
                    },
                };
                r.map(|r| r + offset)
            }
        }
    }

    /// The index of the first cut that `p` reaches, `cuts.len()` when none; `None` when the
    /// value or a needed reference is missing.
    fn first_reached(&self, cuts: &[Threshold], basis: Basis, p: usize) -> Option<usize> {
        let x = self.value(basis, p)?;
        let hb = self.higher_better(basis);
        for (k, t) in cuts.iter().enumerate() {
            let c = self.cut(t, basis, p)?;
            let reached = if hb { x + EPS >= c } else { x - EPS <= c };
            if reached {
                return Some(k);
            }
        }
        Some(cuts.len())
    }
}

/// Grades by population position; exempt entities get none.
pub(super) fn grades(
    banding: &Banding,
    share_better: bool,
    order: &[u32],
    scope: &[u32],
    n_scopes: usize,
    exempt: &[bool],
    b: &Basics<'_>,
) -> Vec<Option<usize>> {
    let m = b.scores.len();
    let mut out = vec![None; m];
    let last = banding.grades.len() - 1;
    match &banding.rule {
        BandRule::Absolute { by, thresholds } => {
            for &p in order {
                let p = p as usize;
                if !exempt[p] {
                    out[p] = b.first_reached(thresholds, *by, p);
                }
            }
        }
        rule => {
            let mut n = vec![0_usize; n_scopes];
            for &p in order.iter().filter(|&&p| !exempt[p as usize]) {
                n[scope[p as usize] as usize] += 1;
            }
            let mut pos = vec![0_usize; n_scopes];
            let mut prev: Vec<Option<(f64, usize)>> = vec![None; n_scopes];
            for &p in order {
                let p = p as usize;
                if exempt[p] {
                    continue;
                }
                let g = scope[p] as usize;
                pos[g] += 1;
                let mut grade = match rule {
                    BandRule::TopPct(pcts) => pcts
                        .iter()
                        .position(|pct| pos[g] as f64 * 100.0 <= pct * n[g] as f64 + EPS)
                        .unwrap_or(last),
                    BandRule::TopN(ns) => ns
                        .iter()
                        .position(|&k| pos[g] <= k as usize)
                        .unwrap_or(last),
                    BandRule::Absolute { .. } => last,
                };
                let score = b.scores[p].unwrap_or(0.0);
                if share_better
                    && let Some((s, gr)) = prev[g]
                    && s == score
                {
                    grade = grade.min(gr);
                }
                prev[g] = Some((score, grade));
                out[p] = Some(grade);
            }
        }
    }
    out
}

/// Colours by population position (exempt entities get one too: colours are not grades).
pub(super) fn colours(
    colours: &Colours,
    order: &[u32],
    scope: &[u32],
    n_scopes: usize,
    b: &Basics<'_>,
) -> Vec<Option<usize>> {
    let m = b.scores.len();
    let mut out = vec![None; m];
    match &colours.rule {
        ColourRule::Thresholds { by, cuts } => {
            for &p in order {
                out[p as usize] = b.first_reached(cuts, *by, p as usize);
            }
        }
        ColourRule::Quintile => {
            let mut n = vec![0_usize; n_scopes];
            for &p in order {
                n[scope[p as usize] as usize] += 1;
            }
            let mut pos = vec![0_usize; n_scopes];
            for &p in order {
                let g = scope[p as usize] as usize;
                out[p as usize] = Some(pos[g] * 5 / n[g]);
                pos[g] += 1;
            }
        }
    }
    out
}
