//! Importing a spreadsheet: read the file, recognise what it holds, resolve names against the
//! catalogue, and apply everything in one transaction, or nothing. An applied import that
//! changed anything, of whatever kind, is followed by the pipeline after a change
//! ([`crate::pipeline::after_change`]: formulas, evaluations, alerts), whose outcome the import's
//! outcome carries.

use std::path::Path;

use yiping_io::{
    Grid, Layout, ParseOptions, Problem, ReadOptions, SourceRef, parse_indicators,
    parse_observations, parse_targets, read_grid,
};
use yiping_kernel::{Catalog, IndicatorId, NewIndicator, Period, StatusPolicy};
use yiping_store::{ApplyOptions, ApplyReport, ChangeContext, Store, UpsertReport};

use crate::AppError;
use crate::pipeline::{AfterChange, ChangeSet, after_change};
use crate::recovery::follow_up;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// Recognise from the header row.
    Auto,
    Observations,
    Entities,
    Indicators,
    Targets,
}

impl ImportKind {
    pub fn parse(s: &str) -> Result<Self, AppError> {
        match s.trim() {
            "auto" | "自动" => Ok(Self::Auto),
            "observations" | "数据" | "指标数据" => Ok(Self::Observations),
            "entities" | "主体" => Ok(Self::Entities),
            "indicators" | "指标" => Ok(Self::Indicators),
            "targets" | "目标" => Ok(Self::Targets),
            other => Err(AppError::invalid(format!(
                "导入类型“{other}”无效：可选 auto、observations（数据）、entities（主体）、indicators（指标）、targets（目标）"
            ))),
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Auto => "自动识别",
            Self::Observations => "指标数据",
            Self::Entities => "主体",
            Self::Indicators => "指标",
            Self::Targets => "目标",
        }
    }
}

/// How to import one file.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub kind: ImportKind,
    pub read: ReadOptions,
    pub parse: ParseOptions,
    pub dry_run: bool,
}

/// Whether an import may change approved (已审核) values (issue 11, bug 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Approved {
    /// Refuse the whole file, naming every cell that would change an approved value (its number
    /// or its status). The default: nothing silently loses its approval.
    #[default]
    Keep,
    /// Reopen them: the changes are applied and recorded in the audit trail
    /// (`observations.reopen`, with every value reopened). Only for [`Approved::may_reopen`].
    Reopen,
}

impl Approved {
    /// Who may reopen approved values: administrators and analysts (the 统计局 who approve).
    pub fn may_reopen(role: yiping_access::Role) -> bool {
        matches!(
            role,
            yiping_access::Role::Admin | yiping_access::Role::Analyst
        )
    }

    /// [`Approved::Reopen`] when `role` may reopen and the caller asked to, else `Keep`.
    pub fn for_role(role: yiping_access::Role, asked: bool) -> Self {
        if asked && Self::may_reopen(role) {
            Self::Reopen
        } else {
            Self::Keep
        }
    }
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub file: String,
    pub kind: ImportKind,
    pub layout: Option<Layout>,
    pub periods: Vec<Period>,
    pub rows: usize,
    pub skipped_missing: usize,
    pub observations: Option<ApplyReport>,
    pub upserts: Option<UpsertReport>,
    pub dry_run: bool,
    /// The first changed values, described with names (for the command line and previews).
    pub changes: Vec<String>,
    /// What followed the change (formulas re-derived, evaluations recomputed, alert rules
    /// checked and the 问题 they raised, and what failed); `None` when nothing was changed (a
    /// dry run, or a file equal to what is stored).
    pub after: Option<AfterChange>,
    /// Accepted but worth a look (an identical repeated row, imported once), by file, row and
    /// reason, control characters escaped.
    pub warnings: Vec<Problem>,
    /// Validation rules of importance medium or low this file breaks, described with both
    /// numbers (recorded as findings when the import was applied; high ones refuse the file).
    pub findings: Vec<String>,
}

/// Recognises master-data tables by their header; everything else is observations.
pub fn detect_kind(grid: &Grid) -> ImportKind {
    let has = |row: &[String], names: &[&str]| names.iter().all(|n| row.iter().any(|c| c == n));
    for r in 0..grid.row_count().min(8) {
        let row: Vec<String> = grid
            .row(r)
            .map(|(_, c)| yiping_kernel::normalize_name(&c.text()))
            .collect();
        if has(&row, &["年份", "目标值"]) {
            return ImportKind::Targets;
        }
        if has(&row, &["类型", "名称", "层级"]) {
            return ImportKind::Entities;
        }
        if has(&row, &["代码", "名称", "计量单位", "频率"]) {
            return ImportKind::Indicators;
        }
    }
    ImportKind::Observations
}

