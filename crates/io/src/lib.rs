//! File formats of yiping.
//!
//! Principal types: [`Grid`] (a sheet's cells and merged ranges as read from CSV or XLSX),
//! [`Problem`] (what is wrong where: file, sheet, row, column, value, reason).

mod document;
mod escape;
mod grid;
mod layout;
mod read;
mod write;

pub use document::{DocumentError, MAX_DOCUMENT_BYTES, read_document};
pub use escape::escape_control;
pub use grid::{Cell, CellAt, CellRef, Grid, MergedRange, Problem, SourceRef, column_letters};
pub use layout::{
    ENTITY_HEADER, EntityRecord, INDICATOR_HEADER, Layout, LayoutHint, OBSERVATION_LONG_HEADER,
    ParentCell, ParseOptions, ParsedObservations, ParsedRow, TARGET_HEADER, parse_entities,
    parse_indicators, parse_observations, parse_targets, unit_for,
};
pub use read::{
    Encoding, MAX_FILE_BYTES, ReadError, ReadOptions, UnknownEncoding, read_grid, read_grid_bytes,
};
pub use write::{Fill, Table, WriteError, write_csv, write_xlsx, write_xlsx_bytes};
