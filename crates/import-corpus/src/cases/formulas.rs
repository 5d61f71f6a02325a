//! Formulas: a formula cell without a cached value (a workbook never recalculated), or with
//! the 0 a generator library writes as a placeholder in a workbook marked for recalculation, is
//! refused naming the cells; a formula with a calculated value is read as that value.

use super::{REFUSED_YEAR, Years, case};
use crate::xlsx::{Cell, text, workbook};
use crate::{Case, accept, level, reject};

/// A wide table whose 合计 row sums the districts with a formula.
fn with_total(year: i32, total: Cell, calc: &str) -> Vec<u8> {
    workbook(
        "Sheet1",
        "A1:B5",
        &[
            (0, 0, text(&format!("{year}年1—9月各区县固定资产投资"))),
            (1, 0, text("地区")),
            (1, 1, text("固定资产投资")),
            (2, 0, text("合计")),
            (2, 1, total),
            (3, 0, text("渝中区")),
            (3, 1, Cell::Number(120.0)),
            (4, 0, text("沙坪坝区")),
            (4, 1, Cell::Number(180.0)),
        ],
        calc,
    )
}

pub(super) fn cases(years: &mut Years) -> Vec<Case> {
    let r = REFUSED_YEAR;
    let calc_on_load = r#"<calcPr calcId="124519" fullCalcOnLoad="1"/>"#;
    let mut out = vec![
        case(
            "公式01-公式没有计算结果.xlsx",
            "公式",
            "合计行是SUM公式，文件从未计算过（没有缓存值）",
            with_total(r, Cell::Formula("SUM(B4:B5)", None), ""),
            reject(&["B3", "公式", "没有计算结果", "重新计算"]),
        ),
        case(
            "公式02-程序生成的占位0.xlsx",
            "公式",
            "程序生成的工作簿：公式缓存值是占位的0，且要求打开时重新计算",
            with_total(r, Cell::Formula("SUM(B4:B5)", Some(0.0)), calc_on_load),
            reject(&["B3", "公式", "没有计算结果"]),
        ),
    ];
    let y = years.next();
    let p = format!("{y}M01-M09");
    out.push(case(
        "公式03-公式有计算结果.xlsx",
        "公式",
        "合计行的SUM公式已由Excel计算（缓存值300）",
        with_total(
            y,
            Cell::Formula("SUM(B4:B5)", Some(300.0)),
            r#"<calcPr calcId="191029"/>"#,
        ),
        accept(
            vec![
                level("500000", "FAI", &p, 300.0),
                level("500103", "FAI", &p, 120.0),
                level("500106", "FAI", &p, 180.0),
            ],
            &[],
        ),
    ));
    out
}
