//! The city's configuration in the browser (系统配置): what is in force — the calendar's years,
//! the category book, routing rules, alert rules and each level's screen — for admins and
//! analysts; editing one file in place, uploading edited files, and downloading each file, for
//! admins. Every change goes through `yiping_app::config::apply` (checked whole, every problem
//! named by file, row and field, audited).

use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{Datelike, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use yiping_access::Capability;
use yiping_app::AppError;
use yiping_app::config::{self, ApplyReport, Config, ConfigSet, CurrentFile, FileChange};
use yiping_flow::{CategoryDomain, DayKind};

use super::layout::{self, Nav};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{Failure, PageError};

/// The largest configuration file accepted from the browser.
const MAX_FILE: usize = 2 * 1024 * 1024;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/config", get(overview))
        .route("/admin/config/upload", post(upload))
        .route("/admin/config/{name}", get(editor).post(save))
        .route("/admin/config/{name}/download", get(download))
        .route("/admin/calendar", get(year_picker))
        .route("/admin/calendar/{year}", get(year_editor).post(save_year))
}

/// A time in Beijing time, to the minute.
fn time(t: chrono::DateTime<Utc>) -> String {
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(tz) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        None => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

fn known(name: &str) -> Result<&'static str, PageError> {
    config::FILES
        .into_iter()
        .find(|f| *f == name)
        .ok_or_else(|| PageError::not_found(format!("没有配置文件“{name}”")))
}

async fn overview(State(s): State<AppState>, user: PageUser) -> Result<Response, PageError> {
    let p = &user.principal;
    let files = config::files_as(s.store.as_ref(), p).await?;
    let cfg = config::load(s.store.as_ref()).await?;
    // Indicators by their Chinese names (the code goes in the tooltip).
    let mut indicator_names: std::collections::HashMap<String, String> = s
        .store
        .indicators()
        .await?
        .into_iter()
        .map(|i| (i.data.code.as_str().to_string(), i.data.name))
        .collect();
    // Schemes too (the screen settings name them), by the same map: codes do not collide.
    // (A user who may not read evaluations sees the codes.)
    for sc in yiping_app::results::schemes(s.store.as_ref(), p)
        .await
        .unwrap_or_default()
    {
        indicator_names
            .entry(sc.scheme.code)
            .or_insert(sc.scheme.name);
    }
    let may_edit = p.can(Capability::ManageUsers);
    let today = cfg.calendar.local(Utc::now()).date();
    let end = chrono::NaiveDate::from_ymd_opt(today.year() + 1, 12, 31).unwrap_or(today);
    let warning = yiping_app::calendar::coverage_warning(&cfg.calendar, today, end);
    let body = html! {
        h1 { "系统配置" }
        p.lead { "本市的工作日历、事项分类、派遣规则、预警规则和一屏设置。以文件形式保存，可逐个修改，也可导出为文件夹、修改后整体导入（yiping config export / import）；每次修改都经过整体校验并记入审计。" }
        @if let Some(w) = &warning { (layout::notice("warning", w)) }
        section.card {
            h2 { "配置文件" }
            (file_table(&files, may_edit))
            @if may_edit { (upload_form()) }
            div #config-result {}
        }
        (calendar_section(&cfg))
        (categories_section(&cfg))
        (routing_section(&cfg))
        (alerts_section(&cfg, &indicator_names))
        (screens_section(&cfg, &indicator_names))
    };
    Ok(layout::page("系统配置", p, &user.csrf, Nav::Admin, &[], body).into_response())
}

fn file_table(files: &[CurrentFile], may_edit: bool) -> Markup {
    html! {
        table.data #config-files {
            thead { tr { th { "文件" } th { "内容" } th { "最近修改" } th { "操作" } } }
            tbody {
                @for f in files {
                    tr {
                        td { code { (f.name) } }
                        td { (f.title) }
                        td {
                            @match (&f.updated_by, f.updated_at) {
                                (Some(by), Some(at)) => { (time(at)) " · " (by) }
                                _ => { span.muted { "内置默认" } }
                            }
                        }
                        td.actions {
                            a href={ "/admin/config/" (f.name) } { @if may_edit { "查看、修改" } @else { "查看" } }
                            " "
                            a href={ "/admin/config/" (f.name) "/download" } download=(f.name) { "下载" }
                        }
                    }
                }
            }
        }
    }
}

