//! One scheme's league table for a period: rank, move, unit, score, grade, colour, and each row's
//! per-item breakdown with the engine's explanation (in a `<details>`, which works without
//! scripts; the print stylesheet and `print.js` open them on paper), the XLSX download, and for
//! analysts the (re-)run of a period.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;
use yiping_access::Capability;
use yiping_app::evaluate::{evaluate_scheme, expand_breakdown};
use yiping_kernel::Period;
use yiping_store::{EvaluationRow, Page, RankChange, ResultFilter};

use super::{
    PageResult, beijing, colour_chip, grade_badge, internal, meta_of, not_found, num, require_view,
    scheme_named,
};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::layout::{self, Nav};

#[derive(Debug, Deserialize)]
pub(super) struct PeriodQuery {
    pub(super) period: Option<String>,
}

pub(super) async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Path(scheme): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    match page(&s, &user, &scheme, q.period.as_deref()).await {
        Ok(r) | Err(r) => r,
    }
}

async fn page(s: &AppState, user: &PageUser, scheme: &str, period: Option<&str>) -> PageResult {
    require_view(user)?;
    let stored = scheme_named(s, user, scheme).await?;
    let runs = s
        .store
        .evaluation_runs(Some(&stored.code))
        .await
        .map_err(|e| internal(user, e))?;
    let period = match period.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Period::parse(p, None).map_err(|e| {
            crate::pages::error_page(
                &user.principal,
                &user.csrf,
                StatusCode::BAD_REQUEST,
                &format!("时期“{p}”无效：{e}"),
            )
        })?,
        None => match runs.iter().max_by_key(|r| r.period.last_day()) {
            Some(r) => r.period,
            None => {
                return Err(not_found(
                    user,
                    &format!("方案“{}”还没有评价结果", stored.name),
                ));
            }
        },
    };
    let found = s
        .store
        .evaluation(
            &stored.code,
            period,
            &ResultFilter::default(),
            Page::first(Page::MAX_LIMIT),
        )
        .await
        .map_err(|e| internal(user, e))?
        .ok_or_else(|| {
            not_found(
                user,
                &format!("方案“{}”没有{}的评价结果", stored.name, period.label_zh()),
            )
        })?;
    let meta = meta_of(&found.run);
    let rows: Vec<&EvaluationRow> = found
        .rows
        .items
        .iter()
        .filter(|r| user.principal.sees(r.entity))
        .collect();
    let hidden = found.rows.items.len() - rows.len();
    let title = format!("{} · {}", stored.name, period.label_zh());
    let mut periods: Vec<Period> = runs.iter().map(|r| r.period).collect();
    periods.sort_by_key(|p| std::cmp::Reverse(p.last_day()));
    let body = html! {
        nav.crumbs { a href="/evaluations" { "赛马评价" } " / " (stored.name) }
        div.eval-head {
            h1 { (stored.name) span.period { (period.label_zh()) } }
            form.period-picker method="get" action={ "/evaluations/" (stored.code) } {
                label for="period" { "时期" }
                select #period name="period" {
                    @for p in &periods {
                        option value=(p.code()) selected[*p == period] { (p.label_zh()) }
                    }
                }
                button type="submit" { "查看" }
            }
            a.button.export href={ "/evaluations/" (stored.code) "/export?period=" (period.code()) } data-testid="export-league" download {
                "导出 Excel"
            }
            @if user.principal.can(Capability::RunEvaluations) {
                form.run method="post" action={ "/evaluations/" (stored.code) "/run" } {
                    input type="hidden" name="_csrf" value=(user.csrf);
                    input type="hidden" name="period" value=(period.code());
                    button type="submit" title="按当前数据重新计算本期评价" { "重新评价本期" }
                }
            }
        }
        p.meta {
            (meta["scope_label"].as_str().unwrap_or("")) "参评" (found.run.population) "个，排名" (found.run.ranked) "个"
            @if let Some(prev) = found.run.previous_period { "；升降与" (prev.label_zh()) "比较" }
            "；计算于" (beijing(found.run.computed_at)) "（方案" (found.run.scheme_year) "年版第" (found.run.scheme_version) "版）"
        }
        @if hidden > 0 {
            p.muted.scope-note { "仅显示本单位（" (user.principal.unit_name) "）管辖范围内的" (rows.len()) "个单位；名次为全体排名。" }
        }
        (legend(&meta))
        table.data.league {
            thead { tr {
                th.num { "名次" } th { "升降" } th { "单位" } th.num { (meta["score_label"].as_str().unwrap_or("得分")) }
                th { "等次" } th { "颜色" } th.detail { "分项得分与说明" }
            } }
            tbody {
                @for r in &rows { (row(&stored.code, &meta, period, r)) }
                @if rows.is_empty() { tr { td colspan="7" .muted { "管辖范围内没有参评单位" } } }
            }
        }
    };
    let print = crate::assets::versioned("print.js");
    Ok(layout::page(
        &title,
        &user.principal,
        &user.csrf,
        Nav::Evaluations,
        &[&print],
        body,
    )
    .into_response())
}

