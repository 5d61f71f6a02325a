//! Work items under `/api/v1/items`: list (a unit's inbox with filters and overdue flags), one
//! item with its history and a suggested route, create, and transitions with the version the
//! client read (409 when someone else changed the item first, 422 with the engine's Chinese
//! message when the command is refused).
//!
//! Who acts is the signed-in user ([`ApiUser`]), never the body. Every item is read, filed and
//! moved through the app's door (`yiping_app::work_items::door`), which derives the engine's
//! actor from the user's role, requires every item read or changed to be visible to them (its
//! units in their subtree; an enterprise sees only its own requests) and every unit named in a
//! query or a command to lie in their subtree, and lets only an administrator give `at`
//! (replaying events with their time); everyone else acts now.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use yiping_access::Capability;
use yiping_app::work_items::door::{self, Action};
use yiping_app::work_items::metrics::{self, Figure};
use yiping_app::work_items::{self, CreateItem, ItemView};
use yiping_flow::{
    CategoryScope, Command, ItemId, ItemKind, Progress, Recipient, Route, Stage, progress,
};
use yiping_kernel::EntityId;
use yiping_store::{Paged, WorkItemFilter};

use super::query::{Paging, Q, opt, parse_id, unit};
use crate::auth::ApiUser;
use crate::{ApiError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/items", get(list).post(create))
        .route("/items/metrics", get(unit_metrics))
        .route("/items/{id}", get(one))
        .route("/items/{id}/transitions", post(transition))
}

fn parse_name<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_value(Value::String(s.to_string())).map_err(|_| format!("“{s}”无效"))
}

fn parse_stage(s: &str) -> Result<Stage, String> {
    Stage::ALL
        .into_iter()
        .find(|st| st.label_zh() == s)
        .map_or_else(|| parse_name(s), Ok)
}

fn parse_kind(s: &str) -> Result<ItemKind, String> {
    ItemKind::ALL
        .into_iter()
        .find(|k| k.label_zh() == s)
        .map_or_else(|| parse_name(s), Ok)
}

