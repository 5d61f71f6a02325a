//! The wide layout: one row per entity, one column per indicator (and measure), one period per
//! table, as bureaus send them.
//!
//! From the top: preamble lines (the title, which usually states the period; a unit line such
//! as 单位：亿元、%; lines of the form 填报单位：…), one or two header rows (a merged 地区生产总值
//! over 总量 / 增速; in CSV the merged text stands in its first column with empty cells to its
//! right), an optional row of units under the header, the data rows (a 合计 or 全市 row among
//! them), and footnotes (注：…, 说明：, 资料来源：, 数据来源：) that end the data.

use std::collections::{HashMap, HashSet};

use yiping_kernel::{IndicatorId, IndicatorMatch, Measure, Period};

use super::collect::{Sink, Value};
use super::header::{
    ENTITY_CODE_HEADERS, ENTITY_HEADERS, IGNORED_HEADERS, Named, When, base, classify_sub,
    is_footnote, is_one_of, is_total, looks_like_unit, name_header, split_bracket, unit_statement,
};
use super::number::{
    Convert, Declared, cell_unit_conversion, parse_number, parse_value, unit_conversion,
};
use super::stated::{from_january, last_month};
use crate::{Grid, column_letters};

/// A cell's text, taking a merged cell's text from the range's first cell.
fn text_at(grid: &Grid, r: usize, c: usize) -> String {
    match grid.merge_at(r, c) {
        Some(m) => grid.cell(m.first_row, m.first_col).text(),
        None => grid.cell(r, c).text(),
    }
}

/// Whether the cell is covered by a merge that starts in an earlier row.
fn merged_from_above(grid: &Grid, r: usize, c: usize) -> bool {
    grid.merge_at(r, c).is_some_and(|m| m.first_row < r)
}

/// The non-blank cells of row `r` as (column, text).
fn texts(grid: &Grid, r: usize) -> Vec<(usize, String)> {
    grid.row(r)
        .map(|(c, x)| (c, x.text()))
        .filter(|(_, t)| !t.is_empty())
        .collect()
}

/// How a column's values are read.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Data {
        indicator: IndicatorId,
        measure: Measure,
        period: Option<Period>,
        convert: Convert,
        /// The unit the column's header or unit row states, for values that state their own.
        unit: Option<String>,
    },
    /// No header at all: data here is a problem.
    Blank,
    /// A column whose header was reported: its cells are not read, but they are data.
    Unread,
    /// A column to skip (序号, 排名, 备注, the entity columns).
    Skip,
}

/// What the header cells of one column say, before units are checked.
struct Meaning {
    indicator: IndicatorId,
    measure: Measure,
    when: When,
    /// A unit stated in the header's brackets.
    unit: Option<String>,
}

