//! Issue 20: the upload preview shows what the command line shows, for every file of the
//! importer's corpus (crates/import-corpus): the same refusal (every problem's row, cell text
//! and reason, or the file's error) or the same acceptance with the same warnings, and never a
//! raw control character.

use chrono::Utc;
use yiping_app::AppError;
use yiping_app::import::{ImportKind, ImportOptions, import_file};
use yiping_import_corpus::{cases, catalog_files};
use yiping_io::{ParseOptions, ReadOptions};
use yiping_store::ChangeContext;

use crate::helpers::{Session, TestApp, login, send_bytes, spawn_demo};

fn opts(dry_run: bool) -> ImportOptions {
    ImportOptions {
        kind: ImportKind::Auto,
        read: ReadOptions::default(),
        parse: ParseOptions::default(),
        dry_run,
    }
}

/// Posts `bytes` as the file `name` to the preview, as the page's form does.
async fn preview(app: &TestApp, s: &Session, name: &str, bytes: &[u8]) -> String {
    let b = "----yipingcorpusboundary";
    let mut body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{b}--\r\n").into_bytes());
    let ct = format!("multipart/form-data; boundary={b}");
    let headers = [
        ("Cookie", s.cookie.as_str()),
        ("X-CSRF-Token", s.csrf.as_str()),
    ];
    let r = send_bytes(
        app,
        "POST",
        "/data/import/preview",
        &headers,
        Some((&ct, body)),
    )
    .await;
    assert_eq!(r.status, 200, "{name}: {}", r.body);
    r.body
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_preview_shows_what_the_command_line_shows_for_every_corpus_file() {
    let app = spawn_demo().await;
    let store = app.store.as_ref();
    let dir = tempfile::tempdir().unwrap();
    let ctx = ChangeContext::new("测试", "语料", Utc::now());
    for (name, bytes) in catalog_files() {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        import_file(store, &path, &opts(false), &ctx).await.unwrap();
    }
    let me = login(&app, "analyst").await;
    let prefix = format!("{}/", dir.path().display());
    let mut refused = 0;
    for case in cases(false) {
        let path = dir.path().join(&case.name);
        std::fs::write(&path, &case.bytes).unwrap();
        // What `yiping import --dry-run` reports, and what the page's preview shows.
        let cli = import_file(store, &path, &opts(true), &ctx).await;
        let page = preview(&app, &me, &case.name, &case.bytes).await;
        assert!(
            !page
                .chars()
                .any(|c| c.is_control() && !"\n\r\t".contains(c)),
            "{}: a raw control character on the page",
            case.name
        );
        match cli {
            Err(AppError::Rejected { problems, .. }) => {
                refused += 1;
                assert!(page.contains("整个文件未导入"), "{}: {page}", case.name);
                for p in &problems {
                    assert!(
                        page.contains(&p.reason) && page.contains(&p.value),
                        "{}: the page does not show “{}” {}:\n{page}",
                        case.name,
                        p.value,
                        p.reason
                    );
                    assert!(page.contains(&format!("<td class=\"num\">{}</td>", p.at.row)));
                }
            }
            Err(e) => {
                refused += 1;
                let shown = e.to_string().replace(&prefix, "");
                assert!(
                    page.contains(&shown),
                    "{}: “{shown}” not on:\n{page}",
                    case.name
                );
            }
            Ok(out) => {
                assert!(page.contains("预览（尚未写入）"), "{}: {page}", case.name);
                for w in &out.warnings {
                    assert!(page.contains(&w.reason), "{}: {page}", case.name);
                }
            }
        }
    }
    assert!(refused >= 25, "{refused} refused");
}
