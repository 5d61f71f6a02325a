//! The report review page (报告读数): upload a written report (.txt, .docx, .pdf), see the facts
//! read out of it beside the text with each span highlighted, correct or drop them, and store the
//! confirmed ones as draft observations. The use cases are `app::reports::{review, store_drafts}`;
//! this module only reads the upload and the form and draws the answers.
//!
//! Nothing is kept on the server between reading and saving: the form carries the confirmed
//! fields, the file's name and the SHA-256 of its bytes (recorded in the audit trail).

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{Markup, html};
use yiping_access::{Capability, Role};
use yiping_app::AppError;
use yiping_app::data_files::OUT_OF_SCOPE;
use yiping_app::reports::{
    self, DraftFact, DraftsStored, MAX_DOCUMENT_BYTES, ReportContext, ReportReview, ReviewItem,
};
use yiping_kernel::Measure;

use super::{fragment, require};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::Failure;
use crate::pages::form::FormData;
use crate::pages::layout::{self, Nav};

pub(super) async fn show(user: PageUser) -> Response {
    if let Err(r) = require(&user, Capability::EnterData) {
        return r;
    }
    let p = &user.principal;
    // A reporter's reports speak for their own unit; others name the unit when it matters.
    let unit = if p.role == Role::Reporter {
        p.unit_name.clone()
    } else {
        String::new()
    };
    let body = html! {
        nav.crumbs { a href="/data" { "数据" } " / 报告读数" }
        h1 { "报告读数" }
        p.lead { "上传文字报告（.txt、.docx，或可提取文字的 .pdf），系统读出其中的指标数字，与原文并排显示。逐条核对、修改或取消勾选后保存：确认的数字存为“草稿”，来源记为该报告，不会覆盖已报送或已审核的数据。未经确认不保存任何数字。" }
        form #report-form.import hx-post="/data/reports/read" hx-encoding="multipart/form-data" hx-target="#report-review" {
            label for="file" { "选择报告" }
            input #file type="file" name="file" accept=".txt,.docx,.pdf" required;
            label for="period" { "报告期（原文未写明时使用，可空）" }
            input #period type="text" name="period" placeholder="如 2024年一季度、2024年1-9月";
            label for="unit" { "报告单位（句中未写明主体时使用，可空）" }
            input #unit type="text" name="unit" value=(unit) placeholder="如 渝中区 或 500103";
            button.primary type="submit" { "读出数字（不保存）" }
        }
        div #report-review aria-live="polite" {}
    };
    layout::page(
        "报告读数",
        &user.principal,
        &user.csrf,
        Nav::Data,
        &[],
        body,
    )
    .into_response()
}

/// The upload's file name and bytes, and the period and unit fields.
struct Upload {
    name: String,
    bytes: Vec<u8>,
    period: String,
    unit: String,
}

async fn read_upload(mut m: Multipart) -> Result<Upload, String> {
    let mut up = Upload {
        name: String::new(),
        bytes: Vec::new(),
        period: String::new(),
        unit: String::new(),
    };
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        format!("上传内容无法读取：{}", e.body_text())
    };
    while let Some(field) = m.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("file") => {
                up.name = field.file_name().unwrap_or("上传报告").to_string();
                let bytes = field.bytes().await.map_err(unreadable)?;
                if bytes.len() > MAX_DOCUMENT_BYTES {
                    return Err(format!(
                        "文件超过{}MB，不像是一份文字报告",
                        MAX_DOCUMENT_BYTES / 1024 / 1024
                    ));
                }
                up.bytes = bytes.to_vec();
            }
            Some("period") => up.period = field.text().await.unwrap_or_default(),
            Some("unit") => up.unit = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    if up.name.is_empty() {
        return Err("请选择要读取的报告".to_string());
    }
    Ok(up)
}

