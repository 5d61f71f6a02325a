//! The worked examples of DOMAIN.md, reproduced exactly.

use yiping_eval::measures::{
    ProgressBands, ProgressClock, ProgressSchedule, assess_progress, ratio_pct, round_to,
    time_progress,
};
use yiping_eval::{EvalInput, ItemInput, evaluate, shipped};

use crate::helpers::*;

// §3.3 黄岩 2023: benchmark-ratio scoring.
const HUANGYAN_F: [(&str, f64); 6] = [
    ("tax_per_mu", 36.15),
    ("va_per_mu", 136.16),
    ("va_per_energy", 1.347),
    ("va_per_emission", 4929.81),
    ("labour_prod", 18.14),
    ("rd_ratio", 0.0151),
];

fn huangyan_input(values: &[(&str, f64)]) -> EvalInput {
    let mut input = EvalInput::new(firms(1));
    for (item, v) in values {
        input
            .items
            .insert(item.to_string(), ItemInput::values(vec![Some(*v)]));
    }
    input
}

#[test]
fn huangyan_firm_f_scores_100_with_the_2023_benchmarks() {
    let s = scheme(shipped::MUJUN);
    let ev = evaluate(&s, &huangyan_input(&HUANGYAN_F));
    let weighted: Vec<f64> = ev.breakdown(0).map(|i| i.weighted.unwrap()).collect();
    // Ratios 1.5, 1.0, 0.5, 1.0, 1.0, 0.5 → 45 + 20 + 10 + 10 + 10 + 5. The published 36.15 is
    // 1.5 × 24.097 = 36.1455 rounded, hence the 0.006 left over in the first item.
    let expected = [45.0, 20.0, 10.0, 10.0, 10.0, 5.0];
    for (w, e) in weighted.iter().zip(expected) {
        assert!((w - e).abs() < 0.01, "{w} vs {e}");
    }
    assert_eq!(round_to(score(&ev, "F001"), 1), 100.0);
    assert!(explanation(&ev, "F001").starts_with("综合得分100.0分，居全区第1位"));

    // With the unrounded value the score is exactly 100.
    let mut exact = HUANGYAN_F;
    exact[0].1 = 36.1455;
    let ev = evaluate(&s, &huangyan_input(&exact));
    assert!((score(&ev, "F001") - 100.0).abs() < 1e-9);
}

#[test]
fn huangyan_firm_without_emission_data_gets_the_average_item_score_of_its_cohort() {
    let s = scheme(shipped::MUJUN);
    let mut input = EvalInput::new(firms(3));
    let rows: [[Option<f64>; 3]; 6] = [
        [Some(24.097); 3],
        [Some(136.16); 3],
        [Some(2.694); 3],
        [Some(4929.81 * 0.5), Some(4929.81 * 1.5), None],
        [Some(18.14); 3],
        [Some(0.0302); 3],
    ];
    for ((item, _), column) in HUANGYAN_F.iter().zip(rows) {
        input
            .items
            .insert(item.to_string(), ItemInput::values(column.to_vec()));
    }
    let ev = evaluate(&s, &input);
    let (row, r) = ev.find("F003").unwrap();
    assert_eq!(r.excluded_by, None);
    let emission = ev.breakdown(row).nth(3).unwrap();
    assert!(emission.missing);
    // The two firms with data score 50 and 150 points: the average 100 points × 10 ÷ 100 = 10.
    assert!(close(emission.normalised.unwrap(), 100.0));
    assert!(close(emission.weighted.unwrap(), 10.0));
    assert!(close(score(&ev, "F003"), 100.0));
}

const JINGDE: &str = r#"
code = "JINGDE"
name = "旌德亩均（单项示例）"
year = 2022
frequency = "year"
[population]
kind = "enterprise"
[[items]]
id = "tax_per_mu"
indicator = "TAX_PER_MU"
weight = 30
normalisation = { method = "min_max", floor = 20, ceiling = 100 }
"#;

#[test]
fn jingde_single_item_scores_18_with_worst_6_and_best_30() {
    let s = scheme(JINGDE);
    let mut input = EvalInput::new(firms(3));
    values(&mut input, "tax_per_mu", &[30.0, 0.0, 60.0]);
    let ev = evaluate(&s, &input);
    assert_eq!(score(&ev, "F001"), 18.0);
    assert_eq!(score(&ev, "F002"), 6.0);
    assert_eq!(score(&ev, "F003"), 30.0);
}

#[test]
fn jingde_degenerate_range_gives_full_marks_or_the_floor_by_rule() {
    let mut input = EvalInput::new(firms(2));
    values(&mut input, "tax_per_mu", &[5.0, 5.0]);
    let full = evaluate(&scheme(JINGDE), &input);
    assert_eq!(score(&full, "F001"), 30.0);
    let floor =
        scheme(&JINGDE.replace("ceiling = 100 }", "ceiling = 100 }\ndegenerate = \"floor\""));
    let ev = evaluate(&floor, &input);
    assert_eq!(score(&ev, "F001"), 6.0);
    assert_eq!(score(&ev, "F002"), 6.0);
}

