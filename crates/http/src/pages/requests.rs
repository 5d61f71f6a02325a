//! The enterprise's pages (企业吹哨·部门报到): `/requests` (its own requests with stage,
//! deadline and rating, and the rating form once the answer is in) and `/requests/new` (filing a
//! request: topic from the enterprise categories, description, contact). A request is received
//! by the city platform with the enterprise as 诉求人; its page is `/items/{id}`, which shows the
//! enterprise only what it may do (评价, 撤销). Other users who may file requests (管理员) are
//! sent to the inbox filtered on enterprise requests, and refused (403) when they post the form.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use yiping_access::{Capability, Principal, Role};
use yiping_app::AppError;
use yiping_app::work_items::{CreateItem, ItemView, actors, door};
use yiping_flow::{CategoryCode, CategoryDomain, Channel, CommandKind, ItemKind, Priority};
use yiping_store::{ItemExtras, Page, WorkItemFilter};

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::pages::form::{FormData, csrf_field};
use crate::pages::items::display::{due_cell, local, stage_badge};
use crate::pages::items::new::category_options;
use crate::pages::layout::{Nav, notice, page};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/requests", get(list))
        .route("/requests/new", get(form).post(submit))
}

const PER_PAGE: u32 = 50;

#[derive(Debug, Deserialize)]
struct ListQuery {
    done: Option<String>,
    page: Option<u32>,
}

/// The redirect for users other than enterprises: the inbox filtered on enterprise requests.
fn not_enterprise(p: &Principal) -> Option<Response> {
    (p.role != Role::Enterprise)
        .then(|| Redirect::to("/items?kind=enterprise_request&state=all").into_response())
}

async fn list(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    p.require(Capability::FileRequest)?;
    if let Some(r) = not_enterprise(&p) {
        return Ok(r);
    }
    let filter = WorkItemFilter {
        kind: Some(ItemKind::EnterpriseRequest),
        ..WorkItemFilter::default()
    };
    let now = Utc::now();
    let page_no = q.page.unwrap_or(1).max(1);
    let setup = s.flow_setup().await?;
    let found = door::list_stored(
        s.store.as_ref(),
        &p,
        filter,
        Page::new(PER_PAGE, u64::from((page_no - 1) * PER_PAGE)),
    )
    .await?;
    let total = found.total;
    let rows: Vec<Row> = found
        .items
        .into_iter()
        .map(|stored| {
            let item = stored.item.clone();
            let may_rate =
                actors::allowed_commands(&p, &item, &setup.ctx(), now).contains(&CommandKind::Rate);
            Row {
                rating: item.rating.map(|r| {
                    format!(
                        "{}（{}）",
                        crate::pages::items::rating_label(r.satisfied, r.solved),
                        local(r.at)
                    )
                }),
                may_rate,
                view: ItemView::new(stored, &setup.categories, now),
            }
        })
        .collect();
    let done = match q.done.as_deref() {
        Some("created") => Some("诉求已提交，平台将尽快受理。"),
        Some("rate") => Some("感谢您的评价。"),
        _ => None,
    };
    let body = html! {
        div.page-head {
            h1 { "我的诉求" span.sub { (p.unit_name) } }
            div.actions { a.button href="/requests/new" data-testid="new-request" { "我要吹哨" } }
        }
        @if let Some(d) = done { (notice("ok", d)) }
        p.count { "共 " strong { (total) } " 件" }
        @if rows.is_empty() {
            p.empty { "还没有提交过诉求。" }
        } @else {
            table.items data-testid="request-list" {
                thead { tr {
                    th { "编号" } th { "诉求" } th { "主题" } th { "提交时间" } th { "办理阶段" }
                    th { "期限" } th { "评价" }
                } }
                tbody { @for r in &rows { (row(r, &csrf, now)) } }
            }
        }
    };
    Ok(page("我的诉求", &p, &csrf, Nav::Requests, &[], body).into_response())
}

struct Row {
    view: ItemView,
    rating: Option<String>,
    may_rate: bool,
}

