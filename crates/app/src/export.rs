//! Exporting observations as CSV or XLSX, in the long layout (one value a row) or the wide
//! layout (one row per entity, one column per indicator and measure, one period per table).
//! Both read back through the importer without loss.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use yiping_io::{
    Cell, MergedRange, OBSERVATION_LONG_HEADER, Table, unit_for, write_csv, write_xlsx,
};
use yiping_kernel::{Entity, EntityId, Indicator, IndicatorId, Measure, Observation, Period};
use yiping_store::{ObservationFilter, Page, Store};

use crate::AppError;

/// The two table shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportLayout {
    Long,
    Wide,
}

/// The file format, from the output file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// A file name's extension in lower case (`XLSX` → `xlsx`), if it has one.
pub(crate) fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

impl ExportFormat {
    pub fn from_path(path: &Path) -> Result<Self, AppError> {
        match extension(path).as_deref() {
            Some("csv") => Ok(Self::Csv),
            Some("xlsx") => Ok(Self::Xlsx),
            _ => Err(AppError::invalid(format!(
                "无法从“{}”判断导出格式：文件名须以 .csv 或 .xlsx 结尾",
                path.display()
            ))),
        }
    }
}

/// Reads every observation matching `filter`, page by page.
pub async fn fetch_all(
    store: &dyn Store,
    filter: &ObservationFilter,
) -> Result<Vec<Observation>, AppError> {
    let mut out = Vec::new();
    let mut offset = 0u64;
    loop {
        let page = store
            .observations(filter, Page::new(Page::MAX_LIMIT, offset))
            .await?;
        let n = page.items.len() as u64;
        out.extend(page.items);
        offset += n;
        if n == 0 || offset >= page.total {
            return Ok(out);
        }
    }
}

struct Names {
    entities: HashMap<EntityId, Entity>,
    indicators: HashMap<IndicatorId, Indicator>,
}

impl Names {
    async fn load(store: &dyn Store) -> Result<Self, AppError> {
        Ok(Self {
            entities: store
                .all_entities()
                .await?
                .into_iter()
                .map(|e| (e.id, e))
                .collect(),
            indicators: store
                .indicators()
                .await?
                .into_iter()
                .map(|i| (i.id, i))
                .collect(),
        })
    }

    fn entity(&self, id: EntityId) -> Result<&Entity, AppError> {
        self.entities
            .get(&id)
            .ok_or_else(|| AppError::invalid(format!("主体 {id} 不存在")))
    }

    fn indicator(&self, id: IndicatorId) -> Result<&Indicator, AppError> {
        self.indicators
            .get(&id)
            .ok_or_else(|| AppError::invalid(format!("指标 {id} 不存在")))
    }
}

fn code_cell(e: &Entity) -> Cell {
    e.data
        .code
        .as_ref()
        .map_or(Cell::Empty, |c| Cell::Text(c.as_str().to_string()))
}

/// The long table: one value a row, with the header the importer reads back.
fn long_table(obs: &[Observation], names: &Names) -> Result<Table, AppError> {
    let mut t = Table::new(OBSERVATION_LONG_HEADER);
    for o in obs {
        let e = names.entity(o.key.entity)?;
        let i = names.indicator(o.key.indicator)?;
        t.rows.push(vec![
            code_cell(e),
            Cell::Text(e.data.name.clone()),
            Cell::Text(i.data.code.as_str().to_string()),
            Cell::Text(i.data.name.clone()),
            Cell::Text(o.key.period.code()),
            Cell::Text(o.key.measure.label_zh().to_string()),
            Cell::Number(o.value.value()),
            Cell::Text(unit_for(i, o.key.measure).to_string()),
            Cell::Text(o.value.status.label_zh().to_string()),
        ]);
    }
    Ok(t)
}

