//! Composing a [`Brief`] from [`BriefData`] and a [`Template`]: the sentences in the house style,
//! the tables, the charts, and the list of facts and numbers each sentence and cell states.

use std::collections::BTreeMap;

use crate::model::*;
use crate::template::{Section, SectionKind, Template, fill};
use crate::words;

struct Writer<'a> {
    data: &'a BriefData,
    blocks: Vec<Block>,
    facts: Vec<WrittenFact>,
    placed: Vec<Placed>,
}

impl Writer<'_> {
    fn common(&self) -> Vec<(&'static str, String)> {
        let d = self.data;
        vec![
            ("地区", d.region.clone()),
            ("主体", d.subject.clone()),
            ("下级", d.children.clone()),
            ("期间", d.period_label.clone()),
            ("年", d.year.to_string()),
        ]
    }

    fn fill(&self, text: &str, extra: &[(&str, String)]) -> String {
        let common = self.common();
        let pairs: Vec<(&str, &str)> = extra
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .chain(common.iter().map(|(k, v)| (*k, v.as_str())))
            .collect();
        fill(text, &pairs)
    }

    fn place(&mut self, what: String, stored: f64, decimals: u8) -> String {
        let text = words::number(stored, decimals);
        self.placed.push(Placed {
            what,
            text: text.clone(),
            stored,
            decimals,
        });
        text
    }

    fn fact(&mut self, subject: &str, indicator: &str, period: &str, kind: FactKind, value: f64) {
        self.facts
            .push(fact(subject, indicator, period, kind, value));
    }

    fn overview(&mut self, s: &Section) {
        let d = self.data;
        let subject = d.subject.clone();
        let mut rows = Vec::new();
        for h in d.headline.iter().filter(|h| h.growth.is_some()) {
            let g = h.growth.unwrap_or_default();
            let (period, own_period) = match &h.period {
                Some((code, label)) if *code != d.period_code => {
                    (code.clone(), format!("{label}，"))
                }
                _ => (d.period_code.clone(), String::new()),
            };
            let total = match h.value {
                Some(v) => {
                    let n = self.place(format!("{}总量", h.name), v, h.decimals);
                    self.fact(
                        &subject,
                        &h.name,
                        &period,
                        FactKind::Value,
                        words::printed(v, h.decimals),
                    );
                    format!("{n}{}", h.unit)
                }
                None => String::new(),
            };
            self.place(format!("{}增速", h.name), g, 1);
            self.fact(
                &subject,
                &h.name,
                &period,
                FactKind::GrowthPct,
                words::printed(g, 1),
            );
            let versus = h.reference.as_ref().map(|r| {
                let p = words::versus_points(g, r.growth);
                self.facts.push(WrittenFact {
                    compare_to: Some(r.name.clone()),
                    ..fact(&subject, &h.name, &period, FactKind::PpDiff, p)
                });
                self.placed.push(Placed {
                    what: format!("{}比{}", h.name, r.name),
                    text: words::number(p.abs(), 1),
                    stored: p.abs(),
                    decimals: 1,
                });
                words::versus(g, r.growth, &r.name)
            });
            let rank = h.rank.as_ref().map(|r| {
                self.facts.push(WrittenFact {
                    compare_to: Some(r.among.clone()),
                    ..fact(
                        &subject,
                        &h.name,
                        &period,
                        FactKind::Rank,
                        f64::from(r.rank),
                    )
                });
                format!("增速居{}{}", r.among, words::rank(r.rank))
            });
            let with_comma =
                |t: &Option<String>| t.as_ref().map_or_else(String::new, |t| format!("，{t}"));
            let sentence = match (&h.value, &s.sentence_without_value) {
                (None, Some(t)) => t.as_str(),
                _ => s.sentence.as_deref().unwrap_or_default(),
            };
            let text = self.fill(
                sentence,
                &[
                    ("指标", h.name.clone()),
                    ("总量", total.clone()),
                    ("增速", words::growth(g)),
                    ("比较", with_comma(&versus)),
                    ("位次", with_comma(&rank)),
                ],
            );
            self.blocks.push(Block::Para(format!("{own_period}{text}")));
            rows.push(vec![
                if own_period.is_empty() {
                    h.name.clone()
                } else {
                    format!("{}（{}）", h.name, own_period.trim_end_matches('，'))
                },
                if total.is_empty() {
                    "—".into()
                } else {
                    total
                },
                words::number(g, 1),
                versus.unwrap_or_else(|| "—".into()),
                h.rank
                    .as_ref()
                    .map_or_else(|| "—".into(), |r| format!("{}/{}", r.rank, r.of)),
            ]);
        }
        if s.table && !rows.is_empty() {
            let mut header: Vec<String> = ["指标", "总量", "增速（%）", "比较", "增速位次"]
                .map(String::from)
                .to_vec();
            // A column with nothing in it (the city has no reference or rank) is left out.
            for col in (3..header.len()).rev() {
                if rows.iter().all(|r| r[col] == "—") {
                    header.remove(col);
                    rows.iter_mut().for_each(|r| {
                        r.remove(col);
                    });
                }
            }
            self.blocks.push(Block::Table(Table {
                caption: format!("表1　{}{}主要经济指标", d.region, d.period_label),
                header,
                rows,
            }));
        }
    }

    fn league(&mut self, s: &Section) {
        let Some(l) = self.data.league.as_ref() else {
            if let Some(t) = &s.none {
                let t = self.fill(t, &[]);
                self.blocks.push(Block::Para(t));
            }
            return;
        };
        let top = s.top.unwrap_or(3).min(l.rows.len());
        let leaders: Vec<String> = l.rows.iter().take(top).map(|r| r.unit.clone()).collect();
        if let Some(t) = &s.lead {
            let mut t = self.fill(
                t,
                &[
                    ("方案", l.title.clone()),
                    ("前列", words::list(&leaders)),
                    ("个数", top.to_string()),
                ],
            );
            // The league's own period (a quarter's league in a monthly briefing).
            t = t.replace(&self.data.period_label, &l.period_label);
            self.blocks.push(Block::Para(t));
        }
        if let Some(t) = &s.sentence {
            let mut movers: Vec<&LeagueRow> = l
                .rows
                .iter()
                .filter(|r| r.rank.is_some() && r.moved.is_some_and(|m| m != 0))
                .collect();
            movers.sort_by_key(|r| (std::cmp::Reverse(r.moved.unwrap_or(0).abs()), r.rank));
            let text: Vec<String> = movers
                .iter()
                .take(s.top.unwrap_or(3))
                .map(|r| {
                    let rank = r.rank.unwrap_or_default();
                    self.facts.push(WrittenFact {
                        indicator: None,
                        ..fact(&r.unit, "", &l.period_code, FactKind::Rank, f64::from(rank))
                    });
                    self.fill(
                        t,
                        &[
                            ("单位", r.unit.clone()),
                            ("位次", words::rank(rank)),
                            ("变化", words::moved(r.moved)),
                        ],
                    )
                })
                .collect();
            if !text.is_empty() {
                self.blocks.push(Block::Para(text.concat()));
            }
        }
        if s.table {
            let rows = l
                .rows
                .iter()
                .map(|r| {
                    vec![
                        r.rank.map_or_else(|| "—".into(), |n| n.to_string()),
                        r.unit.clone(),
                        r.score.map_or_else(|| "—".into(), |v| words::number(v, 2)),
                        r.grade.clone().unwrap_or_else(|| "—".into()),
                        words::moved_cell(r.moved),
                    ]
                })
                .collect();
            self.blocks.push(Block::Table(Table {
                caption: format!("表2　{}（{}）", l.title, l.period_label),
                header: vec![
                    "位次".into(),
                    "单位".into(),
                    l.score_label.clone(),
                    "档次".into(),
                    "位次变化".into(),
                ],
                rows,
            }));
        }
        if s.chart {
            let bars: Vec<(String, f64)> = l
                .rows
                .iter()
                .filter_map(|r| Some((r.unit.clone(), r.score?)))
                .collect();
            if !bars.is_empty() {
                self.blocks.push(Block::Chart(Chart::Bar {
                    title: format!("图1　{}{}（{}）", l.title, l.score_label, l.period_label),
                    unit: l.score_label.clone(),
                    bars,
                }));
            }
        }
    }

    fn grades(&mut self, s: &Section) {
        let mut by: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let Some(l) = &self.data.league {
            for r in &l.rows {
                if let Some(g) = &r.grade {
                    by.entry(g.clone()).or_default().push(r.unit.clone());
                }
            }
        }
        if by.is_empty() {
            if let Some(t) = &s.none {
                let t = self.fill(t, &[]);
                self.blocks.push(Block::Para(t));
            }
            return;
        }
        let Some(t) = &s.sentence else { return };
        let period = self
            .data
            .league
            .as_ref()
            .map(|l| l.period_code.clone())
            .unwrap_or_default();
        let text: Vec<String> = by
            .iter()
            .map(|(g, units)| {
                for u in units {
                    self.facts.push(WrittenFact {
                        indicator: None,
                        value: None,
                        grade: Some(g.clone()),
                        ..fact(u, "", &period, FactKind::Grade, 0.0)
                    });
                }
                self.fill(
                    t,
                    &[
                        ("单位", words::list(units)),
                        ("档次", words::grade(g)),
                        ("个数", units.len().to_string()),
                    ],
                )
            })
            .collect();
        self.blocks.push(Block::Para(text.concat()));
    }

    fn progress(&mut self, s: &Section) {
        let d = self.data;
        if d.behind.is_empty() {
            if let Some(t) = &s.none {
                let t = self.fill(t, &[]);
                self.blocks.push(Block::Para(t));
            }
            return;
        }
        if let Some(t) = &s.lead {
            let t = self.fill(t, &[("个数", d.behind.len().to_string())]);
            self.blocks.push(Block::Para(t));
        }
        let mut behind: Vec<&Behind> = d.behind.iter().collect();
        behind.sort_by(|a, b| a.gap.total_cmp(&b.gap));
        if let Some(t) = &s.sentence {
            let text: Vec<String> = behind
                .iter()
                .take(s.top.unwrap_or(usize::MAX))
                .map(|b| {
                    self.fill(
                        t,
                        &[
                            ("单位", b.unit.clone()),
                            ("指标", b.indicator.clone()),
                            ("完成率", words::percent(b.completion)),
                            ("序时进度", words::percent(b.time_progress)),
                            ("差距", format!("{}个百分点", words::number(-b.gap, 1))),
                            ("进度", b.label.clone()),
                        ],
                    )
                })
                .collect();
            self.blocks.push(Block::Para(text.concat()));
        }
        if s.table {
            let rows = behind
                .iter()
                .map(|b| {
                    vec![
                        b.unit.clone(),
                        b.indicator.clone(),
                        words::number(b.completion, 1),
                        words::number(b.time_progress, 1),
                        words::number(b.gap, 1),
                        b.label.clone(),
                    ]
                })
                .collect();
            self.blocks.push(Block::Table(Table {
                caption: format!("表3　低于序时进度的{}指标", d.children),
                header: [
                    "单位",
                    "指标",
                    "完成率（%）",
                    "序时进度（%）",
                    "差距（百分点）",
                    "进度",
                ]
                .map(String::from)
                .to_vec(),
                rows,
            }));
        }
    }

    fn problems(&mut self, s: &Section) {
        let d = self.data;
        let p = &d.problems;
        if let Some(t) = &s.sentence {
            let t = self.fill(
                t,
                &[
                    ("日期", d.date.clone()),
                    ("总数", p.total.to_string()),
                    ("办结", p.closed.to_string()),
                    ("未办结", p.open.to_string()),
                    ("超期", p.overdue.to_string()),
                    (
                        "办结率",
                        p.closure_rate.map_or_else(|| "—".into(), words::percent),
                    ),
                ],
            );
            self.blocks.push(Block::Para(t));
        }
        if s.table && !p.rows.is_empty() {
            let rows = p
                .rows
                .iter()
                .take(s.top.unwrap_or(usize::MAX))
                .map(|r| {
                    vec![
                        r.title.clone(),
                        r.place.clone(),
                        r.stage.clone(),
                        if r.overdue { "是" } else { "否" }.to_string(),
                    ]
                })
                .collect();
            self.blocks.push(Block::Table(Table {
                caption: "表4　最新问题".to_string(),
                header: ["问题", "所在单位", "环节", "超期"]
                    .map(String::from)
                    .to_vec(),
                rows,
            }));
        }
    }

    fn trend(&mut self, s: &Section) {
        let d = self.data;
        let series: Vec<&Trend> = d.trends.iter().filter(|t| t.unit == "%").collect();
        let series = if series.is_empty() {
            d.trends.iter().take(1).collect()
        } else {
            series
        };
        let Some(first) = series.first() else {
            return;
        };
        if s.chart {
            let labels: Vec<String> = first.points.iter().map(|p| p.0.clone()).collect();
            self.blocks.push(Block::Chart(Chart::Line {
                title: format!("图2　{}主要指标累计增速走势（%）", d.region),
                unit: first.unit.clone(),
                labels,
                series: series
                    .iter()
                    .map(|t| (t.name.clone(), t.points.iter().map(|p| p.1).collect()))
                    .collect(),
            }));
        }
    }
}

