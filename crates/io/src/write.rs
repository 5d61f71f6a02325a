//! Writing simple tables for exports: CSV (UTF-8 with BOM) and XLSX (one sheet per table).
//!
//! A [`Table`] is an optional title row, one or more header rows, data rows, merged ranges and
//! cell fills. Merges and fills use *table coordinates*: row 0 is the first header row (the title
//! is not counted), so data row `i` is table row `header.len() + i`.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{
    ColNum, Color, Format, FormatAlign, FormatBorder, RowNum, Workbook, Worksheet, XlsxError,
};

use crate::grid::{Cell, MergedRange, column_letters};

/// A table to export.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// A title written above the table; in XLSX merged across the table's width.
    pub title: Option<String>,
    /// Header rows, top to bottom: usually one; two for grouped columns (地区生产总值 over 总量 and
    /// 增速), with [`Table::merges`] joining the group cells.
    pub header: Vec<Vec<String>>,
    /// Data rows.
    pub rows: Vec<Vec<Cell>>,
    /// Merged ranges, in table coordinates. Only the top-left cell's content is shown. CSV
    /// ignores merges (the other cells are written as the table holds them).
    pub merges: Vec<MergedRange>,
    /// Background colours, in table coordinates. CSV ignores them.
    pub fills: Vec<Fill>,
    /// Decimals each column's numbers are shown with in XLSX (`None`, or a column past the
    /// end: as stored). CSV writes the numbers as they are.
    pub decimals: Vec<Option<u8>>,
}

/// A background colour for one cell, in table coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    pub row: usize,
    pub col: usize,
    /// `0xRRGGBB`.
    pub rgb: u32,
}

impl Table {
    /// A table with one header row and no data yet.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        Table {
            header: vec![header.into_iter().map(Into::into).collect()],
            ..Table::default()
        }
    }

    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The table row of data row `i` (for merges and fills).
    pub fn data_row(&self, i: usize) -> usize {
        self.header.len() + i
    }

    /// The number of columns: the widest header or data row, or merge.
    pub fn width(&self) -> usize {
        let header = self.header.iter().map(Vec::len);
        let rows = self.rows.iter().map(Vec::len);
        let merges = self.merges.iter().map(|m| m.last_col + 1);
        header.chain(rows).chain(merges).max().unwrap_or(0)
    }

    /// The cell at table row `row` (header rows first), as written.
    fn cell(&self, row: usize, col: usize) -> Option<Cell> {
        if let Some(h) = self.header.get(row) {
            return h.get(col).map(|s| {
                if s.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(s.clone())
                }
            });
        }
        self.rows
            .get(row - self.header.len())
            .and_then(|r| r.get(col))
            .cloned()
    }
}

