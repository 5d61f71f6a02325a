//! `/alerts`: the alert instances of the units the user may see — rule, unit, state, the last
//! period read with its value, whether a silence covers it, and its history of states — and the
//! silences (who set them, why, from when until when).

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use maud::html;
use yiping_app::alerts;

use crate::AppState;
use crate::auth::PageUser;
use crate::error::PageError;
use crate::pages::items::display::local;
use crate::pages::layout::{Nav, page};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/alerts", get(list))
}

async fn list(
    State(s): State<AppState>,
    PageUser { principal: p, csrf }: PageUser,
) -> Result<Response, PageError> {
    let now = Utc::now();
    let (instances, silences) = alerts::instances(s.store.as_ref(), &p, now).await?;
    let body = html! {
        div.page-head { h1 { "预警状态" span.sub { (instances.len()) " 个预警实例" } } }
        @if instances.is_empty() {
            p.empty { "暂无预警实例。" }
        } @else {
            table.items data-testid="alert-instances" {
                thead { tr {
                    th { "预警规则" } th { "单位" } th { "状态" } th { "时期" } th { "数值" }
                    th { "静默" } th { "状态变化" }
                } }
                tbody { @for i in &instances {
                    tr {
                        td { (i.rule_name) }
                        td { (i.entity_name) }
                        td { span class={ "badge state-" (i.state) } { (i.state_label) } }
                        td { (i.period) }
                        td { @if let Some(v) = i.value { (v) } @else { "—" } }
                        td { @if i.silenced { "静默中" } }
                        td {
                            @for (n, (period, from, to)) in i.history.iter().enumerate() {
                                @if n > 0 { "；" }
                                (period) " " (from) "→" (to)
                            }
                        }
                    }
                } }
            }
        }
        h2 { "静默" }
        @if silences.is_empty() {
            p.empty { "没有静默。" }
        } @else {
            table.items data-testid="alert-silences" {
                thead { tr { th { "规则" } th { "开始" } th { "结束" } th { "原因" } th { "设置人" } th { "状态" } } }
                tbody { @for x in &silences {
                    tr {
                        td { (x.rule.as_deref().unwrap_or("全部规则")) }
                        td { (local(x.starts_at)) }
                        td { (local(x.ends_at)) }
                        td { (x.reason) }
                        td { (x.created_by) }
                        td { @if x.starts_at <= now && now < x.ends_at { "生效中" } @else if now >= x.ends_at { "已到期" } @else { "未开始" } }
                    }
                } }
            }
        }
    };
    Ok(page("预警状态", &p, &csrf, Nav::None, &[], body).into_response())
}
