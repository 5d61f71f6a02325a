//! Open311 GeoReport v2 service definitions: the attributes a public request of a service may
//! carry (`attribute[code]=value` when posting), as data in `service_definitions.toml`, checked
//! with errors that name the field. [`ServiceDefinition::check`] validates what was posted
//! (required attributes, allowed values of lists, numbers, W3C datetimes) and returns the values
//! to keep in the item's extras.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use yiping_flow::{CategoryBook, CategoryCode, ItemKind};

use crate::AppError;

/// The shipped definitions.
pub const SERVICE_DEFINITIONS_TOML: &str = include_str!("service_definitions.toml");

/// An attribute's data type, as GeoReport v2 names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Datatype {
    String,
    Number,
    Datetime,
    Text,
    Singlevaluelist,
    Multivaluelist,
}

impl Datatype {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Datetime => "datetime",
            Self::Text => "text",
            Self::Singlevaluelist => "singlevaluelist",
            Self::Multivaluelist => "multivaluelist",
        }
    }

    fn is_list(self) -> bool {
        matches!(self, Self::Singlevaluelist | Self::Multivaluelist)
    }
}

/// One allowed value of a list attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeValue {
    pub key: String,
    pub name: String,
}

/// One attribute of a service definition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceAttribute {
    /// Whether the client supplies a value (false: an informational text only).
    pub variable: bool,
    pub code: String,
    pub datatype: Datatype,
    pub required: bool,
    pub datatype_description: String,
    pub order: u32,
    pub description: String,
    pub values: Vec<AttributeValue>,
}

/// The attributes of one service, in their order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceDefinition {
    pub service_code: String,
    pub attributes: Vec<ServiceAttribute>,
}

/// Every service definition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceDefinitions(Vec<ServiceDefinition>);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    services: Vec<RawService>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    service_code: Option<String>,
    #[serde(default)]
    attributes: Vec<RawAttribute>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttribute {
    variable: Option<bool>,
    code: Option<String>,
    datatype: Option<String>,
    required: Option<bool>,
    datatype_description: Option<String>,
    order: Option<i64>,
    description: Option<String>,
    #[serde(default)]
    values: Vec<AttributeValue>,
}

fn check_attribute(errors: &mut Vec<String>, p: &str, r: RawAttribute) -> ServiceAttribute {
    let mut err = |field: &str, m: String| errors.push(format!("{p}.{field}: {m}"));
    let code = r.code.unwrap_or_default().trim().to_string();
    if code.is_empty() {
        err("code", "缺少属性代码".into());
    } else if !code
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        err("code", format!("属性代码“{code}”只能含字母、数字、_ 和 -"));
    }
    let datatype = match r.datatype.as_deref().map(str::trim) {
        Some(t) => serde_json::from_value(serde_json::Value::String(t.to_string()))
            .unwrap_or_else(|_| {
                err(
                    "datatype",
                    format!("数据类型“{t}”无效：可选 string、number、datetime、text、singlevaluelist、multivaluelist"),
                );
                Datatype::String
            }),
        None => {
            err("datatype", "缺少数据类型".into());
            Datatype::String
        }
    };
    let order = match r.order {
        Some(o) if o >= 1 && o <= i64::from(u32::MAX) => o as u32,
        Some(_) => {
            err("order", "显示顺序须为正整数".into());
            1
        }
        None => {
            err("order", "缺少显示顺序".into());
            1
        }
    };
    let description = r.description.unwrap_or_default().trim().to_string();
    if description.is_empty() {
        err("description", "缺少说明".into());
    }
    if datatype.is_list() {
        if r.values.is_empty() {
            err("values", format!("{} 须列出可选值", datatype.as_str()));
        }
        for (i, v) in r.values.iter().enumerate() {
            if v.key.trim().is_empty() || v.name.trim().is_empty() {
                err(
                    &format!("values[{i}]"),
                    "可选值的 key 和 name 不能为空".into(),
                );
            }
            if r.values[..i].iter().any(|w| w.key == v.key) {
                err(
                    &format!("values[{i}].key"),
                    format!("可选值“{}”重复", v.key),
                );
            }
        }
    } else if !r.values.is_empty() {
        err("values", format!("{} 类型不使用可选值", datatype.as_str()));
    }
    ServiceAttribute {
        variable: r.variable.unwrap_or(true),
        code,
        datatype,
        required: r.required.unwrap_or(false),
        datatype_description: r.datatype_description.unwrap_or_default(),
        order,
        description,
        values: r.values,
    }
}

