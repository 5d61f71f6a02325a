use yiping_kernel::{EntityKind, Period};

use super::*;

fn district(key: &str, value: Option<f64>) -> AlertSubject {
    AlertSubject {
        key: key.to_string(),
        name: format!("{key}区"),
        kind: Some(EntityKind::Region),
        level: 2,
        value,
        ..AlertSubject::default()
    }
}

fn input(period: Period, subjects: Vec<AlertSubject>) -> AlertInput {
    AlertInput {
        period,
        indicator_name: "规上工业增加值".to_string(),
        unit: "亿元".to_string(),
        subjects,
    }
}

fn rule(condition: Condition) -> AlertRule {
    AlertRule {
        code: "R".to_string(),
        name: "测试规则".to_string(),
        indicator: "IND_VA".to_string(),
        condition,
        severity: Severity::Warning,
        scope: AlertScope {
            kind: EntityKind::Region,
            level: Some(2),
        },
        problem_source: "督查".to_string(),
        states: Default::default(),
    }
}

fn q3() -> Period {
    Period::months(2024, 1, 9).unwrap()
}

#[test]
fn threshold_on_growth_prefers_the_reported_figure_and_derives_otherwise() {
    let r = rule(Condition::Threshold {
        measure: AlertMeasure::Growth,
        operator: Operator::Less,
        threshold: 0.0,
    });
    // A: reported −1.2 (derived would be +10): fires on the reported figure.
    let mut a = district("A", Some(110.0));
    a.previous = Some(100.0);
    a.reported_growth = Some(-1.2);
    // B: no reported growth, 95 vs 100 → −5 %.
    let mut b = district("B", Some(95.0));
    b.previous = Some(100.0);
    // C: reported +3.0: quiet. D: no data at all: quiet.
    let mut c = district("C", Some(90.0));
    c.reported_growth = Some(3.0);
    let d = district("D", None);
    let fired = evaluate_rule(&r, &input(q3(), vec![a, b, c, d]));
    assert_eq!(fired.len(), 2);
    assert_eq!((fired[0].entity.as_str(), fired[0].value), ("A", -1.2));
    assert_eq!(fired[1].entity, "B");
    assert!((fired[1].value + 5.0).abs() < 1e-9);
    assert_eq!(fired[1].subject, 1);
    assert_eq!(fired[1].threshold, 0.0);
    assert_eq!(
        fired[0].message,
        "2024年1—9月 A区规上工业增加值增速为-1.2%，低于预警线0%（测试规则）"
    );
}

#[test]
fn derived_growth_ignores_the_reported_figure_and_operators_are_exact_at_the_edge() {
    let mut a = district("A", Some(110.0));
    a.previous = Some(100.0);
    a.reported_growth = Some(-1.0);
    let derived = rule(Condition::Threshold {
        measure: AlertMeasure::DerivedGrowth,
        operator: Operator::Less,
        threshold: 0.0,
    });
    assert!(evaluate_rule(&derived, &input(q3(), vec![a.clone()])).is_empty());
    let reported = rule(Condition::Threshold {
        measure: AlertMeasure::ReportedGrowth,
        operator: Operator::LessOrEqual,
        threshold: -1.0,
    });
    assert_eq!(
        evaluate_rule(&reported, &input(q3(), vec![a.clone()])).len(),
        1
    );
    let strict = rule(Condition::Threshold {
        measure: AlertMeasure::ReportedGrowth,
        operator: Operator::Less,
        threshold: -1.0,
    });
    assert!(evaluate_rule(&strict, &input(q3(), vec![a])).is_empty());
    let value = rule(Condition::Threshold {
        measure: AlertMeasure::Value,
        operator: Operator::GreaterOrEqual,
        threshold: 500.0,
    });
    let fired = evaluate_rule(&value, &input(q3(), vec![district("V", Some(500.0))]));
    assert_eq!(fired.len(), 1);
    assert!(fired[0].message.contains("为500亿元，不低于预警线500亿元"));
}

#[test]
fn scope_keeps_other_kinds_and_levels_out() {
    let r = rule(Condition::Threshold {
        measure: AlertMeasure::Value,
        operator: Operator::Greater,
        threshold: 0.0,
    });
    let mut town = district("T", Some(5.0));
    town.level = 3;
    let mut firm = district("F", Some(5.0));
    firm.kind = Some(EntityKind::Enterprise);
    let fired = evaluate_rule(&r, &input(q3(), vec![town, firm, district("K", Some(5.0))]));
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].entity, "K");
}

#[test]
fn behind_progress_by_more_than_the_points() {
    // DOMAIN §8 worked example: plan 405.34, Jan–Sep 297 → 73.27 %, 75 % due, gap −1.73 pp.
    let r = rule(Condition::BehindProgress { points: 1.5 });
    let mut a = district("A", Some(297.0));
    a.target = Some(405.34);
    // B: 280 of 400 = 70 %, gap −5 pp.
    let mut b = district("B", Some(280.0));
    b.target = Some(400.0);
    // C: no plan: no 序时 label, no alert.
    let c = district("C", Some(1.0));
    let fired = evaluate_rule(&r, &input(q3(), vec![a.clone(), b.clone(), c]));
    assert_eq!(fired.len(), 2);
    assert!((fired[0].value - 73.27).abs() < 0.01);
    assert!((fired[0].compared + 1.73).abs() < 0.01);
    assert_eq!(fired[0].threshold, -1.5);
    assert!(
        fired[1]
            .message
            .contains("完成年度计划70%，略低于序时进度（75%）5个百分点")
    );
    // More than 5 pp: B's gap of exactly −5 does not fire; A does not either.
    let five = rule(Condition::BehindProgress { points: 5.0 });
    assert!(evaluate_rule(&five, &input(q3(), vec![a, b.clone()])).is_empty());
    // A front-loaded plan: 80 % due by September, so B is 10 pp behind.
    let mut curve: Vec<f64> = (1..=12).map(|m| f64::from(m) / 12.0).collect();
    curve[8] = 0.8;
    b.schedule = Some(curve);
    let fired = evaluate_rule(&five, &input(q3(), vec![b.clone()]));
    assert_eq!(fired.len(), 1);
    assert!((fired[0].compared + 10.0).abs() < 1e-9);
    // Not a cumulative period (July–September alone): nothing to compare with the annual plan.
    let jul_sep = Period::months(2024, 7, 9).unwrap();
    assert!(evaluate_rule(&five, &input(jul_sep, vec![b])).is_empty());
}

