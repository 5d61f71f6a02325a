use std::collections::BTreeMap;

use chrono::NaiveDate;
use yiping_flow::{CategoryCode, CategoryDomain};

use super::*;

fn with(name: &str, body: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(name.to_string(), body.to_string())])
}

fn problems(name: &str, body: &str) -> Vec<String> {
    parse(&with(name, body))
        .expect_err("refused")
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn the_shipped_defaults_parse_and_reproduce_todays_settings() {
    let c = Config::shipped().unwrap();
    assert_eq!(
        c.calendar,
        crate::calendar::official().unwrap(),
        "the shipped calendar is the official file"
    );
    assert!(c.routing.rules.is_empty());
    assert_eq!(c.alerts, crate::alerts::shipped_rules().unwrap());
    let city = c.screens.for_level(1);
    assert_eq!(city.tiles, crate::screen::tiles::TILE_INDICATORS);
    assert_eq!(city.league, crate::screen::LEAGUE_SCHEME);
    assert_eq!(city.colour, crate::screen::COLOUR_SCHEME);
    assert_eq!(
        city.table,
        ["GDP", "IND_VA", "FAI", "RETAIL", "IND_INV", "TRADE"]
    );
    assert_eq!(c.screens.for_level(2), city);
    assert_eq!(c.screens.for_level(3), city);
    // The category book has problem types of its own: the eight sources, 监测预警 and 赛马.
    let problem_types: Vec<&str> = c
        .categories
        .iter()
        .filter(|x| x.code.domain() == CategoryDomain::Problem)
        .map(|x| x.minor_name.as_str())
        .collect();
    for source in yiping_store::PROBLEM_SOURCES {
        assert!(
            problem_types.contains(&source),
            "{source}: {problem_types:?}"
        );
    }
    assert!(problem_types.contains(&"指标预警") && problem_types.contains(&"评价落后"));
}

#[test]
fn every_bad_calendar_row_is_named_by_row_and_field() {
    let found = problems(
        CALENDAR,
        "# 2027\ndate,kind,name\n2027-01-01,holiday,元旦\n2027-02-30,holiday,春节\n2027-02-07,上午,春节\n",
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("calendar.csv 第4行 字段date列：“2027-02-30”"),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("calendar.csv 第5行 字段kind列：“上午”"),
        "{found:?}"
    );
    let conflict = problems(
        CALENDAR,
        "date,kind,name\n2027-02-07,workday,春节\n2027-02-07,holiday,春节\n",
    );
    assert!(conflict[0].contains("第3行"), "{conflict:?}");
}

#[test]
fn category_problems_name_the_line_of_the_category_and_its_field() {
    let book = "[[category]]\ndomain = \"event\"\nmajor = \"01\"\nmajor_name = \"市容\"\nminor = \"01\"\nminor_name = \"垃圾\"\nclock = \"working_hours\"\n[category.limits.normal]\nhandle = 8\n\n[[category]]\ndomain = \"event\"\nmajor = \"01\"\nmajor_name = \"市容\"\nminor = \"02\"\nminor_name = \"占道\"\nclokc = \"working_hours\"\n[category.limits.normal]\nhandle = 8\n";
    let found = problems(CATEGORIES, book);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("categories.toml 第11行 字段clokc列"),
        "{found:?}"
    );
    // A book without problem types: raised problems would have nowhere to go.
    let events_only = book.replace("clokc", "clock");
    let found = problems(CATEGORIES, &events_only);
    assert!(found[0].contains("问题类分类"), "{found:?}");
}

#[test]
fn alert_rule_problems_name_the_rule_line_and_field() {
    let rules = "[[rules]]\ncode = \"A\"\nname = \"a\"\nindicator = \"GDP\"\ncondition = \"threshold\"\nmeasure = \"growth\"\noperator = \"<\"\nthreshold = 0.0\nscope = { kind = \"region\" }\n\n[[rules]]\ncode = \"B\"\nname = \"b\"\nindicator = \"GDP\"\ncondition = \"threshold\"\nmeasure = \"growth\"\noperator = \"<\"\nthreshold = 0.0\nproblem_source = \"随手拍\"\nscope = { kind = \"region\" }\n";
    let found = problems(ALERTS, rules);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("alerts.toml 第11行 字段problem_source列：“随手拍”"),
        "{found:?}"
    );
}

#[test]
fn routing_rules_are_checked_against_the_category_book() {
    let found = problems(
        ROUTING,
        "category,region,unit,note\n事件/01/02,500103,D009,\n事件/99/01,*,属地,\n事件/01/02,,D009,\n",
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("routing.csv 第3行 字段category列"),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("routing.csv 第4行 字段region列"),
        "{found:?}"
    );

    let ok = parse(&with(
        ROUTING,
        "# 规则\ncategory,region,unit,note\n事件/01/*,500103,属地,渝中\n事件/01/02,*,500103,\n",
    ))
    .unwrap();
    let rules = &ok.routing.rules;
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].row, 3);
    assert_eq!(rules[0].unit, RuleUnit::Territorial);
    let code = CategoryCode::parse("事件/01/01").unwrap();
    assert!(rules[0].category.covers(&code) && !rules[1].category.covers(&code));
    assert_eq!(rules[1].region, None);
    assert_eq!(rules[1].unit, RuleUnit::Unit("500103".into()));
}

#[test]
fn the_calendar_warns_of_the_years_it_does_not_cover() {
    let cal = crate::calendar::official().unwrap();
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    assert_eq!(
        crate::calendar::coverage_warning(&cal, d(2026, 3, 1), d(2026, 4, 8)),
        None
    );
    let w = crate::calendar::coverage_warning(&cal, d(2027, 1, 1), d(2027, 1, 7)).unwrap();
    assert!(w.contains("2027年"), "{w}");
}

#[test]
fn one_calendar_year_is_replaced_on_its_own() {
    let text = "# 说明\ndate,kind,name\n2026-01-01,holiday,元旦\n2027-01-01,holiday,旧\n";
    assert_eq!(calendar_year_rows(text, 2027), "2027-01-01,holiday,旧\n");
    let out = replace_calendar_year(
        text,
        2027,
        "2027-01-01,holiday,元旦\n2027-02-07,workday,春节\n",
    )
    .unwrap();
    assert_eq!(
        out,
        "# 说明\ndate,kind,name\n2026-01-01,holiday,元旦\n2027-01-01,holiday,元旦\n2027-02-07,workday,春节\n"
    );
    let err = replace_calendar_year(
        text,
        2027,
        "2027-01-01,holiday,元旦\n2028-01-01,holiday,元旦\n",
    )
    .unwrap_err();
    let AppError::Rejected { problems, .. } = err else {
        panic!("{err:?}");
    };
    assert_eq!(
        problems[0].to_string(),
        "calendar.csv（2027年） 第2行 字段date列：“2028-01-01”不是2027年的日期"
    );
}
