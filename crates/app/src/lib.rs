//! Use cases of yiping: opening the database, importing and exporting spreadsheets, loading
//! the demo. The CLI and the HTTP server both call these; none of them knows about HTTP.
//!
//! Principal items: [`database::open`] (picks the backend from the address), [`import::import_file`],
//! [`export::export_observations`], [`results`] (the one reader of stored evaluation results, for
//! a caller's principal), [`seed::load_demo`] with [`demo::generate`], and [`AppError`].

pub mod alerts;
pub mod auth;
pub mod data_entry;
pub mod data_files;
pub mod database;
pub mod demo;
mod error;
pub mod evaluate;
pub mod export;
pub mod formulas;
pub mod geo;
pub mod import;
mod import_entities;
pub mod league;
pub mod results;
pub mod screen;
pub mod seed;
pub mod work_items;

pub use error::AppError;
