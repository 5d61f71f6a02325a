//! What a title or sheet name says about its period ([`Period::mention_in_text`]): a period
//! with its year, a bare year, or months without a year, kept apart so that the places a table
//! states its period in can be compared.

use super::{Body, Hit, Mode, can_start, code_at, normalize, parse_at, resolve};
use crate::{Period, PeriodError};

impl Period {
    /// What a title or sheet name says about its period, keeping apart a bare year
    /// (`2024年各区县主要指标`), which leaves the months to be stated elsewhere, and months
    /// without a year (`1—9月`), which take the year from elsewhere. [`Period::find_in_text`]
    /// is this with the bare year read as the whole year and the default year applied.
    pub fn mention_in_text(text: &str) -> Option<Mention> {
        let chars = normalize(text, false);
        let folded: String = chars.iter().collect();
        if let Ok(p) = Self::parse_code(&folded) {
            return Some(Mention::Period(p));
        }
        if let Ok(hit) = parse_at(&chars, 0, Mode::Whole)
            && hit.end == chars.len()
        {
            return mention_of(&hit, None);
        }
        let chars = normalize(text, true);
        // (length, period) of the best match with a year; the first bare year; (length, hit)
        // of the best match without a year.
        let mut with_year: Option<(usize, Period)> = None;
        let mut bare_year: Option<i32> = None;
        let mut without_year: Option<(usize, Hit)> = None;
        for start in 0..chars.len() {
            if !can_start(&chars, start) {
                continue;
            }
            let hit = match code_at(&chars, start) {
                Some(hit) => hit,
                None => match parse_at(&chars, start, Mode::Scan) {
                    Ok(hit) => hit,
                    Err(_) => continue,
                },
            };
            let len = hit.end - start;
            match hit.year {
                Some(year) if hit.bare_year => {
                    bare_year.get_or_insert(year);
                }
                Some(_) => {
                    if let Ok(p) = resolve(&hit, None, "")
                        && with_year.is_none_or(|(best, _)| len > best)
                    {
                        with_year = Some((len, p));
                    }
                }
                None => {
                    // Check the months and week numbers with any valid year.
                    let valid = resolve(&hit, Some(2000), "").is_ok();
                    if valid && !hit.loose && without_year.is_none_or(|(best, _)| len > best) {
                        without_year = Some((len, hit));
                    }
                }
            }
        }
        if let Some((_, p)) = with_year {
            return Some(Mention::Period(p));
        }
        if let Some((_, hit)) = without_year {
            return mention_of(&hit, bare_year);
        }
        bare_year.map(Mention::Year)
    }
}

/// What a text says about its period (see [`Period::mention_in_text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mention {
    /// A period with its year: `2024年1—9月`, `2024Q3`, `2024年各区县1—9月…`.
    Period(Period),
    /// Only a year: `2024年各区县主要经济指标`.
    Year(i32),
    /// Months or a week without a year: `1—9月`, `第二季度`.
    Yearless(Yearless),
}

/// Months or a week written without a year (`1—9月`, `一季度`, `第12周`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Yearless(Body);

impl Yearless {
    /// The period in `year`.
    pub fn in_year(self, year: i32) -> Result<Period, PeriodError> {
        let hit = Hit {
            year: Some(year),
            body: self.0,
            end: 0,
            bare_year: false,
            loose: false,
        };
        resolve(&hit, None, &self.label_zh())
    }

    /// `1—9月`, `3月`, `第12周`.
    pub fn label_zh(self) -> String {
        match self.0 {
            Body::Months(a, b) if a == b => format!("{a}月"),
            Body::Months(a, b) => format!("{a}—{b}月"),
            Body::Week(w) => format!("第{w}周"),
            Body::Exact(p) => p.label_zh(),
        }
    }
}

/// The mention a whole hit makes: with its own year (or the bare year found beside it) a
/// period, a bare year alone a year, else months without a year.
fn mention_of(hit: &Hit, bare_year: Option<i32>) -> Option<Mention> {
    match hit.year {
        Some(y) if hit.bare_year => Some(Mention::Year(y)),
        Some(_) => resolve(hit, None, "").ok().map(Mention::Period),
        None => match bare_year {
            Some(y) => resolve(hit, Some(y), "").ok().map(Mention::Period),
            None => resolve(hit, Some(2000), "")
                .ok()
                .map(|_| Mention::Yearless(Yearless(hit.body))),
        },
    }
}
