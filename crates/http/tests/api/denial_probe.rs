//! The pieces of the write denial matrix (denial_writes.rs): what a probe sends, what it watches
//! to prove a refused request changed nothing, and how it is sent.

use std::collections::HashMap;

use serde_json::Value;
use yiping_kernel::{EntityId, IndicatorId, Measure, Period};
use yiping_store::{ObservationFilter, Page, WorkItemFilter};

use crate::helpers::*;

/// What a request sends.
pub(crate) enum Body {
    Json(Value),
    /// Urlencoded fields (the session's `_csrf` is added).
    Form(Vec<(String, String)>),
    /// One file field of a multipart form.
    File {
        field: &'static str,
        name: &'static str,
        text: String,
        /// The SHA-256 of a previewed file, sent as the `digest` field to apply it.
        digest: Option<String>,
    },
}

/// What a probe reads to prove that a refused request changed nothing.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Watch {
    /// How many work items exist.
    Items,
    /// The version of one work item.
    Version(i64),
    /// One stored value (entity, indicator, period) with its revision.
    Value(EntityId, IndicatorId, Period),
    /// When a scheme's period was last computed.
    Computed(&'static str, Period),
    /// The boundaries registered for a region's children.
    Map(EntityId),
    /// How many users exist.
    Users,
    /// Whether a user is active, and how many API tokens they have.
    User(&'static str),
    /// The stored configuration files and their texts.
    Config,
    /// How many entities, indicators and targets exist (the write API's master data).
    Catalog,
    /// How many notifications of a user are unread.
    Unread(&'static str),
    /// How many alert silences exist.
    Silences,
    /// A validation finding's follow-up, comment and who set them.
    Finding(i64),
    /// An outlier flag's review and note.
    Outlier(i64),
}

pub(crate) struct Write {
    pub(crate) method: &'static str,
    pub(crate) path: String,
    pub(crate) body: Body,
    pub(crate) allowed: &'static [&'static str],
    pub(crate) watch: Watch,
    /// Whether the users let through change what is watched (a preview writes nothing): proves
    /// the probe's request is one that works, so its refusals are refusals of a real write.
    pub(crate) writes: bool,
}

/// What `w` watches, as text to compare before and after a request.
pub(crate) async fn fingerprint(app: &TestApp, w: Watch) -> String {
    let s = app.store.as_ref();
    match w {
        Watch::Items => s
            .work_items(&WorkItemFilter::default(), Page::first(1))
            .await
            .unwrap()
            .total
            .to_string(),
        Watch::Version(id) => s
            .work_item(yiping_flow::ItemId(id))
            .await
            .unwrap()
            .map_or_else(|| "none".into(), |i| i.item.version.to_string()),
        Watch::Value(entity, indicator, period) => {
            let f = ObservationFilter {
                entities: Some(vec![entity]),
                indicators: Some(vec![indicator]),
                periods: Some(vec![period]),
                measure: Some(Measure::Value),
                ..ObservationFilter::default()
            };
            let page = s.observations(&f, Page::first(5)).await.unwrap();
            format!(
                "{:?}",
                page.items
                    .iter()
                    .map(|o| (o.value.value(), o.revision))
                    .collect::<Vec<_>>()
            )
        }
        Watch::Computed(scheme, period) => format!(
            "{:?}",
            s.evaluation_runs(Some(scheme))
                .await
                .unwrap()
                .iter()
                .find(|r| r.period == period)
                .map(|r| r.computed_at)
        ),
        Watch::Map(region) => format!("{:?}", s.region_map(region).await.unwrap()),
        Watch::Users => s.users().await.unwrap().len().to_string(),
        Watch::User(login) => {
            let u = s.user_by_login(login).await.unwrap().unwrap();
            let tokens = s.api_tokens(u.id).await.unwrap();
            let revoked = tokens.iter().filter(|t| t.revoked).count();
            format!("{} {} {revoked}", u.active, tokens.len())
        }
        Watch::Catalog => format!(
            "{} {} {}",
            s.all_entities().await.unwrap().len(),
            s.indicators().await.unwrap().len(),
            s.targets(&yiping_store::TargetFilter::default())
                .await
                .unwrap()
                .len()
        ),
        Watch::Silences => s.silences().await.unwrap().len().to_string(),
        Watch::Unread(login) => {
            let u = s.user_by_login(login).await.unwrap().unwrap();
            s.unread_notifications(u.id).await.unwrap().to_string()
        }
        Watch::Finding(id) => format!(
            "{:?}",
            s.finding(id)
                .await
                .unwrap()
                .map(|f| (f.follow_up, f.comment, f.updated_by))
        ),
        Watch::Outlier(id) => format!(
            "{:?}",
            s.outlier_flag(id)
                .await
                .unwrap()
                .map(|f| (f.review, f.note, f.reviewed_by))
        ),
        Watch::Config => format!(
            "{:?}",
            s.config_files()
                .await
                .unwrap()
                .iter()
                .map(|f| (f.name.clone(), f.body.clone()))
                .collect::<Vec<_>>()
        ),
    }
}

/// Sends a probe as `s` (cookie and CSRF token); a `{version}` in its body becomes `version`,
/// the current version of the item it acts on.
pub(crate) async fn send_write(app: &TestApp, s: &Session, w: &Write, version: &str) -> Reply {
    let headers = [
        ("Cookie", s.cookie.as_str()),
        ("X-CSRF-Token", s.csrf.as_str()),
    ];
    let body = match &w.body {
        Body::Json(v) => (
            "application/json".to_string(),
            v.to_string().replace("\"{version}\"", version),
        ),
        Body::Form(fields) => {
            let mut all: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            all.push(("_csrf", s.csrf.as_str()));
            let text = all
                .iter()
                .map(|(k, v)| {
                    let v = if *v == "{version}" { version } else { v };
                    format!("{}={}", enc(k), enc(v))
                })
                .collect::<Vec<_>>()
                .join("&");
            ("application/x-www-form-urlencoded".to_string(), text)
        }
        Body::File {
            field,
            name,
            text,
            digest,
        } => {
            let b = "----yipingmatrixboundary";
            let mut body = format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n{text}\r\n"
            );
            if let Some(d) = digest {
                body.push_str(&format!(
                    "--{b}\r\nContent-Disposition: form-data; name=\"digest\"\r\n\r\n{d}\r\n"
                ));
            }
            body.push_str(&format!("--{b}--\r\n"));
            (format!("multipart/form-data; boundary={b}"), body)
        }
    };
    send(app, w.method, &w.path, &headers, Some((&body.0, body.1))).await
}

/// An id by entity code.
pub(crate) fn id(ids: &HashMap<String, EntityId>, code: &str) -> EntityId {
    ids[code]
}

/// The Chinese message of a refusal page or error body, for failure reports.
pub(crate) fn excerpt(body: &str) -> String {
    let text = body
        .split("class=\"notice")
        .nth(1)
        .unwrap_or(body)
        .chars()
        .take(160)
        .collect::<String>();
    text.replace('\n', " ")
}
