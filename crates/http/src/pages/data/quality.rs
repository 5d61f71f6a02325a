//! The data-quality page (数据质量, under 数据): the validation findings of the user's subtree
//! with a follow-up flag and comment each, and the seasonal outlier flags, each with a small
//! chart of the same month in earlier years and the reviewer's confirm / dismiss. The use cases
//! are `app::validate` and `app::outliers`; this module draws and reads forms.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use maud::html;
use serde_json::json;
use yiping_access::Capability;
use yiping_kernel::EntityId;
use yiping_store::OutlierReview;

use super::{PageResult, bad_request, failed, require};
use crate::AppState;
use crate::auth::PageUser;
use crate::pages::form::{FormData, csrf_field};
use crate::pages::layout::{self, Nav};

pub(super) async fn show(State(s): State<AppState>, user: PageUser) -> Response {
    match page(&s, &user).await {
        Ok(r) | Err(r) => r,
    }
}

async fn page(s: &AppState, user: &PageUser) -> PageResult {
    require(user, Capability::ViewData)?;
    let p = &user.principal;
    let store = s.store.as_ref();
    let findings = yiping_app::validate::findings_as(store, p, None, None, false)
        .await
        .map_err(|e| failed(user, e))?;
    let flags = yiping_app::outliers::flags_as(store, p, None, false)
        .await
        .map_err(|e| failed(user, e))?;
    let names: HashMap<EntityId, String> = store
        .all_entities()
        .await
        .map_err(|e| failed(user, e))?
        .into_iter()
        .map(|e| (e.id, e.data.name))
        .collect();
    let indicators: HashMap<_, _> = store
        .indicators()
        .await
        .map_err(|e| failed(user, e))?
        .into_iter()
        .map(|i| (i.id, i.data.name))
        .collect();
    let may_follow = p.can(Capability::EnterData);
    let may_review = p.can(Capability::ManageCatalog);
    let charts: Vec<serde_json::Value> = flags
        .iter()
        .map(|f| {
            json!({
                "id": f.id,
                "years": f.data.history.iter().map(|h| format!("{}年", h.0)).chain([format!("{}年", f.data.period.year_number())]).collect::<Vec<_>>(),
                "values": f.data.history.iter().map(|h| h.1).chain([f.data.value]).collect::<Vec<_>>(),
            })
        })
        .collect();
    let body = html! {
        nav.crumbs { a href="/data" { "数据" } " / 数据质量" }
        h1 { "数据质量" }
        p.lead { "校验规则（系统配置中的 validation.toml）在录入和导入时检查数据：重要性为高的规则不通过则整份文件不导入；中、低的记为校验发现，由所属单位跟进。异常值按同月历史比较（季节指数的修正 Z 分数和均值 ± 2 倍标准差），由审核人确认或排除。" }
        section.card {
            h2 { "校验发现（" (findings.len()) "）" }
            @if findings.is_empty() {
                p { "暂无校验发现。" }
            } @else {
                table.data {
                    thead { tr { th { "单位" } th { "时期" } th { "重要性" } th { "说明" } th { "状态" } th { "跟进" } } }
                    tbody {
                        @for f in &findings {
                            tr {
                                td { (names.get(&f.data.entity).map_or("未知单位", String::as_str)) }
                                td { (f.data.period.label_zh()) }
                                td { (importance_zh(&f.data.importance)) }
                                td { (f.data.message) }
                                td { (if f.resolved { "已解决" } else { "待处理" }) }
                                td {
                                    @if may_follow && p.sees(f.data.entity) {
                                        form method="post" action={ "/data/quality/findings/" (f.id) } {
                                            (csrf_field(&user.csrf))
                                            label { input type="checkbox" name="follow_up" value="1" checked[f.follow_up]; " 跟进中" }
                                            input type="text" name="comment" value=(f.comment) placeholder="说明（如已联系核实）" maxlength="500";
                                            button type="submit" { "保存" }
                                        }
                                    } @else {
                                        (if f.follow_up { "跟进中" } else { "" }) " " (f.comment)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section.card {
            h2 { "异常值（" (flags.len()) "）" }
            @if flags.is_empty() {
                p { "暂无异常值标记。" }
            } @else {
                table.data {
                    thead { tr { th { "单位" } th { "指标" } th { "月份" } th { "当月值" } th { "同月历史" } th { "审核" } } }
                    tbody {
                        @for f in &flags {
                            tr {
                                td { (names.get(&f.data.entity).map_or("未知单位", String::as_str)) }
                                td { (indicators.get(&f.data.indicator).map_or("未知指标", String::as_str)) }
                                td { (f.data.period.year_number()) "年" (f.data.period.month_count().unwrap_or(0)) "月" }
                                td { (format!("{:.2}", f.data.value)) br; small { "季节指数 " (format!("{:.3}", f.data.index)) "，历史 " (format!("{:.3}—{:.3}", f.data.low, f.data.high)) } }
                                td { div.outlier-chart id={ "outlier-" (f.id) } style="width:220px;height:90px" role="img" aria-label="同月历史" {} }
                                td {
                                    (f.review.label_zh())
                                    @if may_review && p.sees(f.data.entity) {
                                        form method="post" action={ "/data/quality/outliers/" (f.id) } {
                                            (csrf_field(&user.csrf))
                                            input type="text" name="note" value=(f.note) placeholder="说明" maxlength="500";
                                            button type="submit" name="review" value="confirmed" { "确认异常" }
                                            button type="submit" name="review" value="dismissed" { "排除" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                (layout::json_data("outlier-charts", &json!(charts)))
            }
        }
    };
    let echarts = crate::assets::versioned("echarts.min.js");
    let js = crate::assets::versioned("quality.js");
    Ok(layout::page("数据质量", p, &user.csrf, Nav::Data, &[&echarts, &js], body).into_response())
}

fn importance_zh(s: &str) -> &'static str {
    yiping_eval::validation::Importance::parse(s).map_or("未知", |i| i.label_zh())
}

pub(super) async fn follow_up(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let form = FormData::parse(&String::from_utf8_lossy(&body));
    let Ok(id) = id.parse::<i64>() else {
        return bad_request(&user, "编号无效");
    };
    let follow = form.get("follow_up").is_some();
    let comment = form.get("comment").unwrap_or_default();
    match yiping_app::validate::annotate_as(
        s.store.as_ref(),
        &user.principal,
        id,
        follow,
        comment,
        Utc::now(),
    )
    .await
    {
        Ok(_) => Redirect::to("/data/quality").into_response(),
        Err(e) => failed(&user, e),
    }
}

pub(super) async fn review(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let form = FormData::parse(&String::from_utf8_lossy(&body));
    let Ok(id) = id.parse::<i64>() else {
        return bad_request(&user, "编号无效");
    };
    let Some(review) = form.get("review").and_then(OutlierReview::parse) else {
        return bad_request(&user, "请选择“确认异常”或“排除”");
    };
    let note = form.get("note").unwrap_or_default();
    match yiping_app::outliers::review_as(
        s.store.as_ref(),
        &user.principal,
        id,
        review,
        note,
        Utc::now(),
    )
    .await
    {
        Ok(_) => Redirect::to("/data/quality").into_response(),
        Err(e) => failed(&user, e),
    }
}
