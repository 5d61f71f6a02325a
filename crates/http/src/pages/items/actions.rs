//! The action forms of the item page (one per command the user may perform) and the reading of
//! a submitted form into the engine's [`Command`].

use std::collections::HashMap;

use maud::{Markup, html};
use yiping_app::work_items::ItemView;
use yiping_flow::{Command, CommandKind, Reason, Verification};
use yiping_kernel::EntityId;

use super::display::name_of;
use crate::pages::form::{FormData, csrf_field};

/// The units a dispatcher may choose from, the suggested one, and the unit of the item's clock
/// (for 申请延期).
#[derive(Debug, Clone, Default)]
pub(crate) struct Choices {
    pub units: Vec<(EntityId, String)>,
    pub suggested: Option<EntityId>,
    pub clock: &'static str,
}

/// The order of the actions on the page: the next step of the main line first, then the
/// detours, and the refusals (回退, 不予立案, 驳回, 撤销) last.
pub(crate) fn rank(kind: CommandKind) -> u8 {
    match kind {
        CommandKind::RequestExtension | CommandKind::Supervise | CommandKind::Remind => 1,
        CommandKind::Reject
        | CommandKind::Return
        | CommandKind::RefuseExtension
        | CommandKind::Cancel => 2,
        _ => 0,
    }
}

/// The form code of a command kind (`sign`, `request_extension`).
pub(crate) fn kind_code(kind: CommandKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn kind_of(code: &str) -> Option<CommandKind> {
    CommandKind::ALL.into_iter().find(|k| kind_code(*k) == code)
}

/// The Chinese name of a command by its form code.
pub(crate) fn kind_label(code: &str) -> Option<&'static str> {
    kind_of(code).map(CommandKind::label_zh)
}

/// 满意 / 基本满意 / 不满意 from the engine's two flags.
pub(crate) fn rating_label(satisfied: bool, solved: bool) -> &'static str {
    match (satisfied, solved) {
        (true, true) => "满意",
        (true, false) => "基本满意",
        (false, _) => "不满意",
    }
}

fn reason(form: &FormData, what: &str) -> Result<Reason, String> {
    let text = form.get("reason").ok_or_else(|| format!("请填写{what}"))?;
    Reason::new(text).map_err(|e| e.to_string())
}

fn unit(raw: &str) -> Result<EntityId, String> {
    raw.parse()
        .map(EntityId)
        .map_err(|_| format!("单位“{raw}”无效"))
}

/// The version the user read and the command of a submitted action form.
pub(crate) fn command_from(form: &FormData) -> Result<(u64, Command), String> {
    let version = form
        .get("version")
        .and_then(|v| v.parse().ok())
        .ok_or("表单缺少事项版本，请刷新页面后重试")?;
    let code = form.get("cmd").ok_or("表单缺少操作")?;
    let kind = kind_of(code).ok_or_else(|| format!("未知操作“{code}”"))?;
    let cmd = match kind {
        CommandKind::Register => Command::Register,
        CommandKind::Reject => Command::Reject {
            reason: reason(form, "不予立案的理由")?,
        },
        CommandKind::Dispatch => Command::Dispatch {
            unit: unit(form.get("unit").ok_or("请选择派遣单位")?)?,
        },
        CommandKind::FanOut => Command::FanOut {
            units: form.all("units").map(unit).collect::<Result<_, _>>()?,
        },
        CommandKind::Sign => Command::Sign,
        CommandKind::Return => Command::Return {
            reason: reason(form, "回退理由")?,
        },
        CommandKind::Adjudicate => Command::Adjudicate {
            unit: unit(form.get("unit").ok_or("请选择责任单位")?)?,
            reason: reason(form, "终审理由")?,
        },
        CommandKind::Handle => Command::Handle,
        CommandKind::Reply => Command::Reply {
            result: reason(form, "处置结果")?,
        },
        CommandKind::Verify => Command::Verify {
            outcome: match form.get("outcome") {
                Some("passed") => Verification::Passed,
                _ => Verification::Failed {
                    reason: reason(form, "核查不通过的理由")?,
                },
            },
        },
        CommandKind::Rate => {
            let (satisfied, solved) = match form.get("rating") {
                Some("satisfied") => (true, true),
                Some("basic") => (true, false),
                Some("dissatisfied") => (false, false),
                _ => return Err("请选择评价：满意、基本满意或不满意".into()),
            };
            Command::Rate { satisfied, solved }
        }
        CommandKind::Close => Command::Close,
        CommandKind::RequestExtension => Command::RequestExtension {
            amount: form
                .get("amount")
                .and_then(|a| a.parse().ok())
                .filter(|a| *a > 0)
                .ok_or("延期时长须为正整数")?,
            reason: reason(form, "延期理由")?,
        },
        CommandKind::ApproveExtension => Command::ApproveExtension,
        CommandKind::RefuseExtension => Command::RefuseExtension {
            reason: reason(form, "驳回理由")?,
        },
        CommandKind::Supervise => Command::Supervise {
            note: reason(form, "督办要求")?,
        },
        CommandKind::Remind => Command::Remind,
        CommandKind::Consolidate => Command::Consolidate,
        CommandKind::Cancel => Command::Cancel {
            reason: reason(form, "撤销理由")?,
        },
        other => return Err(format!("页面不提供“{}”操作", other.label_zh())),
    };
    Ok((version, cmd))
}

