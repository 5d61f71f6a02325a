//! The OpenAPI document of the JSON API, served at `GET /api/v1/openapi.json` (issue 21): every
//! write endpoint with Chinese examples, and the main read endpoints. It is built by utoipa from
//! the handlers' `#[utoipa::path]` annotations and the types' `ToSchema`, so it is compiled with
//! the routes it describes; a test checks that every `/api/v1` write route is in it.
//!
//! The items of a batch are read by the importer from JSON objects (`yiping_app::write_api`):
//! their schemas here ([`ObservationItem`] and the others) describe those objects, and a test
//! holds their fields to `BatchKind::fields`, the one list the importer uses.

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use yiping_app::write_api::{BatchKind, BatchSummary, ItemProblem, Recomputed};

use crate::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(document))
}

/// The document (public: it describes the routes, not data).
async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// An observation item: one value of an entity, indicator and period. The entity by code
/// (`entity_code`) or name (`entity`), the indicator likewise; the measure 总量 (default) or 增速.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"entity_code": "500101", "indicator_code": "FAI", "period": "2024M01-M06", "measure": "总量", "value": 765.43, "unit": "亿元", "status": "已报送"}))]
pub(crate) struct ObservationItem {
    /// 主体代码，例如 500101
    pub entity_code: Option<String>,
    /// 主体名称，例如 万州区
    pub entity: Option<String>,
    /// 指标代码，例如 FAI
    pub indicator_code: Option<String>,
    /// 指标名称或别名，例如 固定资产投资
    pub indicator: Option<String>,
    /// 时期：2024M06、2024M01-M06、2024Q1、2024年1—6月
    pub period: String,
    /// 口径：总量（默认）或 增速
    pub measure: Option<String>,
    /// 数值（数字，或按表格写法的文本）
    #[schema(value_type = f64)]
    pub value: serde_json::Value,
    /// 计量单位（与指标不同时按十进制换算，例如 万元 → 亿元）
    pub unit: Option<String>,
    /// 状态：草稿、已报送、已审核；省略时未改变的数值保留原状态
    pub status: Option<String>,
}

/// An entity item: a region, department or enterprise with its parent link from a date.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"kind": "地区", "code": "500101001", "name": "高笋塘街道", "level": 3, "parent_code": "500101", "parent_from": "2025-01-01", "aliases": ["高笋塘"]}))]
pub(crate) struct EntityItem {
    /// 类型：地区（默认）、部门、企业
    pub kind: Option<String>,
    pub code: Option<String>,
    /// 名称
    pub name: String,
    /// 别名（列表，或以分号分隔的文本）
    pub aliases: Option<Vec<String>>,
    /// 层级：1 市、2 区县、3 乡镇街道
    pub level: Option<u8>,
    /// 上级主体的代码
    pub parent_code: Option<String>,
    /// 上级关系的生效日期 YYYY-MM-DD（区划调整保留历史）
    pub parent_from: Option<String>,
    /// 上级关系的失效日期 YYYY-MM-DD
    pub parent_to: Option<String>,
    /// 分组（列表）
    pub groups: Option<Vec<String>>,
    /// 属性（JSON 对象）
    pub attributes: Option<std::collections::BTreeMap<String, serde_json::Value>>,
}

/// An indicator item: the catalogue entry of one indicator.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"code": "FAI", "name": "固定资产投资", "unit": "亿元", "frequency": "月", "kind": "累计值", "aggregation": "求和", "polarity": "越大越好", "decimals": 2, "department": "市统计局"}))]
pub(crate) struct IndicatorItem {
    pub code: String,
    pub name: String,
    pub aliases: Option<Vec<String>>,
    /// 计量单位，例如 亿元、%
    pub unit: Option<String>,
    /// 频率：周、月、季、年
    pub frequency: Option<String>,
    /// 类型：水平值、累计值、比率、增速
    pub kind: Option<String>,
    /// 汇总方式：求和、平均、加权平均、不汇总
    pub aggregation: Option<String>,
    /// 方向
    pub polarity: Option<String>,
    pub decimals: Option<u8>,
    pub definition: Option<String>,
    pub department: Option<String>,
    /// 约束性指标：是 / 否
    pub binding: Option<String>,
    /// 公式（派生指标），例如 GDP/POP
    pub formula: Option<String>,
    /// 取值范围：≥0、0—100、≤1
    pub range: Option<String>,
}

