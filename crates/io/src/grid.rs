//! A sheet as read from a file: rows of cells plus the merged ranges, before any interpretation.
//!
//! The cells are kept compactly, because a legal sheet may have 1,048,576 rows: only non-empty
//! cells are stored, row after row (a column index and a 16-byte slot each), and their text
//! lives in one buffer. A stray cell in the far corner of a sheet therefore costs one cell, not
//! the dense rectangle up to it. Readers go through [`Grid::cell`] (a borrowed [`CellRef`]) and
//! [`Grid::row`] (the stored cells of a row, in column order).

use serde::Serialize;

use crate::escape::escape_control;

/// One cell's content, owned. CSV cells are always `Text`; XLSX cells keep their type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
}

impl Cell {
    /// The cell as text, trimmed (numbers in their shortest form).
    pub fn text(&self) -> String {
        self.as_ref().text()
    }

    pub fn is_empty(&self) -> bool {
        self.as_ref().is_empty()
    }

    pub fn as_ref(&self) -> CellRef<'_> {
        match self {
            Cell::Empty => CellRef::Empty,
            Cell::Text(s) => CellRef::Text(s),
            Cell::Number(n) => CellRef::Number(*n),
        }
    }
}

/// One cell's content, borrowed from a [`Grid`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellRef<'a> {
    Empty,
    Text(&'a str),
    Number(f64),
}

impl<'a> CellRef<'a> {
    /// The cell as text, trimmed (numbers in their shortest form).
    pub fn text(&self) -> String {
        match self {
            CellRef::Empty => String::new(),
            CellRef::Text(s) => s.trim().to_string(),
            CellRef::Number(n) => n.to_string(),
        }
    }

    /// The text of a text cell, trimmed, without copying.
    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            CellRef::Text(s) => Some(s.trim()),
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            CellRef::Empty => true,
            CellRef::Text(s) => s.trim().is_empty(),
            CellRef::Number(_) => false,
        }
    }

    pub fn to_cell(self) -> Cell {
        match self {
            CellRef::Empty => Cell::Empty,
            CellRef::Text(s) => Cell::Text(s.to_string()),
            CellRef::Number(n) => Cell::Number(n),
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

impl MergedRange {
    fn contains(&self, row: usize, col: usize) -> bool {
        (self.first_row..=self.last_row).contains(&row)
            && (self.first_col..=self.last_col).contains(&col)
    }
}

/// A stored cell: a number, or a span of the grid's text buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Number(f64),
    Text { start: u32, len: u32 },
}

/// Merged ranges, found by row without scanning them all: ranges spanning a few rows are listed
/// under every row they cover; taller ones (rare: a side label merged down a table) are scanned.
#[derive(Debug, Clone, Default, PartialEq)]
struct MergeIndex {
    by_row: rustc_hash::FxHashMap<usize, Vec<u32>>,
    tall: Vec<u32>,
}

/// Ranges taller than this are scanned instead of indexed row by row.
const INDEXED_SPAN: usize = 32;

/// A table of cells read from one CSV file or one XLSX sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The file name as the user gave it (for error messages), control characters escaped.
    pub file: String,
    /// The sheet name for XLSX; `None` for CSV.
    pub sheet: Option<String>,
    merges: Vec<MergedRange>,
    merge_index: MergeIndex,
    /// Row `r` holds the stored cells `starts[r]..starts[r + 1]`.
    starts: Vec<u32>,
    /// The width of each row as read (CSV: its number of fields; XLSX: its last cell + 1).
    widths: Vec<u32>,
    cols: Vec<u16>,
    slots: Vec<Slot>,
    text: String,
}

/// A limit of [`GridBuilder`] that a file exceeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Overflow(pub String);

/// The most rows, columns and non-empty cells a grid holds, and the most text in its cells. A
/// sheet cannot have more rows or columns than Excel's (1,048,576 × 16,384); the cell and text
/// bounds keep the memory of one import well under 1 GiB.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub rows: usize,
    pub cols: usize,
    pub cells: usize,
    pub text: usize,
}

pub(crate) const LIMITS: Limits = Limits {
    rows: 1_048_576,
    cols: 16_384,
    cells: 12 * 1_048_576,
    text: 256 * 1024 * 1024,
};

/// Builds a [`Grid`] row by row, checking [`Limits`].
#[derive(Debug)]
pub(crate) struct GridBuilder {
    grid: Grid,
    limits: Limits,
    /// The width of the row being built.
    width: usize,
}

impl GridBuilder {
    pub(crate) fn new(file: &str, sheet: Option<&str>, limits: Limits) -> Self {
        Self {
            grid: Grid::new(file, sheet),
            limits,
            width: 0,
        }
    }

