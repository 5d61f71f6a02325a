//! Categories as data: two-level codes (大类/小类) for 部件, 事件 and enterprise-request topics,
//! each with its responsible departments, its clock, and time limits per priority and stage.
//!
//! A [`CategoryBook`] is authored as TOML ([`CategoryBook::from_toml_str`]), one `[[category]]`
//! table per 小类:
//!
//! ```toml
//! [[category]]
//! domain = "event"            # component (部件) | event (事件) | enterprise (企业诉求) | problem (问题)
//! major = "01"
//! major_name = "市容环境"
//! minor = "02"
//! minor_name = "暴露垃圾"
//! departments = ["CGJ"]       # department codes, tried in order; none → 属地
//! clock = "working_hours"     # urgent_hours | working_hours | working_days | natural_days | months
//! close_condition = "垃圾清运完毕，现场无残留"
//! auto_dispatch = true        # dispatch without a dispatcher when one routing rule matches
//!
//! [category.limits.normal]    # normal (一般) is required; urgent and critical fall back to it
//! register = 1                # 受理 → 立案
//! dispatch = 1                # 立案 → 派遣
//! sign = 1                    # 派遣 → 签收
//! handle = 8                  # 派遣 → 反馈 (处置时限)
//! verify = 4                  # 反馈 → 核查
//! close = 16                  # 立案 → 结案 (办结时限)
//!
//! [category.limits.urgent]
//! clock = "urgent_hours"      # a priority may run on its own clock
//! handle = 2
//! ```
//!
//! Amounts are in units of the clock (hours or days). A missing amount means no deadline for
//! that stage. Chinese names are accepted for domains, clocks and priorities (`"事件"`,
//! `"工作日"`; as table keys they must be quoted: `[category.limits."一般"]`).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::clock::ClockType;
use crate::error::FlowError;
use crate::model::{ItemKind, Priority};

/// Which classification a category belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CategoryDomain {
    /// 部件: public facilities.
    #[serde(alias = "部件")]
    Component,
    /// 事件: events.
    #[serde(alias = "事件")]
    Event,
    /// 企业诉求: enterprise-request topics.
    #[serde(alias = "企业诉求")]
    Enterprise,
    /// 问题: problem types (the eight 问题清单 sources, 监测预警, 赛马), with 整改 periods.
    #[serde(alias = "问题")]
    Problem,
}

impl CategoryDomain {
    pub fn label_zh(self) -> &'static str {
        match self {
            Self::Component => "部件",
            Self::Event => "事件",
            Self::Enterprise => "企业诉求",
            Self::Problem => "问题",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "component" | "部件" => Some(Self::Component),
            "event" | "事件" => Some(Self::Event),
            "enterprise" | "企业诉求" => Some(Self::Enterprise),
            "problem" | "问题" => Some(Self::Problem),
            _ => None,
        }
    }

    /// Whether an item of `kind` may use a category of this domain: events use 部件 and 事件,
    /// enterprise requests use enterprise topics, problem types are for 问题 only, and the other
    /// kinds any category.
    pub fn fits(self, kind: ItemKind) -> bool {
        match kind {
            ItemKind::Event => matches!(self, Self::Component | Self::Event),
            ItemKind::EnterpriseRequest => self == Self::Enterprise,
            ItemKind::Problem => true,
            _ => self != Self::Problem,
        }
    }
}

/// A 小类 code: domain, two-digit 大类 and two-digit 小类, written `事件/01/02` (or
/// `event/01/02`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryCode {
    domain: CategoryDomain,
    major: String,
    minor: String,
}

impl CategoryCode {
    pub fn new(domain: CategoryDomain, major: &str, minor: &str) -> Result<Self, CategoryError> {
        for (what, code) in [("大类", major), ("小类", minor)] {
            if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(CategoryError::Code(format!(
                    "{what}代码“{code}”无效，应为两位数字"
                )));
            }
        }
        Ok(Self {
            domain,
            major: major.to_string(),
            minor: minor.to_string(),
        })
    }

    /// Parses `事件/01/02` or `event/01/02`.
    pub fn parse(s: &str) -> Result<Self, CategoryError> {
        let parts: Vec<&str> = s.trim().split('/').collect();
        let [domain, major, minor] = parts.as_slice() else {
            return Err(CategoryError::Code(format!(
                "分类代码“{s}”无效，应形如“事件/01/02”"
            )));
        };
        let domain = CategoryDomain::parse(domain)
            .ok_or_else(|| CategoryError::Code(format!("分类领域“{domain}”无效")))?;
        Self::new(domain, major, minor)
    }

    pub fn domain(&self) -> CategoryDomain {
        self.domain
    }

    pub fn major(&self) -> &str {
        &self.major
    }

    pub fn minor(&self) -> &str {
        &self.minor
    }
}

impl fmt::Display for CategoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.domain.label_zh(),
            self.major,
            self.minor
        )
    }
}

impl TryFrom<String> for CategoryCode {
    type Error = CategoryError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CategoryCode> for String {
    fn from(value: CategoryCode) -> Self {
        value.to_string()
    }
}

/// Time limits of one priority, in units of [`Limits::clock`]. `None`: no deadline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageLimits {
    /// 受理 → 立案.
    pub register: Option<u32>,
    /// 立案 → 派遣.
    pub dispatch: Option<u32>,
    /// 派遣 → 签收.
    pub sign: Option<u32>,
    /// 派遣 → 反馈: the handling limit (处置时限).
    pub handle: Option<u32>,
    /// 反馈 → 核查.
    pub verify: Option<u32>,
    /// 立案 → 结案: the overall limit (办结时限).
    pub close: Option<u32>,
}

/// The clock and the limits of one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub clock: ClockType,
    pub stages: StageLimits,
}

