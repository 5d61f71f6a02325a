//! The shape of a report: lines, speakers and their sections, paragraphs (lines joined where the
//! layout broke a sentence), sentences.
//!
//! A meeting digest (发言摘登) is a title, a speaker line (`涪陵区委书记 王志杰`) and the speech;
//! the speaker's unit is the default subject of everything said until the next speaker. Other
//! reports have no speakers; their headings (`一、2023年工作情况`) carry periods instead.

use crate::lexicon::{Lexicon, UnitKind};
use crate::period::{self, Mention};
use crate::run::{Run, at, fold, is_close_quote, is_han, is_sentence_end};

/// The unit a section (or a displaced block) belongs to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unit {
    /// Canonical name (the catalogue's when known).
    pub name: String,
    pub kind: UnitKind,
    /// Names the unit goes by in text (name, aliases, the name without 区/县).
    pub names: Vec<String>,
}

impl Unit {
    pub fn new(name: &str, lex: &Lexicon) -> Self {
        if let Some(i) = lex.find_unit(name) {
            let e = lex.unit(i);
            let mut names = vec![e.name.clone()];
            names.extend(e.aliases.iter().cloned());
            add_short(&mut names, &e.name);
            return Self {
                name: e.name.clone(),
                kind: e.kind,
                names,
            };
        }
        let kind = if name.starts_with('市')
            && ["委", "局", "办", "厅", "中心", "院"]
                .iter()
                .any(|s| name.ends_with(s))
        {
            UnitKind::Department
        } else {
            UnitKind::Region
        };
        let mut names = vec![name.to_string()];
        add_short(&mut names, name);
        Self {
            name: name.to_string(),
            kind,
            names,
        }
    }

    /// The region a fact of this unit is about by default: the unit itself, or 全市 for the
    /// city and its departments.
    pub fn default_region(&self) -> String {
        match self.kind {
            UnitKind::City | UnitKind::Department => crate::CITY.to_string(),
            _ => self.name.clone(),
        }
    }
}

fn add_short(names: &mut Vec<String>, name: &str) {
    let c: Vec<char> = name.chars().collect();
    if c.len() >= 3 && matches!(c[c.len() - 1], '区' | '县') {
        let s: String = c[..c.len() - 1].iter().collect();
        if !names.contains(&s) {
            names.push(s);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    Blank,
    /// Metadata tables (`[ 索引号 ] | …`): never read for facts.
    Meta,
    Speaker,
    /// The title line above a speaker.
    Title,
    /// A short line without sentence punctuation in a report without speakers.
    Heading,
    Body,
}

#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub start: usize,
    pub end: usize,
    pub kind: LineKind,
}

/// A top-level point marker at the start of a paragraph: 一、 (top) or （一） / 1. (sub).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    Top(u32),
    Sub(u32),
}

#[derive(Debug, Clone)]
pub(crate) struct Para {
    pub run: Run,
    pub section: usize,
    pub marker: Option<Marker>,
    /// Ends with sentence punctuation (else the layout cut it off).
    pub terminated: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub unit: Option<Unit>,
    pub paras: Vec<usize>,
    /// From a heading (`一、2023年工作情况`), if any.
    pub heading_period: Option<Mention>,
    /// True for speaker sections of a digest.
    pub spoken: bool,
}

/// A parsed document.
#[derive(Debug)]
pub(crate) struct Doc {
    pub orig: Vec<char>,
    pub paras: Vec<Para>,
    pub sections: Vec<Section>,
    /// Units named in the preamble's list of speakers, in order (empty without one).
    pub speaker_list: Vec<Unit>,
    /// The year of the document's reporting period, when the text says it.
    pub year: Option<i32>,
}

const TITLE_WORDS: &[&str] = &[
    "书记",
    "主任",
    "局长",
    "区长",
    "县长",
    "市长",
    "主席",
    "部长",
    "厅长",
    "院长",
    "行长",
    "常委",
    "党工委",
    "党组",
    "负责人",
    "总经理",
    "董事长",
    "秘书长",
    "镇长",
    "委员",
];

