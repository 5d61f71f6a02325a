//! The frame of every page: head (styles, scripts), the top bar with the user's unit and role,
//! the navigation the role may use, the bell with the unread notifications (filled by htmx from
//! `/notifications/bell`), and the CSRF token that htmx sends with every request.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use yiping_access::{Capability, Principal};

use crate::assets::url;

/// Which part of the site a page belongs to (highlighted in the navigation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Screen,
    Evaluations,
    Data,
    Items,
    Requests,
    Admin,
    None,
}

/// htmx's response handling: as its default, but 403, 413 and 422 answers are swapped in (not
/// errors).
const HTMX_CONFIG: &str = r#"{"responseHandling":[{"code":"204","swap":false},{"code":"[23]..","swap":true},{"code":"403|413|422","swap":true,"error":false},{"code":"[45]..","swap":false,"error":true},{"code":"...","swap":false}]}"#;

/// A whole page for a signed-in user. `scripts` are extra `/static/…` files (ECharts pages pass
/// `["echarts.min.js", "screen.js"]`); htmx is always loaded.
pub(crate) fn page(
    title: &str,
    user: &Principal,
    csrf: &str,
    nav: Nav,
    scripts: &[&str],
    body: Markup,
) -> Markup {
    let hx_headers = format!(r#"{{"X-CSRF-Token": "{csrf}"}}"#);
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="csrf-token" content=(csrf);
                // htmx swaps 2xx answers only; refusals (403), bodies too large (413) and refused inputs (422) are
                // fragments that say why, so they are swapped in too.
                meta name="htmx-config" content=(HTMX_CONFIG);
                title { (title) " · 一屏" }
                link rel="stylesheet" href=(url("app.css"));
                link rel="stylesheet" href=(url("items.css"));
                link rel="stylesheet" href=(url("data.css"));
                script src=(url("htmx.min.js")) defer {}
                @for s in scripts {
                    script src={ "/static/" (s) } defer {}
                }
            }
            body hx-headers=(hx_headers) {
                header.topbar {
                    a.brand href="/" { "一屏" span.sub { "运行与治理中心" } }
                    nav.mainnav { (nav_links(user, nav)) }
                    div.who {
                        (crate::pages::notifications::bell_slot())
                        span.unit { (user.unit_name) }
                        span.role { (user.role.label_zh()) " · " (user.name) }
                        form.logout method="post" action="/logout" {
                            input type="hidden" name="_csrf" value=(csrf);
                            button type="submit" { "退出" }
                        }
                    }
                }
                main #main { (body) }
            }
        }
    }
}

fn nav_links(user: &Principal, current: Nav) -> Markup {
    let mut links: Vec<(Nav, &str, &str)> = Vec::new();
    if user.can(Capability::ViewScreen) {
        links.push((Nav::Screen, "/screen", "一屏"));
    }
    if user.can(Capability::ViewEvaluations) {
        links.push((Nav::Evaluations, "/evaluations", "赛马评价"));
    }
    if user.can(Capability::ViewData) {
        links.push((Nav::Data, "/data", "数据"));
    }
    if user.can(Capability::FileRequest) {
        links.push((Nav::Requests, "/requests", "企业吹哨"));
    }
    // An enterprise's items are its requests (企业吹哨): one link, not two to the same list.
    if user.can(Capability::ViewItems) && user.role != yiping_access::Role::Enterprise {
        links.push((Nav::Items, "/items", "事项"));
    }
    if user.can(Capability::ManageUsers) {
        links.push((Nav::Admin, "/admin/users", "用户"));
    }
    if user.can(Capability::ManageCatalog) {
        links.push((Nav::Admin, "/admin/config", "配置"));
    }
    html! {
        @for (nav, href, label) in links {
            a href=(href) class=[(nav == current).then_some("active")] { (label) }
        }
    }
}

/// A page without a signed-in user (the login page, errors before sign-in).
pub(crate) fn bare(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 一屏" }
                link rel="stylesheet" href=(url("app.css"));
            }
            body.bare { main #main { (body) } }
        }
    }
}

/// A message box for refusals and errors inside a page.
pub(crate) fn notice(kind: &str, text: &str) -> Markup {
    html! { div class={ "notice " (kind) } role="alert" { (text) } }
}

/// Embeds data for the page's scripts as JSON (`<script type="application/json" id=…>`),
/// escaped so that no value can close the tag.
pub(crate) fn json_data(id: &str, value: &serde_json::Value) -> Markup {
    let text = value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    html! { script type="application/json" id=(id) { (PreEscaped(text)) } }
}
