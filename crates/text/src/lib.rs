//! Chinese narrative text: reading indicator facts out of reports.
//!
//! Meeting digests and work reports state each unit's figures as sentences (直管区GDP增长7.2%,
//! 规上工业增加值增速排名全市第3位, 创新报表持续位列A档). [`extract`] turns such a text into
//! [`Fact`]s: subject and region, the indicator as written and its catalogue name, the period, the
//! measure (growth, value, count, rank, grade, share, rate, point difference), the value and unit,
//! the reference of a rank, a qualifier, and the exact span of text with its character offset.
//!
//! The crate is pure: text and a [`Lexicon`] (unit and indicator names from the catalogue, see
//! [`Lexicon::from_catalog`]) in, facts out; no IO, no storage.
//!
//! How it reads, module by module: `doc` finds speakers, sections and paragraphs (joining lines
//! the layout broke); `layout` repairs paragraphs displaced under the wrong speaker; `period`
//! recognises period expressions; `number` and `anchor` find the values and refuse what only looks
//! like a number; `sentence` takes a sentence's values in order, `left` reads the words before each
//! (reference, verb, distributive marker), `phrase` finds the noun phrase (before or after the
//! value, list items) and `np` resolves it to subject, region and indicator.
//!
//! The rules follow the labelling rules of the gold standard (`data/extraction/README.md` in the
//! shared data): what counts as a fact, how subjects, regions and periods are assigned, and how
//! layout damage is attributed. The word lists are general report vocabulary; nothing is keyed to
//! a particular document.

mod anchor;
mod doc;
mod fact;
mod layout;
mod left;
mod lexicon;
mod np;
mod number;
mod period;
mod phrase;
mod run;
mod sentence;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

pub use fact::{Fact, FactValue, Measure, PeriodBasis, Qualifier};
pub use lexicon::{IndicatorEntry, Lexicon, UnitEntry, UnitKind};

/// How facts name the city as a whole.
pub const CITY: &str = "全市";

/// What the caller knows about the document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// The year of the reporting period, for periods written without one (一季度). Overrides the
    /// year the text suggests.
    pub year: Option<i32>,
    /// The reporting period (canonical code), for sections that state none.
    pub period: Option<String>,
}

/// Reads every fact of `text`.
pub fn extract(text: &str, lexicon: &Lexicon, options: &Options) -> Vec<Fact> {
    let doc = doc::Doc::parse(text, lexicon);
    let lay = layout::analyse(&doc, lexicon);
    let doc_year = options.year.or(doc.year);
    // Each section's year and period (R2: the first reporting period of its lead paragraph).
    let mut sec_year: Vec<Option<i32>> = Vec::new();
    let mut sec_period: Vec<Option<String>> = Vec::new();
    for sec in &doc.sections {
        let year = sec.heading_period.and_then(|m| m.year).or(doc_year);
        let from_lead = sec.paras.first().and_then(|&p| {
            period::mentions(&doc.paras[p].run.c)
                .into_iter()
                .find(|m| m.reporting())
                .and_then(|m| m.code(year))
        });
        let from_heading = sec.heading_period.and_then(|m| m.code(year));
        sec_year.push(year);
        sec_period.push(
            from_heading
                .or(from_lead)
                .or_else(|| options.period.clone()),
        );
    }
    let mut drafts: Vec<sentence::Draft> = Vec::new();
    for (pi, para) in doc.paras.iter().enumerate() {
        let unit_idx = lay.para_unit[pi];
        let unit = unit_idx.map(|u| &lay.units[u]);
        // A displaced paragraph takes the period of its owner's section (R6).
        let owner_section = match unit_idx {
            Some(u) if lay.displaced[pi] => lay.unit_section[u],
            _ => Some(para.section),
        };
        let (year, period) = match owner_section {
            Some(s) => (sec_year[s], sec_period[s].as_deref()),
            None => (doc_year, options.period.as_deref()),
        };
        let ctx = sentence::Ctx {
            lex: lexicon,
            unit,
            year,
            section_period: period,
            displaced: lay.displaced[pi],
            orig: &doc.orig,
        };
        for (a, b) in doc::split_sentences(&para.run.c) {
            sentence::read(&para.run, a, b, &ctx, &mut drafts);
        }
    }
    dedupe(drafts)
}

/// A clause printed twice (a displaced copy) yields its facts once: the copy in its own section
/// wins over a displaced one, else the first.
fn dedupe(drafts: Vec<sentence::Draft>) -> Vec<Fact> {
    let key = |d: &sentence::Draft| {
        (
            format!(
                "{}|{}|{}",
                d.clause,
                d.fact.subject.as_deref().unwrap_or(""),
                d.fact.region.as_deref().unwrap_or("")
            ),
            d.fact.text.clone(),
            d.fact.measure,
            d.fact.value.to_string(),
            d.fact.indicator_text.clone(),
        )
    };
    let mut best: HashMap<(String, String, Measure, String, String), usize> = HashMap::new();
    for (i, d) in drafts.iter().enumerate() {
        if d.clause.chars().count() < 8 {
            continue;
        }
        let k = key(d);
        match best.get(&k) {
            Some(&j) if !drafts[j].displaced || d.displaced => {}
            _ => {
                best.insert(k, i);
            }
        }
    }
    drafts
        .iter()
        .enumerate()
        .filter(|(i, d)| d.clause.chars().count() < 8 || best.get(&key(d)) == Some(i))
        .map(|(_, d)| d.fact.clone())
        .collect()
}
