//! Reading long and wide tables from grids against a catalogue: values, periods, units,
//! growth columns and every problem named by cell.

mod fuzz;
mod long;
mod support;
mod wide;
