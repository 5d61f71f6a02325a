//! `yiping alerts`: the firing instances of the early-warning rules for one period, and with
//! `--raise` the 问题 items they raise (one per rule, entity, indicator and period).

use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::Args;
use yiping_kernel::Period;
use yiping_store::Store;

use crate::text_table;

#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// 时期，如 2024M01-M09、2024Q1、2024年1—9月
    #[arg(long)]
    pub period: Option<String>,
    /// 为触发的预警生成“问题”事项（已生成过的不再重复）
    #[arg(long)]
    pub raise: bool,
    /// 用此规则文件（TOML）代替现行规则（默认为系统配置中的 alerts.toml；格式见 crates/eval/alerts/indicator_alerts.toml）
    #[arg(long)]
    pub rules: Option<PathBuf>,
}

pub async fn run(store: &dyn Store, args: &AlertsArgs) -> anyhow::Result<()> {
    let Some(period) = &args.period else {
        bail!("请用 --period 指定时期，如 2024M01-M09、2024Q1、2024");
    };
    let period = Period::parse(period, None)?;
    let rules = match &args.rules {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("读取规则文件 {}", path.display()))?;
            yiping_app::alerts::parse_rules(&text)?
        }
        None => yiping_app::alerts::configured_rules(store).await?,
    };
    let run = yiping_app::alerts::evaluate(store, &rules, period).await?;
    for (rule, indicator) in &run.skipped {
        eprintln!("规则 {rule} 的指标 {indicator} 不存在，已跳过");
    }
    println!(
        "{} 监测预警：{} 条规则，触发 {} 条",
        period.label_zh(),
        rules.len(),
        run.instances.len()
    );
    if !run.instances.is_empty() {
        let rows: Vec<Vec<String>> = run
            .instances
            .iter()
            .map(|i| {
                vec![
                    i.rule.code.clone(),
                    i.rule.severity.label_zh().to_string(),
                    i.entity_name.clone(),
                    i.firing.entity.clone(),
                    format!("{:.2}", i.firing.value),
                    format!("{:.2}", i.firing.threshold),
                    i.firing.message.clone(),
                ]
            })
            .collect();
        print!(
            "{}",
            text_table::render(
                &["规则", "级别", "主体", "代码", "数值", "阈值", "说明"],
                &rows,
                &[4, 5]
            )
        );
    }
    if args.raise {
        let raised = yiping_app::alerts::raise(store, &run.instances, Utc::now()).await?;
        println!(
            "新生成问题 {raised} 个，{} 个此前已生成",
            run.instances.len() - raised
        );
    }
    Ok(())
}
