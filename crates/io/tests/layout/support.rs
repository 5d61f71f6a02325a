//! The catalogue, grids and helpers every layout test uses.

use yiping_io::{Cell, Grid, ParseOptions, ParsedObservations, Problem, parse_observations};
use yiping_kernel::{
    Catalog, Entity, EntityCode, EntityId, EntityKind, Indicator, IndicatorId, IndicatorKind,
    Measure, NewEntity, NewIndicator, ParentLink, Period,
};

pub const CITY: EntityId = EntityId(1);
pub const YUZHONG: EntityId = EntityId(2);
pub const SHAPINGBA: EntityId = EntityId(3);
pub const LIANGPING: EntityId = EntityId(4);
pub const LIANGJIANG: EntityId = EntityId(5);
pub const TOWN_A: EntityId = EntityId(6);
pub const TOWN_B: EntityId = EntityId(7);

pub const GDP: IndicatorId = IndicatorId(1);
pub const FAI: IndicatorId = IndicatorId(2);
pub const IND_VA: IndicatorId = IndicatorId(3);
pub const RD: IndicatorId = IndicatorId(4);
pub const POP: IndicatorId = IndicatorId(5);
pub const GDP_GROWTH: IndicatorId = IndicatorId(6);

pub fn region(
    id: EntityId,
    code: Option<&str>,
    name: &str,
    aliases: &[&str],
    level: u8,
    parent: Option<EntityId>,
) -> Entity {
    let mut data = NewEntity::new(
        EntityKind::Region,
        code.map(|c| EntityCode::parse(c).unwrap()),
        name,
        level,
    )
    .unwrap()
    .with_aliases(aliases);
    if let Some(p) = parent {
        data = data
            .with_parent(ParentLink::new(p, None, None).unwrap())
            .unwrap();
    }
    Entity { id, data }
}

pub fn indicator(
    id: IndicatorId,
    code: &str,
    name: &str,
    unit: &str,
    aliases: &[&str],
    kind: IndicatorKind,
) -> Indicator {
    let mut data = NewIndicator::new(code, name, unit)
        .unwrap()
        .with_aliases(aliases);
    data.kind = kind;
    Indicator { id, data }
}

pub fn entities(city_aliases: &[&str]) -> Vec<Entity> {
    vec![
        region(CITY, Some("500000"), "重庆市", city_aliases, 1, None),
        region(YUZHONG, Some("500103"), "渝中区", &["渝中"], 2, Some(CITY)),
        region(
            SHAPINGBA,
            Some("500106"),
            "沙坪坝区",
            &["沙坪坝"],
            2,
            Some(CITY),
        ),
        region(
            LIANGPING,
            Some("500155"),
            "梁平区",
            &["梁平", "梁平县"],
            2,
            Some(CITY),
        ),
        region(LIANGJIANG, None, "两江新区", &["两江"], 2, Some(CITY)),
        region(TOWN_A, Some("500103001"), "新华镇", &[], 3, Some(YUZHONG)),
        region(TOWN_B, Some("500155101"), "新华镇", &[], 3, Some(LIANGPING)),
    ]
}

pub fn indicators() -> Vec<Indicator> {
    vec![
        indicator(
            GDP,
            "GDP",
            "地区生产总值",
            "亿元",
            &[],
            IndicatorKind::CumulativeLevel,
        ),
        indicator(
            FAI,
            "FAI",
            "固定资产投资",
            "亿元",
            &["固投"],
            IndicatorKind::CumulativeLevel,
        ),
        indicator(
            IND_VA,
            "IND_VA",
            "规上工业增加值",
            "亿元",
            &["规模以上工业增加值"],
            IndicatorKind::CumulativeLevel,
        ),
        indicator(
            RD,
            "RD_INTENSITY",
            "研发投入强度",
            "%",
            &[],
            IndicatorKind::Rate,
        ),
        indicator(POP, "POP", "常住人口", "万人", &[], IndicatorKind::Level),
    ]
}

pub fn catalog() -> Catalog {
    Catalog::new(entities(&[]), indicators())
}

pub fn t(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(s.to_string())
    }
}

pub fn grid(file: &str, sheet: Option<&str>, rows: &[&[&str]]) -> Grid {
    Grid::from_rows(
        file,
        sheet,
        rows.iter()
            .map(|r| r.iter().map(|s| t(s)).collect())
            .collect(),
        Vec::new(),
    )
}

pub fn csv(rows: &[&[&str]]) -> Grid {
    grid("报表.csv", None, rows)
}

pub fn q3() -> Period {
    Period::months(2024, 1, 9).unwrap()
}

pub fn opts() -> ParseOptions {
    ParseOptions::default()
}

pub fn with_period(p: Period) -> ParseOptions {
    ParseOptions {
        default_period: Some(p),
        ..ParseOptions::default()
    }
}

pub fn ok(g: &Grid, o: &ParseOptions) -> ParsedObservations {
    match parse_observations(g, &catalog(), o) {
        Ok(p) => p,
        Err(problems) => panic!("unexpected problems:\n{}", show(&problems)),
    }
}

pub fn bad(g: &Grid, c: &Catalog, o: &ParseOptions) -> Vec<Problem> {
    match parse_observations(g, c, o) {
        Ok(p) => panic!("expected problems, got {} rows", p.rows.len()),
        Err(problems) => problems,
    }
}

pub fn show(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The value of (entity, indicator, period, measure), if read.
pub fn get(
    p: &ParsedObservations,
    e: EntityId,
    i: IndicatorId,
    period: Period,
    m: Measure,
) -> Option<f64> {
    p.rows
        .iter()
        .find(|r| {
            r.key.entity == e
                && r.key.indicator == i
                && r.key.period == period
                && r.key.measure == m
        })
        .map(|r| r.value.value())
}

pub fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}
