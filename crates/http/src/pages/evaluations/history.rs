//! One unit's history in a scheme: rank, score and grade in every stored period, with a small
//! rank line drawn as inline SVG (no script, prints as it shows).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use yiping_app::results::{self, HistoryRow, Subject};

use super::table::rank_move;
use super::{PageResult, colour_chip, grade_badge, num, refused};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::layout::{self, Nav};

pub(super) async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Path((scheme, code)): Path<(String, String)>,
) -> Response {
    match page(&s, &user, &scheme, &code).await {
        Ok(r) | Err(r) => r,
    }
}

async fn page(s: &AppState, user: &PageUser, scheme: &str, key: &str) -> PageResult {
    let h = results::history(s.store.as_ref(), &user.principal, scheme, Subject::Key(key))
        .await
        .map_err(|e| refused(user, e))?;
    let (stored, name, entries) = (&h.scheme, &h.name, &h.entries);
    let title = format!("{name} · {}", stored.name);
    let body = html! {
        nav.crumbs {
            a href="/evaluations" { "赛马评价" } " / "
            a href={ "/evaluations/" (stored.code) } { (stored.name) } " / " (name)
        }
        h1 { (name) span.period { (stored.name) "历次评价" } }
        (rank_chart(entries))
        table.data.history {
            thead { tr { th { "时期" } th.num { "名次" } th { "升降" } th.num { "得分" } th { "等次" } th { "颜色" } th { "说明" } } }
            tbody {
                @for h in entries.iter().rev() {
                    @let meta = h.meta.as_ref();
                    @let d = usize::from(meta.and_then(|m| m.score_decimals).unwrap_or(2));
                    tr {
                        td { a href={ "/evaluations/" (stored.code) "?period=" (h.period.code()) } { (h.period.label_zh()) } }
                        td.num { @match h.row.rank { Some(n) => (n), None => "—" } }
                        td { (rank_move(h.row.rank_change)) }
                        td.num { (num(h.row.score, d)) }
                        td { (grade_badge(meta, h.row.grade.as_deref(), h.row.exempt)) }
                        td { (colour_chip(meta, h.row.colour.as_deref())) }
                        td.explain { (h.row.explanation) }
                    }
                }
                @if entries.is_empty() { tr { td colspan="7" .muted { "还没有评价记录" } } }
            }
        }
    };
    Ok(layout::page(
        &title,
        &user.principal,
        &user.csrf,
        Nav::Evaluations,
        &[],
        body,
    )
    .into_response())
}

/// The rank over periods as an SVG line (rank 1 at the top).
fn rank_chart(entries: &[HistoryRow]) -> Markup {
    let points: Vec<(usize, u32, String)> = entries
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.row.rank.map(|r| (i, r, h.period.label_zh())))
        .collect();
    if points.len() < 2 {
        return html! {};
    }
    let (w, h, pad) = (720.0_f64, 180.0_f64, 28.0_f64);
    let worst = points.iter().map(|p| p.1).max().unwrap_or(1).max(2) as f64;
    let n = (entries.len().max(2) - 1) as f64;
    let xy = |i: usize, r: u32| {
        (
            pad + (w - 2.0 * pad) * i as f64 / n,
            pad + (h - 2.0 * pad) * (f64::from(r) - 1.0) / (worst - 1.0),
        )
    };
    let path: String = points
        .iter()
        .map(|&(i, r, _)| {
            let (x, y) = xy(i, r);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    html! {
        figure.rank-chart {
            svg viewBox={ "0 0 " (w) " " (h) } width=(w) height=(h) role="img" aria-label="历次名次走势（越高越好）" {
                line x1=(pad) y1=(pad) x2=(w - pad) y2=(pad) class="axis" stroke="#d1d5db" {}
                line x1=(pad) y1=(h - pad) x2=(w - pad) y2=(h - pad) class="axis" stroke="#d1d5db" {}
                text x="2" y=(pad - 8.0) class="tick" font-size="11" fill="#6b7280" { "第1名" }
                text x="2" y=(h - pad + 16.0) class="tick" font-size="11" fill="#6b7280" { "第" (worst) "名" }
                polyline points=(path) class="line" fill="none" stroke="#2563eb" stroke-width="2" {}
                @for &(i, r, ref label) in &points {
                    @let (x, y) = xy(i, r);
                    circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="4" class="dot" fill="#2563eb" { title { (label) "：第" (r) "名" } }
                    text x=(format!("{x:.1}")) y=(format!("{:.1}", y - 8.0)) class="val" font-size="12" text-anchor="middle" fill="#1f2937" { (r) }
                }
            }
            figcaption { "历次名次（越靠上越好）" }
        }
    }
}
