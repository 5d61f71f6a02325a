//! The long layout: one observation per row.

use yiping_io::{Layout, LayoutHint, OBSERVATION_LONG_HEADER, ParseOptions};
use yiping_kernel::{Measure, ObservationStatus, Period};

use crate::support::*;

// ---------------------------------------------------------------- long layout

#[test]
fn long_layout_as_exported_round_trips_with_status_and_measure() {
    let header: Vec<&str> = OBSERVATION_LONG_HEADER.to_vec();
    let g = csv(&[
        &header,
        &[
            "500103",
            "渝中区",
            "GDP",
            "地区生产总值",
            "2024M01-M09",
            "数值",
            "1,234.5",
            "亿元",
            "已审核",
        ],
        &[
            "500103",
            "渝中区",
            "GDP",
            "地区生产总值",
            "2024M01-M09",
            "增速",
            "6.1",
            "%",
            "已审核",
        ],
        &[
            "",
            "两江新区",
            "FAI",
            "固定资产投资",
            "2024Q1",
            "增速",
            "-3.1",
            "%",
            "草稿",
        ],
        &[
            "500155",
            "梁平区",
            "RD_INTENSITY",
            "研发投入强度",
            "2024",
            "数值",
            "1.8",
            "%",
            "",
        ],
    ]);
    let o = ParseOptions {
        default_status: ObservationStatus::Draft,
        ..opts()
    };
    let p = ok(&g, &o);
    assert_eq!(p.layout, Layout::Long);
    assert!(p.status_column);
    assert_eq!(p.rows.len(), 4);
    assert!(close(get(&p, YUZHONG, GDP, q3(), Measure::Value), 1234.5));
    assert!(close(get(&p, YUZHONG, GDP, q3(), Measure::Growth), 6.1));
    assert!(close(
        get(
            &p,
            LIANGJIANG,
            FAI,
            Period::quarter(2024, 1).unwrap(),
            Measure::Growth
        ),
        -3.1
    ));
    assert_eq!(p.rows[0].value.status, ObservationStatus::Approved);
    assert_eq!(p.rows[2].value.status, ObservationStatus::Draft);
    // A blank 状态 takes the caller's default.
    assert_eq!(p.rows[3].value.status, ObservationStatus::Draft);
    assert_eq!(p.rows[0].at.row, 2);
    assert_eq!(p.rows[0].at.column(), "G");
    assert_eq!(p.periods.len(), 3);
}

#[test]
fn long_layout_without_status_or_measure_columns() {
    let g = csv(&[
        &["地区", "指标", "时期", "数值"],
        &["渝中", "地区生产总值", "2024年1—9月", "1234.5"],
        &["沙坪坝区", "地区生产总值增速", "2024年前三季度", "5.2%"],
        &["梁平县", "固投", "2024年1-9月", "—"],
    ]);
    let p = ok(&g, &opts());
    assert_eq!(p.rows.len(), 2);
    assert_eq!(p.skipped_missing, 1);
    assert!(close(get(&p, YUZHONG, GDP, q3(), Measure::Value), 1234.5));
    assert!(close(get(&p, SHAPINGBA, GDP, q3(), Measure::Growth), 5.2));
    assert!(
        p.rows
            .iter()
            .all(|r| r.value.status == ObservationStatus::Submitted)
    );
    assert!(!p.status_column);
}

#[test]
fn long_layout_measure_words_and_default_period() {
    let g = csv(&[
        &["主体", "指标名称", "口径", "值"],
        &["渝中区", "规上工业增加值", "同比增长", "7.5"],
        &["渝中区", "规上工业增加值", "总量", "88"],
        &["沙坪坝区", "规上工业增加值", "累计", "77"],
    ]);
    let p = ok(&g, &with_period(q3()));
    assert!(close(get(&p, YUZHONG, IND_VA, q3(), Measure::Growth), 7.5));
    assert!(close(get(&p, YUZHONG, IND_VA, q3(), Measure::Value), 88.0));
    assert!(close(
        get(&p, SHAPINGBA, IND_VA, q3(), Measure::Value),
        77.0
    ));
}

#[test]
fn long_layout_period_from_the_title_and_unit_column_conversion() {
    let g = csv(&[
        &["2024年1—9月各区县主要指标"],
        &["主体", "指标", "数值", "计量单位"],
        &["渝中区", "地区生产总值", "12345", "万元"],
        &["两江新区", "常住人口", "123400", "人"],
    ]);
    let p = ok(&g, &opts());
    assert!(close(get(&p, YUZHONG, GDP, q3(), Measure::Value), 1.2345));
    assert!(close(get(&p, LIANGJIANG, POP, q3(), Measure::Value), 12.34));
}