/// A target item: an entity's yearly target of an indicator, with an optional monthly plan.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"entity_code": "500101", "indicator_code": "FAI", "year": 2025, "kind": "增速", "value": 8.5}))]
pub(crate) struct TargetItem {
    pub entity_code: Option<String>,
    pub entity: Option<String>,
    pub indicator_code: Option<String>,
    pub indicator: Option<String>,
    pub year: i32,
    /// 目标类型：总量 或 增速
    pub kind: Option<String>,
    /// 目标值
    pub value: f64,
    /// 月度计划：12 个累计比例（0.08 … 1），省略为均匀
    pub monthly_plan: Option<Vec<f64>>,
}

/// A batch: `{"items": [...]}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ObservationBatch {
    pub items: Vec<ObservationItem>,
}
#[derive(Serialize, ToSchema)]
pub(crate) struct EntityBatch {
    pub items: Vec<EntityItem>,
}
#[derive(Serialize, ToSchema)]
pub(crate) struct IndicatorBatch {
    pub items: Vec<IndicatorItem>,
}
#[derive(Serialize, ToSchema)]
pub(crate) struct TargetBatch {
    pub items: Vec<TargetItem>,
}

/// The details of a refused batch.
#[derive(Serialize, ToSchema)]
pub(crate) struct RefusalDetails {
    /// How many items were refused.
    pub refused: usize,
    pub problems: Vec<ItemProblem>,
}

/// The API's error: `{"error": {"code", "message", "details"}}`.
#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorDetail {
    /// invalid、forbidden、too_large、unauthorized、conflict、unavailable …
    pub code: String,
    /// 中文说明
    pub message: String,
    pub details: Option<RefusalDetails>,
}
#[derive(Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    pub error: ErrorDetail,
}

/// The parameters of a batch route: `?dry_run` and the `Idempotency-Key` header.
pub(crate) struct BatchParams;

impl utoipa::IntoParams for BatchParams {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let param = |name: &str, at: ParameterIn, ty: Type, description: &str| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(at)
                .required(utoipa::openapi::Required::False)
                .description(Some(description))
                .schema(Some(ObjectBuilder::new().schema_type(ty)))
                .build()
        };
        vec![
            param(
                "dry_run",
                ParameterIn::Query,
                Type::Boolean,
                "为 true 时只检查并返回导入摘要，不写入",
            ),
            param(
                "Idempotency-Key",
                ParameterIn::Header,
                Type::String,
                "重试安全：同一用户用同一个键再次提交，返回第一次的答复（状态和内容）而不再写入，保留 24 小时；同一个键配不同的请求内容为 422",
            ),
        ]
    }
}

