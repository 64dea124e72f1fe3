//! End-to-end tests of the `nlmon` binary: the text feed of real `ip`
//! traffic, errors a person sees, and a clean detach on SIGINT/SIGTERM.
//! They need root. `NLMON_TEST_ATTACH` picks the attach mode.

use std::{
    io::{BufRead, BufReader, Read},
    process::{Child, Command, Stdio},
    sync::Mutex,
    time::{Duration, Instant},
};

mod common;
use common::{Netns, ip};

/// One nlmon at a time: the detach test counts loaded programs.
static SERIAL: Mutex<()> = Mutex::new(());

fn nlmon() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nlmon"));
    if let Ok(mode) = std::env::var("NLMON_TEST_ATTACH") {
        c.args(["--attach", &mode]);
    }
    c
}

/// Starts nlmon and waits until it says it is attached.
#[expect(
    clippy::zombie_processes,
    reason = "callers wait; a failed assertion ends the test run"
)]
fn start(args: &[&str]) -> (Child, BufReader<std::process::ChildStderr>) {
    let mut child = nlmon()
        .args(args)
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn nlmon");
    let mut err = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        line.clear();
        let n = err.read_line(&mut line).expect("read stderr");
        assert!(n > 0, "nlmon exited before attaching: {:?}", child.wait());
        if line.contains("attached with") {
            return (child, err);
        }
        assert!(Instant::now() < deadline, "nlmon did not attach");
    }
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: signalling our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
}

/// Ids of the BPF programs a process holds, from its fdinfo.
fn prog_ids(pid: u32) -> Vec<u32> {
    let dir = format!("/proc/{pid}/fdinfo");
    let mut ids: Vec<u32> = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("fdinfo").flatten() {
        if let Ok(info) = std::fs::read_to_string(entry.path()) {
            ids.extend(
                info.lines()
                    .filter_map(|l| l.strip_prefix("prog_id:"))
                    .filter_map(|v| v.trim().parse::<u32>().ok()),
            );
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Ids of every BPF program loaded on the machine.
fn loaded() -> Vec<u32> {
    aya::programs::loaded_programs()
        .filter_map(Result::ok)
        .map(|p| p.id())
        .collect()
}

#[test]
fn text_feed_of_ip_commands() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ns = Netns::new();
    let (mut child, _err) = start(&["--comm", "ip", "-x"]);
    let out = Command::new(ip())
        .args(["-n", &ns.name, "link", "show", "lo"])
        .output()
        .expect("ip");
    assert!(out.status.success());
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, libc::SIGINT);
    let status = child.wait().expect("wait");
    let mut text = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut text)
        .expect("stdout");
    assert!(status.success(), "{status:?}");
    let getlink = text
        .lines()
        .find(|l| l.contains(" → route RTM_GETLINK req") && l.contains(" ip["))
        .unwrap_or_else(|| panic!("no RTM_GETLINK request line in:\n{text}"));
    assert!(getlink.contains("seq="), "{getlink}");
    assert!(
        text.lines()
            .any(|l| l.contains(" ← route RTM_NEWLINK") && l.contains(" ip[")),
        "{text}"
    );
    // -x: hex lines follow the messages.
    assert!(text.lines().any(|l| l.starts_with("    0000  ")), "{text}");
}

#[test]
fn sigint_and_sigterm_detach_everything() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let (mut child, mut err) = start(&["--comm", "no-such-comm"]);
        let ours = prog_ids(child.id());
        assert!(!ours.is_empty(), "nlmon holds no BPF programs");
        assert!(ours.iter().all(|id| loaded().contains(id)));
        signal(&child, sig);
        let status = child.wait().expect("wait");
        assert!(status.success(), "signal {sig}: {status:?}");
        let mut rest = String::new();
        err.read_to_string(&mut rest).expect("stderr");
        assert!(
            rest.contains("lost (ring buffer full)"),
            "no summary on exit: {rest}"
        );
        let now = loaded();
        let left: Vec<_> = ours.iter().filter(|id| now.contains(id)).collect();
        assert!(
            left.is_empty(),
            "programs still loaded after signal {sig}: {left:?}"
        );
    }
}

