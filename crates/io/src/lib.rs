//! File formats of yiping.
//!
//! Principal types: [`Grid`] (a sheet's cells and merged ranges as read from CSV or XLSX),
//! [`Problem`] (what is wrong where: file, sheet, row, column, value, reason).

mod grid;

pub use grid::{Cell, Grid, MergedRange, Problem, SourceRef, column_letters};
