//! A city's configuration as data (issue 11): what each city sets is kept in the database, edited
//! by admins (the pages under /admin/config), and travels as a folder of plain files:
//!
//! | file | holds | format |
//! |---|---|---|
//! | `calendar.csv` | the working calendar: official holidays and make-up working days, per year | `date,kind,name` ([`yiping_flow::Calendar::from_csv`]) |
//! | `categories.toml` | the category book of events, components, enterprise requests and problems: 领域/大类/小类, departments, clock and limits per stage, auto-dispatch | [`yiping_flow::CategoryBook`] |
//! | `routing.csv` | routing rules: category × region → responsible unit ([`routing`]) | `category,region,unit,note` |
//! | `alerts.toml` | the indicator alert rules the pipeline runs after every change | the format `yiping alerts --rules` reads |
//! | `screens.toml` | what each level's one screen shows ([`screens`]) | `[city]`, `[district]`, `[town]` tables |
//! | `notify.toml` | where notifications go besides the platform: SMTP, e-mail addresses, group robots, retries ([`notify`]) | `[smtp]`, `[[email]]`, `[[webhook]]`, `[retry]` |
//! | `validation.toml` | the validation rules run on entry, import and on demand ([`crate::validate`]) | [`yiping_eval::validation::parse_rules`] |
//!
//! A file the database does not hold is the shipped default, so a new database behaves as before
//! (the defaults are the files compiled into the binary: `data/cn-holidays.csv`,
//! `work_items/categories.toml`, no routing rules, `indicator_alerts.toml`, the screen's
//! indicators and `validation/rules.toml`). [`apply`] checks a set of files together (every problem named by file, row and
//! field), then writes them in one transaction and records one audit event: all or nothing.
//! [`import_dir`] and [`export_dir`] are the folder around it; the demo generator calls [`apply`].
//!
//! Readers take the parsed [`Config`] from [`load`]: the work-item engine's setup
//! ([`crate::work_items::FlowSetup::load`]), the reporting deadline ([`crate::calendar::current`]),
//! the pipeline's alert step and the screens.

pub mod notify;
pub mod routing;
pub mod screens;

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use yiping_access::{Capability, Principal};
use yiping_eval::alerts::AlertRule;
use yiping_eval::validation::ValidationRule;
use yiping_flow::{Calendar, CategoryBook, CategoryDomain, CategoryError};
use yiping_io::{Problem, SourceRef};
use yiping_store::Store;

use crate::AppError;
pub use notify::NotifySettings;
pub use routing::{RoutingRule, RoutingRules, RuleUnit};
pub use screens::{LevelScreen, ScreenSettings};

pub const CALENDAR: &str = "calendar.csv";
pub const CATEGORIES: &str = "categories.toml";
pub const ROUTING: &str = "routing.csv";
pub const ALERTS: &str = "alerts.toml";
pub const SCREENS: &str = "screens.toml";
pub const NOTIFY: &str = "notify.toml";
pub const VALIDATION: &str = "validation.toml";

/// Every configuration file, in the order they are checked and listed.
pub const FILES: [&str; 7] = [
    CALENDAR, CATEGORIES, ROUTING, ALERTS, SCREENS, NOTIFY, VALIDATION,
];

/// The Chinese title of a configuration file.
pub fn title_zh(name: &str) -> &'static str {
    match name {
        CALENDAR => "工作日历（节假日和调休上班）",
        CATEGORIES => "事项分类表（事件、部件、企业诉求、问题）",
        ROUTING => "派遣规则（分类 × 区域 → 责任单位）",
        ALERTS => "预警规则",
        SCREENS => "一屏显示设置（各层级）",
        NOTIFY => "通知外发设置（邮件、群机器人）",
        VALIDATION => "数据校验规则",
        _ => "未知配置文件",
    }
}

/// The shipped default of a configuration file.
pub fn shipped_text(name: &str) -> Option<&'static str> {
    match name {
        CALENDAR => Some(crate::calendar::HOLIDAYS_CSV),
        CATEGORIES => Some(crate::work_items::CATEGORIES_TOML),
        ROUTING => Some(routing::SHIPPED),
        ALERTS => Some(yiping_eval::shipped::ALERT_RULES),
        SCREENS => Some(screens::SHIPPED),
        NOTIFY => Some(notify::SHIPPED),
        VALIDATION => Some(yiping_eval::shipped::VALIDATION_RULES),
        _ => None,
    }
}