/// The unit of a speaker line such as `市委常委、两江新区党工委书记 罗茜`.
pub(crate) fn speaker_unit(line: &[char], lex: &Lexicon) -> Option<Unit> {
    let n = line.len();
    if !(5..=48).contains(&n) {
        return None;
    }
    if line
        .iter()
        .any(|&c| matches!(c, '。' | ',' | ';' | ':' | '!' | '?' | '“' | '”' | '%'))
        || line.iter().any(|c| c.is_ascii_digit())
    {
        return None;
    }
    // The person's name: the last space-separated token, 2–4 Han characters (· allowed).
    let last_space = line.iter().rposition(|c| c.is_whitespace())?;
    let name: Vec<char> = line[last_space + 1..].to_vec();
    if !(2..=5).contains(&name.len()) || !name.iter().all(|&c| is_han(c) || c == '·') {
        return None;
    }
    let title: Vec<char> = line[..last_space]
        .iter()
        .copied()
        .filter(|c| !c.is_whitespace())
        .collect();
    let title_s: String = title.iter().collect();
    if !TITLE_WORDS.iter().any(|w| title_s.contains(w)) {
        return None;
    }
    // The last catalogue unit named in the title (not the city: 市委常委 is a rank).
    let mut found: Option<usize> = None;
    let mut i = 0;
    while i < title.len() {
        if let Some((u, len)) = lex.unit_at(&title, i) {
            if lex.unit(u).kind != UnitKind::City {
                found = Some(u);
            }
            i += len;
        } else {
            i += 1;
        }
    }
    if let Some(u) = found {
        return Some(Unit::new(&lex.unit(u).name, lex));
    }
    // Not in the catalogue: cut the office off the first segment that names an organisation
    // (涪陵区委书记 → 涪陵区; 市文化旅游委党委书记、主任 → 市文化旅游委).
    title_s
        .split('、')
        .find_map(|seg| office_unit(seg).map(|s| Unit::new(&s, lex)))
}

fn office_unit(seg: &str) -> Option<String> {
    let sc: Vec<char> = seg.chars().collect();
    for (w, keep) in [("区委", "区"), ("县委", "县"), ("市委", "市")] {
        if let Some(p) = crate::run::find(&sc, 1, sc.len(), w) {
            let mut s: String = sc[..p].iter().collect();
            s.push_str(keep);
            return Some(s);
        }
    }
    let offices = [
        "党工委",
        "党组",
        "党委",
        "管委会",
        "政府",
        "书记",
        "主任",
        "局长",
        "区长",
        "县长",
    ];
    let p = offices
        .iter()
        .filter_map(|w| crate::run::find(&sc, 1, sc.len(), w))
        .min()?;
    Some(sc[..p].iter().collect())
}

fn marker_at(c: &[char]) -> Option<Marker> {
    let (paren, i) = match c.first() {
        Some('(') | Some('（') => (true, 1),
        _ => (false, 0),
    };
    let (v, j) = if c.get(i)?.is_ascii_digit() {
        let j = (i..c.len()).find(|&k| !c[k].is_ascii_digit())?;
        let s: String = c[i..j].iter().collect();
        (s.parse::<u32>().ok()?, j)
    } else {
        let (v, j) = crate::number::chinese_at(c, i)?;
        (v as u32, j)
    };
    if v == 0 || v > 30 {
        return None;
    }
    let next = *c.get(j)?;
    if paren {
        return matches!(next, ')' | '）').then_some(Marker::Sub(v));
    }
    if next == '、' && !c[i].is_ascii_digit() {
        return Some(Marker::Top(v));
    }
    if (next == '.' || next == '、') && c[i].is_ascii_digit() {
        // 1. or 1、 but not 1.5
        if c.get(j + 1).is_some_and(|d| d.is_ascii_digit()) {
            return None;
        }
        return Some(Marker::Sub(v));
    }
    None
}

