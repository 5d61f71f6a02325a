//! The entry form (填报) of one unit and month: the unit's monthly indicators with their current
//! 1—m月 values, each field checked (a Chinese message beside a wrong one, nothing saved unless
//! every field is right), saved through the importer (audit, formulas, evaluation recompute), and
//! the month's reporting deadline and its state from the stored values (逾期未报 only when nothing
//! is stored after the deadline).

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use yiping_access::Capability;
use yiping_app::AppError;
use yiping_app::data_entry::{
    EntrySheet, FieldError, check_entry, due_month, load_sheet, parse_month, save_entry_as,
};
use yiping_app::import::{Approved, ImportOutcome};
use yiping_kernel::Measure;
use yiping_store::ChangeContext;

use super::{PageResult, bad_request, failed, unit_in_scope};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{Failure, PageError};
use crate::pages::layout::{self, Nav};

#[derive(Debug, Deserialize)]
pub(super) struct EntryQuery {
    unit: Option<String>,
    period: Option<String>,
}

/// The sheet the query names, after the role and scope checks.
async fn sheet_for(s: &AppState, user: &PageUser, q: &EntryQuery) -> Result<EntrySheet, Response> {
    let unit = unit_in_scope(s, user, q.unit.as_deref(), Capability::EnterData).await?;
    let (year, month) = match q.period.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => parse_month(p).map_err(|e| bad_request(user, &e.to_string()))?,
        None => due_month((Utc::now() + chrono::TimeDelta::hours(8)).date_naive()),
    };
    load_sheet(s.store.as_ref(), unit.id, year, month)
        .await
        .map_err(|e| failed(user, e))
}

pub(super) async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<EntryQuery>,
) -> Response {
    let r: PageResult = async {
        let sheet = sheet_for(&s, &user, &q).await?;
        Ok(render(
            &user,
            &sheet,
            &HashMap::new(),
            &[],
            None,
            StatusCode::OK,
        ))
    }
    .await;
    match r {
        Ok(r) | Err(r) => r,
    }
}

pub(super) async fn save(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<EntryQuery>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let r: PageResult = async {
        let sheet = sheet_for(&s, &user, &q).await?;
        match check_entry(&sheet, &form) {
            Err(errors) => Ok(render(
                &user,
                &sheet,
                &form,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )),
            Ok(values) => {
                let p = &user.principal;
                let ctx =
                    ChangeContext::new(format!("{}（{}）", p.name, p.login), "填报", Utc::now());
                // Administrators and analysts reopen approved values (audited); others are refused.
                let approved = Approved::for_role(p.role, true);
                let outcome = save_entry_as(s.store.as_ref(), &sheet, &values, approved, &ctx)
                    .await
                    .map_err(|e| {
                        // Refused values say why, each one (an approved figure names itself);
                        // a failure of the server is its own page.
                        let reasons = match &e {
                            AppError::Rejected { problems, .. } => problems
                                .iter()
                                .map(|p| p.reason.clone())
                                .collect::<Vec<_>>()
                                .join("；"),
                            _ => String::new(),
                        };
                        let mut f = Failure::from(e);
                        if !reasons.is_empty() {
                            f.message = format!("{}：{reasons}", f.message);
                        }
                        let e = if f.status.is_server_error() {
                            PageError::from(f)
                        } else {
                            let m = format!("保存失败，数据库未作修改：{}", f.message);
                            PageError::new(StatusCode::UNPROCESSABLE_ENTITY, m)
                        };
                        e.page(p, &user.csrf)
                    })?;
                // Show what is stored now.
                let sheet = sheet_for(&s, &user, &q).await?;
                Ok(render(
                    &user,
                    &sheet,
                    &HashMap::new(),
                    &[],
                    Some(&outcome),
                    StatusCode::OK,
                ))
            }
        }
    }
    .await;
    match r {
        Ok(r) | Err(r) => r,
    }
}