#[test]
fn long_layout_problems_name_the_cells() {
    let g = csv(&[
        &[
            "主体代码",
            "主体",
            "指标",
            "时期",
            "口径",
            "数值",
            "计量单位",
            "状态",
        ],
        &[
            "500199",
            "",
            "地区生产总值",
            "2024Q1",
            "数值",
            "1",
            "亿元",
            "",
        ],
        &["", "渝中区", "社零", "2024Q1", "数值", "1", "亿元", ""],
        &[
            "",
            "渝中区",
            "地区生产总值",
            "2024Q5",
            "数值",
            "1",
            "亿元",
            "",
        ],
        &[
            "",
            "渝中区",
            "地区生产总值",
            "2024Q1",
            "环比",
            "1",
            "亿元",
            "",
        ],
        &[
            "",
            "渝中区",
            "地区生产总值",
            "2024Q1",
            "数值",
            "1",
            "万吨",
            "",
        ],
        &[
            "",
            "渝中区",
            "地区生产总值",
            "2024Q1",
            "数值",
            "1",
            "亿元",
            "通过",
        ],
    ]);
    let problems = bad(&g, &catalog(), &opts());
    let at: Vec<(usize, Option<&str>)> = problems
        .iter()
        .map(|p| (p.at.row, p.at.column.as_deref()))
        .collect();
    assert_eq!(
        at,
        vec![
            (2, Some("A")),
            (3, Some("C")),
            (4, Some("D")),
            (5, Some("E")),
            (6, Some("G")),
            (7, Some("H"))
        ],
        "{}",
        show(&problems)
    );
    assert!(problems[0].reason.contains("主体代码"));
    assert!(problems[1].reason.contains("指标"));
    assert!(problems[4].reason.contains("万吨") && problems[4].reason.contains("亿元"));
}

#[test]
fn long_layout_without_any_period_is_a_problem() {
    let g = csv(&[
        &["主体", "指标", "数值"],
        &["渝中区", "地区生产总值", "1"],
        &["沙坪坝区", "地区生产总值", "2"],
    ]);
    let problems = bad(&g, &catalog(), &opts());
    assert_eq!(problems.len(), 1, "{}", show(&problems));
    assert!(problems[0].reason.contains("缺少时期"));
}

#[test]
fn conflicting_duplicates_are_refused_and_identical_ones_kept_once() {
    let g = csv(&[
        &["主体", "指标", "时期", "数值"],
        &["渝中区", "地区生产总值", "2024Q1", "100"],
        &["渝中", "GDP", "2024年一季度", "100.0"],
        &["500103", "地区生产总值", "2024M01-M03", "101"],
    ]);
    let problems = bad(&g, &catalog(), &opts());
    assert_eq!(problems.len(), 1, "{}", show(&problems));
    assert_eq!(problems[0].at.row, 4);
    assert_eq!(problems[0].value, "101");
    assert!(
        problems[0].reason.contains("第2行"),
        "{}",
        problems[0].reason
    );

    let g = csv(&[
        &["主体", "指标", "时期", "数值"],
        &["渝中区", "地区生产总值", "2024Q1", "100"],
        &["渝中", "GDP", "2024Q1", "100"],
    ]);
    assert_eq!(ok(&g, &opts()).rows.len(), 1);
}

#[test]
fn ambiguous_entity_names_list_the_candidates() {
    let g = csv(&[
        &["主体", "指标", "时期", "数值"],
        &["新华镇", "地区生产总值", "2024Q1", "1"],
    ]);
    let problems = bad(&g, &catalog(), &opts());
    assert_eq!(problems.len(), 1);
    let reason = &problems[0].reason;
    assert!(
        reason.contains("500103001") && reason.contains("500155101"),
        "{reason}"
    );
    assert!(reason.contains("代码"));
    // By code it is fine.
    let g = csv(&[
        &["主体代码", "指标", "时期", "数值"],
        &["500155101", "地区生产总值", "2024Q1", "1"],
    ]);
    assert_eq!(ok(&g, &opts()).rows[0].key.entity, TOWN_B);
}

#[test]
fn layout_hint_long_on_a_wide_table_is_a_problem() {
    let g = csv(&[&["地区", "地区生产总值"], &["渝中区", "1"]]);
    let o = ParseOptions {
        layout: LayoutHint::Long,
        ..with_period(q3())
    };
    let problems = bad(&g, &catalog(), &o);
    assert!(problems[0].reason.contains("长表"), "{}", show(&problems));
    assert_eq!(ok(&g, &with_period(q3())).layout, Layout::Wide);
}
