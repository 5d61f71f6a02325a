//! Open311 GeoReport v2 under `/open311/v2/`: service discovery from the 部件 and 事件
//! categories, requests listed, read and posted (a post becomes a 事件 received online by the
//! city's platform), and tokens. Every resource answers in JSON or XML by its suffix; errors use
//! the specification's shape, a list of `{code, description}`.
//!
//! Service codes are the category codes written with dashes (`event-01-01` for 事件/01/01).
//! Services with a definition (`yiping_app::work_items::service_definitions`) list
//! `metadata: true` and answer their attributes at `services/{code}` ([`definitions`]).
//! Posting ([`post`]) needs the `api_key` configured on the server
//! ([`crate::AppState::with_open311_key`]).
//!
//! Lists (`GET requests`): `service_request_id` (a comma-separated list; the other parameters
//! are then ignored), `service_code` (comma-separated), `status` (`open`, `closed` or both,
//! comma-separated), `start_date` / `end_date` (W3C datetimes; one alone opens a 90-day window
//! from the start or up to the end, neither the last 90 days, a span over 90 days is refused
//! with 400), at most 1,000 requests, newest first. `jurisdiction_id` is accepted and ignored
//! everywhere: one server serves one jurisdiction.
//!
//! Access (decided for issue 5, when users and scopes arrived): Open311 stays outside the
//! sign-in. Posting is intake from outside, guarded by the `api_key` only; reading is public, as
//! the specification means it (anyone may follow a public service request). So that nothing
//! private leaks, reading shows only public requests — 事件 items (the 部件/事件 services), never
//! enterprise requests, problems, directives or service cases ([`is_public`]) — and only public
//! fields: no reporter or requester (the email or device id a client posted is kept for the
//! engine, never shown), no enterprise, and as `status_notes` only the texts meant for the
//! public (the handler's reply, the reason of 不予立案 or 撤销), never internal notes such as
//! 回退 reasons, 延期 requests or 督办 notes ([`public_note`]).

mod definitions;
mod error;
mod post;
mod xml;

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};
use yiping_app::work_items::FlowSetup;
use yiping_app::work_items::door as items_door;
use yiping_flow::{Category, CategoryCode, CategoryDomain, ItemId, ItemKind, Stage};
use yiping_kernel::EntityId;
use yiping_store::{StoredWorkItem, WorkItemFilter};

use crate::AppState;
use definitions::definitions;
use error::Open311Error;
use xml::Node;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(root_get).post(post::root_post))
        .route(
            "/open311/v2/services/{file}",
            get(definitions::service_definition),
        )
        .route("/open311/v2/requests/{file}", get(one_request))
        .route("/open311/v2/tokens/{file}", get(token))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// Splits `name.json` / `name.xml`.
fn split(file: &str) -> Result<(&str, Format), Open311Error> {
    let (name, ext) = file.rsplit_once('.').ok_or_else(|| {
        Open311Error::new(Format::Json, 404, "地址须以 .json 或 .xml 结尾".into())
    })?;
    let format = match ext {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => {
            return Err(Open311Error::new(
                Format::Json,
                404,
                format!("不支持的格式“{ext}”，应为 json 或 xml"),
            ));
        }
    };
    Ok((name, format))
}

/// A field value of a record.
#[derive(Debug, Clone)]
enum Field {
    Str(String),
    Opt(Option<String>),
    Int(i64),
    OptNum(Option<f64>),
    Bool(bool),
}

