//! `yiping schemes`: list the stored evaluation schemes, or store scheme files.

use anyhow::Context;
use chrono::Utc;
use yiping_app::evaluate::{recompute_scheme, store_scheme};
use yiping_store::{ChangeContext, EntityChange, Store};

use crate::cli::SchemesArgs;
use crate::text_table::render;

pub async fn run(store: &dyn Store, args: &SchemesArgs) -> anyhow::Result<()> {
    for path in &args.add {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("无法读取方案文件“{}”", path.display()))?;
        let ctx = ChangeContext::new(args.actor.clone(), path.display().to_string(), Utc::now());
        let (s, change) = store_scheme(store, &text, &ctx)
            .await
            .with_context(|| format!("方案文件“{}”", path.display()))?;
        let what = match change {
            EntityChange::Inserted => "已新增",
            EntityChange::Updated => "已更新",
            EntityChange::Unchanged => "未变",
        };
        println!(
            "{what}方案 {}（{}，{}年版，第{}版）；运行 yiping evaluate --scheme {} --period 时期 计算排名",
            s.code, s.name, s.year, s.version, s.code
        );
        if change == EntityChange::Updated {
            // Stored results of the old version are recomputed with the new one.
            let r = recompute_scheme(store, &s.code, Utc::now()).await?;
            if !r.evaluated.is_empty() {
                println!("  已按新版本重新计算 {} 期评价结果", r.evaluated.len());
            }
            for (code, p, why) in &r.failed {
                eprintln!("  评价 {code} {} 未能重新计算：{why}", p.label_zh());
            }
        }
    }
    if !args.add.is_empty() {
        return Ok(());
    }
    let schemes = yiping_app::results::schemes(store, &yiping_access::Principal::system()).await?;
    if schemes.is_empty() {
        println!(
            "还没有评价方案：运行 yiping demo 载入内置方案，或 yiping schemes --add 方案.toml"
        );
        return Ok(());
    }
    let rows: Vec<Vec<String>> = schemes
        .iter()
        .map(|x| {
            let s = &x.scheme;
            let periods: Vec<String> = x.runs.iter().map(|r| r.period.code()).collect();
            vec![
                s.code.clone(),
                s.name.clone(),
                format!("{}年", s.year),
                s.frequency.label_zh().to_string(),
                s.version.to_string(),
                s.updated_at.format("%Y-%m-%d %H:%M").to_string(),
                if periods.is_empty() {
                    "—".to_string()
                } else {
                    periods.join(" ")
                },
            ]
        })
        .collect();
    print!(
        "{}",
        render(
            &[
                "代码",
                "名称",
                "版本年度",
                "频率",
                "修订",
                "更新时间",
                "已有结果的时期"
            ],
            &rows,
            &[4]
        )
    );
    Ok(())
}
