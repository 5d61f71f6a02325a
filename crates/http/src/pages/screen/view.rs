//! The screen page's markup: header with breadcrumb and period picker, tiles, map (or tile map),
//! league (for a unit without children: where it stands, and its own items), alerts and
//! problems, colour table, trends and the work panel. Everything readable
//! is server-rendered (the league and tables work without JavaScript); ECharts draws the map and
//! the trend lines from the JSON embedded with `layout::json_data`.

use maud::{Markup, html};
use serde_json::json;
use yiping_app::screen::{Child, Screen, Tile};

use super::panels;
use crate::pages::layout;

/// The address of a screen for `key` and the screen's month.
pub(super) fn href(key: &str, s: &Screen) -> String {
    format!("/screen/{key}?period={}", s.month.code())
}

pub(super) fn body(
    s: &Screen,
    crumbs: &[(String, String)],
    map_url: Option<&str>,
    can_upload: bool,
) -> Markup {
    let data = json!({
        "key": s.entity.key,
        "name": s.entity.name,
        "period": s.month.code(),
        "mapUrl": map_url,
        "legend": s.map.legend,
        "children": s.children.iter().map(|c| json!({
            "key": c.place.key,
            "name": c.place.name,
            "functional": c.functional,
            "colour": c.colour,
            "value": c.facts.as_ref().and_then(|f| f.value),
            "rank": c.facts.as_ref().and_then(|f| f.rank),
            "grade": c.facts.as_ref().and_then(|f| f.grade.clone()),
        })).collect::<Vec<_>>(),
        "valueLabel": s.map.value_label,
        "ranked": s.map.ranked,
        "trends": s.trends,
    });
    let leaf = s.children.is_empty();
    // A 镇街, 村/社区 or 网格 has few figures of its own: panels without any are left out.
    let local = s.entity.level >= 3;
    let side = !local || !s.alerts.is_empty() || !s.problems.is_empty();
    let table = !leaf && (!local || !s.table.rows.is_empty());
    html! {
        div.screen #screen {
            (header(s, crumbs))
            section.tiles aria-label="关键指标" {
                // A 镇街 and below report few indicators of their own: only the tiles with a figure.
                @for t in s.tiles.iter().filter(|t| !(leaf || local) || t.value.is_some() || t.growth.is_some()) { (tile(t)) }
                (work_tile(s))
            }
            div.screen-grid {
                @if leaf {
                    // A 镇街: no children to colour or rank; where it stands, and its own items.
                    section.panel.map-panel.standing-panel aria-label="所处位置" { (panels::standings(s)) }
                    section.panel.league-panel aria-label="本级事项" { (panels::own_items(s)) }
                } @else {
                    section.panel.map-panel aria-label="五色图" {
                        h2 { (s.map.title) @if let Some(p) = &s.map.period_label { small { "（" (p) "）" } } }
                        (map_part(s, map_url))
                        (legend(s))
                    }
                    section.panel.league-panel aria-label="赛马排名" { (panels::league(s)) }
                }
                @if side {
                    section.panel.side-panel {
                        div.alerts-box { (panels::alerts(s)) }
                        div.problems-box { (panels::problems(s)) }
                    }
                }
            }
            div.screen-grid.lower {
                @if table && (s.table.rows.is_empty() && !s.standings.is_empty()) {
                    // A 区县 whose towns report no indicators: its place in the city's leagues.
                    section.panel.table-panel.standing-panel aria-label="所处位置" { (panels::standings(s)) }
                } @else if table {
                    section.panel.table-panel aria-label="分项指标五色表" { (panels::colour_table(s)) }
                }
                @if !(local && s.trends.is_empty()) {
                section.panel.trend-panel aria-label="趋势" {
                    h2 { "主要指标趋势" small { "（近24个月，至" (s.month_label) "；未过完的月份不画）" } }
                    @if s.trends.is_empty() {
                        p.empty { "本级暂无趋势数据" }
                    } @else {
                        div.trends {
                            @for (i, t) in s.trends.iter().enumerate() {
                                div.trend-chart data-index=(i) role="img" aria-label=(t.name) {}
                            }
                        }
                    }
                }
                }
                section.panel.work-panel aria-label="事项办理" { (panels::work(s)) }
            }
            @if can_upload {
                (panels::upload_form(s))
            }
            p.demo-note { (yiping_app::screen::DEMO_NOTICE) }
            (layout::json_data("screen-data", &data))
        }
    }
}

fn header(s: &Screen, crumbs: &[(String, String)]) -> Markup {
    html! {
        div.screen-head {
            nav.breadcrumb aria-label="层级" {
                @for (key, name) in crumbs {
                    a href=(href(key, s)) { (name) } span.sep { "›" }
                }
                span.current { (s.entity.name) }
            }
            h1 { (s.entity.name) " · 一屏" small.period { (s.month_label) "（累计：" (s.cumulative_label) "）" } }
            form.period-picker method="get" action={ "/screen/" (s.entity.key) } {
                label for="period" { "期别" }
                select #period name="period" {
                    @for p in &s.months {
                        option value=(p.code()) selected[*p == s.month] { (p.label_zh()) }
                    }
                }
                noscript { button type="submit" { "查看" } }
            }
            // The unit's 通报 for 1 to the month shown, as Word or PDF.
            form.brief-download method="get" action={ "/screen/" (s.entity.key) "/brief" } {
                input type="hidden" name="period" value=(s.month.code());
                label for="brief-format" { "通报" }
                select #brief-format name="format" {
                    option value="docx" selected { "Word 文档" }
                    option value="pdf" { "PDF 文件" }
                }
                button type="submit" { "下载通报" }
            }
        }
    }
}

