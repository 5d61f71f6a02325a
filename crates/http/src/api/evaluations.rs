//! Evaluation schemes and their stored results: the league table of a period (filter by cohort or
//! grade, paged), one entity's breakdown, and one entity's history. Results are computed and
//! stored by the app layer whenever data changes; these handlers parse the request, call the
//! reader in `yiping_app::results` (which checks `ViewEvaluations` and the caller's subtree) and
//! write its typed views as JSON.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use yiping_app::AppError;
use yiping_app::results::{self, BreakdownLine, LeagueQuery, Rows, Subject};
use yiping_eval::{GradeChange, RankMove};
use yiping_kernel::Period;
use yiping_store::{EvaluationRow, EvaluationRun, Rgb, RunMeta};

use super::query::{Paging, Q, opt, unit_path};
use crate::auth::ApiUser;
use crate::{ApiError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/schemes", get(list))
        .route("/schemes/{code}/results", get(results))
        .route("/schemes/{code}/entities/{id}", get(entity))
        .route("/schemes/{code}/entities/{id}/history", get(history))
}

/// A refusal or failure of the results reader as the API reports it (the crate's one mapping).
fn refused(e: AppError) -> ApiError {
    e.into()
}

fn rank_change(m: Option<RankMove>) -> Value {
    m.map_or(
        Value::Null,
        |m| json!({ "move": m.as_str(), "places": m.places(), "label": m.label_zh() }),
    )
}

fn grade_change(m: Option<GradeChange>) -> Value {
    m.map_or(
        Value::Null,
        |m| json!({ "move": m.as_str(), "label": m.label_zh() }),
    )
}

/// A stored row as the API shows it, with the fills of its grade and colour (from the run's
/// metadata) and its breakdown (`None`: the field is left out).
fn row_json(
    r: &EvaluationRow,
    fills: (Option<Rgb>, Option<Rgb>),
    breakdown: Option<Vec<BreakdownLine>>,
) -> Map<String, Value> {
    let mut v = object(json!({
        "entity": r.entity,
        "key": r.entity_key,
        "name": r.entity_name,
        "position": r.position,
        "rank": r.rank,
        "score": r.score,
        "cohort": r.cohort,
        "cohort_rank": r.cohort_rank,
        "grade": r.grade,
        "grade_rgb": fills.0,
        "colour": r.colour,
        "colour_rgb": fills.1,
        "rank_change": rank_change(r.rank_change),
        "cohort_rank_change": rank_change(r.cohort_rank_change),
        "grade_change": grade_change(r.grade_change),
        "exempt": r.exempt,
        "excluded": r.excluded,
        "explanation": r.explanation,
    }));
    if let Some(b) = breakdown {
        v.insert("breakdown".into(), json!(b));
    }
    v
}

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The fills of a row's grade and colour in `meta`.
fn fills(meta: &RunMeta, r: &EvaluationRow) -> (Option<Rgb>, Option<Rgb>) {
    (
        r.grade
            .as_deref()
            .and_then(|g| meta.grade(g))
            .map(|g| g.rgb),
        r.colour
            .as_deref()
            .and_then(|c| meta.colour(c))
            .map(|c| c.rgb),
    )
}

fn run_json(run: &EvaluationRun) -> Map<String, Value> {
    let meta = &run.meta;
    object(json!({
        "scheme": run.scheme,
        "scheme_name": meta.scheme_name,
        "scheme_year": run.scheme_year,
        "scheme_version": run.scheme_version,
        "period": run.period.code(),
        "period_label": run.period.label_zh(),
        "previous_period": run.previous_period.map(|p| p.code()),
        "population": run.population,
        "ranked": run.ranked,
        "computed_at": run.computed_at.to_rfc3339(),
        "grades": meta.grades,
        "colours": meta.colours,
        "cohorts": meta.cohorts,
        "item_definitions": meta.items,
        "score_label": meta.score_label,
    }))
}

fn parse_period(field: &str, v: &Option<String>) -> Result<Option<Period>, ApiError> {
    opt(field, v, |s| Period::parse(s, None))
}

