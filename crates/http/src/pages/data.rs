//! The data pages (数据): what the user may do with data, the reporting list (every month of the
//! window with its deadline and its state from the stored values, `app::data_entry::reporting_list`); the
//! entry form of a unit and month; the import page (upload, dry-run preview, error report,
//! confirmation); the report review page (facts read out of a written report, confirmed into
//! drafts); the data-quality page (validation findings and seasonal outlier flags); exports limited to the user's scope.
//!
//! Reading needs `ViewData`; entering and importing need `EnterData` and a unit inside the user's
//! subtree. Refusals are the 403 page; nothing is read before the checks.

// Refusals and errors are rendered pages (`Response`) returned as `Err`, so that `?` ends a
// handler early; at most one is built per request, so its size does not matter.
#![allow(clippy::result_large_err)]

mod entry;
pub(crate) mod export;
mod import;
mod quality;
mod reports;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, Utc};
use maud::html;
use yiping_access::Capability;
use yiping_app::AppError;
use yiping_app::data_entry::{due_month, latest_month, reporting_list};
use yiping_kernel::{Entity, EntityId};
use yiping_store::{EntityFilter, Page};

use super::layout::{self, Nav};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/data", get(index))
        .route("/data/entry", get(entry::show).post(entry::save))
        .route("/data/import", get(import::show))
        .route("/data/import/preview", axum::routing::post(import::preview))
        .route("/data/import/apply", axum::routing::post(import::apply))
        .route("/data/export", get(export::download))
        .route("/data/quality", get(quality::show))
        .route(
            "/data/quality/findings/{id}",
            axum::routing::post(quality::follow_up),
        )
        .route(
            "/data/quality/outliers/{id}",
            axum::routing::post(quality::review),
        )
        .route("/data/reports", get(reports::show))
        .route("/data/reports/read", axum::routing::post(reports::read))
        .route("/data/reports/save", axum::routing::post(reports::save))
}

/// A page handler's answer: the page, or an error page already rendered.
type PageResult = Result<Response, Response>;

/// The error page of a failed use case (the database unreachable is 503, and so on).
fn failed(user: &PageUser, e: impl Into<AppError>) -> Response {
    PageError::from(e.into()).page(&user.principal, &user.csrf)
}

fn bad_request(user: &PageUser, message: &str) -> Response {
    PageError::bad_request(message).page(&user.principal, &user.csrf)
}

/// A fragment answer of the upload pages (htmx swaps it into the page). A file to correct (its
/// error report is the answer) comes back as 200; refusals (403: the role, or rows outside the user's scope, which
/// the layout's htmx configuration swaps in too) and server failures keep their status.
pub(super) fn fragment(status: axum::http::StatusCode, body: maud::Markup) -> Response {
    use axum::http::StatusCode;
    let status = if status.is_client_error() && status != StatusCode::FORBIDDEN {
        StatusCode::OK
    } else {
        status
    };
    (status, body).into_response()
}

/// Refuses unless the role has `cap`.
fn require(user: &PageUser, cap: Capability) -> Result<(), Response> {
    user.principal
        .require(cap)
        .map_err(|e| super::forbidden(&user.principal, &user.csrf, &e))
}

/// The unit named by `code` (its code, or its id), the user's own unit when empty; refused
/// unless the role has `cap` and the unit is in the user's subtree.
async fn unit_in_scope(
    s: &AppState,
    user: &PageUser,
    code: Option<&str>,
    cap: Capability,
) -> Result<Entity, Response> {
    require(user, cap)?;
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let entity = match code {
        None => s
            .store
            .entity(user.principal.unit)
            .await
            .map_err(|e| failed(user, e))?,
        Some(c) => s
            .store
            .all_entities()
            .await
            .map_err(|e| failed(user, e))?
            .into_iter()
            .find(|e| e.data.code.as_ref().is_some_and(|x| x.as_str() == c)),
    };
    let entity = match (entity, code) {
        (Some(e), _) => e,
        (None, Some(c)) => match c.parse::<i64>().ok().map(EntityId) {
            Some(id) => s
                .store
                .entity(id)
                .await
                .map_err(|e| failed(user, e))?
                .ok_or_else(|| bad_request(user, &format!("没有代码为“{c}”的单位")))?,
            None => return Err(bad_request(user, &format!("没有代码为“{c}”的单位"))),
        },
        (None, None) => return Err(bad_request(user, "本单位不存在")),
    };
    user.principal
        .require_in(cap, entity.id)
        .map_err(|e| super::forbidden(&user.principal, &user.csrf, &e))?;
    Ok(entity)
}

/// The units a user may enter data for: their own and the units right below it.
async fn entry_units(s: &AppState, user: &PageUser) -> Result<Vec<Entity>, Response> {
    let mut out = Vec::new();
    if let Some(own) = s
        .store
        .entity(user.principal.unit)
        .await
        .map_err(|e| failed(user, e))?
    {
        out.push(own);
    }
    let children = s
        .store
        .entities(
            &EntityFilter {
                parent: Some(user.principal.unit),
                kind: Some(yiping_kernel::EntityKind::Region),
                ..EntityFilter::default()
            },
            Page::first(500),
        )
        .await
        .map_err(|e| failed(user, e))?;
    out.extend(
        children
            .items
            .into_iter()
            .filter(|e| user.principal.sees(e.id)),
    );
    Ok(out)
}

