//! The round trip of issue 14: the briefing's running text read back by the extractor
//! (`yiping_text::extract`), each written fact found as the same subject, indicator, period,
//! measure and value (and reference, where it has one).

use yiping_text::{Fact, FactValue, Lexicon, Measure, Options, extract};

use crate::model::{Brief, FactKind, WrittenFact};

fn measure(k: FactKind) -> Measure {
    match k {
        FactKind::Value => Measure::Value,
        FactKind::GrowthPct => Measure::GrowthPct,
        FactKind::PpDiff => Measure::PpDiff,
        FactKind::Rank => Measure::Rank,
        FactKind::Grade => Measure::Grade,
    }
}

/// Whether the extracted `f` states the written `w`.
pub fn same(w: &WrittenFact, f: &Fact) -> bool {
    let value = match (&f.value, w.value, &w.grade) {
        (FactValue::Number(v), Some(x), _) => (v - x).abs() < 1e-9,
        (FactValue::Grade(g), _, Some(x)) => g == x,
        _ => false,
    };
    f.subject.as_deref() == Some(w.subject.as_str())
        && f.indicator == w.indicator
        && f.period.as_deref() == Some(w.period.as_str())
        && f.measure == measure(w.kind)
        && value
        && (w.compare_to.is_none() || f.compare_to == w.compare_to)
}

/// The facts of `brief` the extractor reads back, and the written facts it misses.
pub fn check(brief: &Brief, lexicon: &Lexicon) -> (Vec<Fact>, Vec<WrittenFact>) {
    let facts = extract(&brief.text(), lexicon, &Options::default());
    let missed = brief
        .facts
        .iter()
        .filter(|w| !facts.iter().any(|f| same(w, f)))
        .cloned()
        .collect();
    (facts, missed)
}