fn upload_form() -> Markup {
    html! {
        form #config-upload hx-post="/admin/config/upload" hx-encoding="multipart/form-data" hx-target="#config-result" {
            h3 { "上传配置文件" }
            p { "可一次选择多个文件（文件名须为上表中的名称）；全部校验通过才写入，未上传的文件保持不变。" }
            input type="file" name="files" multiple accept=".csv,.toml,text/csv,text/plain";
            label { input type="checkbox" name="dry_run" value="1"; " 只检查，不写入" }
            button type="submit" { "上传并导入" }
        }
    }
}

fn calendar_section(cfg: &Config) -> Markup {
    let mut years: Vec<(i32, usize, usize)> = Vec::new();
    for y in cfg.calendar.years() {
        let (mut off, mut on) = (0, 0);
        let mut d = chrono::NaiveDate::from_ymd_opt(y, 1, 1);
        while let Some(day) = d.filter(|x| x.year() == y) {
            match cfg.calendar.special_day(day).map(|s| s.kind) {
                Some(DayKind::Holiday) => off += 1,
                Some(DayKind::Workday) => on += 1,
                None => {}
            }
            d = day.succ_opt();
        }
        years.push((y, off, on));
    }
    let next = years.last().map_or(Utc::now().year(), |(y, _, _)| y + 1);
    html! {
        section.card #config-calendar {
            h2 { "工作日历" }
            p { "按国务院每年发布的节假日安排维护（calendar.csv：date,kind,name；holiday 放假，workday 调休上班）。日历没有的年份只能按周末推算，相关截止日期会提示缺少的年份。" }
            table.data {
                thead { tr { th { "年份" } th { "放假天数" } th { "调休上班天数" } th { "操作" } } }
                tbody {
                    @for (y, off, on) in &years {
                        tr { td { (y) "年" } td { (off) } td { (on) } td { a href={ "/admin/calendar/" (y) } { "查看、修改" } } }
                    }
                }
            }
            form.inline method="get" action="/admin/calendar" {
                label { "新增或修改年份 " input type="number" name="year" min="2000" max="2100" value=(next) required; }
                button type="submit" { "打开" }
            }
        }
    }
}

fn categories_section(cfg: &Config) -> Markup {
    html! {
        section.card #config-categories {
            h2 { "事项分类（" (cfg.categories.len()) "）" }
            p { "事件、部件、企业诉求和问题的大类/小类、责任部门、计时方式和各阶段时限（categories.toml）。" }
            table.data {
                thead { tr { th { "领域" } th { "代码" } th { "大类" } th { "小类" } th { "责任部门" } th { "计时" } th { "处置时限" } th { "办结时限" } th { "自动派遣" } } }
                tbody {
                    @for c in cfg.categories.iter() {
                        @let l = c.limits(yiping_flow::Priority::Normal);
                        tr {
                            td { (c.code.domain().label_zh()) }
                            td { code { (c.code) } }
                            td { (c.major_name) }
                            td { (c.minor_name) }
                            td { @if c.departments.is_empty() { "属地" } @else { (c.departments.join("、")) } }
                            td { (l.clock.label_zh()) }
                            td { (l.stages.handle.map_or("—".to_string(), |v| v.to_string())) }
                            td { (l.stages.close.map_or("—".to_string(), |v| v.to_string())) }
                            td { @if c.auto_dispatch { "是" } @else { "否" } }
                        }
                    }
                }
            }
            @let problems = cfg.categories.iter().filter(|c| c.code.domain() == CategoryDomain::Problem).count();
            p.muted { "其中问题类 " (problems) " 个：预警和评价生成的问题按其整改时限计时。" }
        }
    }
}

