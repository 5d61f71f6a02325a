//! Values of the formula indicators (亩均税收 = ENT_TAX / LAND_MU …), derived at generation time
//! from the generated inputs, so that the 亩均 scheme finds per-firm values in the store. Only the
//! quotient form `A / B` is used by the demo catalogue; a missing operand or a denominator ≤ 0
//! gives no value (a firm without emission data has no 单位排放增加值).

use std::collections::HashMap;

use yiping_kernel::{Measure, NewIndicator, Period};

use super::DemoObservation;

/// The derived observations, in the order of the catalogue, then of the inputs.
pub(super) fn derive(
    indicators: &[NewIndicator],
    inputs: &[DemoObservation],
) -> Vec<DemoObservation> {
    let formulas: Vec<(&NewIndicator, &str, &str)> = indicators
        .iter()
        .filter_map(|i| {
            let (a, b) = i.quotient_operands()?;
            Some((i, a, b))
        })
        .collect();
    let operands: std::collections::HashSet<&str> =
        formulas.iter().flat_map(|(_, a, b)| [*a, *b]).collect();
    // (entity, period) → operand code → value, for the entities that have any operand.
    let mut by_key: Vec<(&str, Period)> = Vec::new();
    let mut values: HashMap<(&str, Period), HashMap<&str, f64>> = HashMap::new();
    for o in inputs
        .iter()
        .filter(|o| o.measure == Measure::Value && operands.contains(o.indicator_code.as_str()))
    {
        let k = (o.entity_key.as_str(), o.period);
        values
            .entry(k)
            .or_insert_with(|| {
                by_key.push(k);
                HashMap::new()
            })
            .insert(o.indicator_code.as_str(), o.value);
    }
    let mut out = Vec::new();
    for (ind, a, b) in &formulas {
        for k in &by_key {
            let v = &values[k];
            let (Some(x), Some(y)) = (v.get(a), v.get(b)) else {
                continue;
            };
            let Some(value) = ind.quotient_value(*x, *y) else {
                continue;
            };
            out.push(DemoObservation {
                entity_key: k.0.to_string(),
                indicator_code: ind.code.as_str().to_string(),
                period: k.1,
                measure: Measure::Value,
                value,
                source: None,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotients_are_derived_where_both_operands_exist() {
        let mut ind = NewIndicator::new("TAX_PER_MU", "亩均税收", "万元/亩").unwrap();
        ind.formula = Some("ENT_TAX / LAND_MU".into());
        ind.decimals = 3;
        let y = Period::year(2024).unwrap();
        let obs = |e: &str, c: &str, v: f64| DemoObservation {
            entity_key: e.into(),
            indicator_code: c.into(),
            period: y,
            measure: Measure::Value,
            value: v,
            source: None,
        };
        let inputs = [
            obs("E1", "ENT_TAX", 100.0),
            obs("E1", "LAND_MU", 3.0),
            obs("E2", "ENT_TAX", 50.0),
            obs("E3", "ENT_TAX", 1.0),
            obs("E3", "LAND_MU", 0.0),
        ];
        let d = derive(&[ind], &inputs);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].entity_key.as_str(), d[0].value), ("E1", 33.333));
    }
}
