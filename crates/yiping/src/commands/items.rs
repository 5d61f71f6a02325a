//! `yiping items` (a unit's inbox or one item with its history; `new`, `do` and `metrics` in
//! their own modules) and `yiping run-jobs` (overdue detection, warnings, chase notices,
//! escalation and the handling figures).

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use yiping_app::work_items::metrics::MetricsSchedule;
use yiping_app::work_items::{self, FlowSetup, ItemView};
use yiping_flow::{ItemId, Stage};
use yiping_kernel::EntityId;
use yiping_store::{Page, Store, WorkItemFilter};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ItemsArgs {
    #[command(subcommand)]
    pub action: Option<ItemsAction>,
    /// 只看某单位的待办（代码如 500103、D009，或名称如 渝中区）
    #[arg(long)]
    pub unit: Option<String>,
    /// 状态：received registered dispatched signed handling replied verified closed rejected
    /// awaiting_ruling cancelled（可用中文：受理 立案 派遣 …）
    #[arg(long)]
    pub stage: Option<String>,
    /// 只看已超期的事项
    #[arg(long)]
    pub overdue: bool,
    /// 显示一个事项及其全部流转记录
    #[arg(long)]
    pub show: Option<i64>,
    /// 最多显示多少条
    #[arg(long, default_value_t = 30)]
    pub limit: u32,
}

#[derive(Debug, Subcommand)]
pub enum ItemsAction {
    /// 新建事项（以某用户身份，按其角色和管辖范围检查）
    New(super::items_act::NewArgs),
    /// 对事项执行一个操作（签收、派遣、分派、反馈、核查、结案 …），以某用户身份
    Do(super::items_act::DoArgs),
    /// 计算一个时期各单位的办理指标（--write 写入 WI_* 指标）
    Metrics(super::items_metrics::MetricsArgs),
}

#[derive(Debug, Args)]
pub struct RunJobsArgs {
    /// 以此时刻为“现在”运行（RFC 3339，如 2024-12-31T09:00:00+08:00；默认当前时间）
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
}

fn parse_stage(s: &str) -> anyhow::Result<Stage> {
    Stage::ALL
        .into_iter()
        .find(|st| {
            st.label_zh() == s
                || serde_json::to_value(st)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    == Some(s.to_string())
        })
        .with_context(|| format!("状态“{s}”无效"))
}

/// The unit a `--unit` (or `--location`, `--enterprise`) option names: code, name, alias or
/// internal id, through the one resolver ([`yiping_app::units`]).
pub(super) async fn resolve_unit(store: &dyn Store, s: &str) -> anyhow::Result<EntityId> {
    Ok(yiping_app::units::resolve(store, s).await?)
}

/// Unit names by id, to print `承办 渝中区` rather than an internal id.
pub(super) struct UnitNames(std::collections::HashMap<EntityId, String>);

impl UnitNames {
    pub(super) async fn load(store: &dyn Store) -> anyhow::Result<Self> {
        Ok(Self(
            store
                .all_entities()
                .await?
                .into_iter()
                .map(|e| (e.id, e.data.name))
                .collect(),
        ))
    }

    /// The unit's name, or `编号 8` when it is not stored.
    pub(super) fn name(&self, id: EntityId) -> String {
        self.0
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("编号 {id}"))
    }
}

/// Beijing time, as users read it.
pub(super) fn local(t: DateTime<Utc>) -> DateTime<chrono::FixedOffset> {
    t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("a valid offset"))
}

fn line(v: &ItemView, names: &UnitNames) -> String {
    // A deadline close at hand is 临期, not 预警: a problem raised by a monitoring rule already
    // says 预警 in its title, and the two read as one doubled word.
    let flag = if v.overdue {
        "【超期】"
    } else if v.due_soon {
        "【临期】"
    } else {
        ""
    };
    format!(
        "{:>7}  {:<6} {:<4} {}{}  （{}，承办 {}，期限 {}）",
        v.id.0,
        v.kind_name,
        v.stage_name,
        flag,
        v.title,
        v.category_name.as_deref().unwrap_or("未知分类"),
        names.name(v.assignee.unwrap_or(v.owner_unit)),
        v.due_at
            .map(|d| local(d).format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "—".into()),
    )
}