fn routing_section(cfg: &Config) -> Markup {
    html! {
        section.card #config-routing {
            h2 { "派遣规则（" (cfg.routing.rules.len()) "）" }
            p { "分类 × 区域 → 责任单位（routing.csv）。恰好一条规则匹配且分类设为自动派遣时自动派遣，否则作为建议交派遣员。没有规则的分类按分类表的责任部门派遣，再无则按属地。" }
            @if cfg.routing.rules.is_empty() {
                p.muted { "尚无规则。" }
            } @else {
                table.data {
                    thead { tr { th { "行" } th { "分类" } th { "区域" } th { "责任单位" } th { "说明" } } }
                    tbody {
                        @for r in &cfg.routing.rules {
                            tr {
                                td { (r.row) }
                                td { (match &r.category {
                                    config::routing::CategoryPattern::One(c) => c.to_string(),
                                    config::routing::CategoryPattern::Major(d, m) => format!("{}/{m}/*", d.label_zh()),
                                }) }
                                td { (r.region.as_deref().unwrap_or("全市")) }
                                td { (match &r.unit {
                                    config::RuleUnit::Department(c) => format!("部门 {c}"),
                                    config::RuleUnit::Territorial => "属地".to_string(),
                                    config::RuleUnit::Unit(c) => format!("单位 {c}"),
                                }) }
                                td { (r.note) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn alerts_section(cfg: &Config, names: &std::collections::HashMap<String, String>) -> Markup {
    html! {
        section.card #config-alerts {
            h2 { "预警规则（" (cfg.alerts.len()) "）" }
            p { "每次导入或录入数据后自动检查（alerts.toml，格式同 yiping alerts --rules）。" }
            table.data {
                thead { tr { th { "代码" } th { "名称" } th { "指标" } th { "级别" } th { "问题来源" } } }
                tbody {
                    @for r in &cfg.alerts {
                        tr { td { code { (r.code) } } td { (r.name) } td title=(r.indicator) { (names.get(&r.indicator).unwrap_or(&r.indicator)) } td { (r.severity.label_zh()) } td { (r.problem_source) } }
                    }
                }
            }
        }
    }
}

fn screens_section(cfg: &Config, names: &std::collections::HashMap<String, String>) -> Markup {
    let name = |c: &String| names.get(c).cloned().unwrap_or_else(|| c.clone());
    let list = |cs: &[String]| cs.iter().map(name).collect::<Vec<_>>().join("、");
    let levels = [
        ("市", &cfg.screens.city),
        ("区县", &cfg.screens.district),
        ("镇街", &cfg.screens.town),
    ];
    html! {
        section.card #config-screens {
            h2 { "一屏设置" }
            table.data {
                thead { tr { th { "层级" } th { "关键指标" } th { "对比表" } th { "赛马方案" } th { "五色方案" } } }
                tbody {
                    @for (label, l) in levels {
                        tr {
                            td { (label) }
                            td title=(l.tiles.join("、")) { (list(&l.tiles)) }
                            td title=(l.table.join("、")) { (list(&l.table)) }
                            td title=(l.league) { (name(&l.league)) }
                            td title=(l.colour) { (name(&l.colour)) }
                        }
                    }
                }
            }
        }
    }
}

/// The editor of one file: its text (or the text just submitted), the problems found, a note.
fn editor_page(
    user: &PageUser,
    name: &str,
    text: &str,
    problems: &[String],
    message: Option<(&str, String)>,
) -> Markup {
    html! {
        nav.crumbs { a href="/admin/config" { "系统配置" } " / " (name) }
        h1 { (config::title_zh(name)) " " code { (name) } }
        (editor_form(user, &format!("/admin/config/{name}"), text, 100, problems, message.as_ref()))
        p { a href={ "/admin/config/" (name) "/download" } download=(name) { "下载此文件" } }
    }
}

/// The current text of the configuration file `name` (stored, or the shipped default), as the
/// caller may read it.
async fn current_text(
    store: &dyn yiping_store::Store,
    user: &PageUser,
    name: &str,
) -> Result<String, PageError> {
    let files = config::files_as(store, &user.principal).await?;
    Ok(files
        .into_iter()
        .find(|f| f.name == name)
        .map(|f| f.body)
        .unwrap_or_default())
}

async fn editor(
    State(s): State<AppState>,
    user: PageUser,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    let name = known(&name)?;
    let text = current_text(s.store.as_ref(), &user, name).await?;
    let body = editor_page(&user, name, &text, &[], None);
    Ok(layout::page(name, &user.principal, &user.csrf, Nav::Admin, &[], body).into_response())
}

#[derive(Debug, Deserialize)]
struct SaveForm {
    body: String,
    #[serde(default)]
    dry_run: Option<String>,
}

fn report_message(report: &ApplyReport) -> String {
    let mut text = if report.dry_run {
        "检查通过（只检查，未保存）。".to_string()
    } else if report.changed() == 0 {
        "内容未变。".to_string()
    } else {
        let names: Vec<&str> = report
            .files
            .iter()
            .filter(|(_, c)| *c == FileChange::Changed)
            .map(|(n, _)| n.as_str())
            .collect();
        format!("已保存：{}。", names.join("、"))
    };
    for w in &report.warnings {
        text.push_str(w);
    }
    text
}

async fn save(
    State(s): State<AppState>,
    user: PageUser,
    Path(name): Path<String>,
    Form(f): Form<SaveForm>,
) -> Result<Response, PageError> {
    let name = known(&name)?;
    let dry_run = f.dry_run.is_some();
    let set = ConfigSet::new().with(name, f.body.clone());
    let done = config::apply(s.store.as_ref(), &user.principal, set, dry_run, Utc::now()).await;
    let (status, body) = match done {
        Ok(report) => {
            if !dry_run {
                s.flow_setup.clear().await;
            }
            let kind = if report.warnings.is_empty() {
                "ok"
            } else {
                "warning"
            };
            let msg = Some((kind, report_message(&report)));
            (StatusCode::OK, editor_page(&user, name, &f.body, &[], msg))
        }
        Err(AppError::Rejected { problems, .. }) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            editor_page(
                &user,
                name,
                &f.body,
                &problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
                None,
            ),
        ),
        Err(e) => {
            let failure = Failure::from(e);
            if failure.status.is_server_error() || failure.status == StatusCode::FORBIDDEN {
                return Err(failure.into());
            }
            let msg = Some(("error", failure.message));
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                editor_page(&user, name, &f.body, &[], msg),
            )
        }
    };
    Ok((
        status,
        layout::page(name, &user.principal, &user.csrf, Nav::Admin, &[], body),
    )
        .into_response())
}

async fn download(
    State(s): State<AppState>,
    user: PageUser,
    Path(name): Path<String>,
) -> Result<Response, PageError> {
    let name = known(&name)?;
    let text = current_text(s.store.as_ref(), &user, name).await?;
    let kind = if name.ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        text,
    )
        .into_response())
}

/// The uploaded files (name → text) and whether only to check them.
async fn read_files(mut m: Multipart) -> Result<(ConfigSet, bool), String> {
    let mut set = ConfigSet::new();
    let mut dry_run = false;
    while let Some(field) = m
        .next_field()
        .await
        .map_err(|e| format!("上传内容无法读取：{e}"))?
    {
        match field.name() {
            Some("files") => {
                let name = field.file_name().unwrap_or_default().to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| format!("上传内容无法读取：{e}"))?;
                if name.is_empty() && bytes.is_empty() {
                    continue;
                }
                if bytes.len() > MAX_FILE {
                    return Err(format!("{name} 超过{}MB", MAX_FILE / 1024 / 1024));
                }
                let text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| format!("{name} 不是 UTF-8 编码的文本"))?;
                set.files.insert(name, text);
            }
            Some("dry_run") => dry_run = true,
            _ => {}
        }
    }
    if set.files.is_empty() {
        return Err("请选择要上传的配置文件".to_string());
    }
    Ok((set, dry_run))
}