fn rejected(grid: &Grid, problems: Vec<Problem>) -> AppError {
    AppError::Rejected {
        file: grid.file.clone(),
        problems,
    }
}

fn store_problem(grid: &Grid, e: impl std::fmt::Display) -> AppError {
    rejected(
        grid,
        vec![Problem {
            at: SourceRef {
                file: grid.file.clone(),
                sheet: grid.sheet.clone(),
                row: 1,
                column: None,
            },
            value: String::new(),
            reason: e.to_string(),
        }],
    )
}

/// Imports one file: all of it, or (on any problem) none of it. An import that was applied (not
/// a dry run) is recorded in the audit trail as `import.apply` with the file's SHA-256.
pub async fn import_file(
    store: &dyn Store,
    path: &Path,
    opts: &ImportOptions,
    ctx: &ChangeContext,
) -> Result<ImportOutcome, AppError> {
    import_file_as(store, path, opts, Approved::Keep, ctx).await
}

/// [`import_file`], saying whether approved values may be reopened.
pub async fn import_file_as(
    store: &dyn Store,
    path: &Path,
    opts: &ImportOptions,
    approved: Approved,
    ctx: &ChangeContext,
) -> Result<ImportOutcome, AppError> {
    let grid = read_grid(path, &opts.read)?;
    // As the pages record theirs (`import.apply`): who, which file, what, and which bytes.
    let hash = std::fs::read(path).map_or_else(
        |e| format!("无法读取：{e}"),
        |b| crate::auth::sha256_hex(&b),
    );
    let event = |kind: ImportKind, rows: usize| yiping_store::AuditEvent {
        at: ctx.at,
        actor: ctx.actor.clone(),
        action: "import.apply".into(),
        target: path.display().to_string(),
        detail: format!("{}，{rows} 行，SHA-256 {hash}（命令行）", kind.label_zh()),
    };
    let (out, audited) =
        import_grid_audited(store, &grid, opts, approved, ctx, Some(&event), None).await?;
    if !opts.dry_run && !audited {
        store.record_audit(&event(out.kind, out.rows)).await?;
    }
    Ok(out)
}

/// Who imports, when every value must belong to their unit: the entities they may change, and
/// their unit's name for the message. Checked on the rows as parsed (no second reading); rows
/// outside are refused as [`AppError::Rejected`] with reasons starting with
/// [`crate::data_files::OUT_OF_SCOPE`].
#[derive(Clone, Copy)]
pub(crate) struct ScopeCheck<'a> {
    pub in_scope: &'a (dyn Fn(yiping_kernel::EntityId) -> bool + Sync),
    pub unit_name: &'a str,
}

impl ScopeCheck<'_> {
    fn refusals(
        &self,
        grid: &Grid,
        catalog: &Catalog,
        rows: impl Iterator<Item = (yiping_kernel::EntityId, usize)>,
    ) -> Vec<Problem> {
        rows.filter(|(id, _)| !(self.in_scope)(*id))
            .map(|(id, row)| Problem {
                at: SourceRef {
                    file: grid.file.clone(),
                    sheet: grid.sheet.clone(),
                    row,
                    column: None,
                },
                value: catalog
                    .entity(id)
                    .map_or_else(|| id.to_string(), |e| e.data.name.clone()),
                reason: format!(
                    "{}（{}）的管辖范围",
                    crate::data_files::OUT_OF_SCOPE,
                    self.unit_name
                ),
            })
            .collect()
    }
}

/// Makes the audit event of an import from its kind and number of rows.
pub(crate) type AuditOf<'a> = &'a (dyn Fn(ImportKind, usize) -> yiping_store::AuditEvent + Sync);

/// The context of a write followed by the pipeline: the write records its follow-up (and the
/// import's audit event) with the data, so that a crash before the follow-up is finished by the
/// next start ([`crate::recovery`]).
fn followed(ctx: &ChangeContext, audit: Option<yiping_store::AuditEvent>) -> ChangeContext {
    ctx.clone()
        .with_follow_up(crate::recovery::follow_up_for(audit))
}

/// Imports an already-read table (an upload, or a file read by [`import_file`]); a change to an
/// approved value refuses the file ([`Approved::Keep`]).
pub async fn import_grid(
    store: &dyn Store,
    grid: &Grid,
    opts: &ImportOptions,
    ctx: &ChangeContext,
) -> Result<ImportOutcome, AppError> {
    import_grid_as(store, grid, opts, Approved::Keep, ctx).await
}

