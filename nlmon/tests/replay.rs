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
use common::{Netns, ip, json_lines as parse_lines};

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

/// Both sides' `field`, for a failure message.
fn both(live: &serde_json::Value, read: &serde_json::Value, field: &str) -> String {
    format!(
        "live {field}: {}\n  -r {field}: {}",
        live[field], read[field]
    )
}

/// A message tree with its byte ranges counted from the message's start
/// (live, from the buffer's; -r reads one message a packet).
fn rebased(message: &serde_json::Value) -> serde_json::Value {
    fn shift(v: &mut serde_json::Value, base: u64) {
        match v {
            serde_json::Value::Object(o) => {
                for (k, c) in o.iter_mut() {
                    match c.as_array_mut() {
                        Some(r) if k == "range" => {
                            for n in r {
                                *n = (n.as_u64().expect("offset") - base).into();
                            }
                        }
                        _ => shift(c, base),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|c| shift(c, base)),
            _ => {}
        }
    }
    let mut m = message.clone();
    let base = m["range"][0].as_u64().unwrap_or(0);
    shift(&mut m, base);
    m
}

/// Where two JSON values first differ, as a path and both values there.
fn first_difference(a: &serde_json::Value, b: &serde_json::Value, path: &str) -> String {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if x.len() == y.len() => x
            .iter()
            .find(|(k, v)| y.get(*k) != Some(v))
            .map(|(k, v)| first_difference(v, &y[k], &format!("{path}.{k}")))
            .unwrap_or_default(),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find(|(_, (v, w))| v != w)
            .map(|(i, (v, w))| first_difference(v, w, &format!("{path}[{i}]")))
            .unwrap_or_default(),
        _ => format!("{path}: {a} vs {b}"),
    }
}

/// Every interface name in a message tree, with the field it names.
fn ifnames(node: &serde_json::Value, out: &mut Vec<(String, String)>) {
    if let Some(n) = node["ifname"].as_str() {
        out.push((node["name"].as_str().unwrap_or("").to_owned(), n.to_owned()));
    }
    for key in ["body", "children"] {
        for c in node[key].as_array().into_iter().flatten() {
            ifnames(c, out);
        }
    }
}

/// `nlmon -w` and `nlmon --json` watch the same `ip` commands; `nlmon -r`
/// of the file then gives each message the live command's process,
/// socket, hook, decoded message (interface names included) and link.
/// Times are each capture's own (two programs read the clock), so they
/// are compared within a bound.
#[test]
fn reading_nlmons_file_shows_what_the_live_command_showed() {
    let ns = Netns::new();
    let path = temp("live");
    let path_s = path.to_str().expect("path").to_owned();
    let filter = ["--comm", "ip", "--netns", &ns.path()];
    // Inside the namespace, so that both name its interfaces alike.
    let mut c = common::nlmon();
    c.args(["--json"]).args(filter);
    ns.enter(&mut c);
    let (mut live, mut live_err) = common::start_command(c);
    let mut stdout = live.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut stdout, &mut b).expect("stdout");
        b
    });
    let mut c = common::nlmon();
    c.args(["-w", &path_s]).args(filter);
    ns.enter(&mut c);
    let (mut writer, mut writer_err) = common::start_command(c);
    // Links, an address, a route, a refused request, then dumps that name
    // the interfaces by index.
    let script = format!(
        "{ip} link add nlmon-r0 type veth peer name nlmon-r1 && \
         {ip} addr add 10.9.3.1/24 dev nlmon-r0 && {ip} link set nlmon-r0 up && \
         {ip} route add 10.9.4.0/24 dev nlmon-r0 && \
         ! {ip} addr add 10.9.3.1/24 dev nlmon-r0 2>/dev/null && \
         {ip} -d link show >/dev/null && {ip} addr show >/dev/null && \
         {ip} route show >/dev/null",
        ip = ip()
    );
    let mut sh = Command::new("sh");
    sh.args(["-c", &script]);
    ns.enter(&mut sh);
    let status = sh.status().expect("sh");
    assert!(status.success(), "{status}");
    // The records are in the ring before each call returns: what is left
    // there is shown at exit.
    for child in [&live, &writer] {
        // SAFETY: kill has no memory effects; the pid is our child's.
        assert_eq!(
            unsafe { libc::kill(child.id() as i32, libc::SIGINT) },
            0,
            "SIGINT"
        );
    }
    let mut err = String::new();
    std::io::Read::read_to_string(&mut live_err, &mut err).expect("stderr");
    assert!(live.wait().expect("wait").success(), "{err}");
    let mut werr = String::new();
    std::io::Read::read_to_string(&mut writer_err, &mut werr).expect("stderr");
    assert!(writer.wait().expect("wait").success(), "{werr}");
    let live = parse_lines(&reader.join().expect("reader"));
    let out = read_file(&path, &["--json"]);
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{out:?}");
    let read = parse_lines(&out.stdout);
    common::assert_schema(&read);
    assert_eq!(live.len(), read.len(), "one line per message on both sides");

    // Each message is known by its process, direction and bytes (the two
    // captures may order messages of the same instant differently).
    let key = |l: &serde_json::Value| {
        (
            l["process"]["tid"].clone(),
            l["direction"].clone(),
            l["raw"].clone(),
        )
    };
    let mut unmatched: Vec<&serde_json::Value> = read.iter().collect();
    let (mut named, mut linked, mut failed) = (Vec::new(), 0, 0);
    for l in &live {
        let at = unmatched
            .iter()
            .position(|r| key(r) == key(l))
            .unwrap_or_else(|| panic!("no -r line for {}", l["message"]));
        let r = unmatched.remove(at);
        for field in [
            "kind",
            "process",
            "socket",
            "direction",
            "peer",
            "hook",
            "call_flags",
            "ret_flags",
            "errno",
            "msg_index",
            "truncation",
        ] {
            assert_eq!(l[field], r[field], "{}", both(l, r, field));
        }
        let (lm, rm) = (rebased(&l["message"]), rebased(&r["message"]));
        assert!(
            lm == rm,
            "message: {}",
            first_difference(&lm, &rm, "message")
        );
        assert_ne!(r["hook"], "unknown");
        assert_ne!(r["process"]["cgroup_id"], 0, "{}", r["process"]);
        let near = |a: &serde_json::Value, b: &serde_json::Value| {
            let (a, b) = (a.as_u64().expect("ns"), b.as_u64().expect("ns"));
            a.abs_diff(b) < 50_000_000
        };
        assert!(
            near(&l["mono_ns"], &r["mono_ns"]),
            "{}",
            both(l, r, "mono_ns")
        );
        assert!(near(&l["time"], &r["time"]), "{}", both(l, r, "time"));
        // The same request, sent at the same time.
        match (&l["link"], &r["link"]) {
            (serde_json::Value::Null, rl) => assert!(rl.is_null(), "{}", both(l, r, "link")),
            (ll, rl) => {
                let strip = |v: &serde_json::Value| {
                    let mut v = v.clone();
                    let at = v["request"]["mono_ns"].take();
                    let lat = v.get_mut("latency_ns").map(serde_json::Value::take);
                    (v, at, lat)
                };
                let ((lv, lat_at, llat), (rv, rat_at, rlat)) = (strip(ll), strip(rl));
                assert_eq!(lv, rv, "{}", both(l, r, "link"));
                assert!(near(&lat_at, &rat_at), "{}", both(l, r, "link"));
                if let (Some(a), Some(b)) = (llat, rlat) {
                    assert!(near(&a, &b), "{}", both(l, r, "link"));
                }
                linked += 1;
            }
        }
        if r["message"]["error"]["errno"]
            .as_i64()
            .is_some_and(|e| e != 0)
        {
            failed += 1;
        }
        ifnames(&r["message"], &mut named);
    }
    assert!(
        unmatched.is_empty(),
        "-r lines the live command did not show"
    );
    // The run did what it is meant to compare.
    assert!(linked >= 5, "{linked} linked lines");
    assert!(failed >= 1, "the refused address");
    for (field, name) in [
        ("ifa_index", "nlmon-r0"),
        ("RTA_OIF", "nlmon-r0"),
        ("ifi_index", "nlmon-r1"),
    ] {
        assert!(
            named.contains(&(field.to_owned(), name.to_owned())),
            "no {field} named {name} in {named:?}"
        );
    }
}