/// The parsed configuration every reader uses.
#[derive(Debug, Clone)]
pub struct Config {
    pub calendar: Calendar,
    pub categories: CategoryBook,
    pub routing: RoutingRules,
    pub alerts: Vec<AlertRule>,
    pub screens: ScreenSettings,
    pub notify: NotifySettings,
    pub validation: Vec<ValidationRule>,
}

impl Config {
    /// The shipped defaults.
    pub fn shipped() -> Result<Self, AppError> {
        parse(&BTreeMap::new()).map_err(|problems| rejected("内置配置", problems))
    }
}

/// One configuration file as it stands: its text, and who last changed it (`None`: the shipped
/// default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrentFile {
    pub name: String,
    pub title: &'static str,
    pub body: String,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// The six files as they stand (stored, else shipped), in [`FILES`] order. No person is
/// checked: the front ends call [`files_as`].
pub async fn files(store: &dyn Store) -> Result<Vec<CurrentFile>, AppError> {
    let stored = store.config_files().await?;
    Ok(FILES
        .iter()
        .map(|name| {
            let s = stored.iter().find(|f| f.name == *name);
            CurrentFile {
                name: name.to_string(),
                title: title_zh(name),
                body: s
                    .map(|f| f.body.clone())
                    .unwrap_or_else(|| shipped_text(name).unwrap_or_default().to_string()),
                updated_by: s.map(|f| f.updated_by.clone()),
                updated_at: s.map(|f| f.updated_at),
            }
        })
        .collect())
}

/// The files as they stand, for a person who maintains the catalogue (admins and analysts).
pub async fn files_as(store: &dyn Store, p: &Principal) -> Result<Vec<CurrentFile>, AppError> {
    p.require(Capability::ManageCatalog)?;
    files(store).await
}

/// The notification settings alone (`notify.toml` as stored, else shipped), for every notice
/// sent: parsing the other files is left out.
pub async fn notify_settings(store: &dyn Store) -> Result<NotifySettings, AppError> {
    let stored = store.config_files().await?;
    let text = stored
        .iter()
        .find(|f| f.name == NOTIFY)
        .map_or(notify::SHIPPED, |f| f.body.as_str());
    let mut problems = Vec::new();
    notify::parse(text, &mut problems).ok_or_else(|| rejected("数据库中的配置", problems))
}

/// The parsed configuration of the store (stored files over the shipped defaults).
pub async fn load(store: &dyn Store) -> Result<Config, AppError> {
    let stored: BTreeMap<String, String> = store
        .config_files()
        .await?
        .into_iter()
        .map(|f| (f.name, f.body))
        .collect();
    parse(&stored).map_err(|problems| rejected("数据库中的配置", problems))
}

/// A set of configuration files to apply: name → text. Files left out keep what is stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSet {
    pub files: BTreeMap<String, String>,
}

impl ConfigSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// The set with `name` set to `body`.
    pub fn with(mut self, name: &str, body: impl Into<String>) -> Self {
        self.files.insert(name.to_string(), body.into());
        self
    }
}

/// What happened to one file in [`apply`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileChange {
    Unchanged,
    Changed,
}

/// What [`apply`] did (or, on a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    pub dry_run: bool,
    pub files: Vec<(String, FileChange)>,
    /// Years around today the calendar does not cover (this year and next).
    pub warnings: Vec<String>,
}

impl ApplyReport {
    pub fn changed(&self) -> usize {
        self.files
            .iter()
            .filter(|(_, c)| *c == FileChange::Changed)
            .count()
    }
}

