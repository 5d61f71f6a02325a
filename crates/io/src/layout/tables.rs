//! Master data as simple long tables: entities, indicators and targets, one a row.
//!
//! The header is the first row that has one of the known column names; unknown columns are
//! reported (序号 and 备注 are skipped); blank rows are skipped and a footnote (注：…) ends the
//! data. As with observations, every problem is reported and nothing is returned when there is one.

use std::collections::HashMap;
use std::str::FromStr;

use yiping_kernel::{
    Aggregation, Catalog, EntityCode, EntityId, EntityKind, EntityMatch, Frequency, IndicatorId,
    IndicatorKind, IndicatorMatch, KernelError, NewEntity, NewIndicator, ParentLink, Polarity,
    Target, TargetKind, ValidRange,
};

use super::collect::{ambiguous_entities, sort_problems, source_ref, unknown_entity};
use super::header::{is_footnote, is_one_of};
use super::number::parse_number;
use crate::escape::has_control;
use crate::{CellRef, Grid, Problem, SourceRef};

/// The header the exporter writes for entities and the entity parser reads. 别名 and 分组 are
/// lists separated by `;` (also `；` or `、`); 上级代码 is the parent's code (a 上级 column with the
/// parent's name is accepted instead); dates are `YYYY-MM-DD`; 属性 is a JSON object.
pub const ENTITY_HEADER: [&str; 10] = [
    "类型",
    "代码",
    "名称",
    "别名",
    "层级",
    "上级代码",
    "上级生效日期",
    "上级失效日期",
    "分组",
    "属性",
];

/// The header the exporter writes for indicators and the indicator parser reads. Enumerations
/// take the Chinese label or the English code (频率 月/month, 类型 累计值/cumulative_level, …);
/// 取值范围 is `≥0`, `0—100` or `≤1` (blank: no bound), the values a level may take.
pub const INDICATOR_HEADER: [&str; 14] = [
    "代码",
    "名称",
    "别名",
    "计量单位",
    "频率",
    "类型",
    "汇总方式",
    "方向",
    "小数位数",
    "定义",
    "责任部门",
    "约束性",
    "公式",
    "取值范围",
];

/// The header the exporter writes for targets and the target parser reads. 月度计划 is empty
/// (linear) or twelve cumulative shares separated by `;` (0.08;0.16;…;1, or per cent …;100).
pub const TARGET_HEADER: [&str; 8] = [
    "主体代码",
    "主体",
    "指标代码",
    "指标",
    "年份",
    "目标类型",
    "目标值",
    "月度计划",
];

/// An entity row: the entity without parent links (the parent may be defined further down the
/// same file, so it is kept as text for the caller to resolve).
#[derive(Debug, Clone, PartialEq)]
pub struct EntityRecord {
    pub entity: NewEntity,
    pub parent: Option<ParentCell>,
    /// The row.
    pub at: SourceRef,
}

/// The parent an entity row names, and the validity of the link.
#[derive(Debug, Clone, PartialEq)]
pub struct ParentCell {
    /// The parent's code (from 上级代码) or name (from 上级), as written.
    pub text: String,
    /// The cell.
    pub at: SourceRef,
    /// The validity dates, with a placeholder parent.
    dates: ParentLink,
}

impl ParentCell {
    /// Whether the row dates the link (上级生效日期 or 上级失效日期).
    pub fn dated(&self) -> bool {
        self.dates.valid_from.is_some() || self.dates.valid_to.is_some()
    }

    /// The link to `parent` once the caller has resolved [`ParentCell::text`].
    pub fn link(&self, parent: EntityId) -> ParentLink {
        ParentLink {
            parent,
            ..self.dates.clone()
        }
    }
}

