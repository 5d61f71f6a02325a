//! Open311 GeoReport v2 under `/open311/v2/`: service discovery from the 部件 and 事件
//! categories, requests listed, read and posted (a post becomes a 事件 received online by the
//! city's platform), and tokens. Every resource answers in JSON or XML by its suffix; errors use
//! the specification's shape, a list of `{code, description}`.
//!
//! Service codes are the category codes written with dashes (`event-01-01` for 事件/01/01).
//! Posting needs the `api_key` configured on the server ([`crate::AppState::with_open311_key`]).
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

mod xml;

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};
use yiping_app::work_items::{self, CreateItem, FlowSetup};
use yiping_flow::{
    Actor, Category, CategoryCode, CategoryDomain, Channel, ItemId, ItemKind, Priority, UserId,
};
use yiping_kernel::EntityId;
use yiping_store::{ItemExtras, Page, StoredWorkItem, WorkItemFilter};

use crate::AppState;
use xml::Node;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/open311/v2/{file}", get(root_get).post(root_post))
        .route("/open311/v2/services/{file}", get(service_definition))
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

/// An error in the specification's shape.
#[derive(Debug)]
struct Open311Error {
    format: Format,
    status: u16,
    description: String,
}

impl Open311Error {
    fn new(format: Format, status: u16, description: String) -> Self {
        Self {
            format,
            status,
            description,
        }
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let fields = vec![
            ("code", Field::Int(i64::from(self.status))),
            ("description", Field::Str(self.description)),
        ];
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        let mut r = render(self.format, "errors", "error", vec![fields]);
        *r.status_mut() = status;
        r
    }
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
        .filter(|c| c.code.domain() != CategoryDomain::Enterprise)
        .collect()
}

fn internal(format: Format, e: impl std::fmt::Display) -> Open311Error {
    tracing::error!(error = %e, "open311 failure");
    Open311Error::new(format, 500, "服务器内部错误".into())
}