/// A unit's code for URLs (its id when it has none).
fn unit_key(e: &Entity) -> String {
    e.data
        .code
        .as_ref()
        .map_or_else(|| e.id.0.to_string(), |c| c.as_str().to_string())
}

async fn index(State(s): State<AppState>, user: PageUser) -> Response {
    match index_page(&s, &user).await {
        Ok(r) | Err(r) => r,
    }
}

async fn index_page(s: &AppState, user: &PageUser) -> PageResult {
    require(user, Capability::ViewData)?;
    let p = &user.principal;
    let today = (Utc::now() + chrono::TimeDelta::hours(8)).date_naive();
    // Every month of the reporting window, newest first, each in the state its stored values
    // give; the picker offers the latest month with data (else the month due now).
    let (months, default_month) = if p.can(Capability::EnterData) {
        let list = reporting_list(s.store.as_ref(), p.unit, today)
            .await
            .map_err(|e| failed(user, e))?;
        let latest = latest_month(s.store.as_ref(), p.unit)
            .await
            .map_err(|e| failed(user, e))?;
        (list, latest.unwrap_or_else(|| due_month(today)))
    } else {
        (Vec::new(), due_month(today))
    };
    let units = if p.can(Capability::EnterData) {
        entry_units(s, user).await?
    } else {
        Vec::new()
    };
    let own = units.first().map(unit_key).unwrap_or_default();
    let body = html! {
        h1 { "数据" }
        p.lead { "本单位：" (p.unit_name) "。数据范围限于本单位及下属单位。" }
        @if p.can(Capability::EnterData) {
            section.card {
                h2 { "填报" }
                p { "月度指标按 1—n 月累计填报（总量与增速），截止时间为次月第5个工作日（按国家法定节假日和调休安排计算）。下表列出近24个月，状态按本单位已存数据计算。" }
                table.data.due {
                    thead { tr { th { "月份" } th { "截止日期" } th { "状态" } th {} } }
                    tbody {
                        @for row in &months {
                            @let (y, m) = (row.year, row.month);
                            tr.month data-state=(row.state.tone()) {
                                td { (y) "年" (m) "月" }
                                td {
                                    (row.deadline.format("%Y-%m-%d")) "（" (weekday(row.deadline.weekday())) "）"
                                    @if let Some(w) = &row.deadline_warning { br; span.calendar-warning role="alert" { "⚠ " (w) } }
                                }
                                td {
                                    span class={ "month-state " (row.state.tone()) } { (row.state.label_zh()) }
                                    @if let Some(d) = row.state.detail_zh() { " " span.muted.state-detail { (d) } }
                                }
                                td { a href={ "/data/entry?unit=" (own) "&period=" (y) "M" (format!("{m:02}")) } { "填报本单位" } }
                            }
                        }
                    }
                }
                form.entry-picker method="get" action="/data/entry" {
                    label for="unit" { "单位" }
                    select #unit name="unit" {
                        @for u in &units { option value=(unit_key(u)) { (u.data.name) } }
                    }
                    label for="period" { "月份" }
                    input #period name="period" type="text" placeholder="如 2024M12" value=(format!("{}M{:02}", default_month.0, default_month.1)) size="10";
                    button type="submit" { "打开填报表" }
                }
            }
            section.card {
                h2 { "导入" }
                p { "上传 CSV 或 Excel 表格：先预览将新增、修改的数据和问题清单，确认后才写入。表中所有单位须在本单位管辖范围内。" }
                p { a.button href="/data/import" { "导入表格" } " " a.button href="/data/reports" { "报告读数" } }
            }
        }
        section.card {
            h2 { "数据质量" }
            p { "校验规则未通过的数据（校验发现）和与历年同月相比异常的数值，逐条跟进或审核。" }
            p { a.button href="/data/quality" { "查看数据质量" } }
        }
        section.card {
            h2 { "导出" }
            form.export method="get" action="/data/export" {
                label { "格式 " select name="format" { option value="xlsx" { "Excel（.xlsx）" } option value="csv" { "CSV" } } }
                label { "版式 " select name="layout" { option value="wide" { "宽表（每个指标一列）" } option value="long" { "长表（每个数值一行）" } } }
                label { "时期 " input name="period" placeholder="如 2024M01-M12，可留空" size="16"; }
                label { "指标 " input name="indicator" placeholder="代码或名称，逗号分隔" size="20"; }
                label { "单位 " input name="unit" placeholder="单位代码，默认本单位" size="12"; }
                button type="submit" { "导出" }
            }
            p.muted { "宽表 CSV 只能包含一个时期；多个时期请导出 Excel（每个时期一个工作表）。" }
        }
    };
    Ok(layout::page("数据", p, &user.csrf, Nav::Data, &[], body).into_response())
}

fn weekday(d: chrono::Weekday) -> &'static str {
    use chrono::Weekday::*;
    match d {
        Mon => "周一",
        Tue => "周二",
        Wed => "周三",
        Thu => "周四",
        Fri => "周五",
        Sat => "周六",
        Sun => "周日",
    }
}