#[test]
fn unprivileged_user_is_told_what_to_do() {
    let out = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
            "--",
        ])
        .arg(env!("CARGO_BIN_EXE_nlmon"))
        .output()
        .expect("setpriv");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("needs root") && err.contains("sudo"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn unknown_family_lists_the_known_ones() {
    let out = nlmon().args(["--family", "bogus"]).output().expect("nlmon");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown netlink family \"bogus\""), "{err}");
    assert!(
        err.contains("route") && err.contains("generic") && err.contains("sock_diag"),
        "{err}"
    );
}

#[test]
fn closed_pipe_ends_quietly() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ns = Netns::new();
    let (mut child, mut err) = start(&["--comm", "ip"]);
    drop(child.stdout.take());
    for _ in 0..3 {
        let _ = Command::new(ip())
            .args(["-n", &ns.name, "link", "show"])
            .output();
    }
    let status = child.wait().expect("wait");
    let mut rest = String::new();
    err.read_to_string(&mut rest).expect("stderr");
    assert!(status.success(), "{status:?}: {rest}");
    assert!(!rest.to_lowercase().contains("broken pipe"), "{rest}");
}

#[test]
fn everything_captured_is_shown_before_exit() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (mut child, mut err) = start(&["--comm", "nlmon-testgen"]);
    // Read while it runs: a full pipe would block nlmon.
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).expect("stdout");
        text
    });
    let mut generator = Command::new(env!("CARGO_BIN_EXE_nlmon-testgen"))
        .args(["bench", "500"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("testgen");
    std::io::Write::write_all(&mut generator.stdin.take().expect("stdin"), b"go\n").expect("go");
    assert!(generator.wait().expect("wait").success());
    // At once: the records may still be in the ring buffer.
    signal(&child, libc::SIGINT);
    assert!(child.wait().expect("wait").success());
    let text = reader.join().expect("reader");
    let mut rest = String::new();
    err.read_to_string(&mut rest).expect("stderr");
    let requests = text
        .lines()
        .filter(|l| l.contains(" → route RTM_GETLINK"))
        .count();
    let replies = text
        .lines()
        .filter(|l| l.contains(" ← route RTM_NEWLINK"))
        .count();
    assert_eq!((requests, replies), (500, 500), "{rest}");
    assert!(
        rest.contains("1000 records shown, 1000 captured, 0 lost"),
        "{rest}"
    );
}

/// Runs `nlmon ARGS -- sh -c SCRIPT` inside `ns` as user nobody (as if
/// run with sudo by uid 65534).
fn traced_script(ns: &Netns, args: &[&str], script: &str) -> std::process::Output {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut c = Command::new(ip());
    c.args(["netns", "exec", &ns.name, env!("CARGO_BIN_EXE_nlmon")]);
    if let Ok(mode) = std::env::var("NLMON_TEST_ATTACH") {
        c.args(["--attach", &mode]);
    }
    c.args(args)
        .args(["--", "sh", "-c", script])
        .env("SUDO_UID", "65534")
        .env("SUDO_GID", "65534")
        .output()
        .expect("nlmon")
}

#[test]
fn command_and_its_children_are_traced_with_its_exit_status() {
    let ns = Netns::new();
    // Two ip children (one through a subshell), then exit 3.
    let script = format!(
        "id -u; {ip} link show lo >/dev/null; ( {ip} -4 addr show >/dev/null ); exit 3",
        ip = ip()
    );
    let out = traced_script(&ns, &["--json"], &script);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("65534"), "the command runs as SUDO_UID");
    let events: Vec<serde_json::Value> = lines
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let mut ips: Vec<u64> = events
        .iter()
        .filter(|e| e["process"]["comm"] == "ip")
        .map(|e| e["process"]["tgid"].as_u64().expect("tgid"))
        .collect();
    ips.dedup();
    assert_eq!(ips.len(), 2, "two ip processes traced: {ips:?}\n{err}");
    for pid in &ips {
        let mine: Vec<_> = events
            .iter()
            .filter(|e| e["process"]["tgid"] == *pid)
            .collect();
        assert!(mine.iter().all(|e| e["process"]["uid"] == 65534));
        // From its first syscall: ip's first message is a request it sends.
        assert_eq!(mine[0]["direction"], "to_kernel", "{:?}", mine[0]);
        assert!(mine.iter().any(|e| e["direction"] == "from_kernel"));
    }
    assert!(
        events.iter().all(|e| e["process"]["comm"] == "ip"),
        "only the command's processes"
    );
}