fn ends_terminated(c: &[char]) -> bool {
    let mut k = c.len();
    while k > 0 && (is_close_quote(c[k - 1]) || matches!(c[k - 1], ')' | '）')) {
        k -= 1;
    }
    k > 0 && (is_sentence_end(c[k - 1]) || c[k - 1] == ':')
}

impl Doc {
    pub fn parse(text: &str, lex: &Lexicon) -> Doc {
        let orig: Vec<char> = text.chars().collect();
        let norm: Vec<char> = orig.iter().map(|&c| fold(c)).collect();
        let mut lines = Vec::new();
        let mut s = 0;
        for (i, &c) in norm.iter().enumerate() {
            if c == '\n' {
                lines.push((s, i));
                s = i + 1;
            }
        }
        lines.push((s, norm.len()));
        let mut out: Vec<Line> = Vec::new();
        let mut speakers: Vec<Option<Unit>> = Vec::new();
        for &(a, b) in &lines {
            let mut a2 = a;
            let mut b2 = b;
            while a2 < b2 && norm[a2].is_whitespace() {
                a2 += 1;
            }
            while b2 > a2 && norm[b2 - 1].is_whitespace() {
                b2 -= 1;
            }
            let t = &norm[a2..b2];
            let (kind, unit) = if t.is_empty() {
                (LineKind::Blank, None)
            } else if t.iter().filter(|&&c| c == '|').count() >= 2 {
                (LineKind::Meta, None)
            } else if let Some(u) = speaker_unit(t, lex) {
                (LineKind::Speaker, Some(u))
            } else {
                (LineKind::Body, None)
            };
            out.push(Line {
                start: a2,
                end: b2,
                kind,
            });
            speakers.push(unit);
        }
        let spoken = out.iter().any(|l| l.kind == LineKind::Speaker);
        // Titles: the line above a speaker. Headings: short unpunctuated lines of other reports.
        for i in 0..out.len() {
            if out[i].kind == LineKind::Speaker
                && let Some(p) = (0..i).rev().find(|&k| out[k].kind != LineKind::Blank)
                && out[p].kind == LineKind::Body
                && !norm[out[p].start..out[p].end].contains(&'。')
            {
                out[p].kind = LineKind::Title;
            }
        }
        let first_speaker = out.iter().position(|l| l.kind == LineKind::Speaker);
        for (i, l) in out.iter_mut().enumerate() {
            if l.kind != LineKind::Body {
                continue;
            }
            let t = &norm[l.start..l.end];
            let short = t.len() <= 40
                && !t.iter().any(|&c| matches!(c, '。' | ';' | '!' | '?'))
                && !matches!(t.last(), Some(',') | Some('、'));
            let in_preamble = first_speaker.is_some_and(|f| i < f);
            if short && (!spoken || in_preamble) {
                l.kind = LineKind::Heading;
            }
        }
        // Sections.
        let mut sections: Vec<Section> = vec![Section {
            unit: None,
            paras: Vec::new(),
            heading_period: None,
            spoken: false,
        }];
        let mut line_section = vec![0usize; out.len()];
        for i in 0..out.len() {
            match out[i].kind {
                LineKind::Speaker => {
                    sections.push(Section {
                        unit: speakers[i].clone(),
                        paras: Vec::new(),
                        heading_period: None,
                        spoken: true,
                    });
                }
                LineKind::Heading if !spoken => {
                    let t = &norm[out[i].start..out[i].end];
                    let hp = period::mentions(t).into_iter().find(|m| m.reporting());
                    let prev = sections.last().and_then(|s| s.heading_period);
                    sections.push(Section {
                        unit: None,
                        paras: Vec::new(),
                        heading_period: hp.or(prev),
                        spoken: false,
                    });
                }
                _ => {}
            }
            line_section[i] = sections.len() - 1;
        }
        // A title belongs to the section of the speaker below it.
        // Paragraphs: body lines, joined while a line ends without sentence punctuation.
        let mut paras: Vec<Para> = Vec::new();
        let mut open: Option<usize> = None;
        for (i, l) in out.iter().enumerate() {
            match l.kind {
                LineKind::Blank => continue,
                LineKind::Body => {}
                _ => {
                    open = None;
                    continue;
                }
            }
            let sec = line_section[i];
            let t = &norm[l.start..l.end];
            // A line opening with a point number (二、) starts a paragraph even after a cut line.
            let numbered = matches!(marker_at(t), Some(Marker::Top(_)));
            if let Some(p) = open
                && paras[p].section == sec
                && !numbered
            {
                for (k, &c) in t.iter().enumerate() {
                    if !c.is_whitespace() {
                        paras[p].run.push(c, l.start + k);
                    }
                }
                paras[p].terminated = ends_terminated(&paras[p].run.c);
            } else {
                let mut run = Run::default();
                for (k, &c) in t.iter().enumerate() {
                    if !c.is_whitespace() {
                        run.push(c, l.start + k);
                    }
                }
                let terminated = ends_terminated(&run.c);
                let marker = marker_at(&run.c);
                sections[sec].paras.push(paras.len());
                paras.push(Para {
                    run,
                    section: sec,
                    marker,
                    terminated,
                });
            }
            let last = paras.len() - 1;
            open = (!paras[last].terminated).then_some(last);
        }
        let speaker_list = speaker_list(&paras, &sections, lex);
        let year = doc_year(&norm, &out, &sections, &paras);
        Doc {
            orig,
            paras,
            sections,
            speaker_list,
            year,
        }
    }
}

