//! `/items/{id}`: the item page (summary, route, deadlines, history, fan-out progress and the
//! actions the user may perform) and `POST /items/{id}/act` (one action; a stale version or a
//! refusal re-renders the page with the reason).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::{Markup, html};
use yiping_access::Principal;
use yiping_app::AppError;
use yiping_app::work_items::door::{self, Action};
use yiping_app::work_items::{self, ItemView, actors};
use yiping_flow::{CommandKind, ItemId, Route, RouteBasis, Stage, WorkItem};
use yiping_kernel::{EntityId, EntityKind};

use super::actions::{self, Choices};
use super::display::{due_cell, local, name_of, names, stage_badge};
use super::history;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::pages::form::FormData;
use crate::pages::layout::{Nav, notice, page};

/// Everything the item page shows.
pub(crate) struct Loaded {
    pub item: WorkItem,
    pub view: ItemView,
    pub allowed: Vec<CommandKind>,
    pub children: Vec<WorkItem>,
    pub names: HashMap<EntityId, String>,
    /// Who the logins of the history are (name and unit).
    pub people: HashMap<String, door::Person>,
    pub route: Option<(EntityId, String)>,
    pub choices: Choices,
}

/// Loads item `id` for `p` (not found, or refused when `p` may not see it).
pub(crate) async fn load(s: &AppState, p: &Principal, id: ItemId) -> Result<Loaded, AppError> {
    let stored = door::item(s.store.as_ref(), p, id).await?;
    let setup = s.flow_setup().await?;
    let now = Utc::now();
    let item = stored.item.clone();
    let children = door::children(s.store.as_ref(), p, &stored).await?;
    let ctx = setup.ctx().with_children(&children);
    let mut allowed = actors::allowed_commands(p, &item, &ctx, now);
    allowed.sort_by_key(|k| actions::rank(*k));
    let route = work_items::suggest_route(&setup, &item);
    let needs_units = allowed.iter().any(|k| {
        matches!(
            k,
            CommandKind::Dispatch | CommandKind::FanOut | CommandKind::Adjudicate
        )
    });
    let choices = if needs_units {
        unit_choices(s, p, route.as_ref().map(|r| r.unit)).await?
    } else {
        Choices::default()
    };
    let mut ids: Vec<EntityId> = [
        Some(item.owner_unit),
        Some(item.receiving_unit),
        item.assignee,
        item.escalated_to,
        item.location,
        item.enterprise,
        route.as_ref().map(|r| r.unit),
    ]
    .into_iter()
    .flatten()
    .collect();
    ids.extend(stored.records.iter().map(|r| r.entry.actor.unit));
    ids.extend(children.iter().map(|c| c.owner_unit));
    ids.extend(children.iter().filter_map(|c| c.assignee));
    let people = door::people(s.store.as_ref(), p, &stored).await?;
    ids.extend(people.values().filter_map(|x| x.unit));
    let names = names(s.store.as_ref(), ids).await?;
    let route = route.map(|r| (r.unit, route_text(&r, &names)));
    let item_clock = item.clock;
    Ok(Loaded {
        item,
        view: ItemView::new(stored, &setup.categories, now).with_calendar(&setup.calendar),
        allowed,
        children,
        names,
        people,
        route,
        choices: Choices {
            clock: clock_unit(item_clock),
            ..choices
        },
    })
}

/// The unit one extension step counts in.
fn clock_unit(clock: yiping_flow::ClockType) -> &'static str {
    use yiping_flow::ClockType as C;
    match clock {
        C::UrgentHours => "小时",
        C::WorkingHours => "工作小时",
        C::WorkingDays => "工作日",
        C::NaturalDays => "自然日",
        C::Months => "月",
    }
}

/// The suggested route in words, with the unit's name.
fn route_text(r: &Route, names: &HashMap<EntityId, String>) -> String {
    let unit = name_of(names, r.unit);
    match &r.basis {
        RouteBasis::Department { .. } => format!("按分类派至责任部门 {unit}"),
        RouteBasis::Territorial => format!("无责任部门，按属地派至 {unit}"),
        RouteBasis::Rule { row } => format!("按派遣规则（第{row}行）派至 {unit}"),
    }
}

/// The units a dispatcher may pick: the suggested route, the departments in scope and the
/// regions directly below the user's unit.
pub(crate) async fn unit_choices(
    s: &AppState,
    p: &Principal,
    suggested: Option<EntityId>,
) -> Result<Choices, AppError> {
    let all = s.store.all_entities().await?;
    let mut picked: Vec<&yiping_kernel::Entity> = all
        .iter()
        .filter(|e| {
            Some(e.id) == suggested
                || (p.sees(e.id)
                    && e.id != p.unit
                    && (e.data.kind == EntityKind::Department
                        || (e.data.kind == EntityKind::Region
                            && e.current_parent() == Some(p.unit))))
        })
        .collect();
    // 属地 first, then 部门, each by code.
    picked.sort_by_key(|e| (e.data.kind == EntityKind::Department, e.data.code.clone()));
    let units = picked
        .into_iter()
        .map(|e| {
            let kind = if e.data.kind == EntityKind::Department {
                "部门"
            } else {
                "属地"
            };
            (e.id, format!("{}（{kind}）", e.data.name))
        })
        .collect();
    Ok(Choices {
        units,
        suggested,
        clock: "",
    })
}

pub(crate) async fn show(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let done = q.get("done").and_then(|c| match c.as_str() {
        "created" => Some("提交"),
        c => actions::kind_label(c),
    });
    render(
        &s,
        &p,
        &csrf,
        ItemId(id),
        StatusCode::OK,
        done.map(|d| ("ok", format!("已{d}"))),
    )
    .await
}

