//! `yiping config`: a city's configuration as a folder of plain files — export what is in force,
//! check or import an edited folder (all or nothing, audited), show the calendar's years.

use std::path::PathBuf;

use anyhow::bail;
use chrono::{Datelike, Utc};
use clap::{Args, Subcommand};
use yiping_access::Principal;
use yiping_app::AppError;
use yiping_app::config::{self, FileChange};
use yiping_store::Store;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// 把现行配置写入文件夹：calendar.csv（工作日历）、categories.toml（事项分类）、routing.csv（派遣规则）、alerts.toml（预警规则）、screens.toml（一屏设置）、notify.toml（通知外发）
    Export {
        /// 目标文件夹（不存在时创建）
        dir: PathBuf,
    },
    /// 从文件夹导入配置（只导入其中的配置文件；全部正确才写入，逐条指出文件、行和字段）
    Import {
        /// 配置文件夹
        dir: PathBuf,
        /// 只检查并显示将发生的变化，不写入
        #[arg(long)]
        dry_run: bool,
        /// 以哪个用户的身份导入（记入审计；默认 system）
        #[arg(long)]
        user: Option<String>,
    },
    /// 显示工作日历已有哪些年份的节假日安排，并提示缺少的年份
    Calendar,
}

pub async fn run(store: &dyn Store, args: ConfigArgs) -> anyhow::Result<()> {
    let now = Utc::now();
    match args.command {
        ConfigCommand::Export { dir } => {
            let written = config::export_dir(store, &Principal::system(), &dir).await?;
            for path in &written {
                println!("已写出 {}", path.display());
            }
            print_calendar_warning(store, now).await?;
            Ok(())
        }
        ConfigCommand::Import { dir, dry_run, user } => {
            let p = match user {
                Some(login) => crate::commands::items_act::acting_user(store, &login).await?,
                None => Principal::system(),
            };
            match config::import_dir(store, &p, &dir, dry_run, now).await {
                Ok(report) => {
                    for (name, change) in &report.files {
                        let what = match change {
                            FileChange::Unchanged => "未变",
                            FileChange::Changed if dry_run => "将更新",
                            FileChange::Changed => "已更新",
                        };
                        println!("{name}：{what}（{}）", config::title_zh(name));
                    }
                    if dry_run {
                        println!("检查通过（试导入，数据库未作任何修改）");
                    } else {
                        println!("已导入 {} 个配置文件", report.changed());
                    }
                    for w in &report.warnings {
                        eprintln!("警告：{w}");
                    }
                    Ok(())
                }
                Err(AppError::Rejected { file, problems }) => {
                    eprintln!(
                        "{file}：发现{}处问题，配置未导入，数据库未作任何修改：",
                        problems.len()
                    );
                    for p in &problems {
                        eprintln!("  {p}");
                    }
                    bail!("配置未导入")
                }
                Err(e) => Err(e.into()),
            }
        }
        ConfigCommand::Calendar => {
            let cal = yiping_app::calendar::current(store).await?;
            let years: Vec<String> = cal.years().iter().map(|y| format!("{y}年")).collect();
            println!("工作日历已有：{}", years.join("、"));
            print_calendar_warning(store, now).await?;
            Ok(())
        }
    }
}

/// Warns when the calendar lacks this year or next (deadlines then fall on guessed days).
async fn print_calendar_warning(
    store: &dyn Store,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let cal = yiping_app::calendar::current(store).await?;
    let today = cal.local(now).date();
    let end = chrono::NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).unwrap_or(today);
    if let Some(w) = yiping_app::calendar::coverage_warning(&cal, today, end) {
        eprintln!("警告：{w}");
    }
    Ok(())
}
