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
    println!("  登录      http://{addr}/login");
    print_users(store.as_ref()).await?;
    println!("  健康检查  http://{addr}/healthz");
    println!(
        "  JSON 接口 http://{addr}/api/v1/…（需登录，或带 API 令牌：yiping user token 登录名）"
    );
    println!("按 Ctrl+C 停止（或发送 SIGTERM：完成进行中的请求后退出）。");
    tokio::spawn(super::items::jobs_every_minute(store.clone()));
    tokio::spawn(super::items::deliveries_every_few_seconds(store.clone()));
    tokio::spawn(purge_sessions_hourly(store.clone()));
    tokio::spawn(finish_interrupted_every_minute(store.clone()));
    let stopping = Arc::new(tokio::sync::Notify::new());
    let shutdown = {
        let stopping = stopping.clone();
        async move {
            let signal = stop_signal().await;
            println!(
                "收到 {signal}：不再接受新连接，正在完成进行中的请求（最多 {DRAIN_SECS} 秒）…"
            );
            stopping.notify_one();
        }
    };
    let server = yiping_http::serve(
        listener,
        AppState::new(store)
            .with_open311_key(std::env::var("YIPING_OPEN311_API_KEY").ok())
            .with_metrics_token(std::env::var("YIPING_METRICS_TOKEN").ok())
            .with_secure_cookies(args.secure_cookies),
        shutdown,
    );
    let deadline = async {
        stopping.notified().await;
        tokio::time::sleep(std::time::Duration::from_secs(DRAIN_SECS)).await;
    };
    tokio::select! {
        done = server => done.context("服务异常退出")?,
        () = deadline => println!("仍有请求未完成，已等待 {DRAIN_SECS} 秒，强制停止"),
    }
    println!("yiping 已停止。");
    Ok(())
}

/// How long a stopping server waits for requests in progress.
const DRAIN_SECS: u64 = 30;

/// Waits for Ctrl+C or (on Unix) SIGTERM, which systemd and container runtimes send; names it.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "Ctrl+C",
                _ = term.recv() => "SIGTERM",
            },
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                let _ = tokio::signal::ctrl_c().await;
                "Ctrl+C"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl+C"
    }
}

/// Lists who can sign in: the demo users with their shared password, or how to add a first user.
async fn print_users(store: &dyn Store) -> anyhow::Result<()> {
    let users = store.users().await.context("读取用户")?;
    if users.is_empty() {
        println!(
            "  尚无用户：先运行 yiping user add --login admin --role admin --unit <单位代码> 新增管理员"
        );
        return Ok(());
    }
    let demo = yiping_demo::DEMO_PASSWORD;
    let with_demo_password: Vec<_> = users
        .iter()
        .filter(|u| u.active && yiping_app::auth::verify_password(demo, &u.password_hash))
        .collect();
    if with_demo_password.is_empty() {
        println!("  用户 {} 个（yiping user list 查看）", users.len());
        return Ok(());
    }
    println!("  演示用户（密码均为 {demo}，正式使用前请用 yiping user passwd 修改）：");
    let entities = store.all_entities().await.context("读取单位")?;
    // The demo's grid workers (grid-<网格代码>) are counted, not listed.
    let (grid_workers, named): (Vec<_>, Vec<_>) = with_demo_password
        .into_iter()
        .partition(|u| u.login.starts_with("grid-5"));
    for u in named {
        let role = u
            .role
            .parse::<yiping_access::Role>()
            .map_or(u.role.clone(), |r| r.label_zh().to_string());
        let unit = entities
            .iter()
            .find(|e| e.id == u.unit)
            .map_or_else(String::new, |e| e.data.name.clone());
        println!("    {:<18} {role}，{unit}", u.login);
    }
    if !grid_workers.is_empty() {
        println!(
            "    另有各网格的网格员 {} 名，登录名为 grid-网格代码",
            grid_workers.len()
        );
    }
    Ok(())
}

/// Finishes, once a minute, the follow-ups of imports whose process died after committing (a
/// command-line import killed while the server runs); the server's own start did it once already.
async fn finish_interrupted_every_minute(store: Arc<dyn Store>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    tick.tick().await;
    loop {
        tick.tick().await;
        super::finish_interrupted(store.as_ref()).await;
    }
}

/// Deletes expired sessions once an hour (they are refused anyway; this keeps the table small).
async fn purge_sessions_hourly(store: Arc<dyn Store>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        if let Err(e) = store.purge_sessions(chrono::Utc::now()).await {
            tracing::warn!(error = %e, "purging expired sessions failed");
        }
    }
}
