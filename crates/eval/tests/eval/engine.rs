//! The pipeline's behaviour: population, measures, missing data, normalisation, ties, cohorts,
//! grades, colours, moves, composites, explanations.

use yiping_eval::{
    EntityInput, EvalInput, GradeChange, GrowthSource, ItemInput, PreviousEntry, PreviousResults,
    RankMove, evaluate, shipped,
};
use yiping_kernel::{EntityKind, Polarity};

use crate::helpers::*;

fn two_items(extra: &str) -> String {
    format!(
        r#"
code = "TWO"
name = "两项测试"
year = 2024
frequency = "quarter"
score_decimals = 1
[population]
kind = "region"
level = 2
[[items]]
id = "a"
name = "甲项"
indicator = "GDP"
weight = 50
[[items]]
id = "b"
name = "乙项"
indicator = "IND_VA"
weight = 50
{extra}
"#
    )
}

const HALVES: &str = r#"
[banding]
mode = "relative"
bands = [{ grade = "A", top_pct = 50 }, { grade = "B" }]
"#;

#[test]
fn a_composite_explanation_names_score_rank_move_and_promotion() {
    let s = scheme(&two_items(HALVES));
    let mut input = EvalInput::new(regions(&["甲", "乙", "丙", "丁"]));
    values(&mut input, "a", &[95.0, 92.4, 80.0, 70.0]);
    values(&mut input, "b", &[95.0, 92.4, 80.0, 70.0]);
    let mut prev = PreviousResults::new();
    let entry = |rank: u32, grade: &str| PreviousEntry {
        rank: Some(rank),
        cohort_rank: None,
        grade: Some(grade.to_string()),
    };
    prev.insert("甲", entry(1, "A"));
    prev.insert("乙", entry(3, "B"));
    prev.insert("丙", entry(2, "A"));
    input.previous = Some(prev);
    let ev = evaluate(&s, &input);
    assert_eq!(
        explanation(&ev, "乙"),
        "综合得分92.4分，居全市第2位（上升1位），A档（晋升）"
    );
    assert_eq!(
        explanation(&ev, "丙"),
        "综合得分80.0分，居全市第3位（下降1位），B档（下降）"
    );
    assert_eq!(
        explanation(&ev, "甲"),
        "综合得分95.0分，居全市第1位（与上期持平），A档"
    );
    assert_eq!(
        explanation(&ev, "丁"),
        "综合得分70.0分，居全市第4位（新进），B档"
    );
    let (_, d) = ev.find("丁").unwrap();
    assert_eq!(d.rank_move, Some(RankMove::New));
    assert_eq!(d.grade_change, Some(GradeChange::New));
    // The results feed the next period.
    let next = ev.to_previous();
    assert_eq!(next.get("乙").unwrap().grade.as_deref(), Some("A"));
}

#[test]
fn without_previous_results_there_are_no_moves() {
    let s = scheme(&two_items(HALVES));
    let mut input = EvalInput::new(regions(&["甲", "乙"]));
    values(&mut input, "a", &[1.0, 2.0]);
    values(&mut input, "b", &[1.0, 2.0]);
    let ev = evaluate(&s, &input);
    assert!(
        ev.rows
            .iter()
            .all(|r| r.rank_move.is_none() && r.grade_change.is_none())
    );
}

#[test]
fn reported_growth_is_used_even_when_levels_would_give_another_growth() {
    let text = two_items("").replace(
        "indicator = \"GDP\"",
        "indicator = \"GDP\"\nmeasure = \"growth\"",
    );
    let s = scheme(&text);
    let mut input = EvalInput::new(regions(&["甲", "乙"]));
    input.items.insert(
        "a".into(),
        ItemInput {
            value: col(&[120.0, 120.0]),
            previous: col(&[100.0, 100.0]),
            reported_growth: vec![Some(6.1), None],
            ..ItemInput::default()
        },
    );
    values(&mut input, "b", &[1.0, 1.0]);
    let ev = evaluate(&s, &input);
    let (i, _) = ev.find("甲").unwrap();
    let a = ev.breakdown(i).next().unwrap();
    assert_eq!(a.measure, Some(6.1));
    assert_eq!(a.growth_source, Some(GrowthSource::Reported));
    assert_eq!(a.raw, Some(120.0));
    let (j, _) = ev.find("乙").unwrap();
    let a = ev.breakdown(j).next().unwrap();
    assert!(close(a.measure.unwrap(), 20.0));
    assert_eq!(a.growth_source, Some(GrowthSource::Derived));
}

