//! `yiping validate`: every validation rule (`validation.toml`) checked on the stored data of one
//! period, every violation printed and recorded as a finding; `--findings` lists the findings.

use anyhow::bail;
use chrono::Utc;
use clap::Args;
use yiping_access::Principal;
use yiping_kernel::Period;
use yiping_store::Store;

use crate::text_table;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// 时期，如 2024M01-M09、2024Q1、2024年1—9月
    #[arg(long)]
    pub period: String,
    /// 只列出已记录的校验发现（不重新校验）
    #[arg(long)]
    pub findings: bool,
}

pub async fn run(store: &dyn Store, args: &ValidateArgs) -> anyhow::Result<()> {
    let period = Period::parse(&args.period, None)?;
    let system = Principal::system();
    if args.findings {
        let list =
            yiping_app::validate::findings_as(store, &system, None, Some(period), false).await?;
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|f| {
                vec![
                    f.id.to_string(),
                    f.data.rule.clone(),
                    importance_zh(&f.data.importance).to_string(),
                    if f.resolved { "已解决" } else { "待处理" }.to_string(),
                    if f.follow_up { "跟进中" } else { "" }.to_string(),
                    f.data.message.clone(),
                    f.comment.clone(),
                ]
            })
            .collect();
        println!("{} 校验发现 {} 条", period.label_zh(), list.len());
        print!(
            "{}",
            text_table::render(
                &["编号", "规则", "重要性", "状态", "跟进", "说明", "备注"],
                &rows,
                &[0]
            )
        );
        return Ok(());
    }
    let report = yiping_app::validate::run_as(store, &system, period, Utc::now()).await?;
    println!(
        "{} 数据校验：{} 条规则，检查 {} 次，未通过 {} 条（已记为校验发现）",
        period.label_zh(),
        report.rules,
        report.checked,
        report.violations.len()
    );
    let rows: Vec<Vec<String>> = report
        .violations
        .iter()
        .map(|v| {
            vec![
                v.rule.clone(),
                v.importance.label_zh().to_string(),
                v.message.clone(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        print!(
            "{}",
            text_table::render(&["规则", "重要性", "说明"], &rows, &[])
        );
    }
    let high = report
        .violations
        .iter()
        .filter(|v| v.importance == yiping_eval::validation::Importance::High)
        .count();
    if high > 0 {
        bail!("{high} 条重要性为高的规则未通过");
    }
    Ok(())
}

fn importance_zh(s: &str) -> &'static str {
    yiping_eval::validation::Importance::parse(s).map_or("未知", |i| i.label_zh())
}
