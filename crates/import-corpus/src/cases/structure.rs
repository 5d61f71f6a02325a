//! Structure: a header without data rows (long or wide, with or without title and footnote) is
//! refused; a value column given twice is refused; an identical repeated row is imported once
//! with a warning naming both rows; a conflicting repeat is refused.

use super::{LONG, REFUSED_YEAR, Years, case, csv, lines};
use crate::xlsx::simple;
use crate::{Case, accept, level, reject};

pub(super) fn cases(years: &mut Years) -> Vec<Case> {
    let r = REFUSED_YEAR;
    let mut out = vec![
        case(
            "结构01-只有表头的长表.csv",
            "结构",
            "长表只有表头",
            csv(&[LONG.to_string()]),
            reject(&["第1行", "只有表头"]),
        ),
        case(
            "结构02-只有表头的长表（标题和脚注）.csv",
            "结构",
            "长表有标题、表头和脚注，没有数据",
            csv(&[
                format!("{r}年1—9月主要指标"),
                LONG.to_string(),
                "注：数据为快报数。".to_string(),
            ]),
            reject(&["第2行", "只有表头"]),
        ),
        case(
            "结构03-只有表头的宽表（标题和脚注）.xlsx",
            "结构",
            "宽表有标题、两行表头和脚注，没有数据",
            simple(
                "Sheet1",
                &[
                    lines(&[&format!("{r}年1—9月各区县主要经济指标")]),
                    lines(&["地区", "地区生产总值", ""]),
                    lines(&["", "总量", "增速"]),
                    lines(&["注：地区生产总值增速按不变价格计算。"]),
                ],
                &[(0, 0, 0, 2), (1, 0, 2, 0), (1, 1, 1, 2)],
            ),
            reject(&["第2行", "只有表头"]),
        ),
        case(
            "结构04-只有表头的宽表.csv",
            "结构",
            "宽表只有一行表头",
            csv(&["地区,地区生产总值,固定资产投资".to_string()]),
            reject(&["只有表头"]),
        ),
        case(
            "结构05-数值列出现两次.csv",
            "结构",
            "长表有“数值”和“数据”两列",
            csv(&[
                "主体,指标,时期,数值,数据".to_string(),
                format!("渝中区,地区生产总值,{r}Q1,100,120"),
            ]),
            reject(&["第1行", "E列", "D列", "出现了两次"]),
        ),
        case(
            "结构06-宽表指标列重复.csv",
            "结构",
            "宽表两列都是地区生产总值",
            csv(&[
                format!("{r}年1—9月各区县主要指标"),
                "地区,地区生产总值,固定资产投资,地区生产总值".to_string(),
                "渝中区,1500,300,1500".to_string(),
            ]),
            reject(&["第2行", "D列", "B列", "重复"]),
        ),
        case(
            "结构08-矛盾的重复行.csv",
            "结构",
            "同一主体、指标、时期出现两次，数值不同",
            csv(&[
                LONG.to_string(),
                format!("500103,渝中区,GDP,地区生产总值,{r}Q1,数值,100,亿元"),
                format!("500103,渝中区,GDP,地区生产总值,{r}Q1,数值,101,亿元"),
            ]),
            reject(&["第3行", "第2行", "数值不同"]),
        ),
    ];
    let y = years.next();
    out.push(case(
        "结构07-完全相同的重复行.csv",
        "结构",
        "同一行抄了两遍：导入一次并提醒",
        csv(&[
            LONG.to_string(),
            format!("500103,渝中区,GDP,地区生产总值,{y}Q1,数值,100,亿元"),
            format!("500106,沙坪坝区,GDP,地区生产总值,{y}Q1,数值,90,亿元"),
            format!("500103,渝中区,GDP,地区生产总值,{y}Q1,数值,100,亿元"),
        ]),
        accept(
            vec![
                level("500103", "GDP", &format!("{y}Q1"), 100.0),
                level("500106", "GDP", &format!("{y}Q1"), 90.0),
            ],
            &["第4行", "与第2行完全相同", "只导入一次"],
        ),
    ));
    out
}
