use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use yiping_kernel::{Entity, EntityId, EntityKind};
use yiping_store::{EntityFilter, Paged};

use super::query::{Paging, Q, opt, parse_id};
use crate::{ApiError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/entities", get(list))
        .route("/entities/{id}", get(one))
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    kind: Option<String>,
    level: Option<String>,
    parent: Option<String>,
    subtree: Option<String>,
    group: Option<String>,
    q: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

async fn list(
    State(s): State<AppState>,
    Q(q): Q<ListQuery>,
) -> Result<Json<Paged<Entity>>, ApiError> {
    let filter = EntityFilter {
        kind: opt("kind", &q.kind, EntityKind::parse)?,
        level: opt("level", &q.level, |v| {
            v.parse::<u8>().map_err(|_| format!("“{v}”不是有效的层级"))
        })?,
        parent: opt("parent", &q.parent, parse_id)?.map(EntityId),
        subtree: opt("subtree", &q.subtree, parse_id)?.map(EntityId),
        group: q.group.clone().filter(|g| !g.trim().is_empty()),
        name_contains: q.q.clone().filter(|g| !g.trim().is_empty()),
    };
    Ok(Json(s.store.entities(&filter, q.paging.page()?).await?))
}

async fn one(State(s): State<AppState>, Path(id): Path<String>) -> Result<Json<Entity>, ApiError> {
    let id = parse_id(&id).map_err(ApiError::bad_request)?;
    s.store
        .entity(EntityId(id))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("主体 {id} 不存在")))
}
