//! XLSX: the parts checked first (`zipcheck`), then one sheet's cells streamed into a [`Grid`]
//! (calamine's cell reader, never its dense range: a stray cell at XFD1048576 is one cell),
//! with its merged ranges. Formula cells without a calculated value are refused, naming them.

use std::io::Cursor;

use calamine::{DataRef, ExcelDateTime, Reader, SheetType, SheetVisible, Xlsx};
use rustc_hash::FxHashMap;

use super::ReadError;
use super::zipcheck::{self, Workbook};
use crate::escape::escape_control;
use crate::grid::{CellRef, Grid, GridBuilder, LIMITS, MergedRange, column_letters};

/// How many formula cells without a value are named in the message.
const FORMULAS_NAMED: usize = 20;

pub(super) fn read(file: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Grid, ReadError> {
    let workbook = zipcheck::check(file, bytes)?;
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Xlsx {
        file: file.to_string(),
        detail: escape_control(&e.to_string()).into_owned(),
    })?;
    let worksheets: Vec<&calamine::Sheet> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .collect();
    let name = match sheet {
        Some(wanted) => match worksheets.iter().find(|s| s.name == wanted) {
            Some(s) => s.name.clone(),
            None => {
                return Err(ReadError::SheetMissing {
                    file: file.to_string(),
                    sheet: escape_control(wanted).into_owned(),
                    available: worksheets.iter().map(|s| s.name.clone()).collect(),
                });
            }
        },
        None => worksheets
            .iter()
            .find(|s| s.visible == SheetVisible::Visible)
            .or(worksheets.first())
            .map(|s| s.name.clone())
            .ok_or_else(|| ReadError::NoSheets {
                file: file.to_string(),
            })?,
    };
    let sheet_error = |detail: String| ReadError::Sheet {
        file: file.to_string(),
        sheet: escape_control(&name).into_owned(),
        detail: escape_control(&detail).into_owned(),
    };
    let merges: Vec<MergedRange> = book
        .merge_cells_by_sheet_name(&name)
        .map_err(|e| sheet_error(e.to_string()))?
        .into_iter()
        .map(|d| MergedRange {
            first_row: d.start.0 as usize,
            first_col: d.start.1 as usize,
            last_row: d.end.0 as usize,
            last_col: d.end.1 as usize,
        })
        .collect();
    if merges.len() > MAX_MERGES {
        return Err(ReadError::TooLarge {
            file: file.to_string(),
            detail: format!(
                "工作表“{}”有{}个合并单元格区域，超过上限{MAX_MERGES}",
                escape_control(&name),
                merges.len()
            ),
        });
    }
    let mut reader = book
        .worksheet_cells_reader(&name)
        .map_err(|e| sheet_error(e.to_string()))?;
    let mut grid = GridBuilder::new(file, Some(&name), LIMITS);
    let too_large = |e: crate::grid::Overflow| ReadError::TooLarge {
        file: file.to_string(),
        detail: format!("工作表“{}”{}；请拆分后分别导入", escape_control(&name), e.0),
    };
    // Shared strings are stored once: their cells point at the first copy.
    let mut shared: FxHashMap<usize, (u32, u32)> = FxHashMap::default();
    let mut uncalculated: Vec<String> = Vec::new();
    let mut uncalculated_count = 0usize;
    let mut row = 0usize;
    let mut last_col: Option<usize> = None;
    while let Some(cell) = reader
        .next_cell_with_formula_metadata()
        .map_err(|e| sheet_error(e.to_string()))?
    {
        let (r, c) = (cell.pos.0 as usize, cell.pos.1 as usize);
        if r >= LIMITS.rows || c >= LIMITS.cols {
            return Err(sheet_error(format!(
                "单元格{}{}超出了Excel工作表的范围，文件已损坏",
                column_letters(c),
                r + 1
            )));
        }
        if r < row || (r == row && last_col.is_some_and(|l| c <= l)) {
            return Err(sheet_error(format!(
                "单元格{}{}出现在{}{}之后，单元格顺序错乱，文件已损坏；请在Excel或WPS中打开后另存",
                column_letters(c),
                r + 1,
                column_letters(last_col.unwrap_or_default()),
                row + 1
            )));
        }
        while row < r {
            grid.end_row().map_err(too_large)?;
            row += 1;
        }
        last_col = Some(c);
        if cell.formula.is_some() && !calculated(&cell.value, workbook) {
            uncalculated_count += 1;
            if uncalculated.len() < FORMULAS_NAMED {
                uncalculated.push(format!("{}{}", column_letters(c), r + 1));
            }
            continue;
        }
        match &cell.value {
            DataRef::Empty => {}
            DataRef::SharedString("") => {}
            DataRef::SharedString(s) => match shared.get(&(s.as_ptr() as usize)) {
                Some(&first) => grid.push_shared(c, first).map_err(too_large)?,
                None => {
                    if let Some(first) = grid.push_text_once(c, s).map_err(too_large)? {
                        shared.insert(s.as_ptr() as usize, first);
                    }
                }
            },
            DataRef::String(s) if s.is_empty() => {}
            other => {
                let text;
                let cell = match other {
                    DataRef::Int(i) => CellRef::Number(*i as f64),
                    DataRef::Float(f) => CellRef::Number(*f),
                    DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
                        CellRef::Text(s)
                    }
                    DataRef::Bool(b) => CellRef::Text(if *b { "TRUE" } else { "FALSE" }),
                    DataRef::DateTime(dt) => {
                        text = datetime_text(dt);
                        CellRef::Text(&text)
                    }
                    DataRef::Error(e) => {
                        text = e.to_string();
                        CellRef::Text(&text)
                    }
                    DataRef::Empty | DataRef::SharedString(_) => CellRef::Empty,
                };
                grid.push(c, cell).map_err(too_large)?;
            }
        }
    }
    if uncalculated_count > 0 {
        return Err(ReadError::Formulas {
            file: file.to_string(),
            sheet: escape_control(&name).into_owned(),
            cells: uncalculated,
            count: uncalculated_count,
        });
    }
    let mut grid_rows = grid;
    grid_rows.trim_trailing_empty_rows();
    Ok(grid_rows.finish(merges))
}

