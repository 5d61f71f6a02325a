//! Evaluation schemes and their stored results: the league table of a period (filter by cohort or
//! grade, paged), one entity's breakdown, and one entity's history. Results are computed and
//! stored by the app layer whenever data changes; these handlers only read.
//!
//! Every endpoint needs `ViewEvaluations`; a caller sees the result rows of the entities in their
//! unit subtree (ranks stay the scheme's overall ranks), and one entity's breakdown or history
//! only inside it.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use yiping_app::evaluate::expand_breakdown;
use yiping_kernel::{EntityId, Period};
use yiping_store::{
    EvaluationRow, EvaluationRun, GradeMove, Page, RankChange, ResultFilter, StoredScheme,
};

use super::query::{Paging, Q, opt, parse_id};
use crate::auth::ApiUser;
use crate::{ApiError, AppState};
use yiping_access::{Capability, Principal};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/schemes", get(list))
        .route("/schemes/{code}/results", get(results))
        .route("/schemes/{code}/entities/{id}", get(entity))
        .route("/schemes/{code}/entities/{id}/history", get(history))
}

/// The stored versions of a scheme, matched by code without regard to case.
async fn versions(s: &AppState, code: &str) -> Result<Vec<StoredScheme>, ApiError> {
    let all: Vec<StoredScheme> = s
        .store
        .schemes()
        .await?
        .into_iter()
        .filter(|x| x.code.eq_ignore_ascii_case(code.trim()))
        .collect();
    if all.is_empty() {
        return Err(ApiError::not_found(format!("没有评价方案“{code}”")));
    }
    Ok(all)
}

fn rank_change(m: Option<RankChange>) -> Value {
    m.map_or(
        Value::Null,
        |m| json!({ "move": m.as_str(), "places": m.places(), "label": m.label_zh() }),
    )
}

fn grade_change(m: Option<GradeMove>) -> Value {
    m.map_or(
        Value::Null,
        |m| json!({ "move": m.as_str(), "label": m.label_zh() }),
    )
}

fn parse_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn colour_rgb(meta: &Value, list: &str, name: Option<&str>) -> Value {
    let Some(name) = name else {
        return Value::Null;
    };
    meta[list]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"].as_str() == Some(name)))
        .map_or(Value::Null, |c| c["rgb"].clone())
}

/// A stored row as the API shows it. `meta` gives the grade and colour fills.
fn row_json(r: &EvaluationRow, meta: &Value, breakdown: Value) -> Value {
    json!({
        "entity": r.entity,
        "key": r.entity_key,
        "name": r.entity_name,
        "position": r.position,
        "rank": r.rank,
        "score": r.score,
        "cohort": r.cohort,
        "cohort_rank": r.cohort_rank,
        "grade": r.grade,
        "grade_rgb": colour_rgb(meta, "grades", r.grade.as_deref()),
        "colour": r.colour,
        "colour_rgb": colour_rgb(meta, "colours", r.colour.as_deref()),
        "rank_change": rank_change(r.rank_change),
        "cohort_rank_change": rank_change(r.cohort_rank_change),
        "grade_change": grade_change(r.grade_change),
        "exempt": r.exempt,
        "excluded": r.excluded,
        "explanation": r.explanation,
        "breakdown": breakdown,
    })
}

fn run_json(run: &EvaluationRun, meta: &Value) -> Value {
    json!({
        "scheme": run.scheme,
        "scheme_name": meta["scheme_name"],
        "scheme_year": run.scheme_year,
        "scheme_version": run.scheme_version,
        "period": run.period.code(),
        "period_label": run.period.label_zh(),
        "previous_period": run.previous_period.map(|p| p.code()),
        "population": run.population,
        "ranked": run.ranked,
        "computed_at": run.computed_at.to_rfc3339(),
        "grades": meta["grades"],
        "colours": meta["colours"],
        "cohorts": meta["cohorts"],
        "item_definitions": meta["items"],
        "score_label": meta["score_label"],
    })
}

fn parse_period(field: &str, v: &Option<String>) -> Result<Option<Period>, ApiError> {
    opt(field, v, |s| Period::parse(s, None))
}

/// The period asked for, or the latest one evaluated.
async fn period_or_latest(
    s: &AppState,
    code: &str,
    asked: Option<Period>,
) -> Result<Period, ApiError> {
    if let Some(p) = asked {
        return Ok(p);
    }
    s.store
        .evaluation_runs(Some(code))
        .await?
        .last()
        .map(|r| r.period)
        .ok_or_else(|| ApiError::not_found(format!("方案 {code} 还没有评价结果")))
}