/// A column: its canonical name (from the exported header) and the names also accepted.
type Known = (&'static str, &'static [&'static str]);

const ENTITY_COLUMNS: &[Known] = &[
    ("类型", &["类型", "主体类型", "kind"]),
    ("代码", &["代码", "主体代码", "code"]),
    ("名称", &["名称", "主体名称", "主体", "name"]),
    (
        "别名",
        &["别名", "简称", "简称/别名", "别名/简称", "aliases"],
    ),
    ("层级", &["层级", "level"]),
    ("上级代码", &["上级代码", "parent_code"]),
    ("上级", &["上级", "上级名称", "parent"]),
    (
        "上级生效日期",
        &["上级生效日期", "有效起", "生效日期", "valid_from"],
    ),
    ("上级失效日期", &["上级失效日期", "失效日期", "valid_to"]),
    ("分组", &["分组", "groups"]),
    ("属性", &["属性", "attrs"]),
];

const INDICATOR_COLUMNS: &[Known] = &[
    ("代码", &["代码", "指标代码", "code"]),
    ("名称", &["名称", "指标名称", "指标", "name"]),
    ("别名", &["别名", "简称", "aliases"]),
    ("计量单位", &["计量单位", "单位", "unit"]),
    ("频率", &["频率", "frequency"]),
    ("类型", &["类型", "指标类型", "kind"]),
    ("汇总方式", &["汇总方式", "aggregation"]),
    ("方向", &["方向", "polarity"]),
    ("小数位数", &["小数位数", "decimals"]),
    ("定义", &["定义", "指标解释", "definition"]),
    ("责任部门", &["责任部门", "责任单位", "owner_department"]),
    ("约束性", &["约束性", "指标属性", "constraint"]),
    ("公式", &["公式", "计算公式", "formula"]),
    (
        "取值范围",
        &["取值范围", "有效范围", "合理范围", "值域", "range"],
    ),
];

const TARGET_COLUMNS: &[Known] = &[
    ("主体代码", &["主体代码", "代码", "地区代码", "entity_code"]),
    ("主体", &["主体", "主体名称", "地区", "名称", "entity"]),
    ("指标代码", &["指标代码", "indicator_code"]),
    ("指标", &["指标", "指标名称", "indicator"]),
    ("年份", &["年份", "年度", "year"]),
    ("目标类型", &["目标类型", "kind"]),
    ("目标值", &["目标值", "目标", "value"]),
    ("月度计划", &["月度计划", "schedule"]),
];

/// A master-data table: its header row, its columns, its data rows, and the problems so far.
#[derive(Debug)]
struct Table<'g> {
    grid: &'g Grid,
    cols: HashMap<&'static str, usize>,
    rows: Vec<usize>,
    problems: Vec<Problem>,
}

impl<'g> Table<'g> {
    /// Finds the header, checks the columns (unknown ones and missing `required` ones are
    /// problems) and lists the data rows.
    fn read(grid: &'g Grid, known: &[Known], required: &[&[&str]]) -> Self {
        let mut t = Table {
            grid,
            cols: HashMap::new(),
            rows: Vec::new(),
            problems: Vec::new(),
        };
        let canonical = |text: &str| {
            known
                .iter()
                .find(|(_, names)| is_one_of(text, names))
                .map(|(c, _)| *c)
        };
        let Some(h) = (0..grid.row_count())
            .position(|r| grid.row(r).any(|(_, c)| canonical(&c.text()).is_some()))
        else {
            let names: Vec<&str> = known.iter().map(|(c, _)| *c).collect();
            t.problem(
                0,
                None,
                "",
                format!("没有找到表头（应有以下列：{}）", names.join("、")),
            );
            return t;
        };
        for (c, cell) in grid.row(h) {
            let text = cell.text();
            if text.is_empty() || is_one_of(&text, &["序号", "备注"]) {
                continue;
            }
            match canonical(&text) {
                Some(name) if !t.cols.contains_key(name) => {
                    t.cols.insert(name, c);
                }
                Some(_) => t.problem(h, Some(c), text, "是重复的列"),
                None => t.problem(h, Some(c), text, "不是可识别的列名"),
            }
        }
        for alternatives in required {
            if !alternatives.iter().any(|a| t.cols.contains_key(a)) {
                t.problem(
                    h,
                    None,
                    "",
                    format!("缺少“{}”列", alternatives.join("”或“")),
                );
            }
        }
        for r in h + 1..grid.row_count() {
            let Some((_, first)) = grid.first_in_row(r) else {
                continue;
            };
            if is_footnote(&first.text()) {
                break;
            }
            t.rows.push(r);
            // A control character in a name or code is stored forever and shown everywhere.
            for (c, cell) in grid.row(r) {
                if let Some(s) = cell.as_str()
                    && has_control(s)
                {
                    t.problem(r, Some(c), s, "含有控制字符，请删除后再导入");
                }
            }
        }
        if t.rows.is_empty() && t.problems.is_empty() {
            t.problem(
                h,
                None,
                "",
                "表中只有表头，没有数据行；这通常是选错了文件（例如空白模板）",
            );
        }
        t
    }

    fn problem(
        &mut self,
        row: usize,
        col: Option<usize>,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) {
        self.problems.push(Problem {
            at: source_ref(self.grid, row, col),
            value: value.into(),
            reason: reason.into(),
        });
    }

    /// The column and trimmed text of `name` in row `r`, when the column exists.
    fn get(&self, r: usize, name: &str) -> Option<(usize, String)> {
        self.cols
            .get(name)
            .map(|&c| (c, self.grid.cell(r, c).text()))
    }

    /// The text of `name` in row `r` (empty when the column is absent).
    fn text(&self, r: usize, name: &str) -> String {
        self.get(r, name).map(|(_, t)| t).unwrap_or_default()
    }

    fn cell(&self, r: usize, name: &str) -> CellRef<'g> {
        self.cols
            .get(name)
            .map_or(CellRef::Empty, |&c| self.grid.cell(r, c))
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.cols.get(name).copied()
    }

    /// Reports a kernel refusal at the column of `name`.
    fn kernel(&mut self, r: usize, name: &str, e: &KernelError) {
        let (value, reason) = match e {
            KernelError::Empty { field } => (String::new(), format!("{field}不能为空")),
            KernelError::Invalid {
                field,
                value,
                reason,
            } => (value.clone(), format!("不是有效的{field}：{reason}")),
        };
        let col = self.col(name);
        self.problem(r, col, value, reason);
    }

    fn finish<T>(mut self, out: Vec<T>) -> Result<Vec<T>, Vec<Problem>> {
        if self.problems.is_empty() {
            return Ok(out);
        }
        sort_problems(&mut self.problems);
        Err(self.problems.into_iter().map(Problem::escaped).collect())
    }
}

