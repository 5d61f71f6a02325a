use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use yiping_kernel::{
    Catalog, EntityId, IndicatorMatch, Measure, Observation, ObservationStatus, Period,
};
use yiping_store::{ObservationFilter, Paged};

use super::query::{Paging, Q, opt, unit};
use crate::auth::ApiUser;
use crate::{ApiError, AppState};
use yiping_access::Capability;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/observations", get(list).post(super::writes::observations))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    /// One entity id.
    entity: Option<String>,
    /// An entity id: that entity and everything below it.
    subtree: Option<String>,
    /// Indicator code, name or alias; several separated by commas.
    indicator: Option<String>,
    /// Period code or Chinese form with a year (2024Q1, 2024年1—9月); several separated by commas.
    period: Option<String>,
    measure: Option<String>,
    status: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

/// An observation as the API shows it.
#[derive(Debug, Serialize)]
struct ObservationDto {
    entity: EntityId,
    indicator: String,
    period: String,
    period_label: String,
    measure: Measure,
    value: f64,
    status: ObservationStatus,
    revision: i64,
    source: String,
    changed_by: String,
    changed_at: String,
}

/// Observations of entities in the caller's subtree: `entity` and `subtree` must lie inside it
/// (403 otherwise), and without either the list covers the caller's unit and everything below.
#[utoipa::path(
    get,
    path = "/api/v1/observations",
    tag = "读取",
    summary = "指标数据列表",
    description = "调用者管辖范围内的数据，可按主体（entity、subtree）、指标、时期、口径、状态筛选，分页（limit、offset）。",
    params(
        ("entity" = Option<String>, Query, description = "一个主体（代码、名称或编号）"),
        ("subtree" = Option<String>, Query, description = "该主体及其全部下级"),
        ("indicator" = Option<String>, Query, description = "指标代码、名称或别名，多个以逗号分隔"),
        ("period" = Option<String>, Query, description = "时期，例如 2024M01-M06、2024年1—6月，多个以逗号分隔"),
        ("measure" = Option<String>, Query, description = "口径：总量 或 增速"),
        ("status" = Option<String>, Query, description = "状态：草稿、已报送、已审核"),
        ("limit" = Option<u32>, Query, description = "每页条数"),
        ("offset" = Option<u64>, Query, description = "跳过条数"),
    ),
    responses(
        (status = 400, description = "参数无效（说明哪个参数、为什么）", body = super::openapi::ErrorBody),
        (status = 401, description = "未登录，也未提供有效的 API 令牌", body = super::openapi::ErrorBody),
        (status = 200, description = "{items, total, limit, offset}；每项含 entity、indicator、period、period_label、measure、value、status、revision、source、changed_by、changed_at"),
        (status = 403, description = "超出管辖范围", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn list(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Q(q): Q<ListQuery>,
) -> Result<Json<Paged<ObservationDto>>, ApiError> {
    user.require(Capability::ViewData)?;
    let entity = unit(s.store.as_ref(), "entity", &q.entity).await?;
    let subtree = unit(s.store.as_ref(), "subtree", &q.subtree).await?;
    for id in entity.iter().chain(subtree.iter()) {
        user.require_in(Capability::ViewData, *id)?;
    }
    let indicators = s.store.indicators().await?;
    let codes: std::collections::HashMap<_, _> = indicators
        .iter()
        .map(|i| (i.id, i.data.code.as_str().to_string()))
        .collect();
    let catalog = Catalog::new(Vec::new(), indicators);
    let indicator_ids = match q
        .indicator
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(list) => Some(
            list.split([',', '，'])
                .map(|t| match catalog.find_indicator(t) {
                    IndicatorMatch::One(id) => Ok(id),
                    IndicatorMatch::None => Err(ApiError::bad_request(format!(
                        "参数 indicator：没有指标“{}”",
                        t.trim()
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let periods = match q.period.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(list) => Some(
            list.split([',', '，'])
                .map(|t| {
                    Period::parse(t, None)
                        .map_err(|e| ApiError::bad_request(format!("参数 period：{e}")))
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    let filter = ObservationFilter {
        entities: entity.map(|id| vec![id]),
        subtree: Some(subtree.unwrap_or(user.home())),
        indicators: indicator_ids,
        periods,
        measure: opt("measure", &q.measure, Measure::parse)?,
        status: opt("status", &q.status, ObservationStatus::parse)?,
    };
    let page = s.store.observations(&filter, q.paging.page()?).await?;
    let items = page
        .items
        .into_iter()
        .map(|o: Observation| ObservationDto {
            entity: o.key.entity,
            indicator: codes.get(&o.key.indicator).cloned().unwrap_or_default(),
            period: o.key.period.code(),
            period_label: o.key.period.label_zh(),
            measure: o.key.measure,
            value: o.value.value(),
            status: o.value.status,
            revision: o.revision,
            source: o.source,
            changed_by: o.changed_by,
            changed_at: o.changed_at.to_rfc3339(),
        })
        .collect();
    Ok(Json(Paged {
        items,
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}