/// One score per firm, distinct, descending with the key: F001 best.
fn percentile_input(n: usize) -> EvalInput {
    let mut input = EvalInput::new(firms(n));
    let v: Vec<f64> = (0..n)
        .map(|i| 24.097 * (2.0 - i as f64 / n as f64))
        .collect();
    values(&mut input, "tax_per_mu", &v);
    for item in [
        "va_per_mu",
        "va_per_energy",
        "va_per_emission",
        "labour_prod",
        "rd_ratio",
    ] {
        values(&mut input, item, &vec![1.0; n]);
    }
    input
}

fn class_counts(ev: &yiping_eval::Evaluation) -> [usize; 4] {
    let mut c = [0; 4];
    for r in &ev.rows {
        if let Some(g) = r.grade {
            c[usize::from(g)] += 1;
        }
    }
    c
}

#[test]
fn forty_firms_split_10_18_10_2_by_rank_position() {
    let ev = evaluate(&scheme(shipped::MUJUN), &percentile_input(40));
    assert_eq!(class_counts(&ev), [10, 18, 10, 2]);
    assert_eq!(grade(&ev, "F010"), Some("A"));
    assert_eq!(grade(&ev, "F011"), Some("B"));
    assert_eq!(grade(&ev, "F028"), Some("B"));
    assert_eq!(grade(&ev, "F029"), Some("C"));
    assert_eq!(grade(&ev, "F038"), Some("C"));
    assert_eq!(grade(&ev, "F039"), Some("D"));
    assert!(explanation(&ev, "F039").ends_with("D类"));
}

#[test]
fn an_exempt_firm_is_ranked_but_not_graded_and_the_other_forty_still_split_10_18_10_2() {
    let mut input = percentile_input(41);
    // The firm at rank 5 is a utility: 不定等级.
    input.entities[4].groups.push("公用事业".into());
    let ev = evaluate(&scheme(shipped::MUJUN), &input);
    let (_, utility) = ev.find("F005").unwrap();
    assert_eq!(utility.rank, Some(5));
    assert!(utility.exempt);
    assert_eq!(utility.grade, None);
    assert!(explanation(&ev, "F005").ends_with("不定等级"));
    assert_eq!(class_counts(&ev), [10, 18, 10, 2]);
    let ranks: Vec<u32> = ev.ranked().map(|(_, r)| r.rank.unwrap()).collect();
    assert_eq!(ranks, (1..=41).collect::<Vec<_>>());
    // The 10th graded firm is F011, ranked 11th overall.
    assert_eq!(grade(&ev, "F011"), Some("A"));
    assert_eq!(grade(&ev, "F012"), Some("B"));
}

#[test]
fn an_exemption_by_key_in_the_scheme_works_like_a_group() {
    let text = shipped::MUJUN.replace("keys = []", "keys = [\"F002\"]");
    let ev = evaluate(&scheme(&text), &percentile_input(40));
    assert_eq!(grade(&ev, "F002"), None);
    assert_eq!(ev.find("F002").unwrap().1.rank, Some(2));
}

#[test]
fn time_progress_example_405_34_plan_297_actual_is_slightly_behind() {
    let tp = time_progress(ProgressClock::Month(9), &ProgressSchedule::linear());
    assert_eq!(tp, 75.0);
    let a = assess_progress(297.0, Some(405.34), tp, &ProgressBands::default()).unwrap();
    assert_eq!(round_to(a.completion, 2), 73.27);
    assert_eq!(round_to(a.gap, 2), -1.73);
    assert_eq!(a.label, "略低于");
    assert!(assess_progress(297.0, None, tp, &ProgressBands::default()).is_none());
}

#[test]
fn tongliang_table_labels_are_reproduced() {
    let bands = ProgressBands::default();
    for (completion, label) in [
        (73.27, "略低于"),
        (83.91, "达到"),
        (79.73, "达到"),
        (66.24, "低于"),
        (51.70, "明显低于"),
    ] {
        assert_eq!(bands.label(completion - 75.0), label, "{completion}");
    }
    // 81.8 − 75.0 is 6.8 pp ahead (重点项目 2023); with an explicit 超过 band at +5 pp it is 超过.
    let with = ProgressBands::default().with_exceed(5.0, "超过").unwrap();
    assert_eq!(with.label(81.8 - 75.0), "超过");
    assert_eq!(round_to(30.90 - 25.0, 2), 5.90);
}

