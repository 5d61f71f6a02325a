//! Small builders shared by the tests: schemes from TOML, entities, columns, lookups.

use yiping_eval::{EntityInput, EvalInput, Evaluation, ItemInput, Scheme};
use yiping_kernel::EntityKind;

pub fn scheme(text: &str) -> Scheme {
    Scheme::from_toml_str(text).unwrap_or_else(|e| panic!("scheme refused: {e}"))
}

/// Level-2 regions keyed by their name.
pub fn regions(names: &[&str]) -> Vec<EntityInput> {
    names
        .iter()
        .map(|n| EntityInput::new(*n, *n, EntityKind::Region, 2))
        .collect()
}

/// 规上 firms keyed F001, F002, …
pub fn firms(n: usize) -> Vec<EntityInput> {
    (1..=n)
        .map(|i| {
            EntityInput::new(
                format!("F{i:03}"),
                format!("企业{i}"),
                EntityKind::Enterprise,
                1,
            )
            .with_groups(["规上"])
        })
        .collect()
}

pub fn col(values: &[f64]) -> Vec<Option<f64>> {
    values.iter().copied().map(Some).collect()
}

pub fn values(input: &mut EvalInput, item: &str, v: &[f64]) {
    input
        .items
        .insert(item.to_string(), ItemInput::values(col(v)));
}

pub fn grade<'a>(ev: &'a Evaluation, key: &str) -> Option<&'a str> {
    let (_, row) = ev.find(key).unwrap_or_else(|| panic!("no row for {key}"));
    ev.grade_of(row)
}

pub fn colour<'a>(ev: &'a Evaluation, key: &str) -> Option<&'a str> {
    let (_, row) = ev.find(key).unwrap_or_else(|| panic!("no row for {key}"));
    ev.colour_of(row)
}

pub fn score(ev: &Evaluation, key: &str) -> f64 {
    ev.find(key)
        .and_then(|(_, r)| r.score)
        .unwrap_or_else(|| panic!("no score for {key}"))
}

pub fn explanation(ev: &Evaluation, key: &str) -> String {
    let (i, _) = ev.find(key).unwrap_or_else(|| panic!("no row for {key}"));
    ev.explanation(i)
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}