/// Checks `set` together with the stored files it does not replace, and (unless `dry_run`)
/// writes the changed files in one transaction and records one audit event (`config.import`).
/// Admins only. Every problem is listed, by file, row and field; nothing is written when there
/// is one.
pub async fn apply(
    store: &dyn Store,
    p: &Principal,
    set: ConfigSet,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<ApplyReport, AppError> {
    p.require(Capability::ManageUsers)?;
    let mut problems: Vec<Problem> = set
        .files
        .keys()
        .filter(|n| !FILES.contains(&n.as_str()))
        .map(|n| {
            problem(
                n,
                1,
                None,
                "",
                &format!("不是配置文件，应为 {} 之一", FILES.join("、")),
            )
        })
        .collect();
    let stored: BTreeMap<String, String> = store
        .config_files()
        .await?
        .into_iter()
        .map(|f| (f.name, f.body))
        .collect();
    let mut merged = stored.clone();
    for (name, body) in &set.files {
        merged.insert(name.clone(), normalise(body));
    }
    let config = match parse(&merged) {
        Ok(c) => Some(c),
        Err(mut found) => {
            problems.append(&mut found);
            None
        }
    };
    if let Some(c) = &config {
        problems.extend(routing::check_units(store, &c.routing).await?);
    }
    if !problems.is_empty() {
        return Err(rejected("配置文件", problems));
    }
    let config = config.expect("parsed without problems");
    let mut files = Vec::new();
    let mut changed = Vec::new();
    for (name, body) in &set.files {
        let body = normalise(body);
        let before = stored
            .get(name)
            .map(String::as_str)
            .or_else(|| shipped_text(name));
        if before == Some(body.as_str()) && stored.contains_key(name) {
            files.push((name.clone(), FileChange::Unchanged));
        } else {
            files.push((name.clone(), FileChange::Changed));
            changed.push((name.clone(), body));
        }
    }
    let today = config.calendar.local(now).date();
    let warnings = crate::calendar::coverage_warning(&config.calendar, today, next_year_end(today))
        .into_iter()
        .collect();
    if !dry_run && !changed.is_empty() {
        store.put_config_files(&changed, &p.login, now).await?;
        let names: Vec<&str> = changed.iter().map(|(n, _)| n.as_str()).collect();
        crate::audit::record(
            store,
            p,
            "config.import",
            &names.join(","),
            format!("导入配置文件：{}", names.join("、")),
            now,
        )
        .await;
    }
    Ok(ApplyReport {
        dry_run,
        files,
        warnings,
    })
}

fn next_year_end(today: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).unwrap_or(today)
}

/// Reads the configuration files of a folder (the six names; other files are refused) and
/// applies them ([`apply`]).
pub async fn import_dir(
    store: &dyn Store,
    p: &Principal,
    dir: &Path,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<ApplyReport, AppError> {
    p.require(Capability::ManageUsers)?;
    let set = read_dir(dir)?;
    apply(store, p, set, dry_run, now).await
}

/// The configuration files of a folder: every `.csv` and `.toml` file in it (others are
/// ignored), read as UTF-8.
pub fn read_dir(dir: &Path) -> Result<ConfigSet, AppError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| AppError::invalid(format!("无法读取配置文件夹 {}：{e}", dir.display())))?;
    let mut set = ConfigSet::new();
    let mut problems = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| AppError::invalid(format!("{}：{e}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().to_string();
        if !(name.ends_with(".csv") || name.ends_with(".toml")) || !entry.path().is_file() {
            continue;
        }
        match std::fs::read(entry.path()) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => set.files.insert(name, text).map(|_| ()).unwrap_or(()),
                Err(_) => problems.push(problem(&name, 1, None, "", "不是 UTF-8 编码的文本")),
            },
            Err(e) => problems.push(problem(&name, 1, None, "", &format!("无法读取：{e}"))),
        }
    }
    if !problems.is_empty() {
        return Err(rejected(&dir.display().to_string(), problems));
    }
    if set.files.is_empty() {
        return Err(AppError::invalid(format!(
            "配置文件夹 {} 中没有配置文件（{}）",
            dir.display(),
            FILES.join("、")
        )));
    }
    Ok(set)
}

/// Writes the six files as they stand into `dir` (created if missing); returns the paths
/// written. Admins and analysts.
pub async fn export_dir(
    store: &dyn Store,
    p: &Principal,
    dir: &Path,
) -> Result<Vec<std::path::PathBuf>, AppError> {
    let files = files_as(store, p).await?;
    std::fs::create_dir_all(dir)
        .map_err(|e| AppError::invalid(format!("无法创建文件夹 {}：{e}", dir.display())))?;
    let mut out = Vec::new();
    for f in files {
        let path = dir.join(&f.name);
        std::fs::write(&path, f.body.as_bytes())
            .map_err(|e| AppError::invalid(format!("无法写入 {}：{e}", path.display())))?;
        out.push(path);
    }
    Ok(out)
}

