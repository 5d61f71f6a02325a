//! Scheme TOML: every shipped scheme loads; invalid schemes are refused with field paths.

use yiping_eval::scheme::{BandRule, ColourRule, MeasureKind, Normalisation};
use yiping_eval::{Scheme, SchemeError, SchemeSet, shipped};

const BASE: &str = r#"
code = "T"
name = "测试方案"
year = 2024
frequency = "quarter"
[population]
kind = "region"
level = 2
[[items]]
id = "a"
indicator = "GDP"
measure = "growth"
weight = 50
[[items]]
id = "b"
indicator = "IND_VA"
weight = 30
[[items]]
id = "c"
indicator = "FAI"
weight = 20
"#;

fn errors(text: &str) -> Vec<String> {
    match Scheme::from_toml_str(text) {
        Ok(_) => panic!("scheme accepted:\n{text}"),
        Err(e) => {
            let list: Vec<String> = e.field_errors().iter().map(ToString::to_string).collect();
            if list.is_empty() {
                vec![e.to_string()]
            } else {
                list
            }
        }
    }
}

fn has(errors: &[String], needle: &str) -> bool {
    errors.iter().any(|e| e.contains(needle))
}

#[test]
fn every_shipped_scheme_loads_and_validates_as_one_set() {
    let set = shipped::load_all().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(set.schemes().len(), shipped::ALL.len());
    let order: Vec<&str> = set.in_evaluation_order().map(|s| s.code()).collect();
    let overall = order.iter().position(|c| *c == "CARDS_OVERALL").unwrap();
    for card in set.get("CARDS_OVERALL").unwrap().component_schemes() {
        assert!(
            order.iter().position(|c| *c == card).unwrap() < overall,
            "{card}"
        );
    }
    assert_eq!(
        set.get("CARDS_OVERALL").unwrap().component_schemes().len(),
        8
    );
}

#[test]
fn shipped_schemes_use_the_demo_indicator_codes() {
    let set = shipped::load_all().unwrap();
    let race = set.get("ECONOMY_RACE").unwrap();
    let codes: Vec<&str> = race.indicators().iter().map(|c| c.as_str()).collect();
    assert_eq!(codes, ["GDP", "IND_VA", "FAI", "RETAIL"]);
    assert_eq!(race.cohorts().len(), 3);
    let mujun = set.get("MUJUN").unwrap();
    let codes: Vec<&str> = mujun.indicators().iter().map(|c| c.as_str()).collect();
    assert_eq!(
        codes,
        [
            "TAX_PER_MU",
            "VA_PER_MU",
            "VA_PER_ENERGY",
            "VA_PER_EMISSION",
            "LABOUR_PROD",
            "RD_RATIO"
        ]
    );
    assert!(matches!(
        mujun.items()[0].normalisation,
        Normalisation::BenchmarkRatio { benchmark, cap: None } if benchmark == 24.097
    ));
    assert!(
        matches!(&mujun.banding().unwrap().rule, BandRule::TopPct(p) if p == &[25.0, 70.0, 95.0])
    );
    let five = set.get("FIVE_COLOUR_IND_VA").unwrap();
    assert!(matches!(
        five.colours().unwrap().rule,
        ColourRule::Thresholds { .. }
    ));
    let economy = set.get("CARD_ECONOMY").unwrap();
    assert!(
        economy
            .items()
            .iter()
            .all(|i| i.measure == MeasureKind::Growth)
    );
}

#[test]
fn the_base_test_scheme_is_valid() {
    Scheme::from_toml_str(BASE).unwrap();
}

#[test]
fn a_negative_weight_is_reported_at_its_item_path() {
    let e = errors(&BASE.replace("weight = 20", "weight = -5"));
    assert_eq!(e, ["items[2].weight: 权重须为正数"]);
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = BASE
        .replace("weight = 20", "weight = 0")
        .replace("measure = \"growth\"", "measure = \"speed\"")
        .replace("year = 2024", "year = 1800");
    let e = errors(&text);
    assert!(has(&e, "year: 年份须在1949—2200之间"), "{e:?}");
    assert!(has(&e, "items[0].measure: 取值“speed”无效"), "{e:?}");
    assert!(has(&e, "items[2].weight: 权重须为正数"), "{e:?}");
}

