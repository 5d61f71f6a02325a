//! One sentence to facts.
//!
//! The anchors of a sentence (values, ranks, grades) are taken in order. Anchors joined only by
//! `、` / `和` (分别增长16%、20%) form a group that shares the words before the first of them.
//! Those words are read from the right: the reference (全市, 全国), the verb (增长, 下降, 占, 居,
//! 列为, 高于), then the noun phrase, which may be a list (旅游人次、旅游综合收入) to pair with the
//! values. A value with no phrase of its own takes the one after it (组建30亿元先进制造业基金) or
//! the previous fact's (增长8.5%、居全市第三).
//!
//! Periods follow the gold standard's rules: a period written in the sentence governs its own
//! clause and every later clause (R1); otherwise the section's period is inherited (R2); streaks
//! and projections have none.

use crate::anchor::{Anchor, Kind, Qualifier, anchors, mask};
use crate::doc::Unit;
use crate::fact::{Fact, FactValue, Measure, PeriodBasis};
use crate::left::{Left, SHARE_WORDS, Verb, parse_left};
use crate::lexicon::Lexicon;
use crate::np::{self, NpCtx, bare_measure, region_at, resolve, strip_lead};
use crate::number::UnitClass;
use crate::period::{self, Mention};
use crate::phrase::{after_barriers, lead_only, list_items, phrase_after, shared_suffix};
use crate::run::{Run, ends_at, find, is_clause_break};

/// Everything a sentence is read against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub lex: &'a Lexicon,
    pub unit: Option<&'a Unit>,
    pub year: Option<i32>,
    pub section_period: Option<&'a str>,
    pub displaced: bool,
    pub orig: &'a [char],
}

/// A fact with what deduplication needs.
#[derive(Debug, Clone)]
pub(crate) struct Draft {
    pub fact: Fact,
    /// The clause the value sits in (a displaced copy repeats it verbatim).
    pub clause: String,
    pub displaced: bool,
}

/// Words that only name a measure of the fact before them (增长8%、增速居全市第1位).
const RELATIVE_NOUNS: &[&str] = &[
    "增速", "增幅", "总数", "总量", "总额", "规模", "排名", "位次",
];

const PROJECTION: &[&str] = &["预计", "力争", "确保", "争取", "预期", "目标"];

#[derive(Debug, Clone)]
struct Prev {
    clause: usize,
    subject: Option<String>,
    region: Option<String>,
    indicator_text: String,
    explicit: bool,
    span_start: usize,
}

