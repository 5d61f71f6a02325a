//! `yiping serve` stops cleanly on SIGTERM (what systemd and container runtimes send): it
//! stops accepting, finishes what is in progress and exits 0. On the old main SIGTERM killed
//! it at once (no handler).

#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::support::yiping;

#[test]
fn serve_exits_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    assert!(yiping(&db, &["init"]).status.success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_yiping"))
        .arg("--database")
        .arg(&db)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env_remove("YIPING_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut addr = None;
    let mut line = String::new();
    while addr.is_none() && out.read_line(&mut line).unwrap() > 0 {
        if let Some(rest) = line.split("http://").nth(1) {
            addr = Some(rest.trim().trim_end_matches('/').to_string());
        }
        line.clear();
    }
    let addr = addr.expect("the server printed its address");
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");

    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "still running 20 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "{status:?}: {rest}");
    assert!(
        rest.contains("收到 SIGTERM") && rest.contains("yiping 已停止"),
        "{rest}"
    );
}
