//! Reading a [`Grid`] from a CSV or XLSX file, as uploaded or found on disk.
//!
//! CSV: a byte-order mark wins over the chosen encoding; otherwise `Auto` takes valid UTF-8 as
//! UTF-8 and anything else as GB18030 (a superset of GBK). The delimiter is a comma unless the
//! first non-empty line has tabs or semicolons and no comma. Blank lines are kept as empty rows,
//! so grid row `i` is what a spreadsheet shows as row `i + 1`.
//!
//! XLSX: one sheet (the first visible worksheet, or the named one), cells at their absolute
//! positions (grid row/column index = spreadsheet row/column − 1) and the sheet's merged ranges.

use std::borrow::Cow;
use std::fmt;
use std::io::Cursor;
use std::path::Path;
use std::str::FromStr;

use calamine::{Data, ExcelDateTime, Reader, SheetType, SheetVisible, Xlsx};
use encoding_rs::DecoderResult;

use crate::grid::{Cell, Grid, MergedRange};

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 when the bytes are valid UTF-8, GB18030 (which covers GBK) otherwise.
    #[default]
    Auto,
    Utf8,
    Gbk,
    Gb18030,
}

impl Encoding {
    /// The name shown to users and accepted by [`FromStr`].
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Auto => "auto",
            Encoding::Utf8 => "utf-8",
            Encoding::Gbk => "gbk",
            Encoding::Gb18030 => "gb18030",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An encoding name that [`Encoding::from_str`] does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("不支持的编码“{0}”，可选：auto（自动识别）、utf-8、gbk、gb18030")]
pub struct UnknownEncoding(pub String);

impl FromStr for Encoding {
    type Err = UnknownEncoding;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Encoding::Auto),
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gbk" | "gb2312" => Ok(Encoding::Gbk),
            "gb18030" => Ok(Encoding::Gb18030),
            _ => Err(UnknownEncoding(s.to_string())),
        }
    }
}

/// How to read a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// CSV only; ignored for XLSX.
    pub encoding: Encoding,
    /// XLSX only: the sheet to read; `None` means the first visible worksheet.
    pub sheet: Option<String>,
}

const SUPPORTED: &str = "CSV（.csv、.txt）和 Excel 工作簿（.xlsx、.xlsm）";

/// Why a file could not be read. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("不支持的文件格式：“{file}”；支持的格式为{SUPPORTED}{hint}")]
    Unsupported {
        file: String,
        /// Extra advice for a known format (e.g. old `.xls`), starting with "，" or empty.
        hint: &'static str,
    },
    #[error("无法读取文件“{file}”：{source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "文件“{file}”不是有效的{encoding}编码：第{line}行（字节偏移{offset}）有无法识别的字节，请确认文件编码（可选 UTF-8、GBK、GB18030）"
    )]
    BadEncoding {
        file: String,
        /// The encoding tried, as shown to the user.
        encoding: &'static str,
        /// 1-based line of the bad bytes.
        line: u64,
        /// 0-based byte offset of the bad bytes in the file.
        offset: u64,
    },
    #[error("文件“{file}”第{line}行CSV格式错误：{reason}")]
    Csv {
        file: String,
        line: u64,
        reason: String,
    },
    #[error("无法读取Excel文件“{file}”：文件已损坏或不是 .xlsx 格式（{detail}）")]
    Xlsx { file: String, detail: String },
    #[error("无法读取Excel文件“{file}”的工作表“{sheet}”：{detail}")]
    Sheet {
        file: String,
        sheet: String,
        detail: String,
    },
    #[error("文件“{file}”中没有工作表“{sheet}”，现有工作表：{}", list_names(.available))]
    SheetMissing {
        file: String,
        sheet: String,
        available: Vec<String>,
    },
    #[error("文件“{file}”中没有可读取的工作表")]
    NoSheets { file: String },
}

fn list_names(names: &[String]) -> String {
    if names.is_empty() {
        "（无）".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("“{n}”"))
            .collect::<Vec<_>>()
            .join("、")
    }
}

enum Format {
    Csv,
    Xlsx,
}

fn format_of(file: &str) -> Result<Format, ReadError> {
    let ext = Path::new(file)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" => Ok(Format::Csv),
        "xlsx" | "xlsm" => Ok(Format::Xlsx),
        other => Err(ReadError::Unsupported {
            file: file.to_string(),
            hint: match other {
                "xls" | "et" => "，旧版 .xls 文件请在 Excel 或 WPS 中另存为 .xlsx",
                "xlsb" | "ods" => "，请在 Excel 或 WPS 中另存为 .xlsx",
                _ => "",
            },
        }),
    }
}

/// Reads the file at `path`, choosing CSV or XLSX by its extension.
pub fn read_grid(path: &Path, opts: &ReadOptions) -> Result<Grid, ReadError> {
    let file = path.display().to_string();
    format_of(&file)?;
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        file: file.clone(),
        source,
    })?;
    read_grid_bytes(&file, &bytes, opts)
}

