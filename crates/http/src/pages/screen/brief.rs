//! `GET /screen/{key}/brief?period=2024M09&format=docx|pdf`: the unit's 通报 for 1 to that
//! month as a download (`yiping_app::briefing::write`, the template `月度通报` unless `template`
//! names another), from the button on its screen.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use yiping_access::Capability;
use yiping_app::briefing::{self, Format};

use super::data::{self, ScreenError};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::pages::data::export::content_disposition;

#[derive(Debug, Deserialize)]
pub(super) struct BriefQuery {
    period: Option<String>,
    format: Option<String>,
    template: Option<String>,
}

pub(super) async fn download(
    State(s): State<AppState>,
    user: PageUser,
    Path(key): Path<String>,
    Query(q): Query<BriefQuery>,
) -> Response {
    match inner(&s, &user, &key, q).await {
        Ok(r) => r,
        Err(e) => e.page(&user.principal, &user.csrf),
    }
}

async fn inner(
    s: &AppState,
    user: &PageUser,
    key: &str,
    q: BriefQuery,
) -> Result<Response, PageError> {
    let p = &user.principal;
    p.require(Capability::ViewScreen)
        .map_err(ScreenError::Forbidden)?;
    let entity = data::resolve(s, key).await?;
    data::check(p, &entity)?;
    let month = data::month(s, q.period.as_deref()).await?;
    let format = match q.format.as_deref().unwrap_or("docx") {
        "docx" | "word" => Format::Docx,
        "pdf" => Format::Pdf,
        other => {
            return Err(ScreenError::Invalid(format!(
                "通报格式“{other}”无效：可选 docx（Word）或 pdf"
            ))
            .into());
        }
    };
    let template = q.template.as_deref().unwrap_or("月度通报");
    let written = briefing::write(
        s.store.as_ref(),
        p,
        entity.id,
        month,
        template,
        format,
        chrono::Utc::now(),
    )
    .await?;
    let fallback = format!(
        "yiping-brief-{}-{}.{}",
        key,
        month.code(),
        format.extension()
    );
    let mut resp = (StatusCode::OK, written.bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.mime()),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&written.file_name, &fallback)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
