//! Data quality and derived measures through the API (issue 12):
//!
//! - `GET /api/v1/findings?unit=&period=&open=1`: the validation findings of a unit's subtree;
//!   `POST /api/v1/findings/{id}` `{"follow_up": true, "comment": "…"}` sets the follow-up.
//! - `GET /api/v1/outliers?period=&open=1`: seasonal outlier flags;
//!   `POST /api/v1/outliers/{id}` `{"review": "confirmed" | "dismissed", "note": "…"}`.
//! - `GET /api/v1/measures?indicator=GDP&period=2024M01-M09&measure=贡献率&parent=&reference=全国`:
//!   a derived measure (同比, 占比, 拉动, 贡献率, 增长面, 差距, 排名) over a region's children.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use yiping_app::derived::{DerivedMeasure, DerivedQuery, derived_as};
use yiping_kernel::{Catalog, IndicatorMatch, Period};
use yiping_store::OutlierReview;

use super::query::{Q, opt, parse_id, unit};
use super::work_items::json_body;
use crate::auth::ApiUser;
use crate::{ApiError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/findings", get(findings))
        .route("/findings/{id}", post(annotate))
        .route("/outliers", get(outliers))
        .route("/outliers/{id}", post(review))
        .route("/measures", get(measures))
}

fn period(v: &Option<String>) -> Result<Option<Period>, ApiError> {
    opt("period", v, |s| Period::parse(s, None))
}

fn flag(v: &Option<String>) -> bool {
    matches!(v.as_deref().map(str::trim), Some("1" | "true" | "是"))
}

#[derive(Debug, Deserialize)]
struct FindingsQuery {
    unit: Option<String>,
    period: Option<String>,
    open: Option<String>,
}

async fn findings(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Q(q): Q<FindingsQuery>,
) -> Result<Json<Value>, ApiError> {
    let store = s.store.as_ref();
    let unit = unit(store, "unit", &q.unit).await?;
    let items =
        yiping_app::validate::findings_as(store, &p, unit, period(&q.period)?, flag(&q.open))
            .await?;
    Ok(Json(json!({ "items": items, "total": items.len() })))
}

#[derive(Debug, Deserialize)]
struct AnnotateBody {
    follow_up: bool,
    #[serde(default)]
    comment: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/findings/{id}",
    tag = "数据质量",
    summary = "标记一条校验发现是否需要跟进，并写明说明",
    params(("id" = i64, Path, description = "校验发现编号")),
    request_body(content((Object = "application/json", example = json!({"follow_up": true, "comment": "已请万州区统计局核实规上工业增加值"})))),
    responses(
        (status = 400, description = "参数无效（说明哪个参数、为什么）", body = super::openapi::ErrorBody),
        (status = 401, description = "未登录，也未提供有效的 API 令牌", body = super::openapi::ErrorBody),
        (status = 403, description = "角色无权，或超出管辖范围", body = super::openapi::ErrorBody),
        (status = 404, description = "不存在，或不属于当前用户", body = super::openapi::ErrorBody),
        (status = 200, description = "更新后的校验发现"),
        (status = 422, description = "请求内容无效（不是 JSON，或缺少字段）", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn annotate(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    body: Result<Json<AnnotateBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id).map_err(ApiError::not_found)?;
    let b = json_body(body)?;
    let f = yiping_app::validate::annotate_as(
        s.store.as_ref(),
        &p,
        id,
        b.follow_up,
        &b.comment,
        Utc::now(),
    )
    .await?;
    Ok(Json(json!(f)))
}

#[derive(Debug, Deserialize)]
struct OutliersQuery {
    period: Option<String>,
    open: Option<String>,
}

async fn outliers(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Q(q): Q<OutliersQuery>,
) -> Result<Json<Value>, ApiError> {
    let items =
        yiping_app::outliers::flags_as(s.store.as_ref(), &p, period(&q.period)?, flag(&q.open))
            .await?;
    Ok(Json(json!({ "items": items, "total": items.len() })))
}

#[derive(Debug, Deserialize)]
struct ReviewBody {
    review: String,
    #[serde(default)]
    note: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/outliers/{id}",
    tag = "数据质量",
    summary = "审核一个季节性异常值：确认（confirmed）、排除（dismissed）或待审核（pending）",
    params(("id" = i64, Path, description = "异常值标记编号")),
    request_body(content((Object = "application/json", example = json!({"review": "dismissed", "note": "6月有大型促销活动，数值属实"})))),
    responses(
        (status = 400, description = "参数无效（说明哪个参数、为什么）", body = super::openapi::ErrorBody),
        (status = 401, description = "未登录，也未提供有效的 API 令牌", body = super::openapi::ErrorBody),
        (status = 403, description = "角色无权，或超出管辖范围", body = super::openapi::ErrorBody),
        (status = 404, description = "不存在，或不属于当前用户", body = super::openapi::ErrorBody),
        (status = 200, description = "审核后的异常值标记"),
        (status = 422, description = "请求内容无效（不是 JSON，或缺少字段）", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn review(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    body: Result<Json<ReviewBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id).map_err(ApiError::not_found)?;
    let b = json_body(body)?;
    let review = OutlierReview::parse(&b.review).ok_or_else(|| {
        ApiError::bad_request(format!(
            "review“{}”无效：可选 confirmed（确认异常）、dismissed（排除）、pending（待审核）",
            b.review
        ))
    })?;
    let f = yiping_app::outliers::review_as(s.store.as_ref(), &p, id, review, &b.note, Utc::now())
        .await?;
    Ok(Json(json!(f)))
}

#[derive(Debug, Deserialize)]
struct MeasuresQuery {
    indicator: Option<String>,
    period: Option<String>,
    measure: Option<String>,
    parent: Option<String>,
    reference: Option<String>,
}

async fn measures(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Q(q): Q<MeasuresQuery>,
) -> Result<Json<Value>, ApiError> {
    let store = s.store.as_ref();
    let required = |field: &str, v: &Option<String>| -> Result<String, ApiError> {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .ok_or_else(|| ApiError::bad_request(format!("缺少参数 {field}")))
    };
    let measure: DerivedMeasure = required("measure", &q.measure)?
        .parse()
        .map_err(|e: yiping_app::AppError| ApiError::bad_request(format!("参数 measure：{e}")))?;
    let period = period(&Some(required("period", &q.period)?))?
        .ok_or_else(|| ApiError::bad_request("缺少参数 period"))?;
    let text = required("indicator", &q.indicator)?;
    let catalog = Catalog::new(
        Vec::new(),
        store
            .indicators()
            .await
            .map_err(yiping_app::AppError::from)?,
    );
    let indicator = match catalog.find_indicator(&text) {
        IndicatorMatch::One(id) => id,
        IndicatorMatch::None => {
            return Err(ApiError::bad_request(format!(
                "参数 indicator：没有指标“{text}”"
            )));
        }
    };
    let query = DerivedQuery {
        indicator,
        period,
        measure,
        parent: unit(store, "parent", &q.parent).await?,
        reference: unit(store, "reference", &q.reference).await?,
    };
    Ok(Json(json!(derived_as(store, &p, &query).await?)))
}
