//! Routing rules (`routing.csv`): which unit an item of a category in a region goes to, and
//! when dispatch needs no dispatcher.
//!
//! ```csv
//! category,region,unit,note
//! 事件/01/02,500103,D009,渝中区暴露垃圾由区城管局处置
//! 事件/02/*,*,属地,
//! ```
//!
//! - `category`: a 小类 (`事件/01/02`) or a whole 大类 (`事件/01/*`);
//! - `region`: the code of a region — the rule covers the region and everything under it — or
//!   `*` for the whole city;
//! - `unit`: a department code (`D009`: the department with that code nearest the item's
//!   location, its own region first, as the category book's departments), `属地` (the town, or
//!   district, of the location), or the code of a unit;
//! - `note`: free text.
//!
//! An item's rules are those of its category whose region contains its location (a rule for
//! `*` also covers items without one). The suggestion comes from the rule with the nearest region
//! (the first in the file among equals); with no rule, the category book's departments, then
//! 属地, as before. Dispatch is automatic when exactly one rule matches and the category says
//! `auto_dispatch = true`; otherwise the suggestion waits for the dispatcher.

use yiping_flow::{CategoryBook, CategoryCode, CategoryDomain};
use yiping_io::Problem;
use yiping_kernel::EntityKind;
use yiping_store::Store;

use super::{ROUTING, problem};
use crate::AppError;

/// The shipped rules: none (the category book's departments and 属地 route every item).
pub const SHIPPED: &str = "\
# 派遣规则：分类 × 区域 → 责任单位（格式见 crates/app/src/config/routing.rs）。
# category 小类代码（事件/01/02）或大类（事件/01/*）；region 区域代码（含其下级）或 *（全市）；
# unit 部门代码（从事项所在区域向上查找）、“属地”或单位代码；note 说明。
# 没有规则的分类按分类表的责任部门派遣，再无则按属地。
category,region,unit,note
";

/// The categories a rule covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryPattern {
    One(CategoryCode),
    /// Every 小类 of a 大类.
    Major(CategoryDomain, String),
}

impl CategoryPattern {
    pub fn covers(&self, code: &CategoryCode) -> bool {
        match self {
            Self::One(c) => c == code,
            Self::Major(d, m) => code.domain() == *d && code.major() == m,
        }
    }
}

/// Who a rule sends items to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleUnit {
    /// A department code, looked up from the location upwards.
    Department(String),
    /// The territorial unit of the location (属地).
    Territorial,
    /// A unit by its code.
    Unit(String),
}

/// One rule, with the row it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRule {
    pub row: usize,
    pub category: CategoryPattern,
    /// The region code; `None`: the whole city.
    pub region: Option<String>,
    pub unit: RuleUnit,
    pub note: String,
}

/// The rules of `routing.csv`, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoutingRules {
    pub rules: Vec<RoutingRule>,
}