/// The list of speakers in a digest's preamble: `两江新区、涪陵区、…负责同志等作交流发言`.
fn speaker_list(paras: &[Para], sections: &[Section], lex: &Lexicon) -> Vec<Unit> {
    let Some(pre) = sections.first() else {
        return Vec::new();
    };
    if !sections.iter().any(|s| s.spoken) {
        return Vec::new();
    }
    for &p in &pre.paras {
        let c = &paras[p].run.c;
        for sent in split_sentences(c) {
            let s = &c[sent.0..sent.1];
            let text: String = s.iter().collect();
            if !text.contains("发言") || s.iter().filter(|&&x| x == '、').count() < 2 {
                continue;
            }
            let cut = ["负责同志", "主要负责", "等作", "作交流", "交流发言", "发言"]
                .iter()
                .filter_map(|w| text.find(w))
                .min()
                .unwrap_or(text.len());
            let head = &text[..cut];
            let head = head.rsplit([',', '。']).next().unwrap_or(head);
            return head
                .split('、')
                .map(str::trim)
                .filter(|t| t.chars().count() >= 2)
                .map(|t| Unit::new(t, lex))
                .collect();
        }
    }
    Vec::new()
}

/// The year of the reporting period: the first written year that goes with a period in the
/// preamble (`2024年一季度`), else the first written year anywhere.
fn doc_year(norm: &[char], lines: &[Line], sections: &[Section], paras: &[Para]) -> Option<i32> {
    let mut pre: Vec<char> = Vec::new();
    if let Some(s) = sections.first() {
        for &p in &s.paras {
            pre.extend(&paras[p].run.c);
        }
    }
    for l in lines {
        if matches!(l.kind, LineKind::Heading | LineKind::Title) {
            pre.extend(&norm[l.start..l.end]);
        }
    }
    let with_period = period::mentions(&pre)
        .into_iter()
        .find(|m| m.year.is_some() && m.spec != period::Spec::Year);
    if let Some(m) = with_period {
        return m.year;
    }
    let mut i = 0;
    while i + 5 <= norm.len() {
        if let Some(m) = period::mention_at(norm, i)
            && m.year.is_some()
        {
            return m.year;
        }
        i += 1;
    }
    None
}