/// Every stored scheme version (by code, then year) with the periods it has results for.
async fn list(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Q(q): Q<Paging>,
) -> Result<Json<Value>, ApiError> {
    let page = q.page()?;
    let schemes = results::schemes(s.store.as_ref(), &user)
        .await
        .map_err(refused)?;
    let total = schemes.len();
    let items: Vec<Value> = schemes
        .iter()
        .skip(page.offset as usize)
        .take(page.limit as usize)
        .map(|x| {
            let periods: Vec<Value> = x
                .runs
                .iter()
                .map(|r| json!({ "period": r.period.code(), "label": r.period.label_zh() }))
                .collect();
            let v = &x.scheme;
            json!({
                "code": v.code,
                "year": v.year,
                "name": v.name,
                "frequency": v.frequency,
                "version": v.version,
                "changed_by": v.changed_by,
                "updated_at": v.updated_at.to_rfc3339(),
                "periods": periods,
            })
        })
        .collect();
    Ok(Json(json!({
        "items": items,
        "total": total,
        "limit": page.limit,
        "offset": page.offset,
    })))
}

#[derive(Debug, Deserialize)]
struct ResultsQuery {
    period: Option<String>,
    cohort: Option<String>,
    grade: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

/// The league table of one period, in rank order: the rows in the caller's subtree.
#[utoipa::path(
    get,
    path = "/api/v1/schemes/{code}/results",
    tag = "读取",
    summary = "考评排名（红黑榜）",
    description = "一个考评方案某一时期的排名，按名次排列，只含调用者管辖范围内的行。",
    params(
        ("code" = String, Path, description = "考评方案代码"),
        ("period" = Option<String>, Query, description = "时期，例如 2024M01-M06；省略为最新"),
        ("cohort" = Option<String>, Query, description = "分组"),
        ("grade" = Option<String>, Query, description = "等次"),
    ),
    responses(
        (status = 400, description = "参数无效（说明哪个参数、为什么）", body = super::openapi::ErrorBody),
        (status = 401, description = "未登录，也未提供有效的 API 令牌", body = super::openapi::ErrorBody),
        (status = 403, description = "角色无权，或超出管辖范围", body = super::openapi::ErrorBody),
        (status = 200, description = "考评运行信息与 items（名次、主体、得分、等次、各项得分）"),
        (status = 404, description = "没有该方案或该时期的结果", body = super::openapi::ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn results(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    Q(q): Q<ResultsQuery>,
) -> Result<Json<Value>, ApiError> {
    let page = q.paging.page()?;
    let query = LeagueQuery {
        period: parse_period("period", &q.period)?,
        cohort: q.cohort,
        grade: q.grade,
        rows: Rows::Page(page),
    };
    let league = results::league(s.store.as_ref(), &user, &code, &query)
        .await
        .map_err(refused)?;
    let items: Vec<Value> = league
        .rows
        .iter()
        .map(|r| {
            Value::Object(row_json(
                r,
                fills(league.meta(), r),
                Some(league.breakdown(r)),
            ))
        })
        .collect();
    let mut body = run_json(&league.run);
    body.insert("items".into(), Value::Array(items));
    body.insert("total".into(), json!(league.total));
    body.insert("limit".into(), json!(page.limit));
    body.insert("offset".into(), json!(page.offset));
    Ok(Json(Value::Object(body)))
}

#[derive(Debug, Deserialize)]
struct EntityQuery {
    period: Option<String>,
}

/// One entity's result and per-item breakdown in one period.
async fn entity(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Path((code, id)): Path<(String, String)>,
    Q(q): Q<EntityQuery>,
) -> Result<Json<Value>, ApiError> {
    let id = unit_path(s.store.as_ref(), &id).await?;
    let period = parse_period("period", &q.period)?;
    let found = results::entity_result(s.store.as_ref(), &user, &code, id, period)
        .await
        .map_err(refused)?;
    let mut body = row_json(
        &found.row,
        fills(&found.run.meta, &found.row),
        Some(found.breakdown()),
    );
    body.insert("evaluation".into(), Value::Object(run_json(&found.run)));
    Ok(Json(Value::Object(body)))
}

/// One entity's results in every stored period, oldest first.
async fn history(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Path((code, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let id = unit_path(s.store.as_ref(), &id).await?;
    let h = results::history(s.store.as_ref(), &user, &code, Subject::Id(id))
        .await
        .map_err(refused)?;
    let items: Vec<Value> = h
        .entries
        .iter()
        .map(|e| {
            let mut v = row_json(&e.row, (e.grade_rgb(), e.colour_rgb()), None);
            v.insert("period".into(), json!(e.period.code()));
            v.insert("period_label".into(), json!(e.period.label_zh()));
            Value::Object(v)
        })
        .collect();
    let total = items.len();
    Ok(Json(json!({
        "scheme": h.scheme.code,
        "entity": h.entity,
        "items": items,
        "total": total,
        "limit": total,
        "offset": 0,
    })))
}