pub(crate) fn parse(sink: &mut Sink<'_>) {
    let grid = sink.grid;
    let catalog = sink.catalog;
    let width = grid.width();

    // Preamble: rows of "label：value" texts (单位：亿元, 填报单位：…) and at most one other text
    // that names nothing (the title).
    let mut preamble: Vec<(usize, String)> = Vec::new();
    let mut first_header = None;
    for r in 0..grid.row_count() {
        let t = texts(grid, r);
        if t.is_empty() {
            continue;
        }
        let names_something = |s: &str| {
            is_one_of(s, ENTITY_HEADERS) || !matches!(name_header(catalog, s, None), Named::Unknown)
        };
        let others: Vec<&str> = t
            .iter()
            .map(|(_, s)| s.as_str())
            .filter(|s| !s.contains('：') && !s.contains(':'))
            .collect();
        if others.is_empty() || (others.len() == 1 && !names_something(others[0])) {
            preamble.extend(t.into_iter().map(|(_, s)| (r, s)));
            continue;
        }
        first_header = Some(r);
        break;
    }
    let Some(h1) = first_header else {
        sink.problem(0, None, "", "没有找到表头：表中没有数据");
        return;
    };
    sink.header_row = Some(h1);
    let table_units: Vec<String> = preamble
        .iter()
        .find_map(|(_, t)| unit_statement(t))
        .unwrap_or_default();
    let table_period = sink.table_period(&preamble, preamble.first().map_or(0, |(r, _)| *r));
    if table_period.is_none() {
        sink.missing_period(0);
    }
    let year = table_period
        .as_ref()
        .map(|p| p.period.year_number())
        .or(sink.default_year());

    // The entity columns, found in the first header row (or the second, below).
    let find_col =
        |r: usize, names: &[&str]| (0..width).find(|&c| is_one_of(&text_at(grid, r, c), names));
    let mut name_col = find_col(h1, ENTITY_HEADERS);
    let mut code_col = find_col(h1, ENTITY_CODE_HEADERS);

    // A second header row: texts only, no entity, not just units, or covered by merges from h1.
    let h2 = h1 + 1;
    let two_rows = h2 < grid.row_count() && {
        let vertical = grid
            .merges()
            .iter()
            .any(|m| m.first_row == h1 && m.last_row >= h2);
        let t: Vec<(usize, String)> = texts(grid, h2)
            .into_iter()
            .filter(|(c, _)| !merged_from_above(grid, h2, *c))
            .collect();
        let key_cells_empty = [name_col, code_col]
            .into_iter()
            .flatten()
            .all(|c| grid.cell(h2, c).is_empty());
        let header_like = !t.is_empty()
            && !is_footnote(&t[0].1)
            && t.iter().all(|(c, s)| {
                !matches!(parse_number(grid.cell(h2, *c)), Ok(Some(_)))
                    && !is_total(s)
                    && matches!(
                        catalog.find_entity(s, None),
                        yiping_kernel::EntityMatch::None
                    )
            })
            && !t.iter().all(|(_, s)| looks_like_unit(s));
        vertical || (key_cells_empty && header_like)
    };
    if two_rows {
        name_col = name_col.or_else(|| find_col(h2, ENTITY_HEADERS));
        code_col = code_col.or_else(|| find_col(h2, ENTITY_CODE_HEADERS));
    }
    let sub_text = |c: usize| {
        if two_rows && !merged_from_above(grid, h2, c) {
            text_at(grid, h2, c)
        } else {
            String::new()
        }
    };
    let ignored = |c: usize| {
        is_one_of(&text_at(grid, h1, c), IGNORED_HEADERS)
            || is_one_of(&sub_text(c), IGNORED_HEADERS)
    };
    if name_col.is_none() && code_col.is_none() {
        name_col = (0..width).find(|&c| !ignored(c));
    }
    let key_col = |c: usize| Some(c) == name_col || Some(c) == code_col;

    // A row of units under the header.
    let mut data_start = h1 + if two_rows { 2 } else { 1 };
    let mut unit_row = None;
    if data_start < grid.row_count() {
        let t: Vec<(usize, String)> = texts(grid, data_start)
            .into_iter()
            .filter(|(c, _)| !key_col(*c))
            .collect();
        let keys_blank = [name_col, code_col].into_iter().flatten().all(|c| {
            grid.cell(data_start, c).is_empty()
                || is_one_of(&grid.cell(data_start, c).text(), &["单位", "计量单位"])
        });
        if keys_blank && !t.is_empty() && t.iter().all(|(_, s)| looks_like_unit(s)) {
            unit_row = Some(data_start);
            data_start += 1;
        }
    }

    // The columns.
    let mut kinds: Vec<Kind> = vec![Kind::Blank; width];
    let mut last_indicator: Option<IndicatorId> = None;
    // (indicator, measure, period) → the first column read as it.
    let mut read_as: HashMap<(IndicatorId, Measure, Option<Period>), usize> = HashMap::new();
    for (c, kind) in kinds.iter_mut().enumerate() {
        if key_col(c) || ignored(c) {
            *kind = Kind::Skip;
            continue;
        }
        let sub = sub_text(c);
        let mut top = text_at(grid, h1, c);
        if top.is_empty() && !sub.is_empty() && grid.merge_at(h1, c).is_none() {
            // CSV: a merged header's text stands in its first column; fill it rightwards.
            if let Some(k) = (0..c).rev().find(|&k| !grid.cell(h1, k).is_empty())
                && !key_col(k)
                && !ignored(k)
            {
                top = text_at(grid, h1, k);
            }
        }
        if top.is_empty() && sub.is_empty() {
            continue;
        }
        *kind = Kind::Unread;
        let (header_row, header_text) = if sub.is_empty() {
            (h1, top.clone())
        } else {
            (h2, sub.clone())
        };
        let meaning = match (top.is_empty(), sub.is_empty()) {
            (_, true) => single(sink, h1, c, &top, last_indicator, year),
            (true, false) => single(sink, h2, c, &sub, last_indicator, year),
            (false, false) => pair(sink, (h1, h2), c, (&top, &sub), last_indicator, year),
        };
        let Some(m) = meaning else {
            continue;
        };
        last_indicator = Some(m.indicator);
        let table = table_period.as_ref().map(|s| s.period);
        let period = match m.when {
            When::Table => table,
            When::LastMonth => table.and_then(last_month),
            When::Cumulative => table.and_then(from_january),
            When::Stated(p) => {
                if let Some(stated) = &table_period
                    && stated.from_file
                    && p.year_number() == stated.period.year_number()
                    && !stated.agrees(p)
                {
                    sink.period_disagrees(header_row, c, &header_text, p, stated);
                    continue;
                }
                Some(p)
            }
        };
        if period.is_none() && table.is_some() {
            sink.problem(
                header_row,
                Some(c),
                header_text,
                "周报表没有“本月”或“累计”的时期",
            );
            continue;
        }
        if let Some(&first) = read_as.get(&(m.indicator, m.measure, period)) {
            let what = catalog
                .indicator(m.indicator)
                .map_or_else(String::new, |i| i.data.name.clone());
            sink.problem(
                header_row,
                Some(c),
                header_text,
                format!(
                    "与{}列重复：都是“{what}”的{}{}，同一数值给了两列，无法判断该用哪一列",
                    column_letters(first),
                    m.measure.label_zh(),
                    period.map_or_else(String::new, |p| format!("（{}）", p.label_zh()))
                ),
            );
            continue;
        }
        read_as.insert((m.indicator, m.measure, period), c);
        let row_unit = unit_row
            .map(|r| (r, grid.cell(r, c).text()))
            .filter(|(_, t)| !t.is_empty());
        let declared = match (&m.unit, &row_unit) {
            (Some(u), _) | (None, Some((_, u))) => Declared::One(u),
            (None, None) => Declared::AnyOf(&table_units),
        };
        let Some(ind) = catalog.indicator(m.indicator) else {
            continue;
        };
        match unit_conversion(ind, m.measure, declared) {
            Ok(convert) => {
                *kind = Kind::Data {
                    indicator: m.indicator,
                    measure: m.measure,
                    period,
                    convert,
                    unit: match declared {
                        Declared::One(u) => Some(u.to_string()),
                        Declared::AnyOf(_) => None,
                    },
                }
            }
            Err(reason) => {
                let (r, value) = match (&m.unit, &row_unit) {
                    (Some(u), _) => (header_row, u.clone()),
                    (None, Some((r, u))) => (*r, u.clone()),
                    (None, None) => (h1, table_units.join("、")),
                };
                sink.problem(r, Some(c), value, reason);
            }
        }
    }

    // The data.
    let data_columns = kinds
        .iter()
        .filter(|k| matches!(k, Kind::Data { .. }))
        .count();
    let mut blank_reported: HashSet<usize> = HashSet::new();
    for r in data_start..grid.row_count() {
        let Some((_, first)) = grid.first_in_row(r) else {
            continue;
        };
        if is_footnote(&first.text()) {
            break;
        }
        let has_values = grid
            .row(r)
            .any(|(c, cell)| !cell.is_empty() && !matches!(kinds.get(c), Some(Kind::Skip) | None));
        if !has_values {
            // A section heading such as 一、主城都市区.
            continue;
        }
        sink.data_rows += 1;
        // Merge-aware: 合计 is often merged across 序号 and 地区.
        let cell_text = |c: Option<usize>| c.map(|c| (c, text_at(grid, r, c)));
        let who = sink.resolve_entity(r, cell_text(code_col), cell_text(name_col));
        // Data columns without a stored cell in this row are blank values.
        let present = grid
            .row(r)
            .filter(|(c, _)| matches!(kinds.get(*c), Some(Kind::Data { .. })))
            .count();
        sink.skipped_missing += data_columns - present;
        for (c, cell) in grid.row(r) {
            match kinds.get(c) {
                None | Some(Kind::Skip | Kind::Unread) => {}
                Some(Kind::Blank) => {
                    if !cell.is_empty() && blank_reported.insert(c) {
                        sink.problem(r, Some(c), cell.text(), "这一列有数据，但没有表头");
                    }
                }
                Some(Kind::Data {
                    indicator,
                    measure,
                    period,
                    convert,
                    unit,
                }) => match parse_value(cell) {
                    Err(_) => sink.problem(r, Some(c), cell.text(), "无法识别为数字"),
                    Ok(None) => sink.skipped_missing += 1,
                    Ok(Some((v, cell_unit))) => {
                        let convert = match cell_unit {
                            None => Ok(*convert),
                            Some(u) => {
                                let declared = match unit {
                                    Some(d) => Declared::One(d),
                                    None => Declared::AnyOf(&table_units),
                                };
                                match catalog.indicator(*indicator) {
                                    Some(ind) => cell_unit_conversion(ind, *measure, &u, declared),
                                    None => Ok(*convert),
                                }
                            }
                        };
                        match convert {
                            Err(reason) => sink.problem(r, Some(c), cell.text(), reason),
                            Ok(convert) => {
                                if let (Some(who), Some(period)) = (who.clone(), *period) {
                                    sink.push(Value {
                                        who,
                                        indicator: *indicator,
                                        period,
                                        measure: *measure,
                                        number: convert.apply(v),
                                        status: sink.opts.default_status,
                                        row: r,
                                        col: c,
                                    });
                                }
                            }
                        }
                    }
                },
            }
        }
    }
}