    /// The number of rows finished so far.
    pub(crate) fn rows(&self) -> usize {
        self.grid.widths.len()
    }

    /// Ends the current row and starts the next one.
    pub(crate) fn end_row(&mut self) -> Result<(), Overflow> {
        if self.rows() >= self.limits.rows {
            return Err(Overflow(format!(
                "超过{}行（Excel工作表的上限）",
                self.limits.rows
            )));
        }
        self.grid.widths.push(self.width as u32);
        self.grid.starts.push(self.grid.slots.len() as u32);
        self.width = 0;
        Ok(())
    }

    /// Adds a cell to the current row; columns must increase. Empty cells only widen the row.
    pub(crate) fn push(&mut self, col: usize, cell: CellRef<'_>) -> Result<(), Overflow> {
        if col >= self.limits.cols {
            return Err(Overflow(format!(
                "有超过{}列的数据（Excel工作表的上限）",
                self.limits.cols
            )));
        }
        let slot = match cell {
            CellRef::Empty => None,
            CellRef::Text("") => None,
            CellRef::Number(n) => Some(Slot::Number(n)),
            CellRef::Text(s) => {
                if self.grid.text.len() + s.len() > self.limits.text {
                    return Err(Overflow(format!(
                        "单元格文字合计超过{} MiB",
                        self.limits.text / 1024 / 1024
                    )));
                }
                let start = self.grid.text.len() as u32;
                self.grid.text.push_str(s);
                Some(Slot::Text {
                    start,
                    len: s.len() as u32,
                })
            }
        };
        self.width = self.width.max(col + 1);
        if let Some(slot) = slot {
            if self.grid.slots.len() >= self.limits.cells {
                return Err(Overflow(format!(
                    "非空单元格超过{}个",
                    group_thousands(self.limits.cells)
                )));
            }
            self.grid.cols.push(col as u16);
            self.grid.slots.push(slot);
        }
        Ok(())
    }

    /// A text cell that repeats an earlier one (a shared string): stores a reference to the
    /// first copy. `first` is what [`GridBuilder::push_text_once`] returned.
    pub(crate) fn push_shared(&mut self, col: usize, first: (u32, u32)) -> Result<(), Overflow> {
        if self.grid.slots.len() >= self.limits.cells {
            return Err(Overflow(format!(
                "非空单元格超过{}个",
                group_thousands(self.limits.cells)
            )));
        }
        self.width = self.width.max(col + 1);
        self.grid.cols.push(col as u16);
        self.grid.slots.push(Slot::Text {
            start: first.0,
            len: first.1,
        });
        Ok(())
    }

    /// Pushes a text cell and returns where its text is stored, for [`GridBuilder::push_shared`].
    pub(crate) fn push_text_once(
        &mut self,
        col: usize,
        s: &str,
    ) -> Result<Option<(u32, u32)>, Overflow> {
        let before = self.grid.slots.len();
        self.push(col, CellRef::Text(s))?;
        Ok(match self.grid.slots.get(before) {
            Some(Slot::Text { start, len }) => Some((*start, *len)),
            _ => None,
        })
    }

    /// Whether the row being built has a stored cell or a width.
    fn row_open(&self) -> bool {
        self.width > 0 || self.grid.starts.last() != Some(&(self.grid.slots.len() as u32))
    }

    /// Drops the finished rows at the end that hold no stored cell (XLSX keeps none; CSV keeps
    /// its blank lines).
    pub(crate) fn trim_trailing_empty_rows(&mut self) {
        while let [.., a, b] = self.grid.starts[..] {
            if a != b || self.row_open() {
                break;
            }
            self.grid.starts.pop();
            self.grid.widths.pop();
        }
    }

    /// Ends the row being built, if it has anything, and returns the grid.
    pub(crate) fn finish(mut self, merges: Vec<MergedRange>) -> Grid {
        if self.row_open() {
            self.grid.widths.push(self.width as u32);
            self.grid.starts.push(self.grid.slots.len() as u32);
        }
        self.grid.set_merges(merges);
        self.grid
    }
}

