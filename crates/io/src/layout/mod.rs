//! Reading observations and master data out of a [`Grid`].
//!
//! Observations come in two layouts:
//!
//! - **long**: one value a row, with columns such as 主体代码, 主体, 指标代码, 指标, 时期, 口径,
//!   数值, 计量单位, 状态 (exactly what the exporter writes: [`OBSERVATION_LONG_HEADER`]);
//! - **wide**: one row per entity and one column per indicator, one period per table, as bureaus
//!   send them: a title row (which usually states the period), a unit line (单位：亿元、%), one or
//!   two header rows (地区生产总值 over 总量 / 增速), a 合计 or 全市 row, footnotes under the table.
//!
//! A reported growth rate (增速, 比上年增长(%), 同比) is stored as [`Measure::Growth`] of its
//! indicator, beside the level ([`Measure::Value`]); nothing is derived here.
//!
//! Parsing is all-or-nothing: every problem in the table (unknown entity or indicator, bad
//! number or period, conflicting duplicate, a unit that cannot be converted exactly, a value
//! outside the indicator's valid range, periods that disagree, a table without data) is
//! reported with its file, sheet, row and column, and no rows are returned when there is any.
//! An identical repeated row is read once and reported as a warning. Every message has its
//! control characters escaped.
//!
//! Master data ([`parse_entities`], [`parse_indicators`], [`parse_targets`]) are simple long
//! tables with the headers in [`ENTITY_HEADER`], [`INDICATOR_HEADER`] and [`TARGET_HEADER`].
//!
//! [`Measure::Growth`]: yiping_kernel::Measure::Growth
//! [`Measure::Value`]: yiping_kernel::Measure::Value

mod collect;
mod header;
mod long;
mod number;
mod stated;
mod tables;
mod wide;

use serde::Serialize;
use yiping_kernel::{
    Catalog, Indicator, Measure, ObservationKey, ObservationStatus, ObservationValue, Period,
};

use crate::{CellAt, Grid, Problem};

pub use tables::{
    ENTITY_HEADER, EntityRecord, INDICATOR_HEADER, ParentCell, TARGET_HEADER, parse_entities,
    parse_indicators, parse_targets,
};

/// The header the exporter writes for observations in the long layout, and that the long parser
/// reads back. 主体代码 wins over 主体 when filled (functional areas have no code); 指标代码 wins
/// over 指标; 时期 is a period code or a Chinese form; 口径 is 数值 or 增速; 计量单位 is the
/// indicator's unit for 数值 and % for 增速 (see [`unit_for`]); 状态 is 草稿, 已报送 or 已审核.
pub const OBSERVATION_LONG_HEADER: [&str; 9] = [
    "主体代码",
    "主体",
    "指标代码",
    "指标",
    "时期",
    "口径",
    "数值",
    "计量单位",
    "状态",
];

/// The unit to write beside a value of `indicator` measured as `measure`: the indicator's unit
/// for a level, `%` for a reported growth rate.
pub fn unit_for(indicator: &Indicator, measure: Measure) -> &str {
    match measure {
        Measure::Value => &indicator.data.unit,
        Measure::Growth => "%",
    }
}

/// Which layout to read a table as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LayoutHint {
    /// Long when a header row has an indicator column (指标, 指标名称, 指标代码) and a value
    /// column (数值, 值), wide otherwise.
    #[default]
    Auto,
    Long,
    Wide,
}

/// The layout a table was read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Layout {
    Long,
    Wide,
}

/// What the caller knows that the table may not say.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseOptions {
    pub layout: LayoutHint,
    /// The period of a table whose title and sheet name state none (and of long rows without a
    /// 时期 cell).
    pub default_period: Option<Period>,
    /// The year of periods written without one (1—9月); defaults to `default_period`'s year.
    pub default_year: Option<i32>,
    /// The status of values without a 状态 cell.
    pub default_status: ObservationStatus,
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self {
            layout: LayoutHint::Auto,
            default_period: None,
            default_year: None,
            default_status: ObservationStatus::Submitted,
        }
    }
}

/// One value read from a table and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedRow {
    pub key: ObservationKey,
    pub value: ObservationValue,
    /// The value's cell.
    pub at: CellAt,
}

/// Every value of a table that has no problem.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedObservations {
    pub layout: Layout,
    /// In table order; keys are unique (identical duplicates are dropped).
    pub rows: Vec<ParsedRow>,
    /// The distinct periods of `rows`, sorted.
    pub periods: Vec<Period>,
    /// Value cells left blank or marked missing (—, -, …, /).
    pub skipped_missing: usize,
    /// Whether the table has a 状态 column. When it has none, every value carries the caller's
    /// default status, and re-importing it should not undo an approval of an unchanged value
    /// (`StatusPolicy::KeepWhenValueUnchanged`).
    pub status_column: bool,
    /// What was accepted but should be looked at: an identical repeated row (imported once),
    /// naming both rows.
    pub warnings: Vec<Problem>,
}

/// Reads the observations of one table (a CSV file or an XLSX sheet). Returns every value, or
/// every problem found (never a partial result).
pub fn parse_observations(
    grid: &Grid,
    catalog: &Catalog,
    opts: &ParseOptions,
) -> Result<ParsedObservations, Vec<Problem>> {
    let long_header = long::find_header(grid);
    let layout = match (opts.layout, &long_header) {
        (LayoutHint::Long, _) | (LayoutHint::Auto, Some(_)) => Layout::Long,
        (LayoutHint::Wide, _) | (LayoutHint::Auto, None) => Layout::Wide,
    };
    let mut sink = collect::Sink::new(grid, catalog, opts);
    match layout {
        Layout::Long => long::parse(&mut sink, long_header),
        Layout::Wide => wide::parse(&mut sink),
    }
    sink.finish(layout)
}