/// One 小类 with everything the engine needs to time and route its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub code: CategoryCode,
    pub major_name: String,
    pub minor_name: String,
    /// Responsible department codes, tried in order; empty: the territorial unit (属地).
    pub departments: Vec<String>,
    pub limits: BTreeMap<Priority, Limits>,
    /// 立案条件.
    pub register_condition: Option<String>,
    /// 结案条件.
    pub close_condition: Option<String>,
    /// Whether an item is dispatched without a dispatcher when exactly one routing rule
    /// matches it (自动派遣); otherwise the route stays a suggestion.
    #[serde(default)]
    pub auto_dispatch: bool,
}

impl Category {
    /// The limits of a priority, falling back to 一般 (always present in a checked book).
    pub fn limits(&self, priority: Priority) -> Limits {
        self.limits
            .get(&priority)
            .or_else(|| self.limits.get(&Priority::Normal))
            .copied()
            .expect("a checked category has normal limits")
    }
}

/// Why a category book was refused; `at` names the category and field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CategoryError {
    #[error("分类表 TOML 无效：{0}")]
    Toml(String),
    #[error("{0}")]
    Code(String),
    #[error("{at}：{message}")]
    Invalid { at: String, message: String },
}

/// The checked set of categories.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryBook {
    categories: BTreeMap<CategoryCode, Category>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBook {
    #[serde(default)]
    category: Vec<RawCategory>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCategory {
    domain: CategoryDomain,
    major: String,
    major_name: String,
    minor: String,
    minor_name: String,
    #[serde(default)]
    departments: Vec<String>,
    clock: ClockType,
    limits: BTreeMap<Priority, RawLimits>,
    register_condition: Option<String>,
    close_condition: Option<String>,
    #[serde(default)]
    auto_dispatch: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    clock: Option<ClockType>,
    register: Option<u32>,
    dispatch: Option<u32>,
    sign: Option<u32>,
    handle: Option<u32>,
    verify: Option<u32>,
    close: Option<u32>,
}

impl CategoryBook {
    /// Parses and checks a TOML category book (format in the module docs).
    pub fn from_toml_str(text: &str) -> Result<Self, CategoryError> {
        let raw: RawBook = toml::from_str(text).map_err(|e| CategoryError::Toml(e.to_string()))?;
        let mut categories = Vec::with_capacity(raw.category.len());
        for (index, c) in raw.category.into_iter().enumerate() {
            let at = format!("第{}个分类（{}/{}）", index + 1, c.major, c.minor);
            let code = CategoryCode::new(c.domain, &c.major, &c.minor).map_err(|e| {
                CategoryError::Invalid {
                    at: at.clone(),
                    message: e.to_string(),
                }
            })?;
            let limits = c
                .limits
                .into_iter()
                .map(|(p, l)| {
                    let stages = StageLimits {
                        register: l.register,
                        dispatch: l.dispatch,
                        sign: l.sign,
                        handle: l.handle,
                        verify: l.verify,
                        close: l.close,
                    };
                    let clock = l.clock.unwrap_or(c.clock);
                    (p, Limits { clock, stages })
                })
                .collect();
            categories.push(Category {
                code,
                major_name: c.major_name,
                minor_name: c.minor_name,
                departments: c.departments,
                limits,
                register_condition: c.register_condition,
                close_condition: c.close_condition,
                auto_dispatch: c.auto_dispatch,
            });
        }
        Self::from_categories(categories)
    }

    /// Checks categories built in code: names present, 一般 limits present, department codes
    /// not blank, no code twice, and one name per 大类.
    pub fn from_categories(categories: Vec<Category>) -> Result<Self, CategoryError> {
        let mut book = BTreeMap::new();
        let mut majors: BTreeMap<(CategoryDomain, String), String> = BTreeMap::new();
        for c in categories {
            let invalid = |message: &str| CategoryError::Invalid {
                at: format!("分类“{}”", c.code),
                message: message.to_string(),
            };
            if c.major_name.trim().is_empty() || c.minor_name.trim().is_empty() {
                return Err(invalid("大类名称和小类名称不能为空"));
            }
            if !c.limits.contains_key(&Priority::Normal) {
                return Err(invalid("缺少“一般”（normal）优先级的时限"));
            }
            if c.departments.iter().any(|d| d.trim().is_empty()) {
                return Err(invalid("责任部门代码不能为空"));
            }
            let key = (c.code.domain(), c.code.major().to_string());
            if let Some(name) = majors.get(&key)
                && *name != c.major_name
            {
                return Err(invalid(&format!(
                    "大类 {} 已命名为“{name}”，不能又叫“{}”",
                    c.code.major(),
                    c.major_name
                )));
            }
            majors.insert(key, c.major_name.clone());
            if book.contains_key(&c.code) {
                return Err(invalid("分类代码重复"));
            }
            book.insert(c.code.clone(), c);
        }
        Ok(Self { categories: book })
    }

    pub fn get(&self, code: &CategoryCode) -> Option<&Category> {
        self.categories.get(code)
    }

    /// The category of a code, or the engine's error naming it.
    pub fn require(&self, code: &CategoryCode) -> Result<&Category, FlowError> {
        self.get(code).ok_or_else(|| FlowError::UnknownCategory {
            code: code.to_string(),
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = &Category> {
        self.categories.values()
    }

    pub fn len(&self) -> usize {
        self.categories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
    }

    /// The 大类 of a domain: code and name, in code order.
    pub fn majors(&self, domain: CategoryDomain) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = self
            .iter()
            .filter(|c| c.code.domain() == domain)
            .map(|c| (c.code.major(), c.major_name.as_str()))
            .collect();
        out.dedup();
        out
    }
}