/// The item page with an optional notice (kind, text), answered with `status`.
async fn render(
    s: &AppState,
    p: &Principal,
    csrf: &str,
    id: ItemId,
    status: StatusCode,
    message: Option<(&str, String)>,
) -> Result<Response, PageError> {
    let l = load(s, p, id).await?;
    let title = format!("事项 {id}");
    let body = item_body(&l, csrf, message);
    Ok((status, page(&title, p, csrf, Nav::Items, &[], body)).into_response())
}

/// One action through the app's door; a stale version or the engine's refusal re-renders the
/// item as it is now with the reason.
pub(crate) async fn act(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Response, PageError> {
    let id = ItemId(id);
    let form = FormData::parse(&String::from_utf8_lossy(&body));
    let back = form
        .get("next")
        .filter(|n| n.starts_with("/requests") || n.starts_with("/items"))
        .map_or_else(|| format!("/items/{id}"), str::to_string);
    let (version, cmd) = match actions::command_from(&form) {
        Ok(x) => x,
        Err(m) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(&s, &p, &csrf, id, status, Some(("error", m))).await;
        }
    };
    let kind = cmd.kind();
    // A rating may carry the requester's comment, kept as the history note.
    let note = matches!(cmd, yiping_flow::Command::Rate { .. })
        .then(|| {
            form.get("comment")
                .map(|c| c.chars().take(500).collect::<String>())
        })
        .flatten();
    let setup = s.flow_setup().await?;
    let action = Action::new(id, version, cmd).with_note(note);
    let (status, message) = match door::act(s.store.as_ref(), &setup, &p, action, None).await {
        Ok(_) => {
            let sep = if back.contains('?') { '&' } else { '?' };
            let code = actions::kind_code(kind);
            return Ok(Redirect::to(&format!("{back}{sep}done={code}")).into_response());
        }
        Err(AppError::Conflict(_)) => (
            StatusCode::CONFLICT,
            "提交失败：该事项已被他人处理（版本已变化）。下面是最新状态，请确认后重新操作。"
                .to_string(),
        ),
        Err(AppError::Flow(e)) => (StatusCode::UNPROCESSABLE_ENTITY, format!("操作未执行：{e}")),
        Err(e) => return Err(e.into()),
    };
    render(&s, &p, &csrf, id, status, Some(("error", message))).await
}

fn item_body(l: &Loaded, csrf: &str, message: Option<(&str, String)>) -> Markup {
    let v = &l.view;
    let now = Utc::now();
    let n = |id: EntityId| name_of(&l.names, id);
    html! {
        div.page-head {
            h1 { span.muted { "事项 " (v.id) " · " } (v.title) }
            div { span.muted { "当前阶段 " } (stage_badge(v))
                @if v.supervised { " " span.badge.supervised { "督办" } }
                @if v.suspended { " " span.badge.muted { "挂起" } } }
        }
        @if let Some((kind, text)) = &message { (notice(kind, text)) }
        div.item-grid {
            section.card.summary {
                h2 { "概况" }
                dl {
                    dt { "类型" } dd { (v.kind_name) }
                    dt { "分类" } dd { (v.category_name.as_deref().unwrap_or("—")) }
                    dt { "优先级" } dd { (v.priority.label_zh()) }
                    dt { "受理单位" } dd { (n(v.receiving_unit)) }
                    dt { "责任单位" } dd { (n(v.owner_unit)) }
                    @if let Some(a) = v.assignee { dt { "待签收单位" } dd { (n(a)) } }
                    @if let Some(e) = v.escalated_to { dt { "已升级至" } dd { (n(e)) } }
                    @if let Some(l) = v.location { dt { "发生地" } dd { (n(l)) } }
                    @if let Some(e) = v.enterprise { dt { "企业" } dd { (n(e)) } }
                    dt { "受理时间" } dd { (local(v.received_at)) }
                    dt { "期限" } dd data-testid="item-due" {
                        (due_cell(v, now))
                        @if let Some(w) = &v.calendar_warning { br; span.calendar-warning role="alert" { "⚠ " (w) } }
                    }
                    @if let Some(c) = v.closure { dt { "结案方式" } dd { (c) } }
                    @if let Some(x) = &l.item.pending_extension {
                        dt { "延期申请" }
                        dd.pending {
                            "申请延期 " (x.amount) " " (clock_unit(l.item.clock)) "（" (x.requested_by.as_str()) "，"
                            (local(x.requested_at)) "）：" (x.reason)
                        }
                    }
                    @if let Some(r) = &l.item.rating {
                        dt { "评价" } dd { (actions::rating_label(r.satisfied, r.solved)) "（" (local(r.at)) "）" }
                    }
                    @if let Some(d) = &v.extras.description { dt { "描述" } dd.pre { (d) } }
                    @if let Some(a) = &v.extras.address { dt { "地址" } dd { (a) } }
                }
                @if let Some((_, text)) = l.route.as_ref().filter(|_| matches!(v.stage, Stage::Received | Stage::Registered | Stage::AwaitingRuling)) {
                    p.route { "建议派遣：" (text) }
                }
            }
            section.card.actions data-testid="item-actions" {
                h2 { "可执行的操作" }
                @if l.allowed.is_empty() {
                    p.muted { "当前没有您可以执行的操作。" }
                } @else {
                    @for k in &l.allowed {
                        (actions::form(*k, v, csrf, &l.choices, &l.names))
                    }
                }
            }
        }
        @if !l.children.is_empty() { (history::fan_out(l, now)) }
        (history::deadlines(&l.item, now))
        (history::history(v, l.item.clock.label_zh(), l))
    }
}
