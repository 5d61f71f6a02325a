//! How the work-item and request pages show an item: times in Beijing time and in Chinese
//! relative terms (还剩2天3小时, 3小时前), the deadline cell, the stage badge, and unit names.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, FixedOffset, Offset, TimeDelta, Utc};
use maud::{Markup, html};
use yiping_app::AppError;
use yiping_app::work_items::ItemView;
use yiping_kernel::EntityId;
use yiping_store::Store;

/// Beijing time, for every time shown.
fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

/// `2024-03-04 09:00` in Beijing time.
pub(crate) fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&beijing())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// A span in Chinese: `2天3小时`, `5小时20分钟`, `不到1分钟`.
pub(crate) fn span(d: TimeDelta) -> String {
    let mins = d.num_minutes().abs();
    let (days, hours, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    match (days, hours, m) {
        (0, 0, 0) => "不到1分钟".into(),
        (0, 0, m) => format!("{m}分钟"),
        (0, h, 0) => format!("{h}小时"),
        (0, h, m) => format!("{h}小时{m}分钟"),
        (d, 0, _) => format!("{d}天"),
        (d, _, _) if d >= 3 => format!("{d}天"),
        (d, h, _) => format!("{d}天{h}小时"),
    }
}

/// A deadline relative to now: `还剩2天3小时` or `已超期5小时`.
pub(crate) fn due_text(due: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if due >= now {
        format!("还剩{}", span(due - now))
    } else {
        format!("已超期{}", span(now - due))
    }
}

/// When something happened, relative to now: `3小时前`, `2天前`.
pub(crate) fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if at > now {
        return local(at);
    }
    let d = now - at;
    if d < TimeDelta::minutes(1) {
        "刚刚".into()
    } else {
        format!("{}前", span(d))
    }
}

/// The deadline cell of a list or summary: relative text with the exact time as a tooltip, and
/// the overdue / due-soon badges.
pub(crate) fn due_cell(v: &ItemView, now: DateTime<Utc>) -> Markup {
    html! {
        @if let Some(due) = v.due_at {
            span.due title=(local(due)) { (due_text(due, now)) }
            @if v.overdue { " " span.badge.overdue { "超期" } }
            @else if v.due_soon { " " span.badge.warn { "临期" } }
        } @else if let Some(closed) = v.closed_at {
            span.muted title=(local(closed)) {
                @match ago(closed, now).as_str() {
                    "刚刚" => "刚刚办结",
                    a => { "已于" (a) "办结" }
                }
            }
        } @else if v.suspended {
            span.muted { "已挂起，计时暂停" }
        } @else {
            span.muted { "—" }
        }
    }
}

/// The stage as a badge coloured by where it stands.
pub(crate) fn stage_badge(v: &ItemView) -> Markup {
    let class = if v.stage.is_terminal() {
        "done"
    } else if v.overdue {
        "overdue"
    } else {
        "open"
    };
    html! { span class={ "badge stage " (class) } { (v.stage_name) } }
}

/// The names of `ids`, read one by one (pages show a handful of units).
pub(crate) async fn names(
    store: &dyn Store,
    ids: impl IntoIterator<Item = EntityId>,
) -> Result<HashMap<EntityId, String>, AppError> {
    let ids: BTreeSet<EntityId> = ids.into_iter().collect();
    let mut out = HashMap::with_capacity(ids.len());
    for id in ids {
        if let Some(e) = store.entity(id).await? {
            out.insert(id, e.data.name);
        }
    }
    Ok(out)
}

/// A unit's name, or its id when unknown.
pub(crate) fn name_of(names: &HashMap<EntityId, String>, id: EntityId) -> String {
    names
        .get(&id)
        .cloned()
        .unwrap_or_else(|| format!("单位 {id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_deadlines_read_in_chinese() {
        let now = Utc::now();
        assert_eq!(span(TimeDelta::seconds(20)), "不到1分钟");
        assert_eq!(span(TimeDelta::minutes(90)), "1小时30分钟");
        assert_eq!(span(TimeDelta::hours(51)), "2天3小时");
        assert_eq!(span(TimeDelta::hours(48)), "2天");
        assert_eq!(span(TimeDelta::hours(100)), "4天");
        assert_eq!(due_text(now + TimeDelta::hours(5), now), "还剩5小时");
        assert_eq!(due_text(now - TimeDelta::hours(5), now), "已超期5小时");
        assert_eq!(ago(now - TimeDelta::days(3), now), "3天前");
    }
}
