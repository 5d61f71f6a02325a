//! The audit trail of changes that have no history of their own (observations keep their old
//! values in their own table; work items keep their full history): who did what to which target,
//! and when. Use cases record their own events; front ends call [`record`] only for a change they
//! made through a use case that does not record one itself.

use chrono::{DateTime, Utc};
use yiping_access::Principal;
use yiping_store::{AuditEvent, Store};

/// Records `action` on `target` by `who`. A failure to record is logged, not returned: the change
/// itself has already been made and committed, and the caller must not report it as failed.
pub async fn record(
    store: &dyn Store,
    who: &Principal,
    action: &str,
    target: &str,
    detail: String,
    at: DateTime<Utc>,
) {
    let event = AuditEvent {
        at,
        actor: who.login.clone(),
        action: action.to_string(),
        target: target.to_string(),
        detail,
    };
    if let Err(e) = store.record_audit(&event).await {
        tracing::error!(error = %e, action, target, "recording an audit event failed");
    }
}

/// The Chinese name of an audit action (`user.add` → 新增用户), for the pages; an action this
/// list does not know is shown as recorded.
pub fn action_label(action: &str) -> &str {
    match action {
        "user.add" => "新增用户",
        "user.passwd" => "重置密码",
        "user.enable" => "启用用户",
        "user.disable" => "停用用户",
        "token.issue" => "签发 API 令牌",
        "token.revoke" => "吊销 API 令牌",
        "scheme.add" => "新增评价方案",
        "scheme.update" => "修改评价方案",
        "evaluation.run" => "计算评价",
        "import.apply" => "导入数据",
        "observations.reopen" => "重新开放数据",
        "report.drafts" => "保存报表草稿",
        "map.upload" => "上传地图边界",
        "config.import" => "导入配置",
        a if a.starts_with("config.") => "修改配置",
        a => a,
    }
}

#[cfg(test)]
mod tests {
    use super::action_label;

    #[test]
    fn actions_read_in_chinese() {
        assert_eq!(action_label("user.add"), "新增用户");
        assert_eq!(action_label("config.save"), "修改配置");
        assert_eq!(action_label("新动作"), "新动作");
    }
}