#[test]
fn tongliang_labels_also_come_out_of_the_engine_as_bands_relative_to_time_progress() {
    let text = r#"
code = "TONGLIANG"
name = "重点项目序时进度"
year = 2024
frequency = "month"
[population]
kind = "project"
[[items]]
id = "done"
name = "投资完成率"
indicator = "FAI"
measure = "completion"
weight = 100
[banding]
mode = "absolute"
by = "item:done"
suffix = ""
bands = [
  { grade = "达到", at_least = { ref = "time_progress" } },
  { grade = "略低于", at_least = { ref = "time_progress", offset = -5 } },
  { grade = "低于", at_least = { ref = "time_progress", offset = -15 } },
  { grade = "明显低于" },
]
"#;
    use yiping_eval::EntityInput;
    use yiping_kernel::EntityKind;
    let groups = ["全部", "续建", "市场主导", "政府主导", "新建"];
    let mut input = EvalInput::new(
        groups
            .iter()
            .map(|g| EntityInput::new(*g, *g, EntityKind::Project, 1))
            .collect(),
    );
    let item = ItemInput {
        value: col(&[73.27, 83.91, 79.73, 66.24, 51.70]),
        target: col(&[100.0; 5]),
        ..ItemInput::default()
    };
    input.items.insert("done".into(), item);
    input.references.time_progress = Some(75.0);
    let ev = evaluate(&scheme(text), &input);
    let got: Vec<&str> = groups.iter().map(|g| grade(&ev, g).unwrap()).collect();
    assert_eq!(got, ["略低于", "达到", "达到", "低于", "明显低于"]);
}

#[test]
fn project_pipeline_ratios_are_70_and_21_percent() {
    assert_eq!(ratio_pct(14.0, 20.0), Some(70.0));
    assert_eq!(round_to(ratio_pct(3.0, 14.0).unwrap(), 2), 21.43);
    assert_eq!(ratio_pct(57.0, 67.0).map(|r| round_to(r, 2)), Some(85.07));
    assert_eq!(ratio_pct(1.0, 0.0), None);
}

#[test]
fn five_colour_example_relative_to_city_growth_8_6() {
    let s = scheme(shipped::FIVE_COLOUR_IND_VA);
    let mut input = EvalInput::new(regions(&["沙坪坝", "武隆", "甲", "乙", "丙", "丁"]));
    // Reported growth, as the statistics office publishes it.
    let item = ItemInput {
        reported_growth: col(&[24.6, 14.4, 7.0, -3.0, 9.6, 5.0]),
        city: Some(8.6),
        ..ItemInput::default()
    };
    input.items.insert("ind_va".into(), item);
    let ev = evaluate(&s, &input);
    assert_eq!(colour(&ev, "沙坪坝"), Some("深绿"));
    assert_eq!(colour(&ev, "武隆"), Some("深绿"));
    assert_eq!(colour(&ev, "甲"), Some("黄"));
    assert_eq!(colour(&ev, "乙"), Some("红"));
    assert_eq!(colour(&ev, "丙"), Some("绿"));
    assert_eq!(colour(&ev, "丁"), Some("橙"));
    assert_eq!(
        explanation(&ev, "甲"),
        "规上工业增加值增速7.0%，居全市第4位，黄色"
    );
}

const ABC: &str = r#"
code = "GDP_ABC"
name = "一季度GDP增速分档"
year = 2024
frequency = "quarter"
[population]
kind = "region"
level = 2
[[items]]
id = "gdp"
name = "地区生产总值增速"
indicator = "GDP"
measure = "growth"
weight = 100
[banding]
mode = "absolute"
by = "item:gdp"
bands = [
  { grade = "A", at_least = { ref = "city", offset = 1.0 } },
  { grade = "B", at_least = { ref = "city" } },
  { grade = "C" },
]
"#;

#[test]
fn abc_example_against_city_6_2_grades_8_5_and_7_2_a_6_2_b_5_0_c() {
    let mut input = EvalInput::new(regions(&["沙坪坝", "两江(直管区)", "涪陵", "X"]));
    let item = ItemInput {
        reported_growth: col(&[8.5, 7.2, 6.2, 5.0]),
        city: Some(6.2),
        ..ItemInput::default()
    };
    input.items.insert("gdp".into(), item);
    let ev = evaluate(&scheme(ABC), &input);
    assert_eq!(grade(&ev, "沙坪坝"), Some("A"));
    assert_eq!(grade(&ev, "两江(直管区)"), Some("A"));
    assert_eq!(grade(&ev, "涪陵"), Some("B"));
    assert_eq!(grade(&ev, "X"), Some("C"));
    assert_eq!(
        explanation(&ev, "沙坪坝"),
        "地区生产总值增速8.5%，居全市第1位，A档"
    );
    assert_eq!(
        explanation(&ev, "涪陵"),
        "地区生产总值增速6.2%，居全市第3位，B档"
    );
}
