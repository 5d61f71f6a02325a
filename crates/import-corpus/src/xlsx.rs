//! Workbooks written part by part, for the cases a spreadsheet library will not write: formulas
//! without a cached value, a stray cell in the far corner with the dimension it implies, zip
//! bombs, parts that lie about their size, an impossible shared-string count.
//!
//! The zip container is written by hand (local headers, central directory, end record), so a
//! part can declare any size. Big runs of one byte are deflated once as a 1 MiB block ending in
//! a full flush (no back-reference crosses it) and that block repeated: a 640 MiB bomb is built
//! in milliseconds, and is still a valid deflate stream with the right CRC.

use flate2::{Compress, Compression, FlushCompress};

/// One part of a zip: its name, deflated bytes, CRC-32 and the sizes its headers declare.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    pub name: String,
    pub data: Vec<u8>,
    pub crc: u32,
    pub size: u64,
}

impl Part {
    /// A part deflated whole.
    pub(crate) fn deflated(name: &str, content: &[u8]) -> Self {
        Self {
            name: name.to_string(),
            data: deflate(content, FlushCompress::Finish),
            crc: crc32fast::hash(content),
            size: content.len() as u64,
        }
    }

    /// `head`, then `repeat` MiB of `byte`, then `tail`, deflated as one stream.
    pub(crate) fn with_run(name: &str, head: &[u8], byte: u8, repeat: usize, tail: &[u8]) -> Self {
        let block = vec![byte; 1 << 20];
        let mut data = deflate(head, FlushCompress::Full);
        let run = deflate(&block, FlushCompress::Full);
        for _ in 0..repeat {
            data.extend_from_slice(&run);
        }
        data.extend(deflate(tail, FlushCompress::Finish));
        let mut crc = crc32fast::Hasher::new();
        crc.update(head);
        let mut one = crc32fast::Hasher::new();
        one.update(&block);
        for _ in 0..repeat {
            crc.combine(&one);
        }
        let mut end = crc32fast::Hasher::new();
        end.update(tail);
        crc.combine(&end);
        Self {
            name: name.to_string(),
            data,
            crc: crc.finalize(),
            size: (head.len() + repeat * block.len() + tail.len()) as u64,
        }
    }

    /// The same part declaring another uncompressed size.
    pub(crate) fn declaring(mut self, size: u64) -> Self {
        self.size = size;
        self
    }
}

/// Raw deflate (no zlib header) of `input`, ending with `flush`.
fn deflate(input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut c = Compress::new(Compression::default(), false);
    let mut out = Vec::with_capacity(input.len() / 2 + 64);
    let mut pos = 0;
    loop {
        out.reserve(64 * 1024);
        let before_in = c.total_in() as usize;
        let status = c
            .compress_vec(&input[pos..], &mut out, flush)
            .unwrap_or(flate2::Status::StreamEnd);
        pos += c.total_in() as usize - before_in;
        let done = match flush {
            FlushCompress::Finish => status == flate2::Status::StreamEnd,
            _ => pos == input.len() && out.capacity() > out.len(),
        };
        if done {
            return out;
        }
    }
}

