//! `/items/directives/new` (一键智达): a directive to N units of the user's subtree — title,
//! category, urgency (the time limits follow the category and the urgency, as for every item),
//! description. Submitting receives the directive, registers it and fans it out (one child per
//! unit), each step through the engine; the directive's own page then shows the fan-out
//! progress (who signed, who replied).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use yiping_access::{AccessError, Capability, Principal};
use yiping_app::AppError;
use yiping_app::work_items::{self, CreateItem, actors};
use yiping_flow::{CategoryCode, CategoryDomain, Channel, Command, ItemKind};
use yiping_kernel::EntityId;
use yiping_store::ItemExtras;

use super::common::{FormData, csrf_field, failure};
use super::new::{category_options, parse_priority, priority_options};
use super::view::unit_choices;
use crate::AppState;
use crate::api::work_items::load_setup;
use crate::auth::PageUser;
use crate::pages::forbidden;
use crate::pages::layout::{Nav, notice, page};

pub(crate) async fn form(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
) -> Response {
    if let Err(e) = p.require(Capability::IssueDirective) {
        return forbidden(&p, &csrf, &e);
    }
    render(&s, &p, &csrf, None, &FormData::default(), StatusCode::OK).await
}

async fn render(
    s: &AppState,
    p: &Principal,
    csrf: &str,
    error: Option<String>,
    prev: &FormData,
    status: StatusCode,
) -> Response {
    let loaded =
        async { Ok::<_, AppError>((load_setup(s).await?, unit_choices(s, p, None).await?)) }.await;
    let (setup, choices) = match loaded {
        Ok(x) => x,
        Err(e) => return failure(p, csrf, e),
    };
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
    (status, page("一键智达", p, csrf, Nav::Items, &[], body)).into_response()
}

/// Why a directive was not issued: a form to correct (422) or a unit outside the user's scope
/// (403, nothing created).
enum Refusal {
    Invalid(String),
    Forbidden(AccessError),
}

/// Receives, registers and fans out the directive; the id of the parent item.
async fn issue(
    s: &AppState,
    p: &Principal,
    form: &FormData,
) -> Result<Result<yiping_flow::ItemId, Refusal>, AppError> {
    let invalid = |m: String| Ok(Err(Refusal::Invalid(m)));
    let Some(title) = form.get("title") else {
        return invalid("请填写指令标题".into());
    };
    let category = match form.get("category").map(CategoryCode::parse) {
        Some(Ok(c)) => c,
        _ => return invalid("请选择分类".into()),
    };
    let mut units = Vec::new();
    for raw in form.all("units") {
        match raw.parse() {
            Ok(id) => units.push(EntityId(id)),
            Err(_) => return invalid(format!("单位“{raw}”无效")),
        }
    }
    if units.is_empty() {
        return invalid("请至少选择一个下发单位".into());
    }
    // Checked before anything is created: a unit outside the subtree refuses the whole directive.
    if let Some(e) = units
        .iter()
        .find_map(|u| p.require_in(Capability::IssueDirective, *u).err())
    {
        return Ok(Err(Refusal::Forbidden(e)));
    }
    let setup = load_setup(s).await?;
    let new = CreateItem {
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
    let (new, actor) = match actors::scope_new_item(p, &setup, new) {
        Ok(x) => x,
        Err(e) => return Ok(Err(Refusal::Forbidden(e))),
    };
    let now = Utc::now();
    let store = s.store.as_ref();
    let mut item = work_items::create(store, &setup, new, &actor, now)
        .await?
        .item;
    for cmd in [Command::Register, Command::FanOut { units }] {
        let actor = match actors::check_command(p, &item, &cmd, None) {
            Ok(a) => a,
            Err(e) => return Ok(Err(Refusal::Forbidden(e))),
        };
        let out =
            work_items::transition(store, &setup, item.id, item.version, &cmd, &actor, now).await?;
        item = out.item.item;
    }
    Ok(Ok(item.id))
}

pub(crate) async fn submit(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
    body: Bytes,
) -> Response {
    if let Err(e) = p.require(Capability::IssueDirective) {
        return forbidden(&p, &csrf, &e);
    }
    let form = FormData::parse(&String::from_utf8_lossy(&body));
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    match issue(&s, &p, &form).await {
        Ok(Ok(id)) => Redirect::to(&format!("/items/{id}?done=fan_out")).into_response(),
        Ok(Err(Refusal::Invalid(m))) => render(&s, &p, &csrf, Some(m), &form, status).await,
        Ok(Err(Refusal::Forbidden(e))) => forbidden(&p, &csrf, &e),
        Err(AppError::Flow(e)) => render(&s, &p, &csrf, Some(e.to_string()), &form, status).await,
        Err(AppError::Invalid(m)) => render(&s, &p, &csrf, Some(m), &form, status).await,
        Err(e) => failure(&p, &csrf, e),
    }
}
