//! Step 0: who is evaluated, in which cohort, and who is exempt from grading (不定等级).

use std::collections::HashSet;

use super::input::EntityInput;
use crate::scheme::Scheme;

/// Positions in `entities` of the scheme's population, in input order.
pub(super) fn select(scheme: &Scheme, entities: &[EntityInput]) -> Vec<usize> {
    let pop = scheme.population();
    let include: HashSet<&str> = pop.include.iter().map(String::as_str).collect();
    let exclude: HashSet<&str> = pop.exclude.iter().map(String::as_str).collect();
    entities
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            let key: &str = &e.key;
            if exclude.contains(key) {
                return false;
            }
            include.contains(key)
                || (e.kind == pop.kind
                    && pop.level.is_none_or(|l| l == e.level)
                    && (pop.groups.is_empty() || e.groups.iter().any(|g| pop.groups.contains(g))))
        })
        .map(|(i, _)| i)
        .collect()
}

/// The cohort of an entity: its explicit cohort if the scheme declares it, else the first
/// cohort sharing one of its groups.
pub(super) fn cohort_of(scheme: &Scheme, e: &EntityInput) -> Option<u32> {
    let cohorts = scheme.cohorts();
    if cohorts.is_empty() {
        return None;
    }
    let found = match &e.cohort {
        Some(name) => cohorts.iter().position(|c| &c.name == name),
        None => cohorts
            .iter()
            .position(|c| c.groups.iter().any(|g| e.groups.contains(g))),
    };
    found.map(|i| i as u32)
}

/// Exempt by the input flag, the scheme's key list or the scheme's group list.
pub(super) fn exempt_flags(scheme: &Scheme, entities: &[EntityInput], pop: &[usize]) -> Vec<bool> {
    let ex = scheme.exemptions();
    let keys: HashSet<&str> = ex.keys.iter().map(String::as_str).collect();
    pop.iter()
        .map(|&i| {
            let e = &entities[i];
            e.exempt
                || keys.contains(&*e.key)
                || (!ex.groups.is_empty() && e.groups.iter().any(|g| ex.groups.contains(g)))
        })
        .collect()
}