fn fact(subject: &str, indicator: &str, period: &str, kind: FactKind, value: f64) -> WrittenFact {
    WrittenFact {
        subject: subject.to_string(),
        indicator: Some(indicator.to_string()),
        period: period.to_string(),
        kind,
        value: Some(value),
        grade: None,
        compare_to: None,
    }
}

/// Writes the briefing of `data` with `template`.
pub fn compose(template: &Template, data: &BriefData) -> Brief {
    let mut w = Writer {
        data,
        blocks: Vec::new(),
        facts: Vec::new(),
        placed: Vec::new(),
    };
    for s in &template.sections {
        w.blocks.push(Block::Heading(w.fill(&s.heading, &[])));
        if s.kind != SectionKind::League
            && let Some(t) = &s.lead
        {
            let t = w.fill(t, &[]);
            if s.kind != SectionKind::Progress {
                w.blocks.push(Block::Para(t));
            }
        }
        match s.kind {
            SectionKind::Overview => w.overview(s),
            SectionKind::League => w.league(s),
            SectionKind::Grades => w.grades(s),
            SectionKind::Progress => w.progress(s),
            SectionKind::Problems => w.problems(s),
            SectionKind::Trend => w.trend(s),
        }
    }
    let closing = template
        .closing
        .as_ref()
        .map(|t| w.fill(t, &[]))
        .unwrap_or_default();
    Brief {
        issuer: w.fill(&template.issuer, &[]),
        number: w.fill(&template.number, &[]),
        title: w.fill(&template.title, &[]),
        recipients: template
            .recipients
            .as_ref()
            .map(|t| w.fill(t, &[]))
            .unwrap_or_default(),
        date: data.date.clone(),
        blocks: w.blocks,
        closing,
        facts: w.facts,
        placed: w.placed,
        fonts: template.fonts.clone(),
    }
}

impl Brief {
    /// The running text (title, recipients, headings and paragraphs; not tables), as a reader
    /// or the extractor reads it.
    pub fn text(&self) -> String {
        let mut out = vec![self.title.clone(), self.recipients.clone()];
        for b in &self.blocks {
            match b {
                Block::Heading(t) | Block::Para(t) => out.push(t.clone()),
                Block::Table(_) | Block::Chart(_) => {}
            }
        }
        out.push(self.closing.clone());
        out.push(self.issuer.clone());
        out.push(self.date.clone());
        out.retain(|t| !t.is_empty());
        out.join("\n\n")
    }
}