/// [`import_grid`], saying whether approved values may be reopened.
pub async fn import_grid_as(
    store: &dyn Store,
    grid: &Grid,
    opts: &ImportOptions,
    approved: Approved,
    ctx: &ChangeContext,
) -> Result<ImportOutcome, AppError> {
    Ok(
        import_grid_audited(store, grid, opts, approved, ctx, None, None)
            .await?
            .0,
    )
}

/// [`import_grid_as`], with the import's audit event written in the data's transaction when the
/// write records one (observations and targets that changed): returns whether it was.
pub(crate) async fn import_grid_audited(
    store: &dyn Store,
    grid: &Grid,
    opts: &ImportOptions,
    approved: Approved,
    ctx: &ChangeContext,
    audit: Option<AuditOf<'_>>,
    scope: Option<ScopeCheck<'_>>,
) -> Result<(ImportOutcome, bool), AppError> {
    let mut audited = false;
    let kind = match opts.kind {
        ImportKind::Auto => detect_kind(grid),
        k => k,
    };
    let mut out = ImportOutcome {
        file: grid.file.clone(),
        kind,
        layout: None,
        periods: Vec::new(),
        rows: 0,
        skipped_missing: 0,
        observations: None,
        upserts: None,
        dry_run: opts.dry_run,
        changes: Vec::new(),
        after: None,
        warnings: Vec::new(),
        findings: Vec::new(),
    };
    match kind {
        ImportKind::Observations | ImportKind::Auto => {
            let catalog = Catalog::new(store.all_entities().await?, store.indicators().await?);
            let mut parsed =
                parse_observations(grid, &catalog, &opts.parse).map_err(|p| rejected(grid, p))?;
            // The parsed rows are not needed once the batch is built (a big file's memory).
            let rows = std::mem::take(&mut parsed.rows);
            if let Some(scope) = scope {
                let outside = scope.refusals(
                    grid,
                    &catalog,
                    rows.iter().map(|r| (r.key.entity, r.at.row)),
                );
                if !outside.is_empty() {
                    return Err(rejected(grid, outside));
                }
            }
            let cells: Vec<_> = rows.iter().map(|r| r.at).collect();
            let batch: Vec<_> = rows.into_iter().map(|r| (r.key, r.value)).collect();
            out.warnings = std::mem::take(&mut parsed.warnings);
            // A table without a 状态 column states no status: re-importing it must not undo an
            // approval of values it leaves unchanged.
            let apply = ApplyOptions {
                dry_run: opts.dry_run,
                status: if parsed.status_column {
                    StatusPolicy::Explicit
                } else {
                    StatusPolicy::KeepWhenValueUnchanged
                },
                keep_approved: approved == Approved::Keep,
            };
            // Validation rules before anything is written: a high one refuses the file.
            let rules = crate::config::load(store).await?.validation;
            let checked = crate::validate::check_batch(store, &catalog, &rules, &batch).await?;
            if checked.has_blocking() {
                return Err(validation_refusal(grid, &catalog, &batch, &cells, &checked));
            }
            out.findings = checked
                .violations
                .iter()
                .map(|v| crate::validate::describe(&catalog, v))
                .collect();
            let event = audit.map(|a| a(kind, batch.len()));
            audited = event.is_some();
            let report = store
                .apply_observations(&batch, &followed(ctx, event), apply)
                .await?;
            audited &= report.pending.is_some();
            if !report.approved_changes.is_empty() {
                match approved {
                    Approved::Keep => {
                        return Err(approved_refusal(grid, &catalog, &batch, &cells, &report));
                    }
                    Approved::Reopen if !opts.dry_run => {
                        record_reopen(store, grid, &catalog, &report, ctx).await?;
                    }
                    Approved::Reopen => {}
                }
            }
            if !opts.dry_run {
                // The data is committed: a failure here is reported, not raised.
                let medium = yiping_eval::validation::Importance::Medium;
                if let Err(e) =
                    crate::validate::record(store, &catalog, &checked, medium, ctx.at).await
                {
                    tracing::warn!(error = %e, "recording validation findings failed");
                    out.findings.push(format!("校验发现未能保存：{e}"));
                }
            }
            if !opts.dry_run && report.inserted + report.updated > 0 {
                let changes = ChangeSet::observations(batch.iter().map(|(k, _)| *k));
                out.after = Some(follow_up(store, &changes, ctx, report.pending).await);
            }
            out.layout = Some(parsed.layout);
            out.periods = parsed.periods;
            out.rows = batch.len();
            out.skipped_missing = parsed.skipped_missing;
            out.changes = report
                .sample_updates
                .iter()
                .map(|u| describe_update(&catalog, u))
                .collect();
            out.observations = Some(report);
        }
        ImportKind::Indicators => {
            let items = parse_indicators(grid).map_err(|p| rejected(grid, p))?;
            out.rows = items.len();
            let (preview, changing) = compare_indicators(store, &items).await?;
            if opts.dry_run {
                out.upserts = Some(preview);
            } else {
                let report = store
                    .upsert_indicators(&items, ctx)
                    .await
                    .map_err(|e| store_problem(grid, e))?;
                if report.inserted + report.updated > 0 {
                    let ids = indicator_ids(store, &changing).await?;
                    out.after = Some(after_change(store, &ChangeSet::indicators(ids), ctx).await);
                }
                out.upserts = Some(report);
            }
        }
        ImportKind::Targets => {
            let catalog = Catalog::new(store.all_entities().await?, store.indicators().await?);
            let parsed = parse_targets(grid, &catalog).map_err(|p| rejected(grid, p))?;
            if let Some(scope) = scope {
                let outside = scope.refusals(
                    grid,
                    &catalog,
                    parsed.iter().map(|(t, at)| (t.entity, at.row)),
                );
                if !outside.is_empty() {
                    return Err(rejected(grid, outside));
                }
            }
            let items: Vec<_> = parsed.into_iter().map(|(t, _)| t).collect();
            out.rows = items.len();
            if !opts.dry_run {
                let event = audit.map(|a| a(kind, items.len()));
                audited = event.is_some();
                let report = store
                    .upsert_targets(&items, &followed(ctx, event))
                    .await
                    .map_err(|e| store_problem(grid, e))?;
                audited &= report.pending.is_some();
                if report.inserted + report.updated > 0 {
                    let changes = ChangeSet::targets(items.iter().map(|t| (t.indicator, t.year)));
                    out.after = Some(follow_up(store, &changes, ctx, report.pending).await);
                }
                out.upserts = Some(report);
            }
        }
        ImportKind::Entities => {
            let (report, changed) =
                crate::import_entities::import(store, grid, opts.dry_run, ctx).await?;
            out.rows = report.inserted + report.updated + report.unchanged;
            if !changed.is_empty() {
                out.after = Some(after_change(store, &ChangeSet::entities(changed), ctx).await);
            }
            out.upserts = Some(report);
        }
    }
    if !opts.dry_run {
        crate::monitoring::record_import(out.rows);
    }
    Ok((out, audited))
}