#[test]
fn an_entity_missing_an_excluding_item_leaves_the_ranking_and_is_listed_last() {
    let s = scheme(&two_items(HALVES));
    let mut input = EvalInput::new(regions(&["甲", "乙", "丙"]));
    input.items.insert(
        "a".into(),
        ItemInput::values(vec![Some(1.0), None, Some(3.0)]),
    );
    values(&mut input, "b", &[1.0, 2.0, 3.0]);
    let ev = evaluate(&s, &input);
    let keys: Vec<&str> = ev.ranked().map(|(_, r)| &*r.key).collect();
    assert_eq!(keys, ["丙", "甲", "乙"]);
    let (_, r) = ev.find("乙").unwrap();
    assert_eq!(
        (r.score, r.rank, r.grade, r.excluded_by),
        (None, None, None, Some(0))
    );
    assert_eq!(explanation(&ev, "乙"), "缺少甲项数据，未参加评价");
}

#[test]
fn the_zero_rule_scores_a_missing_item_zero_and_flags_it() {
    let s = scheme(&two_items("").replace(
        "weight = 50\n[[items]]",
        "weight = 50\nmissing = \"zero\"\n[[items]]",
    ));
    let mut input = EvalInput::new(regions(&["甲", "乙"]));
    input
        .items
        .insert("a".into(), ItemInput::values(vec![Some(80.0), None]));
    values(&mut input, "b", &[60.0, 60.0]);
    let ev = evaluate(&s, &input);
    assert_eq!(score(&ev, "乙"), 30.0);
    let (i, _) = ev.find("乙").unwrap();
    let a = ev.breakdown(i).next().unwrap();
    assert!(a.missing);
    assert_eq!(a.normalised, Some(0.0));
}

#[test]
fn population_filters_by_kind_level_groups_and_explicit_lists() {
    let text = two_items("").replace(
        "level = 2",
        "level = 2\ngroups = [\"主城都市区\", \"渝东北\"]\ninclude = [\"万盛经开区\"]\nexclude = [\"乙\"]",
    );
    let s = scheme(&text);
    let mut entities = vec![
        EntityInput::new("甲", "甲", EntityKind::Region, 2).with_groups(["主城都市区"]),
        EntityInput::new("乙", "乙", EntityKind::Region, 2).with_groups(["渝东北"]),
        EntityInput::new("丙", "丙", EntityKind::Region, 2).with_groups(["渝东南"]),
        EntityInput::new("丁", "丁", EntityKind::Region, 3).with_groups(["主城都市区"]),
        EntityInput::new("万盛经开区", "万盛经开区", EntityKind::Region, 2),
        EntityInput::new("戊", "戊", EntityKind::Enterprise, 2).with_groups(["渝东北"]),
    ];
    entities.push(EntityInput::new("己", "己", EntityKind::Region, 2).with_groups(["渝东北"]));
    let mut input = EvalInput::new(entities);
    values(&mut input, "a", &[1.0; 7]);
    values(&mut input, "b", &[1.0; 7]);
    let ev = evaluate(&s, &input);
    let mut keys: Vec<&str> = ev.rows.iter().map(|r| &*r.key).collect();
    keys.sort();
    assert_eq!(keys, ["万盛经开区", "己", "甲"]);
}

fn race_input() -> EvalInput {
    let spec = [
        ("渝中", "主城都市区", 6.0),
        ("江北", "主城都市区", 7.0),
        ("沙坪坝", "主城都市区", 8.5),
        ("万州", "渝东北", 6.5),
        ("开州", "渝东北", 5.5),
        ("黔江", "渝东南", 4.0),
        ("武隆", "渝东南", 9.0),
    ];
    let entities = spec
        .iter()
        .map(|(n, g, _)| EntityInput::new(*n, *n, EntityKind::Region, 2).with_groups([*g]))
        .collect();
    let mut input = EvalInput::new(entities);
    let growth: Vec<f64> = spec.iter().map(|s| s.2).collect();
    for item in ["gdp", "ind_va", "fai", "retail"] {
        input.items.insert(
            item.into(),
            ItemInput {
                reported_growth: col(&growth),
                ..ItemInput::default()
            },
        );
    }
    input
}