/// Why a table could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("写入CSV失败：{0}")]
    Csv(#[from] csv::Error),
    #[error("写入文件“{path}”失败：{source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("没有要写入的工作表")]
    NoSheets,
    #[error("工作表名称“{name}”无效：{reason}")]
    SheetName { name: String, reason: &'static str },
    #[error("工作表“{sheet}”的合并区域{range}无效：{reason}")]
    Merge {
        sheet: String,
        range: String,
        reason: String,
    },
    #[error("工作表“{sheet}”超出Excel的上限（1048576行、16384列）")]
    TooLarge { sheet: String },
    #[error("生成Excel文件失败：{0}")]
    Xlsx(#[from] XlsxError),
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Writes `table` as CSV: UTF-8 with a BOM (so Excel on Chinese Windows detects it), CRLF line
/// ends, the title as a one-cell first row, then header and data rows. Numbers in shortest
/// round-trip form without exponent (`1234.5`, `0.0001`); NaN and infinities as empty cells.
pub fn write_csv(table: &Table, mut w: impl Write) -> Result<(), WriteError> {
    w.write_all(BOM).map_err(csv::Error::from)?;
    let builder = |quote| {
        let mut b = csv::WriterBuilder::new();
        b.flexible(true)
            .terminator(csv::Terminator::CRLF)
            .quote_style(quote);
        b
    };
    let title = table.title.iter().map(|t| vec![t.clone()]);
    let header = table.header.iter().cloned();
    let rows = table
        .rows
        .iter()
        .map(|r| r.iter().map(csv_text).collect::<Vec<_>>());
    let mut records = title.chain(header).chain(rows);
    // The reader takes tabs or semicolons in a first line without commas as the delimiter, so
    // the first line with content has its fields quoted when it holds any. (Lines of spaces
    // only do not count as the first line.)
    for record in records.by_ref() {
        let quote = if record.iter().any(|f| f.contains(['\t', ';'])) {
            csv::QuoteStyle::Always
        } else {
            csv::QuoteStyle::Necessary
        };
        let mut line = builder(quote).from_writer(&mut w);
        line.write_record(&record)?;
        line.flush().map_err(csv::Error::from)?;
        if !matches!(record.as_slice(), [f] if !f.is_empty() && f.bytes().all(|b| b == b' ')) {
            break;
        }
    }
    let mut out = builder(csv::QuoteStyle::Necessary).from_writer(w);
    for record in records {
        out.write_record(&record)?;
    }
    out.flush().map_err(csv::Error::from)?;
    Ok(())
}

fn csv_text(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Text(s) => s.clone(),
        Cell::Number(n) if n.is_finite() => n.to_string(),
        Cell::Number(_) => String::new(),
    }
}

/// Writes one sheet per `(sheet name, table)` to an XLSX file at `path`.
pub fn write_xlsx(tables: &[(&str, &Table)], path: &Path) -> Result<(), WriteError> {
    let bytes = write_xlsx_bytes(tables)?;
    std::fs::write(path, bytes).map_err(|source| WriteError::Io {
        path: path.display().to_string(),
        source,
    })
}

/// Like [`write_xlsx`], returning the file's bytes (for downloads).
///
/// Each sheet: the title (bold, merged across the width), bold centred header rows frozen at
/// the top, numbers as numbers, the table's merges and fills, and column widths fitted to the
/// text (a Chinese character counts double).
pub fn write_xlsx_bytes(tables: &[(&str, &Table)]) -> Result<Vec<u8>, WriteError> {
    if tables.is_empty() {
        return Err(WriteError::NoSheets);
    }
    let mut seen: Vec<String> = Vec::new();
    for (name, _) in tables {
        check_sheet_name(name)?;
        let folded = name.to_lowercase();
        if seen.contains(&folded) {
            return Err(WriteError::SheetName {
                name: (*name).to_string(),
                reason: "与其他工作表重名",
            });
        }
        seen.push(folded);
    }
    let mut book = Workbook::new();
    for (name, table) in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(*name)?;
        write_sheet(sheet, name, table)?;
    }
    Ok(book.save_to_buffer()?)
}

fn check_sheet_name(name: &str) -> Result<(), WriteError> {
    let reason = if name.is_empty() {
        "不能为空"
    } else if name.encode_utf16().count() > 31 {
        "不能超过31个字符"
    } else if name.contains(['*', '?', ':', '[', ']', '\\', '/']) {
        "不能包含 * ? : [ ] \\ / 等字符"
    } else if name.starts_with('\'') || name.ends_with('\'') {
        "不能以单引号开头或结尾"
    } else {
        return Ok(());
    };
    Err(WriteError::SheetName {
        name: name.to_string(),
        reason,
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Header,
    Data,
}

struct Formats {
    title: Format,
    /// By kind, fill and decimals: every header and data cell is bordered.
    cells: HashMap<(Kind, Option<u32>, Option<u8>), Format>,
}

impl Formats {
    fn get(&mut self, kind: Kind, fill: Option<u32>, decimals: Option<u8>) -> &Format {
        let decimals = if kind == Kind::Header { None } else { decimals };
        self.cells.entry((kind, fill, decimals)).or_insert_with(|| {
            let mut f = if kind == Kind::Header {
                header_format()
            } else {
                Format::new().set_align(FormatAlign::VerticalCenter)
            }
            .set_border(FormatBorder::Thin);
            if let Some(rgb) = fill {
                f = f.set_background_color(Color::RGB(rgb));
            }
            if let Some(d) = decimals {
                let pattern = if d == 0 {
                    "0".to_string()
                } else {
                    format!("0.{}", "0".repeat(usize::from(d.min(6))))
                };
                f = f.set_num_format(pattern);
            }
            f
        })
    }
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
}

fn write_sheet(sheet: &mut Worksheet, name: &str, table: &Table) -> Result<(), WriteError> {
    let too_large = || WriteError::TooLarge {
        sheet: name.to_string(),
    };
    let width = table.width();
    let height = table.header.len() + table.rows.len();
    let top = usize::from(table.title.is_some());
    check_merges(name, table, height)?;
    let row_num = |r: usize| {
        RowNum::try_from(r + top)
            .ok()
            .filter(|r| *r < 1_048_576)
            .ok_or_else(too_large)
    };
    let col_num = |c: usize| {
        ColNum::try_from(c)
            .ok()
            .filter(|c| *c < 16_384)
            .ok_or_else(too_large)
    };
    if height > 0 {
        row_num(height - 1)?;
    }
    if width > 0 {
        col_num(width - 1)?;
    }

    let mut formats = Formats {
        title: Format::new()
            .set_bold()
            .set_font_size(14)
            .set_align(FormatAlign::Center),
        cells: HashMap::new(),
    };
    if let Some(title) = &table.title {
        if width > 1 {
            sheet.merge_range(0, 0, 0, col_num(width - 1)?, title, &formats.title)?;
        } else {
            sheet.write_string_with_format(0, 0, title, &formats.title)?;
        }
    }
    let fills: HashMap<(usize, usize), u32> = table
        .fills
        .iter()
        .map(|f| ((f.row, f.col), f.rgb))
        .collect();
    let kind = |r: usize| {
        if r < table.header.len() {
            Kind::Header
        } else {
            Kind::Data
        }
    };
    let decimals = |c: usize| table.decimals.get(c).copied().flatten();

    for r in 0..height {
        let len = table
            .header
            .get(r)
            .map_or_else(|| table.rows[r - table.header.len()].len(), Vec::len);
        for c in 0..len {
            let cell = table.cell(r, c).unwrap_or(Cell::Empty);
            let format = formats.get(kind(r), fills.get(&(r, c)).copied(), decimals(c));
            write_cell(sheet, row_num(r)?, col_num(c)?, &cell, Some(format))?;
        }
    }
    // Fills on cells the table leaves empty or does not reach.
    for (&(r, c), &rgb) in &fills {
        if table.cell(r, c).is_none_or(|cell| cell == Cell::Empty) {
            let format = formats.get(
                if r < height { kind(r) } else { Kind::Data },
                Some(rgb),
                decimals(c),
            );
            sheet.write_blank(row_num(r)?, col_num(c)?, format)?;
        }
    }
    for m in &table.merges {
        if m.first_row == m.last_row && m.first_col == m.last_col {
            continue;
        }
        let (r, c) = (m.first_row, m.first_col);
        let cell = table.cell(r, c).unwrap_or(Cell::Empty);
        let format = formats
            .get(kind(r), fills.get(&(r, c)).copied(), decimals(c))
            .clone();
        let (r0, c0) = (row_num(r)?, col_num(c)?);
        let text = match &cell {
            Cell::Text(s) => s.as_str(),
            _ => "",
        };
        sheet.merge_range(
            r0,
            c0,
            row_num(m.last_row)?,
            col_num(m.last_col)?,
            text,
            &format,
        )?;
        if let Cell::Number(_) = cell {
            write_cell(sheet, r0, c0, &cell, Some(&format))?;
        }
    }
    if !table.header.is_empty() {
        sheet.set_freeze_panes(row_num(table.header.len())?, 0)?;
        // Printed: the header rows again on every page.
        sheet.set_repeat_rows(row_num(0)?, row_num(table.header.len() - 1)?)?;
    }
    // Printed on A4 landscape, centred. A table of up to 16 columns is scaled to one page wide
    // (as many pages down as it takes); a wider one (a wide export of every indicator) would be
    // unreadably small so: it runs over pages across, each repeating the first two columns
    // (代码, 名称).
    sheet.set_landscape();
    sheet.set_paper_size(9);
    if width <= 16 {
        sheet.set_print_fit_to_pages(1, 0);
    } else {
        sheet.set_repeat_columns(0, col_num(1)?)?;
    }
    sheet.set_print_center_horizontally(true);
    sheet.set_margins(0.4, 0.4, 0.5, 0.5, 0.3, 0.3);
    if let Some(title) = &table.title {
        // Page numbers in the footer; the title is the first row of page 1.
        let footer = format!("&C{} 第 &P 页，共 &N 页", title.replace('&', "&&"));
        sheet.set_footer(footer);
    }
    for (c, chars) in column_widths(table).into_iter().enumerate() {
        sheet.set_column_width(col_num(c)?, (chars + 2).clamp(6, 60) as f64)?;
    }
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    cell: &Cell,
    format: Option<&Format>,
) -> Result<(), XlsxError> {
    match (cell, format) {
        (Cell::Number(n), Some(f)) if n.is_finite() => {
            sheet.write_number_with_format(row, col, *n, f)?
        }
        (Cell::Number(n), None) if n.is_finite() => sheet.write_number(row, col, *n)?,
        (Cell::Text(s), Some(f)) if !s.is_empty() => {
            sheet.write_string_with_format(row, col, s, f)?
        }
        (Cell::Text(s), None) if !s.is_empty() => sheet.write_string(row, col, s)?,
        (_, Some(f)) => sheet.write_blank(row, col, f)?,
        (_, None) => sheet,
    };
    Ok(())
}

/// Merges must be ordered, inside the header and data rows, and disjoint. Messages give the
/// range as the sheet shows it (below the title, if any).
fn check_merges(sheet: &str, table: &Table, height: usize) -> Result<(), WriteError> {
    let top = usize::from(table.title.is_some());
    let a1 = |m: &MergedRange| {
        format!(
            "{}{}:{}{}",
            column_letters(m.first_col),
            m.first_row + top + 1,
            column_letters(m.last_col),
            m.last_row + top + 1
        )
    };
    let bad = |m: &MergedRange, reason: String| WriteError::Merge {
        sheet: sheet.to_string(),
        range: a1(m),
        reason,
    };
    for (i, m) in table.merges.iter().enumerate() {
        if m.first_row > m.last_row || m.first_col > m.last_col {
            return Err(bad(m, "起止行列顺序颠倒".to_string()));
        }
        if m.last_row >= height {
            return Err(bad(
                m,
                format!("超出表格的{height}行（表头与数据行，从表头第一行算起）"),
            ));
        }
        if let Some(other) = table.merges[..i].iter().find(|o| {
            o.first_row <= m.last_row
                && m.first_row <= o.last_row
                && o.first_col <= m.last_col
                && m.first_col <= o.last_col
        }) {
            return Err(bad(m, format!("与合并区域{}重叠", a1(other))));
        }
    }
    Ok(())
}

/// Column widths in display units (a CJK or full-width character counts 2), ignoring cells
/// that merge across columns.
fn column_widths(table: &Table) -> Vec<usize> {
    let mut widths = vec![0; table.width()];
    let spans = |r: usize, c: usize| {
        table.merges.iter().any(|m| {
            m.first_col < m.last_col
                && (m.first_row..=m.last_row).contains(&r)
                && (m.first_col..=m.last_col).contains(&c)
        })
    };
    for (c, w) in widths.iter_mut().enumerate() {
        for r in 0..table.header.len() + table.rows.len() {
            if spans(r, c) {
                continue;
            }
            let text = match table.cell(r, c) {
                Some(Cell::Text(s)) => s,
                Some(Cell::Number(n)) => n.to_string().chars().take(12).collect(),
                _ => continue,
            };
            *w = (*w).max(text.lines().map(display_width).max().unwrap_or(0));
        }
    }
    widths
}

fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_counts_double() {
        assert_eq!(display_width("地区生产总值"), 12);
        assert_eq!(display_width("GDP（亿元）"), 3 + 2 + 4 + 2);
        assert_eq!(display_width("1234.5"), 6);
    }

    #[test]
    fn numbers_in_csv_have_no_exponent() {
        assert_eq!(csv_text(&Cell::Number(1234.5)), "1234.5");
        assert_eq!(csv_text(&Cell::Number(1e15)), "1000000000000000");
        assert_eq!(csv_text(&Cell::Number(0.0001)), "0.0001");
        assert_eq!(csv_text(&Cell::Number(f64::NAN)), "");
    }

    #[test]
    fn bad_sheet_names_are_refused_in_chinese() {
        let t = Table::new(["a"]);
        for name in [
            "",
            "a/b",
            "'x",
            "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二",
        ] {
            let err = write_xlsx_bytes(&[(name, &t)]).unwrap_err().to_string();
            assert!(err.starts_with("工作表名称"), "{err}");
        }
        let err = write_xlsx_bytes(&[("表", &t), ("表", &t)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("重名"), "{err}");
    }

    #[test]
    fn overlapping_and_outside_merges_are_refused() {
        let mut t = Table::new(["a", "b", "c"]);
        t.rows.push(vec![Cell::Empty; 3]);
        t.merges = vec![
            MergedRange {
                first_row: 0,
                first_col: 0,
                last_row: 0,
                last_col: 1,
            },
            MergedRange {
                first_row: 0,
                first_col: 1,
                last_row: 1,
                last_col: 2,
            },
        ];
        let err = write_xlsx_bytes(&[("表", &t)]).unwrap_err().to_string();
        assert!(
            err.contains("B1:C2") && err.contains("重叠") && err.contains("A1:B1"),
            "{err}"
        );
        t.merges = vec![MergedRange {
            first_row: 1,
            first_col: 0,
            last_row: 2,
            last_col: 0,
        }];
        let err = write_xlsx_bytes(&[("表", &t)]).unwrap_err().to_string();
        assert!(err.contains("超出"), "{err}");
    }
}
