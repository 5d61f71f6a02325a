//! One function per subcommand.

pub(crate) mod alerts;
mod demo;
mod evaluate;
mod export;
pub(crate) mod extract;
mod import;
pub(crate) mod items;
mod items_act;
mod items_metrics;
mod schemes;
mod serve;
pub(crate) mod user;

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
    Ok(opened.keep(&store))
}
