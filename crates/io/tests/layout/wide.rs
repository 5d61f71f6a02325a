//! The wide layout bureaus send: one row per region, one column per indicator.

use yiping_io::{
    Cell, Grid, Layout, MergedRange, ParseOptions, ReadOptions, parse_observations, read_grid_bytes,
};
use yiping_kernel::{Catalog, IndicatorKind, Measure, Period};

use crate::support::*;

// ---------------------------------------------------------------- wide layout

/// A table as a bureau sends it, as read from XLSX: merged title, unit line, two header rows
/// with merged 地区生产总值 / 固定资产投资 over 总量 / 增速, a 合计 row, a footnote.
fn bureau_xlsx() -> Grid {
    let g = grid(
        "2024年9月.xlsx",
        Some("Sheet1"),
        &[
            &["2024年1—9月各区县主要经济指标", "", "", "", "", ""],
            &["", "", "", "", "", "单位：亿元、%"],
            &[
                "地区",
                "地区生产总值",
                "",
                "固定资产投资",
                "",
                "研发投入强度（%）",
            ],
            &["", "总量", "增速", "绝对值", "比上年增长(%)", ""],
            &["合计", "3000", "6.0", "1500", "4.0", "2.1"],
            &["渝中区", "1,234.5", "5.2%", "600", "−3.1", "1.5"],
            &["沙坪坝区", "１２３４.５", "6.6", "500", "—", "2.5"],
            &["两江新区", "531", "7.2", "400", "…", ""],
            &["注：地区生产总值增速按不变价格计算。", "", "", "", "", ""],
            &["资料来源：市统计局", "", "", "", "", ""],
        ],
    );
    let m = |first_row, first_col, last_row, last_col| MergedRange {
        first_row,
        first_col,
        last_row,
        last_col,
    };
    let mut rows = g.rows();
    rows[5][1] = Cell::Number(1234.5);
    Grid::from_rows(&g.file, g.sheet.as_deref(), rows, Vec::new()).with_merges(vec![
        m(0, 0, 0, 5),
        m(2, 0, 3, 0),
        m(2, 1, 2, 2),
        m(2, 3, 2, 4),
        m(2, 5, 3, 5),
    ])
}

#[test]
fn wide_bureau_table_with_title_period_merged_headers_total_row_and_footnote() {
    let g = bureau_xlsx();
    let p = ok(&g, &opts());
    assert_eq!(p.layout, Layout::Wide);
    assert_eq!(p.periods, vec![q3()]);
    // 4 rows × 5 columns, minus 3 missing (—, …, blank).
    assert_eq!(p.rows.len(), 17);
    assert_eq!(p.skipped_missing, 3);
    assert!(close(get(&p, YUZHONG, GDP, q3(), Measure::Value), 1234.5));
    assert!(close(get(&p, YUZHONG, GDP, q3(), Measure::Growth), 5.2));
    assert!(close(get(&p, YUZHONG, FAI, q3(), Measure::Value), 600.0));
    assert!(close(get(&p, YUZHONG, FAI, q3(), Measure::Growth), -3.1));
    assert!(close(get(&p, SHAPINGBA, GDP, q3(), Measure::Value), 1234.5));
    assert!(close(get(&p, SHAPINGBA, RD, q3(), Measure::Value), 2.5));
    assert_eq!(get(&p, SHAPINGBA, FAI, q3(), Measure::Growth), None);
    // 合计 is the parent city.
    assert!(close(get(&p, CITY, GDP, q3(), Measure::Value), 3000.0));
    assert!(close(get(&p, CITY, FAI, q3(), Measure::Growth), 4.0));
    let total = p.rows.iter().find(|r| r.key.entity == CITY).unwrap();
    assert_eq!((total.at.row, total.at.column().as_str()), (5, "B"));
    let source = total.at.source_ref(&g);
    assert_eq!(source.sheet.as_deref(), Some("Sheet1"));
}

