//! The write API's use case (issue 21): a batch of items posted by another system (JSON objects,
//! or a CSV body with the import's columns) goes through the same importer as a file
//! ([`crate::import`]): all or nothing, unchanged values reported as unchanged, changes audited
//! (`import.apply`, written in the data's transaction), approved (已审核) values refused, and the
//! one pipeline after a change.
//!
//! A batch is a table built from the items: one column per field (the long table's or the master
//! tables' header), one row per item. Nothing is validated here: the importer's problems (file,
//! row, column) are translated back into item index and field name, so the checks are the
//! file import's, word for word. What is added is the caller: role and scope apply to every item,
//! and one item outside the caller's unit refuses the batch (403, naming it).

use serde::Serialize;
use serde_json::Value;
use yiping_access::{Capability, Principal};
use yiping_io::{Cell, Grid, ParseOptions, Problem, ReadOptions, parse_entities, read_grid_bytes};
use yiping_kernel::{Catalog, EntityId, EntityMatch};
use yiping_store::{ChangeContext, Store};

use crate::AppError;
use crate::import::{
    Approved, ImportKind, ImportOptions, ImportOutcome, ScopeCheck, import_grid_audited,
};

/// The most items one request may carry (a month of a district's values is far fewer; a
/// benchmark posts batches of 10,000).
pub const MAX_ITEMS: usize = 20_000;

/// What a batch holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchKind {
    Observations,
    Entities,
    Indicators,
    Targets,
}

/// `(JSON field, column of the import table)` of each kind, in the table's order.
const OBSERVATION_FIELDS: &[(&str, &str)] = &[
    ("entity_code", "主体代码"),
    ("entity", "主体"),
    ("indicator_code", "指标代码"),
    ("indicator", "指标"),
    ("period", "时期"),
    ("measure", "口径"),
    ("value", "数值"),
    ("unit", "计量单位"),
    ("status", "状态"),
];
const ENTITY_FIELDS: &[(&str, &str)] = &[
    ("kind", "类型"),
    ("code", "代码"),
    ("name", "名称"),
    ("aliases", "别名"),
    ("level", "层级"),
    ("parent_code", "上级代码"),
    ("parent_from", "上级生效日期"),
    ("parent_to", "上级失效日期"),
    ("groups", "分组"),
    ("attributes", "属性"),
];
const INDICATOR_FIELDS: &[(&str, &str)] = &[
    ("code", "代码"),
    ("name", "名称"),
    ("aliases", "别名"),
    ("unit", "计量单位"),
    ("frequency", "频率"),
    ("kind", "类型"),
    ("aggregation", "汇总方式"),
    ("polarity", "方向"),
    ("decimals", "小数位数"),
    ("definition", "定义"),
    ("department", "责任部门"),
    ("binding", "约束性"),
    ("formula", "公式"),
    ("range", "取值范围"),
];
const TARGET_FIELDS: &[(&str, &str)] = &[
    ("entity_code", "主体代码"),
    ("entity", "主体"),
    ("indicator_code", "指标代码"),
    ("indicator", "指标"),
    ("year", "年份"),
    ("kind", "目标类型"),
    ("value", "目标值"),
    ("monthly_plan", "月度计划"),
];

impl BatchKind {
    /// The JSON fields of an item and the import column each fills.
    pub fn fields(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Observations => OBSERVATION_FIELDS,
            Self::Entities => ENTITY_FIELDS,
            Self::Indicators => INDICATOR_FIELDS,
            Self::Targets => TARGET_FIELDS,
        }
    }

    fn import_kind(self) -> ImportKind {
        match self {
            Self::Observations => ImportKind::Observations,
            Self::Entities => ImportKind::Entities,
            Self::Indicators => ImportKind::Indicators,
            Self::Targets => ImportKind::Targets,
        }
    }

    pub fn label_zh(self) -> &'static str {
        self.import_kind().label_zh()
    }

    /// The capability a batch of this kind needs: values are entered by 填报员 and up; master
    /// data (entities, indicators) and targets only by those who may import such files.
    fn capability(self) -> Capability {
        match self {
            Self::Observations => Capability::EnterData,
            _ => Capability::ManageCatalog,
        }
    }
}

