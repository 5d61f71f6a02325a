//! The import page: upload a CSV or XLSX (htmx multipart, so the CSRF header goes along), see a
//! dry run (new, changed and unchanged counts, the first changes by name) or the error report
//! (file, sheet, row, column, value, reason), then confirm.
//!
//! Nothing is kept on the server between the two steps: the confirmation sends the same file
//! again with the SHA-256 of the previewed bytes, and a file that differs from the preview is
//! refused. Every row must belong to a unit in the uploader's subtree, or the whole file is.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{Markup, html};
use sha2::{Digest, Sha256};
use yiping_access::Capability;
use yiping_app::AppError;
use yiping_app::data_files::{OUT_OF_SCOPE, UploadRights, import_upload};
use yiping_app::import::Approved;
use yiping_app::import::ImportOutcome;
use yiping_store::ChangeContext;

use super::{fragment, require};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::Failure;
use crate::pages::layout::{self, Nav};

use crate::limits::MAX_UPLOAD_FILE;

pub(super) async fn show(user: PageUser) -> Response {
    if let Err(r) = require(&user, Capability::EnterData) {
        return r;
    }
    let body = html! {
        nav.crumbs { a href="/data" { "数据" } " / 导入" }
        h1 { "导入表格" }
        p.lead { "支持 CSV（UTF-8 或 GBK）和 Excel（.xlsx）：长表（主体、指标、时期、口径、数值）或各部门常用的宽表。先预览，确认后才写入；有任何问题时整个文件都不导入。" }
        form #import-form.import hx-post="/data/import/preview" hx-encoding="multipart/form-data" hx-target="#import-result" {
            label for="file" { "选择文件" }
            input #file type="file" name="file" accept=".csv,.txt,.xlsx,.xlsm" required;
            button.primary type="submit" { "预览（不写入）" }
            div #import-result aria-live="polite" {}
        }
    };
    layout::page(
        "导入表格",
        &user.principal,
        &user.csrf,
        Nav::Data,
        &[],
        body,
    )
    .into_response()
}

/// The uploaded file's name and bytes, and the digest field if sent.
async fn read_upload(mut m: Multipart) -> Result<(String, Vec<u8>, Option<String>), String> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            crate::limits::message("/data/import/")
        } else {
            format!("上传内容无法读取：{e}")
        }
    };
    let mut file = None;
    let mut digest = None;
    while let Some(field) = m.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("上传文件").to_string();
                let bytes = field.bytes().await.map_err(unreadable)?;
                if bytes.len() > MAX_UPLOAD_FILE {
                    return Err(crate::limits::message("/data/import/"));
                }
                file = Some((name, bytes.to_vec()));
            }
            Some("digest") => digest = field.text().await.ok(),
            _ => {}
        }
    }
    match file {
        Some((name, bytes)) if !bytes.is_empty() => Ok((name, bytes, digest)),
        _ => Err("请选择要导入的文件".to_string()),
    }
}

