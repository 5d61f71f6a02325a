//! The write API (issue 21): `POST /api/v1/observations`, `/entities`, `/indicators` and
//! `/targets` take a batch of items — JSON `{"items": [...]}`, or with `Content-Type: text/csv`
//! the import's table — and answer with the import summary. The work is
//! `yiping_app::write_api::post_batch` (the file importer's path); this module translates the
//! request, the `?dry_run=true` flag and the `Idempotency-Key` header
//! (`yiping_app::idempotency`), and the answer: 200 with the summary, 422 with every problem by
//! item and field, 403 naming the items outside the caller's unit, 413 for too many items.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use yiping_app::idempotency::{self, Begun};
use yiping_app::write_api::{Batch, BatchError, BatchKind, post_batch};
use yiping_store::{ChangeContext, IdempotentAnswer};

use super::openapi::{
    BatchAnswers, BatchParams, EntityBatch, IndicatorBatch, ObservationBatch, TargetBatch,
};
use super::query::Q;
use crate::auth::ApiUser;
use crate::{ApiError, AppState};

/// The header a client sends to make a retry safe.
pub(crate) const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header on an answer sent again for a retried request.
pub(crate) const REPLAYED: &str = "idempotent-replayed";

#[derive(Debug, Deserialize)]
pub(crate) struct WriteQuery {
    dry_run: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonBody {
    items: Vec<Value>,
}

fn dry_run(q: &WriteQuery) -> Result<bool, ApiError> {
    match q.dry_run.as_deref().map(str::trim) {
        None | Some("" | "false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(ApiError::bad_request(format!(
            "参数 dry_run：“{other}”无效，应为 true 或 false"
        ))),
    }
}

fn is_csv(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("text/csv"))
}

/// The answer of a batch, as a status and a JSON body.
fn answer(result: Result<yiping_app::write_api::BatchSummary, BatchError>) -> (StatusCode, Value) {
    let refusal = |status: StatusCode, code: &str, e: &BatchError, problems: &[_]| {
        let message = match problems.first() {
            Some(yiping_app::write_api::ItemProblem { message, .. }) => format!("{e}：{message}"),
            None => e.to_string(),
        };
        (
            status,
            json!({"error": {"code": code, "message": message,
                   "details": {"refused": problems.len(), "problems": problems}}}),
        )
    };
    match result {
        Ok(summary) => (StatusCode::OK, json!(summary)),
        Err(e @ BatchError::Rejected(_)) => {
            let BatchError::Rejected(p) = &e else {
                unreachable!()
            };
            refusal(StatusCode::UNPROCESSABLE_ENTITY, "invalid", &e, p)
        }
        Err(e @ BatchError::OutOfScope(_)) => {
            let BatchError::OutOfScope(p) = &e else {
                unreachable!()
            };
            refusal(StatusCode::FORBIDDEN, "forbidden", &e, p)
        }
        Err(e @ BatchError::TooMany { .. }) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"error": {"code": "too_large", "message": e.to_string(), "details": null}}),
        ),
        Err(BatchError::App(e)) => {
            let a = ApiError::from(e);
            (
                a.status,
                json!({"error": {"code": a.code, "message": a.message, "details": a.details}}),
            )
        }
    }
}

/// Reads and imports the batch.
async fn run(
    s: &AppState,
    user: &yiping_access::Principal,
    kind: BatchKind,
    dry_run: bool,
    csv: bool,
    body: &[u8],
) -> (StatusCode, Value) {
    let batch = if csv {
        Batch::from_csv(kind, body)
    } else {
        match serde_json::from_slice::<JsonBody>(body) {
            Ok(b) => Batch::from_json(kind, &b.items),
            Err(e) => {
                let a = ApiError::bad_request(format!(
                    "请求内容不是有效的 JSON（应为 {{\"items\": [...]}}，或以 Content-Type: text/csv 提交表格）：{e}"
                ));
                return (
                    a.status,
                    json!({"error": {"code": a.code, "message": a.message, "details": null}}),
                );
            }
        }
    };
    let ctx = ChangeContext::new(
        format!("{}（{}）", user.name, user.login),
        "接口",
        Utc::now(),
    );
    let result = match batch {
        Ok(b) => post_batch(s.store.as_ref(), user, &b, dry_run, &ctx).await,
        Err(e) => Err(e),
    };
    answer(result)
}

