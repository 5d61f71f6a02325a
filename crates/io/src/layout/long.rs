//! The long layout: one value a row (主体代码, 主体, 指标代码, 指标, 时期, 口径, 数值, 计量单位, 状态).

use std::collections::HashMap;

use yiping_kernel::{IndicatorId, IndicatorMatch, Measure, ObservationStatus, Period};

use super::collect::{Sink, Value, Who};
use super::header::{
    ENTITY_CODE_HEADERS, ENTITY_HEADERS, Named, When, classify_sub, is_footnote, is_one_of,
    looks_like_unit, name_header, norm, split_bracket, unit_statement,
};
use super::number::{Declared, cell_unit_conversion, parse_value, unit_conversion};
use crate::{Grid, column_letters};

/// The columns a long table may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Col {
    EntityCode,
    Entity,
    IndicatorCode,
    Indicator,
    Period,
    Measure,
    Value,
    Unit,
    Status,
}

const INDICATOR_CODE: &[&str] = &["指标代码", "indicator_code"];
const INDICATOR: &[&str] = &["指标", "指标名称", "indicator", "indicator_name"];
const PERIOD: &[&str] = &[
    "时期",
    "期间",
    "期别",
    "报告期",
    "统计时期",
    "统计期间",
    "时间",
    "period",
];
const MEASURE: &[&str] = &["口径", "measure"];
const VALUE: &[&str] = &["数值", "值", "指标值", "数据", "数据值", "value"];
const UNIT: &[&str] = &["计量单位", "unit"];
const STATUS: &[&str] = &["状态", "审核状态", "status"];

/// Which column a header names. 单位 is decided by [`unit_or_entity`]: in a long table it may
/// mean the unit as well as the reporting unit.
fn column_of(text: &str) -> Option<Col> {
    let lists: [(Col, &[&str]); 9] = [
        (Col::IndicatorCode, INDICATOR_CODE),
        (Col::Indicator, INDICATOR),
        (Col::Period, PERIOD),
        (Col::Measure, MEASURE),
        (Col::Value, VALUE),
        (Col::Unit, UNIT),
        (Col::Status, STATUS),
        (Col::EntityCode, ENTITY_CODE_HEADERS),
        (Col::Entity, ENTITY_HEADERS),
    ];
    if is_one_of(text, &["单位"]) {
        return None;
    }
    lists
        .iter()
        .find(|(_, names)| is_one_of(text, names))
        .map(|(c, _)| *c)
}

/// A 单位 column is the unit when its cells look like units (亿元, %, 万吨), else the
/// reporting unit (the entity).
fn unit_or_entity(grid: &Grid, header: usize, col: usize) -> Col {
    let cells: Vec<String> = (header + 1..grid.row_count())
        .map(|r| grid.cell(r, col).text())
        .filter(|t| !t.is_empty())
        .take(50)
        .collect();
    if !cells.is_empty() && cells.iter().all(|t| looks_like_unit(t)) {
        Col::Unit
    } else {
        Col::Entity
    }
}

/// A long table's header row and its columns.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    row: usize,
    cols: HashMap<Col, usize>,
    /// Columns named twice: (column, first, second).
    twice: Vec<(Col, usize, usize)>,
}

/// What a column is called in messages.
fn col_name(c: Col) -> &'static str {
    match c {
        Col::EntityCode => "主体代码",
        Col::Entity => "主体",
        Col::IndicatorCode => "指标代码",
        Col::Indicator => "指标",
        Col::Period => "时期",
        Col::Measure => "口径",
        Col::Value => "数值",
        Col::Unit => "计量单位",
        Col::Status => "状态",
    }
}

/// The first row (of the first 30) with an indicator column and a value column.
pub(crate) fn find_header(grid: &Grid) -> Option<Header> {
    (0..grid.row_count().min(30)).find_map(|r| {
        let mut cols = HashMap::new();
        let mut twice = Vec::new();
        for (c, cell) in grid.row(r) {
            let text = cell.text();
            let col = match column_of(&text) {
                Some(col) => col,
                None if is_one_of(&text, &["单位"]) => unit_or_entity(grid, r, c),
                None => continue,
            };
            match cols.get(&col) {
                Some(&first) => twice.push((col, first, c)),
                None => {
                    cols.insert(col, c);
                }
            }
        }
        let has_indicator =
            cols.contains_key(&Col::Indicator) || cols.contains_key(&Col::IndicatorCode);
        (has_indicator && cols.contains_key(&Col::Value)).then_some(Header {
            row: r,
            cols,
            twice,
        })
    })
}