#[test]
fn zscore_outlier_against_the_peer_group() {
    // Values 1, 1, 1, 1, 1, 1, 1, 1, 1, 11: mean 2, population sd 3, z of 11 = 3.0, of 1 = −1/3.
    let mut subjects: Vec<AlertSubject> = (0..9)
        .map(|i| district(&format!("P{i}"), Some(1.0)))
        .collect();
    subjects.push(district("X", Some(11.0)));
    let at = |t: f64| {
        rule(Condition::Outlier {
            measure: AlertMeasure::Value,
            method: OutlierMethod::ZScore,
            threshold: t,
        })
    };
    let z = outlier_scores(
        OutlierMethod::ZScore,
        &[1., 1., 1., 1., 1., 1., 1., 1., 1., 11.],
    )
    .unwrap();
    assert!((z[9] - 3.0).abs() < 1e-12);
    assert!((z[0] + 1.0 / 3.0).abs() < 1e-12);
    // |z| must exceed the threshold: exactly 3.0 is not an outlier at 3.0.
    assert!(evaluate_rule(&at(3.0), &input(q3(), subjects.clone())).is_empty());
    let fired = evaluate_rule(&at(2.5), &input(q3(), subjects));
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].entity, "X");
    assert_eq!(fired[0].threshold, 2.5);
    assert!(fired[0].message.contains("明显偏高（Z值3，阈值2.5）"));
}

#[test]
fn modified_zscore_uses_median_and_mad() {
    // 10, 11, 12, 13, 50: median 12, deviations 2, 1, 0, 1, 38 → MAD 1; 50 scores 0.6745·38.
    let xs = [10.0, 11.0, 12.0, 13.0, 50.0];
    let m = outlier_scores(OutlierMethod::ModifiedZScore, &xs).unwrap();
    assert!((m[4] - 0.6745 * 38.0).abs() < 1e-12);
    assert!((m[0] + 0.6745 * 2.0).abs() < 1e-12);
    let r = rule(Condition::Outlier {
        measure: AlertMeasure::Value,
        method: OutlierMethod::ModifiedZScore,
        threshold: 3.0,
    });
    let subjects = xs
        .iter()
        .enumerate()
        .map(|(i, x)| district(&format!("P{i}"), Some(*x)))
        .collect();
    let fired = evaluate_rule(&r, &input(q3(), subjects));
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].entity, "P4");
    // No spread, or too few peers: nothing can be said.
    assert_eq!(
        outlier_scores(OutlierMethod::ZScore, &[2.0, 2.0, 2.0]),
        None
    );
    assert_eq!(
        outlier_scores(OutlierMethod::ModifiedZScore, &[1.0, 2.0, 2.0, 2.0]),
        None
    );
    assert_eq!(outlier_scores(OutlierMethod::ZScore, &[1.0, 9.0]), None);
}

#[test]
fn the_shipped_rules_parse() {
    let rules = crate::shipped::alert_rules().unwrap();
    let codes: Vec<&str> = rules.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "IND_VA_DECLINE",
            "FAI_BEHIND_PROGRESS",
            "RETAIL_GROWTH_OUTLIER"
        ]
    );
    assert_eq!(
        rules[1].condition,
        Condition::BehindProgress { points: 5.0 }
    );
    assert_eq!(rules[0].severity, Severity::Critical);
    assert_eq!(rules[2].scope.level, Some(2));
}

#[test]
fn rule_files_are_checked_field_by_field() {
    let text = r#"
[[rules]]
code = "A"
name = "甲"
indicator = "X"
condition = "threshold"
measure = "speed"
operator = "=="

[[rules]]
code = "A"
name = "乙"
indicator = "X"
condition = "behind_progress"
points = -1.0
threshold = 2.0
scope = { kind = "region", level = 12 }

[[rules]]
name = "丙"
indicator = "X"
condition = "outlier"
method = "iqr"
severity = "big"
scope = { kind = "planet" }
"#;
    let err = parse_rules(text).unwrap_err();
    let paths: Vec<&str> = err.fields().iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "rules[0].threshold",
            "rules[0].measure",
            "rules[0].operator",
            "rules[0].scope",
            "rules[1].threshold",
            "rules[1].points",
            "rules[1].scope.level",
            "rules[1].code",
            "rules[2].code",
            "rules[2].method",
            "rules[2].measure",
            "rules[2].severity",
            "rules[2].scope.kind",
        ]
    );
    assert!(
        err.to_string()
            .contains("rules[0].operator: 比较符“==”无效")
    );
    assert!(err.to_string().contains("rules[1].code: 规则代码“A”重复"));
    let typo = parse_rules("[[rules]]\ncode = \"A\"\nthreshhold = 1.0\n").unwrap_err();
    assert!(matches!(typo, AlertRuleError::Syntax(m) if m.contains("threshhold")));
}
