//! The work-item pages: `/items` (the inbox of the user's unit with filters, overdue flags and
//! paging; the list refreshes in place with htmx), `/items/{id}` (summary, deadlines, history and
//! only the actions the user may perform), `/items/new` (上报事件) and
//! `/items/directives/new` (一键智达).
//!
//! The role and the scope are checked by the app's door (`yiping_app::work_items::door`): the
//! list is one unit's inbox in the user's subtree (an enterprise is sent to `/requests`), an item
//! must be visible to the user and an action must pass the command's checks before the engine
//! sees it. The handlers parse forms, call the door and render what it returns.

mod actions;
mod directives;
pub(crate) mod display;
mod history;
pub(crate) mod new;
pub(crate) mod view;

pub(crate) use actions::rating_label;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use yiping_access::{Capability, Principal, Role};
use yiping_app::work_items::{ItemView, door};
use yiping_flow::{ItemKind, Stage};
use yiping_kernel::EntityId;
use yiping_store::{Page, Paged, WorkItemFilter};

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::pages::layout::{Nav, page};
use display::{due_cell, local, name_of, names, stage_badge};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/items", get(inbox))
        .route("/items/new", get(new::form).post(new::submit))
        .route(
            "/items/directives/new",
            get(directives::form).post(directives::submit),
        )
        .route("/items/{id}", get(view::show))
        .route("/items/{id}/act", post(view::act))
}

/// Items per page of the inbox.
const PER_PAGE: u32 = 20;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct InboxQuery {
    stage: Option<String>,
    kind: Option<String>,
    /// `1`: only overdue items.
    overdue: Option<String>,
    /// `open` (default), `closed` or `all`.
    state: Option<String>,
    /// Another unit of the user's subtree (its id).
    unit: Option<String>,
    /// 1-based.
    page: Option<u32>,
}

fn stage_of(code: &str) -> Option<Stage> {
    Stage::ALL.into_iter().find(|s| code_of(*s) == code)
}

fn code_of<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn kind_of(code: &str) -> Option<ItemKind> {
    ItemKind::ALL.into_iter().find(|k| code_of(*k) == code)
}

impl InboxQuery {
    fn filter(&self, p: &Principal) -> (WorkItemFilter, bool) {
        let mut f = WorkItemFilter {
            unit: self
                .unit
                .as_deref()
                .and_then(|u| u.trim().parse().ok())
                .map(EntityId),
            kind: self.kind.as_deref().and_then(kind_of),
            ..WorkItemFilter::default()
        };
        if let Some(s) = self.stage.as_deref().and_then(stage_of) {
            f.stages = vec![s];
        }
        match self.state.as_deref().unwrap_or("open") {
            "closed" => {
                if f.stages.is_empty() {
                    f.stages = vec![Stage::Closed, Stage::Rejected, Stage::Cancelled];
                }
            }
            "all" => {}
            _ => f.open_only = true,
        }
        if f.unit == Some(p.unit) {
            f.unit = None;
        }
        (f, self.overdue.as_deref() == Some("1"))
    }

    fn page(&self) -> u32 {
        self.page.unwrap_or(1).max(1)
    }

    /// The query string of this filter at another page.
    fn at_page(&self, page: u32) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("stage", &self.stage),
            ("kind", &self.kind),
            ("overdue", &self.overdue),
            ("state", &self.state),
            ("unit", &self.unit),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                pairs.push((k, v.to_string()));
            }
        }
        pairs.push(("page", page.to_string()));
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

async fn inbox(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
    headers: HeaderMap,
    Query(mut q): Query<InboxQuery>,
) -> Result<Response, PageError> {
    if p.role == Role::Enterprise {
        return Ok(Redirect::to("/requests").into_response());
    }
    p.require(Capability::ViewItems)?;
    // A grid worker's inbox is the record of their grid: every item, open ones and closed.
    if p.role == Role::GridWorker && q.state.is_none() {
        q.state = Some("all".into());
    }
    let (filter, overdue) = q.filter(&p);
    let unit = filter.unit.unwrap_or(p.unit);
    let now = Utc::now();
    let setup = s.flow_setup().await?;
    let offset = u64::from((q.page() - 1) * PER_PAGE);
    let page_of = Page::new(PER_PAGE, offset);
    let list = door::list(s.store.as_ref(), &setup, &p, filter, overdue, page_of).await?;
    let mut units: Vec<EntityId> = vec![unit];
    for v in &list.items {
        units.push(v.owner_unit);
        units.extend(v.assignee);
    }
    let names = names(s.store.as_ref(), units).await?;
    let table = list_table(&q, &name_of(&names, unit), &list, &names, now);
    if headers.contains_key("hx-request") {
        return Ok(table.into_response());
    }
    let units = if p.scope.len() > 1 {
        view::unit_choices(&s, &p, None).await?.units
    } else {
        Vec::new()
    };
    let title = format!("{} · 事项", name_of(&names, unit));
    let body = html! {
        div.page-head {
            h1 { "事项收件箱" span.sub { (p.unit_name) } }
            div.actions {
                @if p.can(Capability::ReportEvent) {
                    a.button href="/items/new" { "上报事件" }
                }
                @if p.can(Capability::IssueDirective) {
                    a.button href="/items/directives/new" { "一键智达" }
                }
            }
        }
        (filters(&q, &p, &units))
        div #item-list { (table) }
    };
    Ok(page(&title, &p, &csrf, Nav::Items, &[], body).into_response())
}