pub async fn run(store: &dyn Store, args: &ItemsArgs) -> anyhow::Result<()> {
    match &args.action {
        Some(ItemsAction::New(a)) => return super::items_act::create(store, a).await,
        Some(ItemsAction::Do(a)) => return super::items_act::act(store, a).await,
        Some(ItemsAction::Metrics(a)) => return super::items_metrics::run(store, a).await,
        None => {}
    }
    let setup = FlowSetup::load(store).await?;
    let names = UnitNames::load(store).await?;
    let now = Utc::now();
    if let Some(id) = args.show {
        let Some(v) = work_items::item_view(store, &setup, ItemId(id), now).await? else {
            bail!("事项 {id} 不存在");
        };
        println!("{}", line(&v, &names));
        if let Some(w) = &v.calendar_warning {
            eprintln!("警告：{w}");
        }
        println!(
            "  当前版本 {}（yiping items do {} --version {} …）",
            v.version, id, v.version
        );
        for r in v.history.iter().flatten() {
            let e = &r.entry;
            println!(
                "  v{} {} {}（{}，单位 {}）{} → {}{}{}",
                e.version,
                local(e.at).format("%Y-%m-%d %H:%M"),
                e.actor.user,
                e.actor.role,
                names.name(e.actor.unit),
                e.from,
                e.to,
                r.note
                    .as_deref()
                    .map(|n| format!("：{n}"))
                    .unwrap_or_default(),
                if r.overdue { "（超期）" } else { "" },
            );
        }
        return Ok(());
    }
    let mut filter = WorkItemFilter::default();
    if let Some(u) = &args.unit {
        filter.unit = Some(resolve_unit(store, u).await?);
        filter.open_only = true;
    }
    if let Some(s) = &args.stage {
        filter.stages.push(parse_stage(s)?);
    }
    let page = work_items::list(
        store,
        &setup,
        filter,
        args.overdue,
        Page::first(args.limit),
        now,
    )
    .await?;
    for v in &page.items {
        println!("{}", line(v, &names));
    }
    println!("共 {} 件，显示 {} 件", page.total, page.items.len());
    // The calendar lacks a year some deadlines run into: say so once, never a silent guess.
    let mut warnings: Vec<&str> = page
        .items
        .iter()
        .filter_map(|v| v.calendar_warning.as_deref())
        .collect();
    warnings.sort_unstable();
    warnings.dedup();
    for w in warnings {
        eprintln!("警告：{w}");
    }
    Ok(())
}

pub async fn run_jobs(store: &dyn Store, args: &RunJobsArgs) -> anyhow::Result<()> {
    let setup = FlowSetup::load(store).await?;
    let now = args.at.unwrap_or_else(Utc::now);
    let r = work_items::run_jobs(store, &setup, now, &MetricsSchedule::new()).await?;
    println!(
        "超期 {} 件，预警 {} 件，催办 {} 件，升级 {} 件，并发冲突 {} 件（下次再处理），未能处理 {} 件",
        r.overdue,
        r.warned.len(),
        r.reminded.len(),
        r.escalated.len(),
        r.conflicts,
        r.refused.len()
    );
    for (id, why) in r.refused.iter().take(10) {
        println!("  事项 {id}：{why}");
    }
    if let Some(m) = &r.metrics {
        for (p, w) in &m.written {
            println!(
                "办理指标 {}：{} 个单位，新增 {}，修改 {}，未变 {}",
                p.code(),
                w.units,
                w.inserted,
                w.updated,
                w.unchanged
            );
        }
        if !m.evaluated.is_empty() {
            println!("已重算评价：{}", m.evaluated.join("、"));
        }
        for f in &m.failed {
            println!("评价未能重算：{f}");
        }
    }
    // The notices of this run (and any queued before) go out now.
    let d = yiping_app::delivery::run(store, now).await?;
    if d != yiping_app::delivery::DeliveryReport::default() {
        println!(
            "通知外发：已发送 {}，待重试 {}，放弃 {}",
            d.sent, d.retrying, d.failed
        );
    }
    if let Some(e) = &r.metrics_error {
        bail!("办理指标未能写入：{e}");
    }
    Ok(())
}

/// Sends the queued copies of notifications (e-mail, group robots) every few seconds inside
/// `yiping serve`, so that the request that caused a notice never waits on a mail server.
pub async fn deliveries_every_few_seconds(store: std::sync::Arc<dyn Store>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
    loop {
        tick.tick().await;
        match yiping_app::delivery::run(store.as_ref(), Utc::now()).await {
            Ok(r) if r.failed > 0 => {
                tracing::warn!(failed = r.failed, "通知外发：多次重试后仍失败，已放弃");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "通知外发未能运行"),
        }
    }
}

/// The jobs inside `yiping serve`: once a minute, logging failures and carrying on.
pub async fn jobs_every_minute(store: std::sync::Arc<dyn Store>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    // Remembers when the handling figures were written: at most hourly per month.
    let schedule = MetricsSchedule::new();
    loop {
        tick.tick().await;
        let result = async {
            let setup = FlowSetup::load(store.as_ref()).await?;
            work_items::run_jobs(store.as_ref(), &setup, Utc::now(), &schedule).await
        }
        .await;
        match result {
            Ok(r) => {
                if !r.reminded.is_empty() || !r.escalated.is_empty() {
                    tracing::info!(
                        reminded = r.reminded.len(),
                        escalated = r.escalated.len(),
                        overdue = r.overdue,
                        "定时任务：催办和升级"
                    );
                }
                if let Some(m) = &r.metrics {
                    tracing::info!(
                        months = m.written.len(),
                        evaluated = m.evaluated.len(),
                        failed = m.failed.len(),
                        "定时任务：办理指标已写入"
                    );
                }
                if let Some(e) = &r.metrics_error {
                    tracing::warn!(error = %e, "定时任务：办理指标未能写入");
                }
            }
            Err(e) => tracing::warn!(error = %e, "定时任务失败"),
        }
    }
}
