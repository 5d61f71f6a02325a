//! Use cases of yiping: what the CLI and the HTTP server do, each as an app function over the
//! `Store` trait; none of them knows about HTTP.
//!
//! Principal items: [`database::open`] (picks the backend from the address), [`import::import_file`]
//! and [`import::import_grid`] (every kind of table), [`data_entry::save_entry`] (the 填报 form),
//! [`pipeline::after_change`] (what follows every change: formulas → evaluations → alerts, with a
//! [`pipeline::ChangeSet`] in and an [`pipeline::AfterChange`] out), [`evaluate`] (schemes stored
//! and evaluated), [`results`] (the one reader of stored evaluation results, for a caller's
//! principal), [`work_items`] (the closed loop and its metrics job; people come in through
//! [`work_items::door`]), [`calendar::official`] (the working calendar every deadline counts on),
//! [`export::export_observations`], and [`AppError`]. The demo generator is not here: it is the
//! `yiping-demo` crate, which calls these functions like any other front end.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod calendar;
pub mod data_entry;
pub mod data_files;
pub mod database;
mod error;
pub mod evaluate;
pub mod export;
pub mod formulas;
pub mod geo;
pub mod import;
mod import_entities;
pub mod league;
pub mod pipeline;
pub mod results;
pub mod screen;
pub mod work_items;

pub use error::AppError;
