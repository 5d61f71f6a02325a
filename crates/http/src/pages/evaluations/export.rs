//! `GET /evaluations/{scheme}/export?period=`: the league table as XLSX, grade and colour cells
//! filled, as `yiping export --league` writes it (`app::league::league_xlsx`), limited to the
//! rows of the user's unit subtree (ranks stay the scheme's overall ranks).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use yiping_app::league::league_xlsx;
use yiping_app::results::{self, LeagueQuery};

use super::table::PeriodQuery;
use super::{PageResult, internal, parse_period, refused};
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
    let Some(period) = parse_period(user, period)? else {
        return Err(crate::pages::error_page(
            &user.principal,
            &user.csrf,
            StatusCode::BAD_REQUEST,
            "请指定要导出的时期（period），如 2024Q3",
        ));
    };
    let league = results::league(
        s.store.as_ref(),
        &user.principal,
        scheme,
        &LeagueQuery::all(period),
    )
    .await
    .map_err(|e| refused(user, e))?;
    let stored = &league.scheme;
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