fn select(name: &str, current: Option<&str>, options: &[(String, String)]) -> Markup {
    html! {
        select name=(name) {
            @for (value, label) in options {
                option value=(value) selected[current == Some(value.as_str())] { (label) }
            }
        }
    }
}

fn filters(q: &InboxQuery, p: &Principal, units: &[(EntityId, String)]) -> Markup {
    let mut stages = vec![(String::new(), "全部阶段".to_string())];
    stages.extend(
        Stage::ALL
            .into_iter()
            .map(|s| (code_of(s), s.label_zh().to_string())),
    );
    let mut kinds = vec![(String::new(), "全部类型".to_string())];
    kinds.extend(
        ItemKind::ALL
            .into_iter()
            .map(|k| (code_of(k), k.label_zh().to_string())),
    );
    let mut inboxes = vec![(String::new(), format!("{}（本单位）", p.unit_name))];
    inboxes.extend(
        units
            .iter()
            .map(|(id, name)| (id.to_string(), name.clone())),
    );
    let states = [("open", "未办结"), ("closed", "已办结"), ("all", "全部")]
        .map(|(a, b)| (a.to_string(), b.to_string()));
    html! {
        form.filters method="get" action="/items" hx-get="/items" hx-target="#item-list"
            hx-trigger="change, submit" hx-push-url="true" {
            @if units.is_empty() {
                @if let Some(u) = &q.unit { input type="hidden" name="unit" value=(u); }
            } @else {
                label { "单位 " (select("unit", q.unit.as_deref(), &inboxes)) }
            }
            label { "状态 " (select("state", q.state.as_deref().or(Some("open")), &states)) }
            label { "阶段 " (select("stage", q.stage.as_deref(), &stages)) }
            label { "类型 " (select("kind", q.kind.as_deref(), &kinds)) }
            label.check {
                input type="checkbox" name="overdue" value="1"
                    checked[q.overdue.as_deref() == Some("1")];
                " 只看超期"
            }
            noscript { button type="submit" { "筛选" } }
        }
    }
}

fn list_table(
    q: &InboxQuery,
    unit_name: &str,
    list: &Paged<ItemView>,
    names: &std::collections::HashMap<EntityId, String>,
    now: DateTime<Utc>,
) -> Markup {
    let pages = list.total.div_ceil(u64::from(PER_PAGE)).max(1);
    let current = u64::from(q.page());
    html! {
        p.count { (unit_name) " · 共 " strong { (list.total) } " 件" }
        @if list.items.is_empty() {
            p.empty { "没有符合条件的事项（本单位受理、承办或发生在本单位的事项列在这里；可在“状态”中选“全部”）。" }
        } @else {
            table.items data-testid="item-list" {
                thead { tr {
                    th { "编号" } th { "标题" } th { "类型" } th { "分类" } th { "阶段" }
                    th { "责任单位" } th { "期限" } th { "受理时间" }
                } }
                tbody {
                    @for v in &list.items {
                        tr class=[v.overdue.then_some("overdue")] {
                            td { (v.id) }
                            td {
                                a href={ "/items/" (v.id) } { (v.title) }
                                @if v.supervised { " " span.badge.supervised { "督办" } }
                            }
                            td { (v.kind_name) }
                            td { (v.category_name.as_deref().unwrap_or("—")) }
                            td { (stage_badge(v)) }
                            td {
                                @if let Some(a) = v.assignee {
                                    (name_of(names, a)) span.muted { "（待签收）" }
                                } @else { (name_of(names, v.owner_unit)) }
                            }
                            td { (due_cell(v, now)) }
                            td title=(local(v.received_at)) { (display::ago(v.received_at, now)) }
                        }
                    }
                }
            }
        }
        @if pages > 1 {
            nav.pager {
                @if current > 1 {
                    a href={ "/items?" (q.at_page(q.page() - 1)) }
                        hx-get={ "/items?" (q.at_page(q.page() - 1)) } hx-target="#item-list"
                        hx-push-url="true" { "上一页" }
                }
                span { "第 " (current) " / " (pages) " 页" }
                @if current < pages {
                    a href={ "/items?" (q.at_page(q.page() + 1)) }
                        hx-get={ "/items?" (q.at_page(q.page() + 1)) } hx-target="#item-list"
                        hx-push-url="true" { "下一页" }
                }
            }
        }
    }
}
