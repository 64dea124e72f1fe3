//! Helpers shared by the privileged test binaries.
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::{
    io::{BufRead, BufReader},
    process::{Child, ChildStderr, Command, Stdio},
    sync::atomic::{AtomicU32, Ordering},
    time::{Duration, Instant},
};

use nlmon::capture::AttachMode;

/// The attach mode `NLMON_TEST_ATTACH` asks for (default auto).
pub fn attach_mode() -> AttachMode {
    match std::env::var("NLMON_TEST_ATTACH").as_deref() {
        Ok("kprobe") => AttachMode::Kprobe,
        Ok("fentry") => AttachMode::Fentry,
        Ok("tracepoint") => AttachMode::Tracepoint,
        _ => AttachMode::Auto,
    }
}

/// The nlmon binary, in the attach mode `NLMON_TEST_ATTACH` asks for.
pub fn nlmon() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nlmon"));
    if let Ok(mode) = std::env::var("NLMON_TEST_ATTACH") {
        c.args(["--attach", &mode]);
    }
    c
}

/// Starts nlmon and waits until it says it is attached.
pub fn start(args: &[&str]) -> (Child, BufReader<ChildStderr>) {
    let mut c = nlmon();
    c.args(args);
    start_command(c)
}

/// Starts an nlmon command and waits until it says it is attached.
#[expect(
    clippy::zombie_processes,
    reason = "callers wait; a failed assertion ends the test run"
)]
pub fn start_command(mut c: Command) -> (Child, BufReader<ChildStderr>) {
    let mut child = c
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

/// A network namespace for one test, removed on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "nlmon-t{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        run(Command::new(ip()).args(["netns", "add", &name]));
        run(Command::new(ip()).args(["-n", &name, "link", "set", "lo", "up"]));
        Self { name }
    }

    pub fn path(&self) -> String {
        format!("/run/netns/{}", self.name)
    }

    /// Makes `c` run inside the namespace: it enters it between fork and
    /// exec, with no `ip netns exec` process of its own to be captured.
    pub fn enter(&self, c: &mut Command) {
        use std::os::{fd::AsRawFd, unix::process::CommandExt};
        let ns = std::fs::File::open(self.path()).expect("open netns");
        // SAFETY: setns is async-signal-safe; the descriptor stays open
        // (moved into the closure, which the command keeps) until exec,
        // which closes it.
        unsafe {
            c.pre_exec(move || {
                if libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }

    /// Inode of the namespace, as records carry it.
    pub fn inode(&self) -> u32 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(self.path()).expect("stat netns").ino() as u32
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new(ip())
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// iproute2's `ip` (not busybox's applet), by full path where it is.
pub fn ip() -> &'static str {
    ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("ip")
}

pub fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether `actual` contains `expected`: objects by key, arrays by each
/// expected element matching some actual element, values equal.
pub fn subset(expected: &serde_json::Value, actual: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| subset(v, av))),
        (Value::Array(e), Value::Array(a)) => e.iter().all(|v| a.iter().any(|av| subset(v, av))),
        (e, a) => e == a,
    }
}

/// The lines of a JSON Lines output, parsed.
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Every line follows docs/json-schema.json.
pub fn assert_schema(lines: &[serde_json::Value]) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../docs/json-schema.json"))
            .expect("docs/json-schema.json is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    for l in lines {
        let errors: Vec<String> = validator.iter_errors(l).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}\n{l}");
    }
}