fn saved_notice(o: &ImportOutcome) -> Markup {
    let (ins, upd, same) = o
        .observations
        .as_ref()
        .map_or((0, 0, 0), |r| (r.inserted, r.updated, r.unchanged));
    let evaluated = o.after.as_ref().map_or(0, |a| a.recomputed.evaluated.len());
    let text = if ins + upd == 0 {
        "没有变化：所填数值与已存数据相同。".to_string()
    } else if evaluated > 0 {
        format!("已保存：新增{ins}项，修改{upd}项，未变{same}项；已重新计算{evaluated}项评价。")
    } else {
        format!("已保存：新增{ins}项，修改{upd}项，未变{same}项。")
    };
    layout::notice("ok", &text)
}

fn render(
    user: &PageUser,
    sheet: &EntrySheet,
    typed: &HashMap<String, String>,
    errors: &[FieldError],
    saved: Option<&ImportOutcome>,
    status: StatusCode,
) -> Response {
    let today = (Utc::now() + chrono::TimeDelta::hours(8)).date_naive();
    let state = sheet.state(today);
    let unit = &sheet.unit.data;
    let key = unit
        .code
        .as_ref()
        .map_or_else(|| sheet.unit.id.0.to_string(), |c| c.as_str().to_string());
    let action = format!(
        "/data/entry?unit={key}&period={}M{:02}",
        sheet.year, sheet.month
    );
    let error_of = |field: &str| errors.iter().find(|e| e.field == field);
    let field = |line: &yiping_app::data_entry::EntryLine, m: Measure| -> Markup {
        let name = line.field(m);
        let current = match m {
            Measure::Value => line.value,
            Measure::Growth => line.growth,
        };
        let shown = typed.get(&name).cloned().unwrap_or_else(|| {
            current.map_or_else(String::new, |v| match m {
                Measure::Value => format!("{v:.*}", usize::from(line.decimals)),
                Measure::Growth => format!("{v:.1}"),
            })
        });
        let err = error_of(&name);
        let err_id = format!("{name}-err");
        html! {
            td.cell.invalid[err.is_some()] {
                input type="text" inputmode="decimal" name=(name) id=(name) value=(shown)
                    aria-invalid=[err.map(|_| "true")] aria-describedby=[err.map(|_| err_id.as_str())];
                @if let Some(e) = err { span.field-error id=(err_id) { (e.message) } }
            }
        }
    };
    let title = format!("{}{}填报", unit.name, sheet.period.label_zh());
    let body = html! {
        nav.crumbs { a href="/data" { "数据" } " / 填报" }
        h1 { (unit.name) span.period { (sheet.period.label_zh()) "累计" } }
        p.deadline {
            "报送截止：" strong { (sheet.deadline.format("%Y年%m月%d日")) } "（次月第5个工作日）"
            span class={ "month-state " (state.tone()) } { (state.label_zh()) }
            @if let Some(d) = state.detail_zh() { " " span.muted.state-detail { (d) } }
        }
        @if let Some(w) = &sheet.deadline_warning { (layout::notice("warning", w)) }
        @if let Some(o) = saved { (saved_notice(o)) }
        @if !errors.is_empty() {
            (layout::notice("error", &format!("有{}处填写有误，请按提示修改；本次未保存任何数据。", errors.len())))
        }
        @if sheet.lines.is_empty() {
            (layout::notice("info", "该单位没有需要按月填报的指标。"))
        } @else {
            form.entry method="post" action=(action) novalidate {
                input type="hidden" name="_csrf" value=(user.csrf);
                table.data.entry {
                    thead { tr { th { "指标" } th { "计量单位" } th { "1—" (sheet.month) "月累计" } th { "比上年同期增长（%）" } } }
                    tbody {
                        @for line in &sheet.lines {
                            tr {
                                th scope="row" { label for=(line.field(Measure::Value)) { (line.name) } br; span.muted.code { (line.code) } }
                                td { (line.unit) }
                                (field(line, Measure::Value))
                                (field(line, Measure::Growth))
                            }
                        }
                    }
                }
                p.hint.muted { "留空的格子不填报（已有数值不会被删除）。数字可带千位分隔符；增速可为负数。" }
                button.primary type="submit" { "保存" }
            }
        }
    };
    (
        status,
        layout::page(&title, &user.principal, &user.csrf, Nav::Data, &[], body),
    )
        .into_response()
}
