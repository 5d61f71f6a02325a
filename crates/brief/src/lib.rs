//! 通报 briefings: a briefing composed from typed data (the region's headline indicators, the
//! league of its children, grades, 序时进度, the 问题清单) with a template an analyst edits, in the
//! house style of the seeds (全市地区生产总值同比增长6.1%，高于全国1.2个百分点), then written as
//! a Word document with its charts drawn as PNG images.
//!
//! Pure: data, template text and font bytes in; a [`Brief`], DOCX bytes and PNG bytes out. The
//! caller (`app::briefing`) gathers the data and finds the font files.

pub mod chart;
mod compose;
pub mod docx;
pub mod model;
pub mod roundtrip;
pub mod template;
pub mod words;

pub use compose::compose;
pub use model::*;
pub use template::{Fonts, SectionKind, Template, TemplateError};
