//! The briefing as a Word document (docx-rs): A4 with 公文 margins, the 发文机关 in red over a
//! red rule, 文号, title, 主送, the sections (headings in 黑体, text in 仿宋_GB2312 16 pt with a
//! two-character indent), tables with single borders on every cell, the charts as inline PNG
//! images, the closing with the issuer and date, and the page number centred in the footer
//! (— 1 —). Every run carries its East Asian font (the template's first choice) and a Latin
//! font for digits and letters.

use std::io::Cursor;

use docx_rs::*;

use crate::chart::{self, ChartError};
use crate::model::{Block, Brief, Table as BriefTable};

/// A document that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error("写入 Word 文件失败：{0}")]
    Write(String),
}

// Sizes in half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 小四 12 pt.
const TITLE: usize = 44;
const BODY: usize = 32;
const CAPTION: usize = 28;
const CELL: usize = 24;
const RED: &str = "C00000";
/// Text width of the page in twips (A4 21 cm − 2.8 cm − 2.6 cm = 15.6 cm).
const TEXT_TWIPS: usize = 8844;
/// Printed chart width, EMU (15.6 cm).
const CHART_EMU: u32 = 5_616_000;

struct Fonts {
    body: RunFonts,
    heading: RunFonts,
}

fn run(text: &str, fonts: &RunFonts, size: usize) -> Run {
    Run::new().add_text(text).fonts(fonts.clone()).size(size)
}

fn exact(line_twips: i32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(line_twips)
}

fn para(text: &str, f: &Fonts) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, &f.body, BODY))
        .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
        .line_spacing(exact(560))
        .align(AlignmentType::Both)
}

fn table(t: &BriefTable, f: &Fonts) -> Table {
    let cols = t.header.len().max(1);
    // Columns share the width by their longest text (at least 3 characters, at most 14).
    let weight = |k: usize| {
        std::iter::once(&t.header)
            .chain(&t.rows)
            .filter_map(|r| r.get(k))
            .map(|c| {
                c.chars()
                    .map(|ch| if ch.is_ascii() { 1 } else { 2 })
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(0)
            .clamp(6, 28)
    };
    let weights: Vec<usize> = (0..cols).map(weight).collect();
    let total: usize = weights.iter().sum();
    let widths: Vec<usize> = weights.iter().map(|w| TEXT_TWIPS * w / total).collect();
    let cell = |text: &str, head: bool, width: usize| {
        let fonts = if head { &f.heading } else { &f.body };
        TableCell::new()
            .add_paragraph(
                Paragraph::new()
                    .add_run(run(text, fonts, CELL))
                    .align(AlignmentType::Center),
            )
            .vertical_align(VAlignType::Center)
            .width(width, WidthType::Dxa)
    };
    let row = |r: &[String], head: bool| {
        TableRow::new(
            r.iter()
                .zip(&widths)
                .map(|(c, w)| cell(c, head, *w))
                .collect(),
        )
    };
    let mut rows = vec![row(&t.header, true)];
    rows.extend(t.rows.iter().map(|r| row(r, false)));
    Table::new(rows)
        .set_grid(widths.clone())
        .width(TEXT_TWIPS, WidthType::Dxa)
        .align(TableAlignmentType::Center)
        .set_borders(TableBorders::new())
}

/// Writes `brief` as DOCX bytes (register the chart font with [`chart::use_font`] first).
pub fn write(brief: &Brief) -> Result<Vec<u8>, DocxError> {
    let latin = brief.fonts.latin.as_str();
    let east = |list: &[String], fallback: &str| {
        let name = list.first().map_or(fallback, String::as_str).to_string();
        RunFonts::new()
            .east_asia(name)
            .ascii(latin)
            .hi_ansi(latin)
            .cs(latin)
    };
    let f = Fonts {
        body: east(&brief.fonts.body, "仿宋_GB2312"),
        heading: east(&brief.fonts.heading, "黑体"),
    };
    let centred = |text: &str, fonts: &RunFonts, size: usize| {
        Paragraph::new()
            .add_run(run(text, fonts, size))
            .align(AlignmentType::Center)
    };
    let page = Paragraph::new()
        .add_run(run("— ", &f.body, 28))
        .add_page_num(PageNum::new())
        .add_run(run(" —", &f.body, 28))
        .align(AlignmentType::Center);
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(2098)
                .bottom(1984)
                .left(1588)
                .right(1474)
                .footer(992),
        )
        .default_fonts(f.body.clone())
        .default_size(BODY)
        .footer(Footer::new().add_paragraph(page));
    // The 版头: issuer in red, 文号, a red rule.
    doc = doc.add_paragraph(
        Paragraph::new()
            .add_run(run(&brief.issuer, &f.heading, 52).color(RED).bold())
            .align(AlignmentType::Center)
            .line_spacing(LineSpacing::new().after(240)),
    );
    doc = doc.add_paragraph(
        centred(&brief.number, &f.body, BODY).set_borders(
            ParagraphBorders::with_empty().set(
                ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                    .val(BorderType::Single)
                    .size(18)
                    .space(6)
                    .color(RED),
            ),
        ),
    );
    doc = doc.add_paragraph(
        centred(&brief.title, &f.heading, TITLE)
            .line_spacing(LineSpacing::new().before(480).after(360)),
    );
    if !brief.recipients.is_empty() {
        doc = doc.add_paragraph(
            Paragraph::new()
                .add_run(run(&brief.recipients, &f.body, BODY))
                .line_spacing(exact(560)),
        );
    }
    for b in &brief.blocks {
        doc = match b {
            Block::Heading(t) => doc.add_paragraph(
                Paragraph::new()
                    .add_run(run(t, &f.heading, BODY))
                    .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
                    .line_spacing(exact(560))
                    .keep_next(true),
            ),
            Block::Para(t) => doc.add_paragraph(para(t, &f)),
            Block::Table(t) => doc
                .add_paragraph(
                    centred(&t.caption, &f.heading, CAPTION)
                        .line_spacing(LineSpacing::new().before(120).after(120))
                        .keep_next(true),
                )
                .add_table(table(t, &f))
                .add_paragraph(Paragraph::new()),
            Block::Chart(c) => {
                let png = chart::render(c)?;
                let (w, h) = chart::size(c);
                let height = (u64::from(CHART_EMU) * u64::from(h) / u64::from(w)) as u32;
                let pic = Pic::new(&png).size(CHART_EMU, height);
                doc.add_paragraph(
                    Paragraph::new()
                        .add_run(Run::new().add_image(pic))
                        .align(AlignmentType::Center),
                )
            }
        };
    }
    if !brief.closing.is_empty() {
        doc = doc.add_paragraph(para(&brief.closing, &f));
    }
    let right = |text: &str| {
        Paragraph::new()
            .add_run(run(text, &f.body, BODY))
            .align(AlignmentType::Right)
            .indent(None, None, Some(1280), None)
            .line_spacing(exact(560))
    };
    doc = doc
        .add_paragraph(Paragraph::new().line_spacing(exact(560)))
        .add_paragraph(right(&brief.issuer))
        .add_paragraph(right(&brief.date));
    let mut out = Cursor::new(Vec::new());
    doc.build()
        .pack(&mut out)
        .map_err(|e| DocxError::Write(e.to_string()))?;
    Ok(out.into_inner())
}