async fn upload(State(s): State<AppState>, user: PageUser, m: Multipart) -> Response {
    let (status, fragment) = match read_files(m).await {
        Err(msg) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            layout::notice("error", &msg),
        ),
        Ok((set, dry_run)) => {
            match config::apply(s.store.as_ref(), &user.principal, set, dry_run, Utc::now()).await {
                Ok(report) => {
                    if !dry_run {
                        s.flow_setup.clear().await;
                    }
                    (
                        StatusCode::OK,
                        layout::notice("ok", &report_message(&report)),
                    )
                }
                Err(AppError::Rejected { problems, .. }) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    html! {
                        (layout::notice("error", &format!("发现{}处问题，配置未导入，数据库未作任何修改。", problems.len())))
                        ul #config-problems { @for p in &problems { li { (p.to_string()) } } }
                    },
                ),
                Err(e) => {
                    let f = Failure::from(e);
                    (f.status, layout::notice("error", &f.message))
                }
            }
        }
    };
    (status, fragment).into_response()
}

#[derive(Debug, Deserialize)]
struct YearQuery {
    year: i32,
}

async fn year_picker(
    axum::extract::Query(q): axum::extract::Query<YearQuery>,
) -> axum::response::Redirect {
    axum::response::Redirect::to(&format!("/admin/calendar/{}", q.year))
}

