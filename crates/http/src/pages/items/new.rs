//! `/items/new`: reporting an event or problem (上报事件) — category (大类/小类), location,
//! title, description and priority — for the users who may report events. The item is received
//! by the user's unit; a grid worker's report is registered at once (the engine's rule).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use yiping_access::{Capability, Principal, Role};
use yiping_app::AppError;
use yiping_app::work_items::{CreateItem, FlowSetup, door};
use yiping_flow::{CategoryCode, CategoryDomain, Channel, ItemKind, Priority};
use yiping_kernel::{EntityId, EntityKind};
use yiping_store::ItemExtras;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::pages::form::{FormData, csrf_field};
use crate::pages::layout::{Nav, notice, page};

/// The categories of `domains` grouped by 大类, for a `<select>` with `<optgroup>`s.
pub(crate) fn category_options(
    setup: &FlowSetup,
    domains: &[CategoryDomain],
    current: Option<&str>,
) -> Markup {
    let mut groups: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for c in setup
        .categories
        .iter()
        .filter(|c| domains.contains(&c.code.domain()))
    {
        let group = format!("{}·{}", c.code.domain().label_zh(), c.major_name);
        let option = (
            c.code.to_string(),
            format!("{} / {}", c.major_name, c.minor_name),
        );
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, list)) => list.push(option),
            None => groups.push((group, vec![option])),
        }
    }
    html! {
        @for (group, options) in &groups {
            optgroup label=(group) {
                @for (code, name) in options {
                    option value=(code) selected[current == Some(code.as_str())] { (name) }
                }
            }
        }
    }
}

/// The priority radio buttons.
pub(crate) fn priority_options(label: &str) -> Markup {
    html! {
        fieldset.inline {
            legend { (label) }
            @for (value, p) in [("normal", Priority::Normal), ("urgent", Priority::Urgent), ("critical", Priority::Critical)] {
                label.radio {
                    input type="radio" name="priority" value=(value) checked[p == Priority::Normal];
                    " " (p.label_zh())
                }
            }
        }
    }
}

pub(crate) fn parse_priority(form: &FormData) -> Priority {
    match form.get("priority") {
        Some("urgent") => Priority::Urgent,
        Some("critical") => Priority::Critical,
        _ => Priority::Normal,
    }
}

/// The regions a user may name as the location: their unit and the regions directly below it.
async fn locations(s: &AppState, p: &Principal) -> Result<Vec<(EntityId, String)>, AppError> {
    let all = s.store.all_entities().await?;
    Ok(all
        .into_iter()
        .filter(|e| {
            e.data.kind == EntityKind::Region
                && p.sees(e.id)
                && (e.id == p.unit || e.current_parent() == Some(p.unit))
        })
        .map(|e| (e.id, e.data.name))
        .collect())
}

pub(crate) async fn form(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
) -> Result<Response, PageError> {
    p.require(Capability::ReportEvent)?;
    render(&s, &p, &csrf, None, &FormData::default(), StatusCode::OK).await
}

async fn render(
    s: &AppState,
    p: &Principal,
    csrf: &str,
    error: Option<String>,
    prev: &FormData,
    status: StatusCode,
) -> Result<Response, PageError> {
    let setup = s.flow_setup().await?;
    let places = locations(s, p).await?;
    let domains = [CategoryDomain::Event, CategoryDomain::Component];
    let body = html! {
        h1 { "上报事件" span.sub { (p.unit_name) } }
        @if let Some(e) = &error { (notice("error", e)) }
        form.card.wide method="post" action="/items/new" {
            (csrf_field(csrf))
            label.block { "标题"
                input type="text" name="title" required maxlength="200"
                    value=(prev.get("title").unwrap_or_default()) placeholder="如：解放碑步行街暴露垃圾";
            }
            label.block { "分类（大类/小类）"
                select name="category" required { (category_options(&setup, &domains, prev.get("category"))) }
            }
            label.block { "发生地"
                select name="location" {
                    option value="" { "不指定" }
                    @for (id, name) in &places {
                        option value=(id)
                            selected[prev.get("location").map_or(*id == p.unit, |l| l == id.to_string())] { (name) }
                    }
                }
            }
            label.block { "详细地址"
                input type="text" name="address" maxlength="200" value=(prev.get("address").unwrap_or_default());
            }
            label.block { "情况描述"
                textarea name="description" rows="5" maxlength="4000" { (prev.get("description").unwrap_or_default()) }
            }
            (priority_options("紧急程度"))
            button type="submit" data-testid="submit-event" { "提交上报" }
        }
    };
    Ok((status, page("上报事件", p, csrf, Nav::Items, &[], body)).into_response())
}

pub(crate) async fn submit(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    p.require(Capability::ReportEvent)?;
    let form = FormData::parse(&String::from_utf8_lossy(&body));
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    let new = match event_from(&p, &form) {
        Ok(n) => n,
        Err(m) => return render(&s, &p, &csrf, Some(m), &form, status).await,
    };
    let setup = s.flow_setup().await?;
    match door::create(s.store.as_ref(), &setup, &p, new, None).await {
        Ok(c) => {
            Ok(Redirect::to(&format!("/items/{}?done=created", c.item.item.id)).into_response())
        }
        Err(AppError::Flow(e)) => render(&s, &p, &csrf, Some(e.to_string()), &form, status).await,
        Err(AppError::Invalid(m)) => render(&s, &p, &csrf, Some(m), &form, status).await,
        Err(AppError::TooLarge(m)) => {
            render(&s, &p, &csrf, Some(m), &form, StatusCode::PAYLOAD_TOO_LARGE).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The event the form describes, received by the user's unit; what is missing, in words.
fn event_from(p: &Principal, form: &FormData) -> Result<CreateItem, String> {
    let title = form.get("title").ok_or("请填写标题")?;
    let raw = form.get("category").ok_or("请选择分类")?;
    let category = CategoryCode::parse(raw).map_err(|e| e.to_string())?;
    let location = match form.get("location") {
        None => None,
        Some(l) => Some(EntityId(l.parse().map_err(|_| format!("发生地“{l}”无效"))?)),
    };
    Ok(CreateItem {
        kind: ItemKind::Event,
        title: title.to_string(),
        category,
        priority: parse_priority(form),
        channel: if p.role == Role::GridWorker {
            Channel::GridWorker
        } else {
            Channel::Online
        },
        receiving_unit: p.unit,
        location,
        enterprise: None,
        reporter: None,
        requester: None,
        extras: ItemExtras {
            description: form.get("description").map(str::to_string),
            address: form.get("address").map(str::to_string),
            ..ItemExtras::default()
        },
    })
}