/// A unit in a header's brackets, when the brackets hold one (not 可比价 or 不含万盛).
fn bracket_unit(text: &str) -> Option<String> {
    split_bracket(text).1.filter(|u| looks_like_unit(u))
}

/// A column with one header text: an indicator (possibly with a growth or level suffix), or a
/// bare growth header that belongs to the nearest indicator on its left.
fn single(
    sink: &mut Sink<'_>,
    r: usize,
    c: usize,
    text: &str,
    left: Option<IndicatorId>,
    year: Option<i32>,
) -> Option<Meaning> {
    let unit = bracket_unit(text);
    match name_header(sink.catalog, text, year) {
        Named::Indicator { id, measure } => Some(Meaning {
            indicator: id,
            measure,
            when: When::Table,
            unit,
        }),
        Named::BareGrowth(when) => match left {
            Some(id) => Some(Meaning {
                indicator: id,
                measure: Measure::Growth,
                when,
                unit,
            }),
            None => {
                sink.problem(
                    r,
                    Some(c),
                    text,
                    "无法确定是哪个指标的增速：左侧没有指标列，请写明指标名称",
                );
                None
            }
        },
        Named::Unknown => {
            sink.problem(
                r,
                Some(c),
                text,
                "不是已知的指标（按代码、名称和别名都找不到）",
            );
            None
        }
    }
}

