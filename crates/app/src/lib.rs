//! The one door of yiping: every use case, for every front end (the JSON API, the pages, Open311,
//! the CLI). A use case takes the store, the caller's [`yiping_access::Principal`] where a person
//! acts, and its input; it checks role and scope, does the work, runs what must follow, and
//! returns a typed result or an [`AppError`]. None of it knows about HTTP, and the front ends
//! never reach the `Store` for anything that has a door here (their `clippy.toml` forbids it).
//!
//! What it holds, by module:
//! - data in: [`import`] (`import_file`, `import_grid`: every kind of table, all or nothing),
//!   [`data_entry`] (the 填报 form), [`reports`] (facts read out of a written report, reviewed,
//!   stored as drafts), [`write_api`] (batches of items posted to the JSON API, through the same
//!   importer), [`export`];
//! - what follows every change: [`pipeline`] (`after_change` over a `ChangeSet`: formulas →
//!   evaluations → alerts), with [`formulas`], [`evaluate`] (`recompute_affected`) and [`alerts`];
//!   [`recovery`] finishes it after a crash (the write records it with the data);
//! - evaluations: [`evaluate`] (schemes stored, evaluated, `run_as` for a person), [`results`]
//!   (the one reader of stored results: leagues, one entity, history), [`league`] (the XLSX table);
//! - the closed loop: [`work_items`] (people through [`work_items::door`]; jobs, metrics and
//!   raised problems as the system);
//! - screens and maps: [`screen`] (the one screen of each level), [`geo`] (boundaries, points);
//! - people: [`auth`] (users, sign-in, sessions, tokens), [`audit`], [`notifications`] (who is
//!   told what: the bell, the list, marks read) and [`delivery`] (copies by e-mail and group
//!   robot, queued, retried, logged);
//! - the ground: [`database::open`] (picks the backend from the address), [`config`] (a city's
//!   settings as data: calendar, categories, routing, alert rules, screens), [`backup`] (backup
//!   and restore), [`calendar`] (the working calendar every deadline counts on), [`data_files`],
//!   [`units`] (the one resolver of a unit named by code, name, alias or id, for every filter and
//!   option).
//!
//! The demo generator is not here: it is the `yiping-demo` crate, which calls these functions
//! like any other front end.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod briefing;
pub mod calendar;
pub mod config;
pub mod data_entry;
pub mod data_files;
pub mod database;
pub mod delivery;
pub mod derived;
mod error;
pub mod evaluate;
pub mod export;
pub mod formulas;
pub mod geo;
pub mod idempotency;
pub mod import;
mod import_entities;
pub mod league;
pub mod monitoring;
pub mod notifications;
pub mod outliers;
pub mod pipeline;
pub mod recovery;
pub mod reports;
pub mod results;
pub mod screen;
pub mod units;
pub mod validate;
pub mod work_items;
pub mod write_api;

pub use error::AppError;
