//! `yiping items metrics`: the handling figures of a period per unit, by the definition the
//! stored `WI_*` indicators use, and with `--write` stored (recomputing `HANDLING_RACE`).

use anyhow::bail;
use chrono::{DateTime, Utc};
use clap::Args;
use yiping_app::work_items::FlowSetup;
use yiping_app::work_items::metrics::{self, Figure, MetricsQuery};
use yiping_flow::CategoryScope;
use yiping_kernel::Period;
use yiping_store::{ChangeContext, Store};

use super::items::resolve_unit;
use crate::text_table::render;

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// 时期，如 2024M03、2024Q1、2024年3月
    #[arg(long)]
    pub period: String,
    /// 只看一个单位（主体代码、名称或编号）
    #[arg(long)]
    pub unit: Option<String>,
    /// 只看一个领域、大类或小类，如 事件、事件/01、事件/01/02（不能与 --write 同用）
    #[arg(long)]
    pub category: Option<String>,
    /// 把全部单位的指标写入数据库（WI_* 指标），并重算读取它们的评价方案
    #[arg(long)]
    pub write: bool,
    /// 以此时刻为统计时点（RFC 3339；默认当前时间）
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
}

fn shown(f: &Figure) -> String {
    match (f.value, f.numerator) {
        (Some(v), Some(n)) => format!("{v:.2}%（{n}/{}）", f.denominator),
        (Some(v), None) => format!("{v:.2} {}（{}件）", f.unit, f.denominator),
        (None, _) => f.note.clone().unwrap_or_else(|| "—".into()),
    }
}

pub async fn run(store: &dyn Store, args: &MetricsArgs) -> anyhow::Result<()> {
    let period = Period::parse(args.period.trim(), None)
        .map_err(|e| anyhow::anyhow!("时期“{}”无效：{e}", args.period))?;
    let category = args
        .category
        .as_deref()
        .map(CategoryScope::parse)
        .transpose()?;
    if args.write && category.is_some() {
        bail!("--write 写入的是全部分类的指标，不能与 --category 同用");
    }
    let unit = match &args.unit {
        Some(u) => Some(resolve_unit(store, u).await?),
        None => None,
    };
    let as_of = args.at.unwrap_or_else(Utc::now);
    let setup = FlowSetup::load(store).await?;
    let names = store.all_entities().await?;
    let name_of = |id| {
        names
            .iter()
            .find(|e| e.id == id)
            .map_or(id.to_string(), |e| {
                let code = e.data.code.as_ref().map(|c| c.as_str()).unwrap_or("");
                format!("{code} {}", e.data.name).trim().to_string()
            })
    };
    let query = MetricsQuery {
        period,
        as_of,
        unit,
        category: category.clone(),
    };
    let all = metrics::compute(store, &setup, &query).await?;
    let scope = category.map(|c| format!("，分类 {c}")).unwrap_or_default();
    println!("{} 闭环事项办理指标{scope}：", period.code());
    for u in &all {
        let how = if u.by_location {
            "按属地计"
        } else {
            "按承办计"
        };
        println!("\n{}（{how}）", name_of(u.unit));
        let rows: Vec<Vec<String>> = u
            .figures
            .iter()
            .map(|f| vec![f.name.to_string(), f.code.to_string(), shown(f)])
            .collect();
        print!("{}", render(&["指标", "代码", "数值"], &rows, &[]));
    }
    if all.is_empty() {
        println!("该时期没有事项");
    }
    if args.write {
        let ctx = ChangeContext::new("命令行", "闭环事项办理指标", as_of);
        let r = metrics::refresh_metrics(store, &setup, &[period], as_of, &ctx).await?;
        for (p, w) in &r.written {
            println!(
                "\n已写入 {}：{} 个单位，新增 {}，修改 {}，未变 {}，样本不足未写 {}",
                p.code(),
                w.units,
                w.inserted,
                w.updated,
                w.unchanged,
                w.too_few
            );
        }
        if !r.evaluated.is_empty() {
            println!("已重算评价：{}", r.evaluated.join("、"));
        }
        if !r.failed.is_empty() {
            bail!("评价未能重算：{}", r.failed.join("；"));
        }
    }
    Ok(())
}