/// Sentence ranges of a run, each including its final punctuation.
pub(crate) fn split_sentences(c: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = 0;
    let mut depth = 0i32;
    for (i, &ch) in c.iter().enumerate() {
        if ch == '“' || ch == '(' || ch == '（' {
            depth += 1;
        } else if (ch == '”' || ch == ')' || ch == '）') && depth > 0 {
            depth -= 1;
        }
        if is_sentence_end(ch) && depth == 0 {
            out.push((s, i + 1));
            s = i + 1;
        }
    }
    if s < c.len() {
        out.push((s, c.len()));
    }
    out
}

/// Whether the run starts like a closing paragraph of a speech (下一步, …).
pub(crate) fn is_closing(c: &[char]) -> bool {
    ["下一步", "今后", "下步"].iter().any(|w| at(c, 0, w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexicon::UnitEntry;

    fn lex() -> Lexicon {
        Lexicon::new(
            vec![
                UnitEntry {
                    name: "梁平区".into(),
                    aliases: vec!["梁平".into()],
                    kind: UnitKind::Region,
                },
                UnitEntry {
                    name: "市商务委".into(),
                    aliases: vec![],
                    kind: UnitKind::Department,
                },
            ],
            vec![],
            vec![],
        )
    }

    fn line(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn speakers_are_found_by_office_and_name() {
        let l = lex();
        assert_eq!(
            speaker_unit(&line("梁平区委书记 张三"), &l).map(|u| u.name),
            Some("梁平区".into())
        );
        assert_eq!(
            speaker_unit(&line("市商务委党组书记、主任 李四五"), &l).map(|u| (u.name, u.kind)),
            Some(("市商务委".into(), UnitKind::Department))
        );
        // Not in the catalogue: the office is cut off.
        assert_eq!(
            speaker_unit(&line("市委常委、北碚区委书记 王五"), &l).map(|u| u.name),
            Some("北碚区".into())
        );
        assert_eq!(
            speaker_unit(&line("市文化旅游委党委书记、主任 赵六"), &l).map(|u| (u.name, u.kind)),
            Some(("市文化旅游委".into(), UnitKind::Department))
        );
        assert_eq!(speaker_unit(&line("梁平区GDP增长6%。"), &l), None);
        assert_eq!(speaker_unit(&line("奋力谱写 新篇章"), &l), None);
    }

    #[test]
    fn broken_lines_are_joined_and_sections_follow_speakers() {
        let text = "标题\n\n梁平区委书记 张三\n\n梁平区一季度产值97.5亿\n\n元。\n\n一、抓项目。新签项目5个。\n\n另一个标题\n\n市商务委党组书记 李四\n\n社零增长6%。";
        let d = Doc::parse(text, &lex());
        assert_eq!(d.sections.len(), 3);
        assert_eq!(
            d.sections[1].unit.as_ref().map(|u| u.name.as_str()),
            Some("梁平区")
        );
        let p = &d.paras[d.sections[1].paras[0]];
        let s: String = p.run.c.iter().collect();
        assert_eq!(s, "梁平区一季度产值97.5亿元。");
        let (a, b) = p.run.orig_span(12, 14);
        assert_eq!(d.orig[a..b].iter().collect::<String>(), "亿\n\n元");
        assert_eq!(d.paras[d.sections[1].paras[1]].marker, Some(Marker::Top(1)));
        assert_eq!(
            d.sections[2].unit.as_ref().map(|u| u.kind),
            Some(UnitKind::Department)
        );
    }

    #[test]
    fn markers() {
        assert_eq!(marker_at(&line("三、狠抓")), Some(Marker::Top(3)));
        assert_eq!(marker_at(&line("（二）推动")), Some(Marker::Sub(2)));
        assert_eq!(marker_at(&line("1.推动")), Some(Marker::Sub(1)));
        assert_eq!(marker_at(&line("1.5亿")), None);
        assert_eq!(marker_at(&line("一季度")), None);
    }
}