/// The rows of one year in a calendar file (`date,kind,name` lines, no header), for editing a
/// year on its own.
pub fn calendar_year_rows(text: &str, year: i32) -> String {
    let prefix = format!("{year}-");
    text.lines()
        .filter(|l| l.trim_start().starts_with(&prefix))
        .map(|l| format!("{}\n", l.trim()))
        .collect()
}

/// The calendar file `text` with the dates of `year` replaced by `rows` (`date,kind,name` lines
/// without a header; blank and `#` lines skipped). A row of another year is refused, named by its
/// line. The result still has to pass [`apply`].
pub fn replace_calendar_year(text: &str, year: i32, rows: &str) -> Result<String, AppError> {
    let prefix = format!("{year}-");
    let file = format!("{CALENDAR}（{year}年）");
    let mut bad = Vec::new();
    let mut kept: Vec<String> = Vec::new();
    for (i, raw) in rows.lines().enumerate() {
        let row = raw.trim();
        if row.is_empty() || row.starts_with('#') {
            continue;
        }
        if row.to_lowercase().starts_with("date,") {
            continue;
        }
        if !row.starts_with(&prefix) {
            let date = row.split(',').next().unwrap_or_default();
            bad.push(problem(
                &file,
                i + 1,
                Some("date"),
                date,
                &format!("不是{year}年的日期"),
            ));
            continue;
        }
        kept.push(row.to_string());
    }
    if !bad.is_empty() {
        return Err(rejected(&file, bad));
    }
    let mut out: Vec<String> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with(&prefix))
        .map(str::to_string)
        .collect();
    out.extend(kept);
    Ok(out.join("\n") + "\n")
}

/// Line ends as `\n` and no BOM, so that an edit on Windows compares equal to the stored text.
fn normalise(text: &str) -> String {
    text.trim_start_matches('\u{feff}').replace("\r\n", "\n")
}

/// Parses the files of `stored` (name → text), each missing one from its shipped default, and
/// checks them together (routing rules name categories of the book).
pub fn parse(stored: &BTreeMap<String, String>) -> Result<Config, Vec<Problem>> {
    let text = |name: &str| -> String {
        stored
            .get(name)
            .cloned()
            .or_else(|| shipped_text(name).map(str::to_string))
            .unwrap_or_default()
    };
    let mut problems = Vec::new();
    let calendar = parse_calendar(&text(CALENDAR), &mut problems);
    let categories = parse_categories(&text(CATEGORIES), &mut problems);
    let routing = routing::parse(&text(ROUTING), categories.as_ref(), &mut problems);
    let alerts = parse_alerts(&text(ALERTS), &mut problems);
    let screens = screens::parse(&text(SCREENS), &mut problems);
    let notify = notify::parse(&text(NOTIFY), &mut problems);
    let validation = parse_validation(&text(VALIDATION), &mut problems);
    match (
        calendar, categories, routing, alerts, screens, notify, validation,
    ) {
        (
            Some(calendar),
            Some(categories),
            Some(routing),
            Some(alerts),
            Some(screens),
            Some(notify),
            Some(validation),
        ) if problems.is_empty() => Ok(Config {
            calendar,
            categories,
            routing,
            alerts,
            screens,
            notify,
            validation,
        }),
        _ => Err(problems),
    }
}

/// A problem of a configuration file.
pub(crate) fn problem(
    file: &str,
    row: usize,
    field: Option<&str>,
    value: &str,
    reason: &str,
) -> Problem {
    Problem {
        at: SourceRef {
            file: file.to_string(),
            sheet: None,
            row,
            column: field.map(|f| format!("字段{f}")),
        },
        value: value.to_string(),
        reason: reason.to_string(),
    }
    .escaped()
}