/// One problem of a batch: the item (0-based index in the request's `items`, `None` for the
/// request as a whole), the field, the offending text and the reason (Chinese), with a message
/// that says all of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ItemProblem {
    pub index: Option<usize>,
    pub field: Option<String>,
    pub value: String,
    pub reason: String,
    pub message: String,
}

impl ItemProblem {
    fn new(index: Option<usize>, field: Option<&str>, value: &str, reason: &str) -> Self {
        let mut message = match index {
            Some(i) => format!("第{}项（items[{i}]）", i + 1),
            None => "请求".to_string(),
        };
        if let Some(f) = field {
            message.push_str(&format!("字段 {f}"));
        }
        message.push('：');
        if !value.is_empty() {
            message.push_str(&format!("“{value}”"));
        }
        message.push_str(reason);
        Self {
            index,
            field: field.map(str::to_string),
            value: value.to_string(),
            reason: reason.to_string(),
            message,
        }
    }
}

/// Why a batch was not written.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// Items to correct (422): nothing was written.
    #[error("{}项有问题，整批未写入，数据库未作任何修改", .0.len())]
    Rejected(Vec<ItemProblem>),
    /// Items outside the caller's unit (403): nothing was written.
    #[error("{}项超出本单位的管辖范围，整批未写入", .0.len())]
    OutOfScope(Vec<ItemProblem>),
    /// More items than [`MAX_ITEMS`] (413).
    #[error("一次最多提交 {limit} 项，本次 {count} 项，未作任何处理：请分批提交")]
    TooMany { count: usize, limit: usize },
    /// Anything else (the role, the database…), mapped as every use case's failure.
    #[error(transparent)]
    App(#[from] AppError),
}

/// A batch ready to import: the table built from the items, and the JSON field of each column.
#[derive(Debug, Clone)]
pub struct Batch {
    kind: BatchKind,
    grid: Grid,
    fields: Vec<String>,
    items: usize,
}

fn cell_of(v: &Value) -> Result<Cell, &'static str> {
    Ok(match v {
        Value::Null => Cell::Empty,
        Value::String(s) => Cell::Text(s.clone()),
        Value::Number(n) => n.as_f64().map_or(Cell::Empty, Cell::Number),
        Value::Bool(b) => Cell::Text(if *b { "是" } else { "否" }.to_string()),
        // Lists (aliases, groups, a monthly plan) as the table writes them.
        Value::Array(xs) => {
            let mut parts = Vec::with_capacity(xs.len());
            for x in xs {
                match x {
                    Value::String(s) => parts.push(s.clone()),
                    Value::Number(n) => parts.push(n.to_string()),
                    _ => return Err("列表中只能是文本或数字"),
                }
            }
            Cell::Text(parts.join(";"))
        }
        // The attributes of an entity: the table's 属性 column is a JSON object.
        Value::Object(_) => Cell::Text(v.to_string()),
    })
}

