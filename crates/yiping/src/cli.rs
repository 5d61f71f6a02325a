//! The command line, declared with clap.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// yiping（一屏）：城市运行和治理中心的数据、评价与闭环平台。
#[derive(Debug, Parser)]
#[command(name = "yiping", version, about, long_about = None)]
pub struct Cli {
    /// 数据库：SQLite 文件路径（默认 yiping.db）或 postgres://用户@主机:端口/库名
    #[arg(long, global = true, env = "YIPING_DATABASE_URL", default_value = yiping_app::database::DEFAULT_DATABASE)]
    pub database: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 新建（或升级）数据库
    Init,
    /// 升级已有数据库的结构
    Migrate,
    /// 生成演示数据库（重庆 38 个区县和 3 个功能区、镇街、企业、指标、2022—2024 年合成数据）
    Demo(DemoArgs),
    /// 启动网页和 JSON 接口服务
    Serve(ServeArgs),
    /// 导入 CSV / XLSX 文件（全部成功或全部不导入）
    Import(ImportArgs),
    /// 导出数据为 CSV / XLSX
    Export(ExportArgs),
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 随机种子（相同种子生成相同数据）
    #[arg(long, default_value_t = 2024)]
    pub seed: u64,
    /// 生成后立即启动服务
    #[arg(long)]
    pub serve: bool,
    #[command(flatten)]
    pub server: ServeArgs,
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// 监听地址
    #[arg(long, env = "YIPING_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    Auto,
    Observations,
    Entities,
    Indicators,
    Targets,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LayoutArg {
    Auto,
    Long,
    Wide,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// 要导入的文件（.csv / .xlsx），可以多个，逐个导入
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// 文件内容：auto（按表头识别）、observations、entities、indicators、targets
    #[arg(long, value_enum, default_value = "auto")]
    pub kind: Kind,
    /// 数据表样式：auto、long（一行一个数）、wide（一行一个主体）
    #[arg(long, value_enum, default_value = "auto")]
    pub layout: LayoutArg,
    /// 表中没有写明时期时使用的时期，如 2024Q1、2024M01-M09、2024年1—9月
    #[arg(long)]
    pub period: Option<String>,
    /// 时期没写年份时（如“1—9月”）使用的年份
    #[arg(long)]
    pub year: Option<i32>,
    /// CSV 编码：auto、utf-8、gbk、gb18030
    #[arg(long, default_value = "auto")]
    pub encoding: String,
    /// XLSX 工作表名称（默认第一个）
    #[arg(long)]
    pub sheet: Option<String>,
    /// 没有状态列时的状态：草稿/draft、已报送/submitted、已审核/approved
    #[arg(long, default_value = "submitted")]
    pub status: String,
    /// 只检查并显示将发生的变化，不写入
    #[arg(long)]
    pub dry_run: bool,
    /// 记入审计的操作人
    #[arg(long, env = "YIPING_ACTOR", default_value = "命令行")]
    pub actor: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportLayoutArg {
    Long,
    Wide,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// 输出文件（.csv 或 .xlsx）
    #[arg(long, short)]
    pub output: PathBuf,
    /// long（一行一个数）或 wide（一行一个主体、每个时期一张表）
    #[arg(long, value_enum, default_value = "long")]
    pub layout: ExportLayoutArg,
    /// 指标（代码、名称或别名），逗号分隔
    #[arg(long)]
    pub indicator: Option<String>,
    /// 时期（代码或中文），逗号分隔
    #[arg(long)]
    pub period: Option<String>,
    /// 只导出这个主体（代码或名称）及其下级
    #[arg(long)]
    pub region: Option<String>,
    /// 口径：数值/value 或 增速/growth
    #[arg(long)]
    pub measure: Option<String>,
}
