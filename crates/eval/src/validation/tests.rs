use std::collections::HashMap;

use yiping_kernel::{EntityId, Measure, Period};

use super::*;

/// A city (1) with two districts (2, 3).
#[derive(Default)]
struct MapFacts {
    values: HashMap<(i64, String, Period, Measure), f64>,
}

impl MapFacts {
    fn set(mut self, e: i64, ind: &str, p: Period, m: Measure, v: f64) -> Self {
        self.values.insert((e, ind.to_string(), p, m), v);
        self
    }
}

impl Facts for MapFacts {
    fn value(
        &self,
        entity: EntityId,
        indicator: &str,
        period: Period,
        measure: Measure,
    ) -> Option<f64> {
        self.values
            .get(&(entity.0, indicator.to_string(), period, measure))
            .copied()
    }
    fn children(&self, entity: EntityId, _period: Period) -> Vec<EntityId> {
        if entity.0 == 1 {
            vec![EntityId(2), EntityId(3)]
        } else {
            vec![]
        }
    }
    fn level(&self, entity: EntityId) -> Option<u8> {
        Some(if entity.0 == 1 { 1 } else { 2 })
    }
}

fn q3() -> Period {
    Period::months(2024, 1, 9).unwrap()
}

const RULES: &str = r#"
[[rules]]
code = "GDP_PARTS"
name = "各区县之和不超过全市"
kind = "parts_le_total"
indicator = "GDP"
importance = "high"
tolerance = 0.5

[[rules]]
code = "GDP_GROWTH"
name = "总量与增速相符"
kind = "growth_agrees"
indicator = "GDP"
tolerance = 1.0

[[rules]]
code = "FAI_CUM"
name = "累计不减"
kind = "cumulative"
indicator = "FAI"
importance = "low"

[[rules]]
code = "RATE_RANGE"
name = "比率在0—100之间"
kind = "range"
indicator = "RATE"
min = 0
max = 100
"#;

fn rules() -> Vec<ValidationRule> {
    parse_rules(RULES).unwrap()
}

fn by_code<'a>(v: &'a [Violation], code: &str) -> Vec<&'a Violation> {
    v.iter().filter(|x| x.rule == code).collect()
}

#[test]
fn parts_exceeding_the_total_break_the_rule_and_parts_within_tolerance_do_not() {
    let p = q3();
    let over = MapFacts::default()
        .set(1, "GDP", p, Measure::Value, 1000.0)
        .set(2, "GDP", p, Measure::Value, 600.0)
        .set(3, "GDP", p, Measure::Value, 450.0);
    let v = check(&rules(), &over, &[(EntityId(1), p)]);
    let parts = by_code(&v, "GDP_PARTS");
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].left, Some(1050.0));
    assert_eq!(parts[0].right, Some(1000.0));
    assert_eq!(parts[0].importance, Importance::High);
    assert!(
        parts[0].message().contains("1050"),
        "{}",
        parts[0].message()
    );
    assert!(parts[0].message().contains("1000"));

    let within = MapFacts::default()
        .set(1, "GDP", p, Measure::Value, 1000.0)
        .set(2, "GDP", p, Measure::Value, 600.0)
        .set(3, "GDP", p, Measure::Value, 400.4);
    assert!(by_code(&check(&rules(), &within, &[(EntityId(1), p)]), "GDP_PARTS").is_empty());
}

#[test]
fn a_district_has_no_children_so_the_parts_rule_is_skipped_for_it() {
    let p = q3();
    let f = MapFacts::default().set(2, "GDP", p, Measure::Value, 600.0);
    assert!(check(&rules(), &f, &[(EntityId(2), p)]).is_empty());
}

#[test]
fn level_and_reported_growth_disagreeing_reports_both_numbers() {
    let p = q3();
    let last = p.same_period_last_year().unwrap();
    let f = MapFacts::default()
        .set(2, "GDP", p, Measure::Value, 110.0)
        .set(2, "GDP", last, Measure::Value, 100.0)
        .set(2, "GDP", p, Measure::Growth, 6.1);
    let v = check(&rules(), &f, &[(EntityId(2), p)]);
    let g = by_code(&v, "GDP_GROWTH");
    assert_eq!(g.len(), 1);
    let m = g[0].message();
    assert!(
        m.contains("10") && m.contains("6.1") && m.contains("3.9"),
        "{m}"
    );
    // Within one point: no violation.
    let ok = MapFacts::default()
        .set(2, "GDP", p, Measure::Value, 110.0)
        .set(2, "GDP", last, Measure::Value, 100.0)
        .set(2, "GDP", p, Measure::Growth, 9.3);
    assert!(by_code(&check(&rules(), &ok, &[(EntityId(2), p)]), "GDP_GROWTH").is_empty());
}

#[test]
fn a_cumulative_value_below_the_previous_month_breaks_the_rule_and_january_is_not_checked() {
    let p = q3();
    let prev = Period::months(2024, 1, 8).unwrap();
    let f = MapFacts::default()
        .set(2, "FAI", p, Measure::Value, 90.0)
        .set(2, "FAI", prev, Measure::Value, 95.0);
    assert_eq!(
        by_code(&check(&rules(), &f, &[(EntityId(2), p)]), "FAI_CUM").len(),
        1
    );
    let jan = Period::month(2024, 1).unwrap();
    let f = MapFacts::default().set(2, "FAI", jan, Measure::Value, 5.0);
    assert!(check(&rules(), &f, &[(EntityId(2), jan)]).is_empty());
    // A single month (not cumulative) is not checked either.
    let m9 = Period::month(2024, 9).unwrap();
    let m8 = Period::month(2024, 8).unwrap();
    let f = MapFacts::default()
        .set(2, "FAI", m9, Measure::Value, 1.0)
        .set(2, "FAI", m8, Measure::Value, 9.0);
    assert!(check(&rules(), &f, &[(EntityId(2), m9)]).is_empty());
}