/// Splits a list cell on ; ； 、 (and , ，).
fn list(text: &str) -> Vec<String> {
    text.split([';', '；', '、', ',', '，'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Reads a date written as 2016-06-01, 2016/6/1, 2016.6.1, 2016年6月1日 or 20160601 (an
/// XLSX date arrives as 2016-06-01). `Ok(None)` when blank.
fn parse_date<D: FromStr>(text: &str) -> Result<Option<D>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let t = t.split('T').next().unwrap_or(t);
    let parts: Vec<&str> = if t.len() == 8 && t.chars().all(|c| c.is_ascii_digit()) {
        vec![&t[..4], &t[4..6], &t[6..]]
    } else {
        t.split(['-', '/', '.', '年', '月', '日'])
            .filter(|p| !p.is_empty())
            .collect()
    };
    let nums: Vec<u32> = parts
        .iter()
        .map(|p| p.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| ())?;
    match nums.as_slice() {
        [y, m, d] => format!("{y:04}-{m:02}-{d:02}")
            .parse()
            .map(Some)
            .map_err(|_| ()),
        _ => Err(()),
    }
}

/// Reads an entity table (headers: [`ENTITY_HEADER`]). 类型 defaults to 地区 when blank; 层级
/// is required for regions and defaults to 1 otherwise.
pub fn parse_entities(grid: &Grid) -> Result<Vec<EntityRecord>, Vec<Problem>> {
    let mut t = Table::read(grid, ENTITY_COLUMNS, &[&["名称"]]);
    let mut out = Vec::new();
    let mut codes: HashMap<(EntityKind, String), (usize, bool)> = HashMap::new();
    for r in t.rows.clone() {
        let before = t.problems.len();
        let kind = match t.get(r, "类型").filter(|(_, s)| !s.is_empty()) {
            None => Some(EntityKind::Region),
            Some((_, s)) => EntityKind::parse(&s)
                .map_err(|e| t.kernel(r, "类型", &e))
                .ok(),
        };
        let code = match t.get(r, "代码").filter(|(_, s)| !s.is_empty()) {
            None => Some(None),
            Some((_, s)) => EntityCode::parse(&s)
                .map(Some)
                .map_err(|e| t.kernel(r, "代码", &e))
                .ok(),
        };
        let level_text = t.text(r, "层级");
        let level = if level_text.is_empty() {
            match kind {
                Some(EntityKind::Region) => {
                    let col = t.col("层级").or(t.col("名称"));
                    t.problem(
                        r,
                        col,
                        "",
                        "地区须填写层级（1 市、2 区县和功能区、3 镇街、4 村社、5 网格）",
                    );
                    None
                }
                _ => Some(1),
            }
        } else {
            match parse_number(t.cell(r, "层级")) {
                Ok(Some(v)) if v.fract() == 0.0 && (1.0..=9.0).contains(&v) => Some(v as u8),
                _ => {
                    let col = t.col("层级");
                    t.problem(r, col, level_text, "不是有效的层级（应为1—9的整数）");
                    None
                }
            }
        };
        let name = t.text(r, "名称");
        let attrs = match t.get(r, "属性").filter(|(_, s)| !s.is_empty()) {
            None => None,
            Some((c, s)) => match serde_json::from_str::<serde_json::Value>(&s) {
                Ok(serde_json::Value::Object(map)) => Some(map),
                Ok(_) => {
                    t.problem(r, Some(c), s, "须为JSON对象（如 {\"用地面积\": 120}）");
                    None
                }
                Err(why) => {
                    t.problem(r, Some(c), s, format!("不是有效的JSON对象：{why}"));
                    None
                }
            },
        };
        let parent = read_parent(&mut t, r);
        let (Some(kind), Some(code), Some(level)) = (kind, code, level) else {
            continue;
        };
        let entity = match NewEntity::new(kind, code, &name, level) {
            Ok(e) => e
                .with_aliases(list(&t.text(r, "别名")))
                .with_groups(list(&t.text(r, "分组"))),
            Err(e) => {
                let field = if matches!(e, KernelError::Empty { .. }) || name.is_empty() {
                    "名称"
                } else {
                    "代码"
                };
                t.kernel(r, field, &e);
                continue;
            }
        };
        let entity = NewEntity {
            attrs: attrs.unwrap_or_default(),
            ..entity
        };
        // One code may take several rows when each dates its parent link (redistricting:
        // the old parent until 2025-01-01, the new one from then); the importer merges them.
        let dated = parent
            .as_ref()
            .and_then(Option::as_ref)
            .is_some_and(|p| p.dates.valid_from.is_some() || p.dates.valid_to.is_some());
        if let Some(code) = &entity.code
            && let Some((first, first_dated)) = codes.insert((kind, code.to_string()), (r, dated))
            && !(dated && first_dated)
        {
            let col = t.col("代码");
            t.problem(
                r,
                col,
                code.to_string(),
                format!(
                    "与第{}行的代码重复（同一代码写多行时，每行须填写上级生效或失效日期）",
                    first + 1
                ),
            );
        }
        if t.problems.len() == before
            && let Some(parent) = parent
        {
            out.push(EntityRecord {
                entity,
                parent,
                at: source_ref(grid, r, None),
            });
        }
    }
    t.finish(out)
}

/// The parent columns of an entity row: `Some(None)` when it names no parent, `None` after a
/// problem.
fn read_parent(t: &mut Table<'_>, r: usize) -> Option<Option<ParentCell>> {
    let named = t
        .get(r, "上级代码")
        .filter(|(_, s)| !s.is_empty())
        .or_else(|| t.get(r, "上级").filter(|(_, s)| !s.is_empty()));
    let mut date = |name: &str| match parse_date(&t.text(r, name)) {
        Ok(d) => Some(d),
        Err(()) => {
            let (col, text) = (t.col(name), t.text(r, name));
            t.problem(r, col, text, "不是有效的日期（应写作 2024-01-01）");
            None
        }
    };
    let (from, to) = (date("上级生效日期"), date("上级失效日期"));
    let (Some(from), Some(to)) = (from, to) else {
        return None;
    };
    let Some((c, text)) = named else {
        if from.is_some() || to.is_some() {
            let col = t.col("上级代码").or(t.col("上级"));
            t.problem(r, col, "", "填写了上级的生效或失效日期，却没有填写上级");
            return None;
        }
        return Some(None);
    };
    match ParentLink::new(EntityId(0), from, to) {
        Ok(dates) => Some(Some(ParentCell {
            text,
            at: source_ref(t.grid, r, Some(c)),
            dates,
        })),
        Err(e) => {
            t.kernel(r, "上级失效日期", &e);
            None
        }
    }
}

/// Reads an indicator table (headers: [`INDICATOR_HEADER`]). Blank cells keep the defaults of
/// [`NewIndicator::new`] (monthly cumulative level, summed, higher is better, 2 decimals).
pub fn parse_indicators(grid: &Grid) -> Result<Vec<NewIndicator>, Vec<Problem>> {
    let mut t = Table::read(grid, INDICATOR_COLUMNS, &[&["代码"], &["名称"]]);
    let mut out: Vec<NewIndicator> = Vec::new();
    let mut codes: HashMap<String, usize> = HashMap::new();
    for r in t.rows.clone() {
        let before = t.problems.len();
        let (code, name, unit) = (t.text(r, "代码"), t.text(r, "名称"), t.text(r, "计量单位"));
        let mut ind = match NewIndicator::new(&code, &name, &unit) {
            Ok(i) => i.with_aliases(list(&t.text(r, "别名"))),
            Err(e) => {
                let field = if matches!(
                    &e,
                    KernelError::Invalid {
                        field: "指标代码",
                        ..
                    } | KernelError::Empty {
                        field: "指标代码"
                    }
                ) {
                    "代码"
                } else {
                    "名称"
                };
                t.kernel(r, field, &e);
                continue;
            }
        };
        macro_rules! choice {
            ($col:literal, $ty:ty, $field:ident) => {
                let s = t.text(r, $col);
                if !s.is_empty() {
                    match <$ty>::parse(&s) {
                        Ok(v) => ind.$field = v,
                        Err(e) => t.kernel(r, $col, &e),
                    }
                }
            };
        }
        choice!("频率", Frequency, frequency);
        choice!("类型", IndicatorKind, kind);
        choice!("汇总方式", Aggregation, aggregation);
        choice!("方向", Polarity, polarity);
        let decimals = t.text(r, "小数位数");
        if !decimals.is_empty() {
            match decimals
                .parse::<u8>()
                .map_err(|_| ())
                .and_then(|d| ind.clone().with_decimals(d).map_err(|_| ()))
            {
                Ok(i) => ind = i,
                Err(()) => {
                    let col = t.col("小数位数");
                    t.problem(r, col, decimals, "不是有效的小数位数（应为0—6的整数）");
                }
            }
        }
        ind.definition = t.text(r, "定义");
        ind.owner_department = Some(t.text(r, "责任部门")).filter(|s| !s.is_empty());
        ind.formula = Some(t.text(r, "公式")).filter(|s| !s.is_empty());
        match ValidRange::parse(&t.text(r, "取值范围")) {
            Ok(range) => ind.range = range,
            Err(e) => t.kernel(r, "取值范围", &e),
        }
        let constraint = t.text(r, "约束性");
        match constraint.as_str() {
            "" => {}
            "约束性" | "预期性" => ind.constraint = Some(constraint),
            _ => {
                let col = t.col("约束性");
                t.problem(
                    r,
                    col,
                    constraint,
                    "不是有效的约束性（应为 约束性 或 预期性）",
                );
            }
        }
        if let Some(first) = codes.insert(ind.code.to_string(), r) {
            let col = t.col("代码");
            t.problem(
                r,
                col,
                ind.code.to_string(),
                format!("与第{}行的代码重复", first + 1),
            );
        }
        if t.problems.len() == before {
            out.push(ind);
        }
    }
    t.finish(out)
}

/// Reads a target table (headers: [`TARGET_HEADER`]); entities by 主体代码 when filled, else by
/// 主体; indicators by 指标代码 when filled, else by 指标.
pub fn parse_targets(
    grid: &Grid,
    catalog: &Catalog,
) -> Result<Vec<(Target, SourceRef)>, Vec<Problem>> {
    let mut t = Table::read(
        grid,
        TARGET_COLUMNS,
        &[
            &["主体代码", "主体"],
            &["指标代码", "指标"],
            &["年份"],
            &["目标类型"],
            &["目标值"],
        ],
    );
    let mut out = Vec::new();
    let mut seen: HashMap<(EntityId, IndicatorId, i32, TargetKind), usize> = HashMap::new();
    for r in t.rows.clone() {
        let entity = target_entity(&mut t, catalog, r);
        let indicator = target_indicator(&mut t, catalog, r);
        let year_text = t.text(r, "年份");
        let year = match year_text
            .trim_end_matches("年度")
            .trim_end_matches('年')
            .parse::<i32>()
        {
            Ok(y) => Some(y),
            Err(_) => {
                let col = t.col("年份");
                t.problem(r, col, year_text, "不是有效的年份");
                None
            }
        };
        let kind = TargetKind::parse(&t.text(r, "目标类型"))
            .map_err(|e| t.kernel(r, "目标类型", &e))
            .ok();
        let value = match parse_number(t.cell(r, "目标值")) {
            Ok(Some(v)) => Some(v),
            Ok(None) => {
                let col = t.col("目标值");
                t.problem(r, col, "", "目标值不能为空");
                None
            }
            Err(_) => {
                let (col, text) = (t.col("目标值"), t.text(r, "目标值"));
                t.problem(r, col, text, "无法识别为数字");
                None
            }
        };
        let schedule = schedule(&mut t, r);
        let (Some(entity), Some(indicator), Some(year), Some(kind), Some(value), Some(schedule)) =
            (entity, indicator, year, kind, value, schedule)
        else {
            continue;
        };
        match Target::new(entity, indicator, year, kind, value, schedule) {
            Ok(target) => {
                if let Some(first) = seen.insert((entity, indicator, year, kind), r) {
                    t.problem(
                        r,
                        None,
                        "",
                        format!("与第{}行是同一主体、指标、年份和目标类型的目标", first + 1),
                    );
                } else {
                    out.push((target, source_ref(grid, r, None)));
                }
            }
            Err(e) => {
                let col = match &e {
                    KernelError::Invalid {
                        field: "年份", ..
                    } => "年份",
                    KernelError::Invalid {
                        field: "月度计划",
                    ..
                    } => "月度计划",
                    _ => "目标值",
                };
                t.kernel(r, col, &e);
            }
        }
    }
    t.finish(out)
}

fn target_entity(t: &mut Table<'_>, catalog: &Catalog, r: usize) -> Option<EntityId> {
    let cell = t
        .get(r, "主体代码")
        .filter(|(_, s)| !s.is_empty())
        .or_else(|| t.get(r, "主体").filter(|(_, s)| !s.is_empty()));
    let Some((c, text)) = cell else {
        let col = t.col("主体").or(t.col("主体代码"));
        t.problem(r, col, "", "缺少主体（名称或代码）");
        return None;
    };
    match catalog.find_entity(&text, None) {
        EntityMatch::One(id) => Some(id),
        EntityMatch::Ambiguous(ids) => {
            t.problem(r, Some(c), text, ambiguous_entities(catalog, &ids));
            None
        }
        EntityMatch::None => {
            let reason = unknown_entity(catalog, &text);
            t.problem(r, Some(c), text, reason);
            None
        }
    }
}

fn target_indicator(t: &mut Table<'_>, catalog: &Catalog, r: usize) -> Option<IndicatorId> {
    let cell = t
        .get(r, "指标代码")
        .filter(|(_, s)| !s.is_empty())
        .or_else(|| t.get(r, "指标").filter(|(_, s)| !s.is_empty()));
    let Some((c, text)) = cell else {
        let col = t.col("指标").or(t.col("指标代码"));
        t.problem(r, col, "", "缺少指标（名称或代码）");
        return None;
    };
    match catalog.find_indicator(&text) {
        IndicatorMatch::One(id) => Some(id),
        IndicatorMatch::None => {
            t.problem(
                r,
                Some(c),
                text,
                "不是已知的指标（按代码、名称和别名都找不到）",
            );
            None
        }
    }
}

/// The 月度计划 cell: `Some(None)` when blank (linear), twelve cumulative shares otherwise
/// (written as shares ending in 1 or as per cent ending in 100); `None` after a problem.
fn schedule(t: &mut Table<'_>, r: usize) -> Option<Option<Vec<f64>>> {
    let Some((c, text)) = t.get(r, "月度计划").filter(|(_, s)| !s.is_empty()) else {
        return Some(None);
    };
    let parts: Vec<Option<f64>> = list(&text)
        .iter()
        .map(|p| parse_number(CellRef::Text(p)).ok().flatten())
        .collect();
    let values: Option<Vec<f64>> = parts.into_iter().collect();
    match values {
        Some(v) if v.len() == 12 => {
            let per_cent = (v[11] - 100.0).abs() < 1e-9;
            Some(Some(if per_cent {
                v.iter().map(|x| x / 100.0).collect()
            } else {
                v
            }))
        }
        _ => {
            t.problem(
                r,
                Some(c),
                text,
                "应为12个以分号分隔的累计比例（如 0.08;0.16;…;1）",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_forms_people_write() {
        let d = |s: &str| parse_date::<String>(s).map(|o| o.unwrap_or_default());
        assert_eq!(d("2016-06-01"), Ok("2016-06-01".to_string()));
        assert_eq!(d("2016/6/1"), Ok("2016-06-01".to_string()));
        assert_eq!(d("2016年6月1日"), Ok("2016-06-01".to_string()));
        assert_eq!(d("20160601"), Ok("2016-06-01".to_string()));
        assert_eq!(d("2016-06-01T00:00:00"), Ok("2016-06-01".to_string()));
        assert_eq!(d(""), Ok(String::new()));
        assert_eq!(d("六月"), Err(()));
    }

    #[test]
    fn lists_split_on_chinese_and_ascii_separators() {
        assert_eq!(
            list("渝中; 解放碑、 渝中县"),
            vec!["渝中", "解放碑", "渝中县"]
        );
        assert!(list("").is_empty());
    }
}