/// A column under a two-row header: the top names the indicator (地区生产总值), the sub-header
/// the measure or period (总量, 增速（%）, 1—9月, 本月). When the two together name an indicator
/// (地区生产总值 + 增速 = an indicator called 地区生产总值增速), that indicator's level it is; when
/// the top names none (主要指标), the sub-header is read alone.
fn pair(
    sink: &mut Sink<'_>,
    (h1, h2): (usize, usize),
    c: usize,
    (top, sub): (&str, &str),
    left: Option<IndicatorId>,
    year: Option<i32>,
) -> Option<Meaning> {
    let whole = format!("{}{}", base(top), base(sub));
    if let IndicatorMatch::One(id) = sink.catalog.find_indicator(&whole) {
        return Some(Meaning {
            indicator: id,
            measure: Measure::Value,
            when: When::Table,
            unit: bracket_unit(sub),
        });
    }
    let (id, top_measure) = match name_header(sink.catalog, top, year) {
        Named::Indicator { id, measure } => (id, measure),
        Named::BareGrowth(_) | Named::Unknown => {
            if classify_sub(sub, year).is_some() {
                sink.problem(
                    h1,
                    Some(c),
                    top,
                    "不是已知的指标（按代码、名称和别名都找不到）",
                );
                return None;
            }
            return single(sink, h2, c, sub, left, year);
        }
    };
    let (measure, when) = match classify_sub(sub, year) {
        Some((Measure::Growth, when)) => (Measure::Growth, when),
        Some((Measure::Value, when)) => (top_measure, when),
        None => {
            sink.problem(
                h2,
                Some(c),
                sub,
                "无法识别的子表头（应为 总量、绝对值、增速、比上年增长 等）",
            );
            return None;
        }
    };
    let unit = match measure {
        Measure::Growth => bracket_unit(sub),
        Measure::Value => bracket_unit(sub).or_else(|| bracket_unit(top)),
    };
    Some(Meaning {
        indicator: id,
        measure,
        when,
        unit,
    })
}
