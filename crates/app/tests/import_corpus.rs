//! Issue 20's corpus (crates/import-corpus), imported file by file as the command line imports
//! them, on SQLite and on PostgreSQL: a refused file leaves the export of every observation
//! byte for byte as it was (and the catalogue too) and its message holds the expected
//! fragments, with no raw control character; an accepted file adds exactly its rows and
//! removes or changes none. The 1,048,576-row sheets run in `bench/import-corpus`.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use chrono::Utc;
use support::on_both;
use yiping_app::AppError;
use yiping_app::export::{ExportLayout, export_observations};
use yiping_app::import::{ImportKind, ImportOptions, import_file};
use yiping_import_corpus::{Expect, cases, catalog_files};
use yiping_io::{ParseOptions, ReadOptions};
use yiping_store::{ChangeContext, ObservationFilter, Store};

fn opts() -> ImportOptions {
    ImportOptions {
        kind: ImportKind::Auto,
        read: ReadOptions::default(),
        parse: ParseOptions::default(),
        dry_run: false,
    }
}

/// An exported observation: entity code, indicator code, period code, 口径, the value's bits.
type Key = (String, String, String, String, u64);

/// Everything an import may change, as the export and the catalogue show it.
async fn snapshot(store: &dyn Store, dir: &Path) -> (Vec<u8>, String) {
    let path = dir.join("导出.csv");
    export_observations(
        store,
        &ObservationFilter::default(),
        ExportLayout::Long,
        &path,
    )
    .await
    .unwrap();
    let export = std::fs::read(&path).unwrap();
    let catalog = format!(
        "{:?}\n{:?}",
        store.indicators().await.unwrap(),
        store.all_entities().await.unwrap()
    );
    (export, catalog)
}

fn rows_of(export: &[u8]) -> BTreeSet<Key> {
    let text = std::str::from_utf8(export).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let value: f64 = rec[6].parse().unwrap();
            (
                rec[0].to_string(),
                rec[2].to_string(),
                rec[4].to_string(),
                rec[5].to_string(),
                value.to_bits(),
            )
        })
        .collect()
}

/// The message of a refusal as the command line prints it: the error, then every problem.
fn message(e: &AppError) -> String {
    match e {
        AppError::Rejected { problems, .. } => std::iter::once(e.to_string())
            .chain(problems.iter().map(|p| p.to_string()))
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_file_is_imported_whole_or_refused_whole_on_both_databases() {
    on_both(|store| async move {
        let dir = tempfile::tempdir().unwrap();
        let ctx = ChangeContext::new("测试", "语料", Utc::now());
        for (name, bytes) in catalog_files() {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            import_file(store.as_ref(), &path, &opts(), &ctx)
                .await
                .unwrap_or_else(|e| panic!("{name}: {}", message(&e)));
        }
        let all = cases(false);
        assert!(all.len() >= 40, "{} cases", all.len());
        for case in all {
            let path = dir.path().join(&case.name);
            std::fs::write(&path, &case.bytes).unwrap();
            let (before, catalog_before) = snapshot(store.as_ref(), dir.path()).await;
            let result = import_file(store.as_ref(), &path, &opts(), &ctx).await;
            let (after, catalog_after) = snapshot(store.as_ref(), dir.path()).await;
            assert_eq!(
                catalog_after, catalog_before,
                "{}: the catalogue changed",
                case.name
            );
            match (&case.expect, result) {
                (Expect::Reject { fragments }, Err(e)) => {
                    // The file name says what the file is; the fragments must be in the rest.
                    let msg = message(&e).replace(&case.name, "《文件》");
                    for f in fragments {
                        assert!(msg.contains(f), "{}: “{f}” missing in:\n{msg}", case.name);
                    }
                    assert!(
                        !msg.chars().any(|c| c.is_control() && c != '\n'),
                        "{}: a raw control character in:\n{msg:?}",
                        case.name
                    );
                    assert!(
                        before == after,
                        "{}: refused, yet the export changed",
                        case.name
                    );
                }
                (Expect::Reject { .. }, Ok(out)) => panic!(
                    "{}: expected a refusal, imported {} rows",
                    case.name, out.rows
                ),
                (Expect::Accept { .. }, Err(e)) => {
                    panic!("{}: expected to be imported:\n{}", case.name, message(&e))
                }
                (
                    Expect::Accept {
                        rows,
                        count,
                        warnings,
                    },
                    Ok(out),
                ) => {
                    let (was, now) = (rows_of(&before), rows_of(&after));
                    let removed: Vec<&Key> = was.difference(&now).collect();
                    assert!(
                        removed.is_empty(),
                        "{}: changed or removed {removed:?}",
                        case.name
                    );
                    let added: BTreeSet<Key> = now.difference(&was).cloned().collect();
                    let expected: BTreeSet<Key> = rows
                        .iter()
                        .map(|r| {
                            (
                                r.entity.clone(),
                                r.indicator.to_string(),
                                r.period.clone(),
                                r.measure.to_string(),
                                r.value.to_bits(),
                            )
                        })
                        .collect();
                    assert_eq!(added, expected, "{}", case.name);
                    assert_eq!(added.len(), *count, "{}", case.name);
                    let shown: Vec<String> = out.warnings.iter().map(|w| w.to_string()).collect();
                    let shown = shown.join("\n").replace(&case.name, "《文件》");
                    for f in warnings {
                        assert!(
                            shown.contains(f),
                            "{}: warning “{f}” missing in:\n{shown}",
                            case.name
                        );
                    }
                    if warnings.is_empty() {
                        assert!(
                            shown.is_empty(),
                            "{}: unexpected warnings:\n{shown}",
                            case.name
                        );
                    }
                }
            }
        }
    })
    .await;
}
