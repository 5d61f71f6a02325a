//! Periods: a file stating its period in two places that disagree (title and sheet name,
//! title and period column, title and sub-header, two title lines) is refused naming both; an
//! Excel-mangled 2024.1 (January or October?) is refused as ambiguous; the spellings people
//! use (1～9月, 1至9月, 第一季度) are read.

use super::{LONG, REFUSED_YEAR, Years, case, csv, lines};
use crate::xlsx::{Cell, simple, text, workbook};
use crate::{Case, accept, level, reject};

pub(super) fn cases(years: &mut Years) -> Vec<Case> {
    let r = REFUSED_YEAR;
    let mut out = vec![
        case(
            "时期01-标题与工作表名不一致.xlsx",
            "时期",
            "标题写1—9月，工作表名是6月",
            simple(
                &format!("{r}年6月"),
                &[
                    lines(&[&format!("{r}年1—9月各区县主要经济指标")]),
                    lines(&["地区", "地区生产总值"]),
                    lines(&["渝中区", "1500"]),
                ],
                &[],
            ),
            reject(&["第1行", "工作表名称", "1—9月", "6月", "不一致"]),
        ),
        case(
            "时期02-标题与时期列不一致.csv",
            "时期",
            "标题写1—6月，时期列写1—9月",
            csv(&[
                format!("{r}年1—6月主要指标"),
                LONG.to_string(),
                format!("500103,渝中区,GDP,地区生产总值,{r}M01-M09,数值,1500,亿元"),
            ]),
            reject(&["第3行", "E列", "1—9月", "第1行", "1—6月", "不一致"]),
        ),
        case(
            "时期03-Excel改写的2024.1.xlsx",
            "时期",
            "时期列是数字2024.1（1月还是10月？）",
            workbook(
                "Sheet1",
                "A1:E2",
                &[
                    (0, 0, text("主体")),
                    (0, 1, text("指标")),
                    (0, 2, text("时期")),
                    (0, 3, text("数值")),
                    (0, 4, text("计量单位")),
                    (1, 0, text("渝中区")),
                    (1, 1, text("固定资产投资")),
                    (1, 2, Cell::Number(2024.1)),
                    (1, 3, Cell::Number(88.0)),
                    (1, 4, text("亿元")),
                ],
                "",
            ),
            reject(&["第2行", "C列", "2024.1", "歧义", "10月"]),
        ),
        case(
            "时期05-子表头与标题不一致.csv",
            "时期",
            "标题写1—9月，子表头写1—6月",
            csv(&[
                format!("{r}年1—9月各区县主要指标"),
                "地区,地区生产总值,".to_string(),
                ",1—6月,增速".to_string(),
                "渝中区,1500,6.1".to_string(),
            ]),
            reject(&["第3行", "B列", "1—6月", "1—9月", "不一致"]),
        ),
        case(
            "时期06-标题两行不一致.csv",
            "时期",
            "标题写1—9月，副标题写1—6月",
            csv(&[
                format!("{r}年1—9月各区县主要指标"),
                format!("（{r}年1—6月）"),
                "地区,地区生产总值".to_string(),
                "渝中区,1500".to_string(),
            ]),
            reject(&["第1行", "第2行", "不一致"]),
        ),
    ];
    let y = years.next();
    out.push(case(
        "时期04-时期的各种写法.csv",
        "时期",
        "标题只写年份，时期列写1～9月、1至9月、第一季度",
        csv(&[
            format!("{y}年各区县主要指标"),
            LONG.to_string(),
            "500103,渝中区,GDP,地区生产总值,1～9月,数值,1500.5,亿元".to_string(),
            "500103,渝中区,FAI,固定资产投资,1至9月,数值,300,亿元".to_string(),
            "500106,沙坪坝区,GDP,地区生产总值,第一季度,数值,450,亿元".to_string(),
        ]),
        accept(
            vec![
                level("500103", "GDP", &format!("{y}M01-M09"), 1500.5),
                level("500103", "FAI", &format!("{y}M01-M09"), 300.0),
                level("500106", "GDP", &format!("{y}Q1"), 450.0),
            ],
            &[],
        ),
    ));
    out
}