#[test]
fn the_economy_race_ranks_overall_and_within_cohorts_and_bands_within_cohorts() {
    let ev = evaluate(&scheme(shipped::ECONOMY_RACE), &race_input());
    let keys: Vec<&str> = ev.ranked().map(|(_, r)| &*r.key).collect();
    assert_eq!(
        keys,
        ["武隆", "沙坪坝", "江北", "万州", "渝中", "开州", "黔江"]
    );
    assert_eq!(score(&ev, "武隆"), 100.0);
    assert_eq!(score(&ev, "黔江"), 60.0);
    let (_, wulong) = ev.find("武隆").unwrap();
    assert_eq!((wulong.rank, wulong.cohort_rank), (Some(1), Some(1)));
    assert_eq!(ev.cohort_of(wulong), Some("渝东南"));
    // Grades are cut inside each cohort: in a cohort of 3 the top 30 % is 0.9 of a member, so
    // nobody is A; positions 1–2 are within 70 % (B) and position 3 is C.
    assert_eq!(grade(&ev, "沙坪坝"), Some("B"));
    assert_eq!(grade(&ev, "江北"), Some("B"));
    assert_eq!(grade(&ev, "渝中"), Some("C"));
    assert_eq!(grade(&ev, "万州"), Some("B"));
    assert_eq!(grade(&ev, "开州"), Some("C"));
    assert!(explanation(&ev, "万州").contains("居全市第4位，渝东北第1位，B档"));
    assert_eq!(colour(&ev, "武隆"), Some("深绿"));
    assert_eq!(colour(&ev, "黔江"), Some("红"));
}