#[test]
fn wide_csv_merged_header_is_filled_rightwards() {
    let g = csv(&[
        &["表2 2024年一季度主要指标"],
        &["区县", "地区生产总值", "", "规上工业增加值", ""],
        &["", "总量", "增速（%）", "总量", "同比"],
        &["渝中区", "400", "6.1", "30", "-2"],
        &["梁平区", "120", "5.5", "60", "8.8"],
        &["全市", "520", "6.0", "90", "5.0"],
        &["说明：全市为各区县合计。"],
    ]);
    let p = ok(&g, &opts());
    let q1 = Period::quarter(2024, 1).unwrap();
    assert_eq!(p.rows.len(), 12);
    assert!(close(get(&p, LIANGPING, GDP, q1, Measure::Growth), 5.5));
    assert!(close(get(&p, LIANGPING, IND_VA, q1, Measure::Value), 60.0));
    assert!(close(get(&p, YUZHONG, IND_VA, q1, Measure::Growth), -2.0));
    assert!(close(get(&p, CITY, IND_VA, q1, Measure::Growth), 5.0));
}

#[test]
fn growth_header_variants_in_a_single_header_row() {
    let g = csv(&[
        &[
            "地区",
            "地区生产总值（亿元）",
            "比上年增长(%)",
            "固定资产投资增速",
            "规上工业增加值",
            "增速（%）",
        ],
        &["渝中区", "100", "5.1", "-1.5", "30", "7.7"],
    ]);
    let p = ok(&g, &with_period(q3()));
    assert_eq!(p.rows.len(), 5);
    assert!(close(get(&p, YUZHONG, GDP, q3(), Measure::Value), 100.0));
    assert!(close(get(&p, YUZHONG, GDP, q3(), Measure::Growth), 5.1));
    assert!(close(get(&p, YUZHONG, FAI, q3(), Measure::Growth), -1.5));
    assert!(close(get(&p, YUZHONG, IND_VA, q3(), Measure::Value), 30.0));
    assert!(close(get(&p, YUZHONG, IND_VA, q3(), Measure::Growth), 7.7));

    let g = csv(&[
        &[
            "地区",
            "固投",
            "±%",
            "规模以上工业增加值同比增长",
            "地区生产总值比上年同期增长（%）",
        ],
        &["渝中区", "50", "2.2", "3.3", "4.4"],
    ]);
    let p = ok(&g, &with_period(q3()));
    assert!(close(get(&p, YUZHONG, FAI, q3(), Measure::Growth), 2.2));
    assert!(close(get(&p, YUZHONG, IND_VA, q3(), Measure::Growth), 3.3));
    assert!(close(get(&p, YUZHONG, GDP, q3(), Measure::Growth), 4.4));

    // A bare growth header with no indicator on its left says so.
    let g = csv(&[&["地区", "增速"], &["渝中区", "1"]]);
    let problems = bad(&g, &catalog(), &with_period(q3()));
    assert!(problems[0].reason.contains("增速"), "{}", show(&problems));
}

#[test]
fn a_header_that_names_a_growth_indicator_is_its_level() {
    let mut inds = indicators();
    inds.push(indicator(
        GDP_GROWTH,
        "GDP_G",
        "地区生产总值增速",
        "%",
        &[],
        IndicatorKind::GrowthPct,
    ));
    let c = Catalog::new(entities(&[]), inds);
    let g = csv(&[
        &["地区", "地区生产总值增速", "固定资产投资增速"],
        &["渝中区", "5.2", "3.3"],
    ]);
    let p = parse_observations(&g, &c, &with_period(q3())).unwrap();
    assert!(close(
        get(&p, YUZHONG, GDP_GROWTH, q3(), Measure::Value),
        5.2
    ));
    assert!(close(get(&p, YUZHONG, FAI, q3(), Measure::Growth), 3.3));
    // Also under a two-row header: 地区生产总值 + 增速 names the growth indicator.
    let g = csv(&[
        &["地区", "地区生产总值", ""],
        &["", "总量", "增速"],
        &["渝中区", "100", "5.2"],
    ]);
    let p = parse_observations(&g, &c, &with_period(q3())).unwrap();
    assert!(close(get(&p, YUZHONG, GDP, q3(), Measure::Value), 100.0));
    assert!(close(
        get(&p, YUZHONG, GDP_GROWTH, q3(), Measure::Value),
        5.2
    ));
}

