//! Names people write: header synonyms of the long layout (地区/区县/主体, 期间/时期,
//! 数据/数值, 单位/计量单位), entity codes in the entity column (12-digit statistical codes
//! too), a code and a name in one cell, indicator aliases (固投, 社零), the short forms of
//! autonomous counties (彭水县, 石柱县, 秀山县, 酉阳县); an ambiguous short name (经开区), a
//! partial name and a code contradicting its name are refused with the candidates.

use super::{LONG, REFUSED_YEAR, Years, case, csv};
use crate::{Case, accept, level, reject};

pub(super) fn cases(years: &mut Years) -> Vec<Case> {
    let r = REFUSED_YEAR;
    let mut out = vec![
        case(
            "名称06-有歧义的简称经开区.csv",
            "名称",
            "“经开区”是两个开发区共同的简称",
            csv(&[
                "主体,指标,时期,数值".to_string(),
                format!("经开区,地区生产总值,{r}Q1,80"),
            ]),
            reject(&[
                "第2行",
                "经开区",
                "对应多个主体",
                "长寿经济技术开发区",
                "万州经济技术开发区",
            ]),
        ),
        case(
            "名称07-代码与名称不符.csv",
            "名称",
            "主体代码是渝中区，主体名称写的是沙坪坝区",
            csv(&[
                LONG.to_string(),
                format!("500103,沙坪坝区,GDP,地区生产总值,{r}Q1,数值,100,亿元"),
            ]),
            reject(&["第2行", "B列", "500103", "渝中区", "不是同一个主体"]),
        ),
        case(
            "名称10-不完整的名称.csv",
            "名称",
            "只写了名称的一部分“坪坝”",
            csv(&[
                "主体,指标,时期,数值".to_string(),
                format!("坪坝,地区生产总值,{r}Q1,80"),
            ]),
            reject(&["第2行", "坪坝", "沙坪坝区", "请写全称或代码"]),
        ),
    ];
    let y = years.next();
    out.push(case(
        "名称01-长表表头同义词（地区期间数据）.csv",
        "名称",
        "表头写地区、指标、期间、数据、计量单位",
        csv(&[
            "地区,指标,期间,数据,计量单位".to_string(),
            format!("渝中区,地区生产总值,{y}年一季度,321.5,亿元"),
        ]),
        accept(vec![level("500103", "GDP", &format!("{y}Q1"), 321.5)], &[]),
    ));
    let y = years.next();
    out.push(case(
        "名称02-长表表头同义词（区县时期数值单位）.csv",
        "名称",
        "表头写区县、指标名称、时期、数值、单位（单位列是计量单位）",
        csv(&[
            "区县,指标名称,时期,数值,单位".to_string(),
            format!("沙坪坝区,固定资产投资,{y}年1-6月,8800,万元"),
        ]),
        accept(vec![level("500106", "FAI", &format!("{y}H1"), 0.88)], &[]),
    ));
    let y = years.next();
    out.push(case(
        "名称03-主体列写代码.csv",
        "名称",
        "主体列写的是代码：6位、12位统计用区划代码、带撇号的代码",
        csv(&[
            "主体,指标,时期,数值".to_string(),
            format!("500103,地区生产总值,{y}Q2,10"),
            format!("500106000000,地区生产总值,{y}Q2,20"),
            format!("'500112,地区生产总值,{y}Q2,30"),
        ]),
        accept(
            vec![
                level("500103", "GDP", &format!("{y}Q2"), 10.0),
                level("500106", "GDP", &format!("{y}Q2"), 20.0),
                level("500112", "GDP", &format!("{y}Q2"), 30.0),
            ],
            &[],
        ),
    ));
    let y = years.next();
    out.push(case(
        "名称04-指标别名.csv",
        "名称",
        "指标写简称：固投、社零",
        csv(&[
            "主体,指标,时期,数值,计量单位".to_string(),
            format!("渝中区,固投,{y}M01-M06,150,亿元"),
            format!("渝中区,社零,{y}M01-M06,260,亿元"),
        ]),
        accept(
            vec![
                level("500103", "FAI", &format!("{y}H1"), 150.0),
                level("500103", "RETAIL", &format!("{y}H1"), 260.0),
            ],
            &[],
        ),
    ));
    let y = years.next();
    out.push(case(
        "名称05-自治县简称.csv",
        "名称",
        "自治县写成彭水县、石柱县、秀山县、酉阳县",
        csv(&[
            format!("{y}年1—9月渝东南各县地区生产总值"),
            "地区,地区生产总值".to_string(),
            "彭水县,210.5".to_string(),
            "石柱县,190.25".to_string(),
            "秀山县,250".to_string(),
            "酉阳县,230.75".to_string(),
        ]),
        accept(
            vec![
                level("500243", "GDP", &format!("{y}M01-M09"), 210.5),
                level("500240", "GDP", &format!("{y}M01-M09"), 190.25),
                level("500241", "GDP", &format!("{y}M01-M09"), 250.0),
                level("500242", "GDP", &format!("{y}M01-M09"), 230.75),
            ],
            &[],
        ),
    ));
    let y = years.next();
    out.push(case(
        "名称08-单位列是填报单位.csv",
        "名称",
        "“单位”列写的是区县（填报单位），另有计量单位列",
        csv(&[
            "单位,指标,时期,数值,计量单位".to_string(),
            format!("渝北区,地区生产总值,{y}Q3,1900,亿元"),
        ]),
        accept(vec![level("500112", "GDP", &format!("{y}Q3"), 1900.0)], &[]),
    ));
    let y = years.next();
    out.push(case(
        "名称09-代码和名称写在一格.csv",
        "名称",
        "主体写成“500103 渝中区”“沙坪坝区（500106）”",
        csv(&[
            "主体,指标,时期,数值".to_string(),
            format!("500103 渝中区,居民人均可支配收入,{y}Q1,15000"),
            format!("沙坪坝区（500106）,居民人均可支配收入,{y}Q1,14000"),
        ]),
        accept(
            vec![
                level("500103", "INCOME", &format!("{y}Q1"), 15000.0),
                level("500106", "INCOME", &format!("{y}Q1"), 14000.0),
            ],
            &[],
        ),
    ));
    out
}
