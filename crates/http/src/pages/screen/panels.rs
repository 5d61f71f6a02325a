//! The screen's tables and lists: league, alerts, problems, colour table, work panel, and the
//! boundary upload form for map administrators.

use maud::{Markup, html};
use yiping_app::screen::Screen;

use super::view::href;

fn move_cell(moved: Option<i64>, label: &str) -> Markup {
    html! {
        @match moved {
            Some(n) if n > 0 => { span.move.up title=(label) { "↑" (n) } }
            Some(n) if n < 0 => { span.move.down title=(label) { "↓" (n.abs()) } }
            Some(_) => { span.move.same title=(label) { "—" } }
            None => { span.move.new title=(label) { @if label == "新进" { "新" } @else { "—" } } }
        }
    }
}

pub(super) fn league(s: &Screen) -> Markup {
    html! {
        @match &s.league {
            None => {
                h2 { "赛马排名" }
                p.empty { "下级单位暂无评价结果。" }
            }
            Some(l) => {
                // The live league has no grades: no 等次 column rather than an empty one.
                @let graded = l.rows.iter().any(|r| r.grade.is_some());
                h2 { (l.title) small { "（" (l.period_label) "）" } }
                table.league #league {
                    thead { tr {
                        th.num { "名次" } th { "升降" } th { "单位" } th.num { (l.score_label) }
                        @if graded { th { "等次" } } th { "颜色" }
                    } }
                    tbody {
                        @for r in &l.rows {
                            tr data-key=(r.place.key) {
                                td.num { @if let Some(k) = r.rank { (k) } @else { "—" } }
                                td { (move_cell(r.moved, &r.move_label)) }
                                td { a href=(href(&r.place.key, s)) { (r.place.name) }
                                     @if let Some(c) = &r.cohort { span.cohort { (c) } } }
                                td.num { @if let Some(v) = r.score { (format!("{v:.2}")) } @else { "缺数" } }
                                @if graded { td { @if let Some(g) = &r.grade {
                                    span class={ "badge grade grade-" (g) } style=[r.grade_rgb.as_ref().map(|c| format!("background:{c}"))] { (g) }
                                } } }
                                td { @if let Some(c) = &r.colour {
                                    span.chip style={ "background:" (c.rgb) } title=(c.meaning) {} span.cname { (c.name) }
                                } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Where a unit without children and its parent stand among their siblings.
pub(super) fn standings(s: &Screen) -> Markup {
    html! {
        h2 { "所处位置" @if !s.children.is_empty() { small { "（在" (s.ancestors.last().map_or("上级", |a| a.name.as_str())) "各项赛马中）" } } }
        @if s.standings.is_empty() {
            p.empty { "本级及上级单位暂无排名（事项不足 5 件不计办结率）。" }
        } @else {
            ul.standings #standings {
                @for st in &s.standings {
                    li data-key=(st.place.key) {
                        div.standing-title { (st.title) small { "（" (st.period_label) "）" } }
                        div.standing-rank {
                            a href=(href(&st.place.key, s)) { (st.place.name) }
                            " 在" (st.among) "排名 "
                            @match st.rank {
                                Some(r) => { strong.big { "第" (r) "位" } " / " (st.of) }
                                None => { strong { "未排名" } }
                            }
                        }
                        div.standing-meta {
                            @if let Some(v) = st.score { span { (st.score_label) " " (format!("{v:.2}")) } }
                            @if let Some(g) = &st.grade { span class={ "badge grade grade-" (g) } { (g) } }
                            @if let Some(c) = &st.colour {
                                span.chip style={ "background:" (c.rgb) } title=(c.meaning) {} span.cname { (c.name) }
                            }
                            @if st.move_label != "—" { span.move { (st.move_label) } }
                        }
                    }
                }
            }
        }
    }
}

/// The latest work items of a unit without children, open ones first.
pub(super) fn own_items(s: &Screen) -> Markup {
    html! {
        h2 { "本级事项" small { "（在办优先，最新" (s.own_items.len()) "件）" } }
        @if s.own_items.is_empty() {
            p.empty { "本级暂无事项。" }
        } @else {
            table.work #own-items {
                thead { tr { th { "事项" } th { "类型" } th { "阶段" } th { "受理日期" } } }
                tbody {
                    @for it in &s.own_items {
                        tr.overdue[it.overdue] {
                            td { a href={ "/items/" (it.id) } { (it.title) } }
                            td { (it.kind) }
                            td {
                                span class={ "badge " (if it.open { "open" } else { "closed" }) } { (it.stage) }
                                @if it.overdue { " " span.badge.overdue { "超期" } }
                            }
                            td { (it.received_at.format("%Y-%m-%d")) }
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn alerts(s: &Screen) -> Markup {
    html! {
        h2 { "预警" }
        @if s.alerts.is_empty() {
            p.empty { "暂无预警。" }
        } @else {
            ul.alerts {
                @for a in &s.alerts {
                    li {
                        @if let Some(c) = &a.colour { span.chip style={ "background:" (c.rgb) } {} }
                        @match &a.key {
                            Some(k) => { a href=(href(k, s)) { (a.text) } }
                            None => { (a.text) }
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn problems(s: &Screen) -> Markup {
    html! {
        h2 { "最新问题" }
        @if s.problems.is_empty() {
            p.empty { "暂无问题事项。" }
        } @else {
            ul.problems {
                @for p in &s.problems {
                    li {
                        a href={ "/items/" (p.id) } { (p.title) }
                        div.meta {
                            span { (p.place) }
                            @if let Some(src) = &p.source { span { (src) } }
                            span class={ "badge " (if p.open { "open" } else { "closed" }) } { (p.stage) }
                            @if p.overdue { span.badge.overdue { "超期" } }
                            span.when { (p.received_at.format("%Y-%m-%d")) }
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn colour_table(s: &Screen) -> Markup {
    let t = &s.table;
    html! {
        h2 { "分项指标五色表" small { "（与" (s.entity.name) "增速比较）" } }
        @if t.rows.is_empty() {
            p.empty { "下级单位暂无分项指标数据。" }
        } @else {
            div.scroll {
                table.colours {
                    thead {
                        tr { th { "单位" } @for c in &t.columns { th.num title=(c.period_label) { (c.name) } } }
                        tr.reference {
                            th { (s.entity.name) }
                            @for r in &t.reference { td.num { @if let Some(v) = r { (format!("{v:.1}")) } @else { "—" } } }
                        }
                    }
                    tbody {
                        @for row in &t.rows {
                            tr {
                                th { a href=(href(&row.place.key, s)) { (row.place.name) } }
                                @for cell in &row.cells {
                                    @match cell {
                                        Some(c) => {
                                            td.num.cell style=[c.colour.as_ref().map(|x| format!("background:{}", x.rgb))]
                                                title=[c.colour.as_ref().map(|x| format!("{}：{}", x.name, x.meaning))] {
                                                (format!("{:.1}", c.value))
                                            }
                                        }
                                        None => { td.num.nodata { "—" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |r| format!("{r:.1}%"))
}

pub(super) fn work(s: &Screen) -> Markup {
    let w = &s.work;
    html! {
        h2 { "事项办理" small { "（实时；按期办结率为" (s.month_label) "）" } }
        div.scroll {
            table.work #work {
                thead { tr {
                    th { "单位" } th.num { "事项" } th.num { "在办" } th.num { "超期" }
                    th.num { "已办结" } th.num { "办结率" } th.num { "按期办结率" }
                } }
                tbody {
                    tr.total {
                        th { "合计" } td.num { (w.total.total) } td.num { (w.total.open) }
                        td.num.overdue { (w.total.overdue) } td.num { (w.total.closed) }
                        td.num { (rate(w.closure_rate)) } td.num { "" }
                    }
                    @for r in w.rows.iter().filter(|r| r.counts.total > 0 || r.ontime_rate.is_some()) {
                        tr {
                            th { a href=(href(&r.place.key, s)) { (r.place.name) } }
                            td.num { (r.counts.total) } td.num { (r.counts.open) }
                            td.num class=[(r.counts.overdue > 0).then_some("overdue")] { (r.counts.overdue) }
                            td.num { (r.counts.closed) }
                            td.num { (rate(r.closure_rate)) }
                            td.num { (rate(r.ontime_rate)) }
                        }
                    }
                }
            }
        }
        @let idle = w.rows.iter().filter(|r| r.counts.total == 0 && r.ontime_rate.is_none()).count();
        @if idle > 0 {
            p.empty { "另有" (idle) "个下级单位暂无事项。" }
        }
    }
}

/// Boundary upload for map administrators (sent by htmx, so the CSRF header goes along).
pub(super) fn upload_form(s: &Screen) -> Markup {
    html! {
        details.panel.map-upload {
            summary { "上传" (s.entity.name) "下级单位边界（GeoJSON）" }
            form hx-post={ "/screen/" (s.entity.key) "/map" } hx-encoding="multipart/form-data"
                hx-target="#map-upload-result" {
                p { "要素名称（properties.name）按下级单位的名称或别名匹配；上传后替换现有边界。" }
                input type="file" name="geojson" accept=".json,.geojson,application/geo+json" required;
                button type="submit" { "上传" }
            }
            div #map-upload-result {}
        }
    }
}
