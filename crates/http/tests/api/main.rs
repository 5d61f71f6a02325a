//! Black-box tests of the HTTP server: a real listener on port 0, a fresh database per test,
//! requests over TCP. One test binary; a module per resource.

mod auth;
mod denial_writes;
mod denials;
mod evaluations;
mod helpers;
mod observations;
mod open311;
mod pages_admin;
mod pages_data;
mod pages_evaluations;
mod pages_import_corpus;
mod pages_items;
mod pages_screen;
mod work_items;
