//! `GET /evaluations/{scheme}/export?period=`: the league table as XLSX, grade and colour cells
//! filled, as `yiping export --league` writes it (`app::league::league_xlsx`), limited to the
//! rows of the user's unit subtree (ranks stay the scheme's overall ranks).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use yiping_app::AppError;
use yiping_app::league::{league_xlsx, load_league};
use yiping_kernel::Period;
use yiping_store::ResultFilter;

use super::table::PeriodQuery;
use super::{PageResult, internal, not_found, require_view, scheme_named};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::data::export::content_disposition;

pub(super) async fn download(
    State(s): State<AppState>,
    user: PageUser,
    Path(scheme): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    match inner(&s, &user, &scheme, q.period.as_deref()).await {
        Ok(r) | Err(r) => r,
    }
}

async fn inner(s: &AppState, user: &PageUser, scheme: &str, period: Option<&str>) -> PageResult {
    require_view(user)?;
    let stored = scheme_named(s, user, scheme).await?;
    let period = match period.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Period::parse(p, None).map_err(|e| {
            crate::pages::error_page(
                &user.principal,
                &user.csrf,
                StatusCode::BAD_REQUEST,
                &format!("时期“{p}”无效：{e}"),
            )
        })?,
        None => {
            return Err(crate::pages::error_page(
                &user.principal,
                &user.csrf,
                StatusCode::BAD_REQUEST,
                "请指定要导出的时期（period），如 2024Q3",
            ));
        }
    };
    let mut league = match load_league(
        s.store.as_ref(),
        &stored.code,
        period,
        &ResultFilter::default(),
        None,
    )
    .await
    {
        Ok(l) => l,
        Err(AppError::Invalid(_)) => {
            return Err(not_found(
                user,
                &format!("方案“{}”没有{}的评价结果", stored.name, period.label_zh()),
            ));
        }
        Err(e) => return Err(internal(user, e)),
    };
    league.rows.retain(|r| user.principal.sees(r.entity));
    let bytes = league_xlsx(&league).map_err(|e| internal(user, e))?;
    let name = format!("{}{}排名.xlsx", stored.name, period.label_zh());
    let fallback = format!("yiping-{}-{}.xlsx", stored.code, period.code());
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&name, &fallback)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