type Record = Vec<(&'static str, Field)>;

fn render(
    format: Format,
    root: &'static str,
    item: &'static str,
    records: Vec<Record>,
) -> Response {
    match format {
        Format::Json => {
            let list: Vec<Value> = records
                .into_iter()
                .map(|r| {
                    let mut m = Map::new();
                    for (k, v) in r {
                        let v = match v {
                            Field::Str(s) => Value::String(s),
                            Field::Opt(s) => s.map_or(Value::Null, Value::String),
                            Field::Int(n) => json!(n),
                            Field::OptNum(n) => n.map_or(Value::Null, |n| json!(n)),
                            Field::Bool(b) => Value::Bool(b),
                        };
                        m.insert(k.to_string(), v);
                    }
                    Value::Object(m)
                })
                .collect();
            axum::Json(Value::Array(list)).into_response()
        }
        Format::Xml => {
            let children = records
                .into_iter()
                .map(|r| {
                    Node::Parent(
                        item,
                        r.into_iter()
                            .map(|(k, v)| match v {
                                Field::Str(s) => Node::text(k, s),
                                Field::Opt(s) => Node::opt(k, s),
                                Field::Int(n) => Node::text(k, n),
                                Field::OptNum(n) => Node::opt(k, n),
                                Field::Bool(b) => Node::text(k, b),
                            })
                            .collect(),
                    )
                })
                .collect();
            xml_response(xml::document(&Node::Parent(root, children)))
        }
    }
}

fn xml_response(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        body,
    )
        .into_response()
}

/// `event-01-01` for 事件/01/01.
fn service_code(c: &CategoryCode) -> String {
    let domain = match c.domain() {
        CategoryDomain::Component => "component",
        CategoryDomain::Event => "event",
        CategoryDomain::Enterprise => "enterprise",
        CategoryDomain::Problem => "problem",
    };
    format!("{domain}-{}-{}", c.major(), c.minor())
}

fn parse_service_code(s: &str) -> Option<CategoryCode> {
    CategoryCode::parse(&s.replace('-', "/")).ok()
}

/// The categories offered to the public: 部件 and 事件.
fn services(setup: &FlowSetup) -> Vec<&Category> {
    setup
        .categories
        .iter()
        .filter(|c| c.code.domain().fits(yiping_flow::ItemKind::Event))
        .collect()
}

async fn load(s: &AppState, format: Format) -> Result<std::sync::Arc<FlowSetup>, Open311Error> {
    s.flow_setup()
        .await
        .map_err(|e| Open311Error::from_app(format, e))
}

/// A failure found before any Open311 handler ran (the caller's lookup), in Open311's shape
/// and the format the path asks for.
pub(crate) fn failure(path: &str, e: yiping_app::AppError) -> Response {
    let format = if path.ends_with(".xml") {
        Format::Xml
    } else {
        Format::Json
    };
    Open311Error::from_app(format, e).into_response()
}

