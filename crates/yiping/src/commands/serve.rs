use std::sync::Arc;

use anyhow::Context;
use yiping_http::AppState;
use yiping_store::Store;

use crate::cli::ServeArgs;

pub async fn run(store: Arc<dyn Store>, args: &ServeArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("无法监听 {}（端口被占用？可用 --addr 换一个）", args.addr))?;
    let addr = listener.local_addr()?;
    println!("yiping 已启动：http://{addr}/");
    println!("  健康检查  http://{addr}/healthz");
    println!("  接口示例  http://{addr}/api/v1/entities?level=2");
    println!(
        "            http://{addr}/api/v1/observations?indicator=GDP&period=2024Q1&measure=growth"
    );
    println!("按 Ctrl+C 停止。");
    tokio::spawn(super::items::jobs_every_minute(store.clone()));
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    yiping_http::serve(
        listener,
        AppState::new(store).with_open311_key(std::env::var("YIPING_OPEN311_API_KEY").ok()),
        shutdown,
    )
    .await
    .context("服务异常退出")?;
    Ok(())
}
