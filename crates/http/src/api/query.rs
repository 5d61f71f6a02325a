//! Query-string helpers shared by the list endpoints.

use serde::Deserialize;
use yiping_store::Page;

use crate::ApiError;

/// `limit` and `offset`, with the store's bounds.
///
/// Fields are read as text and parsed here: serde cannot read numbers from a query string into
/// a flattened struct, and our messages name the parameter.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Paging {
    pub limit: Option<String>,
    pub offset: Option<String>,
}

impl Paging {
    pub fn page(&self) -> Result<Page, ApiError> {
        let limit = opt("limit", &self.limit, |s| {
            s.parse::<u32>().map_err(|_| format!("“{s}”不是整数"))
        })?
        .unwrap_or(Page::DEFAULT_LIMIT);
        if limit == 0 || limit > Page::MAX_LIMIT {
            return Err(ApiError::bad_request(format!(
                "参数 limit 应在 1—{} 之间",
                Page::MAX_LIMIT
            )));
        }
        // Databases count rows in signed 64 bits: a larger offset would wrap to the first page.
        let offset = opt("offset", &self.offset, |s| match s.parse::<u64>() {
            Ok(n) if i64::try_from(n).is_ok() => Ok(n),
            Ok(_) => Err(format!("“{s}”过大，最大为 {}", i64::MAX)),
            Err(_) => Err(format!("“{s}”不是非负整数")),
        })?;
        Ok(Page::new(limit, offset.unwrap_or(0)))
    }
}

/// A query string extractor whose rejection has the API's error shape.
#[derive(Debug)]
pub(crate) struct Q<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Q<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Q(q.0))
            .map_err(|e| ApiError::bad_request(format!("查询参数无效：{}", e.body_text())))
    }
}

/// Parses an optional field with a fallible parser, naming the field in the error.
pub(crate) fn opt<T, E: std::fmt::Display>(
    field: &str,
    v: &Option<String>,
    f: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>, ApiError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => f(s)
            .map(Some)
            .map_err(|e| ApiError::bad_request(format!("参数 {field}：{e}"))),
    }
}

pub(crate) fn parse_id(s: &str) -> Result<i64, String> {
    s.parse::<i64>().map_err(|_| format!("“{s}”不是有效的编号"))
}

/// The unit a filter names, by code (500103), name or alias (渝中区, 渝中) or internal id,
/// through the one resolver ([`yiping_app::units`]); an unknown unit is a 400 and an ambiguous
/// name a 422 listing the candidates, both naming the parameter.
pub(crate) async fn unit(
    store: &dyn yiping_store::Store,
    field: &str,
    v: &Option<String>,
) -> Result<Option<yiping_kernel::EntityId>, ApiError> {
    yiping_app::units::resolve_opt(store, v.as_deref())
        .await
        .map_err(|e| named(field, e))
}

/// [`unit`] for a path segment: an unknown unit is a 404.
pub(crate) async fn unit_path(
    store: &dyn yiping_store::Store,
    text: &str,
) -> Result<yiping_kernel::EntityId, ApiError> {
    Ok(yiping_app::units::resolve(store, text).await?)
}

fn named(field: &str, e: yiping_app::AppError) -> ApiError {
    use yiping_app::AppError;
    match e {
        AppError::NotFound(m) => ApiError::bad_request(format!("参数 {field}：{m}")),
        AppError::Invalid(m) => AppError::Invalid(format!("参数 {field}：{m}")).into(),
        other => other.into(),
    }
}