fn respond(status: StatusCode, body: String, replayed: bool) -> Response {
    let mut r = (
        status,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response();
    if replayed {
        r.headers_mut()
            .insert(REPLAYED, HeaderValue::from_static("true"));
    }
    r
}

/// One write route: the batch, run once per `Idempotency-Key`.
async fn write(
    s: AppState,
    user: yiping_access::Principal,
    kind: BatchKind,
    q: WriteQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let dry = match dry_run(&q) {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let csv = is_csv(&headers);
    let Some(key) = headers.get(IDEMPOTENCY_KEY) else {
        let (status, v) = run(&s, &user, kind, dry, csv, &body).await;
        return respond(status, v.to_string(), false);
    };
    let key = match key.to_str() {
        Ok(k) => k.trim().to_string(),
        Err(_) => String::new(),
    };
    // Everything that makes the request what it is: the route, the flag, the format, the body.
    let mut what = format!("{kind:?}\n{dry}\n{csv}\n").into_bytes();
    what.extend_from_slice(&body);
    let hash = yiping_app::auth::sha256_hex(&what);
    match idempotency::begin(s.store.as_ref(), &user, &key, &hash, Utc::now).await {
        Err(e) => ApiError::from(e).into_response(),
        Ok(Begun::Replay(a)) => respond(
            StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK),
            a.body,
            true,
        ),
        Ok(Begun::Run) => {
            let (status, v) = run(&s, &user, kind, dry, csv, &body).await;
            let body = v.to_string();
            let kept = if status.is_server_error() {
                idempotency::abandon(s.store.as_ref(), &user, &key).await
            } else {
                let a = IdempotentAnswer {
                    status: status.as_u16(),
                    body: body.clone(),
                };
                idempotency::finish(s.store.as_ref(), &user, &key, &a).await
            };
            if let Err(e) = kept {
                tracing::error!(error = %e, "recording the answer of an idempotent request failed");
            }
            respond(status, body, false)
        }
    }
}

pub(crate) fn router() -> Router<AppState> {
    // The other three write routes share their path with a list (`GET`), declared beside it.
    Router::new().route("/targets", post(targets))
}

#[utoipa::path(
    post,
    path = "/api/v1/observations",
    tag = "写入",
    summary = "提交一批指标数据",
    description = "与文件导入同一路径：全部或全不；逐项说明问题；未改变的数值计为未变；改动记入审计；已审核的数值不被改动（整批拒绝）；写入后重算派生指标、考评和预警。填报员只能提交本单位及下级的数据。",
    params(BatchParams),
    request_body(
        description = "{\"items\": [...]}，或以 Content-Type: text/csv 提交与文件导入相同列的表格",
        content(
            (ObservationBatch = "application/json", example = json!({"items": [{"entity_code": "500101", "indicator_code": "FAI", "period": "2024M01-M06", "value": 765.43, "unit": "亿元"}, {"entity": "万州区", "indicator": "固定资产投资", "period": "2024年1—6月", "measure": "增速", "value": 6.2}]})),
            (String = "text/csv", example = json!("主体代码,主体,指标代码,指标,时期,口径,数值,计量单位\n500101,万州区,FAI,固定资产投资,2024M01-M06,总量,765.43,亿元\n"))
        )
    ),
    responses(BatchAnswers),
    security(("bearer" = []))
)]
pub(crate) async fn observations(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Q(q): Q<WriteQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(s, user, BatchKind::Observations, q, headers, body).await
}

#[utoipa::path(
    post,
    path = "/api/v1/entities",
    tag = "写入",
    summary = "提交一批主体",
    description = "与主体表导入相同：按代码新增或修改，上级关系带生效日期（区划调整保留历史）。仅分析员和管理员。",
    params(BatchParams),
    request_body(
        description = "{\"items\": [...]}，或以 Content-Type: text/csv 提交与文件导入相同列的表格",
        content(
            (EntityBatch = "application/json", example = json!({"items": [{"kind": "地区", "code": "500101001", "name": "高笋塘街道", "level": 3, "parent_code": "500101", "parent_from": "2025-01-01"}]})),
            (String = "text/csv", example = json!("类型,代码,名称,层级,上级代码,上级生效日期\n地区,500101001,高笋塘街道,3,500101,2025-01-01\n"))
        )
    ),
    responses(BatchAnswers),
    security(("bearer" = []))
)]
pub(crate) async fn entities(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Q(q): Q<WriteQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(s, user, BatchKind::Entities, q, headers, body).await
}

#[utoipa::path(
    post,
    path = "/api/v1/indicators",
    tag = "写入",
    summary = "提交一批指标",
    description = "与指标表导入相同：按代码新增或修改。仅分析员和管理员。",
    params(BatchParams),
    request_body(
        description = "{\"items\": [...]}，或以 Content-Type: text/csv 提交与文件导入相同列的表格",
        content(
            (IndicatorBatch = "application/json", example = json!({"items": [{"code": "FAI", "name": "固定资产投资", "unit": "亿元", "frequency": "月", "kind": "累计值", "aggregation": "求和"}]})),
            (String = "text/csv", example = json!("代码,名称,计量单位,频率,类型\nFAI,固定资产投资,亿元,月,累计值\n"))
        )
    ),
    responses(BatchAnswers),
    security(("bearer" = []))
)]
pub(crate) async fn indicators(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Q(q): Q<WriteQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(s, user, BatchKind::Indicators, q, headers, body).await
}

#[utoipa::path(
    post,
    path = "/api/v1/targets",
    tag = "写入",
    summary = "提交一批目标",
    description = "与目标表导入相同：按主体、指标、年份新增或修改，写入后重算序时进度预警。仅分析员和管理员。",
    params(BatchParams),
    request_body(
        description = "{\"items\": [...]}，或以 Content-Type: text/csv 提交与文件导入相同列的表格",
        content(
            (TargetBatch = "application/json", example = json!({"items": [{"entity_code": "500101", "indicator_code": "FAI", "year": 2025, "kind": "增速", "value": 8.5}]})),
            (String = "text/csv", example = json!("主体代码,指标代码,年份,目标类型,目标值\n500101,FAI,2025,增速,8.5\n"))
        )
    ),
    responses(BatchAnswers),
    security(("bearer" = []))
)]
pub(crate) async fn targets(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Q(q): Q<WriteQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(s, user, BatchKind::Targets, q, headers, body).await
}
