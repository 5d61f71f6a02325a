//! The lower parts of the item page: the deadlines still to be met, the history table (who,
//! which unit, when, from → to, note, time used on the item's clock, overdue) and the fan-out
//! progress of a directive (who signed, who replied).

use chrono::{DateTime, Utc};
use maud::{Markup, html};
use yiping_app::work_items::ItemView;
use yiping_flow::{CommandKind, Stage, Step, WorkItem, progress};
use yiping_kernel::EntityId;
use yiping_store::TransitionRecord;

use super::actions;
use super::display::{ago, due_text, local, name_of};
use super::view::Loaded;

/// The deadlines still to be met, with the clock they run on.
pub(super) fn deadlines(item: &WorkItem, now: DateTime<Utc>) -> Markup {
    let pending: Vec<(Stage, DateTime<Utc>)> = item
        .stage
        .pending_deadlines()
        .iter()
        .filter_map(|s| item.deadline(*s).map(|d| (*s, d)))
        .collect();
    html! {
        @if !pending.is_empty() {
            section.card.deadlines {
                h2 { "时限" span.sub { "按" (item.clock.label_zh()) "计时" } }
                @if let Some(x) = &item.suspension {
                    p.notice.warn { "事项已" (x.kind.label_zh()) "（" (x.explanation) "），计时暂停" }
                }
                table {
                    thead { tr { th { "环节" } th { "期限" } th { "剩余" } } }
                    tbody {
                        @for (stage, due) in &pending {
                            tr class=[(now > *due).then_some("overdue")] {
                                td { (stage.label_zh()) "期限" }
                                td { (local(*due)) }
                                td { (due_text(*due, now)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn step_label(r: &TransitionRecord) -> String {
    use yiping_flow::{Command, Verification};
    match &r.entry.step {
        Step::Received => "受理".into(),
        Step::ChildOf { parent, .. } => format!("由事项 {parent} 下发"),
        Step::Command(Command::Verify { outcome }) => match outcome {
            Verification::Passed => "核查通过".into(),
            Verification::Failed { .. } => "核查不通过".into(),
        },
        Step::Command(Command::Rate { satisfied, solved }) => {
            format!("评价：{}", actions::rating_label(*satisfied, *solved))
        }
        Step::Command(c) => c.kind().label_zh().into(),
    }
}

/// Who acted: the person's name (a login only when the user is gone) with their role.
fn actor_name(l: &Loaded, login: &str) -> String {
    l.people
        .get(login)
        .map_or_else(|| login.to_string(), |p| p.name.clone())
}

/// The unit an entry was recorded for; the person's own unit when the system acted for them.
fn actor_unit(l: &Loaded, login: &str, unit: EntityId) -> String {
    match l.people.get(login) {
        Some(p) if p.unit.is_none() => "—".to_string(),
        _ => name_of(&l.names, unit),
    }
}

pub(super) fn history(v: &ItemView, unit: &str, l: &Loaded) -> Markup {
    let records = v.history.as_deref().unwrap_or_default();
    // The heading names the unit; a step that leaves the stage as it was (催办, 督办, 升级)
    // used no time of its own and shows none.
    let clock = |r: &TransitionRecord| {
        r.clock_used
            .filter(|_| r.entry.from != r.entry.to)
            .map(|x| format!("{x:.1}"))
            .unwrap_or_default()
    };
    html! {
        section.card {
            h2 { "办理记录" }
            table.history data-testid="item-history" {
                thead { tr {
                    th { "时间" } th { "操作" } th { "操作人" } th { "单位" } th { "状态变化" }
                    th { "说明" } th.num { "用时（" (unit) "）" } th { "是否超期" }
                } }
                tbody {
                    @for r in records {
                        tr class=[r.overdue.then_some("overdue")] {
                            td { (local(r.entry.at)) }
                            td { (step_label(r)) }
                            td { (actor_name(l, r.entry.actor.user.as_str())) span.muted { "（" (r.entry.actor.role.label_zh()) "）" } }
                            td { (actor_unit(l, r.entry.actor.user.as_str(), r.entry.actor.unit)) }
                            td { (r.entry.from.label_zh()) " → " (r.entry.to.label_zh()) }
                            td.pre { (r.note.as_deref().unwrap_or("")) }
                            td.num { (clock(r)) }
                            td {
                                @match (r.overdue, r.entry.on_time) {
                                    (_, Some(false)) => span.badge.overdue { "超时" },
                                    (true, _) => span.badge.overdue { "超期" },
                                    (_, Some(true)) => span.badge.done { "按时" },
                                    _ => "",
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Who signed and who replied, per child of a fan-out.
pub(super) fn fan_out(l: &Loaded, now: DateTime<Utc>) -> Markup {
    let p = progress_of(l);
    let who = |c: &WorkItem, kind: CommandKind| {
        c.history
            .iter()
            .find(|e| matches!(&e.step, Step::Command(x) if x.kind() == kind))
            .map(|e| {
                format!(
                    "{}（{}）",
                    actor_name(l, e.actor.user.as_str()),
                    ago(e.at, now)
                )
            })
    };
    html! {
        section.card.fanout data-testid="fan-out" {
            h2 { "下发进度" }
            p { (p) }
            table {
                thead { tr {
                    th { "编号" } th { "单位" } th { "阶段" } th { "签收" } th { "反馈" } th { "期限" }
                } }
                tbody {
                    @for c in &l.children {
                        tr {
                            td { a href={ "/items/" (c.id) } { (c.id) } }
                            td { (name_of(&l.names, c.assignee.unwrap_or(c.owner_unit))) }
                            td { (c.stage.label_zh()) }
                            td { (who(c, CommandKind::Sign).unwrap_or_else(|| "未签收".into())) }
                            td { (who(c, CommandKind::Reply).unwrap_or_else(|| "未反馈".into())) }
                            td {
                                @if let Some(d) = c.deadline(Stage::Handling).filter(|_| !c.stage.is_terminal() && c.handled_at.is_none()) {
                                    (due_text(d, now))
                                } @else { "—" }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn progress_of(l: &Loaded) -> String {
    format!(
        "共下发 {} 个单位：{}",
        l.item.children,
        progress(&l.item, &l.children)
    )
}
