//! A sheet as read from a file: rows of cells plus the merged ranges, before any interpretation.

use serde::Serialize;

/// One cell's content. CSV cells are always `Text`; XLSX cells keep their type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
}

impl Cell {
    /// The cell as text, trimmed (numbers in their shortest form).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number(n) => n.to_string(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            Cell::Number(_) => false,
        }
    }
}

/// A merged range, zero-based and inclusive, as XLSX stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MergedRange {
    pub first_row: usize,
    pub first_col: usize,
    pub last_row: usize,
    pub last_col: usize,
}

/// A rectangular-ish table of cells read from one CSV file or one XLSX sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grid {
    /// The file name as the user gave it (for error messages).
    pub file: String,
    /// The sheet name for XLSX; `None` for CSV.
    pub sheet: Option<String>,
    /// Rows of cells, zero-based; row `i` is spreadsheet row `i + 1`.
    pub rows: Vec<Vec<Cell>>,
    pub merges: Vec<MergedRange>,
}

impl Grid {
    /// The cell at zero-based `row`, `col`, or `Cell::Empty` outside the data.
    pub fn cell(&self, row: usize, col: usize) -> &Cell {
        static EMPTY: Cell = Cell::Empty;
        self.rows
            .get(row)
            .and_then(|r| r.get(col))
            .unwrap_or(&EMPTY)
    }

    pub fn width(&self) -> usize {
        self.rows.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The range a merged cell at `row`, `col` belongs to, if any.
    pub fn merge_at(&self, row: usize, col: usize) -> Option<&MergedRange> {
        self.merges.iter().find(|m| {
            (m.first_row..=m.last_row).contains(&row) && (m.first_col..=m.last_col).contains(&col)
        })
    }
}

/// Spreadsheet column letters for a zero-based index: 0 → A, 25 → Z, 26 → AA.
pub fn column_letters(mut col: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A cell's position, cheap to keep for every value read: `row` is the 1-based spreadsheet row,
/// `col` the 0-based column index. [`CellAt::source_ref`] turns it into a full [`SourceRef`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CellAt {
    pub row: usize,
    pub col: usize,
}

impl CellAt {
    /// The column letters (A, B, …, AA).
    pub fn column(&self) -> String {
        column_letters(self.col)
    }

    pub fn source_ref(&self, grid: &Grid) -> SourceRef {
        SourceRef {
            file: grid.file.clone(),
            sheet: grid.sheet.clone(),
            row: self.row,
            column: Some(self.column()),
        }
    }
}

/// Where a value came from, for error reports: file, sheet, row (1-based) and column letters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRef {
    pub file: String,
    pub sheet: Option<String>,
    /// 1-based spreadsheet row.
    pub row: usize,
    /// Column letters (A, B, …, AA), when the problem is in one cell.
    pub column: Option<String>,
}

impl std::fmt::Display for SourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(s) = &self.sheet {
            write!(f, " 工作表“{s}”")?;
        }
        write!(f, " 第{}行", self.row)?;
        if let Some(c) = &self.column {
            write!(f, " {c}列")?;
        }
        Ok(())
    }
}

/// One problem found in a file: where, the offending text, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub at: SourceRef,
    pub value: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}：{}", self.at, self.reason)
        } else {
            write!(f, "{}：“{}”{}", self.at, self.value, self.reason)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_spreadsheets() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }
}
