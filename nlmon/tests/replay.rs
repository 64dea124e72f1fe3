//! `nlmon -r`: a capture read from a pipe as it arrives, a capture cut
//! short, and every prefix of a real capture. Capturing the real file
//! needs root.

use std::{
    io::{BufRead, BufReader, Write},
    path::PathBuf,
    process::{Command, Output, Stdio},
    sync::mpsc,
    time::Duration,
};

mod common;
use common::{Netns, ip};

fn nlmon() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nlmon"))
}

fn temp(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("nlmon-replay-{}-{tag}.pcapng", std::process::id()))
}

/// A synthetic capture of about `bytes` bytes and its packet count.
fn synthetic(tag: &str, bytes: u64) -> (PathBuf, u64) {
    let path = temp(tag);
    let out = Command::new(env!("CARGO_BIN_EXE_nlmon-testgen"))
        .arg("capture-file")
        .arg(bytes.to_string())
        .arg(&path)
        .output()
        .expect("nlmon-testgen");
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    (path, v["packets"].as_u64().expect("packets"))
}

/// A real capture: what `ip` says and hears adding an address and listing
/// the links, recorded by `nlmon -w`.
fn real(tag: &str) -> Vec<u8> {
    let ns = Netns::new();
    let path = temp(tag);
    let mut c = Command::new(ip());
    c.args(["netns", "exec", &ns.name, env!("CARGO_BIN_EXE_nlmon")]);
    if let Ok(mode) = std::env::var("NLMON_TEST_ATTACH") {
        c.args(["--attach", &mode]);
    }
    let script = format!(
        "{ip} addr add 10.9.8.7/24 dev lo && {ip} link show >/dev/null && {ip} addr show >/dev/null",
        ip = ip()
    );
    let out = c
        .arg("-w")
        .arg(&path)
        .args(["--", "sh", "-c", &script])
        .output()
        .expect("nlmon -w");
    assert!(out.status.success(), "{out:?}");
    let bytes = std::fs::read(&path).expect("capture");
    let _ = std::fs::remove_file(&path);
    bytes
}

fn json_lines(out: &Output) -> usize {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .inspect(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("a JSON line");
        })
        .count()
}

fn read_file(path: &std::path::Path, args: &[&str]) -> Output {
    nlmon()
        .arg("-r")
        .arg(path)
        .args(args)
        .output()
        .expect("nlmon -r")
}

#[test]
fn a_pipe_is_shown_as_it_arrives() {
    let (path, packets) = synthetic("pipe", 64 << 10);
    let bytes = std::fs::read(&path).expect("file");
    let _ = std::fs::remove_file(&path);
    let mut child = nlmon()
        .args(["-r", "-", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nlmon -r -");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in stdout.lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Half the file, the pipe left open: what came is shown before the rest.
    stdin.write_all(&bytes[..bytes.len() / 2]).expect("write");
    stdin.flush().expect("flush");
    let first = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("a line before the pipe closes");
    serde_json::from_str::<serde_json::Value>(&first).expect("json");
    stdin.write_all(&bytes[bytes.len() / 2..]).expect("write");
    drop(stdin);
    let status = child.wait().expect("wait");
    reader.join().expect("reader");
    let lines = 1 + rx.try_iter().count() as u64;
    assert!(status.success(), "{status}");
    assert_eq!(lines, packets, "every packet, one JSON line each");
}

#[test]
fn a_cut_capture_shows_every_packet_before_the_cut_then_where() {
    let (path, packets) = synthetic("cut", 16 << 10);
    let bytes = std::fs::read(&path).expect("file");
    let whole = read_file(&path, &["--json"]);
    assert!(whole.status.success(), "{whole:?}");
    assert_eq!(json_lines(&whole) as u64, packets);
    // Cut 5 bytes into the end of the last packet block.
    let cut = bytes.len() - 5;
    std::fs::write(&path, &bytes[..cut]).expect("write");
    let out = read_file(&path, &["--json"]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(json_lines(&out) as u64, packets - 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "after {} packets: the capture was cut short at byte {cut}: it ends inside a \
             packet block that starts at byte",
            packets - 1
        )),
        "{err}"
    );
    // The summary comes first, then the error.
    let summary = format!("nlmon: {} records shown", packets - 1);
    let (s, e) = (err.find(&summary), err.find("cut short"));
    assert!(s.is_some() && s < e, "{err}");
}

#[test]
fn every_prefix_of_a_real_capture_reads_without_panic() {
    let file = real("prefixes");
    let all = nlmon::pcapng::read(&file).expect("the whole file reads");
    // ip's probe and its error, the request and its ack, two dumps.
    assert!(all.len() >= 6, "{} packets", all.len());
    // In the library: every prefix gives the packets that end before the
    // cut, then says where it was cut.
    let mut shown = 0;
    for n in 0..=file.len() {
        let mut r = match nlmon::pcapng::Reader::new(&file[..n]) {
            Ok(r) => r,
            Err(e) => {
                assert!(n < 32, "prefix {n}: {e}");
                continue;
            }
        };
        let mut got = 0;
        let end = loop {
            match r.next_event() {
                Ok(Some(_)) => got += 1,
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        match end {
            None => shown = got,
            Some(e) => {
                assert_eq!(e.cut_at(), Some(n as u64), "prefix {n}: {e}");
                assert_eq!(got, shown, "prefix {n}");
            }
        }
    }
    assert_eq!(shown, all.len(), "the last clean end is the whole file");
    // The command on some prefixes: 0 at a packet's end, 1 inside one,
    // never a panic.
    let path = temp("prefix");
    for n in (0..file.len()).step_by((file.len() / 40).max(1)) {
        std::fs::write(&path, &file[..n]).expect("write");
        let out = read_file(&path, &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "prefix {n}: {err}");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "prefix {n}: {out:?}"
        );
        if out.status.code() == Some(1) {
            assert!(
                err.starts_with("nlmon: ") || err.contains("\nnlmon: "),
                "{err}"
            );
        }
    }
    let _ = std::fs::remove_file(&path);
}