fn row(r: &Row, csrf: &str, now: chrono::DateTime<Utc>) -> Markup {
    let v = &r.view;
    html! {
        tr class=[v.overdue.then_some("overdue")] data-item=(v.id) {
            td { (v.id) }
            td { a href={ "/items/" (v.id) } { (v.title) } }
            td { (v.category_name.as_deref().unwrap_or("—")) }
            td { (local(v.received_at)) }
            td { (stage_badge(v)) }
            td { (due_cell(v, now)) }
            td {
                @if let Some(text) = &r.rating { span.rating { (text) } }
                @else if !r.may_rate { span.muted { "—" } }
                @if r.may_rate {
                    form.rate method="post" action={ "/items/" (v.id) "/act" } {
                        (csrf_field(csrf))
                        input type="hidden" name="version" value=(v.version);
                        input type="hidden" name="cmd" value="rate";
                        input type="hidden" name="next" value="/requests";
                        @for (value, label) in [("satisfied", "满意"), ("basic", "基本满意"), ("dissatisfied", "不满意")] {
                            label.radio { input type="radio" name="rating" value=(value) required; " " (label) }
                        }
                        input type="text" name="comment" maxlength="500" placeholder="意见（可选）";
                        button type="submit" data-testid="rate" { "评价" }
                    }
                }
            }
        }
    }
}

async fn form(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
) -> Result<Response, PageError> {
    p.require(Capability::FileRequest)?;
    if let Some(r) = not_enterprise(&p) {
        return Ok(r);
    }
    render(&s, &p, &csrf, None, &FormData::default(), StatusCode::OK).await
}

async fn render(
    s: &AppState,
    p: &Principal,
    csrf: &str,
    error: Option<String>,
    prev: &FormData,
    status: StatusCode,
) -> Result<Response, PageError> {
    let setup = s.flow_setup().await?;
    let body = html! {
        h1 { "企业吹哨" span.sub { "部门报到" } }
        p.hint { "提交后由市级平台受理，按主题派至责任部门办理，办结后请您评价。" }
        @if let Some(e) = &error { (notice("error", e)) }
        form.card.wide method="post" action="/requests/new" {
            (csrf_field(csrf))
            label.block { "诉求主题"
                select name="category" required {
                    (category_options(&setup, &[CategoryDomain::Enterprise], prev.get("category")))
                }
            }
            label.block { "诉求标题"
                input type="text" name="title" required maxlength="200"
                    value=(prev.get("title").unwrap_or_default()) placeholder="如：申请的技改补贴尚未兑现";
            }
            label.block { "具体情况"
                textarea name="description" rows="6" required maxlength="3500" { (prev.get("description").unwrap_or_default()) }
            }
            label.block { "联系人及电话"
                input type="text" name="contact" required maxlength="100"
                    value=(prev.get("contact").unwrap_or_default()) placeholder="如：张经理 138xxxxxxxx";
            }
            button type="submit" data-testid="submit-request" { "提交诉求" }
        }
    };
    Ok((status, page("企业吹哨", p, csrf, Nav::Requests, &[], body)).into_response())
}

async fn submit(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    p.require(Capability::FileRequest)?;
    // The form files for the signed-in enterprise; others (管理员) file through the API, naming
    // the enterprise.
    if p.role != Role::Enterprise {
        let m = "只有企业用户可以通过此表单提交诉求；代企业登记请使用事项接口并注明企业";
        return Err(PageError::new(StatusCode::FORBIDDEN, m));
    }
    let form = FormData::parse(&String::from_utf8_lossy(&body));
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let (Some(title), Some(raw), Some(text), Some(contact)) = (
        form.get("title"),
        form.get("category"),
        form.get("description"),
        form.get("contact"),
    ) else {
        let m = "请填写诉求主题、标题、具体情况和联系人".to_string();
        return render(&s, &p, &csrf, Some(m), &form, status).await;
    };
    let category = match CategoryCode::parse(raw) {
        Ok(c) => c,
        Err(e) => return render(&s, &p, &csrf, Some(e.to_string()), &form, status).await,
    };
    let setup = s.flow_setup().await?;
    let new = CreateItem {
        kind: ItemKind::EnterpriseRequest,
        title: title.to_string(),
        category,
        priority: Priority::Normal,
        channel: Channel::Enterprise,
        receiving_unit: p.unit,
        location: None,
        enterprise: Some(p.unit),
        reporter: None,
        requester: None,
        extras: ItemExtras {
            description: Some(format!("{text}\n联系人：{contact}")),
            ..ItemExtras::default()
        },
    };
    match door::create(s.store.as_ref(), &setup, &p, new, None).await {
        Ok(_) => Ok(Redirect::to("/requests?done=created").into_response()),
        Err(AppError::Flow(e)) => render(&s, &p, &csrf, Some(e.to_string()), &form, status).await,
        Err(AppError::Invalid(m)) => render(&s, &p, &csrf, Some(m), &form, status).await,
        Err(AppError::TooLarge(m)) => {
            render(&s, &p, &csrf, Some(m), &form, StatusCode::PAYLOAD_TOO_LARGE).await
        }
        Err(e) => Err(e.into()),
    }
}
