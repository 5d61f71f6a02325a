//! `yiping user`: add users, list them, reset passwords, enable/disable, issue and revoke API
//! tokens and show the sign-in record.

use std::io::BufRead;

use anyhow::{Context, bail};
use chrono::Utc;
use clap::{Args, Subcommand};
use yiping_access::Role;
use yiping_app::auth::{self, UserSpec};
use yiping_store::Store;

use crate::text_table::render;

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// 新增用户（密码从标准输入读取一行，或不给时随机生成并显示一次）
    Add {
        /// 登录名（英文字母、数字、- _ .）
        #[arg(long)]
        login: String,
        /// 姓名或称呼
        #[arg(long, default_value = "")]
        name: String,
        /// 角色：admin、analyst、reporter、handler、leader、grid_worker、enterprise（或中文名）
        #[arg(long)]
        role: Role,
        /// 所属单位的代码（区划代码、部门代码或统一社会信用代码）
        #[arg(long)]
        unit: String,
        /// 从标准输入读取密码（一行）
        #[arg(long)]
        password_stdin: bool,
    },
    /// 列出全部用户
    List,
    /// 重设密码（从标准输入读取，或随机生成），注销该用户的所有会话并吊销其全部 API 令牌
    Passwd {
        login: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// 停用用户（立即注销其会话，永久吊销其 API 令牌）
    Disable { login: String },
    /// 启用用户（已吊销的令牌不会恢复，需要时重新签发）
    Enable { login: String },
    /// 永久吊销用户的全部 API 令牌
    Revoke { login: String },
    /// 为集成系统签发 API 令牌（只显示一次）
    Token {
        login: String,
        /// 令牌用途
        #[arg(long, default_value = "集成")]
        name: String,
    },
    /// 最近的登录记录
    Logins {
        #[arg(long, default_value_t = 30)]
        limit: u32,
    },
}

pub async fn run(store: &dyn Store, args: UserArgs) -> anyhow::Result<()> {
    let now = Utc::now();
    match args.command {
        UserCommand::Add {
            login,
            name,
            role,
            unit,
            password_stdin,
        } => {
            let (password, generated) = password(password_stdin)?;
            let spec = UserSpec {
                login: login.clone(),
                name,
                role,
                unit_code: unit,
                password,
            };
            auth::add_user(store, &spec, "命令行", now).await?;
            println!("已新增用户 {login}（{}）", role.label_zh());
            if let Some(p) = generated {
                println!("初始密码（只显示这一次）：{p}");
            }
        }
        UserCommand::List => {
            let users = store.users().await?;
            let entities = store.all_entities().await?;
            let mut rows: Vec<Vec<String>> = Vec::new();
            for u in users {
                let role = u
                    .role
                    .parse::<Role>()
                    .map_or(u.role.clone(), |r| r.label_zh().to_string());
                let unit = entities
                    .iter()
                    .find(|e| e.id == u.unit)
                    .map_or_else(|| u.unit.0.to_string(), |e| e.data.name.clone());
                let state = if u.active { "启用" } else { "停用" };
                rows.push(vec![u.login, u.name, role, unit, state.to_string()]);
            }
            print!(
                "{}",
                render(&["登录名", "姓名", "角色", "单位", "状态"], &rows, &[])
            );
        }
        UserCommand::Passwd {
            login,
            password_stdin,
        } => {
            let (password, generated) = password(password_stdin)?;
            auth::reset_password(store, &login, &password, "命令行", now).await?;
            println!("已重设 {login} 的密码，其会话已全部注销，API 令牌已全部吊销");
            if let Some(p) = generated {
                println!("新密码（只显示这一次）：{p}");
            }
        }
        UserCommand::Disable { login } => {
            auth::set_user_active(store, &login, false, "命令行", now).await?;
            println!("已停用 {login}，其会话已注销，API 令牌已永久吊销");
        }
        UserCommand::Revoke { login } => {
            let n = auth::revoke_api_tokens(store, &login, "命令行", now).await?;
            println!("已吊销 {login} 的 API 令牌 {n} 个（永久有效，需要时重新签发）");
        }
        UserCommand::Enable { login } => {
            auth::set_user_active(store, &login, true, "命令行", now).await?;
            println!("已启用 {login}");
        }
        UserCommand::Token { login, name } => {
            let token = auth::issue_api_token(store, &login, &name, "命令行", now).await?;
            println!("API 令牌（只显示这一次，请求时放在 Authorization: Bearer 之后）：");
            println!("{token}");
        }
        UserCommand::Logins { limit } => {
            let mut rows: Vec<Vec<String>> = Vec::new();
            for r in store.login_records(limit).await? {
                let result = if r.success {
                    if r.reason == "logout" {
                        "退出"
                    } else {
                        "成功"
                    }
                    .to_string()
                } else {
                    format!("失败（{}）", r.reason)
                };
                rows.push(vec![
                    r.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    r.login,
                    r.ip,
                    result,
                ]);
            }
            print!(
                "{}",
                render(&["时间", "登录名", "地址", "结果"], &rows, &[])
            );
        }
    }
    Ok(())
}

/// The password read from standard input, or a random one (returned again to be shown).
fn password(from_stdin: bool) -> anyhow::Result<(String, Option<String>)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("读取标准输入中的密码")?;
        let p = line.trim_end_matches(['\r', '\n']).to_string();
        if p.is_empty() {
            bail!("标准输入中没有密码");
        }
        Ok((p, None))
    } else {
        let p = auth::new_secret()[..16].to_string();
        Ok((p.clone(), Some(p)))
    }
}