pub(crate) fn rejected(what: &str, problems: Vec<Problem>) -> AppError {
    AppError::Rejected {
        file: what.to_string(),
        problems,
    }
}

/// The 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line of the `index`-th (0-based) table `[[header]]` of a TOML text (1 when not found).
pub(crate) fn table_line(text: &str, header: &str, index: usize) -> usize {
    let want = format!("[[{header}]]");
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == want)
        .nth(index)
        .map(|(i, _)| i + 1)
        .unwrap_or(1)
}

fn toml_problem(file: &str, text: &str, e: &toml::de::Error) -> Problem {
    let row = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
    problem(file, row, None, "", e.message())
}

/// Every data row checked on its own (so that every bad row is named), then the whole file (a
/// date given twice with different kinds).
fn parse_calendar(text: &str, problems: &mut Vec<Problem>) -> Option<Calendar> {
    use yiping_flow::CalendarError as E;
    let before = problems.len();
    let mut header_seen = false;
    for (i, raw) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = i + 1;
        let row = raw.trim();
        if row.is_empty() || row.starts_with('#') {
            continue;
        }
        if !header_seen {
            header_seen = true;
            let header: Vec<String> = row.split(',').map(|c| c.trim().to_lowercase()).collect();
            if header != ["date", "kind", "name"] {
                problems.push(problem(
                    CALENDAR,
                    line,
                    None,
                    row,
                    "表头应为“date,kind,name”",
                ));
                return None;
            }
            continue;
        }
        if let Err(e) = Calendar::from_csv(&format!("date,kind,name\n{row}")) {
            let (field, value) = match &e {
                E::Date { value, .. } => (Some("date"), value.clone()),
                E::Kind { value, .. } => (Some("kind"), value.clone()),
                _ => (None, row.to_string()),
            };
            let reason = match &e {
                E::Date { .. } => "不是有效日期，应为 YYYY-MM-DD".to_string(),
                E::Kind { .. } => "无效，应为 holiday（放假）或 workday（调休上班）".to_string(),
                E::Columns { .. } => "应有 date,kind,name 三列".to_string(),
                other => other.to_string(),
            };
            problems.push(problem(CALENDAR, line, field, &value, &reason));
        }
    }
    if !header_seen {
        problems.push(problem(CALENDAR, 1, None, "", "缺少表头“date,kind,name”"));
    }
    if problems.len() > before {
        return None;
    }
    match Calendar::from_csv(text) {
        Ok(c) => Some(c),
        Err(E::Conflict {
            line,
            date,
            existing,
            new,
        }) => {
            problems.push(problem(
                CALENDAR,
                line,
                Some("kind"),
                new,
                &format!("与前面 {date} 的“{existing}”矛盾"),
            ));
            None
        }
        Err(e) => {
            problems.push(problem(CALENDAR, 1, None, "", &e.to_string()));
            None
        }
    }
}

/// Every `[[category]]` checked on its own (each bad one named by its line), then the book
/// (codes given twice, one name per 大类).
fn parse_categories(text: &str, problems: &mut Vec<Problem>) -> Option<CategoryBook> {
    let value: toml::Table = match toml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            problems.push(toml_problem(CATEGORIES, text, &e));
            return None;
        }
    };
    let list = match value.get("category") {
        None => Vec::new(),
        Some(toml::Value::Array(a)) => a.clone(),
        Some(_) => {
            problems.push(problem(
                CATEGORIES,
                1,
                Some("category"),
                "",
                "应为 [[category]] 表的列表",
            ));
            return None;
        }
    };
    let before = problems.len();
    let mut categories = Vec::new();
    for (i, item) in list.into_iter().enumerate() {
        let line = table_line(text, "category", i);
        let mut one = toml::Table::new();
        one.insert("category".into(), toml::Value::Array(vec![item]));
        let single = toml::to_string(&one).unwrap_or_default();
        match CategoryBook::from_toml_str(&single) {
            Ok(book) => categories.extend(book.iter().cloned()),
            Err(e) => {
                let (field, reason) = category_error(&e);
                problems.push(problem(CATEGORIES, line, field.as_deref(), "", &reason));
            }
        }
    }
    if problems.len() > before {
        return None;
    }
    match CategoryBook::from_categories(categories.clone()) {
        Ok(book)
            if !book
                .iter()
                .any(|c| c.code.domain() == CategoryDomain::Problem) =>
        {
            problems.push(problem(
                CATEGORIES,
                1,
                Some("domain"),
                "",
                "须至少有一个问题类分类（domain = \"problem\"）：预警和评价发现的问题按它归类、计算整改时限",
            ));
            None
        }
        Ok(book) => Some(book),
        Err(e) => {
            // Name the category the book refused: the first whose code the message names.
            let (_, reason) = category_error(&e);
            let index = categories
                .iter()
                .rposition(|c| e.to_string().contains(&c.code.to_string()))
                .unwrap_or(0);
            problems.push(problem(
                CATEGORIES,
                table_line(text, "category", index),
                None,
                "",
                &reason,
            ));
            None
        }
    }
}

