//! The evaluation pages (赛马评价): the list of schemes with their latest period, one scheme's
//! league table with each unit's per-item breakdown and explanation (and its XLSX download), and
//! one unit's history.
//!
//! The rows come from the results reader (`yiping_app::results`), which checks `ViewEvaluations`
//! and keeps to the user's unit subtree (ranks stay the scheme's overall ranks). Running an
//! evaluation needs `RunEvaluations` and a unit at the top of the hierarchy (a scheme ranks the
//! whole population).

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
use yiping_app::AppError;
use yiping_app::results;
use yiping_store::{RunMeta, StoredScheme};

use super::layout::{self, Nav};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;

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

/// A failure of a store read or a use case, as a page in the site layout (503 when the database
/// is unavailable, 500 otherwise; the mapping is the crate's one [`PageError`]).
pub(super) fn internal(user: &PageUser, e: impl Into<PageError>) -> Response {
    e.into().page(&user.principal, &user.csrf)
}

/// A refusal or failure of the results reader as a page.
pub(super) fn refused(user: &PageUser, e: AppError) -> Response {
    internal(user, e)
}

/// A `?period=` value, or the page answering that it is invalid.
pub(super) fn parse_period(
    user: &PageUser,
    period: Option<&str>,
) -> Result<Option<yiping_kernel::Period>, Response> {
    period
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            yiping_kernel::Period::parse(p, None).map_err(|e| {
                super::error_page(
                    &user.principal,
                    &user.csrf,
                    StatusCode::BAD_REQUEST,
                    &format!("时期“{p}”无效：{e}"),
                )
            })
        })
        .transpose()
}

/// A grade badge (A档 on its fill from the run's metadata, when there is one).
pub(super) fn grade_badge(meta: Option<&RunMeta>, grade: Option<&str>, exempt: bool) -> Markup {
    match grade {
        Some(g) => {
            let style = meta
                .and_then(|m| m.grade(g))
                .map(|d| format!("background:{}", d.rgb));
            let suffix = meta.map_or("", |m| m.grade_suffix.as_str());
            html! { span.grade style=[style] { (g) (suffix) } }
        }
        None if exempt => html! { span.grade.none { "不定等级" } },
        None => html! { span.grade.none { "—" } },
    }
}

/// A colour swatch with its name.
pub(super) fn colour_chip(meta: Option<&RunMeta>, colour: Option<&str>) -> Markup {
    match colour {
        Some(c) => {
            let style = meta
                .and_then(|m| m.colour(c))
                .map(|d| format!("background:{}", d.rgb));
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
    let versions = results::schemes(s.store.as_ref(), &user.principal)
        .await
        .map_err(|e| refused(user, e))?;
    // The newest version of each code (versions come by code, then year), with the latest run of
    // any version.
    let mut schemes: Vec<(&StoredScheme, Option<&yiping_store::EvaluationRun>)> = Vec::new();
    for v in &versions {
        let latest = v
            .runs
            .iter()
            .max_by_key(|r| (r.period.last_day(), r.period.first_day()));
        match schemes.last_mut() {
            Some((x, run)) if x.code == v.scheme.code => {
                *x = &v.scheme;
                *run = [*run, latest]
                    .into_iter()
                    .flatten()
                    .max_by_key(|r| (r.period.last_day(), r.period.first_day()));
            }
            _ => schemes.push((&v.scheme, latest)),
        }
    }
    let body = html! {
        h1 { "赛马评价" }
        p.lead { "各评价方案最近一期的排名、得分与等次。点击方案查看完整排名、分项得分与说明。" }
        table.data.schemes {
            thead { tr { th { "方案" } th { "频率" } th { "最近一期" } th.num { "参评" } th.num { "排名" } th { "计算时间" } } }
            tbody {
                @for (x, latest) in &schemes {
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