async fn root_get(
    State(s): State<AppState>,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Open311Error> {
    let (name, format) = split(&file)?;
    match name {
        "services" => {
            let setup = load(&s, format).await?;
            let defs = definitions(format)?;
            let records =
                services(&setup)
                    .into_iter()
                    .map(|c| {
                        vec![
                            ("service_code", Field::Str(service_code(&c.code))),
                            ("service_name", Field::Str(c.minor_name.clone())),
                            (
                                "description",
                                Field::Str(c.close_condition.clone().unwrap_or_else(|| {
                                    format!("{}：{}", c.major_name, c.minor_name)
                                })),
                            ),
                            (
                                "metadata",
                                Field::Bool(defs.get(&service_code(&c.code)).is_some()),
                            ),
                            ("type", Field::Str("realtime".into())),
                            ("keywords", Field::Str(c.major_name.clone())),
                            ("group", Field::Str(c.code.domain().label_zh().into())),
                        ]
                    })
                    .collect();
            Ok(render(format, "services", "service", records))
        }
        "requests" => list_requests(&s, format, &q).await,
        _ => Err(Open311Error::new(
            format,
            404,
            format!("没有这个资源：{name}"),
        )),
    }
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The note of a history record that may be shown to the public.
fn public_note(r: &yiping_store::TransitionRecord) -> Option<String> {
    use yiping_flow::{Command, Step};
    match &r.entry.step {
        Step::Command(Command::Reply { .. } | Command::Reject { .. } | Command::Cancel { .. }) => {
            r.note.clone()
        }
        _ => None,
    }
}

fn request_record(
    stored: &StoredWorkItem,
    names: &HashMap<EntityId, String>,
    setup: &FlowSetup,
) -> Record {
    let item = &stored.item;
    let x = &stored.extras;
    let status = if item.stage.is_terminal() {
        "closed"
    } else {
        "open"
    };
    let notes = stored
        .records
        .iter()
        .rev()
        .find_map(public_note)
        .unwrap_or_else(|| item.stage.label_zh().to_string());
    let service_name = setup
        .categories
        .get(&item.category)
        .map(|c| c.minor_name.clone())
        .unwrap_or_default();
    let agency = item.assignee.unwrap_or(item.owner_unit);
    vec![
        ("service_request_id", Field::Str(item.id.to_string())),
        ("status", Field::Str(status.into())),
        ("status_notes", Field::Str(notes)),
        ("service_name", Field::Str(service_name)),
        ("service_code", Field::Str(service_code(&item.category))),
        (
            "description",
            Field::Str(x.description.clone().unwrap_or_else(|| item.title.clone())),
        ),
        (
            "agency_responsible",
            Field::Opt(names.get(&agency).cloned()),
        ),
        ("service_notice", Field::Opt(None)),
        ("requested_datetime", Field::Str(ts(item.received_at))),
        ("updated_datetime", Field::Str(ts(item.updated_at))),
        (
            "expected_datetime",
            Field::Opt(item.deadline(Stage::Closed).map(ts)),
        ),
        ("address", Field::Opt(x.address.clone())),
        ("address_id", Field::Opt(x.address_id.clone())),
        ("zipcode", Field::Opt(None)),
        ("lat", Field::OptNum(x.lat)),
        ("long", Field::OptNum(x.long)),
        ("media_url", Field::Opt(x.media_url.clone())),
    ]
}

async fn names(s: &AppState, format: Format) -> Result<HashMap<EntityId, String>, Open311Error> {
    Ok(s.store
        .all_entities()
        .await
        .map_err(|e| Open311Error::from_app(format, e.into()))?
        .into_iter()
        .map(|e| (e.id, e.data.name))
        .collect())
}

fn parse_time(format: Format, field: &str, s: &str) -> Result<DateTime<Utc>, Open311Error> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Open311Error::new(
                format,
                400,
                format!("{field}“{s}”无效，应为 W3C 时间（如 2024-03-04T09:00:00+08:00）"),
            )
        })
}

/// The GeoReport v2 window of a list: `start_date` and `end_date` as given; only one of them:
/// the 90 days after the start or before the end; neither: the last 90 days. A span over 90
/// days is refused (the specification lets a server limit it).
fn window(
    format: Format,
    q: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), Open311Error> {
    let get = |k: &str| q.get(k).filter(|v| !v.trim().is_empty());
    let start = get("start_date")
        .map(|v| parse_time(format, "start_date", v))
        .transpose()?;
    let end = get("end_date")
        .map(|v| parse_time(format, "end_date", v))
        .transpose()?;
    let span = TimeDelta::days(90);
    let (start, end) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, s + span),
        (None, Some(e)) => (e - span, e),
        (None, None) => (now - span, now),
    };
    if start > end {
        return Err(Open311Error::new(
            format,
            400,
            "start_date 晚于 end_date".into(),
        ));
    }
    if end - start > span {
        return Err(Open311Error::new(
            format,
            400,
            "start_date 与 end_date 相隔不能超过 90 天".into(),
        ));
    }
    Ok((start, end))
}

/// `status`: `open`, `closed` or both, comma-separated.
fn status_filter(
    format: Format,
    raw: Option<&String>,
    filter: &mut WorkItemFilter,
) -> Result<(), Open311Error> {
    let (mut open, mut closed) = (false, false);
    for part in raw.map(|v| v.split(',')).into_iter().flatten() {
        match part.trim() {
            "" => {}
            "open" => open = true,
            "closed" => closed = true,
            other => {
                return Err(Open311Error::new(
                    format,
                    400,
                    format!("status“{other}”无效，应为 open、closed 或以逗号分隔的两者"),
                ));
            }
        }
    }
    match (open, closed) {
        (true, false) => filter.open_only = true,
        (false, true) => filter.stages = vec![Stage::Closed, Stage::Rejected, Stage::Cancelled],
        _ => {}
    }
    Ok(())
}

