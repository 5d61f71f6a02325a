//! What long and wide parsing share: where a value came from, how entities are resolved, the
//! problems found so far, and the final pass (合计 rows, duplicate keys, all-or-nothing).

use std::collections::{HashMap, HashSet};

use yiping_kernel::{
    Catalog, EntityId, EntityMatch, IndicatorId, Measure, ObservationKey, ObservationStatus,
    ObservationValue, Period, PeriodError,
};

use super::header::{entity_text, is_total};
use super::{Layout, ParseOptions, ParsedObservations, ParsedRow};
use crate::{CellAt, Grid, Problem, SourceRef, column_letters};

/// The entity a row is about: resolved, or the table's total row (合计/全市), which stands for
/// the common parent of the other rows' entities and is resolved at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Who {
    Entity(EntityId),
    Total,
}

/// A value read and checked, waiting for the final pass.
#[derive(Debug)]
struct Pending {
    who: Who,
    indicator: IndicatorId,
    period: Period,
    measure: Measure,
    value: ObservationValue,
    at: CellAt,
}

/// One value to record (see [`Sink::push`]).
#[derive(Debug)]
pub(crate) struct Value {
    pub who: Who,
    pub indicator: IndicatorId,
    pub period: Period,
    pub measure: Measure,
    pub number: f64,
    pub status: ObservationStatus,
    pub row: usize,
    pub col: usize,
}