impl Batch {
    /// A batch from JSON items (objects with the fields of [`BatchKind::fields`]). An item that
    /// is not an object, or names a field that does not exist, refuses the batch (every such
    /// item named).
    pub fn from_json(kind: BatchKind, items: &[Value]) -> Result<Self, BatchError> {
        if items.len() > MAX_ITEMS {
            return Err(BatchError::TooMany {
                count: items.len(),
                limit: MAX_ITEMS,
            });
        }
        let fields = kind.fields();
        let mut problems = Vec::new();
        let mut used = vec![false; fields.len()];
        for (i, item) in items.iter().enumerate() {
            let Some(obj) = item.as_object() else {
                problems.push(ItemProblem::new(Some(i), None, "", "每一项须为 JSON 对象"));
                continue;
            };
            for (name, v) in obj {
                match fields.iter().position(|(f, _)| f == name) {
                    Some(c) => used[c] |= !v.is_null(),
                    None => problems.push(ItemProblem::new(
                        Some(i),
                        Some(name),
                        "",
                        &format!(
                            "没有这个字段：{}的字段是 {}",
                            kind.label_zh(),
                            fields
                                .iter()
                                .map(|(f, _)| *f)
                                .collect::<Vec<_>>()
                                .join("、")
                        ),
                    )),
                }
            }
        }
        if items.is_empty() {
            problems.push(ItemProblem::new(None, Some("items"), "", "没有任何项"));
        }
        // A column no item fills is left out, as a table without it: above all 状态, whose
        // absence keeps the status of unchanged values (a re-post does not undo an approval).
        let columns: Vec<usize> = (0..fields.len()).filter(|&c| used[c]).collect();
        let mut rows = Vec::with_capacity(items.len() + 1);
        rows.push(
            columns
                .iter()
                .map(|&c| Cell::Text(fields[c].1.to_string()))
                .collect::<Vec<_>>(),
        );
        for (i, item) in items.iter().enumerate() {
            let Some(obj) = item.as_object() else {
                continue;
            };
            let mut row = Vec::with_capacity(columns.len());
            for &c in &columns {
                let (name, _) = fields[c];
                match obj.get(name).map(cell_of).unwrap_or(Ok(Cell::Empty)) {
                    Ok(cell) => row.push(cell),
                    Err(reason) => {
                        problems.push(ItemProblem::new(Some(i), Some(name), "", reason));
                        row.push(Cell::Empty);
                    }
                }
            }
            rows.push(row);
        }
        if !problems.is_empty() {
            return Err(BatchError::Rejected(problems));
        }
        Ok(Self {
            kind,
            grid: Grid::from_rows("请求", None, rows, Vec::new()),
            fields: columns.iter().map(|&c| fields[c].0.to_string()).collect(),
            items: items.len(),
        })
    }

    /// A batch from a CSV body whose header is the file import's (the long table for
    /// observations): row 2 is item 0.
    pub fn from_csv(kind: BatchKind, bytes: &[u8]) -> Result<Self, BatchError> {
        let grid =
            read_grid_bytes("请求.csv", bytes, &ReadOptions::default()).map_err(AppError::from)?;
        let items = grid.row_count().saturating_sub(1);
        if items > MAX_ITEMS {
            return Err(BatchError::TooMany {
                count: items,
                limit: MAX_ITEMS,
            });
        }
        let width = grid.width();
        let fields = (0..width)
            .map(|c| {
                let header = yiping_kernel::normalize_name(&grid.cell(0, c).text());
                kind.fields()
                    .iter()
                    .find(|(_, h)| *h == header)
                    .map_or(header, |(f, _)| (*f).to_string())
            })
            .collect();
        Ok(Self {
            kind,
            grid,
            fields,
            items,
        })
    }

    pub fn kind(&self) -> BatchKind {
        self.kind
    }

    /// How many items the batch holds.
    pub fn len(&self) -> usize {
        self.items
    }

    pub fn is_empty(&self) -> bool {
        self.items == 0
    }

    /// An importer's problem as an item's: row 2 is item 0, a column is its field.
    fn item_problem(&self, p: &Problem) -> ItemProblem {
        let index = (p.at.row >= 2).then(|| p.at.row - 2);
        let field =
            p.at.column
                .as_deref()
                .and_then(column_index)
                .and_then(|c| self.fields.get(c))
                .map(String::as_str);
        ItemProblem::new(index, field, &p.value, &p.reason)
    }
}

/// `A` → 0, `AB` → 27.
fn column_index(letters: &str) -> Option<usize> {
    let mut n = 0usize;
    for ch in letters.chars() {
        if !ch.is_ascii_uppercase() {
            return None;
        }
        n = n * 26 + (ch as usize - 'A' as usize + 1);
    }
    n.checked_sub(1)
}

/// A scheme and period recomputed after the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Recomputed {
    pub scheme: String,
    pub period: String,
    pub period_label: String,
}