fn digest_of(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(super) async fn preview(State(s): State<AppState>, user: PageUser, m: Multipart) -> Response {
    run(&s, &user, m, true).await
}

pub(super) async fn apply(State(s): State<AppState>, user: PageUser, m: Multipart) -> Response {
    run(&s, &user, m, false).await
}

async fn run(s: &AppState, user: &PageUser, m: Multipart, dry_run: bool) -> Response {
    let p = &user.principal;
    if let Err(e) = p.require(Capability::EnterData) {
        return fragment(
            StatusCode::FORBIDDEN,
            layout::notice("error", &e.to_string()),
        );
    }
    let (name, bytes, digest) = match read_upload(m).await {
        Ok(x) => x,
        Err(msg) => return fragment(StatusCode::BAD_REQUEST, layout::notice("error", &msg)),
    };
    let hash = digest_of(&bytes);
    if !dry_run && digest.as_deref() != Some(hash.as_str()) {
        return fragment(
            StatusCode::CONFLICT,
            layout::notice("error", "文件与预览时不同，未导入：请重新预览后再确认。"),
        );
    }
    let scope = p.scope.clone();
    let in_scope = move |id| scope.contains(id);
    let rights = UploadRights {
        in_scope: &in_scope,
        unit_name: &p.unit_name,
        master_data: p.can(Capability::ManageCatalog),
        // Administrators and analysts reopen approved values (audited); anyone else is refused.
        approved: Approved::for_role(p.role, true),
    };
    let ctx = ChangeContext::new(format!("{}（{}）", p.name, p.login), "页面导入", Utc::now());
    match import_upload(s.store.as_ref(), &name, &bytes, rights, dry_run, &ctx).await {
        Ok(out) => {
            if !dry_run {
                let detail = format!("{}，{} 行，SHA-256 {hash}", out.kind.label_zh(), out.rows);
                crate::audit::record(s, p, "import.apply", &name, detail).await;
            }
            fragment(StatusCode::OK, outcome(&out, &hash))
        }
        Err(AppError::Rejected { file, problems }) => fragment(
            // Rows of other units are a refusal (403), anything else a file to correct.
            if problems.iter().any(|p| p.reason.starts_with(OUT_OF_SCOPE)) {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            },
            html! {
                (layout::notice("error", &format!("“{file}”发现{}处问题，整个文件未导入，数据库未作任何修改。", problems.len())))
                table.data.problems {
                    thead { tr { th { "文件" } th { "工作表" } th.num { "行" } th { "列" } th { "内容" } th { "原因" } } }
                    tbody {
                        @for pr in problems.iter().take(500) {
                            tr {
                                td { (pr.at.file) }
                                td { (pr.at.sheet.as_deref().unwrap_or("—")) }
                                td.num { (pr.at.row) }
                                td { (pr.at.column.as_deref().unwrap_or("—")) }
                                td { (pr.value) }
                                td { (pr.reason) }
                            }
                        }
                    }
                }
                @if problems.len() > 500 { p.muted { "仅列出前500处问题。" } }
            },
        ),
        Err(e @ AppError::Store(_)) => {
            let f = Failure::from(e);
            let message = if f.status.is_server_error() {
                format!("{}，文件未导入", f.message)
            } else {
                format!("{}（文件未导入）", f.message)
            };
            fragment(f.status, layout::notice("error", &message))
        }
        Err(e) => fragment(
            StatusCode::UNPROCESSABLE_ENTITY,
            layout::notice("error", &format!("{e}（文件未导入）")),
        ),
    }
}

fn outcome(o: &ImportOutcome, hash: &str) -> Markup {
    let (ins, upd, same) = match (&o.observations, &o.upserts) {
        (Some(r), _) => (r.inserted, r.updated, r.unchanged),
        (None, Some(u)) => (u.inserted, u.updated, u.unchanged),
        _ => (0, 0, 0),
    };
    let periods: Vec<String> = o.periods.iter().map(|p| p.label_zh()).collect();
    html! {
        div.import-outcome {
            @if o.dry_run {
                (layout::notice("info", &format!("预览（尚未写入）：{}，{}，共{}行。", o.file, o.kind.label_zh(), o.rows)))
            } @else {
                (layout::notice("ok", &format!("已导入“{}”：新增{ins}项，修改{upd}项，未变{same}项。", o.file)))
            }
            dl.counts {
                dt { "新增" } dd.new { (ins) }
                dt { "修改" } dd.changed { (upd) }
                dt { "未变" } dd { (same) }
                @if o.skipped_missing > 0 { dt { "空缺跳过" } dd { (o.skipped_missing) } }
            }
            @if !periods.is_empty() { p { "时期：" (periods.join("、")) } }
            @if !o.warnings.is_empty() {
                h3 { "提醒（" (o.warnings.len()) "处）" }
                ul.warnings { @for w in o.warnings.iter().take(500) { li { (w.to_string()) } } }
            }
            @if !o.changes.is_empty() {
                h3 { "修改的数据（前" (o.changes.len()) "项）" }
                ul.changes { @for c in &o.changes { li { (c) } } }
            }
            @if let Some(r) = o.after.as_ref().map(|a| &a.recomputed) {
                @if !r.evaluated.is_empty() { p.muted { "已重新计算" (r.evaluated.len()) "项评价。" } }
                @for (code, period, why) in &r.failed { p.warn { (code) " " (period.label_zh()) "评价未能更新：" (why) } }
            }
            @if let Some(a) = o.after.as_ref().map(|a| &a.alerts) {
                @if a.raised > 0 { p.warn { "监测预警：新生成" (a.raised) "个问题。" } }
                @if let Some(e) = &a.error { p.warn { "未能检查预警规则：" (e) } }
            }
            @if o.dry_run {
                @if ins + upd > 0 {
                    input type="hidden" name="digest" value=(hash);
                    button.primary type="button" hx-post="/data/import/apply" hx-encoding="multipart/form-data" hx-include="#import-form" hx-target="#import-result" {
                        "确认导入（新增" (ins) "项，修改" (upd) "项）"
                    }
                } @else {
                    p.muted { "文件中的数据与已存数据相同，无需导入。" }
                }
            }
        }
    }
}
