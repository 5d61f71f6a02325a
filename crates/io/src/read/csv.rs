//! CSV: encoding (byte-order mark, UTF-8, GB18030/GBK; UTF-16 refused), delimiter, quotes, and
//! the rows into a [`Grid`].

use std::borrow::Cow;

use encoding_rs::DecoderResult;

use super::{Encoding, ReadError};
use crate::grid::{CellRef, Grid, GridBuilder, LIMITS};

pub(super) fn read(file: &str, bytes: &[u8], encoding: Encoding) -> Result<Grid, ReadError> {
    if let Some(detail) = utf16(bytes) {
        return Err(ReadError::Utf16 {
            file: file.to_string(),
            detail,
        });
    }
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
    let mut grid = GridBuilder::new(file, None, LIMITS);
    let too_large = |e: crate::grid::Overflow| ReadError::TooLarge {
        file: file.to_string(),
        detail: format!("{}；请拆分后分别导入", e.0),
    };
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
                    grid.end_row().map_err(too_large)?;
                }
                let breaks: u64 = record
                    .iter()
                    .map(|f| f.bytes().filter(|b| *b == b'\n').count() as u64)
                    .sum();
                next_line = start + breaks + 1;
                for (c, field) in record.iter().enumerate() {
                    let cell = if field.is_empty() {
                        CellRef::Empty
                    } else {
                        CellRef::Text(field)
                    };
                    grid.push(c, cell).map_err(too_large)?;
                }
                grid.end_row().map_err(too_large)?;
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
    Ok(grid.finish(Vec::new()))
}

/// Recognises UTF-16 text: by its byte-order mark, or, without one, by the zero high bytes
/// that ASCII characters (digits, commas, line breaks) have in UTF-16 — at least one byte in
/// eight of one parity zero and almost none of the other. GB18030 and UTF-8 text have no
/// zero bytes.
fn utf16(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return Some("文件开头有UTF-16LE字节顺序标记");
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return Some("文件开头有UTF-16BE字节顺序标记");
    }
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    if sample.len() < 4 {
        return None;
    }
    let zeros = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let (even, odd) = (zeros(0), zeros(1));
    let half = sample.len() / 2;
    let looks = |hit: usize, other: usize| hit * 8 >= half && other * 100 <= half;
    if looks(odd, even) || looks(even, odd) {
        Some("没有字节顺序标记，但ASCII字符之间夹着零字节")
    } else {
        None
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn utf16_is_recognised_with_and_without_bom() {
        let text = "地区,数值\r\n渝中区,12.5\r\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert!(utf16(&le).is_some());
        assert!(utf16(&be).is_some());
        let mut bom = vec![0xFF, 0xFE];
        bom.extend_from_slice(&le);
        assert!(utf16(&bom).unwrap().contains("字节顺序标记"));
        assert_eq!(utf16(text.as_bytes()), None);
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        assert_eq!(utf16(&gbk), None);
    }
}