/// The line and the message of a TOML reader's error text ("TOML parse error at line 3, column
/// 1", a snippet, then the message).
fn toml_message(text: &str) -> (usize, String) {
    let row = text
        .split("at line ")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let message = text
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('|') && !l.ends_with('|'))
        .unwrap_or(text)
        .to_string();
    (row, message)
}

/// The field a category error names (serde names it in backquotes), and the reason.
fn category_error(e: &CategoryError) -> (Option<String>, String) {
    let text = match e {
        CategoryError::Toml(t) => toml_message(t).1,
        other => other.to_string(),
    };
    let field = text
        .split('`')
        .nth(1)
        .filter(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(str::to_string);
    (field, text)
}

/// The validation rules; a bad file is refused with every problem named by its rule's line and
/// the key (`operator`, `levels[0]`).
fn parse_validation(text: &str, problems: &mut Vec<Problem>) -> Option<Vec<ValidationRule>> {
    use yiping_eval::validation::ValidationRuleError;
    match yiping_eval::validation::parse_rules(text) {
        Ok(rules) => Some(rules),
        Err(ValidationRuleError::Syntax(message)) => {
            let (row, reason) = toml_message(&message);
            problems.push(problem(VALIDATION, row, None, "", &reason));
            None
        }
        Err(ValidationRuleError::Invalid(fields)) => {
            for f in fields {
                let (row, field) = rule_path(text, &f.path);
                problems.push(problem(VALIDATION, row, field, "", &f.message));
            }
            None
        }
    }
}

/// `rules[3].points` → the line of the fourth `[[rules]]` table and the field `points`.
fn rule_path<'a>(text: &str, path: &'a str) -> (usize, Option<&'a str>) {
    let (index, field) = path
        .strip_prefix("rules[")
        .and_then(|r| r.split_once(']'))
        .map(|(i, rest)| (i.parse::<usize>().ok(), rest.trim_start_matches('.')))
        .unwrap_or((None, path));
    let row = index.map(|i| table_line(text, "rules", i)).unwrap_or(1);
    (row, (!field.is_empty()).then_some(field))
}

fn parse_alerts(text: &str, problems: &mut Vec<Problem>) -> Option<Vec<AlertRule>> {
    use yiping_eval::alerts::AlertRuleError;
    match yiping_eval::alerts::parse_rules(text) {
        Ok(rules) => {
            let before = problems.len();
            for (i, r) in rules.iter().enumerate() {
                if !yiping_store::PROBLEM_SOURCES.contains(&r.problem_source.as_str()) {
                    problems.push(problem(
                        ALERTS,
                        table_line(text, "rules", i),
                        Some("problem_source"),
                        &r.problem_source,
                        &format!(
                            "不是问题来源，须为 {} 之一",
                            yiping_store::PROBLEM_SOURCES.join("、")
                        ),
                    ));
                }
            }
            (problems.len() == before).then_some(rules)
        }
        Err(AlertRuleError::Syntax(message)) => {
            let (row, reason) = toml_message(&message);
            problems.push(problem(ALERTS, row, None, "", &reason));
            None
        }
        Err(AlertRuleError::Invalid(fields)) => {
            for f in fields {
                let (row, field) = rule_path(text, &f.path);
                problems.push(problem(ALERTS, row, field, "", &f.message));
            }
            None
        }
    }
}

#[cfg(test)]
mod tests;