/// What a batch did (or, in a dry run, would do): the import summary.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct BatchSummary {
    pub kind: BatchKind,
    pub dry_run: bool,
    /// Items received.
    pub items: usize,
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Items refused: always 0 in an accepted batch (a batch with any refused item is refused
    /// whole and answered with the problems instead).
    pub refused: usize,
    /// Items without a value (an empty 数值), skipped as the file import skips them.
    pub skipped_missing: usize,
    /// The first changes, described with names (老值 → 新值).
    pub changes: Vec<String>,
    /// Evaluations recomputed by the pipeline after the change.
    pub recomputed_schemes: Vec<Recomputed>,
    /// Evaluations whose recomputation failed (the change itself stands), with the reason.
    pub recompute_failures: Vec<String>,
    /// Formula indicators re-derived.
    pub derived_indicators: usize,
    /// 问题 raised by the alert rules.
    pub alerts_raised: usize,
    /// Accepted but worth a look (an identical repeated item, imported once).
    pub warnings: Vec<ItemProblem>,
}

impl BatchSummary {
    fn from_outcome(batch: &Batch, out: ImportOutcome) -> Self {
        let (inserted, updated, unchanged) = match (&out.observations, &out.upserts) {
            (Some(r), _) => (r.inserted, r.updated, r.unchanged),
            (None, Some(u)) => (u.inserted, u.updated, u.unchanged),
            _ => (0, 0, 0),
        };
        let after = out.after.unwrap_or_default();
        Self {
            kind: batch.kind,
            dry_run: out.dry_run,
            items: batch.items,
            inserted,
            updated,
            unchanged,
            refused: 0,
            skipped_missing: out.skipped_missing,
            changes: out.changes,
            recomputed_schemes: after
                .recomputed
                .evaluated
                .iter()
                .map(|(scheme, p)| Recomputed {
                    scheme: scheme.clone(),
                    period: p.code(),
                    period_label: p.label_zh(),
                })
                .collect(),
            recompute_failures: after
                .recomputed
                .failed
                .iter()
                .map(|(s, p, why)| format!("{s} {}：{why}", p.label_zh()))
                .chain(after.recomputed.error.clone())
                .collect(),
            derived_indicators: after.derived.len(),
            alerts_raised: after.alerts.raised,
            warnings: out.warnings.iter().map(|w| batch.item_problem(w)).collect(),
        }
    }
}

/// Imports a batch for `principal`: the role's capability for the kind, every item in the
/// caller's scope, then the file importer (all or nothing, audited as `import.apply`, approved
/// values refused, the pipeline after a change). `dry_run` checks and counts, writes nothing.
pub async fn post_batch(
    store: &dyn Store,
    principal: &Principal,
    batch: &Batch,
    dry_run: bool,
    ctx: &ChangeContext,
) -> Result<BatchSummary, BatchError> {
    principal
        .require(batch.kind.capability())
        .map_err(AppError::from)?;
    if batch.items > MAX_ITEMS {
        return Err(BatchError::TooMany {
            count: batch.items,
            limit: MAX_ITEMS,
        });
    }
    // Entities are checked here; observations and targets by the importer on the rows it
    // parses (one reading).
    if !principal.scope.is_everything() && batch.kind == BatchKind::Entities {
        check_entity_scope(store, principal, batch).await?;
    }
    let in_scope = |id: EntityId| principal.sees(id);
    let scope = (!principal.scope.is_everything()).then_some(ScopeCheck {
        in_scope: &in_scope,
        unit_name: &principal.unit_name,
    });
    let opts = ImportOptions {
        kind: batch.kind.import_kind(),
        read: ReadOptions::default(),
        parse: ParseOptions::default(),
        dry_run,
    };
    let event = |kind: ImportKind, rows: usize| yiping_store::AuditEvent {
        at: ctx.at,
        actor: ctx.actor.clone(),
        action: "import.apply".into(),
        target: format!("API /api/v1/{}", kind_path(batch.kind)),
        detail: format!("{}，{rows} 项（{}）", kind.label_zh(), ctx.source),
    };
    let result = import_grid_audited(
        store,
        &batch.grid,
        &opts,
        Approved::Keep,
        ctx,
        Some(&event),
        scope,
    )
    .await;
    match result {
        Ok((out, audited)) => {
            let changed = out
                .observations
                .as_ref()
                .map_or(0, |r| r.inserted + r.updated)
                + out.upserts.as_ref().map_or(0, |r| r.inserted + r.updated);
            if !dry_run && !audited && changed > 0 {
                store
                    .record_audit(&event(out.kind, out.rows))
                    .await
                    .map_err(AppError::from)?;
            }
            Ok(BatchSummary::from_outcome(batch, out))
        }
        Err(AppError::Rejected { problems, .. })
            if problems
                .iter()
                .any(|p| p.reason.starts_with(crate::data_files::OUT_OF_SCOPE)) =>
        {
            // The entity is named by the column the items used.
            let field = ["entity_code", "entity"]
                .into_iter()
                .find(|f| batch.fields.iter().any(|c| c == f))
                .unwrap_or("entity");
            Err(BatchError::OutOfScope(
                problems
                    .iter()
                    .map(|p| {
                        let mut ip = batch.item_problem(p);
                        ip = ItemProblem::new(ip.index, Some(field), &ip.value, &ip.reason);
                        ip
                    })
                    .collect(),
            ))
        }
        Err(AppError::Rejected { problems, .. }) => Err(BatchError::Rejected(
            problems.iter().map(|p| batch.item_problem(p)).collect(),
        )),
        Err(e) => Err(e.into()),
    }
}

