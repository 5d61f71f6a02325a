//! `yiping brief`: a 通报 briefing of a region for a period, as Word (.docx) or PDF.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use yiping_access::Principal;
use yiping_app::briefing::{self, Format};
use yiping_kernel::Period;
use yiping_store::Store;

#[derive(Debug, Args)]
pub struct BriefArgs {
    /// 地区：代码或名称（如 500000、渝中区）
    #[arg(long)]
    pub region: String,
    /// 期别：当年累计（如 2024M01-M09、2024年1—9月）或单月（2024M09，即 1—9月）
    #[arg(long)]
    pub period: String,
    /// 通报模板名：templates/briefs/<模板名>.toml（YIPING_BRIEF_TEMPLATES 可改目录），默认内置的月度通报
    #[arg(long, default_value = "月度通报")]
    pub template: String,
    /// 输出文件：.docx（Word）或 .pdf（需要 LibreOffice）
    #[arg(long, short)]
    pub output: PathBuf,
}

pub async fn run(store: &dyn Store, args: BriefArgs) -> anyhow::Result<()> {
    let format = Format::of_path(&args.output)?;
    let period = Period::parse(&args.period, None)?;
    let unit = yiping_app::units::resolve(store, &args.region).await?;
    // The command line runs on the database itself: it reads as the system.
    let written = briefing::write(
        store,
        &Principal::system(),
        unit,
        period,
        &args.template,
        format,
        chrono::Utc::now(),
    )
    .await?;
    std::fs::write(&args.output, &written.bytes)
        .with_context(|| format!("写入 {}", args.output.display()))?;
    let b = &written.brief;
    let count = |f: fn(&yiping_brief::Block) -> bool| b.blocks.iter().filter(|x| f(x)).count();
    println!(
        "已生成通报“{}”到 {}（{} 段文字、{} 张表、{} 幅图，{} 个数字）",
        b.title,
        args.output.display(),
        count(|x| matches!(x, yiping_brief::Block::Para(_))),
        count(|x| matches!(x, yiping_brief::Block::Table(_))),
        count(|x| matches!(x, yiping_brief::Block::Chart(_))),
        b.placed.len()
    );
    Ok(())
}