pub(crate) fn parse(sink: &mut Sink<'_>, header: Option<Header>) {
    let grid = sink.grid;
    let Some(header) = header else {
        sink.problem(
            0,
            None,
            "",
            "没有找到长表的表头：需要“指标”（或“指标代码”）和“数值”两列",
        );
        return;
    };
    sink.header_row = Some(header.row);
    for &(c, first, again) in &header.twice {
        let text = grid.cell(header.row, again).text();
        sink.problem(
            header.row,
            Some(again),
            text,
            format!(
                "与{}列都是“{}”列：同一列出现了两次，无法判断该用哪一列",
                column_letters(first),
                col_name(c)
            ),
        );
    }
    if !header.twice.is_empty() {
        return;
    }
    let col = |c: Col| header.cols.get(&c).copied();
    if col(Col::Entity).is_none() && col(Col::EntityCode).is_none() {
        sink.problem(header.row, None, "", "长表缺少“主体”或“主体代码”列");
        return;
    }
    let preamble: Vec<(usize, String)> = (0..header.row)
        .flat_map(|r| grid.row(r).map(move |(_, c)| (r, c.text())))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    let texts: Vec<String> = preamble.iter().map(|(_, t)| t.clone()).collect();
    let table_units: Vec<String> = texts
        .iter()
        .find_map(|t| unit_statement(t))
        .unwrap_or_default();
    let table_period = sink.table_period(&preamble, header.row.saturating_sub(1));
    let year = table_period
        .as_ref()
        .map(|s| s.period.year_number())
        .or(sink.default_year());
    sink.status_column = col(Col::Status).is_some();
    let value_col = col(Col::Value).unwrap_or_default();
    let value_header_unit = split_bracket(&grid.cell(header.row, value_col).text())
        .1
        .filter(|u| looks_like_unit(u));
    let mut missing_period_reported = false;
    // Big files repeat the same few entity, indicator and period texts on every row: resolve
    // each distinct text once. Only successes are cached, so every bad row is still reported.
    let raw = |r: usize, c: Option<usize>| c.and_then(|c| grid.cell(r, c).as_str());
    let mut who_cache: HashMap<(Option<&str>, Option<&str>), Who> = HashMap::new();
    type Ind = (IndicatorId, Option<Measure>, Option<String>);
    let mut indicator_cache: HashMap<(Option<&str>, Option<&str>), Ind> = HashMap::new();
    let mut period_cache: HashMap<&str, Period> = HashMap::new();

    for r in header.row + 1..grid.row_count() {
        let Some((_, first)) = grid.first_in_row(r) else {
            continue;
        };
        if is_footnote(&first.text()) {
            break;
        }
        sink.data_rows += 1;
        let text = |c: Option<usize>| c.map(|c| (c, grid.cell(r, c).text()));
        let who_key = (raw(r, col(Col::EntityCode)), raw(r, col(Col::Entity)));
        let who = match who_cache.get(&who_key) {
            Some(w) => Some(w.clone()),
            None => {
                let w = sink.resolve_entity(r, text(col(Col::EntityCode)), text(col(Col::Entity)));
                if let (Some(w), (Some(_), _) | (_, Some(_))) = (&w, who_key) {
                    who_cache.insert(who_key, w.clone());
                }
                w
            }
        };
        let ind_key = (raw(r, col(Col::IndicatorCode)), raw(r, col(Col::Indicator)));
        let indicator = match indicator_cache.get(&ind_key) {
            Some(i) => Some(i.clone()),
            None => {
                let i = read_indicator(
                    sink,
                    r,
                    text(col(Col::IndicatorCode)),
                    text(col(Col::Indicator)),
                    year,
                );
                if let (Some(i), (Some(_), _) | (_, Some(_))) = (&i, ind_key) {
                    indicator_cache.insert(ind_key, i.clone());
                }
                i
            }
        };
        let measure = read_measure(
            sink,
            r,
            text(col(Col::Measure)),
            indicator.as_ref().map(|i| i.1),
        );
        let cached_period = raw(r, col(Col::Period)).and_then(|t| period_cache.get(t).copied());
        let period = match cached_period
            .map_or_else(|| text(col(Col::Period)), |_| None)
            .filter(|(_, t)| !t.is_empty())
        {
            _ if cached_period.is_some() => cached_period,
            Some((c, t)) => match Period::parse(&t, year) {
                Ok(p) => match &table_period {
                    Some(stated) if stated.from_file && !stated.agrees(p) => {
                        sink.period_disagrees(r, c, &t, p, stated);
                        None
                    }
                    _ => {
                        if let Some(key) = raw(r, col(Col::Period)) {
                            period_cache.insert(key, p);
                        }
                        Some(p)
                    }
                },
                Err(e) => {
                    sink.bad_period(r, c, &t, &e);
                    None
                }
            },
            None if table_period.is_some() => table_period.as_ref().map(|s| s.period),
            None => {
                if !missing_period_reported {
                    sink.missing_period(r);
                    missing_period_reported = true;
                }
                None
            }
        };
        let status = match text(col(Col::Status)).filter(|(_, t)| !t.is_empty()) {
            Some((c, t)) => match ObservationStatus::parse(&t) {
                Ok(s) => Some(s),
                Err(_) => {
                    sink.problem(
                        r,
                        Some(c),
                        t,
                        "不是有效的状态（应为 草稿、已报送 或 已审核）",
                    );
                    None
                }
            },
            None => Some(sink.opts.default_status),
        };
        let number = match parse_value(grid.cell(r, value_col)) {
            Ok(n) => n,
            Err(_) => {
                let value_text = grid.cell(r, value_col).text();
                sink.problem(r, Some(value_col), value_text, "无法识别为数字");
                continue;
            }
        };
        let (Some((indicator, _, name_unit)), Some(measure)) = (indicator, measure) else {
            continue;
        };
        let unit_cell = text(col(Col::Unit)).filter(|(_, t)| !t.is_empty());
        if let (Some((c, u)), Some(n)) = (&unit_cell, &name_unit)
            && norm(u) != norm(n)
        {
            sink.problem(
                r,
                Some(*c),
                u.clone(),
                format!("与指标名称中写明的计量单位“{n}”矛盾"),
            );
            continue;
        }
        let declared = match (&unit_cell, &name_unit, &value_header_unit) {
            (Some((_, u)), _, _) | (None, Some(u), _) | (None, None, Some(u)) => Declared::One(u),
            (None, None, None) => Declared::AnyOf(&table_units),
        };
        let Some(ind) = sink.catalog.indicator(indicator) else {
            continue;
        };
        let cell_unit = number.as_ref().and_then(|(_, u)| u.as_deref());
        let convert = match cell_unit {
            Some(u) => cell_unit_conversion(ind, measure, u, declared)
                .map_err(|reason| (value_col, grid.cell(r, value_col).text(), reason)),
            None => unit_conversion(ind, measure, declared).map_err(|reason| {
                let (c, t) = unit_cell.clone().unwrap_or((value_col, String::new()));
                (c, t, reason)
            }),
        };
        let convert = match convert {
            Ok(c) => c,
            Err((c, t, reason)) => {
                sink.problem(r, Some(c), t, reason);
                continue;
            }
        };
        let Some((number, _)) = number else {
            sink.skipped_missing += 1;
            continue;
        };
        let (Some(who), Some(period), Some(status)) = (who, period, status) else {
            continue;
        };
        sink.push(Value {
            who,
            indicator,
            period,
            measure,
            number: convert.apply(number),
            status,
            row: r,
            col: value_col,
        });
    }
}