/// What writing `items` would do, and the codes of the items it would insert or change.
async fn compare_indicators(
    store: &dyn Store,
    items: &[NewIndicator],
) -> Result<(UpsertReport, Vec<String>), AppError> {
    let existing = store.indicators().await?;
    let mut r = UpsertReport::default();
    let mut changing = Vec::new();
    for i in items {
        match existing.iter().find(|e| e.data.code == i.code) {
            Some(e) if e.data == *i => r.unchanged += 1,
            found => {
                if found.is_some() {
                    r.updated += 1;
                } else {
                    r.inserted += 1;
                }
                changing.push(i.code.as_str().to_string());
            }
        }
    }
    Ok((r, changing))
}

/// The ids of the stored indicators with these codes.
async fn indicator_ids(store: &dyn Store, codes: &[String]) -> Result<Vec<IndicatorId>, AppError> {
    Ok(store
        .indicators()
        .await?
        .into_iter()
        .filter(|i| codes.iter().any(|c| c == i.data.code.as_str()))
        .map(|i| i.id)
        .collect())
}

/// The observations of a file, in its row order.
type Batch = [(
    yiping_kernel::ObservationKey,
    yiping_kernel::ObservationValue,
)];

/// "渝中区 固定资产投资 2024年1—9月 数值：300 → 301.5（已审核 → 已报送）".
/// The refusal of a file that would change approved values: every such cell, with the stored
/// value and what the file would make of it.
fn approved_refusal(
    grid: &Grid,
    catalog: &Catalog,
    batch: &Batch,
    cells: &[yiping_io::CellAt],
    report: &ApplyReport,
) -> AppError {
    let changed: std::collections::HashMap<_, _> =
        report.approved_changes.iter().map(|u| (u.key, u)).collect();
    let problems = batch
        .iter()
        .zip(cells)
        .filter_map(|((k, _), at)| changed.get(k).map(|u| (u, at)))
        .map(|(u, at)| {
            let what = if u.old.value() == u.new.value() {
                format!("本文件将其状态改为{}", u.new.status.label_zh())
            } else {
                format!("本文件改为 {}", u.new.value())
            };
            Problem {
                at: at.source_ref(grid),
                value: u.new.value().to_string(),
                reason: format!(
                    "{}已审核（{}），{what}；已审核的数值不能直接修改，须由分析员或管理员重新打开（命令行 yiping import --reopen）",
                    subject(catalog, u),
                    u.old.value()
                ),
            }
        })
        .collect();
    AppError::Rejected {
        file: grid.file.clone(),
        problems,
    }
}

