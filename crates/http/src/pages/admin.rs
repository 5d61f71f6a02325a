//! User administration for admins: the users of their subtree, adding a user, enabling and
//! disabling, issuing an API token (shown once) and revoking them all, the sign-in record and
//! the audit of changes (both scoped to the admin's users).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use yiping_access::{Capability, Principal, Role};
use yiping_app::AppError;
use yiping_app::auth::{self as app_auth, UserSpec};
use yiping_kernel::Entity;
use yiping_store::StoredUser;

use super::layout::{self, Nav};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{Failure, PageError};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list).post(add))
        .route("/admin/users/{login}/active", post(set_active))
        .route("/admin/users/{login}/token", post(token))
        .route("/admin/users/{login}/revoke", post(revoke))
}

/// A time in Beijing time (UTC+8), to the minute.
fn time(t: chrono::DateTime<Utc>) -> String {
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(tz) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
        None => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

async fn page(
    state: &AppState,
    user: &PageUser,
    message: Option<(&str, String)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = &user.principal;
    p.require(Capability::ManageUsers)?;
    let store = state.store.as_ref();
    let users = store.users().await?;
    let entities = store.all_entities().await?;
    let all_users = users.len();
    let users: Vec<&StoredUser> = users.iter().filter(|u| p.sees(u.unit)).collect();
    // The sign-in record and the audit, scoped like the users: a district's admin sees the
    // attempts and changes of their users (as actor or target), not the city's. Attempts on
    // logins that do not exist are shown to an admin who sees every user.
    let sees_everyone = users.len() == all_users;
    let seen: std::collections::HashSet<&str> = users.iter().map(|u| u.login.as_str()).collect();
    let known: std::collections::HashSet<String> =
        store.users().await?.into_iter().map(|u| u.login).collect();
    let logins: Vec<_> = store
        .login_records(1000)
        .await?
        .into_iter()
        .filter(|r| seen.contains(r.login.as_str()) || (sees_everyone && !known.contains(&r.login)))
        .take(30)
        .collect();
    let audit: Vec<_> = store
        .audit_events(1000)
        .await?
        .into_iter()
        .filter(|e| {
            sees_everyone || seen.contains(e.actor.as_str()) || seen.contains(e.target.as_str())
        })
        .take(30)
        .collect();
    // Who acted, by name (the login in the tooltip); the demo's loader and jobs act as themselves.
    let all = store.users().await?;
    let who = |login: &str| {
        all.iter()
            .find(|u| u.login == login)
            .map_or_else(|| login.to_string(), |u| u.name.clone())
    };
    let name_of = |u: &StoredUser| {
        entities
            .iter()
            .find(|e| e.id == u.unit)
            .map_or_else(String::new, |e: &Entity| e.data.name.clone())
    };
    let body = html! {
        h1 { "用户管理" }
        @if let Some((kind, text)) = &message { (layout::notice(kind, text)) }
        section.card {
            h2 { "本单位及下级的用户（" (users.len()) "）" }
            table.data #users {
                thead { tr { th { "登录名" } th { "姓名" } th { "角色" } th { "单位" } th { "状态" } th { "操作" } } }
                tbody {
                    @for u in &users {
                        tr {
                            td { (u.login) }
                            td { (u.name) }
                            td { (u.role.parse::<Role>().map_or(u.role.clone(), |r| r.label_zh().to_string())) }
                            td { (name_of(u)) }
                            td { @if u.active { "启用" } @else { span.badge.red { "停用" } } }
                            td.actions {
                                @if u.id != p.user_id {
                                    form method="post" action={ "/admin/users/" (u.login) "/active" } {
                                        input type="hidden" name="_csrf" value=(user.csrf);
                                        input type="hidden" name="active" value=(if u.active { "0" } else { "1" });
                                        button type="submit" { @if u.active { "停用" } @else { "启用" } }
                                    }
                                }
                                form method="post" action={ "/admin/users/" (u.login) "/token" } {
                                    input type="hidden" name="_csrf" value=(user.csrf);
                                    button type="submit" { "签发 API 令牌" }
                                }
                                form method="post" action={ "/admin/users/" (u.login) "/revoke" } {
                                    input type="hidden" name="_csrf" value=(user.csrf);
                                    button type="submit" data-testid="revoke-tokens" { "吊销全部 API 令牌" }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "新增用户" }
            (add_form(&user.csrf))
        }
        section.card {
            h2 { "最近登录记录" }
            table.data {
                thead { tr { th { "时间" } th { "登录名" } th { "地址" } th { "结果" } } }
                tbody {
                    @for r in &logins {
                        tr {
                            td { (time(r.at)) }
                            td { (r.login) }
                            td { (r.ip) }
                            td { @if r.success { @if r.reason == "logout" { "退出" } @else { "成功" } } @else { "失败（" (r.reason) "）" } }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "最近变更审计" }
            table.data {
                thead { tr { th { "时间" } th { "操作人" } th { "操作" } th { "对象" } th { "说明" } } }
                tbody {
                    @for e in &audit {
                        tr {
                            td { (time(e.at)) }
                            td title=(e.actor) { (who(&e.actor)) }
                            td title=(e.action) { (yiping_app::audit::action_label(&e.action)) }
                            td title=(e.target) { (who(&e.target)) }
                            td {
                                // Long details (hashes, lists of files) open on demand.
                                @if e.detail.chars().count() > 40 {
                                    details { summary { (e.detail.chars().take(24).collect::<String>()) "…" } span.pre { (e.detail) } }
                                } @else { (e.detail) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok((
        status,
        layout::page("用户管理", p, &user.csrf, Nav::Admin, &[], body),
    )
        .into_response())
}

/// The page again after a change: a refused input (a bad role, a unit outside the admin's
/// scope, a login taken) is shown on the page with 422; a failure of the server is an error
/// page with its own status.
async fn after(
    state: &AppState,
    user: &PageUser,
    done: Result<String, AppError>,
) -> Result<Response, PageError> {
    match done {
        Ok(msg) => page(state, user, Some(("ok", msg)), StatusCode::OK).await,
        Err(e) => {
            let f = Failure::from(e);
            if f.status.is_server_error() {
                return Err(f.into());
            }
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            page(state, user, Some(("error", f.message)), status).await
        }
    }
}

fn add_form(csrf: &str) -> Markup {
    html! {
        form.grid-form method="post" action="/admin/users" {
            input type="hidden" name="_csrf" value=(csrf);
            label { "登录名" input type="text" name="login" required pattern="[A-Za-z0-9._-]{1,64}"; }
            label { "姓名" input type="text" name="name"; }
            label { "角色"
                select name="role" {
                    @for r in Role::ALL { option value=(r.code()) { (r.label_zh()) } }
                }
            }
            label { "单位代码" input type="text" name="unit" required placeholder="如 500103、D002"; }
            label { "初始密码（至少 8 位）" input type="password" name="password" required minlength="8"; }
            button type="submit" { "新增" }
        }
    }
}

async fn list(State(state): State<AppState>, user: PageUser) -> Result<Response, PageError> {
    page(&state, &user, None, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
struct AddForm {
    login: String,
    #[serde(default)]
    name: String,
    role: String,
    unit: String,
    password: String,
}

/// Refuses unless the principal may manage users of the entity with `code`.
async fn unit_in_scope(state: &AppState, p: &Principal, code: &str) -> Result<(), AppError> {
    let all = state.store.all_entities().await?;
    let code = code.trim();
    let found = all
        .iter()
        .find(|e| e.data.code.as_ref().map(|c| c.as_str()) == Some(code))
        .ok_or_else(|| AppError::invalid(format!("没有代码为“{code}”的单位")))?;
    Ok(p.require_in(Capability::ManageUsers, found.id)?)
}

async fn add(
    State(state): State<AppState>,
    user: PageUser,
    Form(f): Form<AddForm>,
) -> Result<Response, PageError> {
    let p = &user.principal;
    p.require(Capability::ManageUsers)?;
    let done = async {
        let role: Role = f.role.parse().map_err(AppError::Invalid)?;
        unit_in_scope(&state, p, &f.unit).await?;
        let spec = UserSpec {
            login: f.login.clone(),
            name: f.name.clone(),
            role,
            unit_code: f.unit.clone(),
            password: f.password.clone(),
        };
        app_auth::add_user(state.store.as_ref(), &spec, &p.login, Utc::now()).await?;
        Ok(format!("已新增用户 {}", f.login.trim()))
    }
    .await;
    after(&state, &user, done).await
}

/// The stored user `login` if the principal may manage them (404 otherwise: a user outside
/// the admin's scope is not shown to exist).
async fn managed(state: &AppState, p: &Principal, login: &str) -> Result<StoredUser, PageError> {
    match state.store.user_by_login(login).await? {
        Some(u) if p.sees(u.unit) => Ok(u),
        _ => Err(PageError::not_found(format!("没有用户“{login}”"))),
    }
}

#[derive(Debug, Deserialize)]
struct ActiveForm {
    active: String,
}

async fn set_active(
    State(state): State<AppState>,
    user: PageUser,
    Path(login): Path<String>,
    Form(f): Form<ActiveForm>,
) -> Result<Response, PageError> {
    let p = &user.principal;
    p.require(Capability::ManageUsers)?;
    let target = managed(&state, p, &login).await?;
    if target.id == p.user_id {
        let done = Err(AppError::invalid("不能停用自己的账号"));
        return after(&state, &user, done).await;
    }
    let active = f.active == "1";
    let store = state.store.as_ref();
    let done = app_auth::set_user_active(store, &target.login, active, &p.login, Utc::now()).await;
    // A disabled user's cached sessions and tokens must stop working now.
    state.callers.clear();
    let done = done.map(|()| format!("已{}用户 {login}", if active { "启用" } else { "停用" }));
    after(&state, &user, done).await
}

async fn token(
    State(state): State<AppState>,
    user: PageUser,
    Path(login): Path<String>,
) -> Result<Response, PageError> {
    let p = &user.principal;
    p.require(Capability::ManageUsers)?;
    managed(&state, p, &login).await?;
    let issued = app_auth::issue_api_token(
        state.store.as_ref(),
        &login,
        "网页签发",
        &p.login,
        Utc::now(),
    )
    .await;
    let done = issued.map(|t| format!("{login} 的 API 令牌（只显示这一次，请立即保存）：{t}"));
    after(&state, &user, done).await
}

/// Revokes every API token of `login` for good (`yiping user revoke` on the page).
async fn revoke(
    State(state): State<AppState>,
    user: PageUser,
    Path(login): Path<String>,
) -> Result<Response, PageError> {
    let p = &user.principal;
    p.require(Capability::ManageUsers)?;
    managed(&state, p, &login).await?;
    let done =
        app_auth::revoke_api_tokens(state.store.as_ref(), &login, &p.login, Utc::now()).await;
    // Cached callers of the revoked tokens must stop working now.
    state.callers.clear();
    let done = done.map(|n| format!("已吊销 {login} 的 API 令牌 {n} 个"));
    after(&state, &user, done).await
}