async fn load(s: &AppState, format: Format) -> Result<std::sync::Arc<FlowSetup>, Open311Error> {
    crate::api::work_items::load_setup(s)
        .await
        .map_err(|e| internal(format, e))
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
                            ("metadata", Field::Bool(false)),
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

async fn service_definition(
    State(s): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, Open311Error> {
    let (code, format) = split(&file)?;
    let setup = load(&s, format).await?;
    let known =
        parse_service_code(code).is_some_and(|c| services(&setup).iter().any(|x| x.code == c));
    if !known {
        return Err(Open311Error::new(
            format,
            404,
            format!("服务代码“{code}”不存在"),
        ));
    }
    Ok(match format {
        Format::Json => {
            axum::Json(json!({ "service_code": code, "attributes": [] })).into_response()
        }
        Format::Xml => xml_response(xml::document(&Node::Parent(
            "service_definition",
            vec![
                Node::text("service_code", code),
                Node::Parent("attributes", Vec::new()),
            ],
        ))),
    })
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Whether an item is a public service request (see the module docs).
fn is_public(item: &yiping_flow::WorkItem) -> bool {
    item.kind == ItemKind::Event && item.enterprise.is_none()
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
            Field::Opt(item.deadline(yiping_flow::Stage::Closed).map(ts)),
        ),
        ("address", Field::Opt(x.address.clone())),
        ("address_id", Field::Opt(None)),
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
        .map_err(|e| internal(format, e))?
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
    if let Some(ids) = q.get("service_request_id").filter(|v| !v.trim().is_empty()) {
        // The other parameters are ignored when ids are given (GeoReport v2).
        for raw in ids.split(',') {
            let id = raw
                .trim()
                .parse::<i64>()
                .map_err(|_| bad(format!("service_request_id“{raw}”无效")))?;
            filter.ids.push(ItemId(id));
        }
    } else {
        let end = match q.get("end_date") {
            Some(v) => parse_time(format, "end_date", v)?,
            None => Utc::now(),
        };
        let start = match q.get("start_date") {
            Some(v) => parse_time(format, "start_date", v)?,
            None => end - TimeDelta::days(90),
        };
        if start > end {
            return Err(bad("start_date 晚于 end_date".into()));
        }
        if end - start > TimeDelta::days(90) {
            return Err(bad("start_date 与 end_date 相隔不能超过 90 天".into()));
        }
        filter.received_from = Some(start);
        filter.received_to = Some(end);
        if let Some(code) = q.get("service_code").filter(|v| !v.trim().is_empty()) {
            let c =
                parse_service_code(code).ok_or_else(|| bad(format!("service_code“{code}”无效")))?;
            filter.category_prefix = Some(c.to_string());
        }
        match q.get("status").map(|v| v.trim()) {
            None | Some("") => {}
            Some("open") => filter.open_only = true,
            Some("closed") => {
                filter.stages = vec![
                    yiping_flow::Stage::Closed,
                    yiping_flow::Stage::Rejected,
                    yiping_flow::Stage::Cancelled,
                ];
            }
            Some(other) => return Err(bad(format!("status“{other}”无效，应为 open 或 closed"))),
        }
    }
    let page = s
        .store
        .work_items(&filter, Page::first(1000))
        .await
        .map_err(|e| internal(format, e))?;
    let names = names(s, format).await?;
    let records = page
        .items
        .iter()
        .filter(|x| is_public(&x.item))
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
    let stored = s
        .store
        .work_item(ItemId(id))
        .await
        .map_err(|e| internal(format, e))?
        .filter(|x| is_public(&x.item))
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
        .map_err(|e| internal(format, e))?
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

async fn root_post(
    State(s): State<AppState>,
    Path(file): Path<String>,
    form: Result<Form<HashMap<String, String>>, axum::extract::rejection::FormRejection>,
) -> Result<Response, Open311Error> {
    let (name, format) = split(&file)?;
    if name != "requests" {
        return Err(Open311Error::new(
            format,
            404,
            format!("不能向“{name}”提交"),
        ));
    }
    let Form(f) = form
        .map_err(|e| Open311Error::new(format, 400, format!("请求内容无效：{}", e.body_text())))?;
    let bad = |status: u16, m: String| Open311Error::new(format, status, m);
    match (&s.open311_key, f.get("api_key")) {
        (None, _) => return Err(bad(403, "服务器未配置 api_key，不接受提交".into())),
        (Some(_), None) => return Err(bad(403, "缺少 api_key".into())),
        (Some(k), Some(given)) if k != given => return Err(bad(403, "api_key 无效".into())),
        _ => {}
    }
    let code = f
        .get("service_code")
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| bad(400, "缺少 service_code".into()))?;
    let setup = load(&s, format).await?;
    let category = parse_service_code(code)
        .filter(|c| services(&setup).iter().any(|x| x.code == *c))
        .ok_or_else(|| bad(404, format!("服务代码“{code}”不存在")))?;
    let num = |k: &str| -> Result<Option<f64>, Open311Error> {
        match f.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse::<f64>()
                .map(Some)
                .map_err(|_| bad(400, format!("{k}“{v}”不是数字"))),
        }
    };
    let (lat, long) = (num("lat")?, num("long")?);
    let address = f
        .get("address_string")
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    if (lat.is_none() || long.is_none()) && address.is_none() {
        return Err(bad(
            400,
            "须提供位置：lat 和 long，或 address_string".into(),
        ));
    }
    let description = f
        .get("description")
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let city = setup
        .city
        .ok_or_else(|| bad(500, "尚未建立城市主体，无法受理".into()))?;
    let title: String = description
        .as_deref()
        .unwrap_or(
            &setup
                .categories
                .get(&category)
                .map(|c| c.minor_name.clone())
                .unwrap_or_default(),
        )
        .chars()
        .take(60)
        .collect();
    let requester = f
        .get("email")
        .or_else(|| f.get("device_id"))
        .and_then(|v| UserId::new(v.clone()).ok());
    let token = uuid::Uuid::new_v4().simple().to_string();
    let new = CreateItem {
        kind: ItemKind::Event,
        title,
        category,
        priority: Priority::Normal,
        channel: Channel::Online,
        receiving_unit: city,
        location: match (lat, long) {
            (Some(lat), Some(long)) => region_at(&s, city, lat, long).await,
            _ => None,
        },
        enterprise: None,
        reporter: None,
        requester,
        extras: ItemExtras {
            description,
            address,
            lat,
            long,
            media_url: f.get("media_url").cloned().filter(|v| !v.trim().is_empty()),
            token: Some(token.clone()),
            evaluation: None,
            ..ItemExtras::default()
        },
    };
    let actor = Actor::system(city);
    let stored = work_items::create(s.store.as_ref(), &setup, new, &actor, Utc::now())
        .await
        .map_err(|e| bad(400, e.to_string()))?;
    Ok(render(
        format,
        "service_requests",
        "request",
        vec![vec![
            ("service_request_id", Field::Str(stored.item.id.to_string())),
            ("token", Field::Str(token)),
            (
                "service_notice",
                Field::Str("已受理，将按分类时限办理".into()),
            ),
            ("account_id", Field::Opt(None)),
        ]],
    ))
}

/// The child region of the city whose registered boundaries contain the point (lat, long), so
/// that a public report is placed (and, failing a department, routed) by where it happened.
/// `None` when no boundaries are registered or the point lies outside them.
async fn region_at(
    s: &AppState,
    city: yiping_kernel::EntityId,
    lat: f64,
    long: f64,
) -> Option<yiping_kernel::EntityId> {
    let entity = s.store.entity(city).await.ok()??;
    let map = crate::pages::screen::data::children_map(s, &entity)
        .await
        .ok()??;
    let key = yiping_app::geo::feature_at(&map, long, lat)?["properties"]["key"]
        .as_str()?
        .to_string();
    crate::pages::screen::data::resolve(s, &key)
        .await
        .ok()
        .map(|e| e.id)
}
