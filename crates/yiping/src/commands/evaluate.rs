//! `yiping evaluate`: evaluate a stored scheme for a period and print its league table (read by
//! `app::results` as the system: the command line runs on the database itself), or evaluate a
//! CSV file directly (no database).

use std::fs::File;
use std::io::{BufReader, BufWriter};

use anyhow::{Context, bail};
use chrono::Utc;
use yiping_access::Principal;
use yiping_app::evaluate::{OutputColumns, evaluate_csv, evaluate_scheme};
use yiping_app::results::{self, LeagueQuery, Rows};
use yiping_eval::{Scheme, shipped};
use yiping_kernel::Period;
use yiping_store::Store;

use crate::cli::EvaluateArgs;
use crate::progress::Spinner;
use crate::text_table::render;

pub async fn run(store: &dyn Store, args: &EvaluateArgs) -> anyhow::Result<()> {
    if args.scheme_file.is_some() {
        bail!("--scheme-file 须与 --input 和 --output 一起使用（直接评价 CSV 文件，不用数据库）");
    }
    let Some(code) = &args.scheme else {
        bail!(
            "请用 --scheme 指定方案代码（yiping schemes 列出已有方案），或用 --scheme-file、--input、--output 直接评价 CSV 文件"
        );
    };
    let Some(period) = &args.period else {
        bail!("请用 --period 指定时期，如 2024Q1、2024H1、2024M01-M09、2024");
    };
    let period = Period::parse(period, None)?;
    let spinner = Spinner::start(format!("计算 {code} {}…", period.label_zh()));
    let summary = evaluate_scheme(store, code, period, Utc::now()).await;
    spinner.finish();
    let summary = summary?;
    let query = LeagueQuery {
        period: Some(period),
        cohort: args.cohort.clone(),
        grade: None,
        rows: if args.limit > 0 {
            Rows::First(args.limit)
        } else {
            Rows::All
        },
    };
    let league = results::league(store, &Principal::system(), &summary.scheme, &query).await?;
    let meta = league.meta();
    println!(
        "{}（{}，{}）",
        meta.scheme_name,
        summary.scheme,
        period.label_zh()
    );
    println!(
        "方案版本：{}年第{}版；评价对象 {} 个，参与排名 {} 个；对比时期：{}",
        league.run.scheme_year,
        league.run.scheme_version,
        summary.population,
        summary.ranked,
        summary
            .previous_period
            .map_or_else(|| "无".to_string(), |p| p.label_zh())
    );
    if let Some(c) = &args.cohort {
        println!("组别：{c}");
    }
    let decimals = usize::from(meta.score_decimals.unwrap_or(2));
    let rows: Vec<Vec<String>> = league
        .rows
        .iter()
        .map(|r| {
            vec![
                r.rank.map_or_else(|| "—".to_string(), |x| x.to_string()),
                r.entity_name.clone(),
                r.score
                    .map_or_else(|| "—".to_string(), |s| format!("{s:.decimals$}")),
                if r.exempt && r.grade.is_none() && !meta.grades.is_empty() {
                    "不定等级".to_string()
                } else {
                    r.grade.clone().unwrap_or_default()
                },
                r.colour.clone().unwrap_or_default(),
                r.rank_change.map(|m| m.label_zh()).unwrap_or_default(),
                r.explanation.clone(),
            ]
        })
        .collect();
    if rows.is_empty() {
        println!("（没有符合条件的评价对象）");
        return Ok(());
    }
    print!(
        "{}",
        render(
            &["排名", "名称", "得分", "等级", "颜色", "排名变化", "说明"],
            &rows,
            &[0, 2]
        )
    );
    if league.total as usize > league.rows.len() {
        println!(
            "（共 {} 个，仅显示前 {} 个；--limit 0 显示全部，yiping export --league {} --period {} -o 排名.xlsx 导出全部）",
            league.total,
            league.rows.len(),
            summary.scheme,
            period.code()
        );
    }
    for p in &summary.followed {
        println!("已同时更新 {} 的排名变化（与本期对比）", p.label_zh());
    }
    Ok(())
}

/// The scheme of a CSV evaluation: a TOML file, or a shipped scheme by code.
fn csv_scheme(args: &EvaluateArgs) -> anyhow::Result<Scheme> {
    if let Some(path) = &args.scheme_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("无法读取方案文件“{}”", path.display()))?;
        return Scheme::from_toml_str(&text)
            .with_context(|| format!("方案文件“{}”无效", path.display()));
    }
    let Some(code) = &args.scheme else {
        bail!("请用 --scheme-file 指定方案文件（TOML），或用 --scheme 指定内置方案代码");
    };
    let set = shipped::load_all()?;
    let found = set
        .schemes()
        .iter()
        .find(|s| s.code().eq_ignore_ascii_case(code))
        .cloned();
    found.with_context(|| {
        let codes: Vec<&str> = set.schemes().iter().map(Scheme::code).collect();
        format!(
            "没有内置方案“{code}”（内置：{}）；其他方案请用 --scheme-file",
            codes.join("、")
        )
    })
}

pub fn run_csv(args: &EvaluateArgs) -> anyhow::Result<()> {
    let (Some(input), Some(output)) = (&args.input, &args.output) else {
        bail!("--input 和 --output 须一起使用");
    };
    let scheme = csv_scheme(args)?;
    let reader = BufReader::with_capacity(
        1 << 20,
        File::open(input).with_context(|| format!("无法打开“{}”", input.display()))?,
    );
    let writer = BufWriter::with_capacity(
        1 << 20,
        File::create(output).with_context(|| format!("无法写入“{}”", output.display()))?,
    );
    let columns = if args.brief {
        OutputColumns::Brief
    } else {
        OutputColumns::Full
    };
    let r = evaluate_csv(&scheme, reader, writer, args.city.as_deref(), columns)
        .with_context(|| format!("评价“{}”", input.display()))?;
    let ev = &r.evaluation;
    let ranked = ev.rows.iter().filter(|x| x.rank.is_some()).count();
    println!(
        "已评价 {} 个对象（{}，{}），参与排名 {} 个，排名表已写入 {}",
        r.rows,
        scheme.name(),
        scheme.code(),
        ranked,
        output.display()
    );
    if !ev.grades.is_empty() {
        let counts: Vec<String> = ev
            .grades
            .iter()
            .enumerate()
            .map(|(g, name)| {
                let n = ev.rows.iter().filter(|x| x.grade == Some(g as u16)).count();
                format!("{name}{} {n}", ev.grade_suffix)
            })
            .collect();
        let exempt = ev.rows.iter().filter(|x| x.exempt).count();
        println!("  {}，不定等级 {exempt}", counts.join("，"));
    }
    if args.timing {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        eprintln!(
            "timing read_ms={:.1} compute_ms={:.1} write_ms={:.1}",
            ms(r.timings.read),
            ms(r.timings.compute),
            ms(r.timings.write)
        );
    }
    Ok(())
}