#[test]
fn sheet_name_period_and_default_period() {
    let rows: &[&[&str]] = &[&["地区", "地区生产总值"], &["渝中区", "1"]];
    let p = ok(
        &grid("a.xlsx", Some("2024年上半年"), rows),
        &with_period(q3()),
    );
    assert_eq!(p.periods, vec![Period::half(2024, 1).unwrap()]);
    let p = ok(&grid("a.xlsx", Some("Sheet1"), rows), &with_period(q3()));
    assert_eq!(p.periods, vec![q3()]);
    // A date line is not a period.
    let g = csv(&[
        &["填报日期：2024年10月8日"],
        &["地区", "地区生产总值"],
        &["渝中区", "1"],
    ]);
    assert_eq!(ok(&g, &with_period(q3())).periods, vec![q3()]);
    // A title without a year takes the default year.
    let g = csv(&[
        &["1—6月主要指标"],
        &["地区", "地区生产总值"],
        &["渝中区", "1"],
    ]);
    let p = ok(
        &g,
        &ParseOptions {
            default_year: Some(2023),
            ..opts()
        },
    );
    assert_eq!(p.periods, vec![Period::half(2023, 1).unwrap()]);
}

#[test]
fn a_wide_table_without_a_period_is_a_problem() {
    let g = csv(&[
        &["各区县主要指标"],
        &["地区", "地区生产总值"],
        &["渝中区", "1"],
    ]);
    let problems = bad(&g, &catalog(), &opts());
    assert_eq!(problems.len(), 1, "{}", show(&problems));
    assert!(problems[0].reason.contains("缺少时期"));
}

#[test]
fn three_bad_cells_are_all_reported_and_nothing_is_returned() {
    let g = csv(&[
        &["2024年1—9月"],
        &["地区", "地区生产总值", "固定资产投资", "社会消费品零售总额"],
        &["渝中区", "1,234.5", "600", ""],
        &["渝北区", "900", "500", ""],
        &["沙坪坝区", "12三4", "500", ""],
        &["梁平区", "100", "50", ""],
    ]);
    let problems = bad(&g, &catalog(), &opts());
    let at: Vec<(usize, Option<&str>, &str)> = problems
        .iter()
        .map(|p| (p.at.row, p.at.column.as_deref(), p.value.as_str()))
        .collect();
    assert_eq!(
        at,
        vec![
            (2, Some("D"), "社会消费品零售总额"),
            (4, Some("A"), "渝北区"),
            (5, Some("B"), "12三4")
        ],
        "{}",
        show(&problems)
    );
    assert!(problems[0].reason.contains("指标"));
    assert!(problems[1].reason.contains("主体"));
    assert!(problems[2].reason.contains("数字"));
    assert_eq!(
        problems[2].to_string(),
        "报表.csv 第5行 B列：“12三4”无法识别为数字"
    );
}

#[test]
fn unit_line_in_ten_thousand_yuan_is_converted() {
    let g = csv(&[
        &["2024年1—9月固定资产投资", "", "单位：万元"],
        &["地区", "固定资产投资", "增速"],
        &["渝中区", "123,456", "3.5"],
    ]);
    let p = ok(&g, &opts());
    assert!(close(get(&p, YUZHONG, FAI, q3(), Measure::Value), 12.3456));
    assert!(close(get(&p, YUZHONG, FAI, q3(), Measure::Growth), 3.5));

    // A unit row under the header, per column.
    let g = csv(&[
        &["地区", "地区生产总值", "常住人口"],
        &["", "万元", "人"],
        &["渝中区", "10000", "5000"],
    ]);
    let p = ok(&g, &with_period(q3()));
    assert!(close(get(&p, YUZHONG, GDP, q3(), Measure::Value), 1.0));
    assert!(close(get(&p, YUZHONG, POP, q3(), Measure::Value), 0.5));

    // A unit that cannot be converted.
    let g = csv(&[&["地区", "地区生产总值（万吨）"], &["渝中区", "1"]]);
    let problems = bad(&g, &catalog(), &with_period(q3()));
    assert_eq!(
        (problems[0].at.row, problems[0].at.column.as_deref()),
        (1, Some("B"))
    );
    assert!(problems[0].reason.contains("无法换算"));
}

