//! `yiping items new` and `yiping items do`: the rest of the closed loop from the command line,
//! acting as a real user found by login, through the same door as the HTTP API
//! (`yiping_app::work_items::door`: role, scope, version and the engine's rules). Only an
//! administrator may give `--at`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::Args;
use serde::Deserialize;
use serde_json::Value;
use yiping_access::Principal;
use yiping_app::auth::{ScopeCache, principal};
use yiping_app::work_items::door::{self, Action};
use yiping_app::work_items::{CreateItem, FlowSetup};
use yiping_flow::{Command, ItemId, ItemKind, Recipient};
use yiping_store::{ItemExtras, Store};

use super::items::{UnitNames, local, resolve_unit};

#[derive(Debug, Args)]
pub struct NewArgs {
    /// 以哪个用户的身份新建（登录名）
    #[arg(long = "as", value_name = "LOGIN")]
    pub actor: String,
    /// 与 POST /api/v1/items 相同的 JSON 文件（kind、title、category、channel、receiving_unit …）；
    /// 给出时不再使用下面的选项
    #[arg(long, conflicts_with_all = ["kind", "title", "category"])]
    pub file: Option<PathBuf>,
    /// 类型：event 事件、enterprise_request 企业诉求、problem 问题、directive 指令、service_case 服务事项
    #[arg(long, required_unless_present = "file")]
    pub kind: Option<String>,
    /// 标题（事项描述）
    #[arg(long, required_unless_present = "file")]
    pub title: Option<String>,
    /// 分类代码，如 事件/01/01
    #[arg(long, required_unless_present = "file")]
    pub category: Option<String>,
    /// 受理单位（主体代码、名称或编号；默认操作人所在单位）
    #[arg(long)]
    pub unit: Option<String>,
    /// 发生地（区划代码、名称或编号）
    #[arg(long)]
    pub location: Option<String>,
    /// 企业（企业诉求须填：统一社会信用代码、名称或编号）
    #[arg(long)]
    pub enterprise: Option<String>,
    /// 问题来源（问题须填）：巡视、督查、审计、环保、网络舆情、安全生产、信访、社会平安稳定
    #[arg(long)]
    pub problem_source: Option<String>,
    /// 渠道：hotline、online、grid_worker、enterprise、leadership、monitoring（默认按类型）
    #[arg(long)]
    pub channel: Option<String>,
    /// 优先级：normal 一般、urgent 紧急
    #[arg(long, default_value = "normal")]
    pub priority: String,
    /// 受理时刻（RFC 3339；仅系统管理员可指定）
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Args)]
pub struct DoArgs {
    /// 事项编号
    pub id: i64,
    /// 操作（与 API 相同的 JSON），如 '"sign"'、'{"dispatch": {"unit": "D009"}}'、
    /// '{"fan_out": {"units": ["D009", "500103"]}}'；单位可写主体代码、名称或编号
    pub command: String,
    /// 以哪个用户的身份操作（登录名）
    #[arg(long = "as", value_name = "LOGIN")]
    pub actor: String,
    /// 操作依据的事项版本（yiping items --show 可见）；事项已被他人修改时拒绝
    #[arg(long)]
    pub version: u64,
    /// 给流转记录的说明
    #[arg(long)]
    pub note: Option<String>,
    /// 操作时刻（RFC 3339；仅系统管理员可指定）
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
}

/// The signed-in user of the API, found by login: active, with their role and scope.
pub(crate) async fn acting_user(store: &dyn Store, login: &str) -> anyhow::Result<Principal> {
    let Some(user) = store.user_by_login(login).await? else {
        bail!("用户“{login}”不存在");
    };
    if !user.active {
        bail!("用户“{login}”已停用");
    }
    Ok(principal(store, &ScopeCache::default(), &user).await?)
}

fn parse_named<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> anyhow::Result<T> {
    serde_json::from_value(Value::String(s.trim().to_string()))
        .with_context(|| format!("{what}“{s}”无效"))
}

fn parse_kind(s: &str) -> anyhow::Result<ItemKind> {
    match ItemKind::ALL.into_iter().find(|k| k.label_zh() == s.trim()) {
        Some(k) => Ok(k),
        None => parse_named("类型", s),
    }
}

fn default_channel(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::EnterpriseRequest => "enterprise",
        ItemKind::Event => "hotline",
        _ => "leadership",
    }
}

#[derive(Debug, Deserialize)]
struct CreateFile {
    #[serde(flatten)]
    item: CreateItem,
    #[serde(default)]
    at: Option<DateTime<Utc>>,
}

