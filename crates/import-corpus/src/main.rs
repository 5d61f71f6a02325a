//! Writes the importer's test corpus: `yiping-import-corpus <dir> [--heavy]`. The directory
//! gets the catalogue tables, one file per case and `manifest.json` (the expected outcome and
//! message fragments of each); `--heavy` adds the 1,048,576-row sheets and their enterprises.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut dir: Option<PathBuf> = None;
    let mut heavy = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--heavy" => heavy = true,
            "-h" | "--help" => {
                println!("用法：yiping-import-corpus <目录> [--heavy]");
                return ExitCode::SUCCESS;
            }
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    let Some(dir) = dir else {
        eprintln!("用法：yiping-import-corpus <目录> [--heavy]");
        return ExitCode::from(2);
    };
    match yiping_import_corpus::write(&dir, heavy) {
        Ok(m) => {
            println!(
                "已写入{}个文件（另有{}个主数据文件）到 {}",
                m.cases.len(),
                m.catalog.len(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
