//! The reference data files under `data/`, embedded in the binary, and their small parsers.
//!
//! The files are written by `scripts/derive-districts.py` and `scripts/derive-towns.sh`; lines that
//! start with `#` are comments. They are compile-time constants checked by the tests, so a parse
//! failure here is a bug in a data file, not a user error: the parsers panic with the file and line.

use chrono::NaiveDate;

use yiping_kernel::{Measure, Period};

/// 重庆市, its 38 区县 and 3 functional areas, with published figures and their sources.
pub const DISTRICTS_CSV: &str = include_str!("../../../data/chongqing-districts.csv");
/// The 1,031 towns and streets (镇街) of Chongqing: `code,name,county_code`.
pub const TOWNS_CSV: &str = include_str!("../../../data/chongqing-towns.csv");

/// A parsed CSV file: a header and rows of the same width.
#[derive(Debug)]
pub(super) struct Table {
    file: &'static str,
    header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn parse(file: &'static str, text: &str) -> Self {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|(n, l)| (n + 1, split_csv_line(l)));
        let (_, header) = lines.next().unwrap_or_else(|| panic!("{file}: no header"));
        let rows = lines
            .map(|(n, row)| {
                assert_eq!(
                    row.len(),
                    header.len(),
                    "{file}:{n}: expected {} fields",
                    header.len()
                );
                row
            })
            .collect();
        Self { file, header, rows }
    }

    /// The index of column `name`.
    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{}: no column {name}", self.file))
    }

    pub fn header(&self) -> &[String] {
        &self.header
    }
}

/// Splits one CSV line (RFC 4180 quoting, no line breaks inside fields).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

fn split_list(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// A published figure of one region: which indicator, period and measure it is.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Published {
    pub indicator: &'static str,
    pub period: Period,
    pub measure: Measure,
    pub value: f64,
}

/// One row of `chongqing-districts.csv`.
#[derive(Debug, Clone)]
pub(super) struct RegionRow {
    pub code: Option<String>,
    pub name: String,
    pub short_name: String,
    pub aliases: Vec<String>,
    pub region_group: Option<String>,
    pub sub_groups: Vec<String>,
    pub unit_type: String,
    pub published: Vec<Published>,
    pub source: String,
}

/// The figure columns of `chongqing-districts.csv`: column, indicator, period (year, last month
/// of the cumulative range), measure.
const FIGURE_COLUMNS: [(&str, &str, i32, u8, Measure); 13] = [
    ("gdp_2023_yi_yuan", "GDP", 2023, 12, Measure::Value),
    ("gdp_2023_real_growth_pct", "GDP", 2023, 12, Measure::Growth),
    (
        "ind_va_2023_growth_pct",
        "IND_VA",
        2023,
        12,
        Measure::Growth,
    ),
    ("fai_2023_growth_pct", "FAI", 2023, 12, Measure::Growth),
    (
        "retail_2023_growth_pct",
        "RETAIL",
        2023,
        12,
        Measure::Growth,
    ),
    ("gdp_2024q1_growth_pct", "GDP", 2024, 3, Measure::Growth),
    (
        "ind_va_2024q1_growth_pct",
        "IND_VA",
        2024,
        3,
        Measure::Growth,
    ),
    ("fai_2024q1_growth_pct", "FAI", 2024, 3, Measure::Growth),
    (
        "retail_2024q1_growth_pct",
        "RETAIL",
        2024,
        3,
        Measure::Growth,
    ),
    ("gdp_2024q1q3_growth_pct", "GDP", 2024, 9, Measure::Growth),
    (
        "ind_va_2024q1q3_growth_pct",
        "IND_VA",
        2024,
        9,
        Measure::Growth,
    ),
    ("fai_2024q1q3_growth_pct", "FAI", 2024, 9, Measure::Growth),
    (
        "retail_2024q1q3_growth_pct",
        "RETAIL",
        2024,
        9,
        Measure::Growth,
    ),
];

/// The columns of `chongqing-districts.csv` that are not figures.
const META_COLUMNS: [&str; 8] = [
    "code",
    "name",
    "short_name",
    "aliases",
    "region_group",
    "sub_group",
    "unit_type",
    "source",
];

