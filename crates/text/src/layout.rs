//! Layout damage: paragraphs that landed under the wrong speaker.
//!
//! Digests are typeset in columns, and text copied out of them sometimes puts a block of one
//! speech under another speaker's heading, or loses a speaker's heading altogether. The signs are
//! regular enough to repair most of it:
//!
//! * **Foreign blocks.** Inside a speech the points run 一、二、三、. A point number that does not
//!   go up (a second 三、, or 二、 after 三、) starts foreign text; the unnumbered paragraphs just
//!   before it (the tail of the foreign speech's previous point) belong to it too. A paragraph
//!   opening with 下一步 closes a speech, so whatever follows it is foreign as well.
//! * **Whose block.** In order of strength: the block names a speaker's unit (永川科技创新中心,
//!   下一步，市经济信息委将…); the block repeats clauses of another speech verbatim (a displaced
//!   copy); a speaker of the preamble's list has no heading of their own and sits, in list order,
//!   right after the section the block is in; the next block of the same run has an owner; a
//!   speech ends mid-sentence (`6大特色优`) and is still waiting for its continuation.
//!
//! What cannot be attributed stays with the section it is in.

use std::collections::HashMap;

use crate::doc::{Doc, Marker, Unit, is_closing, split_sentences};
use crate::lexicon::Lexicon;
use crate::run::is_clause_break;

/// Who each paragraph belongs to.
#[derive(Debug)]
pub(crate) struct Layout {
    /// Section units first, then speakers of the preamble's list that have no section.
    pub units: Vec<Unit>,
    /// The section of each unit (`None` for a speaker without a heading).
    pub unit_section: Vec<Option<usize>>,
    /// Owner unit of each paragraph (`None` outside speeches).
    pub para_unit: Vec<Option<usize>>,
    /// Paragraphs attributed to another unit than the section they sit in.
    pub displaced: Vec<bool>,
}

fn clauses(c: &[char]) -> Vec<String> {
    let mut out = Vec::new();
    for (a, b) in split_sentences(c) {
        let mut s = a;
        for i in a..=b {
            if i == b || is_clause_break(c[i]) || crate::run::is_sentence_end(c[i]) {
                if i - s >= 8 {
                    out.push(c[s..i].iter().collect());
                }
                s = i + 1;
            }
        }
    }
    out
}

fn count_names(text: &str, unit: &Unit) -> usize {
    unit.names
        .iter()
        .filter(|n| n.chars().count() >= 2)
        .map(|n| text.matches(n.as_str()).count())
        .max()
        .unwrap_or(0)
}

/// Foreign blocks of one spoken section: lists of paragraph indices.
fn foreign_blocks(doc: &Doc, sec: usize) -> Vec<Vec<usize>> {
    let paras = &doc.sections[sec].paras;
    let mut blocks: Vec<Vec<usize>> = Vec::new();
    let mut last_top = 0u32;
    let mut own = true;
    let mut pending: Vec<usize> = Vec::new();
    // In foreign text: whether the current block has had its numbered point already.
    let mut block_has_marker = false;
    for (k, &p) in paras.iter().enumerate() {
        if k == 0 {
            continue; // the lead paragraph
        }
        let para = &doc.paras[p];
        let top = match para.marker {
            Some(Marker::Top(n)) => Some(n),
            _ => None,
        };
        if own {
            match top {
                Some(n) if n > last_top => {
                    last_top = n;
                    pending.clear();
                }
                Some(_) => {
                    own = false;
                    let mut b = std::mem::take(&mut pending);
                    b.push(p);
                    blocks.push(b);
                    block_has_marker = true;
                }
                None => {
                    pending.push(p);
                    if is_closing(&para.run.c) {
                        // The speech is over: what follows is someone else's.
                        own = false;
                        pending.clear();
                        blocks.push(Vec::new());
                        block_has_marker = true;
                    }
                }
            }
            continue;
        }
        // Foreign text: a new block starts at an unnumbered paragraph after a numbered one, or
        // after a closing paragraph.
        let closes_prev = blocks
            .last()
            .and_then(|b| b.last())
            .is_some_and(|&q| is_closing(&doc.paras[q].run.c));
        let start_new = blocks.last().is_none_or(|b| !b.is_empty())
            && ((top.is_none() && block_has_marker) || closes_prev);
        if start_new {
            blocks.push(Vec::new());
            block_has_marker = false;
        }
        if let Some(b) = blocks.last_mut() {
            b.push(p);
        }
        if top.is_some() {
            block_has_marker = true;
        }
    }
    blocks.retain(|b| !b.is_empty());
    blocks
}

