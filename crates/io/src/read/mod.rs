//! Reading a [`Grid`] from a CSV or XLSX file, as uploaded or found on disk.
//!
//! CSV (`csv.rs`): a byte-order mark wins over the chosen encoding; otherwise `Auto` takes valid
//! UTF-8 as UTF-8 and anything else as GB18030 (a superset of GBK). UTF-16, with or without a
//! byte-order mark, is refused with advice to save as "CSV UTF-8". The delimiter is a comma
//! unless the first non-empty line has tabs or semicolons and no comma. Blank lines are kept as
//! empty rows, so grid row `i` is what a spreadsheet shows as row `i + 1`.
//!
//! XLSX (`xlsx.rs`): one sheet (the first visible worksheet, or the named one), cells at their
//! absolute positions (grid row/column index = spreadsheet row/column − 1) and the sheet's merged
//! ranges. The zip parts are checked before anything is parsed (`zipcheck.rs`: declared and
//! actual sizes, compression ratio, the longest run of text), the cells are streamed (never the
//! dense rectangle the sheet's dimension declares), and a formula without a calculated value is
//! refused, naming the cells.
//!
//! Resources: a file over [`MAX_FILE_BYTES`] is refused before it is read, and a grid stops
//! growing at the bounds of `grid::LIMITS`, so one import stays well under 1 GiB of memory.

mod csv;
mod xlsx;
mod zipcheck;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::escape::escape_control;
use crate::grid::Grid;

/// The largest file read (CSV or XLSX). A month's tables are far smaller; a 1,048,576-row sheet
/// fits.
pub const MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;

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
            _ => Err(UnknownEncoding(escape_control(s).into_owned())),
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

/// Why a file could not be read. Every message names the file (control characters escaped).
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
    #[error(
        "文件“{file}”是UTF-16编码（{detail}），无法导入：请在Excel或WPS中“另存为”，保存类型选“CSV UTF-8（逗号分隔）”，再导入"
    )]
    Utf16 {
        file: String,
        /// How it was recognised (a byte-order mark, or the zero bytes of ASCII text).
        detail: &'static str,
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
    /// The file, or a part of it, is larger than an import reads (zip bombs included).
    #[error("文件“{file}”过大，拒绝读取：{detail}")]
    TooLarge { file: String, detail: String },
    /// Formula cells without a calculated value: a workbook saved without recalculation.
    #[error(
        "Excel文件“{file}”的工作表“{sheet}”中有{count}个公式单元格没有计算结果（{}）：文件保存时未经Excel计算，导入会把它们读成0或空值。请在Excel或WPS中打开，重新计算（F9）并保存后再导入",
        cells.join("、") + if *count > cells.len() { "…" } else { "" }
    )]
    Formulas {
        file: String,
        sheet: String,
        /// The first cells (A1 references).
        cells: Vec<String>,
        count: usize,
    },
}

fn list_names(names: &[String]) -> String {
    if names.is_empty() {
        "（无）".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("“{}”", escape_control(n)))
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

/// `n` bytes as people read them: 640 MiB, 1.5 GiB, 12 KiB.
pub(crate) fn size_text(n: u64) -> String {
    const KIB: f64 = 1024.0;
    let x = n as f64;
    if x >= KIB * KIB * KIB {
        format!("{:.1} GiB", x / KIB / KIB / KIB)
    } else if x >= KIB * KIB {
        format!("{:.0} MiB", x / KIB / KIB)
    } else if x >= KIB {
        format!("{:.0} KiB", x / KIB)
    } else {
        format!("{n} 字节")
    }
}

fn too_big(file: &str, len: u64) -> ReadError {
    ReadError::TooLarge {
        file: file.to_string(),
        detail: format!(
            "文件大小{}，超过上限{}；请按时期或地区拆分后分别导入",
            size_text(len),
            size_text(MAX_FILE_BYTES)
        ),
    }
}

/// Reads the file at `path`, choosing CSV or XLSX by its extension.
pub fn read_grid(path: &Path, opts: &ReadOptions) -> Result<Grid, ReadError> {
    let file = escape_control(&path.display().to_string()).into_owned();
    format_of(&file)?;
    let io = |source| ReadError::Io {
        file: file.clone(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > MAX_FILE_BYTES {
        return Err(too_big(&file, len));
    }
    let bytes = std::fs::read(path).map_err(io)?;
    read_grid_bytes(&file, &bytes, opts)
}

/// Reads an uploaded file's bytes, choosing CSV or XLSX by the extension of `file_name`.
pub fn read_grid_bytes(
    file_name: &str,
    bytes: &[u8],
    opts: &ReadOptions,
) -> Result<Grid, ReadError> {
    let file = escape_control(file_name);
    let format = format_of(&file)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(&file, bytes.len() as u64));
    }
    match format {
        Format::Csv => csv::read(&file, bytes, opts.encoding),
        Format::Xlsx => xlsx::read(&file, bytes, opts.sheet.as_deref()),
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
    fn sizes_read_as_people_say_them() {
        assert_eq!(size_text(640 * 1024 * 1024), "640 MiB");
        assert_eq!(size_text(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
        assert_eq!(size_text(100), "100 字节");
    }

    #[test]
    fn formula_errors_list_the_first_cells() {
        let e = ReadError::Formulas {
            file: "a.xlsx".into(),
            sheet: "表1".into(),
            cells: vec!["B3".into(), "C3".into()],
            count: 5,
        };
        let msg = e.to_string();
        assert!(
            msg.contains("5个公式单元格没有计算结果（B3、C3…）"),
            "{msg}"
        );
    }
}