async fn new_item(
    store: &dyn Store,
    p: &Principal,
    args: &NewArgs,
) -> anyhow::Result<(CreateItem, Option<DateTime<Utc>>)> {
    if let Some(path) = &args.file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("读取 {}", path.display()))?;
        let mut raw: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} 不是有效的 JSON", path.display()))?;
        resolve_units(store, &mut raw).await?;
        let f: CreateFile = serde_json::from_value(raw)
            .with_context(|| format!("{} 不是有效的新建事项", path.display()))?;
        return Ok((f.item, f.at.or(args.at)));
    }
    let (Some(kind), Some(title), Some(category)) = (&args.kind, &args.title, &args.category)
    else {
        bail!("须给出 --kind、--title 和 --category，或 --file");
    };
    let kind = parse_kind(kind)?;
    let unit = |s: &Option<String>| {
        let s = s.clone();
        async move {
            match s {
                Some(s) => resolve_unit(store, &s).await.map(Some),
                None => Ok(None),
            }
        }
    };
    let channel = args.channel.as_deref().unwrap_or(default_channel(kind));
    let item = CreateItem {
        kind,
        title: title.clone(),
        category: yiping_flow::CategoryCode::parse(category)?,
        priority: parse_named("优先级", &args.priority)?,
        channel: parse_named("渠道", channel)?,
        receiving_unit: unit(&args.unit).await?.unwrap_or(p.unit),
        location: unit(&args.location).await?,
        enterprise: unit(&args.enterprise).await?,
        reporter: None,
        requester: None,
        extras: ItemExtras {
            problem_source: args.problem_source.clone(),
            ..ItemExtras::default()
        },
    };
    Ok((item, args.at))
}

pub async fn create(store: &dyn Store, args: &NewArgs) -> anyhow::Result<()> {
    let p = acting_user(store, &args.actor).await?;
    let (item, at) = new_item(store, &p, args).await?;
    let setup = FlowSetup::load(store).await?;
    let created = door::create(store, &setup, &p, item, at).await?;
    let i = &created.item.item;
    println!(
        "已新建事项 {}：{}（{}，{}，版本 {}）",
        i.id,
        i.title,
        i.kind.label_zh(),
        i.stage,
        i.version
    );
    if let Some(r) = &created.suggested_route {
        println!("  建议派遣：{r}");
    }
    Ok(())
}

/// Unit codes or names given for a unit field or `units` (in a command or a new item) become
/// entity ids, through the one resolver.
async fn resolve_units(store: &dyn Store, v: &mut Value) -> anyhow::Result<()> {
    Ok(yiping_app::units::resolve_fields(store, v).await?)
}

pub async fn act(store: &dyn Store, args: &DoArgs) -> anyhow::Result<()> {
    let p = acting_user(store, &args.actor).await?;
    let mut raw: Value = serde_json::from_str(&args.command)
        .or_else(|_| serde_json::from_value(Value::String(args.command.clone())))
        .context("操作应为 JSON，如 '\"sign\"' 或 '{\"dispatch\": {\"unit\": \"D009\"}}'")?;
    resolve_units(store, &mut raw).await?;
    let cmd: Command =
        serde_json::from_value(raw).with_context(|| format!("操作“{}”无效", args.command))?;
    let setup = FlowSetup::load(store).await?;
    let id = ItemId(args.id);
    let action = Action::new(id, args.version, cmd).with_note(args.note.clone());
    let out = door::act(store, &setup, &p, action, args.at).await?;
    let i = &out.item.item;
    let step = out.item.records.last().map(|r| &r.entry);
    println!(
        "事项 {id}：{} → {}（版本 {}，{} 以{}身份于 {}）",
        step.map_or(i.stage, |e| e.from),
        i.stage,
        i.version,
        p.login,
        out.actor.role,
        local(out.at).format("%Y-%m-%d %H:%M"),
    );
    if !out.children.is_empty() {
        let ids: Vec<String> = out.children.iter().map(|c| c.to_string()).collect();
        println!("  已下发子事项：{}", ids.join("、"));
    }
    let names = UnitNames::load(store).await?;
    for (to, message) in out.notices() {
        let to = match to {
            Recipient::Unit(u) => format!("单位 {}", names.name(*u)),
            Recipient::User(u) => format!("用户 {u}"),
        };
        println!("  通知{to}：{message}");
    }
    Ok(())
}
