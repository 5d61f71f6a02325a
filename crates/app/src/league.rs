//! League tables (排名表) of stored evaluations: reading a whole table, and writing it as XLSX (grade
//! and colour cells filled with their colour) or CSV.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;
use yiping_io::{Cell, Fill, Table, write_csv, write_xlsx_bytes};
use yiping_kernel::Period;
use yiping_store::{EvaluationRow, EvaluationRun, Page, ResultFilter, Store};

use crate::AppError;
use crate::evaluate::{Library, colour_rgb, expand_breakdown};
use crate::export::{ExportFormat, ExportSummary};

/// A whole stored league table with its metadata.
#[derive(Debug, Clone)]
pub struct League {
    pub run: EvaluationRun,
    /// The run's metadata (items, grades, colours, labels), parsed.
    pub meta: Value,
    pub rows: Vec<EvaluationRow>,
    /// The number of rows matching the filter (all of them are in `rows` unless a limit was set).
    pub total: u64,
}

impl League {
    pub fn scheme_name(&self) -> &str {
        self.meta["scheme_name"]
            .as_str()
            .unwrap_or(&self.run.scheme)
    }

    /// The fill of a grade by name, from the run's metadata.
    pub fn grade_rgb(&self, grade: &str) -> Option<u32> {
        self.meta["grades"].as_array()?.iter().find_map(|g| {
            (g["name"].as_str() == Some(grade))
                .then(|| g["rgb"].as_str())
                .flatten()
                .and_then(|s| u32::from_str_radix(s.trim_start_matches('#'), 16).ok())
        })
    }

    /// (id, name, unit, decimals) of each item.
    pub fn items(&self) -> Vec<(String, String, String, usize)> {
        self.meta["items"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|i| {
                        (
                            i["id"].as_str().unwrap_or_default().to_string(),
                            i["name"].as_str().unwrap_or_default().to_string(),
                            i["unit"].as_str().unwrap_or_default().to_string(),
                            i["decimals"].as_u64().unwrap_or(2) as usize,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Reads the stored league table of `scheme` for `period` (up to `limit` rows; all with `None`).
pub async fn load_league(
    store: &dyn Store,
    scheme: &str,
    period: Period,
    filter: &ResultFilter,
    limit: Option<usize>,
) -> Result<League, AppError> {
    let code = Library::load(store).await?.code_of(scheme)?;
    let mut rows = Vec::new();
    let mut offset = 0u64;
    let want = limit.unwrap_or(usize::MAX);
    loop {
        let size = (want - rows.len()).min(Page::MAX_LIMIT as usize) as u32;
        let page = store
            .evaluation(&code, period, filter, Page::new(size, offset))
            .await?
            .ok_or_else(|| {
                AppError::invalid(format!(
                    "方案 {code} 还没有{}的评价结果：请先运行 yiping evaluate --scheme {code} --period {}",
                    period.label_zh(),
                    period.code()
                ))
            })?;
        let n = page.rows.items.len();
        offset += n as u64;
        rows.extend(page.rows.items);
        if n == 0 || offset >= page.rows.total || rows.len() >= want {
            let meta = serde_json::from_str(&page.run.meta).unwrap_or(Value::Null);
            return Ok(League {
                run: page.run,
                meta,
                rows,
                total: page.rows.total,
            });
        }
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt_num(v: Option<f64>) -> Cell {
    v.map_or(Cell::Empty, Cell::Number)
}

/// The league table as a [`Table`]: title, one row per entity in league order, the grade and
/// colour cells filled with their colour.
pub fn league_table(l: &League) -> Table {
    let items = l.items();
    let mut header: Vec<String> = [
        "排名",
        "代码",
        "名称",
        "组别",
        "组内排名",
        "得分",
        "等级",
        "颜色",
        "排名变化",
        "等级变化",
        "说明",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (_, name, unit, _) in &items {
        header.push(if unit.is_empty() {
            name.clone()
        } else {
            format!("{name}（{unit}）")
        });
    }
    let mut t = Table::new(header).with_title(format!(
        "{}（{}）",
        l.scheme_name(),
        l.run.period.label_zh()
    ));
    let (grade_col, colour_col) = (6, 7);
    for (i, r) in l.rows.iter().enumerate() {
        let measures: HashMap<String, Option<f64>> = expand_breakdown(&r.breakdown, &l.meta)
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|b| {
                (
                    b["id"].as_str().unwrap_or_default().to_string(),
                    b["measure"].as_f64(),
                )
            })
            .collect();
        let mut row = vec![
            r.rank.map_or(Cell::Empty, |x| Cell::Number(f64::from(x))),
            text(r.entity_key.clone()),
            text(r.entity_name.clone()),
            r.cohort.clone().map_or(Cell::Empty, Cell::Text),
            r.cohort_rank
                .map_or(Cell::Empty, |x| Cell::Number(f64::from(x))),
            opt_num(r.score),
            if r.exempt && r.grade.is_none() {
                text("不定等级")
            } else {
                r.grade.clone().map_or(Cell::Empty, Cell::Text)
            },
            r.colour.clone().map_or(Cell::Empty, Cell::Text),
            r.rank_change.map_or(Cell::Empty, |m| text(m.label_zh())),
            r.grade_change.map_or(Cell::Empty, |m| text(m.label_zh())),
            text(r.explanation.clone()),
        ];
        row.extend(
            items
                .iter()
                .map(|(id, ..)| opt_num(measures.get(id).copied().flatten())),
        );
        let table_row = t.data_row(i);
        if let Some(rgb) = r.grade.as_deref().and_then(|g| l.grade_rgb(g)) {
            t.fills.push(Fill {
                row: table_row,
                col: grade_col,
                rgb,
            });
        }
        if let Some(c) = &r.colour {
            t.fills.push(Fill {
                row: table_row,
                col: colour_col,
                rgb: colour_rgb(c),
            });
        }
        t.rows.push(row);
    }
    t
}

/// The league table as an XLSX workbook (one sheet, 排名), grade and colour cells filled: what
/// `yiping export --league` writes and the evaluation pages download.
pub fn league_xlsx(l: &League) -> Result<Vec<u8>, AppError> {
    Ok(write_xlsx_bytes(&[("排名", &league_table(l))])?)
}

/// Writes the stored league table of `scheme` for `period` to `path` (.xlsx or .csv).
pub async fn export_league(
    store: &dyn Store,
    scheme: &str,
    period: Period,
    filter: &ResultFilter,
    path: &Path,
) -> Result<ExportSummary, AppError> {
    let format = ExportFormat::from_path(path)?;
    let league = load_league(store, scheme, period, filter, None).await?;
    let cannot_write =
        |e: std::io::Error| AppError::invalid(format!("无法写入“{}”：{e}", path.display()));
    match format {
        ExportFormat::Csv => {
            let file = std::fs::File::create(path).map_err(cannot_write)?;
            write_csv(&league_table(&league), std::io::BufWriter::new(file))?;
        }
        ExportFormat::Xlsx => std::fs::write(path, league_xlsx(&league)?).map_err(cannot_write)?,
    }
    Ok(ExportSummary {
        rows: league.rows.len(),
        tables: 1,
    })
}