/// Collects values and problems while a table is read.
#[derive(Debug)]
pub(crate) struct Sink<'a> {
    pub grid: &'a Grid,
    pub catalog: &'a Catalog,
    pub opts: &'a ParseOptions,
    pub skipped_missing: usize,
    /// Set by the long layout when the table has a 状态 column.
    pub status_column: bool,
    problems: Vec<Problem>,
    pending: Vec<Pending>,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(grid: &'a Grid, catalog: &'a Catalog, opts: &'a ParseOptions) -> Self {
        Self {
            grid,
            catalog,
            opts,
            skipped_missing: 0,
            status_column: false,
            problems: Vec::new(),
            pending: Vec::new(),
        }
    }

    /// The location of zero-based `row` (and `col`) in the file.
    pub(crate) fn at(&self, row: usize, col: Option<usize>) -> SourceRef {
        source_ref(self.grid, row, col)
    }

    pub(crate) fn problem(
        &mut self,
        row: usize,
        col: Option<usize>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) {
        let at = self.at(row, col);
        self.problems.push(Problem {
            at,
            value: value.into(),
            reason: reason.into(),
        });
    }

    /// The year to assume for periods written without one.
    pub(crate) fn default_year(&self) -> Option<i32> {
        self.opts
            .default_year
            .or(self.opts.default_period.map(|p| p.year_number()))
    }

    /// The period of the whole table: stated in a preamble line (the title first; lines about
    /// dates such as 填报日期：2024年10月8日 are not periods), else in the sheet name, else the
    /// caller's default.
    pub(crate) fn table_period(&self, preamble: &[String]) -> Option<Period> {
        let year = self.default_year();
        preamble
            .iter()
            .filter(|t| {
                !["日期", "制表时间", "填报时间", "报送时间"]
                    .iter()
                    .any(|w| t.contains(w))
            })
            .find_map(|t| Period::find_in_text(t, year))
            .or_else(|| {
                self.grid
                    .sheet
                    .as_deref()
                    .and_then(|s| Period::find_in_text(s, year))
            })
            .or(self.opts.default_period)
    }

    /// Reports that the table has no period anywhere.
    pub(crate) fn missing_period(&mut self, row: usize) {
        self.problem(
            row,
            None,
            "",
            "缺少时期：标题和工作表名称中都没有写明时期，也没有指定默认时期（请在标题中写明，如“2024年1—9月”，或导入时指定时期）",
        );
    }

    /// Reports a period cell that could not be read.
    pub(crate) fn bad_period(&mut self, row: usize, col: usize, text: &str, err: &PeriodError) {
        let reason = if matches!(err, PeriodError::MissingYear { .. }) {
            "没有写年份，请写明年份或在导入时指定默认年份".to_string()
        } else {
            format!("无法识别为时期（{err}）；可写 2024M01-M09、2024年1—9月、2024年前三季度 等")
        };
        self.problem(row, Some(col), text, reason);
    }

    /// Resolves the entity of a row from its code cell (preferred when filled) or its name cell.
    /// Reports unknown and ambiguous entities; a name such as 合计 or 全市 that the catalog does
    /// not know is the table's total.
    pub(crate) fn resolve_entity(
        &mut self,
        row: usize,
        code: Option<(usize, String)>,
        name: Option<(usize, String)>,
    ) -> Option<Who> {
        let code = code.filter(|(_, t)| !t.trim().is_empty());
        let name_col = name.as_ref().map(|(c, _)| *c);
        let name = name
            .map(|(c, t)| (c, entity_text(&t)))
            .filter(|(_, t)| !t.is_empty());
        if let Some((col, text)) = code {
            return match self.catalog.find_entity(&text, None) {
                EntityMatch::One(id) => Some(Who::Entity(id)),
                EntityMatch::Ambiguous(ids) => {
                    let reason = ambiguous_entities(self.catalog, &ids);
                    self.problem(row, Some(col), text, reason);
                    None
                }
                EntityMatch::None => {
                    self.problem(row, Some(col), text, "不是已知的主体代码");
                    None
                }
            };
        }
        let Some((col, text)) = name else {
            self.problem(row, name_col, "", "缺少主体（名称或代码）");
            return None;
        };
        match self.catalog.find_entity(&text, None) {
            EntityMatch::One(id) => Some(Who::Entity(id)),
            EntityMatch::Ambiguous(ids) => {
                let reason = ambiguous_entities(self.catalog, &ids);
                self.problem(row, Some(col), text, reason);
                None
            }
            EntityMatch::None if is_total(&text) => Some(Who::Total),
            EntityMatch::None => {
                self.problem(
                    row,
                    Some(col),
                    text,
                    "不是已知的主体（按代码、名称和简称都找不到）",
                );
                None
            }
        }
    }

    /// Records one value, or a problem if it is not a finite number.
    pub(crate) fn push(&mut self, v: Value) {
        match ObservationValue::new(v.number, v.status) {
            Ok(value) => {
                self.pending.push(Pending {
                    who: v.who,
                    indicator: v.indicator,
                    period: v.period,
                    measure: v.measure,
                    value,
                    at: CellAt {
                        row: v.row + 1,
                        col: v.col,
                    },
                });
            }
            Err(_) => {
                let text = self.grid.cell(v.row, v.col).text();
                self.problem(v.row, Some(v.col), text, "数值超出范围")
            }
        }
    }

    /// The final pass: resolves total rows, rejects conflicting duplicates, and returns either
    /// every row or every problem.
    pub(crate) fn finish(mut self, layout: Layout) -> Result<ParsedObservations, Vec<Problem>> {
        let totals = self.resolve_totals();
        let mut rows: Vec<ParsedRow> = Vec::with_capacity(self.pending.len());
        let mut seen: rustc_hash::FxHashMap<ObservationKey, usize> =
            rustc_hash::FxHashMap::default();
        seen.reserve(self.pending.len());
        let mut problems = std::mem::take(&mut self.problems);
        for (i, p) in std::mem::take(&mut self.pending).into_iter().enumerate() {
            let entity = match p.who {
                Who::Entity(id) => id,
                Who::Total => match totals.get(&i) {
                    Some(id) => *id,
                    None => continue,
                },
            };
            let key = ObservationKey {
                entity,
                indicator: p.indicator,
                period: p.period,
                measure: p.measure,
            };
            match seen.get(&key) {
                Some(&j) if rows[j].value == p.value => {}
                Some(&j) => {
                    let first = &rows[j];
                    let place = format!("第{}行{}列", first.at.row, first.at.column());
                    problems.push(Problem {
                        at: p.at.source_ref(self.grid),
                        value: self.grid.cell(p.at.row - 1, p.at.col).text(),
                        reason: format!(
                            "与{place}的值{}重复（同一主体、指标、时期和口径），但数值不同",
                            first.value.value()
                        ),
                    });
                }
                None => {
                    seen.insert(key, rows.len());
                    rows.push(ParsedRow {
                        key,
                        value: p.value,
                        at: p.at,
                    });
                }
            }
        }
        if !problems.is_empty() {
            sort_problems(&mut problems);
            return Err(problems);
        }
        let mut periods: Vec<Period> = rows.iter().map(|r| r.key.period).collect();
        periods.sort();
        periods.dedup();
        Ok(ParsedObservations {
            layout,
            rows,
            periods,
            skipped_missing: self.skipped_missing,
            status_column: self.status_column,
        })
    }

    /// For every pending total value: the common parent, at the period's last day, of the
    /// entities of the other values of the same period. Reports each total row that has none.
    fn resolve_totals(&mut self) -> HashMap<usize, EntityId> {
        let mut by_period: HashMap<Period, Result<EntityId, String>> = HashMap::new();
        let mut out = HashMap::new();
        let mut reported: HashSet<usize> = HashSet::new();
        for i in 0..self.pending.len() {
            if self.pending[i].who != Who::Total {
                continue;
            }
            let period = self.pending[i].period;
            let parent = by_period
                .entry(period)
                .or_insert_with(|| common_parent(self.catalog, &self.pending, period))
                .clone();
            match parent {
                Ok(id) => {
                    out.insert(i, id);
                }
                Err(reason) => {
                    let at = &self.pending[i].at;
                    if reported.insert(at.row) {
                        let row = at.row - 1;
                        let value = entity_cell_text(self.grid, row);
                        self.problems.push(Problem {
                            at: source_ref(self.grid, row, None),
                            value,
                            reason,
                        });
                    }
                }
            }
        }
        out
    }
}

