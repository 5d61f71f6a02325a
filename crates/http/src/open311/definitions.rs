//! `GET /open311/v2/services/{code}.{json,xml}`: a service's definition, the attributes a
//! request may carry (from `yiping_app::work_items::service_definitions`); a service without a
//! definition answers an empty attribute list.

use std::sync::OnceLock;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use yiping_app::work_items::service_definitions::{ServiceAttribute, ServiceDefinitions};

use super::xml::{self, Node};
use super::{Format, Open311Error, load, parse_service_code, services, split};
use crate::AppState;

/// The shipped definitions, parsed once.
pub(super) fn definitions(format: Format) -> Result<&'static ServiceDefinitions, Open311Error> {
    static DEFS: OnceLock<Result<ServiceDefinitions, String>> = OnceLock::new();
    DEFS.get_or_init(|| ServiceDefinitions::shipped().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| Open311Error::internal(format, e))
}

fn attribute_json(a: &ServiceAttribute) -> serde_json::Value {
    let mut v = json!({
        "variable": a.variable,
        "code": a.code,
        "datatype": a.datatype.as_str(),
        "required": a.required,
        "datatype_description": a.datatype_description,
        "order": a.order,
        "description": a.description,
    });
    if !a.values.is_empty() {
        v["values"] = json!(a.values);
    }
    v
}

fn attribute_xml(a: &ServiceAttribute) -> Node {
    let mut children = vec![
        Node::text("variable", a.variable),
        Node::text("code", &a.code),
        Node::text("datatype", a.datatype.as_str()),
        Node::text("required", a.required),
        Node::text("datatype_description", &a.datatype_description),
        Node::text("order", a.order),
        Node::text("description", &a.description),
    ];
    if !a.values.is_empty() {
        let values = a
            .values
            .iter()
            .map(|v| {
                Node::Parent(
                    "value",
                    vec![Node::text("key", &v.key), Node::text("name", &v.name)],
                )
            })
            .collect();
        children.push(Node::Parent("values", values));
    }
    Node::Parent("attribute", children)
}

pub(super) async fn service_definition(
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
    let attributes = definitions(format)?
        .get(code)
        .map(|d| d.attributes.as_slice())
        .unwrap_or_default();
    Ok(match format {
        Format::Json => axum::Json(json!({
            "service_code": code,
            "attributes": attributes.iter().map(attribute_json).collect::<Vec<_>>(),
        }))
        .into_response(),
        Format::Xml => super::xml_response(xml::document(&Node::Parent(
            "service_definition",
            vec![
                Node::text("service_code", code),
                Node::Parent("attributes", attributes.iter().map(attribute_xml).collect()),
            ],
        ))),
    })
}