#[test]
fn ties_follow_the_declared_breakers_and_share_the_better_grade() {
    let text = two_items(
        r#"
[ties]
order = ["score desc", "item:b desc", "entity_key asc"]
share_better_grade = true
[banding]
mode = "top_n"
bands = [{ grade = "A", top_n = 1 }, { grade = "B", top_n = 3 }, { grade = "C" }]
"#,
    );
    let mut input = EvalInput::new(regions(&["丁", "丙", "乙", "甲"]));
    // Scores 60, 60, 60, 40; b breaks the tie between 丙 and the others, then the key.
    values(&mut input, "a", &[70.0, 60.0, 70.0, 40.0]);
    values(&mut input, "b", &[50.0, 60.0, 50.0, 40.0]);
    let ev = evaluate(&scheme(&text), &input);
    let keys: Vec<&str> = ev.ranked().map(|(_, r)| &*r.key).collect();
    assert_eq!(keys, ["丙", "丁", "乙", "甲"]);
    assert_eq!(
        ev.ranked()
            .map(|(_, r)| r.rank.unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    // Positions 2 and 3 would be B, but they tie with the A at position 1.
    assert_eq!(
        [grade(&ev, "丙"), grade(&ev, "丁"), grade(&ev, "乙")],
        [Some("A"); 3]
    );
    assert_eq!(grade(&ev, "甲"), Some("C"));

    let strict = scheme(&text.replace("share_better_grade = true", "share_better_grade = false"));
    let ev = evaluate(&strict, &input);
    assert_eq!(
        [grade(&ev, "丙"), grade(&ev, "丁"), grade(&ev, "乙")],
        [Some("A"), Some("B"), Some("B")]
    );
}

#[test]
fn lower_better_items_score_the_lowest_value_best() {
    let text = r#"
code = "LOW"
name = "越低越好"
year = 2024
frequency = "year"
[population]
kind = "enterprise"
[[items]]
id = "energy"
indicator = "ENERGY_PER_VA"
weight = 100
polarity = "lower_better"
normalisation = { method = "min_max", floor = 60, ceiling = 100 }
"#;
    let mut input = EvalInput::new(firms(3));
    values(&mut input, "energy", &[1.0, 2.0, 3.0]);
    let ev = evaluate(&scheme(text), &input);
    assert_eq!(
        [score(&ev, "F001"), score(&ev, "F002"), score(&ev, "F003")],
        [100.0, 80.0, 60.0]
    );
    // The indicator's own polarity applies when the item does not override it.
    let text2 = text.replace("polarity = \"lower_better\"\n", "");
    input.items.get_mut("energy").unwrap().polarity = Some(Polarity::LowerBetter);
    let ev = evaluate(&scheme(&text2), &input);
    assert_eq!(&*ev.ranked().next().unwrap().1.key, "F001");
}

fn single(norm: &str, measure: &str) -> String {
    format!(
        r#"
code = "ONE"
name = "单项"
year = 2024
frequency = "year"
[population]
kind = "region"
[[items]]
id = "x"
name = "指标"
indicator = "GDP"
weight = 100
{measure}
normalisation = {norm}
"#
    )
}

#[test]
fn rank_points_give_tied_values_the_better_rank() {
    let s = scheme(&single("{ method = \"rank_points\", max = 100 }", ""));
    let mut input = EvalInput::new(regions(&["甲", "乙", "丙", "丁"]));
    values(&mut input, "x", &[9.0, 7.0, 9.0, 1.0]);
    let ev = evaluate(&s, &input);
    assert_eq!(
        [
            score(&ev, "甲"),
            score(&ev, "丙"),
            score(&ev, "乙"),
            score(&ev, "丁")
        ],
        [100.0, 100.0, 50.0, 25.0]
    );
    let stepped = scheme(&single(
        "{ method = \"rank_points\", max = 10, step = 4 }",
        "",
    ));
    let ev = evaluate(&stepped, &input);
    assert_eq!([score(&ev, "乙"), score(&ev, "丁")], [2.0, 0.0]);
}

#[test]
fn z_scores_centre_on_50_with_10_points_per_deviation() {
    let s = scheme(&single("{ method = \"z_score\" }", ""));
    let mut input = EvalInput::new(regions(&["甲", "乙"]));
    values(&mut input, "x", &[1.0, 3.0]);
    let ev = evaluate(&s, &input);
    assert!(close(score(&ev, "甲"), 40.0) && close(score(&ev, "乙"), 60.0));
}

#[test]
fn target_completion_is_capped() {
    let s = scheme(&single("{ method = \"target_completion\", cap = 120 }", ""));
    let mut input = EvalInput::new(regions(&["甲", "乙", "丙"]));
    input.items.insert(
        "x".into(),
        ItemInput {
            value: col(&[8.0, 5.0, 7.0]),
            target: vec![Some(5.0), Some(10.0), None],
            ..ItemInput::default()
        },
    );
    let ev = evaluate(&s, &input);
    assert_eq!(score(&ev, "甲"), 120.0);
    assert_eq!(score(&ev, "乙"), 50.0);
    assert_eq!(ev.find("丙").unwrap().1.excluded_by, Some(0));
}

#[test]
fn share_contribution_and_difference_measures_come_from_the_item_inputs() {
    let mut input = EvalInput::new(regions(&["甲", "乙"]));
    input.items.insert(
        "x".into(),
        ItemInput {
            value: col(&[110.0, 50.0]),
            previous: col(&[100.0, 50.0]),
            reported_growth: vec![Some(9.0), None],
            parent_current: Some(1050.0),
            parent_previous: Some(1000.0),
            city: Some(6.2),
            ..ItemInput::default()
        },
    );
    let measure = |m: &str| {
        let ev = evaluate(&scheme(&single("{ method = \"none\" }", m)), &input);
        let (i, _) = ev.find("甲").unwrap();
        ev.breakdown(i).next().unwrap().measure.unwrap()
    };
    assert!(close(
        measure("measure = \"share\""),
        110.0 / 1050.0 * 100.0
    ));
    assert!(close(measure("measure = \"contribution\""), 1.0));
    assert!(close(
        measure("measure = \"contribution\"\nform = \"rate\""),
        20.0
    ));
    assert!(close(
        measure("measure = \"difference_to_reference\"\nreference = \"city\""),
        9.0 - 6.2
    ));
}

#[test]
fn bonus_and_penalty_points_are_added_capped_and_subtracted() {
    let text = format!(
        "{}\n[[adjustments]]\nid = \"award\"\nkind = \"bonus\"\nper_unit = 2\nmax = 5\n[[adjustments]]\nid = \"accident\"\nname = \"安全事故\"\nkind = \"penalty\"\n",
        single("{ method = \"none\" }", "")
    );
    let mut input = EvalInput::new(regions(&["甲", "乙"]));
    values(&mut input, "x", &[80.0, 80.0]);
    input.adjustments.insert("award".into(), col(&[1.0, 4.0]));
    input
        .adjustments
        .insert("accident".into(), vec![Some(3.0), None]);
    let ev = evaluate(&scheme(&text), &input);
    assert_eq!(score(&ev, "甲"), 79.0);
    assert_eq!(score(&ev, "乙"), 85.0);
    assert_eq!(ev.find("乙").unwrap().1.adjustment, 5.0);
    assert!(explanation(&ev, "乙").starts_with("综合得分85.0分"));
}

#[test]
fn nbs_semantics_put_red_at_the_overheated_top() {
    let text = format!(
        "{}\n[colours]\nby = \"score\"\nnames = [\"红\", \"黄\", \"绿\", \"浅蓝\", \"蓝\"]\nmeanings = [\"过热\", \"偏热\", \"正常\", \"偏冷\", \"过冷\"]\ncuts = [130, 115, 85, 70]\n",
        single("{ method = \"none\" }", "")
    );
    let mut input = EvalInput::new(regions(&["甲", "乙", "丙"]));
    values(&mut input, "x", &[140.0, 100.0, 60.0]);
    let ev = evaluate(&scheme(&text), &input);
    assert_eq!(
        [colour(&ev, "甲"), colour(&ev, "乙"), colour(&ev, "丙")],
        [Some("红"), Some("绿"), Some("蓝")]
    );
}

#[test]
fn a_composite_takes_the_scores_of_its_component_schemes() {
    let set = shipped::load_all().unwrap();
    let names = ["渝中", "江北", "沙坪坝", "万州"];
    let mut overall = EvalInput::new(regions(&names));
    let index = overall.key_index();
    let mut columns = Vec::new();
    for (k, card) in set
        .get("CARDS_OVERALL")
        .unwrap()
        .component_schemes()
        .iter()
        .enumerate()
    {
        let s = set.get(card).unwrap();
        let mut input = EvalInput::new(regions(&names));
        for (j, item) in s.items().iter().enumerate() {
            let v: Vec<f64> = (0..names.len())
                .map(|r| ((r * 7 + k * 3 + j) % 5) as f64)
                .collect();
            input.items.insert(
                item.id.clone(),
                ItemInput {
                    value: col(&v),
                    reported_growth: col(&v),
                    ..ItemInput::default()
                },
            );
        }
        let ev = evaluate(s, &input);
        assert_eq!(ev.rows.len(), 4, "{card}");
        columns.push((card.to_string(), index.scores_of(&ev)));
    }
    let ids: Vec<String> = set
        .get("CARDS_OVERALL")
        .unwrap()
        .items()
        .iter()
        .map(|i| i.id.clone())
        .collect();
    for (id, (_, column)) in ids.iter().zip(columns.iter()) {
        overall
            .items
            .insert(id.clone(), ItemInput::values(column.clone()));
    }
    let ev = evaluate(set.get("CARDS_OVERALL").unwrap(), &overall);
    for row in &ev.rows {
        let i = overall.key_index().position(&row.key).unwrap();
        let mean: f64 = columns.iter().map(|(_, c)| c[i].unwrap()).sum::<f64>() / 8.0;
        assert!(
            (row.score.unwrap() - mean).abs() < 0.006,
            "{} {mean}",
            row.score.unwrap()
        );
    }
}

#[test]
fn evaluation_is_deterministic() {
    let input = race_input();
    let s = scheme(shipped::ECONOMY_RACE);
    assert_eq!(evaluate(&s, &input), evaluate(&s, &input));
}
