//! The closed-loop work-item engine of yiping: pure functions, no IO and no clock (time, ids and
//! data are passed in).
//!
//! Principal types and functions:
//!
//! - [`WorkItem`] (module [`model`]): one case — [`ItemKind`] 事件, 企业诉求, 问题, 指令 or
//!   服务事项 — with its [`Stage`], owner unit (首问负责), deadlines, pauses, counters and full
//!   history.
//! - [`apply`] (module [`transitions`]): `apply(item, command, actor, now, ctx)` checks a
//!   [`Command`] against the rule tables ([`allowed_stages`], [`allowed_roles`]) and returns the
//!   next version of the item with its [`Effect`]s, or a [`FlowError`] that names the refused
//!   transition in Chinese. [`receive`] creates an item (受理).
//! - [`ActorRole`] and [`Actor`] (module [`roles`]): who may do what.
//! - [`Calendar`] (module [`calendar`]): working days from the official holiday arrangements
//!   ([`Calendar::from_csv`]) and working hours; [`ClockType`] and the deadline and elapsed-time
//!   arithmetic (module [`clock`]: [`Calendar::deadline`], [`Calendar::elapsed`]).
//! - [`CategoryBook`] (module [`category`]): 大类/小类 codes for 部件, 事件 and enterprise
//!   topics with responsible departments, clocks and time limits per priority and stage.
//! - [`route`], [`OrgMap`], [`progress`] and [`ChildSpec`] (module [`routing`]): routing to a
//!   department or the territorial unit, directive fan-out and 一件事 parent cases.
//! - [`metrics()`] (module [`metrics`](mod@metrics)): 结案率, 按期结案率, 处置率, 返工率, 回退率,
//!   重办率, 延期率, 及时签收率, 满意率, 平均办理时长 as [`Ratio`]s, and the minimum-sample rule
//!   [`min_sample`].

pub mod calendar;
pub mod category;
pub mod clock;
pub mod command;
mod detours;
pub mod effect;
pub mod error;
mod intake;
pub mod metrics;
pub mod model;
pub mod roles;
pub mod routing;
pub mod transitions;

pub use calendar::{Calendar, CalendarError, DayKind, SpecialDay, WorkingHours};
pub use category::{
    Category, CategoryBook, CategoryCode, CategoryDomain, CategoryError, Limits, StageLimits,
};
pub use clock::{ClockType, Pause};
pub use command::{Command, CommandKind, Verification};
pub use effect::{Effect, MetricEvent, MetricKind, Recipient};
pub use error::FlowError;
pub use intake::{MAX_TITLE_CHARS, NewWorkItem, receive};
pub use metrics::{
    CategoryScope, CompositeWeights, Mean, Metrics, Ratio, Sample, UnitFilter, Window,
    composite_index, metrics, min_sample,
};
pub use model::{
    Channel, ClosureType, Counters, ExtensionRequest, HistoryEntry, ItemId, ItemKind, Priority,
    Rating, Reason, Stage, Step, SuspendKind, Suspension, UserId, WorkItem,
};
pub use roles::{Actor, ActorRole, allowed_roles};
pub use routing::{ChildSpec, OrgMap, Progress, RegionLevel, Route, RouteBasis, progress, route};
pub use transitions::{FlowContext, allowed_stages, apply};
