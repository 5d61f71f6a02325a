use anyhow::bail;
use chrono::Utc;
use yiping_app::AppError;
use yiping_app::import::{Approved, ImportKind, ImportOptions, ImportOutcome, import_file_as};
use yiping_app::pipeline::AfterChange;
use yiping_io::{LayoutHint, ParseOptions, ReadOptions};
use yiping_kernel::{ObservationStatus, Period};
use yiping_store::{ChangeContext, Store};

use crate::cli::{ImportArgs, Kind, LayoutArg};
use crate::progress::Spinner;

pub async fn run(store: &dyn Store, args: ImportArgs) -> anyhow::Result<()> {
    let default_period = args
        .period
        .as_deref()
        .map(|p| Period::parse(p, args.year))
        .transpose()?;
    let opts = ImportOptions {
        kind: match args.kind {
            Kind::Auto => ImportKind::Auto,
            Kind::Observations => ImportKind::Observations,
            Kind::Entities => ImportKind::Entities,
            Kind::Indicators => ImportKind::Indicators,
            Kind::Targets => ImportKind::Targets,
        },
        read: ReadOptions {
            encoding: args.encoding.parse()?,
            sheet: args.sheet.clone(),
        },
        parse: ParseOptions {
            layout: match args.layout {
                LayoutArg::Auto => LayoutHint::Auto,
                LayoutArg::Long => LayoutHint::Long,
                LayoutArg::Wide => LayoutHint::Wide,
            },
            default_year: args.year.or(default_period.map(|p| p.year_number())),
            default_period,
            default_status: ObservationStatus::parse(&args.status)?,
        },
        dry_run: args.dry_run,
    };
    let mut failed = 0;
    for path in &args.files {
        let ctx = ChangeContext::new(args.actor.clone(), path.display().to_string(), Utc::now());
        let spinner = Spinner::start(format!("导入 {}…", path.display()));
        let approved = if args.reopen {
            Approved::Reopen
        } else {
            Approved::Keep
        };
        let result = import_file_as(store, path, &opts, approved, &ctx).await;
        spinner.finish();
        match result {
            Ok(outcome) => print_outcome(&outcome),
            Err(AppError::Rejected { file, problems }) => {
                failed += 1;
                eprintln!(
                    "{file}：发现{}处问题，整个文件未导入，数据库未作任何修改：",
                    problems.len()
                );
                for p in &problems {
                    eprintln!("  {p}");
                }
            }
            Err(e) => {
                failed += 1;
                let shown = path.display().to_string();
                eprintln!("{}：{e}", yiping_io::escape_control(&shown));
            }
        }
    }
    if failed > 0 {
        bail!("{failed}个文件未能导入");
    }
    Ok(())
}

fn print_outcome(o: &ImportOutcome) {
    let verb = if o.dry_run {
        "检查（未写入）"
    } else {
        "已导入"
    };
    let layout = match o.layout {
        Some(yiping_io::Layout::Long) => "，长表",
        Some(yiping_io::Layout::Wide) => "，宽表",
        None => "",
    };
    let periods: Vec<String> = o.periods.iter().map(Period::label_zh).collect();
    let periods = if periods.is_empty() {
        String::new()
    } else {
        format!("，时期：{}", periods.join("、"))
    };
    println!(
        "{verb} {}（{}{layout}{periods}）：{} 行",
        o.file,
        o.kind.label_zh(),
        o.rows
    );
    if let Some(r) = &o.observations {
        let prefix = if o.dry_run { "将" } else { "" };
        println!(
            "  {prefix}新增 {}，{prefix}修改 {}，未变 {}，空缺跳过 {}",
            r.inserted, r.updated, r.unchanged, o.skipped_missing
        );
        for line in o.changes.iter().take(20) {
            println!("  修改：{line}");
        }
        if !r.approved_changes.is_empty() {
            println!(
                "  {prefix}重新打开已审核数值 {} 个（--reopen{}）",
                r.approved_changes.len(),
                if o.dry_run {
                    ""
                } else {
                    "，已逐项记入审计"
                }
            );
        }
    }
    for w in &o.warnings {
        println!("  提醒：{w}");
    }
    for f in &o.findings {
        let kept = if o.dry_run {
            ""
        } else {
            "（已记为校验发现）"
        };
        println!("  校验：{f}{kept}");
    }
    if let Some(after) = &o.after {
        print_after_change(after);
    }
    if let Some(r) = &o.upserts {
        let prefix = if o.dry_run { "将" } else { "" };
        println!(
            "  {prefix}新增 {}，{prefix}修改 {}，未变 {}",
            r.inserted, r.updated, r.unchanged
        );
    }
}

/// What the pipeline after the change did: formulas, evaluations and alerts (failures on stderr).
fn print_after_change(after: &AfterChange) {
    if let Some(e) = &after.derive_error {
        println!("  公式指标未能重新计算：{e}");
    }
    let r = &after.recomputed;
    if !r.evaluated.is_empty() {
        let mut by_scheme: Vec<(String, Vec<String>)> = Vec::new();
        for (code, p) in &r.evaluated {
            match by_scheme.iter_mut().find(|(c, _)| c == code) {
                Some((_, ps)) => ps.push(p.label_zh()),
                None => by_scheme.push((code.clone(), vec![p.label_zh()])),
            }
        }
        let parts: Vec<String> = by_scheme
            .iter()
            .map(|(c, ps)| format!("{c}（{}）", ps.join("、")))
            .collect();
        println!("  已重新计算评价：{}", parts.join("；"));
    }
    for (code, p, why) in &r.failed {
        eprintln!("  评价 {code} {} 未能重新计算：{why}", p.label_zh());
    }
    if let Some(e) = &r.error {
        eprintln!("  数据已导入，但未能重新计算评价：{e}");
    }
    let a = &after.alerts;
    if a.firing > 0 {
        println!(
            "  监测预警：触发 {} 条，新生成问题 {} 个（yiping alerts --period 时期 查看）",
            a.firing, a.raised
        );
    }
    if let Some(e) = &a.error {
        eprintln!("  数据已导入，但未能检查预警规则：{e}");
    }
}