fn year_page(
    user: &PageUser,
    year: i32,
    rows: &str,
    problems: &[String],
    message: Option<(&str, String)>,
) -> Markup {
    html! {
        nav.crumbs { a href="/admin/config" { "系统配置" } " / 工作日历 / " (year) "年" }
        h1 { (year) "年节假日安排" }
        p { "每行一个日期：日期,类型,名称。类型为 holiday（放假，含放假期间的周末）或 workday（调休上班）。例如：" code { (year) "-01-01,holiday,元旦" } "。保存时整个日历一起校验。" }
        (editor_form(user, &format!("/admin/calendar/{year}"), rows, 60, problems, message.as_ref()))
    }
}

/// The text editor of a configuration file (or of one calendar year): the outcome of the last
/// save, the problems that kept it from being saved, and the text, editable for admins only.
fn editor_form(
    user: &PageUser,
    action: &str,
    text: &str,
    cols: u32,
    problems: &[String],
    message: Option<&(&str, String)>,
) -> Markup {
    let may_edit = user.principal.can(Capability::ManageUsers);
    html! {
        @if let Some((kind, text)) = message { (layout::notice(kind, text)) }
        @if !problems.is_empty() {
            section.card.problems {
                h2 { "发现" (problems.len()) "处问题，未保存" }
                ul #config-problems { @for p in problems { li { (p) } } }
            }
        }
        form method="post" action=(action) {
            input type="hidden" name="_csrf" value=(user.csrf);
            textarea name="body" rows="30" cols=(cols) spellcheck="false" readonly[!may_edit] { (text) }
            @if may_edit {
                div.actions {
                    label { input type="checkbox" name="dry_run" value="1"; " 只检查，不保存" }
                    button type="submit" { "保存" }
                }
            }
        }
    }
}

fn check_year(year: i32) -> Result<i32, PageError> {
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(PageError::not_found(format!("年份“{year}”无效")))
    }
}

async fn year_editor(
    State(s): State<AppState>,
    user: PageUser,
    Path(year): Path<i32>,
) -> Result<Response, PageError> {
    let year = check_year(year)?;
    let text = current_text(s.store.as_ref(), &user, config::CALENDAR).await?;
    let rows = config::calendar_year_rows(&text, year);
    let message = rows.is_empty().then(|| {
        (
            "info",
            format!("日历中还没有{year}年的安排，请按国务院通知填写。"),
        )
    });
    let body = year_page(&user, year, &rows, &[], message);
    let title = format!("{year}年节假日安排");
    Ok(layout::page(&title, &user.principal, &user.csrf, Nav::Admin, &[], body).into_response())
}

async fn save_year(
    State(s): State<AppState>,
    user: PageUser,
    Path(year): Path<i32>,
    Form(f): Form<SaveForm>,
) -> Result<Response, PageError> {
    let year = check_year(year)?;
    let store = s.store.as_ref();
    let text = current_text(store, &user, config::CALENDAR).await?;
    let dry_run = f.dry_run.is_some();
    let done = match config::replace_calendar_year(&text, year, &f.body) {
        Ok(merged) => {
            let set = ConfigSet::new().with(config::CALENDAR, merged);
            config::apply(store, &user.principal, set, dry_run, Utc::now()).await
        }
        Err(e) => Err(e),
    };
    let (status, body) = match done {
        Ok(report) => {
            if !dry_run {
                s.flow_setup.clear().await;
            }
            let msg = Some(("ok", report_message(&report)));
            (StatusCode::OK, year_page(&user, year, &f.body, &[], msg))
        }
        Err(AppError::Rejected { problems, .. }) => {
            let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                year_page(&user, year, &f.body, &problems, None),
            )
        }
        Err(e) => return Err(Failure::from(e).into()),
    };
    let title = format!("{year}年节假日安排");
    Ok((
        status,
        layout::page(&title, &user.principal, &user.csrf, Nav::Admin, &[], body),
    )
        .into_response())
}
