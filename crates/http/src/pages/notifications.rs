//! The notification pages: `/notifications` (the signed-in user's own notifications, newest
//! first, unread marked, each opening its item or page; 全部 / 未读 and paging), the bell's
//! fragment `/notifications/bell` (the unread count, loaded by htmx into the top bar of every
//! page and refreshed every 30 seconds) and the marks: `POST /notifications/{id}/read` (opens the
//! notification's page once marked) and `POST /notifications/read-all`. A user only ever reads
//! and marks their own (the app's `notifications` checks it).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;
use yiping_app::notifications::{self, NotificationView};
use yiping_store::Page;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::pages::form::csrf_field;
use crate::pages::items::display::local;
use crate::pages::layout::{Nav, notice, page};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/bell", get(bell))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}/read", post(read))
}

const PER_PAGE: u32 = 50;

#[derive(Debug, Deserialize)]
struct ListQuery {
    unread: Option<String>,
    page: Option<u32>,
    done: Option<String>,
}

/// The bell in the top bar: a link to the list, filled with the count by [`bell`].
pub(crate) fn bell_slot() -> Markup {
    html! {
        a.bell href="/notifications" title="通知" data-testid="bell"
            hx-get="/notifications/bell" hx-trigger="load, every 30s" hx-swap="innerHTML" {
            "通知"
        }
    }
}

/// The bell's content: 通知 and the unread count (none shown at zero).
async fn bell(
    State(s): State<AppState>,
    PageUser { principal: p, .. }: PageUser,
) -> Result<Markup, PageError> {
    let n = notifications::unread_count(s.store.as_ref(), &p).await?;
    Ok(html! {
        "通知"
        @if n > 0 {
            span.bell-count data-testid="bell-count" aria-label={ (n) " 条未读" } {
                @if n > 99 { "99+" } @else { (n) }
            }
        }
    })
}

async fn list(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let unread_only = q.unread.as_deref() == Some("1");
    let page_no = q.page.unwrap_or(1).max(1);
    let store = s.store.as_ref();
    let found = notifications::list(
        store,
        &p,
        unread_only,
        Page::new(PER_PAGE, u64::from((page_no - 1) * PER_PAGE)),
    )
    .await?;
    let unread = notifications::unread_count(store, &p).await?;
    let pages = found.total.div_ceil(u64::from(PER_PAGE)).max(1);
    let filter = if unread_only { "&unread=1" } else { "" };
    let body = html! {
        div.page-head {
            h1 { "我的通知" span.sub { "未读 " (unread) " 条" } }
            @if unread > 0 {
                div.actions {
                    form method="post" action="/notifications/read-all" {
                        (csrf_field(&csrf))
                        button type="submit" data-testid="read-all" { "全部标为已读" }
                    }
                }
            }
        }
        @if q.done.as_deref() == Some("all") { (notice("ok", "已全部标为已读。")) }
        nav.tabs {
            a href="/notifications" class=[(!unread_only).then_some("active")] { "全部" }
            a href="/notifications?unread=1" class=[unread_only.then_some("active")] { "未读" }
        }
        @if found.items.is_empty() {
            p.empty { @if unread_only { "没有未读通知。" } @else { "还没有通知。" } }
        } @else {
            ul.notifications data-testid="notification-list" {
                @for n in &found.items { (entry(n, &csrf)) }
            }
            @if pages > 1 {
                nav.pager {
                    @if page_no > 1 {
                        a href={ "/notifications?page=" (page_no - 1) (filter) } { "上一页" }
                    }
                    span { "第 " (page_no) " / " (pages) " 页" }
                    @if u64::from(page_no) < pages {
                        a href={ "/notifications?page=" (page_no + 1) (filter) } { "下一页" }
                    }
                }
            }
        }
    };
    Ok(page("我的通知", &p, &csrf, Nav::None, &[], body).into_response())
}

fn entry(n: &NotificationView, csrf: &str) -> Markup {
    let unread = n.read_at.is_none();
    html! {
        li class={ "notification" @if unread { " unread" } } data-testid="notification" {
            div.meta {
                span.kind { (n.kind_label) }
                time { (local(n.created_at)) }
                @if unread { span.badge { "未读" } }
            }
            div.title { (n.title) }
            p.body { (n.body) }
            form method="post" action={ "/notifications/" (n.id) "/read" } {
                (csrf_field(csrf))
                @if n.link.is_some() {
                    button type="submit" { "查看" }
                } @else if unread {
                    button type="submit" { "标为已读" }
                }
            }
        }
    }
}

async fn read(
    State(s): State<AppState>,
    PageUser { principal: p, .. }: PageUser,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id: i64 = id
        .parse()
        .map_err(|_| PageError::not_found(format!("通知 {id} 不存在")))?;
    let marked = notifications::mark_read(s.store.as_ref(), &p, id).await?;
    Ok(Redirect::to(marked.link.as_deref().unwrap_or("/notifications")).into_response())
}

async fn read_all(
    State(s): State<AppState>,
    PageUser { principal: p, .. }: PageUser,
) -> Result<Response, PageError> {
    notifications::mark_all_read(s.store.as_ref(), &p).await?;
    Ok(Redirect::to("/notifications?done=all").into_response())
}