#[test]
fn numbers_and_missing_markers() {
    let g = csv(&[
        &[
            "地区",
            "地区生产总值",
            "固定资产投资",
            "规上工业增加值",
            "研发投入强度",
        ],
        &["渝中区", "1,234.5", "１２３４.５", "−3.1", "5.2%"],
        &["沙坪坝区", "——", "--", "...", "/"],
        &["梁平区", "-", "－", "……", "  "],
    ]);
    let p = ok(&g, &with_period(q3()));
    assert_eq!(p.rows.len(), 4);
    assert_eq!(p.skipped_missing, 8);
    assert!(close(get(&p, YUZHONG, GDP, q3(), Measure::Value), 1234.5));
    assert!(close(get(&p, YUZHONG, FAI, q3(), Measure::Value), 1234.5));
    assert!(close(get(&p, YUZHONG, IND_VA, q3(), Measure::Value), -3.1));
    assert!(close(get(&p, YUZHONG, RD, q3(), Measure::Value), 5.2));
}

#[test]
fn total_row_without_a_common_parent_is_a_problem() {
    let g = csv(&[
        &["地区", "地区生产总值"],
        &["渝中区", "1"],
        &["500155101", "2"],
        &["合计", "3"],
    ]);
    let problems = bad(&g, &catalog(), &with_period(q3()));
    assert_eq!(problems.len(), 1, "{}", show(&problems));
    assert_eq!(problems[0].at.row, 4);
    assert!(problems[0].reason.contains("共同上级"));
}

#[test]
fn quan_shi_matches_an_alias_first() {
    let c = Catalog::new(entities(&["全市"]), indicators());
    let g = csv(&[
        &["地区", "地区生产总值"],
        &["全市", "3"],
        &["500155101", "2"],
    ]);
    let p = parse_observations(&g, &c, &with_period(q3())).unwrap();
    assert!(close(get(&p, CITY, GDP, q3(), Measure::Value), 3.0));
}

#[test]
fn this_month_beside_the_cumulative_period() {
    let g = csv(&[
        &["2024年1—9月规上工业增加值"],
        &["地区", "规上工业增加值", "", ""],
        &["", "本月", "1—9月", "1—9月增速", "本月增速"],
        &["渝中区", "3", "30", "6.5", "7.1"],
    ]);
    let p = ok(&g, &opts());
    let sep = Period::month(2024, 9).unwrap();
    assert_eq!(p.rows.len(), 4);
    assert!(close(get(&p, YUZHONG, IND_VA, sep, Measure::Value), 3.0));
    assert!(close(get(&p, YUZHONG, IND_VA, q3(), Measure::Value), 30.0));
    assert!(close(get(&p, YUZHONG, IND_VA, q3(), Measure::Growth), 6.5));
    assert!(close(get(&p, YUZHONG, IND_VA, sep, Measure::Growth), 7.1));
    let mut expected = vec![q3(), sep];
    expected.sort();
    assert_eq!(p.periods, expected);
}

#[test]
fn an_unknown_sub_header_is_a_problem() {
    let g = csv(&[
        &["地区", "地区生产总值", ""],
        &["", "总量", "上年同期"],
        &["渝中区", "3", "2"],
    ]);
    let problems = bad(&g, &catalog(), &with_period(q3()));
    assert_eq!(problems.len(), 1, "{}", show(&problems));
    assert_eq!(
        (problems[0].at.row, problems[0].at.column.as_deref()),
        (2, Some("C"))
    );
    assert_eq!(problems[0].value, "上年同期");
}

