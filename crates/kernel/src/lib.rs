//! The domain types of yiping, free of IO.
//!
//! Principal types: [`Period`] (a year plus a month range, or an ISO week), [`Entity`] and its
//! effective-dated [`ParentLink`]s, [`Indicator`], [`Observation`] with its [`Measure`] (a level or a
//! reported growth rate), [`Target`], and [`Catalog`], which resolves the names, codes and aliases
//! people write in spreadsheets to entities and indicators.
//!
//! Every type here is built through a fallible constructor, so a value in hand is a valid value.

mod catalog;
mod entity;
mod error;
mod indicator;
mod observation;
mod period;
mod target;

pub use catalog::{Catalog, EntityMatch, IndicatorMatch, normalize_name, strip_unit_suffix};
pub use entity::{
    Entity, EntityCode, EntityId, EntityKind, NewEntity, ParentLink, merge_parent_links,
};
pub use error::KernelError;
pub use indicator::{
    Aggregation, Frequency, Indicator, IndicatorCode, IndicatorId, IndicatorKind, NewIndicator,
    Polarity, ValidRange,
};
pub use observation::{
    ChangeSet, Measure, Observation, ObservationKey, ObservationStatus, ObservationValue,
    StatusPolicy, Update, diff_observations,
};
pub use period::{Mention, Period, PeriodError, Yearless};
pub use target::{Target, TargetKind};