/// Every stored scheme version (by code, then year) with the periods it has results for.
async fn list(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Q(q): Q<Paging>,
) -> Result<Json<Value>, ApiError> {
    user.require(Capability::ViewEvaluations)?;
    let page = q.page()?;
    let schemes = s.store.schemes().await?;
    let runs = s.store.evaluation_runs(None).await?;
    let total = schemes.len();
    let items: Vec<Value> = schemes
        .iter()
        .skip(page.offset as usize)
        .take(page.limit as usize)
        .map(|x| {
            let periods: Vec<Value> = runs
                .iter()
                .filter(|r| r.scheme == x.code && r.scheme_year == x.year)
                .map(|r| json!({ "period": r.period.code(), "label": r.period.label_zh() }))
                .collect();
            json!({
                "code": x.code,
                "year": x.year,
                "name": x.name,
                "frequency": x.frequency,
                "version": x.version,
                "changed_by": x.changed_by,
                "updated_at": x.updated_at.to_rfc3339(),
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

/// The league table of one period, in rank order.
async fn results(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Path(code): Path<String>,
    Q(q): Q<ResultsQuery>,
) -> Result<Json<Value>, ApiError> {
    user.require(Capability::ViewEvaluations)?;
    let page = q.paging.page()?;
    let code = versions(&s, &code).await?[0].code.clone();
    let period = period_or_latest(&s, &code, parse_period("period", &q.period)?).await?;
    let filter = ResultFilter {
        cohort: q.cohort.clone().filter(|c| !c.trim().is_empty()),
        grade: q.grade.clone().filter(|c| !c.trim().is_empty()),
        entity: None,
    };
    let (run, rows, total) = scoped_rows(&s, &user, &code, period, &filter, page).await?;
    let meta = parse_json(&run.meta);
    let items: Vec<Value> = rows
        .iter()
        .map(|r| row_json(r, &meta, expand_breakdown(&r.breakdown, &meta)))
        .collect();
    let mut body = run_json(&run, &meta);
    body["items"] = Value::Array(items);
    body["total"] = json!(total);
    body["limit"] = json!(page.limit);
    body["offset"] = json!(page.offset);
    Ok(Json(body))
}

/// One page of the rows of an evaluation that lie in the caller's subtree, with their total.
/// A caller whose subtree holds the whole population pages in the store; anyone else reads the
/// rows (in league order) and pages the visible ones.
async fn scoped_rows(
    s: &AppState,
    user: &Principal,
    code: &str,
    period: Period,
    filter: &ResultFilter,
    page: Page,
) -> Result<(EvaluationRun, Vec<EvaluationRow>, u64), ApiError> {
    let missing =
        || ApiError::not_found(format!("方案 {code} 没有{}的评价结果", period.label_zh()));
    let first = s
        .store
        .evaluation(code, period, filter, page)
        .await?
        .ok_or_else(missing)?;
    let all_visible = s
        .store
        .evaluation_slice(code, period)
        .await?
        .iter()
        .all(|r| user.sees(r.entity));
    if all_visible {
        return Ok((first.run, first.rows.items, first.rows.total));
    }
    let mut visible = Vec::new();
    let mut offset = 0u64;
    loop {
        let chunk = s
            .store
            .evaluation(code, period, filter, Page::new(Page::MAX_LIMIT, offset))
            .await?
            .ok_or_else(missing)?;
        let n = chunk.rows.items.len() as u64;
        visible.extend(chunk.rows.items.into_iter().filter(|r| user.sees(r.entity)));
        offset += n;
        if n == 0 || offset >= chunk.rows.total {
            break;
        }
    }
    let total = visible.len() as u64;
    let rows = visible
        .into_iter()
        .skip(page.offset as usize)
        .take(page.limit as usize)
        .collect();
    Ok((first.run, rows, total))
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
    let id = EntityId(parse_id(&id).map_err(ApiError::bad_request)?);
    user.require_in(Capability::ViewEvaluations, id)?;
    let code = versions(&s, &code).await?[0].code.clone();
    let period = period_or_latest(&s, &code, parse_period("period", &q.period)?).await?;
    let filter = ResultFilter {
        entity: Some(id),
        ..ResultFilter::default()
    };
    let found = s
        .store
        .evaluation(&code, period, &filter, Page::first(1))
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!("方案 {code} 没有{}的评价结果", period.label_zh()))
        })?;
    let Some(row) = found.rows.items.first() else {
        return Err(ApiError::not_found(format!(
            "主体 {id} 不在方案 {code} {}的评价范围内",
            period.label_zh()
        )));
    };
    let meta = parse_json(&found.run.meta);
    let mut body = row_json(row, &meta, expand_breakdown(&row.breakdown, &meta));
    body["evaluation"] = run_json(&found.run, &meta);
    Ok(Json(body))
}

/// One entity's results in every stored period, oldest first.
async fn history(
    State(s): State<AppState>,
    ApiUser(user): ApiUser,
    Path((code, id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let id = EntityId(parse_id(&id).map_err(ApiError::bad_request)?);
    user.require_in(Capability::ViewEvaluations, id)?;
    let code = versions(&s, &code).await?[0].code.clone();
    let runs = s.store.evaluation_runs(Some(&code)).await?;
    let entries = s.store.evaluation_history(&code, id).await?;
    let items: Vec<Value> = entries
        .iter()
        .map(|h| {
            let meta = runs
                .iter()
                .find(|r| r.period == h.period)
                .map_or(Value::Null, |r| parse_json(&r.meta));
            let mut v = row_json(&h.row, &meta, Value::Null);
            if let Some(o) = v.as_object_mut() {
                o.remove("breakdown");
                o.insert("period".into(), json!(h.period.code()));
                o.insert("period_label".into(), json!(h.period.label_zh()));
            }
            v
        })
        .collect();
    let total = items.len();
    Ok(Json(json!({
        "scheme": code,
        "entity": id,
        "items": items,
        "total": total,
        "limit": total,
        "offset": 0,
    })))
}
