//! What a briefing is written from: typed data gathered by the caller (`app::briefing`), and
//! the document it becomes.

use serde::Serialize;

/// The data of one briefing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BriefData {
    /// The region's name (重庆市, 渝中区).
    pub region: String,
    /// How sentences name the region as a subject (全市 for the city, else its name).
    pub subject: String,
    /// How the text names the region's children as a group (区县, 镇街).
    pub children: String,
    /// The period's code (`2024M01-M09`) and label (`2024年1—9月`).
    pub period_code: String,
    pub period_label: String,
    pub year: i32,
    /// The date of issue, written out (`2026年12月7日`).
    pub date: String,
    pub headline: Vec<Headline>,
    pub league: Option<League>,
    pub behind: Vec<Behind>,
    pub problems: Problems,
    pub trends: Vec<Trend>,
}

/// One headline indicator of the region.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Headline {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub decimals: u8,
    pub value: Option<f64>,
    /// Growth on the same period last year, %.
    pub growth: Option<f64>,
    /// The period of the figures when it is not the briefing's (a quarterly indicator in a
    /// monthly briefing: `2024M01-M09`, `2024年1—9月`); the sentence then names it.
    pub period: Option<(String, String)>,
    /// The growth of the reference (the parent region: 全市; or 全国), when stored.
    pub reference: Option<Reference>,
    /// The growth rank among the region's siblings.
    pub rank: Option<Rank>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// As the text names it (全市, 全国).
    pub name: String,
    pub growth: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rank {
    /// Where the rank is counted (全市).
    pub among: String,
    pub rank: u32,
    pub of: u32,
}

/// The horse-race league of the children.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct League {
    pub title: String,
    pub period_code: String,
    pub period_label: String,
    pub score_label: String,
    pub rows: Vec<LeagueRow>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LeagueRow {
    pub unit: String,
    pub rank: Option<u32>,
    pub score: Option<f64>,
    pub grade: Option<String>,
    /// Places gained (+) or lost (−); `None` without a previous period.
    pub moved: Option<i64>,
}

/// A child behind 序时进度 on an indicator with an annual plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Behind {
    pub unit: String,
    pub indicator: String,
    /// Completion of the annual plan and the share due by now, %.
    pub completion: f64,
    pub time_progress: f64,
    /// completion − time progress, points (negative).
    pub gap: f64,
    /// 略低于 / 低于 / 明显低于.
    pub label: String,
}

/// The 问题清单 of the region, live.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Problems {
    pub total: u64,
    pub open: u64,
    pub closed: u64,
    pub overdue: u64,
    pub closure_rate: Option<f64>,
    pub rows: Vec<ProblemRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProblemRow {
    pub title: String,
    pub place: String,
    pub stage: String,
    pub overdue: bool,
}

/// A monthly series for the trend chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    pub name: String,
    pub unit: String,
    /// (`2024-09`, value).
    pub points: Vec<(String, Option<f64>)>,
}

/// A composed briefing.
#[derive(Debug, Clone, PartialEq)]
pub struct Brief {
    pub issuer: String,
    pub number: String,
    pub title: String,
    pub recipients: String,
    pub date: String,
    pub blocks: Vec<Block>,
    pub closing: String,
    /// Every fact a sentence of the briefing states, for the round trip through the extractor.
    pub facts: Vec<WrittenFact>,
    /// Every number the template placed (sentences and tables) with the stored value it prints.
    pub placed: Vec<Placed>,
    pub fonts: crate::template::Fonts,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(String),
    Para(String),
    Table(Table),
    Chart(Chart),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// Monthly lines (one per series), values in `unit`.
    Line {
        title: String,
        unit: String,
        labels: Vec<String>,
        series: Vec<(String, Vec<Option<f64>>)>,
    },
    /// One bar per unit, in league order.
    Bar {
        title: String,
        unit: String,
        bars: Vec<(String, f64)>,
    },
}

impl Chart {
    pub fn title(&self) -> &str {
        match self {
            Chart::Line { title, .. } | Chart::Bar { title, .. } => title,
        }
    }
}

/// What kind of number a written fact is (the extractor's measures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    Value,
    GrowthPct,
    PpDiff,
    Rank,
    Grade,
}

/// One fact a sentence states.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WrittenFact {
    /// 全市 or the unit's name.
    pub subject: String,
    /// The indicator's catalogue name; `None` for a league's ranks and grades, whose clause names
    /// only the unit (the section's lead names the scheme).
    pub indicator: Option<String>,
    pub period: String,
    pub kind: FactKind,
    /// The printed number (a grade letter's facts have `grade` instead).
    pub value: Option<f64>,
    pub grade: Option<String>,
    /// The reference of a point difference or a rank (全市, 全国).
    pub compare_to: Option<String>,
}

/// A number placed in the text or a table: as printed and the stored value it stands for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placed {
    pub what: String,
    pub text: String,
    pub stored: f64,
    pub decimals: u8,
}