fn kind_path(kind: BatchKind) -> &'static str {
    match kind {
        BatchKind::Observations => "observations",
        BatchKind::Entities => "entities",
        BatchKind::Indicators => "indicators",
        BatchKind::Targets => "targets",
    }
}

/// Refuses a batch of entities when any item changes an entity, or places one under a parent,
/// outside the caller's scope (each such item named); values and targets are checked by the
/// importer, indicators are the city's catalogue (the capability decides, as for a file). Items
/// the importer cannot read fall through to it, which reports them.
async fn check_entity_scope(
    store: &dyn Store,
    principal: &Principal,
    batch: &Batch,
) -> Result<(), BatchError> {
    let catalog = Catalog::new(
        store.all_entities().await.map_err(AppError::from)?,
        store.indicators().await.map_err(AppError::from)?,
    );
    let name = |id: EntityId| {
        catalog
            .entity(id)
            .map_or_else(|| id.to_string(), |e| e.data.name.clone())
    };
    let reason = format!(
        "{}（{}）的管辖范围",
        crate::data_files::OUT_OF_SCOPE,
        principal.unit_name
    );
    let mut problems = Vec::new();
    let mut unplaced = Vec::new();
    // An entity lies in the caller's unit when it or its parent does (the scope is cached for a
    // minute: a unit added since is known by its parent).
    let sees = |id: EntityId| {
        principal.sees(id)
            || catalog
                .entity(id)
                .is_some_and(|e| e.data.parents.iter().any(|l| principal.sees(l.parent)))
    };
    let mut outside = |row: usize, field: &str, id: EntityId| {
        if !sees(id) {
            problems.push(ItemProblem::new(
                Some(row.saturating_sub(2)),
                Some(field),
                &name(id),
                &reason,
            ));
        }
    };
    if let Ok(records) = parse_entities(&batch.grid) {
        for r in &records {
            if let Some(code) = &r.entity.code
                && let EntityMatch::One(id) = catalog.find_entity(code.as_str(), None)
            {
                outside(r.at.row, "code", id);
            }
            match r
                .parent
                .as_ref()
                .map(|p| (p, catalog.find_entity(&p.text, None)))
            {
                Some((_, EntityMatch::One(id))) => outside(r.at.row, "parent_code", id),
                // A new top-level entity, or one under a parent not yet stored: only a
                // caller who sees everything may add it.
                other => unplaced.push(ItemProblem::new(
                    Some(r.at.row.saturating_sub(2)),
                    Some("parent_code"),
                    other.map_or("", |(p, _)| p.text.as_str()),
                    &format!("上级不是已有的主体：只有管辖全市的用户可以新增顶层主体，{reason}"),
                )),
            }
        }
    }
    problems.extend(unplaced);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(BatchError::OutOfScope(problems))
    }
}