fn failure(e: AppError, what: &str) -> Response {
    if let AppError::Rejected { file, problems } = &e {
        // Facts of units outside the reviewer's scope are a refusal (403), as in the import.
        let status = if problems.iter().any(|p| p.reason.starts_with(OUT_OF_SCOPE)) {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return fragment(
            status,
            html! {
                (layout::notice("error", &format!("{file}：发现{}处问题，{what}，数据库未作任何修改。", problems.len())))
                table.data.problems {
                    thead { tr { th.num { "第几条" } th { "栏目" } th { "内容" } th { "原因" } } }
                    tbody {
                        @for p in problems {
                            tr {
                                td.num { (p.at.row) }
                                td { (p.at.column.as_deref().unwrap_or("—")) }
                                td { (p.value) }
                                td { (p.reason) }
                            }
                        }
                    }
                }
            },
        );
    }
    let f = Failure::from(e);
    fragment(
        f.status,
        layout::notice("error", &format!("{}（{what}）", f.message)),
    )
}

pub(super) async fn read(State(s): State<AppState>, user: PageUser, m: Multipart) -> Response {
    let up = match read_upload(m).await {
        Ok(up) => up,
        Err(msg) => return fragment(StatusCode::BAD_REQUEST, layout::notice("error", &msg)),
    };
    let about = ReportContext {
        period: Some(up.period.as_str()),
        unit: Some(up.unit.as_str()),
    };
    match reports::review(
        s.store.as_ref(),
        &user.principal,
        &up.name,
        &up.bytes,
        about,
    )
    .await
    {
        Ok(r) => fragment(StatusCode::OK, review_view(&r)),
        Err(e) => failure(e, "未读取"),
    }
}

pub(super) async fn save(State(s): State<AppState>, user: PageUser, body: String) -> Response {
    let form = FormData::parse(&body);
    let file = form.get("file").unwrap_or("上传报告").to_string();
    let digest = form.get("digest").unwrap_or_default().to_string();
    let field = |name: &str, i: &str| {
        form.get(&format!("{name}_{i}"))
            .unwrap_or_default()
            .to_string()
    };
    let facts: Vec<DraftFact> = form
        .all("keep")
        .map(|i| DraftFact {
            entity: field("entity", i),
            indicator: field("indicator", i),
            period: field("period", i),
            measure: match form.get(&format!("measure_{i}")) {
                Some("growth") => Some(Measure::Growth),
                Some("value") => Some(Measure::Value),
                _ => None,
            },
            value: field("value", i),
            unit: field("unit", i),
            text: field("text", i),
        })
        .collect();
    match reports::store_drafts(
        s.store.as_ref(),
        &user.principal,
        &file,
        &digest,
        &facts,
        Utc::now(),
    )
    .await
    {
        Ok(out) => fragment(StatusCode::OK, saved_view(&file, &out)),
        Err(e) => failure(e, "未保存"),
    }
}

fn saved_view(file: &str, out: &DraftsStored) -> Markup {
    let (ins, upd) = out
        .outcome
        .observations
        .as_ref()
        .map_or((0, 0), |r| (r.inserted, r.updated));
    html! {
        (layout::notice("ok", &format!(
            "已将《{file}》中确认的数字存为草稿：新增{ins}项，修改{upd}项，与库中相同{}项。状态为“草稿”，来源记为该报告。",
            out.unchanged
        )))
        @if !out.outcome.changes.is_empty() {
            ul.changes { @for c in &out.outcome.changes { li { (c) } } }
        }
    }
}

/// The report's text with the facts' spans marked, and the form of proposals beside it.
fn review_view(r: &ReportReview) -> Markup {
    let proposed = r.items.iter().filter(|i| i.proposed()).count();
    html! {
        @if r.items.is_empty() {
            (layout::notice("info", &format!("《{}》中没有读出指标数字。", r.file)))
        } @else {
            (layout::notice("info", &format!(
                "从《{}》读出{}条数字，其中{}条可直接保存（已勾选）。请对照原文核对，改正或取消勾选后点击“保存为草稿”。",
                r.file, r.items.len(), proposed
            )))
        }
        div.report-review {
            div.report-text { (marked_text(&r.text, &r.items)) }
            form #review-form hx-post="/data/reports/save" hx-target="#review-result" {
                input type="hidden" name="file" value=(r.file);
                input type="hidden" name="digest" value=(r.digest);
                table.data.review {
                    thead { tr {
                        th { "采用" } th.num { "#" } th { "原文" } th { "主体" } th { "指标" }
                        th { "时期" } th { "口径" } th.num { "数值" } th { "单位" } th { "说明" }
                    } }
                    tbody {
                        @for (i, item) in r.items.iter().enumerate() { (row(i, item)) }
                    }
                }
                @if !r.items.is_empty() {
                    button.primary type="submit" { "保存为草稿" }
                }
                div #review-result aria-live="polite" {}
            }
        }
    }
}

