//! Units: a unit in a unit column, a header bracket or the cell itself that differs from the
//! indicator's is converted when the conversion is exact (万元 ↔ 亿元, 元 ↔ 万元, % ↔ ‰) and
//! refused when none exists (万吨 for money), naming row, column and both units; a percent sign
//! on a level is refused; values outside the indicator's valid range (a negative land area, a
//! share over 100 %) are refused.

use super::{LONG, REFUSED_YEAR, Years, case, csv, lines};
use crate::xlsx::simple;
use crate::{Case, accept, level, reject};

pub(super) fn cases(years: &mut Years) -> Vec<Case> {
    let r = REFUSED_YEAR;
    let mut out = vec![
        case(
            "单位01-万吨计的地区生产总值.csv",
            "单位",
            "单位列写着万吨，指标是以亿元计的地区生产总值",
            csv(&[
                "主体代码,主体,指标代码,指标,时期,口径,数值,单位".to_string(),
                format!("500103,渝中区,GDP,地区生产总值,{r}Q1,数值,1002.3,万吨"),
            ]),
            reject(&["第2行", "H列", "万吨", "亿元"]),
        ),
        case(
            "单位02-表头写万吨.xlsx",
            "单位",
            "宽表表头“地区生产总值（万吨）”",
            simple(
                "Sheet1",
                &[
                    lines(&[&format!("{r}年1—9月各区县主要指标")]),
                    lines(&["地区", "地区生产总值（万吨）"]),
                    lines(&["渝中区", "1002.3"]),
                ],
                &[],
            ),
            reject(&["第2行", "B列", "万吨", "亿元"]),
        ),
        case(
            "单位05-水平值带百分号.csv",
            "单位",
            "地区生产总值写成“5.2%”",
            csv(&[
                LONG.to_string(),
                format!("500103,渝中区,GDP,地区生产总值,{r}Q1,数值,5.2%,"),
            ]),
            reject(&["第2行", "G列", "5.2%", "不是百分比"]),
        ),
        case(
            "单位06-用地面积为负.csv",
            "单位",
            "用地面积为负数",
            csv(&[
                LONG.to_string(),
                format!("500106,沙坪坝区,LAND_MU,用地面积,{r},数值,-12,亩"),
            ]),
            reject(&["第2行", "G列", "-12", "不能为负"]),
        ),
        case(
            "单位08-单元格与单位列矛盾.csv",
            "单位",
            "计量单位列写万元，单元格写着“12亿元”",
            csv(&[
                LONG.to_string(),
                format!("500103,渝中区,GDP,地区生产总值,{r}Q1,数值,12亿元,万元"),
            ]),
            reject(&["第2行", "G列", "亿元", "万元", "矛盾"]),
        ),
        case(
            "单位09-比重超过100.csv",
            "单位",
            "研发投入强度150%",
            csv(&[
                LONG.to_string(),
                format!("500103,渝中区,RD_INTENSITY,研发投入强度,{r},数值,150,%"),
            ]),
            reject(&["第2行", "G列", "150", "取值范围"]),
        ),
    ];
    let y = years.next();
    out.push(case(
        "单位03-万元换算为亿元.csv",
        "单位",
        "计量单位列写万元，指标以亿元计",
        csv(&[
            LONG.to_string(),
            format!("500103,渝中区,GDP,地区生产总值,{y}Q1,数值,12345,万元"),
            format!("500106,沙坪坝区,FAI,固定资产投资,{y}M01-M03,数值,10023,万元"),
        ]),
        accept(
            vec![
                level("500103", "GDP", &format!("{y}Q1"), 1.2345),
                level("500106", "FAI", &format!("{y}Q1"), 1.0023),
            ],
            &[],
        ),
    ));
    let y = years.next();
    out.push(case(
        "单位04-元换算为万元.xlsx",
        "单位",
        "宽表表头“评价税收（元）”，指标以万元计",
        simple(
            "Sheet1",
            &[
                lines(&[&format!("{y}年各区县评价税收")]),
                lines(&["地区", "评价税收（元）"]),
                lines(&["渝中区", "1234500"]),
                lines(&["沙坪坝区", "98765"]),
            ],
            &[(0, 0, 0, 1)],
        ),
        accept(
            vec![
                level("500103", "ENT_TAX", &y.to_string(), 123.45),
                level("500106", "ENT_TAX", &y.to_string(), 9.8765),
            ],
            &[],
        ),
    ));
    let y = years.next();
    out.push(case(
        "单位07-千分比换算为百分比.csv",
        "单位",
        "研发投入强度以‰给出（单位列和单元格）",
        csv(&[
            LONG.to_string(),
            format!("500103,渝中区,RD_INTENSITY,研发投入强度,{y},数值,21,‰"),
            format!("500106,沙坪坝区,RD_INTENSITY,研发投入强度,{y},数值,15‰,"),
        ]),
        accept(
            vec![
                level("500103", "RD_INTENSITY", &y.to_string(), 2.1),
                level("500106", "RD_INTENSITY", &y.to_string(), 1.5),
            ],
            &[],
        ),
    ));
    let y = years.next();
    out.push(case(
        "单位10-单元格写明单位.csv",
        "单位",
        "单元格写“1.2345亿元”“500万元”",
        csv(&[
            LONG.to_string(),
            format!("500103,渝中区,ENT_TAX,评价税收,{y},数值,1.2345亿元,"),
            format!("500106,沙坪坝区,GDP,地区生产总值,{y}Q2,数值,500万元,"),
        ]),
        accept(
            vec![
                level("500103", "ENT_TAX", &y.to_string(), 12345.0),
                level("500106", "GDP", &format!("{y}Q2"), 0.05),
            ],
            &[],
        ),
    ));
    out
}