/// Reads one sentence `run[a..b]`.
pub(crate) fn read(run: &Run, a: usize, b: usize, ctx: &Ctx, out: &mut Vec<Draft>) {
    let c: &[char] = &run.c[a..b];
    let mentions = period::mentions(c);
    let masked = mask(c, &mentions);
    let found = anchors(c, &masked);
    if found.is_empty() {
        return;
    }
    let breaks: Vec<usize> = (0..c.len())
        .filter(|&k| is_clause_break(c[k]) && !masked[k])
        .collect();
    let clause_of = |p: usize| breaks.iter().filter(|&&k| k < p).count();
    let clause_range = |ci: usize| -> (usize, usize) {
        let s = if ci == 0 { 0 } else { breaks[ci - 1] + 1 };
        let e = breaks.get(ci).copied().unwrap_or(c.len());
        (s, e)
    };
    // A zone or another region named in a clause without values is the topic of what follows.
    let mut topics: Vec<Option<String>> = vec![None; breaks.len() + 1];
    {
        let base_ctx = NpCtx {
            lex: ctx.lex,
            unit: ctx.unit,
            topic: None,
        };
        let own = ctx.unit.map(Unit::default_region);
        let mut cur: Option<String> = None;
        for (ci, t) in topics.iter_mut().enumerate() {
            *t = cur.clone();
            let (s, e) = clause_range(ci);
            if found.iter().any(|x| x.start >= s && x.start < e) {
                continue;
            }
            for i in (s..e).filter(|&i| !masked[i]) {
                if let Some((r, _)) = region_at(c, i, e, &base_ctx)
                    && np::is_zone(&r)
                    && Some(&r) != own.as_ref()
                {
                    cur = Some(r);
                    break;
                }
            }
        }
    }
    let mut prev: Option<Prev> = None;
    let mut gi = 0;
    let mut last_end = 0usize;
    let mut last_clause = usize::MAX;
    while gi < found.len() {
        // The group: anchors joined only by list separators.
        let mut gj = gi + 1;
        while gj < found.len()
            && clause_of(found[gj].start) == clause_of(found[gi].start)
            && (found[gj - 1].end..found[gj].start)
                .all(|k| matches!(c[k], '、' | '和' | '及' | '与'))
            && same_family(
                found[gi].kind,
                found[gj].kind,
                found[gj - 1].end == found[gj].start,
            )
        {
            gj += 1;
        }
        let group = &found[gi..gj];
        let first = &group[0];
        // 压缩至3天, 缩短到2小时 are time limits; 24小时值守 and 7天无理由 are names.
        if matches!(first.kind, Kind::Number(UnitClass::Duration))
            && matches!(first.unit.as_deref(), Some("天" | "小时" | "分钟"))
            && ![
                "至", "到", "在", "为", "缩短", "压缩", "减少", "提前", "用时", "仅用", "平均",
            ]
            .iter()
            .any(|w| ends_at(c, first.start, w))
        {
            gi = gj;
            continue;
        }
        let ci = clause_of(first.start);
        let (cs, ce) = clause_range(ci);
        let seg_start = if ci == last_clause {
            last_end.max(cs)
        } else {
            cs
        };
        let mut left = parse_left(c, seg_start, first.start, first, ctx.lex);
        // 排名由全市第9位上升至第4位: the phrase ends at 由; the old rank names the reference.
        if matches!(first.kind, Kind::Rank)
            && let Some(p) = (left.np.0..left.np.1).find(|&k| matches!(c[k], '由' | '从'))
        {
            if left.reference.is_none() {
                left.reference = ["全市", "全国", "全省", "区县", "渝东北", "渝东南"]
                    .iter()
                    .find(|w| find(c, p, left.np.1, w).is_some())
                    .map(|w| {
                        if *w == "区县" {
                            crate::CITY.to_string()
                        } else {
                            w.to_string()
                        }
                    });
            }
            left.np.1 = p;
        }
        // Leading separators mark a later list item.
        let mut npa = left.np.0;
        while npa < left.np.1 && matches!(c[npa], '、' | '和' | '及' | '与' | ',') {
            npa += 1;
        }
        // The phrase after the last period mention and barrier word.
        for m in &mentions {
            if m.start >= npa && m.start < left.np.1 {
                npa = m.end.min(left.np.1);
            }
        }
        let mut np_end = left.np.1;
        while np_end > npa && matches!(c[np_end - 1], '、' | ',' | '和') {
            np_end -= 1;
        }
        let raw_items = list_items(c, npa, np_end, false);
        let is_list = raw_items.len() > 1;
        // A count that only counts the list before it (A、B、C三项机制) is not a fact; a partial
        // list (A、B等8个) is.
        if group.len() == 1
            && is_list
            && matches!(first.kind, Kind::Number(UnitClass::Count))
            && (raw_items.len() as f64 - first.value).abs() < 1e-9
            && find(c, npa, np_end, "等").is_none()
        {
            last_end = first.end;
            last_clause = ci;
            gi = gj;
            continue;
        }
        if !is_list {
            npa = after_barriers(c, npa, np_end);
        }
        npa = strip_lead(c, npa, np_end);
        left.np = (npa, np_end);
        // 完成年度计划的81.5%: the particle is not part of the phrase.
        while np_end > npa && c[np_end - 1] == '的' {
            np_end -= 1;
        }
        if lead_only(c, npa, np_end) {
            npa = np_end;
        }
        left.np = (npa, np_end);
        let np_text: String = c[npa..np_end].iter().collect();
        // A count's classifier followed by a noun counts that noun (8条重点产业链).
        let counted = matches!(first.kind, Kind::Number(UnitClass::Count));
        let after = if group.len() == 1 && !matches!(first.kind, Kind::Streak) {
            phrase_after(c, group[0].end, ce)
        } else {
            None
        };
        let ends_with_examples =
            ends_at(c, np_end, "等") || np_text.is_empty() || (counted && after.is_some());
        let after = if ends_with_examples { after } else { None };
        let topic = topics.get(ci).cloned().flatten();
        let npctx = NpCtx {
            lex: ctx.lex,
            unit: ctx.unit,
            topic: topic.as_deref(),
        };
        // Items to pair with values.
        let mut items: Vec<(usize, usize)> =
            if np_text.is_empty() || (ends_with_examples && after.is_some()) {
                Vec::new()
            } else {
                list_items(c, npa, np_end, false)
            };
        let rank_like = matches!(first.kind, Kind::Rank | Kind::Grade);
        if group.len() > 1 && !items.is_empty() && items.len() != group.len() {
            let with_and = list_items(c, npa, np_end, true);
            if with_and.len() == group.len() {
                items = with_and;
            }
        }
        if group.len() == 1 && !items.is_empty() && rank_like {
            let with_and = list_items(c, npa, np_end, true);
            // 江北区和南岸区位列A档, 甲、乙和丙位列A档: units joined by 和 share the rank or grade,
            // as with 、.
            let all_units = || {
                with_and.iter().all(|&(s, e)| {
                    let name: String = c[s..e].iter().collect();
                    ctx.lex.find_unit(&name).is_some()
                })
            };
            let distributive = items.len() == 1 && left.distributive;
            if with_and.len() > items.len() && (distributive || all_units()) {
                items = with_and;
            }
        }
        let pairing: Vec<(Option<(usize, usize)>, usize)> =
            if items.len() > 1 && items.len() == group.len() {
                items
                    .iter()
                    .enumerate()
                    .map(|(k, r)| (Some(*r), k))
                    .collect()
            } else if group.len() == 1 && items.len() > 1 && (left.distributive || rank_like) {
                items.iter().map(|r| (Some(*r), 0)).collect()
            } else {
                let own_phrase = !(np_text.is_empty() || ends_with_examples && after.is_some());
                let whole = own_phrase.then_some((npa, np_end));
                (0..group.len()).map(|k| (whole, k)).collect()
            };
        let distributed = pairing.len() > 1 && pairing.iter().filter_map(|p| p.0).count() > 1;
        // A measure noun or 增速 written once after the last item belongs to every item.
        let shared = if distributed {
            shared_suffix(c, &pairing)
        } else {
            None
        };
        let mut item_first: Option<np::Resolved> = None;
        for (pi, (item, ai)) in pairing.iter().enumerate() {
            let anchor = &group[*ai];
            let mut span_start = anchor.start;
            let mut span_end = anchor.end;
            let resolved: Option<np::Resolved> = match item {
                Some((s, e)) => {
                    span_start = if distributed { npa } else { *s };
                    let mut chars: Vec<char> = c[*s..*e].to_vec();
                    if let Some((noun, strip_only)) = &shared {
                        let n = noun.chars().count();
                        if chars.len() > n && chars.ends_with(&noun.chars().collect::<Vec<_>>()) {
                            chars.truncate(chars.len() - n);
                        }
                        if !strip_only {
                            chars.extend(noun.chars());
                        }
                    }
                    let r = resolve(&chars, 0, chars.len(), &npctx);
                    Some(r)
                }
                None => after.map(|e| {
                    span_end = e;
                    resolve(c, group[*ai].end, e, &npctx)
                }),
            };
            let mut r = match resolved {
                // 增速居全市第1位, 总数达到15家: the measure of the fact before.
                Some(r)
                    if prev.is_some()
                        && !r.explicit
                        && RELATIVE_NOUNS.contains(&r.indicator_text.as_str()) =>
                {
                    match &prev {
                        Some(p) => {
                            span_start = p.span_start.min(span_start);
                            np::Resolved {
                                subject: p.subject.clone(),
                                region: p.region.clone(),
                                indicator_text: p.indicator_text.clone(),
                                explicit: p.explicit,
                            }
                        }
                        None => r,
                    }
                }
                Some(r) if !r.indicator_text.is_empty() || r.explicit => r,
                _ => match &prev {
                    Some(p) => {
                        span_start = p.span_start.min(span_start);
                        np::Resolved {
                            subject: p.subject.clone(),
                            region: p.region.clone(),
                            indicator_text: p.indicator_text.clone(),
                            explicit: p.explicit,
                        }
                    }
                    None => {
                        let d = npctx.unit.map(Unit::default_region);
                        np::Resolved {
                            subject: topic.clone().or(d.clone()),
                            region: topic.clone().or(d),
                            indicator_text: String::new(),
                            explicit: false,
                        }
                    }
                },
            };
            // List items share a subject written on the first (全市国有企业营业收入、利润总额…).
            if distributed {
                if pi == 0 {
                    item_first = Some(r.clone());
                } else if let Some(f) = &item_first
                    && f.explicit
                    && !r.explicit
                {
                    r.subject = f.subject.clone();
                    r.region = f.region.clone();
                }
            }
            // A bare measure noun shares the subject of the fact before it (营收…、利润增长…).
            if let Some(p) = &prev
                && p.explicit
                && !r.explicit
                && ci <= p.clause + 1
                && bare_measure(&r.indicator_text.chars().collect::<Vec<_>>())
            {
                r.subject = p.subject.clone();
                r.region = p.region.clone();
            }
            let Some(fact) = build(
                c,
                run,
                a,
                ctx,
                &mentions,
                anchor,
                &left,
                &r,
                span_start,
                span_end,
                distributed,
            ) else {
                continue;
            };
            let (cs2, ce2) = clause_range(clause_of(anchor.start));
            out.push(Draft {
                fact,
                clause: c[cs2..ce2].iter().collect(),
                displaced: ctx.displaced,
            });
            prev = Some(Prev {
                clause: ci,
                subject: r.subject.clone(),
                region: r.region.clone(),
                indicator_text: r.indicator_text.clone(),
                explicit: r.explicit,
                span_start,
            });
        }
        // A phrase read after the value is not the next value's phrase (组建3个工作组和5个专班).
        let used_after = pairing
            .iter()
            .any(|p| p.0.is_none())
            .then_some(after)
            .flatten();
        last_end = group[group.len() - 1].end.max(used_after.unwrap_or(0));
        last_clause = ci;
        gi = gj;
    }
}