#[test]
fn missing_required_fields_are_named() {
    let e = errors("name = \"x\"\n");
    for path in [
        "code: 缺少方案代码",
        "year: 缺少评价年度",
        "frequency: 缺少评价频率",
        "population: 缺少评价范围",
        "items: 至少需要一个评价项",
    ] {
        assert!(has(&e, path), "{path} not in {e:?}");
    }
}

#[test]
fn duplicate_item_ids_and_bad_indicator_codes_are_refused() {
    let e = errors(
        &BASE
            .replace("id = \"b\"", "id = \"a\"")
            .replace("\"FAI\"", "\"固 投\""),
    );
    assert!(has(&e, "items[1].id: 评价项代码“a”重复"), "{e:?}");
    assert!(has(&e, "items[2].indicator:"), "{e:?}");
}

#[test]
fn normalisation_parameters_are_checked_per_method() {
    let e = errors(&format!(
        "{BASE}normalisation = {{ method = \"min_max\", floor = 100, ceiling = 60, benchmark = 3 }}\n"
    ));
    assert!(
        has(&e, "items[2].normalisation.floor: 下限须小于上限"),
        "{e:?}"
    );
    assert!(
        has(
            &e,
            "items[2].normalisation.benchmark: 标准化方法 min_max 不使用此参数"
        ),
        "{e:?}"
    );
    let e = errors(&format!(
        "{BASE}normalisation = {{ method = \"benchmark_ratio\" }}\n"
    ));
    assert!(
        has(&e, "items[2].normalisation.benchmark: 标杆比须指定标杆值"),
        "{e:?}"
    );
}

#[test]
fn relative_bands_must_grow_and_leave_the_last_band_open() {
    let text = format!(
        "{BASE}[banding]\nmode = \"relative\"\nbands = [{{ grade = \"A\", top_pct = 50 }}, {{ grade = \"B\", top_pct = 30 }}, {{ grade = \"C\", top_pct = 100 }}]\n"
    );
    let e = errors(&text);
    assert!(
        has(&e, "banding.bands[1].top_pct: 累计比例须逐档递增"),
        "{e:?}"
    );
    assert!(
        has(&e, "banding.bands[2].top_pct: 最后一档不设分界"),
        "{e:?}"
    );
}

#[test]
fn absolute_band_thresholds_must_decrease_and_score_bands_cannot_use_targets() {
    let text = format!(
        "{BASE}[banding]\nmode = \"absolute\"\nbands = [{{ grade = \"A\", at_least = 60 }}, {{ grade = \"B\", at_least = 80 }}, {{ grade = \"C\", at_least = {{ ref = \"target\" }} }}, {{ grade = \"D\" }}]\n"
    );
    let e = errors(&text);
    assert!(
        has(&e, "banding.bands[1].at_least: 分界值须依次递减"),
        "{e:?}"
    );
    assert!(
        has(
            &e,
            "banding.bands[2].at_least.ref: 按得分分档时不能以目标值为参照"
        ),
        "{e:?}"
    );
}

#[test]
fn cohort_scope_needs_declared_cohorts() {
    let text = format!(
        "{BASE}[banding]\nmode = \"top_n\"\nscope = \"cohort\"\nbands = [{{ grade = \"A\", top_n = 3 }}, {{ grade = \"B\" }}]\n"
    );
    assert!(has(&errors(&text), "banding.scope: 未定义 cohorts"));
}

#[test]
fn five_colours_need_four_cuts_and_five_names() {
    let text = format!(
        "{BASE}[colours]\nby = \"item:GDP\"\nnames = [\"红\", \"黄\", \"绿\"]\ncuts = [1, 0]\n"
    );
    let e = errors(&text);
    assert!(has(&e, "colours.names: 须恰好五项，实有3项"), "{e:?}");
    assert!(
        has(&e, "colours.cuts: 五色须恰好四个分界值，实有2个"),
        "{e:?}"
    );
}

#[test]
fn tie_keys_must_name_items_and_keep_the_score_first() {
    let text = format!(
        "{BASE}[ties]\norder = [\"item:TAX desc\", \"score desc\", \"entity_key sideways\"]\n"
    );
    let e = errors(&text);
    assert!(has(&e, "ties.order[0]: 找不到评价项“TAX”"), "{e:?}");
    assert!(has(&e, "ties.order[1]: 得分须是第一个排序键"), "{e:?}");
    assert!(has(&e, "ties.order[2]: 取值“sideways”无效"), "{e:?}");
}

