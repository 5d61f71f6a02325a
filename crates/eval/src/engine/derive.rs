//! Step 1 of the pipeline: from an item's raw input columns to its measure column over the
//! population (growth, share, completion, 序时 gap, contribution, difference to a reference).

use yiping_kernel::Polarity;

use super::input::{ItemInput, References};
use crate::measures::{
    self, GrowthSource, completion_rate, contribution_pp, contribution_rate, pick_growth,
    share_pct, yoy_growth,
};
use crate::scheme::{Base, ContributionForm, Item, MeasureKind, Normalisation, Reference};

/// One item over the population (index = position in the population). Input columns that the
/// output does not keep (targets) are read in place rather than copied.
#[derive(Debug)]
pub(super) struct MeasureColumn<'a> {
    pub raw: Vec<Option<f64>>,
    pub measure: Vec<Option<f64>>,
    /// Empty unless the measure is growth-based.
    pub source: Vec<Option<GrowthSource>>,
    targets: &'a [Option<f64>],
    pop: &'a [usize],
    pub higher_better: bool,
    /// The city value of the item (reference for cut points).
    pub city: Option<f64>,
    /// 序时进度 for this item (its own or the input-wide one).
    pub time_progress: Option<f64>,
}

fn at(col: &[Option<f64>], i: usize) -> Option<f64> {
    col.get(i).copied().flatten().filter(|x| x.is_finite())
}

impl MeasureColumn<'_> {
    /// The target of population entity `p`.
    pub fn target(&self, p: usize) -> Option<f64> {
        at(self.targets, self.pop[p])
    }
}

/// A reference value for entity `i` of an item.
pub(super) fn item_reference(
    r: &Reference,
    col: &MeasureColumn<'_>,
    refs: &References,
    p: usize,
) -> Option<f64> {
    match r {
        Reference::City => col.city,
        Reference::Target => col.target(p),
        Reference::TimeProgress => col.time_progress,
        Reference::Named(n) => refs.named.get(n).copied(),
    }
}

pub(super) fn derive<'a>(
    item: &Item,
    input: Option<&'a ItemInput>,
    pop: &'a [usize],
    refs: &References,
) -> MeasureColumn<'a> {
    static EMPTY: ItemInput = ItemInput {
        value: Vec::new(),
        previous: Vec::new(),
        reported_growth: Vec::new(),
        target: Vec::new(),
        polarity: None,
        city: None,
        parent_current: None,
        parent_previous: None,
        time_progress: None,
    };
    let inp = input.unwrap_or(&EMPTY);
    let growth_based = matches!(
        item.measure,
        MeasureKind::Growth
            | MeasureKind::DifferenceToReference {
                base: Base::Growth,
                ..
            }
    );
    let polarity = item
        .polarity
        .or(inp.polarity)
        .unwrap_or(Polarity::HigherBetter);
    let m = pop.len();
    let mut col = MeasureColumn {
        raw: Vec::with_capacity(m),
        measure: Vec::with_capacity(m),
        source: if growth_based {
            vec![None; m]
        } else {
            Vec::new()
        },
        targets: &inp.target,
        pop,
        higher_better: polarity == Polarity::HigherBetter,
        city: inp.city.filter(|c| c.is_finite()),
        time_progress: inp
            .time_progress
            .or(refs.time_progress)
            .filter(|t| t.is_finite()),
    };
    let (pc, pp) = (inp.parent_current, inp.parent_previous);
    for (p, &i) in pop.iter().enumerate() {
        let value = at(&inp.value, i);
        let target = at(&inp.target, i);
        col.raw.push(value);
        let growth = |source: &mut [Option<GrowthSource>]| {
            let g = pick_growth(
                at(&inp.reported_growth, i),
                yoy_growth(value, at(&inp.previous, i)),
            );
            source[p] = g.map(|(_, s)| s);
            g.map(|(v, _)| v)
        };
        let measure = match &item.measure {
            MeasureKind::Value | MeasureKind::SchemeScore { .. } => value,
            MeasureKind::Growth => growth(&mut col.source),
            MeasureKind::Share => value.zip(pc).and_then(|(v, w)| share_pct(v, w)),
            MeasureKind::Completion => value.zip(target).and_then(|(v, t)| completion_rate(v, t)),
            MeasureKind::ProgressGap => value
                .zip(target)
                .and_then(|(v, t)| completion_rate(v, t))
                .zip(col.time_progress)
                .map(|(c, tp)| measures::progress_gap(c, tp)),
            MeasureKind::Contribution(form) => {
                let prev = at(&inp.previous, i);
                match form {
                    ContributionForm::Points => value
                        .zip(prev)
                        .zip(pp)
                        .and_then(|((v, b), w)| contribution_pp(v, b, w)),
                    ContributionForm::Rate => value
                        .zip(prev)
                        .zip(pc.zip(pp))
                        .and_then(|((v, b), (w1, w0))| contribution_rate(v, b, w1, w0)),
                }
            }
            MeasureKind::DifferenceToReference { base, reference } => {
                let b = match base {
                    Base::Value => value,
                    Base::Growth => growth(&mut col.source),
                };
                let r = match reference {
                    Reference::City => col.city,
                    Reference::Target => target,
                    Reference::TimeProgress => col.time_progress,
                    Reference::Named(n) => refs.named.get(n).copied(),
                };
                b.zip(r).map(|(b, r)| measures::difference_pp(b, r))
            }
        };
        let measure = measure.filter(|x| x.is_finite());
        col.measure.push(normalisable(
            &item.normalisation,
            col.higher_better,
            measure,
            target,
        ));
    }
    col
}

/// A measure that its normalisation cannot turn into points counts as missing, so that the
/// item's missing-data rule decides, rather than a silent zero.
fn normalisable(
    n: &Normalisation,
    higher_better: bool,
    x: Option<f64>,
    target: Option<f64>,
) -> Option<f64> {
    let x = x?;
    match n {
        Normalisation::TargetCompletion { .. } => {
            target.filter(|t| *t > 0.0)?;
            (higher_better || x > 0.0).then_some(x)
        }
        Normalisation::BenchmarkRatio { cap: None, .. } if !higher_better && x <= 0.0 => None,
        _ => Some(x),
    }
}