/// The answers of a batch route.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub(crate) enum BatchAnswers {
    /// 导入摘要（dry_run 时为将要做的）
    #[response(status = 200, example = json!({"kind": "observations", "dry_run": false, "items": 2, "inserted": 1, "updated": 1, "unchanged": 0, "refused": 0, "skipped_missing": 0, "changes": ["万州区 固定资产投资 2024年1—6月 总量：760.1 → 765.43"], "recomputed_schemes": [{"scheme": "ECONOMY_RACE", "period": "2024M01-M06", "period_label": "2024年1—6月"}], "recompute_failures": [], "derived_indicators": 0, "alerts_raised": 0, "warnings": []}))]
    Summary(#[to_schema] BatchSummary),
    /// 请求内容不是有效的 JSON，或参数无效
    #[response(status = 400)]
    BadRequest(#[to_schema] ErrorBody),
    /// 未提供或无效的 API 令牌
    #[response(status = 401)]
    Unauthorized(#[to_schema] ErrorBody),
    /// 角色无权写入，或某项超出本单位管辖范围（整批未写入，逐项列出）
    #[response(status = 403, example = json!({"error": {"code": "forbidden", "message": "1项超出本单位的管辖范围，整批未写入：第2项（items[1]）字段 entity_code：“渝中区”超出本单位（万州区）的管辖范围", "details": {"refused": 1, "problems": [{"index": 1, "field": "entity_code", "value": "渝中区", "reason": "超出本单位（万州区）的管辖范围", "message": "第2项（items[1]）字段 entity_code：“渝中区”超出本单位（万州区）的管辖范围"}]}}}))]
    Forbidden(#[to_schema] ErrorBody),
    /// 请求超过 8 MB 或超过 20000 项
    #[response(status = 413, example = json!({"error": {"code": "too_large", "message": "一次最多提交 20000 项，本次 25000 项，未作任何处理：请分批提交", "details": null}}))]
    TooLarge(#[to_schema] ErrorBody),
    /// 有问题的项（整批未写入，逐项列出序号、字段和原因），改动已审核数值，或 Idempotency-Key 已用于另一个请求
    #[response(status = 422, example = json!({"error": {"code": "invalid", "message": "1项有问题，整批未写入，数据库未作任何修改：第2项（items[1]）字段 value：“一百”不是数字", "details": {"refused": 1, "problems": [{"index": 1, "field": "value", "value": "一百", "reason": "不是数字", "message": "第2项（items[1]）字段 value：“一百”不是数字"}]}}}))]
    Invalid(#[to_schema] ErrorBody),
    /// 使用同一 Idempotency-Key 的上一个请求仍在处理中
    #[response(status = 409)]
    Conflict(#[to_schema] ErrorBody),
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "API 令牌：由管理员在“用户”页为用户签发，或 yiping token 命令签发",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "yiping 接口",
        version = "1",
        description = "一平台的 JSON 接口：读取主体、指标、数据和考评结果，批量写入数据、主体、指标和目标（与文件导入同一路径：全部或全不，逐项说明问题，已审核数值不被改动，写入后重算派生指标、考评和预警）。"
    ),
    paths(
        super::writes::observations,
        super::writes::entities,
        super::writes::indicators,
        super::writes::targets,
        super::work_items::create,
        super::work_items::transition,
        super::notifications::read,
        super::notifications::read_all,
        super::alert_states::silence,
        super::quality::annotate,
        super::quality::review,
        super::observations::list,
        super::entities::list,
        super::indicators::list,
        super::evaluations::results,
    ),
    components(schemas(
        ObservationItem, EntityItem, IndicatorItem, TargetItem, ObservationBatch, EntityBatch,
        IndicatorBatch, TargetBatch, BatchSummary, BatchKind, ItemProblem, Recomputed,
        ErrorBody, ErrorDetail, RefusalDetails
    )),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "写入", description = "批量写入：与文件导入相同的检查和保证"),
        (name = "读取", description = "主体、指标、数据与考评结果"),
        (name = "事项", description = "工单（事件、问题、企业吹哨）"),
        (name = "通知", description = "本人的通知"),
        (name = "预警", description = "预警状态与静默"),
        (name = "数据质量", description = "校验发现与季节性异常值")
    )
)]
pub(crate) struct ApiDoc;

#[cfg(test)]
mod tests {
    use super::*;

    fn properties(schema: &str) -> Vec<String> {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        doc["components"]["schemas"][schema]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn item_schemas_have_exactly_the_importers_fields() {
        for (schema, kind) in [
            ("ObservationItem", BatchKind::Observations),
            ("EntityItem", BatchKind::Entities),
            ("IndicatorItem", BatchKind::Indicators),
            ("TargetItem", BatchKind::Targets),
        ] {
            let mut fields: Vec<String> =
                kind.fields().iter().map(|(f, _)| f.to_string()).collect();
            fields.sort();
            let mut documented = properties(schema);
            documented.sort();
            assert_eq!(documented, fields, "{schema}");
        }
    }

    /// Every write route declared under `src/api` (a `post(`, `put(`, `patch(` or `delete(` in
    /// a route declaration) is a path of the document with that method.
    #[test]
    fn every_api_write_route_is_documented() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
        let mut found = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            // Spelled in two pieces so that this test is not itself read as declaring a route.
            let needle = format!(".{}(\"", "route");
            for part in text.split(needle.as_str()).skip(1) {
                let (path, rest) = part.split_once('"').unwrap();
                let call = rest.lines().next().unwrap_or(rest);
                for method in ["post", "put", "patch", "delete"] {
                    if call.contains(&format!("{method}(")) {
                        found += 1;
                        let full = format!("/api/v1{path}");
                        assert!(
                            doc["paths"][&full][method].is_object(),
                            "{method} {full} is not in openapi.json"
                        );
                    }
                }
            }
        }
        assert!(found >= 6, "{found}");
    }
}