#[test]
fn measure_modifiers_only_fit_their_measure() {
    let e = errors(&BASE.replace(
        "measure = \"growth\"",
        "measure = \"growth\"\nreference = \"city\"",
    ));
    assert!(
        has(
            &e,
            "items[0].reference: 仅在 measure = \"difference_to_reference\" 时可用"
        ),
        "{e:?}"
    );
    let e = errors(&BASE.replace(
        "measure = \"growth\"",
        "measure = \"difference_to_reference\"",
    ));
    assert!(has(&e, "items[0].reference: 与参照差须指定参照"), "{e:?}");
}

#[test]
fn unknown_fields_are_a_syntax_error_with_line_and_column() {
    let err = Scheme::from_toml_str(&BASE.replace("weight = 20", "wieght = 20")).unwrap_err();
    let SchemeError::Syntax(msg) = &err else {
        panic!("{err:?}")
    };
    assert!(msg.contains("未知字段"), "{msg}");
    assert!(msg.contains("第21行"), "{msg}");
}

#[test]
fn composites_must_reference_existing_schemes_without_cycles() {
    let composite = |code: &str, of: &str| {
        format!(
            "code = \"{code}\"\nname = \"综合\"\nyear = 2024\nfrequency = \"quarter\"\n[population]\nkind = \"region\"\n[[items]]\nid = \"x\"\nmeasure = \"score_of_scheme\"\nscheme = \"{of}\"\nweight = 100\n"
        )
    };
    let missing = SchemeSet::new(vec![
        Scheme::from_toml_str(&composite("A", "NOPE")).unwrap(),
    ])
    .unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("A.items[0].scheme: 引用的方案“NOPE”不存在"),
        "{missing}"
    );
    let a = Scheme::from_toml_str(&composite("A", "B")).unwrap();
    let b = Scheme::from_toml_str(&composite("B", "A")).unwrap();
    let cycle = SchemeSet::new(vec![a, b]).unwrap_err();
    assert!(cycle.to_string().contains("循环引用"), "{cycle}");
    let own = errors(&composite("A", "A"));
    assert!(
        has(&own, "items[0].scheme: 综合方案不能引用自身"),
        "{own:?}"
    );
}

#[test]
fn problems_are_opt_in_and_name_grades_and_colours_the_scheme_gives() {
    let set = shipped::load_all().unwrap();
    let race = set.get("ECONOMY_RACE").unwrap();
    assert_eq!(race.problems().grades, ["C"]);
    assert!(race.problems().raises(Some("C"), None));
    assert!(!race.problems().raises(Some("B"), Some("红")));
    assert!(set.get("MUJUN").unwrap().problems().is_empty());
    let handling = set.get("HANDLING_RACE").unwrap();
    let codes: Vec<&str> = handling.indicators().iter().map(|c| c.as_str()).collect();
    assert_eq!(
        codes,
        [
            "WI_ONTIME_RATE",
            "WI_REWORK_RATE",
            "WI_SATISFACTION_RATE",
            "WI_TIMELY_SIGN_RATE",
            "WI_RETURN_RATE"
        ]
    );

    let banded = format!(
        "{BASE}\n[banding]\nmode = \"relative\"\nbands = [{{ grade = \"A\", top_pct = 50 }}, {{ grade = \"B\" }}]\n"
    );
    let ok = Scheme::from_toml_str(&format!("{banded}[problems]\nraise_for_grades = [\"B\"]\n"))
        .unwrap();
    assert!(ok.problems().raises(Some("B"), None));
    let e = errors(&format!(
        "{banded}[problems]\nraise_for_grades = [\"D\", \"B\", \"B\"]\nraise_for_colours = [\"红\"]\n"
    ));
    assert!(
        has(&e, "problems.raise_for_grades[0]: 等级“D”不在分档中"),
        "{e:?}"
    );
    assert!(
        has(&e, "problems.raise_for_grades[2]: 等级“B”重复"),
        "{e:?}"
    );
    assert!(
        has(&e, "problems.raise_for_colours[0]: 方案没有颜色"),
        "{e:?}"
    );
    let e = errors(&format!("{BASE}[problems]\nraise_for_grades = [\"C\"]\n"));
    assert!(
        has(&e, "problems.raise_for_grades[0]: 方案没有分档"),
        "{e:?}"
    );
    let e = errors(&format!("{banded}[problems]\n"));
    assert!(has(&e, "problems: problems 至少需要"), "{e:?}");
    let e = errors(&format!("{banded}[problems]\nraise_for = [\"B\"]\n"));
    assert!(has(&e, "未知字段"), "{e:?}");
}
