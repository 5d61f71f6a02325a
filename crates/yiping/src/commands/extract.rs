//! `yiping extract FILE`: the facts of a report (.txt, .docx, .pdf) as JSON lines or CSV.
//!
//! Reading the file is this command's job; the reading of the text is `yiping-text`'s.
//!
//! Formats (.txt in UTF-8 or GBK, .docx, .pdf through `pdftotext`) are read by
//! `yiping_io::read_document`, which names what is wrong with a file.
//!
//! Offsets are character offsets in the text as read (for .docx and .pdf: the extracted text,
//! which `--text-out` can save for review).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
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

/// The text of a report file, by its extension (the reading is `yiping_io::read_document`'s).
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("读取 {}", path.display()))?;
    Ok(yiping_io::read_document(
        &path.display().to_string(),
        &bytes,
    )?)
}
