//! The evaluation engine of yiping: pure functions over data passed in (no IO, no clock).
//!
//! - [`measures`]: derived measures — growth (reported first, [`pick_growth`]), share, 拉动 and
//!   贡献率, 增长面, difference to a reference, completion, cohort ratios, 序时进度 with
//!   [`ProgressBands`].
//! - [`scheme`]: evaluation schemes as data. [`Scheme::from_toml_str`] parses and checks a scheme
//!   with errors that name the field path; [`SchemeSet`] checks composites across schemes.
//! - [`engine`]: [`evaluate`] turns a [`Scheme`] and an [`EvalInput`] into an [`Evaluation`]:
//!   scores with a per-item breakdown, ranks (overall and per cohort, by the declared tie rule),
//!   grades, colours, moves against the previous period and a one-line Chinese explanation.
//! - [`alerts`]: indicator early-warning rules as data (threshold, behind 序时进度, outlier against
//!   the peer group) and their pure evaluation into firing instances with a Chinese message.
//! - [`validation`]: validation rules as data (DHIS2-style left side, operator, right side,
//!   importance, missing-value strategy) and their pure [`validation::check`].
//! - [`seasonal`]: seasonal outliers, each month against the same month of earlier years
//!   (modified z-score on median and MAD, mean ± k·sd bounds) on the seasonal index.
//! - [`shipped`]: the demo schemes bundled with the crate (经济运行赛马, the eight report cards and
//!   their composite, the 规上工业 five-colour map, 亩均论英雄) and the demo alert rules.

pub mod alerts;
pub mod engine;
pub mod measures;
pub mod scheme;
pub mod seasonal;
pub mod shipped;
pub mod validation;

pub use engine::{
    EntityInput, EntityResult, EvalInput, Evaluation, GradeChange, ItemColumn, ItemInput,
    ItemScore, KeyIndex, PreviousEntry, PreviousResults, RankMove, References, evaluate,
};
pub use measures::{GrowthSource, ProgressBands, pick_growth};
pub use scheme::{FieldError, Scheme, SchemeError, SchemeSet};
