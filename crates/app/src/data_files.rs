//! Files through the web pages: an uploaded spreadsheet imported within the uploader's scope (a
//! dry run first, then the same bytes applied), and an export written to bytes for download.
//!
//! The scope is a predicate over entity ids (the caller's unit subtree): a file naming any entity
//! outside it is refused whole, with every offending row named, before anything is written.

use std::path::PathBuf;

use yiping_io::{ParseOptions, Problem, ReadOptions, parse_observations, read_grid_bytes};
use yiping_kernel::{Catalog, EntityId};
use yiping_store::{ChangeContext, ObservationFilter, Store};

use crate::AppError;
use crate::export::{ExportLayout, export_observations};
use crate::import::{
    Approved, ImportKind, ImportOptions, ImportOutcome, detect_kind, import_grid_as,
};

/// How the reason of a row outside the uploader's scope begins (the pages answer such a file
/// with 403, not as a file to correct).
pub const OUT_OF_SCOPE: &str = "超出本单位";

/// Who uploads: which entities they may change, and whether they may change master data
/// (entities, indicators, targets).
#[derive(Debug, Clone, Copy)]
pub struct UploadRights<'a, F: Fn(EntityId) -> bool> {
    pub in_scope: &'a F,
    /// The uploader's unit, for messages.
    pub unit_name: &'a str,
    pub master_data: bool,
    /// Whether approved (已审核) values may be changed (reopened, audited).
    pub approved: Approved,
}

/// Imports an uploaded file (dry run or for real) after checking that every value belongs to an
/// entity in the uploader's scope.
pub async fn import_upload<F: Fn(EntityId) -> bool>(
    store: &dyn Store,
    file_name: &str,
    bytes: &[u8],
    rights: UploadRights<'_, F>,
    dry_run: bool,
    ctx: &ChangeContext,
) -> Result<ImportOutcome, AppError> {
    let grid = read_grid_bytes(file_name, bytes, &ReadOptions::default())?;
    let kind = detect_kind(&grid);
    if kind != ImportKind::Observations && !rights.master_data {
        return Err(AppError::invalid(format!(
            "“{file_name}”是{}表，只有分析员和管理员可以导入；填报员只能导入指标数据",
            kind.label_zh()
        )));
    }
    if kind == ImportKind::Observations {
        let catalog = Catalog::new(store.all_entities().await?, store.indicators().await?);
        // Unparseable files fall through to the importer, which reports every problem.
        if let Ok(parsed) = parse_observations(&grid, &catalog, &ParseOptions::default()) {
            let problems: Vec<Problem> = parsed
                .rows
                .iter()
                .filter(|r| !(rights.in_scope)(r.key.entity))
                .map(|r| Problem {
                    at: r.at.source_ref(&grid),
                    value: catalog
                        .entity(r.key.entity)
                        .map_or_else(|| r.key.entity.to_string(), |e| e.data.name.clone()),
                    reason: format!("{OUT_OF_SCOPE}（{}）的管辖范围", rights.unit_name),
                })
                .collect();
            if !problems.is_empty() {
                return Err(AppError::Rejected {
                    file: grid.file.clone(),
                    problems,
                });
            }
        }
    }
    let opts = ImportOptions {
        kind,
        read: ReadOptions::default(),
        parse: ParseOptions::default(),
        dry_run,
    };
    import_grid_as(store, &grid, &opts, rights.approved, ctx).await
}

/// Writes the observations matching `filter` as a CSV (`xlsx == false`) or XLSX file and returns
/// its bytes (the exporter writes files; a private temporary file is used and removed).
pub async fn export_bytes(
    store: &dyn Store,
    filter: &ObservationFilter,
    layout: ExportLayout,
    xlsx: bool,
) -> Result<Vec<u8>, AppError> {
    let ext = if xlsx { "xlsx" } else { "csv" };
    let path: PathBuf = std::env::temp_dir().join(format!(
        "yiping-export-{}-{}.{ext}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let written = export_observations(store, filter, layout, &path).await;
    let bytes = written.and_then(|_| {
        std::fs::read(&path).map_err(|e| AppError::invalid(format!("无法读取导出文件：{e}")))
    });
    let _ = std::fs::remove_file(&path);
    bytes
}
