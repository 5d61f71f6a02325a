//! The checks an XLSX file passes before any of its XML is parsed, so that a zip bomb or a
//! crafted part cannot make the reader allocate more than an import may use.
//!
//! For every XML part (`.xml`, `.rels`): the size its directory entry declares and its
//! compression ratio are checked first (nothing is inflated); then the part is inflated as a
//! stream, counting bytes, and refused as soon as it grows past what it declared or past the
//! limits. While streaming, the longest stretch of text, tag, comment or CDATA is measured: the
//! XML parser buffers each such stretch whole, and no real cell holds more than 32,767
//! characters, so a megabyte of whitespace or one 259 MiB string is refused here. The shared
//! string table's declared count is checked too (the reader reserves that many entries), and
//! the workbook's calculation settings are read (whether cached formula results are stale).

use std::io::{Cursor, Read};

use super::{ReadError, size_text};
use crate::escape::escape_control;

/// The most one XML part may inflate to.
const MAX_PART: u64 = 768 * 1024 * 1024;
/// The most the shared-string table may inflate to (the reader keeps all of it in memory).
const MAX_SHARED_STRINGS: u64 = 128 * 1024 * 1024;
/// The most all XML parts together may inflate to.
const MAX_TOTAL: u64 = 1536 * 1024 * 1024;
/// The highest compression ratio accepted for a part larger than [`RATIO_FLOOR`]. Sheets of
/// real data compress 5–30 times; a run of whitespace about a thousand times.
const MAX_RATIO: u64 = 200;
const RATIO_FLOOR: u64 = 8 * 1024 * 1024;
/// The longest stretch of text or markup without a tag boundary. A cell holds at most 32,767
/// characters (under 200 KiB even with every character escaped).
const MAX_STRETCH: u64 = 1024 * 1024;

/// What the parts say about the workbook as a whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Workbook {
    /// `<calcPr fullCalcOnLoad="1">`: the stored formula results are placeholders.
    pub full_calc_on_load: bool,
}

/// Checks every XML part of the workbook. A file that is not a readable zip passes, so that the
/// XLSX reader reports it as it always has (damaged or not an .xlsx).
pub(super) fn check(file: &str, bytes: &[u8]) -> Result<Workbook, ReadError> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(Workbook::default());
    };
    let refuse = |detail: String| ReadError::TooLarge {
        file: file.to_string(),
        detail,
    };
    let mut workbook = Workbook::default();
    let mut total = 0u64;
    for i in 0..zip.len() {
        let Ok(mut part) = zip.by_index(i) else {
            continue;
        };
        let name = match part.name() {
            Ok(n) => escape_control(&n).into_owned(),
            Err(_) => continue,
        };
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with(".xml") || lower.ends_with(".rels")) || part.is_dir() {
            continue;
        }
        let shared_strings = lower.ends_with("sharedstrings.xml");
        let limit = if shared_strings {
            MAX_SHARED_STRINGS
        } else {
            MAX_PART
        };
        let declared = part.size();
        let packed = part.compressed_size().max(1);
        if declared > limit {
            return Err(refuse(format!(
                "其中“{name}”声明解压后为{}，超过单个部件的上限{}",
                size_text(declared),
                size_text(limit)
            )));
        }
        if declared > RATIO_FLOOR && declared / packed > MAX_RATIO {
            return Err(refuse(ratio_message(&name, declared, packed)));
        }
        let mut scan = Scan::default();
        let mut head: Vec<u8> = Vec::new();
        let keep_head = if shared_strings {
            4096
        } else if lower.ends_with("workbook.xml") {
            // The workbook part lists sheets and names; calcPr comes near its end.
            16 * 1024 * 1024
        } else {
            0
        };
        let mut buf = vec![0u8; 64 * 1024];
        let mut actual = 0u64;
        loop {
            let n = match part.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                // The zip reader stops a part at the size it declared.
                Err(e) if e.to_string().contains("declared uncompressed size") => {
                    return Err(refuse(overrun(&name, declared)));
                }
                // A damaged part: the XLSX reader will say so.
                Err(_) => break,
            };
            actual += n as u64;
            if actual > declared {
                return Err(refuse(overrun(&name, declared)));
            }
            if actual > RATIO_FLOOR && actual / packed > MAX_RATIO {
                return Err(refuse(ratio_message(&name, actual, packed)));
            }
            if total + actual > MAX_TOTAL {
                return Err(refuse(format!(
                    "各部件解压后合计超过{}",
                    size_text(MAX_TOTAL)
                )));
            }
            if head.len() < keep_head {
                let take = n.min(keep_head - head.len());
                head.extend_from_slice(&buf[..take]);
            }
            if let Some(len) = scan.feed(&buf[..n]) {
                return Err(refuse(format!(
                    "其中“{name}”有一段连续{}以上的内容（空白、文字或标记）中间没有任何单元格边界，远超单个单元格的上限（32,767个字符）；疑似压缩炸弹",
                    size_text(len)
                )));
            }
        }
        total += actual;
        if shared_strings {
            check_string_count(&head, actual).map_err(|d| refuse(format!("其中“{name}”{d}")))?;
        }
        if lower.ends_with("workbook.xml") {
            workbook.full_calc_on_load |= full_calc_on_load(&head);
        }
    }
    Ok(workbook)
}

fn overrun(name: &str, declared: u64) -> String {
    format!(
        "其中“{name}”解压后超过了它声明的大小{}（文件被篡改，或是压缩炸弹）",
        size_text(declared)
    )
}

