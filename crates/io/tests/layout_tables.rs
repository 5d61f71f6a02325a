//! Master-data tables: entities, indicators and targets, with the headers the exporter writes.

use yiping_io::{
    Cell, ENTITY_HEADER, Grid, INDICATOR_HEADER, Problem, TARGET_HEADER, parse_entities,
    parse_indicators, parse_targets,
};
use yiping_kernel::{
    Aggregation, Catalog, Entity, EntityCode, EntityId, EntityKind, Frequency, Indicator,
    IndicatorId, IndicatorKind, NewEntity, NewIndicator, Polarity, TargetKind, ValidRange,
};

fn grid(rows: &[&[&str]]) -> Grid {
    Grid::from_rows(
        "主数据.csv",
        None,
        rows.iter()
            .map(|r| {
                r.iter()
                    .map(|s| {
                        if s.is_empty() {
                            Cell::Empty
                        } else {
                            Cell::Text(s.to_string())
                        }
                    })
                    .collect()
            })
            .collect(),
        Vec::new(),
    )
}

fn show(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn entities_with_parents_dates_aliases_groups_and_attributes() {
    let g = grid(&[
        &ENTITY_HEADER,
        &["地区", "500000", "重庆市", "", "1", "", "", "", "", ""],
        &[
            "地区",
            "500155",
            "梁平区",
            "梁平;梁平县",
            "2",
            "500000",
            "2016-11-24",
            "",
            "渝东北三峡库区城镇群",
            "",
        ],
        &[
            "地区",
            "",
            "两江新区",
            "两江、两江直管区",
            "2",
            "500000",
            "",
            "",
            "功能区;主城都市区",
            "{\"面积\": 1200, \"国家级\": true}",
        ],
        &[
            "企业",
            "91500000MA5U123456",
            "重庆某汽车有限公司",
            "",
            "",
            "500155",
            "",
            "",
            "规上;专精特新",
            "{\"行业\": \"汽车\"}",
        ],
        &["注：代码为 GB/T 2260 行政区划代码。"],
    ]);
    let records = parse_entities(&g).unwrap_or_else(|p| panic!("{}", show(&p)));
    assert_eq!(records.len(), 4);
    let city = &records[0];
    assert_eq!(
        city.entity.code.as_ref().map(EntityCode::as_str),
        Some("500000")
    );
    assert!(city.parent.is_none());
    assert_eq!(city.at.row, 2);
    let liangping = &records[1];
    assert_eq!(liangping.entity.aliases, vec!["梁平", "梁平县"]);
    assert_eq!(liangping.entity.level, 2);
    assert!(liangping.entity.parents.is_empty());
    let parent = liangping.parent.as_ref().unwrap();
    assert_eq!(parent.text, "500000");
    assert_eq!(parent.at.column.as_deref(), Some("F"));
    let link = parent.link(EntityId(1));
    assert_eq!(link.parent, EntityId(1));
    assert_eq!(
        link.valid_from.map(|d| d.to_string()).as_deref(),
        Some("2016-11-24")
    );
    assert!(link.valid_to.is_none());
    let liangjiang = &records[2];
    assert!(liangjiang.entity.code.is_none());
    assert_eq!(liangjiang.entity.aliases, vec!["两江", "两江直管区"]);
    assert_eq!(liangjiang.entity.groups, vec!["功能区", "主城都市区"]);
    assert_eq!(
        liangjiang
            .entity
            .attrs
            .get("面积")
            .map(|v| v.to_string())
            .as_deref(),
        Some("1200")
    );
    assert_eq!(
        liangjiang
            .entity
            .attrs
            .get("国家级")
            .map(|v| v.to_string())
            .as_deref(),
        Some("true")
    );
    let firm = &records[3];
    assert_eq!(firm.entity.kind, EntityKind::Enterprise);
    assert_eq!(firm.entity.level, 1);
    assert_eq!(
        firm.entity
            .attrs
            .get("行业")
            .map(|v| v.to_string())
            .as_deref(),
        Some("\"汽车\"")
    );
}

#[test]
fn entity_problems_are_all_reported() {
    let g = grid(&[
        &[
            "类型",
            "代码",
            "名称",
            "层级",
            "上级",
            "上级生效日期",
            "上级失效日期",
            "属性",
            "面积",
        ],
        &["城市", "500000", "重庆市", "1", "", "", "", "", ""],
        &["地区", "50015", "梁平区", "2", "重庆市", "", "", "", ""],
        &["地区", "500103", "渝中区", "", "重庆市", "", "", "", ""],
        &[
            "地区",
            "500106",
            "沙坪坝区",
            "2",
            "重庆市",
            "2020-13-01",
            "",
            "{坏}",
            "",
        ],
        &[
            "地区",
            "500106",
            "沙坪坝",
            "2",
            "",
            "2020-01-01",
            "",
            "",
            "",
        ],
        &[
            "地区",
            "500107",
            "九龙坡区",
            "2",
            "重庆市",
            "2021-01-01",
            "2020-01-01",
            "",
            "",
        ],
    ]);
    let problems = parse_entities(&g).unwrap_err();
    let at: Vec<(usize, Option<&str>)> = problems
        .iter()
        .map(|p| (p.at.row, p.at.column.as_deref()))
        .collect();
    assert_eq!(
        at,
        vec![
            (1, Some("I")),
            (2, Some("A")),
            (3, Some("B")),
            (4, Some("D")),
            (5, Some("F")),
            (5, Some("H")),
            (6, Some("B")),
            (6, Some("E")),
            (7, Some("G")),
        ],
        "{}",
        show(&problems)
    );
    assert!(problems.iter().all(|p| !p.reason.is_empty()));
    assert!(
        problems[6].reason.contains("第5行"),
        "{}",
        problems[6].reason
    );
}

#[test]
fn indicators_with_every_column() {
    let g = grid(&[
        &INDICATOR_HEADER,
        &[
            "GDP",
            "地区生产总值",
            "GDP总量",
            "亿元",
            "季",
            "累计值",
            "求和",
            "越高越好",
            "1",
            "按不变价格计算增速",
            "市统计局",
            "预期性",
            "",
            "≥0",
        ],
        &[
            "rd_intensity",
            "研发投入强度",
            "R&D投入强度；研发强度",
            "%",
            "year",
            "rate",
            "weighted_mean",
            "higher_better",
            "2",
            "",
            "市科技局",
            "",
            "RD / GDP",
            "0—100",
        ],
        &[
            "FAI",
            "固定资产投资",
            "固投",
            "亿元",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]);
    let inds = parse_indicators(&g).unwrap_or_else(|p| panic!("{}", show(&p)));
    assert_eq!(inds.len(), 3);
    assert_eq!(inds[0].frequency, Frequency::Quarter);
    assert_eq!(inds[0].decimals, 1);
    assert_eq!(inds[0].constraint.as_deref(), Some("预期性"));
    assert_eq!(inds[0].owner_department.as_deref(), Some("市统计局"));
    assert_eq!(inds[1].code.as_str(), "RD_INTENSITY");
    assert_eq!(inds[1].aliases, vec!["R&D投入强度", "研发强度"]);
    assert_eq!(inds[1].kind, IndicatorKind::Rate);
    assert_eq!(inds[1].aggregation, Aggregation::WeightedMean);
    assert_eq!(inds[1].formula.as_deref(), Some("RD / GDP"));
    assert_eq!(inds[2].polarity, Polarity::HigherBetter);
    assert_eq!(inds[2].frequency, Frequency::Month);
    assert_eq!(inds[0].range, ValidRange::NON_NEGATIVE);
    assert_eq!(
        inds[1].range,
        ValidRange::new(Some(0.0), Some(100.0)).unwrap()
    );
    assert!(inds[2].range.is_any());
}

#[test]
fn indicator_problems_are_all_reported() {
    let g = grid(&[
        &[
            "代码",
            "名称",
            "计量单位",
            "频率",
            "小数位数",
            "约束性",
            "取值范围",
        ],
        &["地区生产总值", "地区生产总值", "亿元", "", "", "", ""],
        &["GDP", "", "亿元", "", "", "", ""],
        &["FAI", "固定资产投资", "亿元", "每旬", "9", "必须", "100—0"],
        &["fai", "固投", "亿元", "", "", "", ""],
    ]);
    let problems = parse_indicators(&g).unwrap_err();
    let at: Vec<(usize, Option<&str>)> = problems
        .iter()
        .map(|p| (p.at.row, p.at.column.as_deref()))
        .collect();
    assert_eq!(
        at,
        vec![
            (2, Some("A")),
            (3, Some("B")),
            (4, Some("D")),
            (4, Some("E")),
            (4, Some("F")),
            (4, Some("G")),
            (5, Some("A"))
        ],
        "{}",
        show(&problems)
    );
}

fn catalog() -> Catalog {
    let region = |id, code: Option<&str>, name: &str| Entity {
        id: EntityId(id),
        data: NewEntity::new(
            EntityKind::Region,
            code.map(|c| EntityCode::parse(c).unwrap()),
            name,
            2,
        )
        .unwrap(),
    };
    let gdp = Indicator {
        id: IndicatorId(1),
        data: NewIndicator::new("GDP", "地区生产总值", "亿元").unwrap(),
    };
    let fai = Indicator {
        id: IndicatorId(2),
        data: NewIndicator::new("FAI", "固定资产投资", "亿元")
            .unwrap()
            .with_aliases(["固投"]),
    };
    Catalog::new(
        vec![
            region(1, Some("500103"), "渝中区"),
            region(2, None, "两江新区"),
        ],
        vec![gdp, fai],
    )
}

#[test]
fn targets_with_and_without_a_monthly_plan() {
    let plan = "8;16;25;33;41;50;58;66;75;83;91;100";
    let g = grid(&[
        &TARGET_HEADER,
        &[
            "500103",
            "渝中区",
            "GDP",
            "地区生产总值",
            "2024",
            "增速目标",
            "6",
            "",
        ],
        &[
            "",
            "两江新区",
            "",
            "固投",
            "2024年",
            "总量目标",
            "1,200",
            plan,
        ],
    ]);
    let targets = parse_targets(&g, &catalog()).unwrap_or_else(|p| panic!("{}", show(&p)));
    assert_eq!(targets.len(), 2);
    let (gdp, at) = &targets[0];
    assert_eq!(
        (gdp.entity, gdp.indicator, gdp.year, gdp.kind, gdp.value),
        (EntityId(1), IndicatorId(1), 2024, TargetKind::Growth, 6.0)
    );
    assert!(gdp.schedule().is_none());
    assert_eq!(at.row, 2);
    let (fai, _) = &targets[1];
    assert_eq!(
        (fai.entity, fai.indicator, fai.value),
        (EntityId(2), IndicatorId(2), 1200.0)
    );
    assert_eq!(fai.planned_share(6), 0.5);
    assert_eq!(fai.planned_share(12), 1.0);
}

#[test]
fn target_problems_are_all_reported() {
    let g = grid(&[
        &["主体", "指标", "年份", "目标类型", "目标值", "月度计划"],
        &["渝北区", "地区生产总值", "2024", "增速目标", "6", ""],
        &["渝中区", "社零", "二〇二四", "增速", "约6", ""],
        &["渝中区", "地区生产总值", "2024", "翻番", "6", "0.5;1"],
        &["渝中区", "地区生产总值", "2024", "增速", "6", ""],
        &["渝中区", "地区生产总值", "2024", "增速", "6.5", ""],
    ]);
    let problems = parse_targets(&g, &catalog()).unwrap_err();
    let at: Vec<(usize, Option<&str>)> = problems
        .iter()
        .map(|p| (p.at.row, p.at.column.as_deref()))
        .collect();
    assert_eq!(
        at,
        vec![
            (2, Some("A")),
            (3, Some("B")),
            (3, Some("C")),
            (3, Some("E")),
            (4, Some("D")),
            (4, Some("F")),
            (6, None),
        ],
        "{}",
        show(&problems)
    );
}