fn fmt(v: f64, decimals: u8) -> String {
    format!("{:.*}", usize::from(decimals.min(4)), v)
}

fn signed(v: f64) -> String {
    if v >= 0.0 {
        format!("+{v:.1}")
    } else {
        format!("{v:.1}")
    }
}

fn tile(t: &Tile) -> Markup {
    html! {
        div.tile data-code=(t.code) {
            div.tile-name { (t.name) }
            div.tile-value {
                @match (t.value, t.growth) {
                    (Some(v), _) => { span.big { (fmt(v, t.decimals)) } span.unit { (t.unit) } }
                    (None, Some(g)) => { span.big { (signed(g)) } span.unit { "%" } }
                    (None, None) => { span.big.none { "—" } }
                }
            }
            div.tile-meta {
                @if let (Some(_), Some(g)) = (t.value, t.growth) {
                    span class={ "growth " (if g >= 0.0 { "up" } else { "down" }) } { "同比 " (signed(g)) "%" }
                }
                @if let Some(tg) = t.growth_target {
                    span.target { "目标 " (fmt(tg, 1)) "%" }
                }
            }
            @if let Some(p) = &t.progress {
                div class={ "progress " (if p.gap >= 0.0 { "ahead" } else { "behind" }) } {
                    "完成 " (fmt(p.completion, 1)) "% · 序时 " (fmt(p.time_progress, 1)) "% · "
                    strong { (p.label) "序时进度" }
                    " " (signed(p.gap)) "个百分点"
                }
            }
            @if let Some(l) = &t.period_label { div.tile-period { (l) } }
        }
    }
}

fn work_tile(s: &Screen) -> Markup {
    let w = &s.work;
    html! {
        div.tile.work-tile data-code="WORK" {
            div.tile-name { "事项办结率" }
            div.tile-value {
                @match w.closure_rate {
                    Some(r) => {
                        span.big #closure-rate data-value=(r) data-closed=(w.total.closed) { (fmt(r, 1)) }
                        span.unit { "%" }
                    }
                    None => { span.big.none #closure-rate { "—" } }
                }
            }
            div.tile-meta {
                span { "在办 " (w.total.open) } span.down { "超期 " (w.total.overdue) } span { "已办结 " (w.total.closed) }
            }
            div.tile-period { "实时 · 全部事项" }
        }
    }
}

fn chip(c: &Child) -> Markup {
    let style = c.colour.as_ref().map(|c| format!("background:{}", c.rgb));
    let title = c.colour.as_ref().map_or_else(
        || "无数据".to_string(),
        |c| format!("{}：{}", c.name, c.meaning),
    );
    html! { span.chip style=[style] title=(title) {} }
}

fn map_part(s: &Screen, map_url: Option<&str>) -> Markup {
    let drawn: Vec<&Child> = s.children.iter().filter(|c| !c.functional).collect();
    let functional: Vec<&Child> = s.children.iter().filter(|c| c.functional).collect();
    html! {
        @if s.children.is_empty() {
            p.empty { "本级没有下级单位。" }
        } @else if map_url.is_some() {
            div.map-wrap {
                div #map.map role="img" aria-label={ (s.entity.name) "下级单位五色图" } {}
                @if !functional.is_empty() {
                    ul.functional aria-label="功能区（无边界）" {
                        li.caption { "功能区" }
                        @for c in &functional {
                            li { (chip(c)) a href=(href(&c.place.key, s)) { (c.place.name) } }
                        }
                    }
                }
            }
        } @else {
            ul.tilemap aria-label="下级单位色块图" {
                @for c in drawn.iter().chain(functional.iter()) {
                    @let style = c.colour.as_ref().map(|x| format!("background:{}", x.rgb));
                    @let items = s.work.rows.iter().find(|r| r.place.key == c.place.key).map(|r| &r.counts);
                    li style=[style] title=(c.colour.as_ref().map_or("无数据（事项不足 5 件不计办结率）", |x| x.meaning.as_str())) {
                        a href=(href(&c.place.key, s)) { (c.place.name) }
                        @if let Some(n) = items.filter(|n| n.total > 0) {
                            span.tile-count { "事项" (n.total) "件 · 在办" (n.open) }
                        }
                    }
                }
            }
        }
    }
}

fn legend(s: &Screen) -> Markup {
    html! {
        ul.legend {
            @for c in &s.map.legend {
                li { span.chip style={ "background:" (c.rgb) } {} (c.name) span.meaning { (c.meaning) } }
            }
            li { span.chip.nodata {} "无数据" }
        }
    }
}