/// The most requests one list returns.
const LIST_LIMIT: u32 = 1000;

async fn list_requests(
    s: &AppState,
    format: Format,
    q: &HashMap<String, String>,
) -> Result<Response, Open311Error> {
    let setup = load(s, format).await?;
    let mut filter = WorkItemFilter {
        kind: Some(ItemKind::Event),
        ..WorkItemFilter::default()
    };
    let bad = |m: String| Open311Error::new(format, 400, m);
    // `jurisdiction_id` is accepted and ignored: a server serves one jurisdiction.
    let mut codes = Vec::new();
    if let Some(ids) = q.get("service_request_id").filter(|v| !v.trim().is_empty()) {
        // The other parameters are ignored when ids are given (GeoReport v2).
        for raw in ids.split(',').filter(|r| !r.trim().is_empty()) {
            let id = raw
                .trim()
                .parse::<i64>()
                .map_err(|_| bad(format!("service_request_id“{raw}”无效")))?;
            filter.ids.push(ItemId(id));
        }
    } else {
        let (start, end) = window(format, q, Utc::now())?;
        filter.received_from = Some(start);
        filter.received_to = Some(end);
        for code in q
            .get("service_code")
            .map(|v| v.split(','))
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            let c = parse_service_code(code)
                .filter(|c| services(&setup).iter().any(|x| x.code == *c))
                .ok_or_else(|| bad(format!("service_code“{code}”无效")))?;
            codes.push(c.to_string());
        }
        status_filter(format, q.get("status"), &mut filter)?;
    }
    // One read per service code (none: one read of every code), merged newest first.
    let mut found: Vec<StoredWorkItem> = Vec::new();
    let prefixes: Vec<Option<String>> = if codes.is_empty() {
        vec![None]
    } else {
        codes.into_iter().map(Some).collect()
    };
    for prefix in prefixes {
        filter.category_prefix = prefix;
        let page = items_door::public_requests(s.store.as_ref(), &filter, LIST_LIMIT)
            .await
            .map_err(|e| Open311Error::from_app(format, e))?;
        found.extend(page);
    }
    found.sort_by_key(|x| std::cmp::Reverse((x.item.received_at, x.item.id.0)));
    found.dedup_by_key(|x| x.item.id);
    found.truncate(LIST_LIMIT as usize);
    let names = names(s, format).await?;
    let records = found
        .iter()
        .map(|x| request_record(x, &names, &setup))
        .collect();
    Ok(render(format, "service_requests", "request", records))
}

async fn one_request(
    State(s): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, Open311Error> {
    let (raw, format) = split(&file)?;
    let not_found = || Open311Error::new(format, 404, format!("请求“{raw}”不存在"));
    let id = raw.parse::<i64>().map_err(|_| not_found())?;
    let stored = items_door::public_request(s.store.as_ref(), ItemId(id))
        .await
        .map_err(|e| Open311Error::from_app(format, e))?
        .ok_or_else(not_found)?;
    let setup = load(&s, format).await?;
    let names = names(&s, format).await?;
    let record = request_record(&stored, &names, &setup);
    Ok(render(format, "service_requests", "request", vec![record]))
}

async fn token(
    State(s): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, Open311Error> {
    let (tok, format) = split(&file)?;
    let id = s
        .store
        .work_item_by_token(tok)
        .await
        .map_err(|e| Open311Error::from_app(format, e.into()))?
        .ok_or_else(|| Open311Error::new(format, 404, format!("令牌“{tok}”不存在")))?;
    Ok(render(
        format,
        "service_requests",
        "request",
        vec![vec![
            ("service_request_id", Field::Str(id.to_string())),
            ("token", Field::Str(tok.to_string())),
        ]],
    ))
}
