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

pub(crate) async fn observations(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Q(q): Q<WriteQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(s, user, BatchKind::Observations, q, headers, body).await
}

pub(crate) async fn entities(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Q(q): Q<WriteQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(s, user, BatchKind::Entities, q, headers, body).await
}

pub(crate) async fn indicators(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Q(q): Q<WriteQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(s, user, BatchKind::Indicators, q, headers, body).await
}

pub(crate) async fn targets(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Q(q): Q<WriteQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(s, user, BatchKind::Targets, q, headers, body).await
}
