//! The `yiping` command as a user runs it: exit codes, messages and files.

mod alerts;
mod commands;
mod evaluate;
mod extract;
mod items;
mod support;
mod users;