/// More merged ranges than this in one sheet are refused (real tables have dozens).
const MAX_MERGES: usize = 100_000;

/// Whether a formula cell's stored value is a calculated result. No value at all is never one;
/// and when the workbook asks to be recalculated on opening (`fullCalcOnLoad`, which generator
/// libraries write), a 0 or empty placeholder is not one either.
fn calculated(value: &DataRef<'_>, workbook: Workbook) -> bool {
    match value {
        DataRef::Empty => false,
        DataRef::Int(0) => !workbook.full_calc_on_load,
        DataRef::Float(f) if *f == 0.0 => !workbook.full_calc_on_load,
        DataRef::String(s) if s.is_empty() => !workbook.full_calc_on_load,
        DataRef::SharedString("") => !workbook.full_calc_on_load,
        _ => true,
    }
}

/// ISO 8601 text of an Excel date/time: `2024-03-31`, `2024-03-31T08:30:00`, `08:30:00`;
/// durations as hours:minutes:seconds (`36:00:00`).
fn datetime_text(dt: &ExcelDateTime) -> String {
    let value = dt.as_f64();
    if dt.is_duration() {
        let secs = (value.abs() * 86_400.0).round() as u64;
        let sign = if value < 0.0 { "-" } else { "" };
        return format!(
            "{sign}{}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
    }
    let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
    let time = if ms > 0 {
        format!("{h:02}:{mi:02}:{s:02}.{ms:03}")
    } else {
        format!("{h:02}:{mi:02}:{s:02}")
    };
    if (0.0..1.0).contains(&value) {
        time
    } else if (h, mi, s, ms) == (0, 0, 0, 0) {
        format!("{y:04}-{mo:02}-{d:02}")
    } else {
        format!("{y:04}-{mo:02}-{d:02}T{time}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_dates_become_iso_text() {
        use calamine::ExcelDateTimeType::{DateTime, TimeDelta};
        assert_eq!(
            datetime_text(&ExcelDateTime::new(45382.0, DateTime, false)),
            "2024-03-31"
        );
        assert_eq!(
            datetime_text(&ExcelDateTime::new(45382.5, DateTime, false)),
            "2024-03-31T12:00:00"
        );
        assert_eq!(
            datetime_text(&ExcelDateTime::new(0.25, DateTime, false)),
            "06:00:00"
        );
        assert_eq!(
            datetime_text(&ExcelDateTime::new(1.5, TimeDelta, false)),
            "36:00:00"
        );
    }

    #[test]
    fn placeholders_of_generated_workbooks_are_not_results() {
        let fresh = Workbook {
            full_calc_on_load: true,
        };
        let saved = Workbook {
            full_calc_on_load: false,
        };
        assert!(!calculated(&DataRef::Empty, saved));
        assert!(!calculated(&DataRef::Float(0.0), fresh));
        assert!(calculated(&DataRef::Float(0.0), saved));
        assert!(calculated(&DataRef::Float(2734.75), fresh));
        assert!(!calculated(&DataRef::String(String::new()), fresh));
    }
}