/// The refusal of a file that breaks validation rules of importance high: every violation,
/// named by the file's cell of the subject's value (or, for a total the file does not hold, of
/// the first part it does), with both numbers.
fn validation_refusal(
    grid: &Grid,
    catalog: &Catalog,
    batch: &Batch,
    cells: &[yiping_io::CellAt],
    checked: &crate::validate::Checked,
) -> AppError {
    use std::collections::HashMap;
    let mut at: HashMap<(yiping_kernel::EntityId, Period), usize> = HashMap::new();
    let mut parts: HashMap<(yiping_kernel::EntityId, Period), usize> = HashMap::new();
    for (i, (k, _)) in batch.iter().enumerate() {
        at.entry((k.entity, k.period)).or_insert(i);
        if let Some(parent) = catalog
            .entity(k.entity)
            .and_then(|e| e.parent_at(k.period.last_day()))
        {
            parts.entry((parent, k.period)).or_insert(i);
        }
    }
    let problems = checked
        .blocking()
        .map(|v| {
            let key = (v.entity, v.period);
            let row = at.get(&key).or_else(|| parts.get(&key)).copied();
            let cell = row.map(|i| cells[i]);
            Problem {
                at: cell.map_or_else(
                    || SourceRef {
                        file: grid.file.clone(),
                        sheet: grid.sheet.clone(),
                        row: 1,
                        column: None,
                    },
                    |c| c.source_ref(grid),
                ),
                value: row
                    .map(|i| batch[i].1.value().to_string())
                    .unwrap_or_default(),
                reason: format!(
                    "未通过重要性为高的校验规则：{}",
                    crate::validate::describe(catalog, v)
                ),
            }
        })
        .collect();
    AppError::Rejected {
        file: grid.file.clone(),
        problems,
    }
}

/// Records that an import reopened approved values, listing each one.
async fn record_reopen(
    store: &dyn Store,
    grid: &Grid,
    catalog: &Catalog,
    report: &ApplyReport,
    ctx: &ChangeContext,
) -> Result<(), AppError> {
    let list: Vec<String> = report
        .approved_changes
        .iter()
        .map(|u| describe_update(catalog, u))
        .collect();
    store
        .record_audit(&yiping_store::AuditEvent {
            at: ctx.at,
            actor: ctx.actor.clone(),
            action: "observations.reopen".into(),
            target: grid.file.clone(),
            detail: format!(
                "重新打开 {} 个已审核数值（{}）：{}",
                list.len(),
                ctx.source,
                list.join("；")
            ),
        })
        .await?;
    Ok(())
}

/// `渝中区 地区生产总值 2024年 总量`
fn subject(catalog: &Catalog, u: &yiping_kernel::Update) -> String {
    let entity = catalog
        .entity(u.key.entity)
        .map_or_else(|| u.key.entity.to_string(), |e| e.data.name.clone());
    let indicator = catalog
        .indicator(u.key.indicator)
        .map_or_else(|| u.key.indicator.to_string(), |i| i.data.name.clone());
    format!(
        "{entity} {indicator} {} {}",
        u.key.period.label_zh(),
        u.key.measure.label_zh()
    )
}

fn describe_update(catalog: &Catalog, u: &yiping_kernel::Update) -> String {
    let entity = catalog
        .entity(u.key.entity)
        .map_or_else(|| u.key.entity.to_string(), |e| e.data.name.clone());
    let indicator = catalog
        .indicator(u.key.indicator)
        .map_or_else(|| u.key.indicator.to_string(), |i| i.data.name.clone());
    let status = if u.old.status == u.new.status {
        String::new()
    } else {
        format!(
            "（{} → {}）",
            u.old.status.label_zh(),
            u.new.status.label_zh()
        )
    };
    format!(
        "{entity} {indicator} {} {}：{} → {}{status}",
        u.key.period.label_zh(),
        u.key.measure.label_zh(),
        u.old.value(),
        u.new.value()
    )
}
