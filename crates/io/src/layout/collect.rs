//! What long and wide parsing share: where a value came from, how entities are resolved, the
//! problems found so far, and the final pass (合计 rows, duplicate keys, all-or-nothing).

use std::collections::{HashMap, HashSet};

use yiping_kernel::{
    Catalog, EntityId, EntityMatch, IndicatorId, Measure, ObservationKey, ObservationStatus,
    ObservationValue, Period, PeriodError,
};

use super::header::{entity_text, is_total};
use super::stated::{self, Stated};
use super::{Layout, ParseOptions, ParsedObservations, ParsedRow};
use crate::{CellAt, Grid, Problem, SourceRef, column_letters};

/// The most problems listed for one table; the rest are counted. A file of a million bad rows
/// is refused just the same, without a million messages in memory.
const MAX_PROBLEMS: usize = 1000;

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
    /// The (first) header row, once found: a table without data rows is reported there.
    pub header_row: Option<usize>,
    /// Data rows read (not blank, not a footnote, not a section heading).
    pub data_rows: usize,
    problems: Vec<Problem>,
    /// Problems found beyond [`MAX_PROBLEMS`].
    unlisted: usize,
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
            header_row: None,
            data_rows: 0,
            problems: Vec::new(),
            unlisted: 0,
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
        if self.problems.len() >= MAX_PROBLEMS {
            self.unlisted += 1;
            return;
        }
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

    /// The period of the whole table (see [`stated`]): stated in a preamble line (row, text), in
    /// the sheet name, or the caller's default. Places that disagree are reported at `row`.
    pub(crate) fn table_period(
        &mut self,
        preamble: &[(usize, String)],
        row: usize,
    ) -> Option<Stated> {
        let (stated, conflict) = stated::table_period(
            preamble,
            self.grid.sheet.as_deref(),
            self.opts.default_period,
            self.default_year(),
        );
        if let Some(c) = conflict {
            self.problem(row, None, "", stated::conflict_reason(&c));
        }
        stated
    }

    /// Reports a period (of a cell or a sub-header) that disagrees with the table's.
    pub(crate) fn period_disagrees(
        &mut self,
        row: usize,
        col: usize,
        text: &str,
        period: Period,
        table: &Stated,
    ) {
        self.problem(
            row,
            Some(col),
            text,
            format!(
                "是{}，与{}所写的时期{}不一致；无法判断数据属于哪个时期，请改正后再导入",
                period.label_zh(),
                table.place,
                table.label()
            ),
        );
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
    /// Reports unknown and ambiguous entities, and a code whose entity the name cell contradicts;
    /// a name such as 合计 or 全市 that the catalog does not know is the table's total.
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
            let id = match self.catalog.find_entity(&text, None) {
                EntityMatch::One(id) => id,
                EntityMatch::Ambiguous(ids) => {
                    let reason = ambiguous_entities(self.catalog, &ids);
                    self.problem(row, Some(col), text, reason);
                    return None;
                }
                EntityMatch::None => {
                    self.problem(row, Some(col), text, "不是已知的主体代码");
                    return None;
                }
            };
            // A name that names another entity contradicts the code.
            if let Some((ncol, ntext)) = name
                && let EntityMatch::One(other) = self.catalog.find_entity(&ntext, None)
                && other != id
            {
                let reason = format!(
                    "与同一行的代码“{text}”（{}）不是同一个主体",
                    entity_label(self.catalog, id)
                );
                self.problem(row, Some(ncol), ntext, reason);
                return None;
            }
            return Some(Who::Entity(id));
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
            EntityMatch::None => match code_and_name(self.catalog, &text) {
                Some(Ok(id)) => Some(Who::Entity(id)),
                Some(Err(reason)) => {
                    self.problem(row, Some(col), text, reason);
                    None
                }
                None => {
                    let reason = unknown_entity(self.catalog, &text);
                    self.problem(row, Some(col), text, reason);
                    None
                }
            },
        }
    }

    /// Records one value, or a problem if it is not a finite number or outside the indicator's
    /// valid range (a level only: growth rates may be anything).
    pub(crate) fn push(&mut self, v: Value) {
        if v.measure == Measure::Value
            && let Some(ind) = self.catalog.indicator(v.indicator)
            && !ind.data.range.contains(v.number)
        {
            let text = self.grid.cell(v.row, v.col).text();
            let range = ind.data.range;
            let reason = if v.number < 0.0 && range.min == Some(0.0) {
                format!(
                    "是负数，但指标“{}”不能为负（取值范围{}）",
                    ind.data.name,
                    range.label_zh()
                )
            } else {
                format!(
                    "超出指标“{}”的取值范围（{}，计量单位{}）",
                    ind.data.name,
                    range.label_zh(),
                    ind.data.unit
                )
            };
            self.problem(v.row, Some(v.col), text, reason);
            return;
        }
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

    /// The final pass: resolves total rows, rejects conflicting duplicates (an identical repeat
    /// is kept once, with a warning naming both rows), refuses a table without any value, and
    /// returns either every row or every problem.
    pub(crate) fn finish(mut self, layout: Layout) -> Result<ParsedObservations, Vec<Problem>> {
        let totals = self.resolve_totals();
        let mut rows: Vec<ParsedRow> = Vec::with_capacity(self.pending.len());
        let mut seen: rustc_hash::FxHashMap<ObservationKey, usize> =
            rustc_hash::FxHashMap::default();
        seen.reserve(self.pending.len());
        let mut repeats: Vec<(usize, usize)> = Vec::new();
        let mut repeat_rows: HashSet<(usize, usize)> = HashSet::new();
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
                Some(&j) if rows[j].value == p.value => {
                    let pair = (rows[j].at.row, p.at.row);
                    if pair.0 != pair.1 && repeat_rows.insert(pair) {
                        repeats.push(pair);
                    }
                }
                Some(&j) => {
                    let first = &rows[j];
                    let place = format!("第{}行{}列", first.at.row, first.at.column());
                    let reason = format!(
                        "与{place}的值{}重复（同一主体、指标、时期和口径），但数值不同",
                        first.value.value()
                    );
                    let value = self.grid.cell(p.at.row - 1, p.at.col).text();
                    self.problem(p.at.row - 1, Some(p.at.col), value, reason);
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
        drop(seen);
        // A table without data is almost always the wrong file (a blank template): refused,
        // whatever else is wrong with it.
        if let Some(header) = self.header_row {
            if self.data_rows == 0 {
                self.problem(
                    header,
                    None,
                    "",
                    "表中只有表头，没有数据行；这通常是选错了文件（例如空白模板）",
                );
            } else if self.problems.is_empty() && rows.is_empty() {
                let reason = format!(
                    "表中没有任何数值：{}个数值单元格全部为空或“—”；这通常是选错了文件",
                    self.skipped_missing
                );
                self.problem(header, None, "", reason);
            }
        }
        let mut problems = std::mem::take(&mut self.problems);
        if !problems.is_empty() {
            sort_problems(&mut problems);
            if self.unlisted > 0 {
                let last = problems.last().map_or(1, |p| p.at.row);
                problems.push(Problem {
                    at: source_ref(self.grid, last.saturating_sub(1), None),
                    value: String::new(),
                    reason: format!("另有{}处问题未列出", self.unlisted),
                });
            }
            return Err(problems.into_iter().map(Problem::escaped).collect());
        }
        let warnings = repeats
            .iter()
            .take(MAX_PROBLEMS)
            .map(|&(first, again)| {
                Problem {
                    at: source_ref(self.grid, again - 1, None),
                    value: String::new(),
                    reason: format!(
                        "与第{first}行完全相同（同一主体、指标、时期、口径和数值），只导入一次"
                    ),
                }
                .escaped()
            })
            .collect();
        let mut periods: Vec<Period> = rows.iter().map(|r| r.key.period).collect();
        periods.sort();
        periods.dedup();
        Ok(ParsedObservations {
            layout,
            rows,
            periods,
            skipped_missing: self.skipped_missing,
            status_column: self.status_column,
            warnings,
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
    grid.first_in_row(row)
        .map(|(_, c)| c.text())
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

/// An entity as a candidate is listed: its code and name.
fn entity_label(catalog: &Catalog, id: EntityId) -> String {
    match catalog.entity(id) {
        Some(e) => match &e.data.code {
            Some(c) => format!("{c} {}", e.data.name),
            None => format!("{}（无代码，内部编号{id}）", e.data.name),
        },
        None => format!("内部编号{id}"),
    }
}

/// Why a name that several entities share cannot be used: the candidates, by code and name.
pub(crate) fn ambiguous_entities(catalog: &Catalog, ids: &[EntityId]) -> String {
    let mut names: Vec<String> = ids.iter().map(|id| entity_label(catalog, *id)).collect();
    names.sort();
    format!("对应多个主体：{}；请改用代码或全称", names.join("、"))
}

/// Why a name is not known, with the entities whose names contain it as candidates (经开区 →
/// 万盛经开区): a partial name is never guessed.
pub(crate) fn unknown_entity(catalog: &Catalog, text: &str) -> String {
    const BASE: &str = "不是已知的主体（按代码、名称和简称都找不到）";
    let ids = catalog.entities_containing(text, 8);
    if ids.is_empty() {
        return BASE.to_string();
    }
    let names: Vec<String> = ids.iter().map(|id| entity_label(catalog, *id)).collect();
    format!(
        "{BASE}；名称中含“{text}”的有：{}，请写全称或代码",
        names.join("、")
    )
}

/// A cell holding a code and a name together (`500103 渝中区`, `500103渝中区`, `渝中区（500103）`):
/// `None` when it is not of that form; else the entity both name, or why they do not agree.
fn code_and_name(catalog: &Catalog, text: &str) -> Option<Result<EntityId, String>> {
    let t = text.trim();
    let digits = |s: &str| {
        let n = s.len();
        (n == 6 || n == 9 || n == 12) && s.chars().all(|c| c.is_ascii_digit())
    };
    let lead: String = t.chars().take_while(char::is_ascii_digit).collect();
    let (code, name) = if digits(&lead) {
        (
            lead.clone(),
            t[lead.len()..].trim().trim_start_matches(['-', '_', ' ']),
        )
    } else {
        let open = t.rfind(['(', '（'])?;
        let inner = t[open..]
            .trim_start_matches(['(', '（'])
            .trim_end_matches([')', '）']);
        if !digits(inner) {
            return None;
        }
        (inner.to_string(), t[..open].trim())
    };
    if name.is_empty() {
        return None;
    }
    let by_code = match catalog.find_entity(&code, None) {
        EntityMatch::One(id) => id,
        _ => return Some(Err(format!("其中的代码“{code}”不是已知的主体代码"))),
    };
    match catalog.find_entity(name, None) {
        EntityMatch::One(id) if id == by_code => Some(Ok(id)),
        EntityMatch::Ambiguous(ids) if ids.contains(&by_code) => Some(Ok(by_code)),
        _ => Some(Err(format!(
            "其中的代码“{code}”是{}，与名称“{name}”不符",
            entity_label(catalog, by_code)
        ))),
    }
}

/// Orders problems as the table reads: by row, then by column (A … Z, AA …); a problem about a
/// whole row comes first.
pub(crate) fn sort_problems(problems: &mut [Problem]) {
    problems.sort_by(|a, b| {
        let col = |p: &Problem| p.at.column.as_ref().map(|c| (c.len(), c.clone()));
        (a.at.row, col(a)).cmp(&(b.at.row, col(b)))
    });
}
