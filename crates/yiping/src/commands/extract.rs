//! `yiping extract FILE`: the facts of a report (.txt, .docx, .pdf) as JSON lines or CSV.
//!
//! Reading the file is this command's job; the reading of the text is `yiping-text`'s.
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
//!   is packaged everywhere (`apt-get install poppler-utils`). Without it the command says so
//!   instead of guessing; scanned PDFs without a text layer need OCR first either way.
//!
//! Offsets are character offsets in the text as read (for .docx and .pdf: the extracted text,
//! which `--text-out` can save for review).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use yiping_app::database::{Create, DatabaseUrl, open};
use yiping_kernel::{Catalog, Period};
use yiping_text::{Fact, FactValue, Lexicon, Options, extract};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// 报告文件：.txt（UTF-8 或 GBK）、.docx，或可提取文字的 .pdf（需要 pdftotext）
    pub file: PathBuf,
    /// 报告期（如 2024Q1、2024年一季度）：没写年份的时期（“一季度”）按此年份，未写时期的段落按此时期
    #[arg(long)]
    pub period: Option<String>,
    /// 输出格式：jsonl（每行一个事实）或 csv
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: Format,
    /// 输出文件（默认打印到标准输出）
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// 把读出的正文另存到此文件（.docx / .pdf 的偏移量以这份正文为准）
    #[arg(long, value_name = "FILE.txt")]
    pub text_out: Option<PathBuf>,
    /// 在标准错误输出上打印抽取耗时（毫秒）
    #[arg(long, hide = true)]
    pub timing: bool,
}

/// Names for the extractor: the database's catalogue when `--database` names an existing one,
/// else the demo's (Chongqing's regions, the city departments and the demo indicators).
async fn lexicon(url: &DatabaseUrl) -> anyhow::Result<(Lexicon, String)> {
    let use_db = match url {
        DatabaseUrl::Sqlite(p) => p.exists(),
        DatabaseUrl::Postgres(_) => true,
    };
    if use_db {
        let store = open(url, Create::No)
            .await
            .with_context(|| format!("打开 {}", url.display()))?;
        let catalog = Catalog::new(store.all_entities().await?, store.indicators().await?);
        return Ok((Lexicon::from_catalog(&catalog), url.display()));
    }
    let demo = yiping_demo::catalogue();
    Ok((
        Lexicon::from_parts(demo.entities.iter(), demo.indicators.iter()),
        "演示目录".into(),
    ))
}

pub async fn run(url: &DatabaseUrl, args: ExtractArgs) -> anyhow::Result<()> {
    let text = read_text(&args.file)?;
    if let Some(p) = &args.text_out {
        std::fs::write(p, &text).with_context(|| format!("写入 {}", p.display()))?;
    }
    let options = match &args.period {
        Some(p) => {
            let period = Period::parse(p, None).with_context(|| format!("--period {p}"))?;
            Options {
                year: Some(period.year_number()),
                period: Some(period.code()),
            }
        }
        None => Options::default(),
    };
    let (lex, source) = lexicon(url).await?;
    tracing::info!(catalogue = %source, "extract");
    let t0 = std::time::Instant::now();
    let facts = extract(&text, &lex, &options);
    if args.timing {
        eprintln!("extract_ms={:.3}", t0.elapsed().as_secs_f64() * 1000.0);
    }
    let body = match args.format {
        Format::Jsonl => jsonl(&facts)?,
        Format::Csv => csv(&facts)?,
    };
    match &args.output {
        Some(p) => {
            std::fs::write(p, body).with_context(|| format!("写入 {}", p.display()))?;
            eprintln!("已抽取 {} 条事实到 {}", facts.len(), p.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(body.as_bytes())?;
        }
    }
    Ok(())
}

fn jsonl(facts: &[Fact]) -> anyhow::Result<String> {
    let mut s = String::new();
    for f in facts {
        s.push_str(&serde_json::to_string(f)?);
        s.push('\n');
    }
    Ok(s)
}

const CSV_HEADER: [&str; 15] = [
    "subject",
    "region",
    "indicator_text",
    "indicator",
    "period",
    "measure",
    "value",
    "unit",
    "compare_to",
    "qualifier",
    "text",
    "offset",
    "period_basis",
    "flags",
    "",
];

fn csv(facts: &[Fact]) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&CSV_HEADER[..14])?;
    for f in facts {
        let value = match &f.value {
            FactValue::Number(v) => v.to_string(),
            FactValue::Grade(g) => g.clone(),
        };
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        let json_str = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
        w.write_record([
            opt(&f.subject),
            opt(&f.region),
            f.indicator_text.clone(),
            opt(&f.indicator),
            opt(&f.period),
            f.measure.as_str().to_string(),
            value,
            opt(&f.unit),
            opt(&f.compare_to),
            f.qualifier
                .map(|q| json_str(serde_json::to_value(q).unwrap_or_default()))
                .unwrap_or_default(),
            f.text.clone(),
            f.offset.to_string(),
            f.period_basis
                .map(|b| json_str(serde_json::to_value(b).unwrap_or_default()))
                .unwrap_or_default(),
            f.flags.join(";"),
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(String::from_utf8(bytes)?)
}

/// The text of a report file, by its extension.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    let name = path.display();
    let bytes = std::fs::read(path).with_context(|| format!("读取 {name}"))?;
    if bytes.is_empty() {
        bail!("{name} 是空文件，没有可抽取的文字");
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let text = match ext.as_str() {
        "docx" => docx_text(&bytes).with_context(|| format!("{name} 不是可读的 .docx 文件"))?,
        "pdf" => pdf_text(path)?,
        "doc" => bail!("{name} 是旧版 Word（.doc）文件，请另存为 .docx 或 .txt 后再抽取"),
        _ => plain_text(&bytes).with_context(|| format!("{name} 不是文本文件"))?,
    };
    if text.trim().is_empty() {
        bail!("{name} 中没有文字可供抽取");
    }
    Ok(text)
}

fn plain_text(bytes: &[u8]) -> anyhow::Result<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        bail!("内容含二进制数据（如压缩包、图片或可执行文件）");
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => {
            let (s, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                bail!("既不是 UTF-8 也不是 GBK/GB18030 编码的文字");
            }
            s.into_owned()
        }
    };
    let control = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    if control * 10 > text.chars().count() {
        bail!("内容含大量控制字符，像是二进制文件");
    }
    Ok(text.replace("\r\n", "\n"))
}

/// The paragraphs of a .docx, one per line.
fn docx_text(bytes: &[u8]) -> anyhow::Result<String> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| anyhow::anyhow!("不是 ZIP 压缩包（.docx 是 ZIP 格式）：{e}"))?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|_| anyhow::anyhow!("压缩包中没有 word/document.xml"))?
        .read_to_string(&mut xml)
        .context("word/document.xml 不是 UTF-8 文字")?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event().context("word/document.xml 格式错误")? {
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

fn pdf_text(path: &Path) -> anyhow::Result<String> {
    let name = path.display();
    let out = std::process::Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(path)
        .arg("-")
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "读取 {name} 需要 pdftotext（poppler-utils），本机未安装；请安装后重试，或把 PDF 另存为 .txt / .docx"
        ),
        Err(e) => return Err(e).with_context(|| format!("运行 pdftotext 读取 {name}")),
    };
    if !out.status.success() {
        bail!(
            "{name} 不是可读的 PDF 文件：{}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8(out.stdout)
        .with_context(|| format!("pdftotext 读出的 {name} 不是 UTF-8"))?;
    // pdftotext separates pages with form feeds.
    Ok(text.replace('\u{000C}', "\n"))
}
