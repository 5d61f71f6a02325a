//! One function per subcommand.

pub(crate) mod alerts;
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

use std::sync::Arc;

use anyhow::Context;
use yiping_app::database::{Create, DatabaseUrl, open};
use yiping_store::Store;

use crate::cli::{Cli, Command};

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = DatabaseUrl::parse(&cli.database)?;
    match cli.command {
        Command::Init => {
            let store = open(&url, Create::Yes).await?;
            println!(
                "数据库已就绪：{}（{}）",
                url.display(),
                store.backend().as_str()
            );
            Ok(())
        }
        Command::Migrate => {
            open(&url, Create::No).await?;
            println!("数据库结构已是最新：{}", url.display());
            Ok(())
        }
        Command::Demo(args) => demo::run(&url, args).await,
        Command::Serve(args) => {
            let store = open_existing(&url).await?;
            serve::run(store, &args).await
        }
        Command::Import(args) => import::run(open_existing(&url).await?.as_ref(), args).await,
        Command::Export(args) => export::run(open_existing(&url).await?.as_ref(), args).await,
        Command::Evaluate(args) => {
            if args.input.is_some() {
                // A CSV on its own: no database is opened.
                evaluate::run_csv(&args)
            } else {
                evaluate::run(open_existing(&url).await?.as_ref(), &args).await
            }
        }
        Command::Schemes(args) => schemes::run(open_existing(&url).await?.as_ref(), &args).await,
        Command::Items(args) => items::run(open_existing(&url).await?.as_ref(), &args).await,
        Command::User(args) => user::run(open_existing(&url).await?.as_ref(), args).await,
        Command::Alerts(args) => alerts::run(open_existing(&url).await?.as_ref(), &args).await,
        Command::Config(args) => config::run(open_existing(&url).await?.as_ref(), args).await,
        // The database is optional here: without one the demo catalogue supplies the names.
        Command::Extract(args) => extract::run(&url, args).await,
        Command::RunJobs(args) => items::run_jobs(open_existing(&url).await?.as_ref(), &args).await,
    }
}

async fn open_existing(url: &DatabaseUrl) -> anyhow::Result<Arc<dyn Store>> {
    open(url, Create::No)
        .await
        .with_context(|| format!("打开 {}", url.display()))
}