/// The zip file of `parts`, in order.
pub(crate) fn zip(parts: &[Part]) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    let mut central: Vec<u8> = Vec::new();
    let u16le = |v: usize| (v as u16).to_le_bytes();
    let u32le = |v: u64| (v as u32).to_le_bytes();
    for p in parts {
        let offset = out.len() as u64;
        let name = p.name.as_bytes();
        // Local header: version 2.0, UTF-8 names, deflate, 1980-01-01.
        let mut local = Vec::new();
        local.extend(0x0403_4b50u32.to_le_bytes());
        local.extend(u16le(20));
        local.extend(u16le(0x0800));
        local.extend(u16le(8));
        local.extend(u16le(0));
        local.extend(u16le(0x21));
        local.extend(p.crc.to_le_bytes());
        local.extend(u32le(p.data.len() as u64));
        local.extend(u32le(p.size));
        local.extend(u16le(name.len()));
        local.extend(u16le(0));
        local.extend_from_slice(name);
        out.extend(local);
        out.extend_from_slice(&p.data);

        central.extend(0x0201_4b50u32.to_le_bytes());
        central.extend(u16le(20));
        central.extend(u16le(20));
        central.extend(u16le(0x0800));
        central.extend(u16le(8));
        central.extend(u16le(0));
        central.extend(u16le(0x21));
        central.extend(p.crc.to_le_bytes());
        central.extend(u32le(p.data.len() as u64));
        central.extend(u32le(p.size));
        central.extend(u16le(name.len()));
        central.extend(u16le(0));
        central.extend(u16le(0));
        central.extend(u16le(0));
        central.extend(u16le(0));
        central.extend(u32le(0));
        central.extend(u32le(offset));
        central.extend_from_slice(name);
    }
    let cd_offset = out.len() as u64;
    let cd_size = central.len() as u64;
    out.extend(central);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend(u16le(0));
    out.extend(u16le(0));
    out.extend(u16le(parts.len()));
    out.extend(u16le(parts.len()));
    out.extend(u32le(cd_size));
    out.extend(u32le(cd_offset));
    out.extend(u16le(0));
    out
}

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// A cell of a hand-written sheet.
#[derive(Debug, Clone)]
pub(crate) enum Cell {
    Text(String),
    Number(f64),
    /// A formula, with its cached value if the workbook was calculated.
    Formula(&'static str, Option<f64>),
}

pub(crate) fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Column letters of a zero-based index.
pub(crate) fn col_name(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A sheet's XML: `cells` as (zero-based row, column, cell), in order; `dimension` as written
/// (the range the sheet claims to use).
pub(crate) fn sheet_xml(dimension: &str, cells: &[(usize, usize, Cell)]) -> String {
    let mut x = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}" xmlns:r="{REL}"><dimension ref="{dimension}"/><sheetData>"#
    );
    let mut open: Option<usize> = None;
    for (r, c, cell) in cells {
        if open != Some(*r) {
            if open.is_some() {
                x.push_str("</row>");
            }
            x.push_str(&format!(r#"<row r="{}">"#, r + 1));
            open = Some(*r);
        }
        let at = format!("{}{}", col_name(*c), r + 1);
        match cell {
            Cell::Text(s) => x.push_str(&format!(
                r#"<c r="{at}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                escape(s)
            )),
            Cell::Number(n) => x.push_str(&format!(r#"<c r="{at}"><v>{n}</v></c>"#)),
            Cell::Formula(f, None) => {
                x.push_str(&format!(r#"<c r="{at}"><f>{}</f></c>"#, escape(f)))
            }
            Cell::Formula(f, Some(v)) => x.push_str(&format!(
                r#"<c r="{at}"><f>{}</f><v>{v}</v></c>"#,
                escape(f)
            )),
        }
    }
    if open.is_some() {
        x.push_str("</row>");
    }
    x.push_str("</sheetData></worksheet>");
    x
}

/// The parts every workbook has, for one sheet named `sheet`, with a shared-string table when
/// `shared_strings`; `calc` is written into the workbook part (a `<calcPr …/>` or nothing).
pub(crate) fn frame(sheet: &str, shared_strings: bool, calc: &str) -> Vec<Part> {
    let sst_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml";
    let types = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{}</Types>"#,
        if shared_strings {
            format!(r#"<Override PartName="/xl/sharedStrings.xml" ContentType="{sst_type}"/>"#)
        } else {
            String::new()
        }
    );
    let rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets>{calc}</workbook>"#,
        escape(sheet)
    );
    let book_rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>{}</Relationships>"#,
        if shared_strings {
            format!(
                r#"<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>"#
            )
        } else {
            String::new()
        }
    );
    vec![
        Part::deflated("[Content_Types].xml", types.as_bytes()),
        Part::deflated("_rels/.rels", rels.as_bytes()),
        Part::deflated("xl/workbook.xml", workbook.as_bytes()),
        Part::deflated("xl/_rels/workbook.xml.rels", book_rels.as_bytes()),
    ]
}

/// A one-sheet workbook of `cells` (inline strings, no shared-string table).
pub(crate) fn workbook(
    sheet: &str,
    dimension: &str,
    cells: &[(usize, usize, Cell)],
    calc: &str,
) -> Vec<u8> {
    let mut parts = frame(sheet, false, calc);
    parts.push(Part::deflated(
        "xl/worksheets/sheet1.xml",
        sheet_xml(dimension, cells).as_bytes(),
    ));
    zip(&parts)
}

/// Writes `rows` (strings; a cell that parses as a number is written as one) into a workbook
/// with rust_xlsxwriter, with `merges` (first row, first column, last row, last column) and the
/// sheet named `sheet`.
pub(crate) fn simple(
    sheet: &str,
    rows: &[Vec<String>],
    merges: &[(u32, u16, u32, u16)],
) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    let _ = ws.set_name(sheet);
    for &(r1, c1, r2, c2) in merges {
        let text = rows
            .get(r1 as usize)
            .and_then(|r| r.get(usize::from(c1)))
            .cloned()
            .unwrap_or_default();
        let _ = ws.merge_range(r1, c1, r2, c2, &text, &rust_xlsxwriter::Format::new());
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let merged = merges.iter().any(|&(r1, c1, r2, c2)| {
                (r1 as usize..=r2 as usize).contains(&r)
                    && (usize::from(c1)..=usize::from(c2)).contains(&c)
            });
            if v.is_empty() || merged {
                continue;
            }
            let (r, c) = (r as u32, c as u16);
            let _ = match v.parse::<f64>() {
                Ok(n) => ws.write_number(r, c, n).map(|_| ()),
                Err(_) => ws.write_string(r, c, v).map(|_| ()),
            };
        }
    }
    book.save_to_buffer().unwrap_or_default()
}

/// A big table as Excel saves it: every text in the shared-string table, numbers as numbers
/// (the column `numeric_col`), one sheet named `sheet`.
pub(crate) fn big_sheet(
    sheet: &str,
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
    numeric_col: usize,
) -> Vec<u8> {
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut strings: Vec<String> = Vec::new();
    let mut intern = |s: &str| match index.get(s) {
        Some(&i) => i,
        None => {
            index.insert(s.to_string(), strings.len());
            strings.push(s.to_string());
            strings.len() - 1
        }
    };
    let mut x = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetData>"#
    );
    let mut emit = |x: &mut String, r: usize, cells: &[String], numeric: Option<usize>| {
        x.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, v) in cells.iter().enumerate() {
            let at = format!("{}{}", col_name(c), r + 1);
            if Some(c) == numeric {
                x.push_str(&format!(r#"<c r="{at}"><v>{v}</v></c>"#));
            } else {
                x.push_str(&format!(r#"<c r="{at}" t="s"><v>{}</v></c>"#, intern(v)));
            }
        }
        x.push_str("</row>");
    };
    let head: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    emit(&mut x, 0, &head, None);
    for (n, row) in (1..).zip(rows) {
        emit(&mut x, n, &row, Some(numeric_col));
    }
    x.push_str("</sheetData></worksheet>");
    let mut sst = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="{MAIN}" count="{}" uniqueCount="{}">"#,
        strings.len(),
        strings.len()
    );
    for s in &strings {
        sst.push_str(&format!("<si><t>{}</t></si>", escape(s)));
    }
    sst.push_str("</sst>");
    let mut parts = frame(sheet, true, r#"<calcPr calcId="191029"/>"#);
    parts.push(Part::deflated("xl/worksheets/sheet1.xml", x.as_bytes()));
    drop(x);
    parts.push(Part::deflated("xl/sharedStrings.xml", sst.as_bytes()));
    zip(&parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_runs_inflate_to_what_they_declare() {
        let p = Part::with_run("a.xml", b"<a>", b' ', 3, b"</a>");
        assert_eq!(p.size, 3 + 3 * (1 << 20) + 4);
        let mut d = flate2::Decompress::new(false);
        let mut out = Vec::with_capacity(p.size as usize + 16);
        d.decompress_vec(&p.data, &mut out, flate2::FlushDecompress::Finish)
            .unwrap();
        assert_eq!(out.len() as u64, p.size);
        assert_eq!(crc32fast::hash(&out), p.crc);
        assert!(out.starts_with(b"<a>   ") && out.ends_with(b"  </a>"));
    }

    #[test]
    fn columns_are_lettered() {
        assert_eq!(col_name(0), "A");
        assert_eq!(col_name(16_383), "XFD");
    }
}