fn group_thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Grid {
    /// An empty grid. `file` and `sheet` are kept with control characters escaped, since they
    /// end up in messages.
    pub fn new(file: &str, sheet: Option<&str>) -> Self {
        Self {
            file: escape_control(file).into_owned(),
            sheet: sheet.map(|s| escape_control(s).into_owned()),
            merges: Vec::new(),
            merge_index: MergeIndex::default(),
            starts: vec![0],
            widths: Vec::new(),
            cols: Vec::new(),
            slots: Vec::new(),
            text: String::new(),
        }
    }

    /// A grid of the given rows (for tables built in code, such as a data-entry form).
    pub fn from_rows(
        file: &str,
        sheet: Option<&str>,
        rows: Vec<Vec<Cell>>,
        merges: Vec<MergedRange>,
    ) -> Self {
        let unlimited = Limits {
            rows: usize::MAX,
            cols: usize::from(u16::MAX) + 1,
            cells: u32::MAX as usize,
            text: u32::MAX as usize,
        };
        let mut b = GridBuilder::new(file, sheet, unlimited);
        // Columns beyond the limit cannot come from code that builds small tables.
        for row in &rows {
            for (c, cell) in row.iter().enumerate() {
                let _ = b.push(c, cell.as_ref());
            }
            b.width = row.len();
            let _ = b.end_row();
        }
        let mut g = b.grid;
        g.set_merges(merges);
        g
    }

    /// The grid with these merged ranges instead of its own.
    pub fn with_merges(mut self, merges: Vec<MergedRange>) -> Self {
        self.set_merges(merges);
        self
    }

    fn set_merges(&mut self, mut merges: Vec<MergedRange>) {
        merges.sort_by_key(|m| (m.first_row, m.first_col));
        let mut index = MergeIndex::default();
        for (i, m) in merges.iter().enumerate() {
            if m.last_row.saturating_sub(m.first_row) < INDEXED_SPAN {
                for r in m.first_row..=m.last_row {
                    index.by_row.entry(r).or_default().push(i as u32);
                }
            } else {
                index.tall.push(i as u32);
            }
        }
        self.merges = merges;
        self.merge_index = index;
    }

    /// The merged ranges, sorted by their first row and column.
    pub fn merges(&self) -> &[MergedRange] {
        &self.merges
    }

    /// The number of rows (row `i` is spreadsheet row `i + 1`).
    pub fn row_count(&self) -> usize {
        self.widths.len()
    }

    fn slot(&self, i: usize) -> CellRef<'_> {
        match self.slots[i] {
            Slot::Number(n) => CellRef::Number(n),
            Slot::Text { start, len } => {
                let (s, l) = (start as usize, len as usize);
                CellRef::Text(self.text.get(s..s + l).unwrap_or_default())
            }
        }
    }

    fn span(&self, row: usize) -> std::ops::Range<usize> {
        match (self.starts.get(row), self.starts.get(row + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// The cell at zero-based `row`, `col`, or `CellRef::Empty` outside the data.
    pub fn cell(&self, row: usize, col: usize) -> CellRef<'_> {
        let span = self.span(row);
        let cols = &self.cols[span.clone()];
        match u16::try_from(col).map(|c| cols.binary_search(&c)) {
            Ok(Ok(i)) => self.slot(span.start + i),
            _ => CellRef::Empty,
        }
    }

    /// The stored (non-blank) cells of a row, in column order, with their column.
    pub fn row(&self, row: usize) -> impl Iterator<Item = (usize, CellRef<'_>)> + '_ {
        self.span(row)
            .map(move |i| (usize::from(self.cols[i]), self.slot(i)))
    }

    /// The first cell of a row that is not blank, with its column.
    pub fn first_in_row(&self, row: usize) -> Option<(usize, CellRef<'_>)> {
        self.row(row).find(|(_, c)| !c.is_empty())
    }

    /// The width of a row as read (trailing empty cells of a CSV line count).
    pub fn row_width(&self, row: usize) -> usize {
        self.widths.get(row).map_or(0, |&w| w as usize)
    }

    /// The widest row's width.
    pub fn width(&self) -> usize {
        self.widths.iter().copied().max().unwrap_or(0) as usize
    }

    /// The rows as owned cells, every row as wide as read (for tests and small tables).
    pub fn rows(&self) -> Vec<Vec<Cell>> {
        (0..self.row_count())
            .map(|r| {
                let mut cells = vec![Cell::Empty; self.row_width(r)];
                for (c, cell) in self.row(r) {
                    if let Some(slot) = cells.get_mut(c) {
                        *slot = cell.to_cell();
                    }
                }
                cells
            })
            .collect()
    }

    /// The range a merged cell at `row`, `col` belongs to, if any.
    pub fn merge_at(&self, row: usize, col: usize) -> Option<&MergedRange> {
        let listed = self.merge_index.by_row.get(&row).into_iter().flatten();
        listed
            .chain(&self.merge_index.tall)
            .map(|&i| &self.merges[i as usize])
            .find(|m| m.contains(row, col))
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
        write!(f, "{}", escape_control(&self.file))?;
        if let Some(s) = &self.sheet {
            write!(f, " 工作表“{}”", escape_control(s))?;
        }
        write!(f, " 第{}行", self.row)?;
        if let Some(c) = &self.column {
            write!(f, " {c}列")?;
        }
        Ok(())
    }
}

/// One problem found in a file: where, the offending text, and why. Also used for warnings
/// (an identical repeated row imported once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub at: SourceRef,
    pub value: String,
    pub reason: String,
}

impl Problem {
    /// The problem with control characters in every text escaped (`\x1b`, `\u{202e}`), so that
    /// no report sends a raw escape sequence to a terminal or a page. Idempotent.
    pub fn escaped(self) -> Self {
        let esc = |s: String| match escape_control(&s) {
            std::borrow::Cow::Borrowed(_) => s,
            std::borrow::Cow::Owned(o) => o,
        };
        Self {
            at: SourceRef {
                file: esc(self.at.file),
                sheet: self.at.sheet.map(esc),
                row: self.at.row,
                column: self.at.column,
            },
            value: esc(self.value),
            reason: esc(self.reason),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let value = escape_control(&self.value);
        let reason = escape_control(&self.reason);
        if value.is_empty() {
            write!(f, "{}：{reason}", self.at)
        } else {
            write!(f, "{}：“{value}”{reason}", self.at)
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

    #[test]
    fn a_grid_stores_only_non_empty_cells_and_reads_them_back() {
        let rows = vec![
            vec![Cell::Text("地区".into()), Cell::Empty, Cell::Number(1.5)],
            vec![],
            vec![Cell::Empty, Cell::Text(" ".into())],
        ];
        let g = Grid::from_rows("a.csv", None, rows.clone(), Vec::new());
        assert_eq!(g.rows(), rows);
        assert_eq!(g.row_count(), 3);
        assert_eq!(g.width(), 3);
        assert_eq!(g.cell(0, 2), CellRef::Number(1.5));
        assert_eq!(g.cell(0, 1), CellRef::Empty);
        assert_eq!(g.cell(7, 7), CellRef::Empty);
        assert_eq!(g.first_in_row(0).map(|(c, _)| c), Some(0));
        assert_eq!(g.first_in_row(2), None, "whitespace is blank");
        assert_eq!(g.slots.len(), 3);
    }

    #[test]
    fn limits_are_enforced_while_building() {
        let small = Limits {
            rows: 2,
            cols: 3,
            cells: 2,
            text: 4,
        };
        let mut b = GridBuilder::new("a.csv", None, small);
        assert!(b.push(3, CellRef::Number(1.0)).is_err(), "column D");
        assert!(b.push(0, CellRef::Text("12345")).is_err(), "text");
        b.push(0, CellRef::Number(1.0)).unwrap();
        b.push(1, CellRef::Number(1.0)).unwrap();
        assert!(b.push(2, CellRef::Number(1.0)).is_err(), "cells");
        b.end_row().unwrap();
        b.end_row().unwrap();
        assert!(b.end_row().is_err(), "rows");
    }

    #[test]
    fn merges_are_found_by_row() {
        let m = |a, b, c, d| MergedRange {
            first_row: a,
            first_col: b,
            last_row: c,
            last_col: d,
        };
        let g = Grid::from_rows(
            "a.xlsx",
            None,
            vec![],
            vec![m(0, 0, 0, 3), m(2, 0, 500, 0), m(1, 1, 2, 2)],
        );
        assert_eq!(g.merge_at(0, 2), Some(&m(0, 0, 0, 3)));
        assert_eq!(g.merge_at(300, 0), Some(&m(2, 0, 500, 0)));
        assert_eq!(g.merge_at(2, 2), Some(&m(1, 1, 2, 2)));
        assert_eq!(g.merge_at(3, 2), None);
    }

    #[test]
    fn problems_never_carry_raw_control_characters() {
        let p = Problem {
            at: SourceRef {
                file: "a\u{1b}.csv".into(),
                sheet: None,
                row: 2,
                column: Some("B".into()),
            },
            value: "渝中\u{1b}[31m区".into(),
            reason: "原因\u{7}".into(),
        };
        let shown = p.to_string();
        assert!(!shown.chars().any(char::is_control), "{shown:?}");
        assert!(shown.contains(r"渝中\x1b[31m区"), "{shown}");
        let e = p.escaped();
        assert_eq!(e.value, r"渝中\x1b[31m区");
        assert_eq!(e.at.file, r"a\x1b.csv");
        assert_eq!(e.clone().escaped(), e);
    }
}