/// The first non-empty cell of a row, for messages about the row as a whole.
fn entity_cell_text(grid: &Grid, row: usize) -> String {
    grid.rows
        .get(row)
        .and_then(|r| r.iter().find(|c| !c.is_empty()))
        .map(|c| c.text())
        .unwrap_or_default()
}

fn common_parent(
    catalog: &Catalog,
    pending: &[Pending],
    period: Period,
) -> Result<EntityId, String> {
    let day = period.last_day();
    let mut members: Vec<EntityId> = pending
        .iter()
        .filter(|p| p.period == period)
        .filter_map(|p| match p.who {
            Who::Entity(id) => Some(id),
            Who::Total => None,
        })
        .collect();
    members.sort();
    members.dedup();
    if members.is_empty() {
        return Err("无法确定合计行对应的上级：表中没有其他主体的数据".to_string());
    }
    let parents: Vec<Option<EntityId>> = members
        .iter()
        .map(|id| catalog.entity(*id).and_then(|e| e.parent_at(day)))
        .collect();
    match parents.first() {
        Some(Some(p)) if parents.iter().all(|q| *q == Some(*p)) => Ok(*p),
        _ => Err(format!(
            "无法确定合计行对应的上级：其他各行的主体在{day}没有唯一的共同上级，请改写为上级的名称或代码"
        )),
    }
}

pub(crate) fn source_ref(grid: &Grid, row: usize, col: Option<usize>) -> SourceRef {
    SourceRef {
        file: grid.file.clone(),
        sheet: grid.sheet.clone(),
        row: row + 1,
        column: col.map(column_letters),
    }
}

/// Why a name that several entities share cannot be used: the candidates, by code and name.
pub(crate) fn ambiguous_entities(catalog: &Catalog, ids: &[EntityId]) -> String {
    let mut names: Vec<String> = ids
        .iter()
        .map(|id| match catalog.entity(*id) {
            Some(e) => match &e.data.code {
                Some(c) => format!("{c} {}", e.data.name),
                None => format!("{}（无代码，内部编号{id}）", e.data.name),
            },
            None => format!("内部编号{id}"),
        })
        .collect();
    names.sort();
    format!("对应多个主体：{}；请改用代码", names.join("、"))
}

/// Orders problems as the table reads: by row, then by column (A … Z, AA …); a problem about a
/// whole row comes first.
pub(crate) fn sort_problems(problems: &mut [Problem]) {
    problems.sort_by(|a, b| {
        let col = |p: &Problem| p.at.column.as_ref().map(|c| (c.len(), c.clone()));
        (a.at.row, col(a)).cmp(&(b.at.row, col(b)))
    });
}
