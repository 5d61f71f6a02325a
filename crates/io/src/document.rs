//! Reading the text of a written report: `.txt` (UTF-8 or GBK/GB18030), `.docx` and `.pdf`.
//!
//! * `.txt`: UTF-8 (a BOM is dropped); GBK/GB18030 files are decoded as such when they are not
//!   UTF-8. Binary content (NUL bytes, or text that decodes to mostly control characters) is
//!   refused.
//! * `.docx`: the paragraphs of `word/document.xml`, one per line (read with `zip` and
//!   `quick-xml`, both already in the build through the spreadsheet crates).
//! * `.pdf`: through poppler's `pdftotext` (reading order, no `-layout`) when it is on `PATH`.
//!   A PDF crate was considered and not taken: the pure-Rust text extractors add a parser, font
//!   and compression stack to a build that is already long, and their handling of CID fonts and
//!   of text set in columns — how Chinese reports are typeset — is weaker than poppler's, which
//!   is packaged everywhere (`apt-get install poppler-utils`). Without it the reader says so
//!   instead of guessing; scanned PDFs without a text layer need OCR first either way.
//!
//! Every error names the file and says what is wrong in Chinese.

use std::io::Read;

/// The largest report read (reports are text: a year's digests are far smaller).
pub const MAX_DOCUMENT_BYTES: usize = 20 * 1024 * 1024;

/// Why a report's text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}：{reason}")]
pub struct DocumentError {
    pub file: String,
    pub reason: String,
}

/// The text of the report `file` (its name decides the format) with `bytes` as its content.
pub fn read_document(file: &str, bytes: &[u8]) -> Result<String, DocumentError> {
    let fail = |reason: String| DocumentError {
        file: file.to_string(),
        reason,
    };
    if bytes.is_empty() {
        return Err(fail("是空文件，没有可抽取的文字".into()));
    }
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(fail(format!(
            "文件超过{}MB，不像是一份文字报告",
            MAX_DOCUMENT_BYTES / 1024 / 1024
        )));
    }
    let ext = file
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let text = match ext.as_str() {
        "docx" => docx_text(bytes).map_err(|e| fail(format!("不是可读的 .docx 文件：{e}")))?,
        "pdf" => pdf_text(bytes).map_err(fail)?,
        "doc" => {
            return Err(fail(
                "是旧版 Word（.doc）文件，请另存为 .docx 或 .txt 后再抽取".into(),
            ));
        }
        _ => plain_text(bytes).map_err(|e| fail(format!("不是文本文件：{e}")))?,
    };
    if text.trim().is_empty() {
        return Err(fail("中没有文字可供抽取".into()));
    }
    Ok(text)
}

fn plain_text(bytes: &[u8]) -> Result<String, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err("内容含二进制数据（如压缩包、图片或可执行文件）".into());
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let (s, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err("既不是 UTF-8 也不是 GBK/GB18030 编码的文字".into());
            }
            s.into_owned()
        }
    };
    let control = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    if control * 10 > text.chars().count() {
        return Err("内容含大量控制字符，像是二进制文件".into());
    }
    Ok(text.replace("\r\n", "\n"))
}

/// The paragraphs of a .docx, one per line.
fn docx_text(bytes: &[u8]) -> Result<String, String> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("不是 ZIP 压缩包（.docx 是 ZIP 格式）：{e}"))?;
    let mut xml = String::new();
    let mut part = zip
        .by_name("word/document.xml")
        .map_err(|_| "压缩包中没有 word/document.xml".to_string())?;
    // The same bound as the file itself: a small zip must not expand without limit.
    if part.size() > (8 * MAX_DOCUMENT_BYTES) as u64 {
        return Err("word/document.xml 解压后过大".into());
    }
    part.by_ref()
        .take((8 * MAX_DOCUMENT_BYTES) as u64)
        .read_to_string(&mut xml)
        .map_err(|_| "word/document.xml 不是 UTF-8 文字".to_string())?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("word/document.xml 格式错误：{e}"))?
        {
            Event::Start(e) if e.name().as_ref() == "w:t" => in_text = true,
            Event::End(e) if e.name().as_ref() == "w:t" => in_text = false,
            Event::End(e) if e.name().as_ref() == "w:p" => out.push('\n'),
            Event::Empty(e) => match e.name().as_ref() {
                "w:tab" => out.push('\t'),
                "w:br" | "w:cr" => out.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                if let Some(c) = r.resolve_char_ref().ok().flatten() {
                    out.push(c);
                } else {
                    out.push(match r.xml10_content().as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "quot" => '"',
                        "apos" => '\'',
                        _ => '\u{FFFD}',
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The text of a PDF through `pdftotext`, which reads a file: the bytes go to a private
/// temporary file that is removed afterwards.
fn pdf_text(bytes: &[u8]) -> Result<String, String> {
    let path = std::env::temp_dir().join(format!(
        "yiping-report-{}-{:x}.pdf",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::write(&path, bytes).map_err(|e| format!("无法写入临时文件：{e}"))?;
    let out = std::process::Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&path)
        .arg("-")
        .output();
    let _ = std::fs::remove_file(&path);
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(
                "读取 PDF 需要 pdftotext（poppler-utils），本机未安装；请安装后重试，或把 PDF 另存为 .txt / .docx"
                    .into(),
            );
        }
        Err(e) => return Err(format!("运行 pdftotext 失败：{e}")),
    };
    if !out.status.success() {
        return Err(format!(
            "不是可读的 PDF 文件：{}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text =
        String::from_utf8(out.stdout).map_err(|_| "pdftotext 读出的不是 UTF-8".to_string())?;
    // pdftotext separates pages with form feeds.
    Ok(text.replace('\u{000C}', "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_in_utf8_and_gbk_reads_the_same() {
        let s = "渝中区地区生产总值增长6.1%。";
        assert_eq!(read_document("a.txt", s.as_bytes()).unwrap(), s);
        let (gbk, _, _) = encoding_rs::GBK.encode(s);
        assert_eq!(read_document("a.txt", &gbk).unwrap(), s);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("一\r\n二".as_bytes());
        assert_eq!(read_document("a.txt", &bom).unwrap(), "一\n二");
    }

    #[test]
    fn bad_input_is_named() {
        let e = read_document("空.txt", b"").unwrap_err();
        assert_eq!(e.file, "空.txt");
        assert!(e.reason.contains("空文件"));
        let e = read_document("图.txt", b"\x89PNG\x00\x01").unwrap_err();
        assert!(e.reason.contains("二进制"), "{e}");
        let e = read_document("假.docx", "不是压缩包".as_bytes()).unwrap_err();
        assert!(e.reason.contains(".docx"), "{e}");
        let e = read_document("旧.doc", b"x").unwrap_err();
        assert!(e.reason.contains(".docx"), "{e}");
        let e = read_document("空白.txt", b"  \n ").unwrap_err();
        assert!(e.reason.contains("没有文字"), "{e}");
    }

    #[test]
    fn docx_paragraphs_are_lines() {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            z.start_file(
                "word/document.xml",
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            std::io::Write::write_all(
                &mut z,
                "<w:document><w:body><w:p><w:r><w:t>第一段&amp;</w:t></w:r></w:p><w:p><w:r><w:t>增长7.2%</w:t></w:r></w:p></w:body></w:document>"
                    .as_bytes(),
            )
            .unwrap();
            z.finish().unwrap();
        }
        assert_eq!(
            read_document("r.docx", buf.get_ref()).unwrap(),
            "第一段&\n增长7.2%\n"
        );
    }
}