#[test]
fn entity_code_column_ignored_columns_and_section_headings() {
    let g = csv(&[
        &["序号", "地区代码", "地区名称", "地区生产总值", "排名"],
        &["", "一、主城都市区", "", "", ""],
        &["1", "500103", "渝中", "100", "2"],
        &["2", "", "两江新区", "200", "1"],
    ]);
    let p = ok(&g, &with_period(q3()));
    assert_eq!(p.rows.len(), 2);
    assert!(close(get(&p, LIANGJIANG, GDP, q3(), Measure::Value), 200.0));
}

#[test]
fn unit_in_the_title_and_a_total_merged_across_columns() {
    let g = grid(
        "固投.xlsx",
        Some("Sheet1"),
        &[
            &["2024年一季度各区县固定资产投资（单位：万元）", "", "", ""],
            &["序号", "地区", "固定资产投资", "增速"],
            &["合计", "", "30000", "5.0"],
            &["1", "渝中区", "10000", "4.0"],
            &["2", "梁平区", "20000", "6.0"],
        ],
    );
    let g = g.with_merges(vec![
        MergedRange {
            first_row: 0,
            first_col: 0,
            last_row: 0,
            last_col: 3,
        },
        MergedRange {
            first_row: 2,
            first_col: 0,
            last_row: 2,
            last_col: 1,
        },
    ]);
    let p = ok(&g, &opts());
    let q1 = Period::quarter(2024, 1).unwrap();
    assert_eq!(p.rows.len(), 6);
    assert!(close(get(&p, CITY, FAI, q1, Measure::Value), 3.0));
    assert!(close(get(&p, LIANGPING, FAI, q1, Measure::Value), 2.0));
    assert!(close(get(&p, CITY, FAI, q1, Measure::Growth), 5.0));
}

#[test]
fn a_bureau_csv_file_read_from_bytes() {
    let text = "\u{feff}2024年1—9月各区县主要经济指标,,,\n\
                ,,,单位：亿元、%\n\
                地区,地区生产总值,,固投\n\
                ,总量,增速,总量\n\
                渝中区,\"1,234.5\",5.2,600\n\
                两江新区,531,7.2,—\n\
                全市,\"1,765.5\",6.0,600\n\
                ,,,\n\
                数据来源：市统计局,,,\n";
    let g = read_grid_bytes("各区县.csv", text.as_bytes(), &ReadOptions::default()).unwrap();
    let p = ok(&g, &opts());
    assert_eq!(p.rows.len(), 8);
    assert_eq!(p.skipped_missing, 1);
    assert!(close(get(&p, YUZHONG, GDP, q3(), Measure::Value), 1234.5));
    assert!(close(get(&p, CITY, GDP, q3(), Measure::Growth), 6.0));
    assert_eq!(p.rows[0].at.source_ref(&g).file, "各区县.csv");
}

#[test]
fn a_monthly_report_with_this_month_and_cumulative_columns() {
    let g = csv(&[
        &["2024年9月规模以上工业增加值月报"],
        &["地区", "规上工业增加值", "", "", ""],
        &["", "本月", "累计", "本月增速", "累计增长"],
        &["梁平区", "12.5", "98.3", "6.0", "7.5"],
    ]);
    let p = ok(&g, &opts());
    let sep = Period::month(2024, 9).unwrap();
    assert!(close(get(&p, LIANGPING, IND_VA, sep, Measure::Value), 12.5));
    assert!(close(
        get(&p, LIANGPING, IND_VA, q3(), Measure::Value),
        98.3
    ));
    assert!(close(get(&p, LIANGPING, IND_VA, sep, Measure::Growth), 6.0));
    assert!(close(
        get(&p, LIANGPING, IND_VA, q3(), Measure::Growth),
        7.5
    ));
}