/// Reads an uploaded file's bytes, choosing CSV or XLSX by the extension of `file_name`.
pub fn read_grid_bytes(
    file_name: &str,
    bytes: &[u8],
    opts: &ReadOptions,
) -> Result<Grid, ReadError> {
    match format_of(file_name)? {
        Format::Csv => read_csv(file_name, bytes, opts.encoding),
        Format::Xlsx => read_xlsx(file_name, bytes, opts.sheet.as_deref()),
    }
}

// ---------------------------------------------------------------- CSV

fn read_csv(file: &str, bytes: &[u8], encoding: Encoding) -> Result<Grid, ReadError> {
    let text = decode(file, bytes, encoding)?;
    let delimiter = detect_delimiter(&text);
    if let Some(line) = unclosed_quote_line(&text, delimiter) {
        return Err(ReadError::Csv {
            file: file.to_string(),
            line,
            reason: "从这一行开始的引号没有闭合".to_string(),
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut record = csv::StringRecord::new();
    // The first line not yet covered by a row; the csv crate skips blank lines, we keep them.
    let mut next_line = 1u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                // A record's position is where the reader started, before the blank lines it skipped.
                let start = record.position().map_or(next_line, |p| {
                    let skipped = text.as_bytes()[p.byte() as usize..]
                        .iter()
                        .take_while(|b| matches!(b, b'\r' | b'\n'))
                        .filter(|b| **b == b'\n')
                        .count();
                    p.line() + skipped as u64
                });
                for _ in next_line..start {
                    rows.push(Vec::new());
                }
                let breaks: u64 = record
                    .iter()
                    .map(|f| f.bytes().filter(|b| *b == b'\n').count() as u64)
                    .sum();
                next_line = start + breaks + 1;
                rows.push(
                    record
                        .iter()
                        .map(|f| {
                            if f.is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text(f.to_string())
                            }
                        })
                        .collect(),
                );
            }
            Err(e) => {
                return Err(ReadError::Csv {
                    file: file.to_string(),
                    line: e.position().map_or(next_line, csv::Position::line),
                    reason: e.to_string(),
                });
            }
        }
    }
    Ok(Grid {
        file: file.to_string(),
        sheet: None,
        rows,
        merges: Vec::new(),
    })
}

fn decode<'a>(file: &str, bytes: &'a [u8], encoding: Encoding) -> Result<Cow<'a, str>, ReadError> {
    if let Some((charset, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let rest = &bytes[bom..];
        return if charset == encoding_rs::UTF_8 {
            utf8(file, rest, bom).map(Cow::Borrowed)
        } else {
            decode_with(file, rest, bom, charset, charset.name()).map(Cow::Owned)
        };
    }
    match encoding {
        Encoding::Utf8 => utf8(file, bytes, 0).map(Cow::Borrowed),
        // encoding_rs decodes GBK with its GB18030 decoder, as the WHATWG standard says.
        Encoding::Gbk => decode_with(file, bytes, 0, encoding_rs::GB18030, "GBK").map(Cow::Owned),
        Encoding::Gb18030 => {
            decode_with(file, bytes, 0, encoding_rs::GB18030, "GB18030").map(Cow::Owned)
        }
        Encoding::Auto => match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Cow::Borrowed(s)),
            Err(_) => decode_with(file, bytes, 0, encoding_rs::GB18030, "UTF-8 或 GBK/GB18030")
                .map(Cow::Owned),
        },
    }
}

/// `bytes` start at byte `skipped` of the file (after a BOM).
fn utf8<'a>(file: &str, bytes: &'a [u8], skipped: usize) -> Result<&'a str, ReadError> {
    std::str::from_utf8(bytes)
        .map_err(|e| bad_encoding(file, bytes, e.valid_up_to(), skipped, "UTF-8"))
}

fn decode_with(
    file: &str,
    bytes: &[u8],
    skipped: usize,
    charset: &'static encoding_rs::Encoding,
    label: &'static str,
) -> Result<String, ReadError> {
    let mut decoder = charset.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(capacity);
    let mut pos = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[pos..], &mut out, true);
        pos += read;
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::OutputFull => out.reserve(bytes.len() - pos + 16),
            DecoderResult::Malformed(bad, after) => {
                let at = pos.saturating_sub(usize::from(bad) + usize::from(after));
                return Err(bad_encoding(file, bytes, at, skipped, label));
            }
        }
    }
}