/// The grades and colours of the scheme, with their meaning.
fn legend(meta: &Value) -> Markup {
    let grades = meta["grades"].as_array().cloned().unwrap_or_default();
    let colours = meta["colours"].as_array().cloned().unwrap_or_default();
    html! {
        @if !grades.is_empty() || !colours.is_empty() {
            p.legend {
                @for g in &grades {
                    span.grade style=[g["rgb"].as_str().map(|c| format!("background:{c}"))] {
                        (g["name"].as_str().unwrap_or("")) (meta["grade_suffix"].as_str().unwrap_or(""))
                    }
                    @if let Some(l) = g["label"].as_str() { span.muted { (l) } }
                    " "
                }
                @for c in &colours {
                    span.colour {
                        span.swatch style=[c["rgb"].as_str().map(|f| format!("background:{f}"))] {}
                        (c["name"].as_str().unwrap_or(""))
                        @if let Some(m) = c["meaning"].as_str() { span.muted { "（" (m) "）" } }
                    }
                    " "
                }
            }
        }
    }
}

/// ↑2, ↓1, →, 新.
pub(super) fn rank_move(m: Option<RankChange>) -> Markup {
    match m {
        Some(RankChange::Up(n)) => html! { span.move.up title=(format!("上升{n}位")) { "↑" (n) } },
        Some(RankChange::Down(n)) => {
            html! { span.move.down title=(format!("下降{n}位")) { "↓" (n) } }
        }
        Some(RankChange::Same) => html! { span.move.same title="持平" { "→" } },
        Some(RankChange::New) => html! { span.move.new title="新进" { "新" } },
        None => html! { span.muted { "—" } },
    }
}

fn row(scheme: &str, meta: &Value, period: Period, r: &EvaluationRow) -> Markup {
    let decimals = meta["score_decimals"].as_u64().unwrap_or(2) as usize;
    let unit_link = format!("/evaluations/{scheme}/unit/{}", r.entity_key);
    html! {
        tr.excluded[r.excluded] {
            td.num.rank { @match r.rank { Some(n) => (n), None => "—" } }
            td { (rank_move(r.rank_change)) }
            td.unit { a href=(unit_link) { (r.entity_name) } }
            td.num.score { (num(r.score, decimals)) }
            td {
                (grade_badge(meta, r.grade.as_deref(), r.exempt))
                @if let Some(g) = r.grade_change { @if g != yiping_store::GradeMove::Same && g != yiping_store::GradeMove::New { " " span.muted { (g.label_zh()) } } }
            }
            td { (colour_chip(meta, r.colour.as_deref())) }
            td.detail {
                details {
                    summary { (r.explanation) }
                    (breakdown(&expand_breakdown(&r.breakdown, meta), meta, period))
                }
            }
        }
    }
}

/// What an item measures, in words.
fn measure_label(v: &Value) -> String {
    let key = match v {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.keys().next().map_or("", String::as_str),
        _ => "",
    };
    match key {
        "value" => "数值",
        "growth" => "增速",
        "share" => "占比",
        "completion" => "目标完成率",
        "progress_gap" => "与序时进度之差",
        "contribution" => "拉动/贡献",
        "difference_to_reference" | "difference" => "与参照之差",
        "score_of_scheme" | "scheme_score" => "报表得分",
        other => other,
    }
    .to_string()
}