#[test]
fn command_killed_by_a_signal_and_missing_command() {
    let ns = Netns::new();
    let out = traced_script(&ns, &[], "kill -TERM $$");
    assert_eq!(out.status.code(), Some(128 + libc::SIGTERM));
    let out = nlmon()
        .args(["--", "/nonexistent/nlmon-no-such-command"])
        .output()
        .expect("nlmon");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(127), "{err}");
    assert!(
        err.contains("cannot run /nonexistent/nlmon-no-such-command: No such file or directory"),
        "{err}"
    );
}

/// `tshark -T fields` of a capture file: one row of fields per packet.
fn tshark_fields(file: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let mut c = Command::new("tshark");
    c.args(["-r", file, "-T", "fields", "-E", "separator=\t"]);
    for f in fields {
        c.args(["-e", f]);
    }
    let out = c.output().expect("tshark (cargo xtask setup installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

#[test]
fn pcapng_is_read_by_tshark_and_by_nlmon() {
    let ns = Netns::new();
    let file = std::env::temp_dir().join(format!("nlmon-test-{}.pcapng", std::process::id()));
    let file_s = file.to_str().expect("path").to_owned();
    let out = traced_script(
        &ns,
        &["-w", &file_s],
        &format!("{} link show lo >/dev/null", ip()),
    );
    assert!(out.status.success(), "{out:?}");
    // Our reading of our file.
    let ours = nlmon()
        .args(["-r", &file_s, "--json"])
        .output()
        .expect("nlmon -r");
    assert!(ours.status.success(), "{ours:?}");
    let ours: Vec<serde_json::Value> = String::from_utf8_lossy(&ours.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let rows = tshark_fields(
        &file_s,
        &[
            "netlink.hdr_type",
            "netlink-route.nltype",
            "netlink.hdr_seq",
            "netlink-route.ifla_ifname",
            "frame.comment",
        ],
    );
    let _ = std::fs::remove_file(&file);
    // One packet per message: ip's probe, its error, the request, the
    // reply, and the end of the dump at least.
    assert!(rows.len() >= 4, "{rows:?}");
    assert_eq!(rows.len(), ours.len(), "{rows:?}");
    let mut names = 0;
    for (row, ev) in rows.iter().zip(&ours) {
        let data = hex_bytes(ev["data"].as_str().expect("data"));
        let ty = u16::from_ne_bytes([data[4], data[5]]);
        let seq = u32::from_ne_bytes([data[8], data[9], data[10], data[11]]);
        // tshark puts control types in hdr_type (hex) and rtnetlink ones in
        // nltype; for an error the echoed request's type follows.
        let theirs = match row[0].split(',').next().filter(|s| !s.is_empty()) {
            Some(h) => u16::from_str_radix(h.trim_start_matches("0x"), 16).expect("hex type"),
            None => row[1].parse().expect("nltype"),
        };
        assert_eq!(theirs, ty, "{row:?}");
        assert_eq!(row[2].split(',').next(), Some(seq.to_string().as_str()));
        if ty == 16 && ev["direction"] == "from_kernel" {
            // IFLA_IFNAME as tshark read it is in our bytes.
            assert_eq!(row[3], "lo");
            assert!(data.windows(3).any(|w| w == b"lo\0"));
            names += 1;
        }
        let comment = &row[4];
        assert!(comment.starts_with("nlmon pid="), "{comment}");
        assert!(comment.ends_with(" comm=ip"), "{comment}");
        assert!(
            comment.contains(&format!("netns={}", ns.inode())),
            "{comment}"
        );
        assert_eq!(ev["process"]["comm"], "ip");
    }
    assert!(names >= 1, "an RTM_NEWLINK for lo");
}

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex"))
        .collect()
}