fn bad_encoding(
    file: &str,
    bytes: &[u8],
    at: usize,
    skipped: usize,
    label: &'static str,
) -> ReadError {
    let line = bytes[..at.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
        + 1;
    ReadError::BadEncoding {
        file: file.to_string(),
        encoding: label,
        line,
        offset: (skipped + at) as u64,
    }
}

/// Comma, unless the first non-empty line has, outside quotes, no comma but a tab or semicolon.
fn detect_delimiter(text: &str) -> u8 {
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let (mut comma, mut tab, mut semicolon, mut quoted) = (false, false, false, false);
    for c in first.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => comma = true,
            '\t' if !quoted => tab = true,
            ';' if !quoted => semicolon = true,
            _ => {}
        }
    }
    match (comma, tab, semicolon) {
        (false, true, _) => b'\t',
        (false, false, true) => b';',
        _ => b',',
    }
}

/// The 1-based line where a quoted field starts that never closes, if any. Quotes only open a
/// field at its start, as in the csv crate; inside, `""` is an escaped quote.
fn unclosed_quote_line(text: &str, delimiter: u8) -> Option<u64> {
    let mut line = 1u64;
    let mut opened_at = 0u64;
    let mut in_quotes = false;
    let mut field_start = true;
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        if b == b'\n' {
            line += 1;
        }
        if in_quotes {
            if b == b'"' {
                if bytes.peek() == Some(&b'"') {
                    bytes.next();
                } else {
                    in_quotes = false;
                }
            }
        } else if field_start && b == b'"' {
            in_quotes = true;
            opened_at = line;
            field_start = false;
        } else {
            field_start = b == delimiter || b == b'\n' || b == b'\r';
        }
    }
    in_quotes.then_some(opened_at)
}

// ---------------------------------------------------------------- XLSX

fn read_xlsx(file: &str, bytes: &[u8], sheet: Option<&str>) -> Result<Grid, ReadError> {
    let mut book = Xlsx::new(Cursor::new(bytes)).map_err(|e| ReadError::Xlsx {
        file: file.to_string(),
        detail: e.to_string(),
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
                    sheet: wanted.to_string(),
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
        sheet: name.clone(),
        detail,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| sheet_error(e.to_string()))?;
    let mut merges: Vec<MergedRange> = book
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
    merges.sort_by_key(|m| (m.first_row, m.first_col));

    let mut rows: Vec<Vec<Cell>> = Vec::new();
    if let Some((row0, col0)) = range.start() {
        rows.resize(row0 as usize, Vec::new());
        for data in range.rows() {
            let mut cells = vec![Cell::Empty; col0 as usize];
            cells.extend(data.iter().map(cell_of));
            while cells.last() == Some(&Cell::Empty) {
                cells.pop();
            }
            rows.push(cells);
        }
        while rows.last().is_some_and(Vec::is_empty) {
            rows.pop();
        }
    }
    Ok(Grid {
        file: file.to_string(),
        sheet: Some(name),
        rows,
        merges,
    })
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) if s.is_empty() => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.to_string()),
        Data::DateTime(dt) => Cell::Text(datetime_text(dt)),
        Data::Error(e) => Cell::Text(e.to_string()),
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
    fn encoding_names_parse_case_insensitively() {
        for (s, e) in [
            ("auto", Encoding::Auto),
            ("UTF-8", Encoding::Utf8),
            ("utf8", Encoding::Utf8),
            ("GBK", Encoding::Gbk),
            ("gb2312", Encoding::Gbk),
            ("Gb18030", Encoding::Gb18030),
        ] {
            assert_eq!(s.parse::<Encoding>(), Ok(e), "{s}");
        }
        let err = "latin1".parse::<Encoding>().unwrap_err().to_string();
        assert!(err.contains("不支持的编码“latin1”"), "{err}");
        for e in [
            Encoding::Auto,
            Encoding::Utf8,
            Encoding::Gbk,
            Encoding::Gb18030,
        ] {
            assert_eq!(e.to_string().parse::<Encoding>(), Ok(e));
        }
    }

    #[test]
    fn delimiter_follows_first_non_empty_line() {
        assert_eq!(detect_delimiter("\n\na\tb\n"), b'\t');
        assert_eq!(detect_delimiter("a;b"), b';');
        assert_eq!(detect_delimiter("a,b;c\td"), b',');
        assert_eq!(detect_delimiter("a"), b',');
        assert_eq!(detect_delimiter(""), b',');
        assert_eq!(detect_delimiter("\"a;b\""), b',');
        assert_eq!(detect_delimiter("\"a,b\"\tc"), b'\t');
    }

    #[test]
    fn unclosed_quotes_are_found_where_they_open() {
        assert_eq!(unclosed_quote_line("a,b\n\"c,d\n", b','), Some(2));
        assert_eq!(unclosed_quote_line("a,\"b\"\"c\"\n\"x\ny\"\n", b','), None);
        // A quote inside an unquoted field is a literal, as in the csv crate.
        assert_eq!(unclosed_quote_line("a,b\"c\n", b','), None);
        assert_eq!(unclosed_quote_line("a\t\"b\n", b'\t'), Some(1));
    }

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
}