/// The indicator of a row, the measure its name implies (地区生产总值增速 → growth) and the unit
/// its name states in brackets.
fn read_indicator(
    sink: &mut Sink<'_>,
    r: usize,
    code: Option<(usize, String)>,
    name: Option<(usize, String)>,
    year: Option<i32>,
) -> Option<(IndicatorId, Option<Measure>, Option<String>)> {
    if let Some((c, t)) = code.filter(|(_, t)| !t.is_empty()) {
        return match sink.catalog.find_indicator(&t) {
            IndicatorMatch::One(id) => Some((id, None, None)),
            IndicatorMatch::None => {
                sink.problem(r, Some(c), t, "不是已知的指标代码");
                None
            }
        };
    }
    let Some((c, t)) = name.filter(|(_, t)| !t.is_empty()) else {
        sink.problem(r, None, "", "缺少指标（名称或代码）");
        return None;
    };
    let unit = split_bracket(&t).1.filter(|u| looks_like_unit(u));
    match name_header(sink.catalog, &t, year) {
        Named::Indicator {
            id,
            measure: Measure::Growth,
        } => Some((id, Some(Measure::Growth), None)),
        Named::Indicator { id, measure } => Some((id, Some(measure), unit)),
        Named::BareGrowth(_) | Named::Unknown => {
            sink.problem(
                r,
                Some(c),
                t,
                "不是已知的指标（按代码、名称和别名都找不到）",
            );
            None
        }
    }
}

/// The measure of a row: the 口径 cell when filled, else what the indicator name implies, else
/// the level. A 口径 of 数值 beside a growth indicator name is a contradiction.
fn read_measure(
    sink: &mut Sink<'_>,
    r: usize,
    cell: Option<(usize, String)>,
    implied: Option<Option<Measure>>,
) -> Option<Measure> {
    let implied = implied.flatten();
    let Some((c, t)) = cell.filter(|(_, t)| !t.is_empty()) else {
        return Some(implied.unwrap_or(Measure::Value));
    };
    let stated = match classify_sub(&t, None) {
        Some((m, When::Table | When::Cumulative)) => m,
        _ => match Measure::parse(&t) {
            Ok(m) => m,
            Err(_) => {
                sink.problem(r, Some(c), t, "不是有效的口径（应为 数值 或 增速）");
                return None;
            }
        },
    };
    if implied == Some(Measure::Growth) && stated == Measure::Value {
        sink.problem(
            r,
            Some(c),
            t,
            "与指标名称矛盾：指标名称表示增速，口径却是数值",
        );
        return None;
    }
    Some(stated)
}
