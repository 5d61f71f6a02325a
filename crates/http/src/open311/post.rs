//! `POST /open311/v2/requests.{json,xml}`: a public service request becomes a 事件 received
//! online by the city's platform. Checked as GeoReport v2 asks: the `api_key`, a known
//! `service_code`, a location (`lat` and `long`, `address_string` or `address_id`), a
//! `description` of at most 4,000 characters, and the service's attributes
//! (`attribute[code]=value`, `attribute[code][]=value` for a multivaluelist) against its
//! definition. `jurisdiction_id` is accepted and ignored (one jurisdiction per server). The
//! item is filed through the app's door (`door::file_public`), which places it in the
//! district whose boundaries contain `lat`/`long`. The answer is a list with the new
//! `service_request_id` and a `token`.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Form, Path, State};
use axum::response::Response;
use chrono::Utc;
use yiping_app::geo::ShippedMap;
use yiping_app::work_items::door::{self, PublicRequest};
use yiping_flow::UserId;
use yiping_store::ItemExtras;

use super::{Field, Open311Error, definitions, load, render, services, split};
use crate::AppState;

/// The boundaries of the demo city's districts shipped with the web assets, and the region
/// they belong to: where a reported point lies when no map was uploaded for the city.
const SHIPPED_MAP: &str = "maps/chongqing.geojson";
const SHIPPED_MAP_REGION: &str = "500000";

/// `attribute[CODE]` or `attribute[CODE][]` → `CODE`.
fn attribute_code(key: &str) -> Option<&str> {
    let inner = key.strip_prefix("attribute[")?;
    let inner = inner.strip_suffix("[]").unwrap_or(inner);
    inner.strip_suffix(']').filter(|c| !c.is_empty())
}

pub(super) async fn root_post(
    State(s): State<AppState>,
    Path(file): Path<String>,
    form: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Result<Response, Open311Error> {
    let (name, format) = split(&file)?;
    if name != "requests" {
        return Err(Open311Error::new(
            format,
            404,
            format!("不能向“{name}”提交"),
        ));
    }
    let Form(pairs) = form.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            Open311Error::new(format, 413, crate::limits::message("/open311/"))
        } else {
            Open311Error::new(format, 400, format!("请求内容无效：{}", e.body_text()))
        }
    })?;
    let mut f: HashMap<String, String> = HashMap::new();
    let mut posted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in pairs {
        match attribute_code(&k) {
            Some(code) => posted.entry(code.to_string()).or_default().push(v),
            None => {
                f.entry(k).or_insert(v);
            }
        }
    }
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
    let category = super::parse_service_code(code)
        .filter(|c| services(&setup).iter().any(|x| x.code == *c))
        .ok_or_else(|| bad(404, format!("服务代码“{code}”不存在")))?;
    let num = |k: &str| -> Result<Option<f64>, Open311Error> {
        match f.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| bad(400, format!("{k}“{v}”不是数字"))),
        }
    };
    let (lat, long) = (num("lat")?, num("long")?);
    let text = |k: &str| {
        f.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let address = text("address_string");
    let address_id = text("address_id");
    if (lat.is_none() || long.is_none()) && address.is_none() && address_id.is_none() {
        return Err(bad(
            400,
            "须提供位置：lat 和 long、address_string 或 address_id".into(),
        ));
    }
    // Its length (at most 4,000 characters, 413 beyond) is checked by the app's door, as for
    // every front end.
    let description = text("description");
    let attributes = match definitions(format)?.get(code) {
        Some(def) => def.check(&posted).map_err(|m| bad(400, m))?,
        None => match posted.keys().next() {
            Some(c) => {
                return Err(bad(
                    400,
                    format!("服务 {code} 没有属性，不接受 attribute[{c}]"),
                ));
            }
            None => BTreeMap::new(),
        },
    };
    if setup.city.is_none() {
        return Err(bad(500, "尚未建立城市主体，无法受理".into()));
    }
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
    let request = PublicRequest {
        title,
        category,
        requester,
        position: lat.zip(long),
        extras: ItemExtras {
            description,
            address,
            address_id,
            lat,
            long,
            media_url: text("media_url"),
            attributes,
            ..ItemExtras::default()
        },
    };
    let shipped = crate::assets::get_asset(SHIPPED_MAP)
        .and_then(|a| std::str::from_utf8(a.bytes).ok())
        .map(|geojson| ShippedMap {
            code: SHIPPED_MAP_REGION,
            geojson,
        });
    let store = s.store.as_ref();
    let created = door::file_public(store, &setup, request, shipped, Utc::now())
        .await
        .map_err(|e| Open311Error::from_app(format, e))?;
    let stored = created.item;
    let token = stored.extras.token.clone().unwrap_or_default();
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
