//! The `yiping` command as a user runs it: exit codes, messages and files.

// Tests look at what is stored behind the front end's back to check what it did: the one-door
// guard (clippy.toml) applies to the crate's own code, not to these.
#![allow(clippy::disallowed_methods)]

mod alerts;
mod approved;
mod commands;
mod config;
mod evaluate;
mod extract;
mod items;
mod reliability;
mod serve_signal;
mod support;
mod users;
