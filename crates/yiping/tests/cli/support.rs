//! Running the built `yiping` binary against a database file.

use std::path::Path;
use std::process::{Command, Output};

pub fn yiping(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yiping"))
        .arg("--database")
        .arg(db)
        .args(args)
        .env_remove("YIPING_DATABASE_URL")
        .output()
        .unwrap()
}

/// Everything the command printed, stdout then stderr.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
