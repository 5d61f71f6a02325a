use anyhow::Context;
use chrono::Utc;
use yiping_app::database::{Create, DatabaseUrl, open};
use yiping_demo::{DEMO_NOTICE, DEMO_PASSWORD, ensure_demo_users, generate, load_demo};
use yiping_store::ChangeContext;

use crate::cli::DemoArgs;
use crate::progress::Spinner;

pub async fn run(
    url: &DatabaseUrl,
    args: DemoArgs,
    opened: &mut super::Opened,
) -> anyhow::Result<()> {
    let store = opened.keep(&open(url, Create::Yes).await?);
    let spinner = Spinner::start("生成演示数据…".into());
    let data = generate(args.seed);
    spinner.set(format!("写入 {} 条数据…", data.observations.len()));
    let ctx = ChangeContext::new(
        "演示数据",
        format!("yiping demo --seed {}", args.seed),
        Utc::now(),
    );
    let summary = load_demo(store.as_ref(), &data, &ctx)
        .await
        .context("写入演示数据")?;
    spinner.finish();
    println!("演示数据库已就绪：{}", url.display());
    println!(
        "  主体 {} 个，指标 {} 个，数据 {} 条，目标 {} 条",
        summary.entities, summary.indicators, summary.observations, summary.targets
    );
    println!(
        "  评价方案 {} 个，已计算 {} 期评价结果（yiping schemes 查看方案，yiping evaluate --scheme 代码 --period 时期 查看排名）",
        summary.schemes, summary.evaluations
    );
    println!(
        "  监测预警规则为 2024 年各季度生成问题 {} 个（yiping alerts --period 2024M01-M09 查看）",
        summary.alert_problems
    );
    println!(
        "  {}",
        yiping_demo::items::load(store.as_ref(), args.seed)
            .await
            .context("生成演示事项")?
    );
    let users = ensure_demo_users(store.as_ref(), Utc::now())
        .await
        .context("创建演示用户")?;
    println!("  {DEMO_NOTICE}");
    if !args.serve {
        println!("演示用户（密码均为 {DEMO_PASSWORD}）：");
        for u in &users {
            println!("  {:<18} {}，{}", u.login, u.role.label_zh(), u.unit_name);
        }
    }
    if args.serve {
        super::serve::run(store, &args.server).await?;
    }
    Ok(())
}