fn parse_bool(s: &str) -> Result<bool, String> {
    match s {
        "true" | "1" | "是" => Ok(true),
        "false" | "0" | "否" => Ok(false),
        _ => Err(format!("“{s}”应为 true 或 false")),
    }
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    /// A unit's inbox: items it owns, was sent, or was escalated to.
    unit: Option<String>,
    kind: Option<String>,
    /// One or more stages, comma-separated (English or Chinese names).
    stage: Option<String>,
    /// Only items overdue now.
    overdue: Option<String>,
    /// Only open items.
    open: Option<String>,
    category: Option<String>,
    problem_source: Option<String>,
    enterprise: Option<String>,
    parent: Option<String>,
    supervised: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

async fn list(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Q(q): Q<ListQuery>,
) -> Result<Json<Paged<ItemView>>, ApiError> {
    p.require(Capability::ViewItems)?;
    let page = q.paging.page()?;
    let stages = match q.stage.as_deref().map(str::trim) {
        None | Some("") => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|x| parse_stage(x.trim()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ApiError::bad_request(format!("参数 stage：{e}")))?,
    };
    let filter = WorkItemFilter {
        unit: unit(s.store.as_ref(), "unit", &q.unit).await?,
        kind: opt("kind", &q.kind, parse_kind)?,
        stages,
        open_only: opt("open", &q.open, parse_bool)?.unwrap_or(false),
        category_prefix: q.category.clone().filter(|c| !c.trim().is_empty()),
        problem_source: q.problem_source.clone().filter(|c| !c.trim().is_empty()),
        enterprise: unit(s.store.as_ref(), "enterprise", &q.enterprise).await?,
        parent: opt("parent", &q.parent, parse_id)?.map(ItemId),
        supervised: opt("supervised", &q.supervised, parse_bool)?,
        ..WorkItemFilter::default()
    };
    let overdue = opt("overdue", &q.overdue, parse_bool)?.unwrap_or(false);
    let setup = s.flow_setup().await?;
    let out = door::list(s.store.as_ref(), &setup, &p, filter, overdue, page).await?;
    Ok(Json(out))
}

#[derive(Debug, Serialize)]
struct ItemDetail {
    #[serde(flatten)]
    item: ItemView,
    /// Where the item should be dispatched, by its category or its location.
    suggested_route: Option<RouteDto>,
    /// A fanned-out item's children: how many (cancelled ones left out), signed, replied, closed.
    #[serde(skip_serializing_if = "Option::is_none")]
    progress: Option<Progress>,
}

#[derive(Debug, Serialize)]
struct RouteDto {
    unit: EntityId,
    explanation: String,
}

fn route_dto(r: Route) -> RouteDto {
    RouteDto {
        unit: r.unit,
        explanation: r.to_string(),
    }
}

fn item_id(raw: &str) -> Result<ItemId, ApiError> {
    parse_id(raw)
        .map(ItemId)
        .map_err(|e| ApiError::bad_request(format!("事项编号：{e}")))
}

async fn one(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<ItemDetail>, ApiError> {
    let id = item_id(&id)?;
    let setup = s.flow_setup().await?;
    let stored = door::item(s.store.as_ref(), &p, id).await?;
    let route = work_items::suggest_route(&setup, &stored.item).map(route_dto);
    let progress = if stored.item.children > 0 {
        let children = door::children(s.store.as_ref(), &p, &stored).await?;
        Some(progress(&stored.item, &children))
    } else {
        None
    };
    Ok(Json(ItemDetail {
        item: ItemView::new(stored, &setup.categories, Utc::now()).with_calendar(&setup.calendar),
        suggested_route: route,
        progress,
    }))
}

#[derive(Debug, Deserialize)]
struct CreateBody {
    #[serde(flatten)]
    item: CreateItem,
    /// When it was received (administrators only); default now.
    #[serde(default)]
    at: Option<DateTime<Utc>>,
}

pub(crate) fn json_body<T: serde::de::DeserializeOwned>(
    body: Result<Json<T>, axum::extract::rejection::JsonRejection>,
) -> Result<T, ApiError> {
    body.map(|Json(b)| b).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            // A body that grew over the limit while read (sent in chunks).
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                crate::limits::message("/api/"),
            );
        }
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("请求内容无效：{}", e.body_text()),
        )
    })
}

/// A body whose unit fields (`unit`, `receiving_unit`, `location`, `enterprise`, `units`) may
/// name units by code or name: resolved by [`yiping_app::units::resolve_fields`], then read.
async fn json_body_with_units<T: serde::de::DeserializeOwned>(
    s: &AppState,
    body: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<T, ApiError> {
    let mut v = json_body(body)?;
    yiping_app::units::resolve_fields(s.store.as_ref(), &mut v)
        .await
        .map_err(|e| match e {
            yiping_app::AppError::NotFound(m) | yiping_app::AppError::Invalid(m) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", m)
            }
            other => other.into(),
        })?;
    serde_json::from_value(v).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("请求内容无效：{e}"),
        )
    })
}

async fn create(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    body: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<ItemView>), ApiError> {
    let b: CreateBody = json_body_with_units(&s, body).await?;
    let setup = s.flow_setup().await?;
    let created = door::create(s.store.as_ref(), &setup, &p, b.item, b.at).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            ItemView::new(created.item, &setup.categories, Utc::now())
                .with_calendar(&setup.calendar),
        ),
    ))
}

#[derive(Debug, Deserialize)]
struct TransitionBody {
    /// The version the client read; another stored version is a 409.
    expected_version: u64,
    /// The command, e.g. `"register"` or `{"dispatch": {"unit": 20}}`.
    command: Command,
    /// When it happened (administrators only); default now.
    #[serde(default)]
    at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize)]