/// Whether a unit text is a department code (letters then digits, as `D009` or `CGJ`) rather
/// than a unit's code (digits: a region's division code).
fn looks_like_department(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn parse(
    text: &str,
    book: Option<&CategoryBook>,
    problems: &mut Vec<Problem>,
) -> Option<RoutingRules> {
    let before = problems.len();
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_lowercase).collect(),
        Err(e) => {
            problems.push(problem(ROUTING, 1, None, "", &e.to_string()));
            return None;
        }
    };
    let header_line = reader.position().line() as usize;
    if header.len() < 3 || header[..3] != ["category", "region", "unit"] {
        problems.push(problem(
            ROUTING,
            header_line.max(1),
            None,
            &header.join(","),
            "表头应为“category,region,unit,note”",
        ));
        return None;
    }
    let mut rules = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map(|p| p.line() as usize).unwrap_or(1);
                problems.push(problem(ROUTING, row, None, "", &e.to_string()));
                continue;
            }
        };
        let row = record.position().map(|p| p.line() as usize).unwrap_or(1);
        let cell = |i: usize| record.get(i).unwrap_or("").trim().to_string();
        let (category, region, unit, note) = (cell(0), cell(1), cell(2), cell(3));
        if category.is_empty() && region.is_empty() && unit.is_empty() {
            continue;
        }
        let pattern = match category.strip_suffix("/*") {
            Some(major) => {
                let parsed = CategoryCode::parse(&format!("{major}/01"));
                match parsed {
                    Ok(c) => {
                        let p = CategoryPattern::Major(c.domain(), c.major().to_string());
                        if let Some(book) = book
                            && !book.iter().any(|x| p.covers(&x.code))
                        {
                            problems.push(problem(
                                ROUTING,
                                row,
                                Some("category"),
                                &category,
                                "分类表中没有这个大类",
                            ));
                        }
                        Some(p)
                    }
                    Err(e) => {
                        problems.push(problem(
                            ROUTING,
                            row,
                            Some("category"),
                            &category,
                            &e.to_string(),
                        ));
                        None
                    }
                }
            }
            None => match CategoryCode::parse(&category) {
                Ok(c) => {
                    if let Some(book) = book
                        && book.get(&c).is_none()
                    {
                        problems.push(problem(
                            ROUTING,
                            row,
                            Some("category"),
                            &category,
                            "分类表中没有这个小类",
                        ));
                    }
                    Some(CategoryPattern::One(c))
                }
                Err(e) => {
                    problems.push(problem(
                        ROUTING,
                        row,
                        Some("category"),
                        &category,
                        &e.to_string(),
                    ));
                    None
                }
            },
        };
        if region.is_empty() {
            problems.push(problem(
                ROUTING,
                row,
                Some("region"),
                "",
                "区域不能为空（全市写 *）",
            ));
        }
        let unit = match unit.as_str() {
            "" => {
                problems.push(problem(
                    ROUTING,
                    row,
                    Some("unit"),
                    "",
                    "责任单位不能为空（部门代码、属地或单位代码）",
                ));
                None
            }
            "属地" | "territorial" => Some(RuleUnit::Territorial),
            u if looks_like_department(u) => Some(RuleUnit::Department(u.to_string())),
            u => Some(RuleUnit::Unit(u.to_string())),
        };
        if let (Some(category), Some(unit), false) = (pattern, unit, region.is_empty()) {
            rules.push(RoutingRule {
                row,
                category,
                region: (region != "*").then_some(region),
                unit,
                note,
            });
        }
    }
    (problems.len() == before).then_some(RoutingRules { rules })
}

/// The codes the rules name that the store does not know: regions, units and department codes.
pub(super) async fn check_units(
    store: &dyn Store,
    rules: &RoutingRules,
) -> Result<Vec<Problem>, AppError> {
    if rules.rules.is_empty() {
        return Ok(Vec::new());
    }
    let entities = store.all_entities().await?;
    let code_of = |kind: Option<EntityKind>, code: &str| {
        entities.iter().any(|e| {
            kind.is_none_or(|k| e.data.kind == k)
                && e.data.code.as_ref().is_some_and(|c| c.as_str() == code)
        })
    };
    let mut out = Vec::new();
    for r in &rules.rules {
        if let Some(region) = &r.region
            && !code_of(Some(EntityKind::Region), region)
        {
            out.push(problem(
                ROUTING,
                r.row,
                Some("region"),
                region,
                "没有这个代码的区域",
            ));
        }
        match &r.unit {
            RuleUnit::Department(code) if !code_of(Some(EntityKind::Department), code) => {
                out.push(problem(
                    ROUTING,
                    r.row,
                    Some("unit"),
                    code,
                    "没有这个代码的部门",
                ));
            }
            RuleUnit::Unit(code) if !code_of(None, code) => {
                out.push(problem(
                    ROUTING,
                    r.row,
                    Some("unit"),
                    code,
                    "没有这个代码的单位",
                ));
            }
            _ => {}
        }
    }
    Ok(out)
}
