//! `/items/directives/new` (一键智达): a directive to N units of the user's subtree — title,
//! category, urgency (the time limits follow the category and the urgency, as for every item),
//! description. Submitting receives the directive, registers it and fans it out (one child per
//! unit), each step through the engine; the directive's own page then shows the fan-out
//! progress (who signed, who replied).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use yiping_access::{Capability, Principal};
use yiping_app::AppError;
use yiping_app::work_items::{CreateItem, door};
use yiping_flow::{CategoryCode, CategoryDomain, Channel, ItemId, ItemKind};
use yiping_kernel::EntityId;
use yiping_store::ItemExtras;

use super::new::{category_options, parse_priority, priority_options};
use super::view::unit_choices;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::pages::form::{FormData, csrf_field};
use crate::pages::layout::{Nav, notice, page};

pub(crate) async fn form(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
) -> Result<Response, PageError> {
    p.require(Capability::IssueDirective)?;
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
    let choices = unit_choices(s, p, None).await?;
    let picked: Vec<&str> = prev.all("units").collect();
    let body = html! {
        h1 { "一键智达" span.sub { "向多个单位下发指令" } }
        @if let Some(e) = &error { (notice("error", e)) }
        form.card.wide method="post" action="/items/directives/new" {
            (csrf_field(csrf))
            label.block { "指令标题"
                input type="text" name="title" required maxlength="200"
                    value=(prev.get("title").unwrap_or_default()) placeholder="如：开展安全隐患专项排查";
            }
            label.block { "分类"
                select name="category" required {
                    (category_options(&setup, &[CategoryDomain::Event, CategoryDomain::Component], prev.get("category")))
                }
            }
            (priority_options("时限档（办理时限按分类和时限档计算，下发后在指令页显示）"))
            label.block { "指令内容"
                textarea name="description" rows="4" maxlength="4000" { (prev.get("description").unwrap_or_default()) }
            }
            fieldset.units {
                legend { "下发单位（本单位管辖范围内，可多选）" }
                @for (id, label) in &choices.units {
                    label.check {
                        input type="checkbox" name="units" value=(id)
                            checked[picked.contains(&id.to_string().as_str())];
                        " " (label)
                    }
                }
            }
            button type="submit" data-testid="submit-directive" { "下发" }
        }
    };
    Ok((status, page("一键智达", p, csrf, Nav::Items, &[], body)).into_response())
}

/// Issues the directive the form describes through the app's door (received, registered and
/// fanned out; refused whole when a unit lies outside the user's subtree); the parent's id.
async fn issue(s: &AppState, p: &Principal, form: &FormData) -> Result<ItemId, AppError> {
    let title = form
        .get("title")
        .ok_or_else(|| AppError::invalid("请填写指令标题"))?;
    let category = form
        .get("category")
        .and_then(|c| CategoryCode::parse(c).ok())
        .ok_or_else(|| AppError::invalid("请选择分类"))?;
    let units = form
        .all("units")
        .map(|raw| {
            raw.parse()
                .map(EntityId)
                .map_err(|_| AppError::invalid(format!("单位“{raw}”无效")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let directive = CreateItem {
        kind: ItemKind::Directive,
        title: title.to_string(),
        category,
        priority: parse_priority(form),
        channel: Channel::Leadership,
        receiving_unit: p.unit,
        location: None,
        enterprise: None,
        reporter: None,
        requester: None,
        extras: ItemExtras {
            description: form.get("description").map(str::to_string),
            ..ItemExtras::default()
        },
    };
    let setup = s.flow_setup().await?;
    let acted = door::issue_directive(s.store.as_ref(), &setup, p, directive, units, None).await?;
    Ok(acted.item.item.id)
}

pub(crate) async fn submit(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
    body: Bytes,
) -> Result<Response, PageError> {
    p.require(Capability::IssueDirective)?;
    let form = FormData::parse(&String::from_utf8_lossy(&body));
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    match issue(&s, &p, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/items/{id}?done=fan_out")).into_response()),
        Err(AppError::Flow(e)) => render(&s, &p, &csrf, Some(e.to_string()), &form, status).await,
        Err(AppError::Invalid(m)) => render(&s, &p, &csrf, Some(m), &form, status).await,
        Err(AppError::TooLarge(m)) => {
            render(&s, &p, &csrf, Some(m), &form, StatusCode::PAYLOAD_TOO_LARGE).await
        }
        Err(e) => Err(e.into()),
    }
}