struct Notification {
    unit: Option<EntityId>,
    user: Option<String>,
    message: String,
}

#[derive(Debug, Serialize)]
struct TransitionDto {
    item: ItemView,
    children: Vec<ItemId>,
    notifications: Vec<Notification>,
}

async fn transition(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    body: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<TransitionDto>, ApiError> {
    let id = item_id(&id)?;
    let b: TransitionBody = json_body_with_units(&s, body).await?;
    let setup = s.flow_setup().await?;
    let action = Action::new(id, b.expected_version, b.command);
    let out = door::act(s.store.as_ref(), &setup, &p, action, b.at).await?;
    let notifications = out
        .notices()
        .map(|(to, message)| match to {
            Recipient::Unit(u) => Notification {
                unit: Some(*u),
                user: None,
                message: message.to_string(),
            },
            Recipient::User(u) => Notification {
                unit: None,
                user: Some(u.to_string()),
                message: message.to_string(),
            },
        })
        .collect();
    Ok(Json(TransitionDto {
        item: ItemView::new(out.item, &setup.categories, Utc::now()).with_calendar(&setup.calendar),
        children: out.children,
        notifications,
    }))
}

#[derive(Debug, Deserialize)]
struct MetricsQuery {
    /// The period (2024M03, 2024Q1, 2024年1—9月 …).
    period: Option<String>,
    /// One unit; default every unit owning items and every 区县 with items located in it.
    unit: Option<String>,
    /// Only items of one 领域, 大类 or 小类 (事件, 事件/01, 事件/01/02).
    category: Option<String>,
}

#[derive(Debug, Serialize)]
struct RateDto {
    #[serde(flatten)]
    figure: Figure,
    /// The value of a rate in percent (as `value`); absent for the mean handling time and
    /// when the sample is too small (样本量不足).
    percent: Option<f64>,
}

#[derive(Debug, Serialize)]
struct UnitMetricsDto {
    unit: EntityId,
    /// A 区县 rated on every item located in it; other units on the items they own.
    by_location: bool,
    rates: Vec<RateDto>,
}

/// The handling figures per unit for a period, computed from the histories now: the same
/// definition `write_metrics` stores as `WI_*` observations ([`metrics::compute`]), optionally
/// for one category only.
async fn unit_metrics(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Q(q): Q<MetricsQuery>,
) -> Result<Json<Vec<UnitMetricsDto>>, ApiError> {
    p.require(Capability::ViewData)?;
    let raw = q
        .period
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ApiError::bad_request("缺少参数 period（如 2024M03、2024Q1）"))?;
    let period = yiping_kernel::Period::parse(raw, None)
        .map_err(|e| ApiError::bad_request(format!("参数 period：{e}")))?;
    let unit = unit(s.store.as_ref(), "unit", &q.unit).await?;
    if let Some(u) = unit {
        p.require_in(Capability::ViewData, u)?;
    }
    let category = opt("category", &q.category, |c| {
        CategoryScope::parse(c).map_err(|e| e.to_string())
    })?;
    let key = (period, unit, q.category.clone());
    let all = match s.metrics.get(&key) {
        Some(all) => all,
        None => {
            let setup = s.flow_setup().await?;
            let query = metrics::MetricsQuery {
                period,
                as_of: Utc::now(),
                unit,
                category,
            };
            let all =
                std::sync::Arc::new(metrics::compute(s.store.as_ref(), &setup, &query).await?);
            s.metrics.put(key, all.clone());
            all
        }
    };
    let out = all
        .iter()
        .filter(|u| p.sees(u.unit))
        .cloned()
        .map(|u| UnitMetricsDto {
            unit: u.unit,
            by_location: u.by_location,
            rates: u
                .figures
                .into_iter()
                .map(|f| RateDto {
                    percent: f.value.filter(|_| f.unit == "%"),
                    figure: f,
                })
                .collect(),
        })
        .collect();
    Ok(Json(out))
}