pub(crate) fn analyse(doc: &Doc, lex: &Lexicon) -> Layout {
    let _ = lex;
    let mut units: Vec<Unit> = Vec::new();
    let mut unit_section: Vec<Option<usize>> = Vec::new();
    let mut section_unit: Vec<Option<usize>> = vec![None; doc.sections.len()];
    for (s, sec) in doc.sections.iter().enumerate() {
        if let Some(u) = &sec.unit {
            section_unit[s] = Some(units.len());
            units.push(u.clone());
            unit_section.push(Some(s));
        }
    }
    // Speakers of the list without a heading, and each unit's position in the list.
    let mut list_pos: Vec<Option<usize>> = vec![None; units.len()];
    for (pos, su) in doc.speaker_list.iter().enumerate() {
        if let Some(i) = units.iter().position(|u| u.name == su.name) {
            if list_pos[i].is_none() {
                list_pos[i] = Some(pos);
            }
        } else {
            units.push(su.clone());
            unit_section.push(None);
            list_pos.push(Some(pos));
        }
    }
    let mut para_unit: Vec<Option<usize>> =
        doc.paras.iter().map(|p| section_unit[p.section]).collect();
    let mut displaced = vec![false; doc.paras.len()];

    // Blocks of every spoken section, in document order.
    let mut blocks: Vec<(usize, Vec<usize>)> = Vec::new();
    for (s, sec) in doc.sections.iter().enumerate() {
        if sec.spoken && section_unit[s].is_some() {
            for b in foreign_blocks(doc, s) {
                blocks.push((s, b));
            }
        }
    }
    if blocks.is_empty() {
        return Layout {
            units,
            unit_section,
            para_unit,
            displaced,
        };
    }
    let in_block: Vec<bool> = {
        let mut v = vec![false; doc.paras.len()];
        for (_, b) in &blocks {
            for &p in b {
                v[p] = true;
            }
        }
        v
    };
    // Clauses of every section's own paragraphs, for spotting displaced copies.
    let mut own_clauses: HashMap<String, usize> = HashMap::new();
    for (p, para) in doc.paras.iter().enumerate() {
        if in_block[p] {
            continue;
        }
        if let Some(u) = section_unit[para.section] {
            for c in clauses(&para.run.c) {
                own_clauses.entry(c).or_insert(u);
            }
        }
    }
    // Evidence.
    let mut owner: Vec<Option<usize>> = vec![None; blocks.len()];
    for (bi, (s, b)) in blocks.iter().enumerate() {
        let here = section_unit[*s];
        let text: String = b.iter().flat_map(|&p| doc.paras[p].run.c.iter()).collect();
        let named = (0..units.len())
            .filter(|&u| Some(u) != here)
            .map(|u| (u, count_names(&text, &units[u])))
            .filter(|&(_, n)| n > 0)
            .max_by_key(|&(u, n)| (n, std::cmp::Reverse(u)));
        if let Some((u, _)) = named {
            owner[bi] = Some(u);
            continue;
        }
        let mut votes: HashMap<usize, usize> = HashMap::new();
        for &p in b {
            for c in clauses(&doc.paras[p].run.c) {
                if let Some(&u) = own_clauses.get(&c)
                    && Some(u) != here
                {
                    *votes.entry(u).or_default() += 1;
                }
            }
        }
        owner[bi] = votes
            .into_iter()
            .max_by_key(|&(u, n)| (n, std::cmp::Reverse(u)))
            .map(|(u, _)| u);
    }
    // Headless speakers right after a section in list order.
    let next_listed = |s: usize| -> Vec<usize> {
        let Some(here) = section_unit[s] else {
            return Vec::new();
        };
        let Some(p) = list_pos[here] else {
            return Vec::new();
        };
        let mut cands: Vec<(usize, usize)> = (0..units.len())
            .filter(|&u| unit_section[u].is_none())
            .filter_map(|u| list_pos[u].map(|q| (q, u)))
            .filter(|&(q, _)| q > p)
            .collect();
        cands.sort();
        // Stop at the next unit that has a section of its own.
        let next_with_section = (0..units.len())
            .filter(|&u| unit_section[u].is_some())
            .filter_map(|u| list_pos[u])
            .filter(|&q| q > p)
            .min();
        cands
            .into_iter()
            .filter(|&(q, _)| next_with_section.is_none_or(|n| q < n))
            .map(|(_, u)| u)
            .collect()
    };
    // Speeches cut off mid-sentence, in document order.
    let truncated: Vec<usize> = doc
        .sections
        .iter()
        .enumerate()
        .filter(|(_, sec)| sec.spoken)
        .filter_map(|(s, sec)| {
            let last_own = sec.paras.iter().rev().find(|&&p| !in_block[p])?;
            (!doc.paras[*last_own].terminated)
                .then_some(section_unit[s])
                .flatten()
        })
        .collect();
    for bi in 0..blocks.len() {
        if owner[bi].is_some() {
            continue;
        }
        let s = blocks[bi].0;
        let taken = |u: usize, owner: &[Option<usize>]| owner.contains(&Some(u));
        if let Some(u) = next_listed(s).into_iter().find(|&u| !taken(u, &owner)) {
            owner[bi] = Some(u);
            continue;
        }
        if let Some(u) = blocks
            .get(bi + 1)
            .filter(|(s2, _)| *s2 == s)
            .and_then(|_| owner[bi + 1])
        {
            owner[bi] = Some(u);
            continue;
        }
        if let Some(&u) = truncated.iter().find(|&&u| !taken(u, &owner)) {
            owner[bi] = Some(u);
        }
    }
    for (bi, (s, b)) in blocks.iter().enumerate() {
        if let Some(u) = owner[bi]
            && Some(u) != section_unit[*s]
        {
            for &p in b {
                para_unit[p] = Some(u);
                displaced[p] = true;
            }
        }
    }
    Layout {
        units,
        unit_section,
        para_unit,
        displaced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::{UnitEntry, UnitKind};

    fn lex() -> Lexicon {
        let r = |n: &str, a: &str| UnitEntry {
            name: n.into(),
            aliases: vec![a.into()],
            kind: UnitKind::Region,
        };
        Lexicon::new(
            vec![
                r("甲山区", "甲山"),
                r("乙水区", "乙水"),
                r("丙林县", "丙林"),
            ],
            vec![],
            vec![],
        )
    }

    fn owners(text: &str) -> Vec<(String, Option<String>, bool)> {
        let l = lex();
        let d = Doc::parse(text, &l);
        let lay = analyse(&d, &l);
        d.paras
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    p.run.c.iter().take(8).collect(),
                    lay.para_unit[i].map(|u| lay.units[u].name.clone()),
                    lay.displaced[i],
                )
            })
            .collect()
    }

    #[test]
    fn a_repeated_point_number_starts_a_block_of_a_headless_speaker() {
        let text = "甲山区、乙水区、丙林县负责同志作交流发言。\n\n题一\n\n甲山区委书记 张三\n\n甲山区一季度GDP增长6%。\n\n一、抓项目。新签项目5个。\n\n二、抓产业。产值增长8%。\n\n转型,新增车间4个。\n\n二、抓改革。改革专项全市第一。\n\n题三\n\n丙林县委书记 李四\n\n丙林县一季度GDP增长5%。";
        let o = owners(text);
        let find = |s: &str| o.iter().find(|x| x.0.starts_with(s)).cloned();
        assert_eq!(
            find("转型").map(|x| (x.1, x.2)),
            Some((Some("乙水区".into()), true))
        );
        assert_eq!(find("二、抓改革").map(|x| x.1), Some(Some("乙水区".into())));
        assert_eq!(find("二、抓产业").map(|x| x.2), Some(false));
    }

    #[test]
    fn a_block_naming_a_speaker_goes_to_that_speaker_and_a_cut_speech_takes_the_rest() {
        let text = "题一\n\n甲山区委书记 张三\n\n甲山区一季度GDP增长6%。\n\n一、抓项目。新签项目5个。\n\n业增长9%。\n\n一、抓产业。乙水区新增车间4个。\n\n下一步,乙水区将继续努力。\n\n完成率60%。\n\n二、抓改革。项目12个。\n\n题二\n\n乙水区委书记 王五\n\n乙水区一季度GDP增长7%。一、抓工\n\n题三\n\n丙林县委书记 李四\n\n丙林县一季度GDP增长5%,完成\n\n";
        let o = owners(text);
        let find = |s: &str| o.iter().find(|x| x.0.starts_with(s)).map(|x| x.1.clone());
        assert_eq!(find("业增长9%"), Some(Some("乙水区".into())));
        assert_eq!(find("下一步"), Some(Some("乙水区".into())));
        assert_eq!(find("完成率60%"), Some(Some("丙林县".into())));
        assert_eq!(find("二、抓改革"), Some(Some("丙林县".into())));
    }
}