/// The form of one action on item `v`.
pub(crate) fn form(
    kind: CommandKind,
    v: &ItemView,
    csrf: &str,
    choices: &Choices,
    names: &HashMap<EntityId, String>,
) -> Markup {
    let code = kind_code(kind);
    let head = |cmd: &str| {
        html! {
            (csrf_field(csrf))
            input type="hidden" name="version" value=(v.version);
            input type="hidden" name="cmd" value=(cmd);
        }
    };
    let action = format!("/items/{}/act", v.id);
    let reason_box = |label: &str, required: bool| {
        html! {
            label.block { (label)
                textarea name="reason" rows="2" required[required] maxlength="2000" {}
            }
        }
    };
    let unit_select = |name: &str| {
        html! {
            select name=(name) required {
                @for (id, label) in &choices.units {
                    option value=(id) selected[Some(*id) == choices.suggested] { (label) }
                }
            }
        }
    };
    let button = |label: &str, class: &str| {
        html! { button type="submit" class=(class) data-testid={ "act-" (code) } { (label) } }
    };
    html! {
        @match kind {
            CommandKind::Verify => {
                form.act method="post" action=(action) {
                    (head(&code)) input type="hidden" name="outcome" value="passed";
                    button type="submit" data-testid="act-verify-passed" { "核查通过" }
                }
                form.act.secondary method="post" action=(action) {
                    (head(&code)) input type="hidden" name="outcome" value="failed";
                    (reason_box("不通过的理由", true))
                    button type="submit" class="danger" data-testid="act-verify-failed" { "核查不通过" }
                }
            }
            CommandKind::Rate => {
                form.act method="post" action=(action) {
                    (head(&code))
                    fieldset.rating {
                        legend { "评价办理结果" }
                        @for (value, label) in [("satisfied", "满意"), ("basic", "基本满意"), ("dissatisfied", "不满意")] {
                            label.radio { input type="radio" name="rating" value=(value) required; " " (label) }
                        }
                        label { "意见（可选）" textarea name="comment" rows="2" maxlength="500" {} }
                    }
                    @if v.closed_at.is_some() {
                        p.hint { "选择“不满意”将退回责任单位重办。" }
                    }
                    (button("提交评价", ""))
                }
            }
            CommandKind::Dispatch => {
                form.act method="post" action=(action) {
                    (head(&code))
                    label.block { "派遣至 " (unit_select("unit")) }
                    (button("派遣", ""))
                }
            }
            CommandKind::Adjudicate => {
                form.act method="post" action=(action) {
                    (head(&code))
                    label.block { "确定责任单位 " (unit_select("unit")) }
                    (reason_box("终审理由", true))
                    (button("终审", ""))
                }
            }
            CommandKind::FanOut => {
                form.act method="post" action=(action) {
                    (head(&code))
                    fieldset.units {
                        legend { "分派至多个单位" }
                        @for (id, label) in &choices.units {
                            label.check { input type="checkbox" name="units" value=(id); " " (label) }
                        }
                    }
                    (button("分派", ""))
                }
            }
            CommandKind::RequestExtension => {
                form.act method="post" action=(action) {
                    (head(&code))
                    label { "延期 " input type="number" name="amount" min="1" max="365" value="1" required; " 个" (if choices.clock.is_empty() { "计时单位" } else { choices.clock }) }
                    (reason_box("延期理由", true))
                    (button("申请延期", ""))
                }
            }
            CommandKind::Reply => {
                form.act method="post" action=(action) {
                    (head(&code))
                    (reason_box("处置结果", true))
                    (button("处置完毕，反馈结果", ""))
                }
            }
            CommandKind::Reject | CommandKind::Return | CommandKind::RefuseExtension
            | CommandKind::Cancel | CommandKind::Supervise => {
                form.act.secondary method="post" action=(action) {
                    (head(&code))
                    (reason_box(reason_label(kind), true))
                    (button(kind.label_zh(), if kind == CommandKind::Supervise { "" } else { "danger" }))
                }
            }
            _ => {
                form.act method="post" action=(action) {
                    (head(&code))
                    (button(&simple_label(kind, v, names), ""))
                }
            }
        }
    }
}

fn reason_label(kind: CommandKind) -> &'static str {
    match kind {
        CommandKind::Reject => "不予立案的理由",
        CommandKind::Return => "回退理由（派错单位、不属本单位职责等）",
        CommandKind::RefuseExtension => "驳回理由",
        CommandKind::Cancel => "撤销理由",
        _ => "督办要求",
    }
}

/// The button text of an action without data.
fn simple_label(kind: CommandKind, v: &ItemView, names: &HashMap<EntityId, String>) -> String {
    match kind {
        CommandKind::Handle => "开始处置".into(),
        CommandKind::Sign => format!(
            "签收（由{}办理）",
            name_of(names, v.assignee.unwrap_or(v.owner_unit))
        ),
        CommandKind::ApproveExtension => "批准延期".into(),
        CommandKind::Consolidate => "汇总各单位结果".into(),
        other => other.label_zh().into(),
    }
}
