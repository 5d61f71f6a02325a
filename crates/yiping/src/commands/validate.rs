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
    /// 同时按历年同月检查这些指标（代码或名称，逗号分隔）的季节性异常值：时期的最后一个月，异常的记为待审核标记
    #[arg(long, value_name = "指标")]
    pub outliers: Option<String>,
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
    if let Some(list) = &args.outliers {
        scan_outliers(store, &system, period, list).await?;
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

/// `--outliers RETAIL,FAI`: the last month of `period`, against the same month of earlier years.
async fn scan_outliers(
    store: &dyn Store,
    system: &Principal,
    period: Period,
    list: &str,
) -> anyhow::Result<()> {
    let Period::Months { year, to, .. } = period else {
        bail!("季节性异常值按月检查：请用月份或 1—m 月的时期，如 2024M01-M06");
    };
    let catalog = yiping_kernel::Catalog::new(Vec::new(), store.indicators().await?);
    let names: std::collections::HashMap<_, _> = store
        .all_entities()
        .await?
        .into_iter()
        .map(|e| (e.id, e.data.name))
        .collect();
    for text in list
        .split([',', '，'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let yiping_kernel::IndicatorMatch::One(id) = catalog.find_indicator(text) else {
            bail!("没有指标“{text}”");
        };
        let flags = yiping_app::outliers::scan_as(store, system, id, year, to, Utc::now()).await?;
        println!(
            "{text} {year}年{to}月 季节性异常值：{} 个（已记为待审核标记）",
            flags.len()
        );
        for f in &flags {
            println!(
                "  {}：当月 {:.2}，季节指数 {:.3}，历年同月 {:.3}—{:.3}",
                names.get(&f.entity).map_or("未知单位", String::as_str),
                f.value,
                f.index,
                f.low,
                f.high
            );
        }
    }
    Ok(())
}