fn row(i: usize, item: &ReviewItem) -> Markup {
    let d = &item.draft;
    let id = i.to_string();
    html! {
        tr id=(format!("fact-row-{i}")) class=(if item.proposed() { "ok" } else { "warn" }) {
            td { input type="checkbox" name="keep" value=(id) checked[item.proposed()] aria-label=(format!("采用第{}条", i + 1)); }
            td.num { a href=(format!("#fact-{i}")) { (i + 1) } }
            td.span { (d.text) input type="hidden" name=(format!("text_{i}")) value=(d.text); }
            td { input type="text" size="8" name=(format!("entity_{i}")) value=(d.entity) aria-label="主体"; }
            td { input type="text" size="10" name=(format!("indicator_{i}")) value=(d.indicator) aria-label="指标"; }
            td { input type="text" size="9" name=(format!("period_{i}")) value=(d.period) aria-label="时期"; }
            td {
                select name=(format!("measure_{i}")) aria-label="口径" {
                    option value="value" selected[d.measure == Some(Measure::Value)] { "数值" }
                    option value="growth" selected[d.measure == Some(Measure::Growth)] { "增速" }
                    @if d.measure.is_none() { option value="" selected { "不存" } }
                }
            }
            td.num { input type="text" size="7" name=(format!("value_{i}")) value=(d.value) aria-label="数值"; }
            td { input type="text" size="4" name=(format!("unit_{i}")) value=(d.unit) aria-label="单位"; }
            td.note { (item.note.as_deref().unwrap_or("")) }
        }
    }
}

/// The text with each fact's span in a `mark` (spans that overlap an earlier one are left
/// unmarked; their row still names the text).
fn marked_text(text: &str, items: &[ReviewItem]) -> Markup {
    let segments = segments(text, items);
    html! {
        @for seg in segments {
            @match seg {
                Segment::Plain(t) => (t),
                Segment::Fact { index, ok, text } => {
                    mark id=(format!("fact-{index}")) class=(if ok { "fact ok" } else { "fact warn" }) title=(format!("第{}条", index + 1)) {
                        (text) sup { (index + 1) }
                    }
                }
            }
        }
    }
}

enum Segment<'a> {
    Plain(&'a str),
    Fact {
        index: usize,
        ok: bool,
        text: &'a str,
    },
}

/// The text cut at the facts' spans (character offsets), in order.
fn segments<'a>(text: &'a str, items: &[ReviewItem]) -> Vec<Segment<'a>> {
    let bytes_at: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    let byte_at = |c: usize| bytes_at.get(c).copied().unwrap_or(text.len());
    let mut spans: Vec<(usize, usize, usize, bool)> = items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            let start = it.fact.offset;
            (
                start,
                start + it.fact.text.chars().count(),
                i,
                it.proposed(),
            )
        })
        .collect();
    spans.sort();
    let mut out = Vec::new();
    let mut at = 0;
    for (start, end, index, ok) in spans {
        if start < at || end > bytes_at.len() {
            continue;
        }
        out.push(Segment::Plain(&text[byte_at(at)..byte_at(start)]));
        out.push(Segment::Fact {
            index,
            ok,
            text: &text[byte_at(start)..byte_at(end)],
        });
        at = end;
    }
    out.push(Segment::Plain(&text[byte_at(at)..]));
    out
}