fn ratio_message(name: &str, size: u64, packed: u64) -> String {
    format!(
        "其中“{name}”从{}解压为{}以上，压缩比超过{MAX_RATIO}:1（实际约{}:1），疑似压缩炸弹",
        size_text(packed),
        size_text(size),
        size / packed
    )
}

/// The `uniqueCount` of `<sst>` must be possible in a part of `size` bytes (each string takes
/// at least `<si/>`, five bytes): the reader reserves room for that many strings.
fn check_string_count(head: &[u8], size: u64) -> Result<(), String> {
    let text = String::from_utf8_lossy(head);
    let Some(start) = text.find("<sst") else {
        return Ok(());
    };
    let tag = &text[start..text[start..].find('>').map_or(text.len(), |e| start + e)];
    // `count` counts the cells that use the table; `uniqueCount` its entries.
    let Some(value) = attribute(tag, "uniqueCount") else {
        return Ok(());
    };
    let n: u64 = value.trim().parse().unwrap_or(u64::MAX);
    if n > size / 5 + 1 {
        return Err(format!(
            "声明有{value}个共享字符串，但只有{}，不可能装下；文件已损坏或被篡改",
            size_text(size)
        ));
    }
    Ok(())
}

/// The value of `name="…"` in a start tag, with a space before the name.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=");
    let at = tag.find(&key)? + key.len();
    let rest = &tag[at..];
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    rest.find(quote).map(|end| &rest[..end])
}

fn full_calc_on_load(workbook_xml: &[u8]) -> bool {
    let text = String::from_utf8_lossy(workbook_xml);
    let Some(start) = text.find("<calcPr").or_else(|| text.find(":calcPr")) else {
        return false;
    };
    let end = text[start..].find('>').map_or(text.len(), |e| start + e);
    let tag = &text[start..end];
    matches!(
        attribute(tag, "fullCalcOnLoad").map(str::trim),
        Some("1" | "true")
    )
}

/// Measures the longest stretch between tag boundaries while a part streams through, knowing
/// comments (`<!-- … -->`) and CDATA (`<![CDATA[ … ]]>`), which may contain `<` and `>`.
#[derive(Debug, Default)]
struct Scan {
    mode: Mode,
    stretch: u64,
    /// The last bytes seen, for the markers that span chunks.
    tail: [u8; 9],
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Mode {
    #[default]
    Text,
    Tag,
    Comment,
    Cdata,
}

impl Scan {
    /// Returns the stretch's length when it exceeds [`MAX_STRETCH`].
    fn feed(&mut self, bytes: &[u8]) -> Option<u64> {
        for &b in bytes {
            self.tail.copy_within(1.., 0);
            self.tail[8] = b;
            self.stretch += 1;
            match self.mode {
                Mode::Text if b == b'<' => {
                    self.stretch = 1;
                    self.mode = Mode::Tag;
                }
                Mode::Tag if self.tail.ends_with(b"<!--") => self.mode = Mode::Comment,
                Mode::Tag if self.tail.ends_with(b"<![CDATA[") => self.mode = Mode::Cdata,
                Mode::Tag if b == b'>' => {
                    self.stretch = 0;
                    self.mode = Mode::Text;
                }
                Mode::Comment if self.tail.ends_with(b"-->") => {
                    self.stretch = 0;
                    self.mode = Mode::Text;
                }
                Mode::Cdata if self.tail.ends_with(b"]]>") => {
                    self.stretch = 0;
                    self.mode = Mode::Text;
                }
                _ => {}
            }
            if self.stretch > MAX_STRETCH {
                return Some(self.stretch);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_stretches_are_measured_across_chunks() {
        let mut s = Scan::default();
        assert_eq!(s.feed(b"<c r=\"A1\"><v>1</v></c>"), None);
        let spaces = vec![b' '; 600 * 1024];
        assert_eq!(s.feed(&spaces), None);
        assert!(s.feed(&spaces).is_some(), "1.2 MiB of whitespace");
        let mut s = Scan::default();
        assert_eq!(s.feed(b"<!-- a > b <"), None);
        assert_eq!(s.mode, Mode::Comment);
        assert_eq!(s.feed(b"- still -->"), None);
        assert_eq!(s.mode, Mode::Text);
        assert_eq!(s.feed(b"<![CDA"), None);
        assert_eq!(s.feed(b"TA[ x ]]>"), None);
        assert_eq!(s.mode, Mode::Text);
    }

    #[test]
    fn impossible_string_counts_are_refused() {
        let head = br#"<?xml version="1.0"?><sst xmlns="x" count="2" uniqueCount="4000000000">"#;
        assert!(check_string_count(head, 1000).is_err());
        let head = br#"<sst xmlns="x" count="3" uniqueCount="2"><si><t>a</t></si>"#;
        assert!(check_string_count(head, 1000).is_ok());
        let head = br#"<sst xmlns="x" count="241" uniqueCount="40">"#;
        assert!(
            check_string_count(head, 838).is_ok(),
            "count is the cells using it"
        );
    }

    #[test]
    fn calculation_settings_are_read() {
        assert!(full_calc_on_load(
            br#"<workbook><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>"#
        ));
        assert!(!full_calc_on_load(
            br#"<workbook><calcPr calcId="191029"/></workbook>"#
        ));
        assert!(!full_calc_on_load(b"<workbook></workbook>"));
    }
}
