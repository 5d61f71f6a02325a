//! Downloads: the observations of the user's subtree (or a unit inside it) as CSV or XLSX, long
//! or wide, with a Chinese file name (RFC 6266 / RFC 5987 `filename*`).

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use yiping_access::Capability;
use yiping_app::AppError;
use yiping_app::data_files::export_bytes;
use yiping_app::export::ExportLayout;
use yiping_kernel::{Catalog, IndicatorMatch, Period};
use yiping_store::ObservationFilter;

use super::{PageResult, bad_request, failed, unit_in_scope};
use crate::AppState;
use crate::auth::PageUser;

#[derive(Debug, Deserialize)]
pub(super) struct ExportQuery {
    format: Option<String>,
    layout: Option<String>,
    period: Option<String>,
    indicator: Option<String>,
    unit: Option<String>,
}

/// `attachment` with an ASCII fallback and the UTF-8 name percent-encoded (RFC 5987).
pub(crate) fn content_disposition(name: &str, fallback: &str) -> String {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

fn list(text: Option<&str>) -> Vec<&str> {
    text.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.split([',', '，'])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

pub(super) async fn download(
    State(s): State<AppState>,
    user: PageUser,
    Query(q): Query<ExportQuery>,
) -> Response {
    match inner(&s, &user, &q).await {
        Ok(r) | Err(r) => r,
    }
}

async fn inner(s: &AppState, user: &PageUser, q: &ExportQuery) -> PageResult {
    let unit = unit_in_scope(s, user, q.unit.as_deref(), Capability::ViewData).await?;
    let xlsx = match q.format.as_deref().unwrap_or("xlsx") {
        "xlsx" | "" => true,
        "csv" => false,
        other => {
            return Err(bad_request(
                user,
                &format!("格式“{other}”无效：可选 xlsx 或 csv"),
            ));
        }
    };
    let layout = match q.layout.as_deref().unwrap_or("wide") {
        "wide" | "" => ExportLayout::Wide,
        "long" => ExportLayout::Long,
        other => {
            return Err(bad_request(
                user,
                &format!("版式“{other}”无效：可选 wide 或 long"),
            ));
        }
    };
    let periods = list(q.period.as_deref())
        .into_iter()
        .map(|t| {
            Period::parse(t, None).map_err(|e| bad_request(user, &format!("时期“{t}”无效：{e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let indicators = s.store.indicators().await.map_err(|e| failed(user, e))?;
    let catalog = Catalog::new(Vec::new(), indicators);
    let indicator_ids = list(q.indicator.as_deref())
        .into_iter()
        .map(|t| match catalog.find_indicator(t) {
            IndicatorMatch::One(id) => Ok(id),
            IndicatorMatch::None => Err(bad_request(user, &format!("没有指标“{t}”"))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let filter = ObservationFilter {
        subtree: Some(unit.id),
        periods: (!periods.is_empty()).then(|| periods.clone()),
        indicators: (!indicator_ids.is_empty()).then_some(indicator_ids),
        ..ObservationFilter::default()
    };
    let bytes = match export_bytes(s.store.as_ref(), &filter, layout, xlsx).await {
        Ok(b) => b,
        Err(AppError::Invalid(msg)) => {
            return Err(crate::pages::error_page(
                &user.principal,
                &user.csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                &msg.replace("--period", "“时期”"),
            ));
        }
        Err(e) => return Err(failed(user, e)),
    };
    let ext = if xlsx { "xlsx" } else { "csv" };
    let when = match periods.as_slice() {
        [p] => p.label_zh(),
        _ => String::new(),
    };
    let name = format!("{}{when}数据.{ext}", unit.data.name);
    let disposition = content_disposition(&name, &format!("yiping-data.{ext}"));
    let mime = if xlsx {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn chinese_file_names_are_percent_encoded_per_rfc_5987() {
        assert_eq!(
            content_disposition("渝中区数据.csv", "yiping-data.csv"),
            "attachment; filename=\"yiping-data.csv\"; filename*=UTF-8''%E6%B8%9D%E4%B8%AD%E5%8C%BA%E6%95%B0%E6%8D%AE.csv"
        );
    }
}
