//! Step 4: one sort of the scored entities by the declared tie rule, giving the overall rank and,
//! by counting along the same order, the rank within each cohort.

use std::cmp::Ordering;

use super::derive::MeasureColumn;
use super::input::EntityInput;
use crate::scheme::TieKey;

#[derive(Debug)]
pub(super) struct Ranking {
    /// Population positions of the scored entities, best first.
    pub order: Vec<u32>,
    pub rank: Vec<Option<u32>>,
    pub cohort_rank: Vec<Option<u32>>,
}

fn by_option(a: Option<f64>, b: Option<f64>, descending: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => {
            if descending {
                y.total_cmp(&x)
            } else {
                x.total_cmp(&y)
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn directed(o: Ordering, descending: bool) -> Ordering {
    if descending { o.reverse() } else { o }
}

/// `cohort[p]` is the cohort of population entity p, or `None` for no declared cohort.
///
/// The sort runs over (score, position) pairs so that the first key, which decides almost every
/// comparison, is read from the pair itself; the other keys are consulted only on equal scores.
pub(super) fn rank(
    keys: &[TieKey],
    scores: &[Option<f64>],
    cols: &[MeasureColumn<'_>],
    entities: &[EntityInput],
    pop: &[usize],
    cohort: &[Option<u32>],
    n_cohorts: usize,
) -> Ranking {
    let m = pop.len();
    let mut pairs: Vec<(f64, u32)> = scores
        .iter()
        .enumerate()
        .filter_map(|(p, s)| s.map(|s| (s, p as u32)))
        .collect();
    let rest = keys.iter().skip_while(|k| matches!(k, TieKey::Score));
    let tie = |a: u32, b: u32| -> Ordering {
        for key in rest.clone() {
            let o = match *key {
                TieKey::Score => Ordering::Equal,
                TieKey::Item { index, descending } => {
                    let c = &cols[index].measure;
                    by_option(c[a as usize], c[b as usize], descending)
                }
                TieKey::EntityKey { descending } => {
                    let (x, y) = (
                        &entities[pop[a as usize]].key,
                        &entities[pop[b as usize]].key,
                    );
                    directed(x.cmp(y), descending)
                }
                TieKey::Name { descending } => {
                    let (x, y) = (
                        &entities[pop[a as usize]].name,
                        &entities[pop[b as usize]].name,
                    );
                    directed(x.cmp(y), descending)
                }
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        // Equal keys only for duplicate entity keys: keep input order, stay deterministic.
        a.cmp(&b)
    };
    pairs.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then_with(|| tie(a.1, b.1)));
    let order: Vec<u32> = pairs.into_iter().map(|(_, p)| p).collect();
    let mut rank = vec![None; m];
    let mut cohort_rank = vec![None; m];
    let mut counters = vec![0_u32; n_cohorts];
    for (pos, &p) in order.iter().enumerate() {
        rank[p as usize] = Some(pos as u32 + 1);
        if let Some(c) = cohort[p as usize] {
            counters[c as usize] += 1;
            cohort_rank[p as usize] = Some(counters[c as usize]);
        }
    }
    Ranking {
        order,
        rank,
        cohort_rank,
    }
}
