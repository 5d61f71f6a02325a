//! What the server keeps in memory between requests, each for a short, stated time, and why:
//!
//! - [`FlowSetupCache`]: the work-item engine's context, a minute.
//! - [`ScopeCache`] (from `yiping_app::auth`): users' scopes (unit subtrees), a minute.
//! - [`CallerCache`]: callers found by their secret, five seconds.
//! - [`ScreenCaches`]: gathered one screens, boundaries, the region index, seconds.
//! - [`MetricsCache`]: work-item metrics per (period, unit, categories), thirty seconds.
//!
//! All of them live in the [`crate::AppState`], so that two servers over different databases
//! in one process never share an entry, and none is the only copy of anything: the database is.

mod callers;
mod flow_setup;
mod metrics;
pub(crate) mod screen;

pub(crate) use callers::CallerCache;
pub(crate) use flow_setup::FlowSetupCache;
pub(crate) use metrics::MetricsCache;
pub(crate) use screen::ScreenCaches;
pub(crate) use yiping_app::auth::ScopeCache;
