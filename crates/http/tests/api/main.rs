//! Black-box tests of the HTTP server: a real listener on port 0, a fresh database per test,
//! requests over TCP. One test binary; a module per resource.

// Tests look at what is stored behind the front end's back to check what it did: the one-door
// guard (clippy.toml) applies to the crate's own code, not to these.
#![allow(clippy::disallowed_methods)]

mod auth;
mod denial_probe;
mod denial_writes;
mod denials;
mod evaluations;
mod failures;
mod helpers;
mod map_districts;
mod metrics;
mod notifications;
mod observations;
mod open311;
mod pages_admin;
mod pages_config;
mod pages_data;
mod pages_evaluations;
mod pages_import_corpus;
mod pages_items;
mod pages_reports;
mod pages_screen;
mod security;
mod units;
mod work_items;
mod write_api;
