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
use yiping_access::Capability;
use yiping_app::AppError;
use yiping_app::evaluate::run_as;
use yiping_app::results::{self, BreakdownLine, LeagueQuery, Rows};
use yiping_eval::scheme::MeasureKind;
use yiping_eval::{GradeChange, GrowthSource, RankMove};
use yiping_kernel::Period;
use yiping_store::{EvaluationRow, Page, RunMeta};

use super::{PageResult, beijing, colour_chip, grade_badge, num, parse_period, refused};
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
    let query = LeagueQuery {
        period: parse_period(user, period)?,
        cohort: None,
        grade: None,
        rows: Rows::Page(Page::first(Page::MAX_LIMIT)),
    };
    let league = results::league(s.store.as_ref(), &user.principal, scheme, &query)
        .await
        .map_err(|e| refused(user, e))?;
    let (stored, run, meta) = (&league.scheme, &league.run, league.meta());
    let period = run.period;
    let rows = &league.rows;
    let title = format!("{} · {}", stored.name, period.label_zh());
    let mut periods = league.periods.clone();
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
            (meta.scope_label) "参评" (run.population) "个，排名" (run.ranked) "个"
            @if let Some(prev) = run.previous_period { "；升降与" (prev.label_zh()) "比较" }
            "；计算于" (beijing(run.computed_at)) "（方案" (run.scheme_year) "年版第" (run.scheme_version) "版）"
        }
        @if league.scoped {
            p.muted.scope-note { "仅显示本单位（" (user.principal.unit_name) "）管辖范围内的" (rows.len()) "个单位；名次为全体排名。" }
        }
        (legend(meta))
        table.data.league {
            thead { tr {
                th.num { "名次" } th { "升降" } th { "单位" } th.num { (meta.score_label) }
                th { "等次" } th { "颜色" } th.detail { "分项得分与说明" }
            } }
            tbody {
                @for r in rows { (row(&stored.code, meta, period, r, &league.breakdown(r))) }
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
fn legend(meta: &RunMeta) -> Markup {
    html! {
        @if !meta.grades.is_empty() || !meta.colours.is_empty() {
            p.legend {
                @for g in &meta.grades {
                    span.grade style={ "background:" (g.rgb) } {
                        (g.name) (meta.grade_suffix)
                    }
                    @if let Some(l) = &g.label { span.muted { (l) } }
                    " "
                }
                @for c in &meta.colours {
                    span.colour {
                        span.swatch style={ "background:" (c.rgb) } {}
                        (c.name)
                        span.muted { "（" (c.meaning) "）" }
                    }
                    " "
                }
            }
        }
    }
}

/// ↑2, ↓1, →, 新.
pub(super) fn rank_move(m: Option<RankMove>) -> Markup {
    match m {
        Some(RankMove::Up(n)) => html! { span.move.up title=(format!("上升{n}位")) { "↑" (n) } },
        Some(RankMove::Down(n)) => {
            html! { span.move.down title=(format!("下降{n}位")) { "↓" (n) } }
        }
        Some(RankMove::Same) => html! { span.move.same title="持平" { "→" } },
        Some(RankMove::New) => html! { span.move.new title="新进" { "新" } },
        None => html! { span.muted { "—" } },
    }
}

fn row(
    scheme: &str,
    meta: &RunMeta,
    period: Period,
    r: &EvaluationRow,
    items: &[BreakdownLine],
) -> Markup {
    let decimals = usize::from(meta.score_decimals.unwrap_or(2));
    let unit_link = format!("/evaluations/{scheme}/unit/{}", r.entity_key);
    html! {
        tr.excluded[r.excluded] {
            td.num.rank { @match r.rank { Some(n) => (n), None => "—" } }
            td { (rank_move(r.rank_change)) }
            td.unit { a href=(unit_link) { (r.entity_name) } }
            td.num.score { (num(r.score, decimals)) }
            td {
                (grade_badge(Some(meta), r.grade.as_deref(), r.exempt))
                @if let Some(g) = r.grade_change { @if g != GradeChange::Same && g != GradeChange::New { " " span.muted { (g.label_zh()) } } }
            }
            td { (colour_chip(Some(meta), r.colour.as_deref())) }
            td.detail {
                details {
                    summary { (r.explanation) }
                    (breakdown(items, period))
                }
            }
        }
    }
}

/// What an item measures, in words.
fn measure_label(kind: &MeasureKind) -> &'static str {
    match kind {
        MeasureKind::Value => "数值",
        MeasureKind::Growth => "增速",
        MeasureKind::Share => "占比",
        MeasureKind::Completion => "目标完成率",
        MeasureKind::ProgressGap => "与序时进度之差",
        MeasureKind::Contribution(_) => "拉动/贡献",
        MeasureKind::DifferenceToReference { .. } => "与参照之差",
        MeasureKind::SchemeScore { .. } => "报表得分",
    }
}

/// The time progress (序时进度, % of the year by months) an item is compared with, for the
/// target-based measures.
fn schedule_reference(kind: &MeasureKind, period: Period) -> Option<f64> {
    matches!(kind, MeasureKind::Completion | MeasureKind::ProgressGap)
        .then(|| period.elapsed_share_by_month() * 100.0)
}

/// The per-item table of one row.
fn breakdown(items: &[BreakdownLine], period: Period) -> Markup {
    html! {
        table.breakdown {
            thead { tr { th { "分项" } th.num { "原始值" } th.num { "考核口径" } th.num { "得分" } th.num { "权重" } th.num { "加权得分" } } }
            tbody {
                @for it in items {
                    @let d = usize::from(it.decimals);
                    tr.missing[it.missing] {
                        td {
                            (it.name)
                            @if let Some(code) = &it.indicator { " " span.muted.code { (code.as_str()) } }
                        }
                        td.num { (num(it.raw, d)) }
                        td.num {
                            (num(it.measure, d)) (it.unit) " "
                            span.muted { (measure_label(&it.kind)) }
                            @if let Some(share) = schedule_reference(&it.kind, period) {
                                span.muted { "（序时进度" (format!("{share:.1}")) "%）" }
                            }
                            @match it.growth { Some(GrowthSource::Reported) => span.muted { "（报送增速）" }, Some(GrowthSource::Derived) => span.muted { "（按总量推算）" }, None => {} }
                            @if it.missing { span.warn { "缺数" } }
                        }
                        td.num { (num(it.points, 2)) }
                        td.num { (num(Some(it.weight), 0)) }
                        td.num { (num(it.weighted, 2)) }
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
    let period = Period::parse(period, None).map_err(|e| {
        crate::pages::error_page(p, &user.csrf, StatusCode::BAD_REQUEST, &e.to_string())
    })?;
    let done = run_as(s.store.as_ref(), p, scheme, period, Utc::now())
        .await
        .map_err(|e| match e {
            AppError::Forbidden(_) | AppError::NotFound(_) | AppError::Store(_) => refused(user, e),
            other => crate::pages::error_page(
                p,
                &user.csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("评价未能完成：{other}"),
            ),
        })?;
    Ok(Redirect::to(&format!(
        "/evaluations/{}?period={}",
        done.scheme,
        period.code()
    ))
    .into_response())
}
