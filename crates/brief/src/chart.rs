//! The briefing's charts drawn on the server as PNG images (plotters' bitmap backend, text in a
//! CJK font the caller supplies): the league as horizontal bars, trends as lines.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::model::Chart;

/// A chart that could not be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChartError {
    #[error("图表字体无法使用（须为 TrueType/OpenType 字体文件，含中文字形）")]
    Font,
    #[error("绘制图表“{0}”失败：{1}")]
    Draw(String, String),
}

/// The family name charts draw text with.
const FAMILY: &str = "yiping-cjk";

/// Registers `font` (the bytes of a .ttf/.otf/.ttc with Chinese glyphs) for the charts. The
/// first call wins for the life of the process (plotters keeps fonts in a global table).
pub fn use_font(font: Vec<u8>) -> Result<(), ChartError> {
    static DONE: OnceLock<Result<(), ChartError>> = OnceLock::new();
    DONE.get_or_init(|| {
        use ab_glyph::Font;
        let face = ab_glyph::FontRef::try_from_slice(&font).map_err(|_| ChartError::Font)?;
        if face.glyph_id('中').0 == 0 {
            return Err(ChartError::Font);
        }
        let bytes: &'static [u8] = Box::leak(font.into_boxed_slice());
        plotters::style::register_font(FAMILY, FontStyle::Normal, bytes)
            .map_err(|_| ChartError::Font)
    })
    .clone()
}

/// Width of every chart, px (printed 15.6 cm wide, so 24 px text prints at about 10 pt).
pub const WIDTH: u32 = 1000;

/// The chart's size in px.
pub fn size(chart: &Chart) -> (u32, u32) {
    match chart {
        Chart::Bar { bars, .. } => (WIDTH, (130 + 26 * bars.len() as u32).max(380)),
        Chart::Line { .. } => (WIDTH, 560),
    }
}

const PALETTE: [RGBColor; 5] = [
    RGBColor(0xc0, 0x39, 0x2b),
    RGBColor(0x1f, 0x5f, 0xa8),
    RGBColor(0x2e, 0x8b, 0x57),
    RGBColor(0xd3, 0x8b, 0x0c),
    RGBColor(0x6c, 0x3d, 0x9a),
];

fn err<E: std::fmt::Debug>(title: &str) -> impl Fn(E) -> ChartError + '_ {
    move |e| ChartError::Draw(title.to_string(), format!("{e:?}"))
}

/// Draws `chart` as a PNG ([`use_font`] first).
pub fn render(chart: &Chart) -> Result<Vec<u8>, ChartError> {
    let (w, h) = size(chart);
    let mut rgb = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err(chart.title()))?;
        match chart {
            Chart::Bar { title, unit, bars } => bar(&root, title, unit, bars)?,
            Chart::Line {
                title,
                unit,
                labels,
                series,
            } => line(&root, title, unit, labels, series)?,
        }
        root.present().map_err(err(chart.title()))?;
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Best);
        let mut writer = enc.write_header().map_err(err(chart.title()))?;
        writer.write_image_data(&rgb).map_err(err(chart.title()))?;
    }
    Ok(out)
}

fn bar(
    root: &DrawingArea<BitMapBackend<'_>, Shift>,
    title: &str,
    unit: &str,
    bars: &[(String, f64)],
) -> Result<(), ChartError> {
    let e = err(title);
    let n = bars.len().max(1) as u32;
    let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max);
    let min = bars.iter().map(|b| b.1).fold(0.0_f64, f64::min);
    let top = if max > 0.0 { max * 1.12 } else { 1.0 };
    let names: Vec<String> = bars.iter().map(|b| b.0.clone()).collect();
    // Room for the longest name (秀山土家族苗族自治县) at 22 px a character.
    let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(2) as u32;
    let label_width = 24 + 22 * longest;
    let mut c = ChartBuilder::on(root)
        .caption(title, (FAMILY, 30))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(label_width)
        .build_cartesian_2d(min..top, (0u32..n).into_segmented())
        .map_err(&e)?;
    c.configure_mesh()
        .disable_y_mesh()
        .y_labels(n as usize)
        .y_label_style((FAMILY, 22))
        .x_label_style((FAMILY, 22))
        .x_desc(unit)
        .axis_desc_style((FAMILY, 24))
        .y_label_formatter(&|v| match v {
            // Row 0 is at the bottom: the last unit of the league.
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => (n - 1)
                .checked_sub(*i)
                .and_then(|k| names.get(k as usize))
                .cloned()
                .unwrap_or_default(),
            SegmentValue::Last => String::new(),
        })
        .draw()
        .map_err(&e)?;
    // Bars top-down in league order: the first unit at the top.
    c.draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
        let row = n - 1 - i as u32;
        let colour = if i < 3 { PALETTE[0] } else { PALETTE[1] };
        let mut r = Rectangle::new(
            [
                (0.0, SegmentValue::Exact(row)),
                (*v, SegmentValue::Exact(row + 1)),
            ],
            colour.filled(),
        );
        r.set_margin(5, 5, 0, 0);
        r
    }))
    .map_err(&e)?;
    let style = TextStyle::from((FAMILY, 22).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    c.draw_series(bars.iter().enumerate().map(|(i, (_, v))| {
        let row = n - 1 - i as u32;
        Text::new(
            crate::words::number(*v, 2),
            (*v, SegmentValue::CenterOf(row)),
            style.clone(),
        )
    }))
    .map_err(&e)?;
    Ok(())
}

fn line(
    root: &DrawingArea<BitMapBackend<'_>, Shift>,
    title: &str,
    unit: &str,
    labels: &[String],
    series: &[(String, Vec<Option<f64>>)],
) -> Result<(), ChartError> {
    let e = err(title);
    let values = series.iter().flat_map(|s| s.1.iter().flatten().copied());
    let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
    let pad = ((hi - lo) * 0.1).max(0.5);
    let n = labels.len().max(2);
    let mut c = ChartBuilder::on(root)
        .caption(title, (FAMILY, 30))
        .margin(16)
        .margin_right(48)
        .x_label_area_size(60)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..(n - 1) as f64, (lo - pad)..(hi + pad))
        .map_err(&e)?;
    c.configure_mesh()
        .x_labels(n.min(12))
        .x_label_formatter(&|x| {
            let i = x.round() as usize;
            if (x - i as f64).abs() < 0.01 {
                labels.get(i).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .x_label_style((FAMILY, 22))
        .y_label_style((FAMILY, 22))
        .y_desc(unit)
        .axis_desc_style((FAMILY, 24))
        .draw()
        .map_err(&e)?;
    for (k, (name, points)) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let pts: Vec<(f64, f64)> = points
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64, v)))
            .collect();
        c.draw_series(LineSeries::new(pts.clone(), colour.stroke_width(4)))
            .map_err(&e)?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 30, y)], colour.stroke_width(4))
            });
        c.draw_series(pts.iter().map(|p| Circle::new(*p, 5, colour.filled())))
            .map_err(&e)?;
    }
    c.configure_series_labels()
        .label_font((FAMILY, 24))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(&e)?;
    Ok(())
}