/// The time progress (序时进度, % of the year by months) an item is compared with, for the
/// target-based measures.
fn schedule_reference(kind: &Value, period: Period) -> Option<f64> {
    let key = match kind {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.keys().next().map_or("", String::as_str),
        _ => "",
    };
    matches!(key, "completion" | "progress_gap").then(|| period.elapsed_share_by_month() * 100.0)
}

/// The per-item table of one row.
fn breakdown(items: &Value, meta: &Value, period: Period) -> Markup {
    let Some(items) = items.as_array() else {
        return html! { p.muted { "没有分项明细" } };
    };
    html! {
        table.breakdown {
            thead { tr { th { "分项" } th.num { "原始值" } th.num { "考核口径" } th.num { "得分" } th.num { "权重" } th.num { "加权得分" } } }
            tbody {
                @for (k, it) in items.iter().enumerate() {
                    @let d = it["decimals"].as_u64().unwrap_or(2) as usize;
                    @let unit = it["unit"].as_str().unwrap_or("");
                    tr.missing[it["missing"].as_bool() == Some(true)] {
                        td {
                            (it["name"].as_str().unwrap_or(""))
                            @if let Some(code) = it["indicator"].as_str() { " " span.muted.code { (code) } }
                        }
                        td.num { (num(it["raw"].as_f64(), d)) }
                        td.num {
                            (num(it["measure"].as_f64(), d)) (unit) " "
                            span.muted { (measure_label(&meta["items"][k]["measure"])) }
                            @if let Some(share) = schedule_reference(&meta["items"][k]["measure"], period) {
                                span.muted { "（序时进度" (format!("{share:.1}")) "%）" }
                            }
                            @match it["growth"].as_str() { Some("reported") => span.muted { "（报送增速）" }, Some("derived") => span.muted { "（按总量推算）" }, _ => {} }
                            @if it["missing"].as_bool() == Some(true) { span.warn { "缺数" } }
                        }
                        td.num { (num(it["points"].as_f64(), 2)) }
                        td.num { (num(it["weight"].as_f64(), 0)) }
                        td.num { (num(it["weighted"].as_f64(), 2)) }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct RunForm {
    period: String,
}

/// Re-evaluates a period with the current data, then shows it.
pub(super) async fn run(
    State(s): State<AppState>,
    user: PageUser,
    Path(scheme): Path<String>,
    Form(f): Form<RunForm>,
) -> Response {
    match run_inner(&s, &user, &scheme, &f.period).await {
        Ok(r) | Err(r) => r,
    }
}

async fn run_inner(s: &AppState, user: &PageUser, scheme: &str, period: &str) -> PageResult {
    let p = &user.principal;
    p.require(Capability::RunEvaluations)
        .map_err(|e| crate::pages::forbidden(p, &user.csrf, &e))?;
    // A scheme ranks the whole population: only a unit at the top of the hierarchy runs it.
    let unit = s
        .store
        .entity(p.unit)
        .await
        .map_err(|e| internal(user, e))?;
    if unit.as_ref().and_then(|u| u.current_parent()).is_some() {
        let err = yiping_access::AccessError::OutOfScope {
            unit_name: p.unit_name.clone(),
        };
        return Err(crate::pages::forbidden(p, &user.csrf, &err));
    }
    let stored = scheme_named(s, user, scheme).await?;
    let period = Period::parse(period, None).map_err(|e| {
        crate::pages::error_page(p, &user.csrf, StatusCode::BAD_REQUEST, &e.to_string())
    })?;
    evaluate_scheme(s.store.as_ref(), &stored.code, period, Utc::now())
        .await
        .map_err(|e| {
            crate::pages::error_page(
                p,
                &user.csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("评价未能完成：{e}"),
            )
        })?;
    crate::audit::record(s, p, "evaluation.run", &stored.code, period.code()).await;
    Ok(Redirect::to(&format!(
        "/evaluations/{}?period={}",
        stored.code,
        period.code()
    ))
    .into_response())
}