fn same_family(a: Kind, b: Kind, adjacent: bool) -> bool {
    let fam = |k: Kind| match k {
        Kind::Number(UnitClass::Percent) | Kind::Fraction => 1,
        Kind::Number(UnitClass::PctPoint) => 2,
        Kind::Number(UnitClass::Multiple) => 3,
        Kind::Number(_) => 4,
        Kind::Rank => 5,
        Kind::Grade => 6,
        Kind::Streak => 7,
    };
    fam(a) == fam(b) || (adjacent && fam(a) == 4 && fam(b) == 4)
}

fn round(v: f64) -> f64 {
    (v * 1e9).round() / 1e9
}

#[allow(clippy::too_many_arguments)]
fn build(
    c: &[char],
    run: &Run,
    a: usize,
    ctx: &Ctx,
    mentions: &[Mention],
    anchor: &Anchor,
    left: &Left,
    r: &np::Resolved,
    span_start: usize,
    span_end: usize,
    distributed: bool,
) -> Option<Fact> {
    let mut flags: Vec<&'static str> = Vec::new();
    let mut compare_to = None;
    let mut unit = anchor.unit.clone();
    let v = anchor.value;
    let (measure, value) = match anchor.kind {
        Kind::Rank => {
            compare_to = left.reference.clone();
            (Measure::Rank, FactValue::Number(v))
        }
        Kind::Grade => (
            Measure::Grade,
            FactValue::Grade(anchor.grade.clone().unwrap_or_default()),
        ),
        Kind::Streak => {
            flags.push("streak");
            (Measure::Other, FactValue::Number(v))
        }
        Kind::Fraction => (Measure::SharePct, FactValue::Number(round(v))),
        Kind::Number(UnitClass::Multiple) => match left.verb {
            Verb::Growth(s) => {
                flags.push("multiple");
                unit = Some("%".into());
                (Measure::GrowthPct, FactValue::Number(round(s * v * 100.0)))
            }
            _ => (Measure::Other, FactValue::Number(v)),
        },
        Kind::Number(UnitClass::Percent) => match left.verb {
            Verb::Growth(s) => (Measure::GrowthPct, FactValue::Number(round(s * v))),
            Verb::Share => (Measure::SharePct, FactValue::Number(v)),
            _ => {
                let t = &r.indicator_text;
                let clause_start = (0..anchor.start)
                    .rev()
                    .find(|&k| is_clause_break(c[k]))
                    .map_or(0, |k| k + 1);
                let seg: String = c[clause_start..anchor.start].iter().collect();
                let completion = seg.contains("完成")
                    && ["目标", "任务", "计划"].iter().any(|w| seg.contains(w));
                let m = if completion {
                    Measure::RatePct
                } else if SHARE_WORDS.iter().any(|w| t.contains(w)) {
                    Measure::SharePct
                } else if t.ends_with('率') || t.ends_with("强度") {
                    Measure::RatePct
                } else {
                    Measure::SharePct
                };
                (m, FactValue::Number(v))
            }
        },
        Kind::Number(UnitClass::PctPoint) => match left.verb {
            Verb::Pull => (Measure::Other, FactValue::Number(v)),
            Verb::Compare(s) => {
                compare_to = left.reference.clone();
                (Measure::PpDiff, FactValue::Number(round(s * v)))
            }
            Verb::Growth(s) => (Measure::PpDiff, FactValue::Number(round(s * v))),
            _ => (Measure::PpDiff, FactValue::Number(v)),
        },
        Kind::Number(UnitClass::Count) => (Measure::Count, FactValue::Number(v)),
        Kind::Number(UnitClass::Value) => (Measure::Value, FactValue::Number(v)),
        Kind::Number(UnitClass::Duration) => (Measure::Other, FactValue::Number(v)),
    };
    if distributed {
        flags.push("enumeration");
    }
    // Period: the last mention before the value in its sentence (R1), else the section's (R2).
    let governing = mentions.iter().rfind(|m| m.start < anchor.start);
    let projected = PROJECTION
        .iter()
        .any(|w| find(c, 0, anchor.start, w).is_some());
    let (period, basis) = if matches!(anchor.kind, Kind::Streak) {
        (None, None)
    } else if projected {
        flags.push("projected");
        (None, None)
    } else if let Some(m) = governing {
        (m.code(ctx.year), Some(PeriodBasis::Explicit))
    } else if let Some(p) = ctx.section_period {
        (Some(p.to_string()), Some(PeriodBasis::Inherited))
    } else {
        (None, None)
    };
    let (period, basis) = if period.is_none() {
        (None, None)
    } else {
        (period, basis)
    };
    if ctx.displaced {
        flags.push("displaced");
    }
    let qualifier: Option<Qualifier> = anchor.qualifier;
    let start = span_start.min(anchor.start);
    let end = span_end.max(anchor.end);
    let (os, oe) = run.orig_span(a + start, a + end);
    let text: String = ctx.orig[os..oe].iter().collect();
    let indicator_text = r.indicator_text.clone();
    let indicator = ctx.lex.indicator_for(&indicator_text).map(str::to_string);
    Some(Fact {
        subject: r.subject.clone(),
        region: r.region.clone(),
        indicator_text,
        indicator,
        period,
        measure,
        value,
        unit,
        compare_to,
        qualifier,
        text,
        offset: os,
        period_basis: basis,
        flags,
    })
}