/// The wide table of one period: a title naming the period, a two-row header (indicator over
/// 数值 / 增速 with units), one row per entity.
fn wide_table(period: Period, obs: &[&Observation], names: &Names) -> Result<Table, AppError> {
    let mut columns: BTreeSet<(IndicatorId, Measure)> = BTreeSet::new();
    let mut rows: BTreeMap<EntityId, HashMap<(IndicatorId, Measure), f64>> = BTreeMap::new();
    for o in obs {
        columns.insert((o.key.indicator, o.key.measure));
        rows.entry(o.key.entity)
            .or_default()
            .insert((o.key.indicator, o.key.measure), o.value.value());
    }
    let columns: Vec<_> = columns.into_iter().collect();
    let mut top = vec!["代码".to_string(), "名称".to_string()];
    let mut sub = vec![String::new(), String::new()];
    let mut merges = vec![
        MergedRange {
            first_row: 0,
            first_col: 0,
            last_row: 1,
            last_col: 0,
        },
        MergedRange {
            first_row: 0,
            first_col: 1,
            last_row: 1,
            last_col: 1,
        },
    ];
    let mut c = 0;
    while c < columns.len() {
        let ind = names.indicator(columns[c].0)?;
        let span = columns[c..]
            .iter()
            .take_while(|(i, _)| *i == columns[c].0)
            .count();
        for (k, (_, m)) in columns[c..c + span].iter().enumerate() {
            top.push(if k == 0 {
                ind.data.name.clone()
            } else {
                String::new()
            });
            sub.push(match m {
                Measure::Value => format!("数值（{}）", ind.data.unit),
                Measure::Growth => "增速（%）".to_string(),
            });
        }
        if span > 1 {
            merges.push(MergedRange {
                first_row: 0,
                first_col: c + 2,
                last_row: 0,
                last_col: c + 1 + span,
            });
        }
        c += span;
    }
    let mut t =
        Table::new(Vec::<String>::new()).with_title(format!("{}主要指标", period.label_zh()));
    t.header = vec![top, sub];
    t.merges = merges;
    // Numbers shown as a bureau prints them: 亿元 with 2 decimals, rates with 1.
    t.decimals = vec![None, None];
    for (i, m) in &columns {
        let ind = names.indicator(*i)?;
        t.decimals.push(Some(match m {
            Measure::Growth => 1,
            Measure::Value => value_decimals(&ind.data.unit),
        }));
    }
    for (eid, values) in rows {
        let e = names.entity(eid)?;
        let mut row = vec![code_cell(e), Cell::Text(e.data.name.clone())];
        row.extend(
            columns
                .iter()
                .map(|k| values.get(k).map_or(Cell::Empty, |v| Cell::Number(*v))),
        );
        t.rows.push(row);
    }
    Ok(t)
}

/// The decimals a value in `unit` is printed with: 亿元 and 万元 2, a rate (%, ‰) 1, counts
/// (个, 件, 家, 人) none, anything else 2.
fn value_decimals(unit: &str) -> u8 {
    match unit.trim() {
        "%" | "％" | "‰" | "个百分点" => 1,
        "个" | "件" | "家" | "人" | "户" | "项" | "次" => 0,
        _ => 2,
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub rows: usize,
    pub tables: usize,
}

/// Writes the observations matching `filter` to `path` (format from the extension).
pub async fn export_observations(
    store: &dyn Store,
    filter: &ObservationFilter,
    layout: ExportLayout,
    path: &Path,
) -> Result<ExportSummary, AppError> {
    let format = ExportFormat::from_path(path)?;
    let obs = fetch_all(store, filter).await?;
    let names = Names::load(store).await?;
    let tables: Vec<(String, Table)> = match layout {
        ExportLayout::Long => vec![("数据".to_string(), long_table(&obs, &names)?)],
        ExportLayout::Wide => {
            let mut by_period: BTreeMap<Period, Vec<&Observation>> = BTreeMap::new();
            for o in &obs {
                by_period.entry(o.key.period).or_default().push(o);
            }
            if format == ExportFormat::Csv && by_period.len() > 1 {
                return Err(AppError::invalid(format!(
                    "宽表 CSV 只能容纳一个时期，所选数据有{}个时期：请用 --period 指定一个，或导出为 .xlsx（每个时期一个工作表）",
                    by_period.len()
                )));
            }
            by_period
                .into_iter()
                // Sheets named as people say the period (2024年1—9月).
                .map(|(p, o)| Ok((p.label_zh(), wide_table(p, &o, &names)?)))
                .collect::<Result<_, AppError>>()?
        }
    };
    let summary = ExportSummary {
        rows: obs.len(),
        tables: tables.len(),
    };
    match format {
        ExportFormat::Csv => {
            let table = tables
                .into_iter()
                .next()
                .map(|(_, t)| t)
                .unwrap_or_else(|| Table::new(OBSERVATION_LONG_HEADER));
            let file = std::fs::File::create(path)
                .map_err(|e| AppError::invalid(format!("无法写入“{}”：{e}", path.display())))?;
            write_csv(&table, std::io::BufWriter::new(file))?;
        }
        ExportFormat::Xlsx => {
            let tables = if tables.is_empty() {
                vec![("数据".to_string(), Table::new(OBSERVATION_LONG_HEADER))]
            } else {
                tables
            };
            let refs: Vec<(&str, &Table)> = tables.iter().map(|(n, t)| (n.as_str(), t)).collect();
            write_xlsx(&refs, path)?;
        }
    }
    Ok(summary)
}