/// The category a service code (`event-01-01`) names, if it is a public one in `book`.
pub fn public_category(book: &CategoryBook, service_code: &str) -> Option<CategoryCode> {
    CategoryCode::parse(&service_code.replace('-', "/"))
        .ok()
        .filter(|c| c.domain().fits(ItemKind::Event) && book.get(c).is_some())
}

impl ServiceDefinitions {
    /// Parses and checks definitions; each service must be a public category of `book`.
    pub fn from_toml_str(text: &str, book: &CategoryBook) -> Result<Self, AppError> {
        let raw: RawFile = toml::from_str(text)
            .map_err(|e| AppError::invalid(format!("服务定义文件格式错误：{e}")))?;
        let mut errors = Vec::new();
        let mut out: Vec<ServiceDefinition> = Vec::new();
        for (i, s) in raw.services.into_iter().enumerate() {
            let p = format!("services[{i}]");
            let code = s.service_code.unwrap_or_default().trim().to_string();
            if public_category(book, &code).is_none() {
                errors.push(format!(
                    "{p}.service_code: “{code}”不是公开服务（部件、事件）的代码"
                ));
            } else if out.iter().any(|d| d.service_code == code) {
                errors.push(format!("{p}.service_code: 服务“{code}”重复"));
            }
            let mut attributes: Vec<ServiceAttribute> = Vec::new();
            for (j, a) in s.attributes.into_iter().enumerate() {
                let ap = format!("{p}.attributes[{j}]");
                let a = check_attribute(&mut errors, &ap, a);
                if attributes.iter().any(|b| b.code == a.code) {
                    errors.push(format!("{ap}.code: 属性“{}”重复", a.code));
                }
                if attributes.iter().any(|b| b.order == a.order) {
                    errors.push(format!("{ap}.order: 显示顺序{}重复", a.order));
                }
                attributes.push(a);
            }
            attributes.sort_by_key(|a| a.order);
            out.push(ServiceDefinition {
                service_code: code,
                attributes,
            });
        }
        if errors.is_empty() {
            Ok(Self(out))
        } else {
            Err(AppError::invalid(format!(
                "服务定义有误：{}",
                errors.join("；")
            )))
        }
    }

    /// The shipped definitions, checked against the shipped categories.
    pub fn shipped() -> Result<Self, AppError> {
        let book = CategoryBook::from_toml_str(super::CATEGORIES_TOML)
            .map_err(|e| AppError::invalid(format!("事项分类表无效：{e}")))?;
        Self::from_toml_str(SERVICE_DEFINITIONS_TOML, &book)
    }

    pub fn get(&self, service_code: &str) -> Option<&ServiceDefinition> {
        self.0.iter().find(|d| d.service_code == service_code)
    }
}

impl ServiceDefinition {
    /// Checks posted attribute values (by code; empty values are dropped) and returns those to
    /// keep, or the first problem in Chinese naming `attribute[code]`.
    pub fn check(
        &self,
        posted: &BTreeMap<String, Vec<String>>,
    ) -> Result<BTreeMap<String, Vec<String>>, String> {
        let mut kept = BTreeMap::new();
        for (code, values) in posted {
            let values: Vec<String> = values
                .iter()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            let Some(a) = self.attributes.iter().find(|a| a.code == *code) else {
                return Err(format!(
                    "attribute[{code}] 不是服务 {} 的属性",
                    self.service_code
                ));
            };
            if values.is_empty() {
                continue;
            }
            if !a.variable {
                return Err(format!("attribute[{code}] 仅为说明，不接受填写"));
            }
            if a.datatype != Datatype::Multivaluelist && values.len() > 1 {
                return Err(format!("attribute[{code}] 只能有一个值"));
            }
            for v in &values {
                check_value(a, v)?;
            }
            kept.insert(code.clone(), values);
        }
        if let Some(a) = self
            .attributes
            .iter()
            .find(|a| a.variable && a.required && !kept.contains_key(&a.code))
        {
            return Err(format!(
                "缺少必填属性 attribute[{}]（{}）",
                a.code, a.description
            ));
        }
        Ok(kept)
    }
}

