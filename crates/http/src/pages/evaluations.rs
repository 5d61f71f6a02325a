//! The evaluation pages (赛马评价): the list of schemes with their latest period, one scheme's
//! league table with each unit's per-item breakdown and explanation (and its XLSX download), and
//! one unit's history.
//!
//! Every page needs `ViewEvaluations`; a user sees the result rows of the entities in their unit
//! subtree (ranks stay the scheme's overall ranks). Running an evaluation needs `RunEvaluations`
//! and a unit at the top of the hierarchy (a scheme ranks the whole population).

// Refusals and errors are rendered pages (`Response`) returned as `Err`, so that `?` ends a
// handler early; at most one is built per request, so its size does not matter.
#![allow(clippy::result_large_err)]

mod export;
mod history;
mod table;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde_json::Value;
use yiping_access::Capability;
use yiping_store::{EvaluationRun, StoredScheme};

use super::layout::{self, Nav};
use crate::AppState;
use crate::auth::PageUser;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/evaluations", get(index))
        .route("/evaluations/{scheme}", get(table::show))
        .route("/evaluations/{scheme}/run", post(table::run))
        .route("/evaluations/{scheme}/export", get(export::download))
        .route("/evaluations/{scheme}/unit/{code}", get(history::show))
}

/// A page handler's answer: the page, or an error page already rendered.
pub(super) type PageResult = Result<Response, Response>;

/// A server-side failure: logged with its cause, shown as a generic message.
pub(super) fn internal(user: &PageUser, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "page failed");
    super::error_page(
        &user.principal,
        &user.csrf,
        StatusCode::INTERNAL_SERVER_ERROR,
        "服务器内部错误，请稍后再试",
    )
}

pub(super) fn not_found(user: &PageUser, message: &str) -> Response {
    super::error_page(&user.principal, &user.csrf, StatusCode::NOT_FOUND, message)
}

/// Refuses unless the user may read evaluations.
pub(super) fn require_view(user: &PageUser) -> Result<(), Response> {
    user.principal
        .require(Capability::ViewEvaluations)
        .map_err(|e| super::forbidden(&user.principal, &user.csrf, &e))
}

/// The newest stored version of scheme `code` (matched without regard to case).
pub(super) async fn scheme_named(
    s: &AppState,
    user: &PageUser,
    code: &str,
) -> Result<StoredScheme, Response> {
    let schemes = s.store.schemes().await.map_err(|e| internal(user, e))?;
    schemes
        .into_iter()
        .filter(|x| x.code.eq_ignore_ascii_case(code.trim()))
        .max_by_key(|x| x.year)
        .ok_or_else(|| not_found(user, &format!("没有评价方案“{code}”")))
}

/// The JSON metadata of a run (grades, colours, items), `Null` when unreadable.
pub(super) fn meta_of(run: &EvaluationRun) -> Value {
    serde_json::from_str(&run.meta).unwrap_or(Value::Null)
}

/// The fill of a grade or colour named in a run's metadata.
pub(super) fn fill<'a>(meta: &'a Value, list: &str, name: &str) -> Option<&'a str> {
    meta[list]
        .as_array()?
        .iter()
        .find(|c| c["name"].as_str() == Some(name))?["rgb"]
        .as_str()
}

/// A grade badge (A档 on its fill).
pub(super) fn grade_badge(meta: &Value, grade: Option<&str>, exempt: bool) -> Markup {
    match grade {
        Some(g) => {
            let style = fill(meta, "grades", g).map(|c| format!("background:{c}"));
            let suffix = meta["grade_suffix"].as_str().unwrap_or("");
            html! { span.grade style=[style] { (g) (suffix) } }
        }
        None if exempt => html! { span.grade.none { "不定等级" } },
        None => html! { span.grade.none { "—" } },
    }
}

/// A colour swatch with its name.
pub(super) fn colour_chip(meta: &Value, colour: Option<&str>) -> Markup {
    match colour {
        Some(c) => {
            let style = fill(meta, "colours", c).map(|f| format!("background:{f}"));
            html! { span.colour { span.swatch style=[style] {} (c) } }
        }
        None => html! { span.muted { "—" } },
    }
}

/// A number with `decimals` places, or a dash.
pub(super) fn num(v: Option<f64>, decimals: usize) -> String {
    v.filter(|x| x.is_finite())
        .map_or_else(|| "—".to_string(), |x| format!("{x:.decimals$}"))
}

/// A UTC instant as Beijing time (UTC+8), to the minute.
pub(super) fn beijing(t: chrono::DateTime<chrono::Utc>) -> String {
    (t + chrono::TimeDelta::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The list of schemes with their latest evaluated period.
async fn index(State(s): State<AppState>, user: PageUser) -> Response {
    match index_page(&s, &user).await {
        Ok(r) | Err(r) => r,
    }
}

async fn index_page(s: &AppState, user: &PageUser) -> PageResult {
    require_view(user)?;
    let mut schemes = s.store.schemes().await.map_err(|e| internal(user, e))?;
    let runs = s
        .store
        .evaluation_runs(None)
        .await
        .map_err(|e| internal(user, e))?;
    // The newest version of each code.
    schemes.sort_by(|a, b| a.code.cmp(&b.code).then(b.year.cmp(&a.year)));
    schemes.dedup_by(|a, b| a.code == b.code);
    let body = html! {
        h1 { "赛马评价" }
        p.lead { "各评价方案最近一期的排名、得分与等次。点击方案查看完整排名、分项得分与说明。" }
        table.data.schemes {
            thead { tr { th { "方案" } th { "频率" } th { "最近一期" } th.num { "参评" } th.num { "排名" } th { "计算时间" } } }
            tbody {
                @for x in &schemes {
                    @let latest = runs.iter().filter(|r| r.scheme == x.code).max_by_key(|r| r.period.last_day());
                    tr {
                        td { a href={ "/evaluations/" (x.code) } { (x.name) } br; span.muted.code { (x.code) } }
                        td { (x.frequency.label_zh()) }
                        @match latest {
                            Some(r) => {
                                td { a href={ "/evaluations/" (x.code) "?period=" (r.period.code()) } { (r.period.label_zh()) } }
                                td.num { (r.population) }
                                td.num { (r.ranked) }
                                td.muted { (beijing(r.computed_at)) }
                            }
                            None => { td colspan="4" .muted { "尚未评价" } }
                        }
                    }
                }
            }
        }
    };
    Ok(layout::page(
        "赛马评价",
        &user.principal,
        &user.csrf,
        Nav::Evaluations,
        &[],
        body,
    )
    .into_response())
}