/// The rows of `chongqing-districts.csv`, the city first, in file order.
pub(super) fn region_rows() -> Vec<RegionRow> {
    let t = Table::parse("chongqing-districts.csv", DISTRICTS_CSV);
    let unknown: Vec<_> = t
        .header()
        .iter()
        .filter(|h| {
            !META_COLUMNS.contains(&h.as_str()) && !FIGURE_COLUMNS.iter().any(|f| f.0 == h.as_str())
        })
        .collect();
    assert!(
        unknown.is_empty(),
        "chongqing-districts.csv: unmapped columns {unknown:?}"
    );
    let [code, name, short, aliases, group, sub, unit_type, source] =
        META_COLUMNS.map(|c| t.col(c));
    t.rows
        .iter()
        .map(|r| {
            let published = FIGURE_COLUMNS
                .iter()
                .filter(|f| !r[t.col(f.0)].trim().is_empty())
                .map(|&(col, indicator, year, to, measure)| {
                    let cell = r[t.col(col)].trim();
                    let value = cell.parse::<f64>().unwrap_or_else(|_| {
                        panic!("chongqing-districts.csv: {} {col} = {cell}", r[name])
                    });
                    let period = Period::months(year, 1, to).expect("a valid period");
                    Published {
                        indicator,
                        period,
                        measure,
                        value,
                    }
                })
                .collect();
            RegionRow {
                code: Some(r[code].trim().to_string()).filter(|c| !c.is_empty()),
                name: r[name].trim().to_string(),
                short_name: r[short].trim().to_string(),
                aliases: split_list(&r[aliases]),
                region_group: Some(r[group].trim().to_string()).filter(|g| !g.is_empty()),
                sub_groups: split_list(&r[sub]),
                unit_type: r[unit_type].trim().to_string(),
                published,
                source: r[source].trim().to_string(),
            }
        })
        .collect()
}

/// One row of `chongqing-towns.csv`.
#[derive(Debug, Clone)]
pub(super) struct TownRow {
    pub code: String,
    pub name: String,
    pub county_code: String,
}

pub(super) fn town_rows() -> Vec<TownRow> {
    let t = Table::parse("chongqing-towns.csv", TOWNS_CSV);
    let (code, name, county) = (t.col("code"), t.col("name"), t.col("county_code"));
    t.rows
        .iter()
        .map(|r| TownRow {
            code: r[code].trim().to_string(),
            name: r[name].trim().to_string(),
            county_code: r[county].trim().to_string(),
        })
        .collect()
}

/// Whether an official calendar day is a day off or a make-up working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfficialDayKind {
    /// An official day off (weekend days inside a holiday block included).
    Holiday,
    /// A make-up working day (调休上班) that falls on a weekend.
    Workday,
}

/// One day of the official holiday arrangements (`cn-holidays.csv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficialDay {
    pub date: NaiveDate,
    pub kind: OfficialDayKind,
    /// The holiday the day belongs to (春节, 国庆节 …).
    pub name: String,
}

/// The official holidays and make-up working days of 2024–2026, in file (date) order (the file
/// the app's working calendar reads, [`yiping_app::calendar::HOLIDAYS_CSV`], listed day by day).
pub fn official_days() -> Vec<OfficialDay> {
    let t = Table::parse("cn-holidays.csv", yiping_app::calendar::HOLIDAYS_CSV);
    let (date, kind, name) = (t.col("date"), t.col("kind"), t.col("name"));
    t.rows
        .iter()
        .map(|r| OfficialDay {
            date: NaiveDate::parse_from_str(r[date].trim(), "%Y-%m-%d")
                .unwrap_or_else(|_| panic!("cn-holidays.csv: bad date {}", r[date])),
            kind: match r[kind].trim() {
                "holiday" => OfficialDayKind::Holiday,
                "workday" => OfficialDayKind::Workday,
                other => panic!("cn-holidays.csv: bad kind {other}"),
            },
            name: r[name].trim().to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_keep_their_commas_and_quotes() {
        assert_eq!(
            split_csv_line(r#"a,"b, c","say ""hi""",,"#),
            vec!["a", "b, c", r#"say "hi""#, "", ""]
        );
    }

    #[test]
    fn every_published_figure_is_read() {
        let rows = region_rows();
        let city = &rows[0];
        assert_eq!(city.code.as_deref(), Some("500000"));
        let gdp = city
            .published
            .iter()
            .find(|p| p.indicator == "GDP" && p.measure == Measure::Value)
            .expect("city GDP 2023");
        assert_eq!(
            (gdp.value, gdp.period),
            (30145.79, Period::year(2023).unwrap())
        );
        let figures: usize = rows.iter().map(|r| r.published.len()).sum();
        assert_eq!(figures, 48);
    }

    #[test]
    fn the_holiday_calendar_has_three_years() {
        let days = official_days();
        assert!(
            days.iter()
                .any(|d| d.date == NaiveDate::from_ymd_opt(2026, 10, 1).unwrap())
        );
        assert!(days.iter().any(|d| d.kind == OfficialDayKind::Workday));
        assert!(days.windows(2).all(|w| w[0].date < w[1].date));
    }
}