#[test]
fn a_range_with_both_bounds_is_two_rules() {
    let p = q3();
    let r = rules();
    assert!(r.iter().any(|x| x.code == "RATE_RANGE-min"));
    let f = MapFacts::default().set(2, "RATE", p, Measure::Value, 120.0);
    let v = check(&r, &f, &[(EntityId(2), p)]);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].rule, "RATE_RANGE-max");
}

fn compare(left: &str, op: &str, right: &str, missing: &str) -> ValidationRule {
    let text = format!(
        "[[rules]]\ncode = \"C\"\nname = \"比较\"\nleft = \"{left}\"\noperator = \"{op}\"\nright = \"{right}\"\nmissing = \"{missing}\"\n"
    );
    parse_rules(&text).unwrap().remove(0)
}

#[test]
fn missing_value_strategies_decide_whether_a_rule_is_checked() {
    let p = q3();
    let f = MapFacts::default().set(2, "A", p, Measure::Value, 5.0);
    let s = (EntityId(2), p);
    // A ≤ B with B missing: skipped, unless never_skip (then B counts as 0 and 5 ≤ 0 fails).
    let any = compare("A", "<=", "B", "skip_if_any_missing");
    assert!(check(&[any], &f, &[s]).is_empty());
    let all = compare("A", "<=", "B", "skip_if_all_missing");
    assert_eq!(check(&[all], &f, &[s]).len(), 1);
    let never = compare("C", "<=", "B - 1", "never_skip");
    assert_eq!(check(&[never], &f, &[s]).len(), 1, "0 <= -1 fails");
    let all = compare("C", "<=", "B - 1", "skip_if_all_missing");
    assert!(check(&[all], &f, &[s]).is_empty());
}

#[test]
fn pairs_check_presence_not_numbers() {
    let p = q3();
    let s = (EntityId(2), p);
    let f = MapFacts::default().set(2, "A", p, Measure::Value, 5.0);
    let both =
        MapFacts::default()
            .set(2, "A", p, Measure::Value, 5.0)
            .set(2, "B", p, Measure::Value, 1.0);
    let compulsory = compare("A", "compulsory_pair", "B", "skip_if_any_missing");
    assert_eq!(check(std::slice::from_ref(&compulsory), &f, &[s]).len(), 1);
    assert!(check(std::slice::from_ref(&compulsory), &both, &[s]).is_empty());
    let exclusive = compare("A", "exclusive_pair", "B", "skip_if_any_missing");
    assert!(check(std::slice::from_ref(&exclusive), &f, &[s]).is_empty());
    assert_eq!(check(&[exclusive], &both, &[s]).len(), 1);
}

#[test]
fn expressions_sum_weighted_terms_and_functions() {
    let e = parse::parse_expr("children(GDP) - 0.5 * IND_VA + 3").unwrap();
    assert_eq!(e.terms.len(), 2);
    assert_eq!(e.constant, 3.0);
    assert_eq!(e.terms[1].0, -0.5);
    assert!(matches!(&e.terms[0].1, Term::Read(o) if o.of == Of::Children && o.indicator == "GDP"));
    assert!(parse::parse_expr("GDP +").is_err());
    assert!(parse::parse_expr("unknown_fn(GDP)").is_err());
    assert!(parse::parse_expr("GDP IND_VA").is_err());
}

#[test]
fn operators_and_levels() {
    let p = q3();
    let f =
        MapFacts::default()
            .set(1, "A", p, Measure::Value, 5.0)
            .set(1, "B", p, Measure::Value, 5.0);
    let s = [(EntityId(1), p)];
    for (op, broken) in [
        ("==", false),
        ("!=", true),
        (">", true),
        (">=", false),
        ("<", true),
        ("<=", false),
    ] {
        let r = compare("A", op, "B", "skip_if_any_missing");
        assert_eq!(check(&[r], &f, &s).len(), usize::from(broken), "{op}");
    }
    let mut r = compare("A", "!=", "B", "skip_if_any_missing");
    r.levels = vec![2];
    assert!(check(&[r], &f, &s).is_empty(), "the city is level 1");
}

#[test]
fn a_bad_rule_file_names_each_bad_key() {
    let text = r#"
[[rules]]
code = "X"
name = "坏规则"
kind = "compare"
left = "GDP +"
operator = "=<"
right = "GDP"
importance = "urgent"
levels = [0]

[[rules]]
code = "X"
name = "重复"
kind = "parts_le_total"
"#;
    let err = parse_rules(text).unwrap_err();
    let paths: Vec<&str> = err.fields().iter().map(|f| f.path.as_str()).collect();
    for want in [
        "rules[0].left",
        "rules[0].operator",
        "rules[0].importance",
        "rules[0].levels[0]",
        "rules[1].indicator",
        "rules[1].code",
    ] {
        assert!(paths.contains(&want), "{want} missing from {paths:?}");
    }
    assert!(matches!(
        parse_rules("[[rules]]\ncolour = 1\n"),
        Err(ValidationRuleError::Syntax(_))
    ));
}

#[test]
fn the_shipped_rules_parse() {
    let r = parse_rules(crate::shipped::VALIDATION_RULES).unwrap();
    assert!(r.iter().any(|x| x.importance == Importance::High
        && x.reads_children()
        && x.indicators() == ["GDP"]));
}
