//! One function per subcommand.

pub(crate) mod alerts;
pub(crate) mod brief;
pub(crate) mod config;
mod demo;
mod evaluate;
mod export;
pub(crate) mod extract;
mod import;
pub(crate) mod items;
pub(crate) mod items_act;
mod items_metrics;
mod schemes;
mod serve;
pub(crate) mod user;
pub(crate) mod validate;

use std::sync::Arc;

use anyhow::Context;
use yiping_app::database::{Create, DatabaseUrl, open};
use yiping_store::Store;

use crate::cli::{Cli, Command};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&cli.database)?;
    let mut opened = Opened::default();
    let result = dispatch(&url, cli.command, &mut opened).await;
    opened.finish().await;
    result
}

/// The stores a command opened, to be checkpointed when it ends (whatever its outcome): on SQLite
/// that folds the write-ahead log back into the file and truncates it, so that a finished import
/// leaves no log of its size and a plain copy of the file is complete.
#[derive(Default)]
struct Opened(Vec<Arc<dyn Store>>);

impl Opened {
    fn keep(&mut self, store: &Arc<dyn Store>) -> Arc<dyn Store> {
        self.0.push(store.clone());
        store.clone()
    }

    async fn finish(self) {
        for store in self.0 {
            if let Err(e) = store.checkpoint().await {
                tracing::warn!(error = %e, "checkpoint at exit failed");
            }
        }
    }
}

async fn dispatch(url: &DatabaseUrl, command: Command, opened: &mut Opened) -> anyhow::Result<()> {
    let url = url.clone();
    match command {
        Command::Init => {
            let store = opened.keep(&open(&url, Create::Yes).await?);
            println!(
                "数据库已就绪：{}（{}）",
                url.display(),
                store.backend().as_str()
            );
            Ok(())
        }
        Command::Migrate => {
            opened.keep(&open(&url, Create::No).await?);
            println!("数据库结构已是最新：{}", url.display());
            Ok(())
        }
        Command::Demo(args) => demo::run(&url, args, opened).await,
        Command::Serve(args) => {
            let store = open_existing(&url, opened).await?;
            serve::run(store, &args).await
        }
        Command::Import(args) => {
            import::run(open_existing(&url, opened).await?.as_ref(), args).await
        }
        Command::Brief(args) => brief::run(open_existing(&url, opened).await?.as_ref(), args).await,
        Command::Export(args) => {
            export::run(open_existing(&url, opened).await?.as_ref(), args).await
        }
        Command::Evaluate(args) => {
            if args.input.is_some() {
                // A CSV on its own: no database is opened.
                evaluate::run_csv(&args)
            } else {
                evaluate::run(open_existing(&url, opened).await?.as_ref(), &args).await
            }
        }
        Command::Schemes(args) => {
            schemes::run(open_existing(&url, opened).await?.as_ref(), &args).await
        }
        Command::Items(args) => {
            items::run(open_existing(&url, opened).await?.as_ref(), &args).await
        }
        Command::User(args) => user::run(open_existing(&url, opened).await?.as_ref(), args).await,
        Command::Alerts(args) => {
            alerts::run(open_existing(&url, opened).await?.as_ref(), &args).await
        }
        Command::Validate(args) => {
            validate::run(open_existing(&url, opened).await?.as_ref(), &args).await
        }
        Command::Config(args) => {
            config::run(open_existing(&url, opened).await?.as_ref(), args).await
        }
        Command::Backup(args) => {
            println!(
                "{}",
                yiping_app::backup::backup(&url, &args.out, args.force).await?
            );
            Ok(())
        }
        Command::Restore(args) => {
            println!(
                "{}",
                yiping_app::backup::restore(&url, &args.input, args.force).await?
            );
            Ok(())
        }
        // The database is optional here: without one the demo catalogue supplies the names.
        Command::Extract(args) => extract::run(&url, args).await,
        Command::RunJobs(args) => {
            items::run_jobs(open_existing(&url, opened).await?.as_ref(), &args).await
        }
    }
}

async fn open_existing(url: &DatabaseUrl, opened: &mut Opened) -> anyhow::Result<Arc<dyn Store>> {
    let store = open(url, Create::No)
        .await
        .with_context(|| format!("打开 {}", url.display()))?;
    finish_interrupted(store.as_ref()).await;
    Ok(opened.keep(&store))
}

/// Finishes the follow-ups (formulas, evaluations, alert rules) of imports whose process died
/// after committing (see `yiping_app::recovery`), and says so on stderr. A failure here does not
/// stop the command: the notes stay for the next one.
pub(crate) async fn finish_interrupted(store: &dyn Store) {
    match yiping_app::recovery::finish_pending(store, chrono::Utc::now()).await {
        Ok(done) => {
            for r in done {
                eprintln!(
                    "已补做中断的后续处理：{}（{}，{}）数据 {} 条、目标 {} 项；重算评价 {} 期，预警生成问题 {} 个",
                    r.source,
                    r.actor,
                    r.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                    r.observations,
                    r.targets,
                    r.after.recomputed.evaluated.len(),
                    r.after.alerts.raised
                );
            }
        }
        Err(e) => eprintln!("警告：补做中断的后续处理失败（下次运行时再试）：{e}"),
    }
}