fn check_value(a: &ServiceAttribute, v: &str) -> Result<(), String> {
    let ok = match a.datatype {
        Datatype::String | Datatype::Text => true,
        Datatype::Number => v.parse::<f64>().is_ok_and(f64::is_finite),
        Datatype::Datetime => chrono::DateTime::parse_from_rfc3339(v).is_ok(),
        Datatype::Singlevaluelist | Datatype::Multivaluelist => a.values.iter().any(|x| x.key == v),
    };
    if ok {
        return Ok(());
    }
    Err(match a.datatype {
        Datatype::Number => format!("attribute[{}]“{v}”不是数字", a.code),
        Datatype::Datetime => format!(
            "attribute[{}]“{v}”不是 W3C 时间（如 2024-03-04T09:00:00+08:00）",
            a.code
        ),
        _ => format!(
            "attribute[{}]“{v}”无效：可选 {}",
            a.code,
            a.values
                .iter()
                .map(|x| x.key.as_str())
                .collect::<Vec<_>>()
                .join("、")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<String>> {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            m.entry(k.to_string()).or_default().push(v.to_string());
        }
        m
    }

    #[test]
    fn the_shipped_definition_checks_required_values_and_types() {
        let defs = ServiceDefinitions::shipped().unwrap();
        let d = defs.get("event-01-01").unwrap();
        let orders: Vec<u32> = d.attributes.iter().map(|a| a.order).collect();
        assert_eq!(orders, [1, 2, 3]);
        let kept = d
            .check(&posted(&[
                ("AMOUNT", "large"),
                ("DAYS", " 3 "),
                ("HAZARD", "odour"),
                ("HAZARD", "sharp"),
            ]))
            .unwrap();
        assert_eq!(kept["DAYS"], ["3"]);
        assert_eq!(kept["HAZARD"], ["odour", "sharp"]);
        let e = d.check(&posted(&[("DAYS", "2")])).unwrap_err();
        assert_eq!(e, "缺少必填属性 attribute[AMOUNT]（垃圾大约有多少？）");
        let e = d.check(&posted(&[("AMOUNT", "huge")])).unwrap_err();
        assert_eq!(e, "attribute[AMOUNT]“huge”无效：可选 small、medium、large");
        let e = d
            .check(&posted(&[("AMOUNT", "small"), ("DAYS", "三")]))
            .unwrap_err();
        assert!(e.contains("attribute[DAYS]“三”不是数字"), "{e}");
        let e = d
            .check(&posted(&[("AMOUNT", "small"), ("AMOUNT", "large")]))
            .unwrap_err();
        assert!(e.contains("只能有一个值"), "{e}");
        let e = d
            .check(&posted(&[("AMOUNT", "small"), ("COLOUR", "red")]))
            .unwrap_err();
        assert!(
            e.contains("attribute[COLOUR] 不是服务 event-01-01 的属性"),
            "{e}"
        );
        assert!(defs.get("event-01-02").is_none());
    }

    #[test]
    fn definitions_are_refused_with_the_field_path() {
        let book = CategoryBook::from_toml_str(super::super::CATEGORIES_TOML).unwrap();
        let text = r#"
[[services]]
service_code = "enterprise-01-01"

[[services]]
service_code = "event-01-01"
[[services.attributes]]
code = "A"
datatype = "singlevaluelist"
order = 1
description = "甲"
[[services.attributes]]
code = "A"
datatype = "colour"
order = 1
"#;
        let e = ServiceDefinitions::from_toml_str(text, &book)
            .unwrap_err()
            .to_string();
        for part in [
            "services[0].service_code: “enterprise-01-01”不是公开服务",
            "services[1].attributes[0].values: singlevaluelist 须列出可选值",
            "services[1].attributes[1].datatype: 数据类型“colour”无效",
            "services[1].attributes[1].description: 缺少说明",
            "services[1].attributes[1].code: 属性“A”重复",
            "services[1].attributes[1].order: 显示顺序1重复",
        ] {
            assert!(e.contains(part), "{part} in {e}");
        }
    }
}
