//! The evaluation pipeline (DESIGN §5): population → cohorts → measures → missing data →
//! normalisation → weights, bonus and penalty → rank with the tie rule → grades → colours →
//! moves against the previous period → explanation.
//!
//! [`evaluate`] is pure: data, references and the previous results come in with [`EvalInput`].
//! Work is column-wise over the population (one `Vec` per item and step), with one sort for the
//! ranking, so 100 000 firms × 6 items cost a few vector passes and a single sort.

mod derive;
mod explain;
mod grade;
mod input;
mod normalise;
mod output;
mod population;
mod rank;

pub use input::{
    EntityInput, EvalInput, ItemInput, KeyIndex, PreviousEntry, PreviousResults, References,
};
pub use output::{EntityResult, Evaluation, GradeChange, ItemColumn, ItemScore, RankMove};

use std::sync::Arc;

use derive::MeasureColumn;
use grade::Basics;

use crate::measures::round_to;
use crate::scheme::{AdjustmentKind, MissingRule, PeerSet, Scheme, Weighting};

/// Evaluates `scheme` on `input`. Deterministic: the same input gives the same rows (in input
/// order) and the same league-table order ([`Evaluation::ranked`]).
pub fn evaluate(scheme: &Scheme, input: &EvalInput) -> Evaluation {
    let entities = &input.entities;
    let pop = population::select(scheme, entities);
    let m = pop.len();
    let items = scheme.items();
    let n_cohorts = scheme.cohorts().len();
    let cohort: Vec<Option<u32>> = pop
        .iter()
        .map(|&i| population::cohort_of(scheme, &entities[i]))
        .collect();
    // Entities in no declared cohort form one residual group, so scopes always partition.
    let cohort_group: Vec<u32> = cohort
        .iter()
        .map(|c| c.unwrap_or(n_cohorts as u32))
        .collect();
    let overall_group = vec![0_u32; m];
    let n_groups = n_cohorts + 1;
    let scope_of = |s: PeerSet| {
        if s == PeerSet::Cohort {
            &cohort_group
        } else {
            &overall_group
        }
    };
    let exempt = population::exempt_flags(scheme, entities, &pop);

    // Measures, then exclusions: an entity missing an item under the `exclude` rule leaves the
    // scheme before normalisation, so it does not stretch anyone's min–max range.
    let cols: Vec<MeasureColumn<'_>> = items
        .iter()
        .map(|it| derive::derive(it, input.items.get(&it.id), &pop, &input.references))
        .collect();
    let mut excluded_by: Vec<Option<u32>> = vec![None; m];
    for (k, _) in items
        .iter()
        .enumerate()
        .filter(|(_, it)| it.missing == MissingRule::Exclude)
    {
        for (ex, x) in excluded_by.iter_mut().zip(&cols[k].measure) {
            if ex.is_none() && x.is_none() {
                *ex = Some(k as u32);
            }
        }
    }
    let active: Vec<bool> = excluded_by.iter().map(Option::is_none).collect();

    let norm_group = scope_of(scheme.normalise_within());
    let divisor = match scheme.weighting() {
        Weighting::PerHundred => 100.0,
        Weighting::Share => items.iter().map(|i| i.weight).sum(),
    };
    let mut normalised = Vec::with_capacity(items.len());
    let mut missing = Vec::with_capacity(items.len());
    let mut sums = vec![0.0_f64; m];
    for (it, col) in items.iter().zip(&cols) {
        let mut pts = normalise::normalise(
            &it.normalisation,
            it.degenerate,
            col,
            &active,
            norm_group,
            n_groups,
        );
        let miss: Vec<bool> = active
            .iter()
            .zip(&col.measure)
            .map(|(a, x)| *a && x.is_none())
            .collect();
        fill_missing(it.missing, &mut pts, &miss, &cohort_group, n_groups);
        // Multiply before dividing: 60 × 30 ÷ 100 is exactly 18, 60 × 0.3 need not be.
        for (s, x) in sums.iter_mut().zip(&pts) {
            *s += x.map_or(0.0, |x| x * it.weight / divisor);
        }
        normalised.push(pts);
        missing.push(miss);
    }

    let mut adjustment = vec![0.0_f64; m];
    for adj in scheme.adjustments() {
        let Some(column) = input.adjustments.get(&adj.id) else {
            continue;
        };
        let sign = if adj.kind == AdjustmentKind::Bonus {
            1.0
        } else {
            -1.0
        };
        for (a, &i) in adjustment.iter_mut().zip(&pop) {
            if let Some(v) = column.get(i).copied().flatten().filter(|v| v.is_finite()) {
                let pts = (v * adj.per_unit).max(0.0);
                *a += sign * adj.max.map_or(pts, |c| pts.min(c));
            }
        }
    }
    let scores: Vec<Option<f64>> = (0..m)
        .map(|p| {
            active[p].then(|| {
                let s = sums[p] + adjustment[p];
                // `+ 0.0` turns −0.0 into 0.0, which total_cmp would otherwise order apart.
                scheme.score_decimals().map_or(s, |d| round_to(s, d)) + 0.0
            })
        })
        .collect();

    let ranking = rank::rank(
        &scheme.ties().keys,
        &scores,
        &cols,
        entities,
        &pop,
        &cohort,
        n_cohorts,
    );
    let basics = Basics {
        scores: &scores,
        cols: &cols,
        refs: &input.references,
    };
    let grades = match scheme.banding() {
        Some(b) => grade::grades(
            b,
            scheme.ties().share_better_grade,
            &ranking.order,
            scope_of(b.scope),
            n_groups,
            &exempt,
            &basics,
        ),
        None => vec![None; m],
    };
    let colours = match scheme.colours() {
        Some(c) => grade::colours(c, &ranking.order, scope_of(c.scope), n_groups, &basics),
        None => vec![None; m],
    };

    // League-table order: ranked entities by rank, then excluded ones by key.
    let mut excluded: Vec<u32> = (0..m as u32).filter(|&p| !active[p as usize]).collect();
    excluded.sort_by(|&a, &b| {
        entities[pop[a as usize]]
            .key
            .cmp(&entities[pop[b as usize]].key)
    });
    let mut order = ranking.order;
    order.extend(excluded);
    let grade_names: Vec<String> = scheme
        .banding()
        .map(|b| b.grades.iter().map(|g| g.name.clone()).collect())
        .unwrap_or_default();
    let previous = input.previous.as_ref();
    // Rows in population order: every read below is sequential.
    let rows = (0..m)
        .map(|p| {
            let e = &entities[pop[p]];
            let prev = previous.map(|pr| pr.get(&e.key));
            let (rank, cohort_rank) = (ranking.rank[p], ranking.cohort_rank[p]);
            EntityResult {
                key: Arc::clone(&e.key),
                input_index: pop[p],
                cohort: cohort[p],
                excluded_by: excluded_by[p],
                exempt: exempt[p],
                score: scores[p],
                adjustment: adjustment[p],
                rank,
                cohort_rank,
                grade: grades[p].map(|g| g as u16),
                colour: colours[p].map(|c| c as u8),
                rank_move: prev
                    .zip(rank)
                    .map(|(pe, r)| RankMove::between(pe.and_then(|x| x.rank), r)),
                cohort_rank_move: prev
                    .zip(cohort_rank)
                    .map(|(pe, r)| RankMove::between(pe.and_then(|x| x.cohort_rank), r)),
                grade_change: prev.zip(grades[p]).map(|(pe, g)| {
                    let before = pe
                        .and_then(|x| x.grade.as_deref())
                        .and_then(|name| grade_names.iter().position(|n| n == name));
                    match before {
                        None => GradeChange::New,
                        Some(b) if b > g => GradeChange::Up,
                        Some(b) if b < g => GradeChange::Down,
                        Some(_) => GradeChange::Same,
                    }
                }),
            }
        })
        .collect();

    // The working columns become the breakdown as they are (population order, no copy).
    let item_columns = items
        .iter()
        .zip(cols)
        .zip(normalised.into_iter().zip(missing))
        .map(|((it, col), (normalised, missing))| ItemColumn {
            id: it.id.clone(),
            name: it.name.clone(),
            unit: it.unit.clone(),
            decimals: it.decimals,
            weight: it.weight,
            divisor,
            raw: col.raw,
            measure: col.measure,
            growth_source: col.source,
            normalised,
            missing,
        })
        .collect();

    Evaluation {
        scheme: scheme.code().to_string(),
        scheme_name: scheme.name().to_string(),
        year: scheme.year(),
        grades: grade_names,
        grade_suffix: scheme
            .banding()
            .map(|b| b.suffix.clone())
            .unwrap_or_default(),
        colours: scheme
            .colours()
            .map(|c| c.names.clone())
            .unwrap_or_default(),
        cohorts: scheme.cohorts().iter().map(|c| c.name.clone()).collect(),
        scope_label: scheme.labels().scope.clone(),
        score_label: scheme.labels().score.clone(),
        score_decimals: scheme.score_decimals(),
        lead_with_measure: items.len() == 1 && scheme.adjustments().is_empty(),
        rows,
        order,
        items: item_columns,
    }
}

/// Points for entities without a measure: zero, or the average points of their cohort.
fn fill_missing(
    rule: MissingRule,
    pts: &mut [Option<f64>],
    miss: &[bool],
    cohort_group: &[u32],
    n_groups: usize,
) {
    match rule {
        MissingRule::Exclude => {}
        MissingRule::Zero => {
            for (x, _) in pts.iter_mut().zip(miss).filter(|(_, m)| **m) {
                *x = Some(0.0);
            }
        }
        MissingRule::CohortAverage => {
            let (mut sum, mut n) = (vec![0.0; n_groups], vec![0_usize; n_groups]);
            for ((x, m), g) in pts.iter().zip(miss).zip(cohort_group) {
                if let (Some(x), false) = (x, m) {
                    sum[*g as usize] += x;
                    n[*g as usize] += 1;
                }
            }
            for ((x, m), g) in pts.iter_mut().zip(miss).zip(cohort_group) {
                if *m {
                    let g = *g as usize;
                    *x = Some(if n[g] > 0 { sum[g] / n[g] as f64 } else { 0.0 });
                }
            }
        }
    }
}
