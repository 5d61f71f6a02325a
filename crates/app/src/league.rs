//! League tables (排名表) of stored evaluations written as XLSX (grade and colour cells filled
//! with their colour) or CSV; the rows are read by [`results::league`].

use std::path::Path;

use yiping_access::Principal;
use yiping_io::{Cell, Fill, Table, write_csv, write_xlsx_bytes};

use crate::AppError;
use crate::evaluate::colour_rgb;
use crate::export::{ExportFormat, ExportSummary};
use crate::results::{self, League, LeagueQuery};

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt_num(v: Option<f64>) -> Cell {
    v.map_or(Cell::Empty, Cell::Number)
}

fn round_to(v: f64, decimals: u8) -> f64 {
    let k = 10f64.powi(i32::from(decimals.min(6)));
    (v * k).round() / k
}

/// The league table as a [`Table`]: title, one row per entity in league order, the grade and
/// colour cells filled with their colour.
pub fn league_table(l: &League) -> Table {
    let items = l.items();
    let mut header: Vec<String> = [
        "名次",
        "代码",
        "名称",
        "组别",
        "组内名次",
        "得分",
        "等次",
        "颜色",
        "名次变化",
        "等次变化",
        "说明",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for it in items {
        header.push(if it.unit.is_empty() {
            it.name.clone()
        } else {
            format!("{}（{}）", it.name, it.unit)
        });
    }
    let mut t = Table::new(header).with_title(format!(
        "{}（{}）",
        l.meta().scheme_name,
        l.run.period.label_zh()
    ));
    let (grade_col, colour_col) = (6, 7);
    // Scores as the screen shows them (2 decimals), places as whole numbers.
    let score_decimals = l.meta().score_decimals.unwrap_or(2);
    t.decimals = vec![Some(0), None, None, None, Some(0), Some(score_decimals)];
    t.decimals.resize(11, None);
    t.decimals.extend(items.iter().map(|_| Some(2)));
    for (i, r) in l.rows.iter().enumerate() {
        let mut row = vec![
            r.rank.map_or(Cell::Empty, |x| Cell::Number(f64::from(x))),
            text(r.entity_key.clone()),
            text(r.entity_name.clone()),
            r.cohort.clone().map_or(Cell::Empty, Cell::Text),
            r.cohort_rank
                .map_or(Cell::Empty, |x| Cell::Number(f64::from(x))),
            opt_num(r.score.map(|v| round_to(v, score_decimals))),
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
        // The breakdown lines up with the items (checked when read).
        row.extend(r.breakdown.iter().map(|b| opt_num(b.measure())));
        let table_row = t.data_row(i);
        if let Some(g) = r.grade.as_deref().and_then(|g| l.grade(g)) {
            t.fills.push(Fill {
                row: table_row,
                col: grade_col,
                rgb: g.rgb.0,
            });
        }
        if let Some(c) = &r.colour {
            // The run's fill; a name the run does not define gets the shipped fill of the name.
            let rgb = l.colour(c).map_or_else(|| colour_rgb(c), |d| d.rgb);
            t.fills.push(Fill {
                row: table_row,
                col: colour_col,
                rgb: rgb.0,
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

/// Writes the stored league table of `scheme` for `q` (as [`results::league`] reads it for
/// `caller`) to `path` (.xlsx or .csv).
pub async fn export_league(
    store: &dyn yiping_store::Store,
    caller: &Principal,
    scheme: &str,
    q: &LeagueQuery,
    path: &Path,
) -> Result<ExportSummary, AppError> {
    let format = ExportFormat::from_path(path)?;
    let league = results::league(store, caller, scheme, q).await?;
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
