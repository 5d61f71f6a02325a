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
    /// 导出数据或评价排名表为 CSV / XLSX
    Export(ExportArgs),
    /// 生成通报（Word .docx 或 PDF）：总体情况、赛马比拼、评价档次、序时进度、问题清单和走势图，措辞和各节取自通报模板
    Brief(crate::commands::brief::BriefArgs),
    /// 计算并显示评价方案的排名（赛马比拼、八张报表、五色图、亩均论英雄），或直接评价一个 CSV 文件
    #[command(after_long_help = yiping_app::evaluate::CSV_FORMAT_HELP)]
    Evaluate(EvaluateArgs),
    /// 列出已存储的评价方案，或存储一个方案文件（TOML）
    Schemes(SchemesArgs),
    /// 查看闭环事项：某单位的待办（含超期、预警标记）或一个事项的全部流转记录
    Items(crate::commands::items::ItemsArgs),
    /// 监测预警：列出某时期触发的指标预警（规上工业增加值负增长、固投滞后序时进度、异常值…），--raise 生成问题事项
    Alerts(crate::commands::alerts::AlertsArgs),
    /// 数据校验：按校验规则（validation.toml）检查某时期的全部数据，未通过的记为校验发现；--findings 列出已记录的发现
    Validate(crate::commands::validate::ValidateArgs),
    /// 城市配置：导出 / 导入配置文件夹（工作日历、事项分类、派遣规则、预警规则、一屏设置），查看日历年份
    Config(crate::commands::config::ConfigArgs),
    /// 执行定时任务：超期检测、临期预警、催办和升级（serve 运行时每分钟自动执行）
    RunJobs(crate::commands::items::RunJobsArgs),
    /// 用户管理：新增、列出、重设密码、停用/启用、签发 API 令牌、登录记录
    User(crate::commands::user::UserArgs),
    /// 备份数据库到一个文件（SQLite：服务运行时也可备份，得到某一时刻的完整副本；PostgreSQL：调用 pg_dump）
    Backup(BackupArgs),
    /// 从备份文件恢复数据库（检查结构版本；已有数据库须加 --force 才覆盖；SQLite 恢复前请停止 serve）
    Restore(RestoreArgs),
    /// 从报告文字（.txt / .docx / .pdf）抽取指标事实，每行一个
    ///
    /// 每条事实含主体、地区、指标、时期、口径（增速、数值、个数、排名、档次、占比、比率、百分点差）、数值、单位、参照、限定词、原文片段及其字符偏移。
    /// 区县、部门和指标的名称：--database 指向一个已存在的数据库时取自其中的主体和指标；否则使用内置的演示目录（重庆市、38 个区县和 3 个功能区、镇街、市级部门、演示指标）。
    Extract(crate::commands::extract::ExtractArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// 备份文件（SQLite：一个完整的数据库文件；PostgreSQL：pg_dump 的 custom 格式）
    pub out: PathBuf,
    /// 备份文件已存在时覆盖它
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// 由 yiping backup 写出的备份文件
    pub input: PathBuf,
    /// 数据库已存在时用备份替换它
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// 随机种子（相同种子生成相同数据）
    #[arg(long, default_value_t = 2024)]
    pub seed: u64,
    /// 演示数据的“今天”（YYYY-MM-DD，默认为今天）：数据截至上一个完整月份，事项为此前 12 个月内受理；同一日期和种子生成相同数据
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub today: Option<chrono::NaiveDate>,
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
    /// 会话 Cookie 加 Secure 标记（经 HTTPS 反向代理对外提供服务时打开）
    #[arg(long, env = "YIPING_SECURE_COOKIES")]
    pub secure_cookies: bool,
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
    /// 允许修改已审核的数值（重新打开，逐项记入审计）；不加此项时，改动已审核数值的文件整个被拒绝
    #[arg(long)]
    pub reopen: bool,
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
    /// 口径：数值/value 或 增速/growth；或派生口径 同比、占比、拉动、贡献率、增长面、差距（与参照相差的个百分点）、排名（须一个指标、一个时期；--region 为上级地区，默认全市）
    #[arg(long)]
    pub measure: Option<String>,
    /// 与派生口径“差距”一起：参照主体（如 全国），默认为上级地区
    #[arg(long)]
    pub reference: Option<String>,
    /// 导出这个评价方案（代码）的排名表，而不是指标数据；须配合 --period（一个时期）
    #[arg(long, value_name = "方案代码")]
    pub league: Option<String>,
    /// 与 --league 一起：只导出这个组别（如 渝东北）
    #[arg(long, requires = "league")]
    pub cohort: Option<String>,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// 方案代码（如 ECONOMY_RACE、MUJUN）；与 --input 一起时指内置方案
    #[arg(long, value_name = "方案代码")]
    pub scheme: Option<String>,
    /// 时期，如 2024Q1、2024H1、2024M01-M09、2024、2024年1—9月
    #[arg(long)]
    pub period: Option<String>,
    /// 只显示这个组别（如 渝东北）
    #[arg(long)]
    pub cohort: Option<String>,
    /// 最多显示多少行（0 表示全部）
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// 方案文件（TOML），与 --input、--output 一起使用，不需要数据库
    #[arg(long, value_name = "FILE.toml")]
    pub scheme_file: Option<PathBuf>,
    /// 输入 CSV（每行一个评价对象，每个指标一列，格式见下）
    #[arg(long, value_name = "FILE.csv", requires = "output")]
    pub input: Option<PathBuf>,
    /// 输出 CSV（按排名）
    #[arg(long, short, value_name = "FILE.csv", requires = "input")]
    pub output: Option<PathBuf>,
    /// 输入中作为全市（参照）值的那一行的主体代码
    #[arg(long, value_name = "主体代码", requires = "input")]
    pub city: Option<String>,
    /// 输出只含 排名、主体代码、得分、等级 四列（供其他系统读取）
    #[arg(long, requires = "input")]
    pub brief: bool,
    /// 在标准错误输出上打印读取、计算、写出各步的耗时（毫秒）
    #[arg(long, hide = true)]
    pub timing: bool,
}

#[derive(Debug, Args)]
pub struct SchemesArgs {
    /// 存储方案文件（TOML，按代码和年度存为一个版本）
    #[arg(long, value_name = "FILE.toml")]
    pub add: Vec<PathBuf>,
    /// 记入方案的操作人
    #[arg(long, env = "YIPING_ACTOR", default_value = "命令行")]
    pub actor: String,
}
