use anyhow::Context;
use chrono::Utc;
use yiping_app::database::{Create, DatabaseUrl, open};
use yiping_demo::{
    DEMO_NOTICE, DEMO_PASSWORD, DemoDay, ensure_demo_users, generate_for, load_demo,
};
use yiping_kernel::Period;
use yiping_store::ChangeContext;

use crate::cli::DemoArgs;
use crate::progress::Spinner;

pub async fn run(
    url: &DatabaseUrl,
    args: DemoArgs,
    opened: &mut super::Opened,
) -> anyhow::Result<()> {
    // A fixed day acts at 09:00 China time on it; otherwise the demo is as of now.
    let (day, now) = match args.today {
        Some(d) => {
            let day = DemoDay::new(d).map_err(anyhow::Error::msg)?;
            (day, day.morning())
        }
        None => (
            DemoDay::now_in_china().map_err(anyhow::Error::msg)?,
            Utc::now(),
        ),
    };
    let store = opened.keep(&open(url, Create::Yes).await?);
    let spinner = Spinner::start("生成演示数据…".into());
    let data = generate_for(args.seed, day);
    spinner.set(format!("写入 {} 条数据…", data.observations.len()));
    let ctx = ChangeContext::new(
        "演示数据",
        format!("yiping demo --seed {} --today {}", args.seed, day.today()),
        now,
    );
    let summary = load_demo(store.as_ref(), &data, &ctx)
        .await
        .context("写入演示数据")?;
    spinner.finish();
    println!("演示数据库已就绪：{}", url.display());
    let (y, m) = day.through();
    let latest = Period::month(y, m)?;
    println!(
        "  演示日期 {}：数据截至 {}（{}），事项为此前 12 个月内受理",
        day.today(),
        latest.label_zh(),
        latest.code()
    );
    println!(
        "  主体 {} 个，指标 {} 个，数据 {} 条，目标 {} 条",
        summary.entities, summary.indicators, summary.observations, summary.targets
    );
    println!(
        "  评价方案 {} 个，已计算 {} 期评价结果（yiping schemes 查看方案，yiping evaluate --scheme 代码 --period 时期 查看排名）",
        summary.schemes, summary.evaluations
    );
    let quarters = yiping_demo::alert_periods(&day);
    if let Some(q) = quarters.last() {
        println!(
            "  监测预警规则为 {} 年各季度生成问题 {} 个（yiping alerts --period {} 查看）",
            q.year_number(),
            summary.alert_problems,
            q.code()
        );
    }
    println!(
        "  {}",
        yiping_demo::items::load_at(
            store.as_ref(),
            args.seed,
            yiping_demo::items::DEMO_ITEMS,
            now
        )
        .await
        .context("生成演示事项")?
    );
    let users = ensure_demo_users(store.as_ref(), now)
        .await
        .context("创建演示用户")?;
    println!("  {DEMO_NOTICE}");
    if !args.serve {
        println!("演示用户（密码均为 {DEMO_PASSWORD}）：");
        for u in users.iter().filter(|u| !u.grid_worker) {
            println!("  {:<18} {}，{}", u.login, u.role.label_zh(), u.unit_name);
        }
        let grid_workers = users.iter().filter(|u| u.grid_worker).count();
        println!(
            "  另有各网格的网格员 {grid_workers} 名，登录名为 grid-网格代码（如 grid-500101110200001）"
        );
    }
    if args.serve {
        super::serve::run(store, &args.server).await?;
    }
    Ok(())
}
