//! Attribution end to end: a cgroup the test creates under the cgroup2
//! mount, a shell moved into it that runs `ip` in an `ip netns` namespace
//! the test creates; nlmon names the cgroup and the namespace, and
//! `--cgroup` selects the cgroup (and its descendants) in the kernel.
//! They need root. `NLMON_TEST_ATTACH` picks the attach mode.

use std::{
    fs,
    io::Read,
    path::PathBuf,
    process::Command,
    sync::{
        Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use nlmon::{
    attrib::cgroup::cgroup2_mount,
    capture::{Capture, Options},
    event::Event,
};

mod common;
use common::{Netns, attach_mode, ip, start};

/// One capture at a time: each test counts what it sees.
static SERIAL: Mutex<()> = Mutex::new(());

/// A cgroup below the cgroup2 mount, removed on drop (after its
/// processes have exited).
struct Cgroup {
    dir: PathBuf,
    /// Its path below the mount, as nlmon shows it.
    path: String,
}

impl Cgroup {
    fn new(parent: Option<&Cgroup>) -> Self {
        Self::named(parent, "")
    }

    /// A cgroup whose name ends in `suffix` (`.scope`: a systemd unit).
    fn named(parent: Option<&Cgroup>, suffix: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "nlmon-test-{}-{}{suffix}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let (dir, path) = match parent {
            Some(p) => (p.dir.join(&name), format!("{}/{name}", p.path)),
            None => {
                let mount = cgroup2_mount().expect("a cgroup2 mount");
                (mount.join(&name), format!("/{name}"))
            }
        };
        fs::create_dir(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        Self { dir, path }
    }

    /// A shell command that moves the shell into this cgroup.
    fn enter(&self) -> String {
        format!("echo $$ > {}/cgroup.procs", self.dir.display())
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        // The last process may still be leaving.
        for _ in 0..50 {
            if fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("could not remove {}", self.dir.display());
    }
}

fn sh(script: &str) {
    let out = Command::new("sh")
        .args(["-c", script])
        .output()
        .expect("sh");
    assert!(out.status.success(), "{script}: {out:?}");
}

fn ifa_local(ev: &Event, addr: [u8; 4]) -> bool {
    // IFA_LOCAL (2), 8 bytes, the address.
    let mut needle = vec![8, 0, 2, 0];
    needle.extend(addr);
    ev.data.windows(needle.len()).any(|w| w == needle)
}

/// `--cgroup` in the kernel: with the library's capture (no userspace
/// filter at all), only the processes of the cgroup and of a child cgroup
/// are captured, and each event carries the path and namespace name.
#[test]
fn cgroup_filter_runs_in_the_kernel_with_descendants() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ns = Netns::new();
    let cg = Cgroup::new(None);
    let child = Cgroup::new(Some(&cg));
    let mut capture = Capture::start(&Options {
        attach: attach_mode(),
        cgroups: vec![cg.path.clone()],
        ..Options::default()
    })
    .expect("capture");
    let ip = ip();
    let n = &ns.name;
    sh(&format!(
        "{} && exec {ip} -n {n} addr add 10.61.0.1/24 dev lo",
        cg.enter()
    ));
    sh(&format!(
        "{} && exec {ip} -n {n} addr add 10.61.0.2/24 dev lo",
        child.enter()
    ));
    // Outside the cgroup: must not be captured.
    sh(&format!("{ip} -n {n} addr add 10.61.0.3/24 dev lo"));
    std::thread::sleep(Duration::from_millis(200));
    let mut evs = Vec::new();
    capture.drain(&mut evs);
    assert!(!evs.is_empty(), "nothing captured");
    let cgroup_of = |ev: &Event| {
        ev.process
            .attrib
            .get()
            .and_then(|a| a.cgroup.clone())
            .unwrap_or_default()
    };
    for ev in &evs {
        let path = cgroup_of(ev);
        assert!(
            path == cg.path || path == child.path,
            "{} [{}] from cgroup {path:?} passed --cgroup {}",
            ev.process.comm,
            ev.process.tgid,
            cg.path
        );
    }
    let add = |addr| {
        evs.iter()
            .find(|e| e.direction.is_send() && ifa_local(e, addr))
            .unwrap_or_else(|| panic!("no RTM_NEWADDR for {addr:?}"))
    };
    let first = add([10, 61, 0, 1]);
    assert_eq!(cgroup_of(first), cg.path);
    assert_eq!(first.socket.netns_name.as_deref(), Some(ns.name.as_str()));
    assert_eq!(first.socket.netns, ns.inode());
    assert_eq!(cgroup_of(add([10, 61, 0, 2])), child.path);
    assert!(
        !evs.iter().any(|e| ifa_local(e, [10, 61, 0, 3])),
        "the request from outside the cgroup was captured"
    );
}

/// Runs `script` while nlmon runs with `args`; nlmon's stdout.
fn feed(args: &[&str], script: &str) -> String {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (mut child, mut err) = start(args);
    sh(script);
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY: signalling our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let mut out = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out)
        .expect("read stdout");
    let status = child.wait().expect("wait");
    let mut rest = String::new();
    let _ = err.read_to_string(&mut rest);
    assert!(status.success(), "{status:?}: {rest}");
    out
}

/// `--json` shows the cgroup path and the `ip netns` name; the text names
/// the namespace; a pcapng file keeps both for `-r`.
#[test]
fn json_text_and_pcapng_name_the_cgroup_and_namespace() {
    let ns = Netns::new();
    let cg = Cgroup::new(None);
    let ip = ip();
    let n = &ns.name;
    // Each run adds another address.
    let script = |last: u8| {
        format!(
            "{} && exec {ip} -n {n} addr add 10.62.0.{last}/24 dev lo",
            cg.enter()
        )
    };

    let out = feed(
        &["--json", "--cgroup", &cg.path, "--comm", "ip"],
        &script(1),
    );
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/json-schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    for l in &lines {
        let errors: Vec<String> = validator.iter_errors(l).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:?}\n{l}");
    }
    let newaddr = lines
        .iter()
        .find(|l| l["message"]["type_name"] == "RTM_NEWADDR" && l["direction"] == "to_kernel")
        .unwrap_or_else(|| panic!("no RTM_NEWADDR in:\n{out}"));
    assert_eq!(newaddr["process"]["cgroup"], cg.path.as_str(), "{newaddr}");
    assert_eq!(
        newaddr["socket"]["netns_name"],
        ns.name.as_str(),
        "{newaddr}"
    );
    assert!(newaddr["process"]["unit"].is_null(), "{newaddr}");
    for l in &lines {
        assert_eq!(l["process"]["cgroup"], cg.path.as_str(), "{l}");
    }

    let text = feed(&["--color", "never", "--cgroup", &cg.path], &script(2));
    let line = text
        .lines()
        .find(|l| l.contains("RTM_NEWADDR") && l.contains('→'))
        .unwrap_or_else(|| panic!("no RTM_NEWADDR in:\n{text}"));
    assert!(
        line.contains(&format!("→ route netns {n} RTM_NEWADDR")),
        "{line}"
    );

    let file = std::env::temp_dir().join(format!("nlmon-attrib-{}.pcapng", std::process::id()));
    let f = file.to_str().unwrap();
    feed(&["-w", f, "--cgroup", &cg.path], &script(3));
    let back = Command::new(env!("CARGO_BIN_EXE_nlmon"))
        .args(["-r", f, "--json"])
        .output()
        .expect("nlmon -r");
    fs::remove_file(&file).unwrap();
    assert!(back.status.success(), "{back:?}");
    let back = String::from_utf8_lossy(&back.stdout);
    let l: serde_json::Value = back
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|l| l["message"]["type_name"] == "RTM_NEWADDR")
        .unwrap_or_else(|| panic!("no RTM_NEWADDR read back:\n{back}"));
    assert_eq!(l["process"]["cgroup"], cg.path.as_str(), "{l}");
    assert_eq!(l["socket"]["netns_name"], ns.name.as_str(), "{l}");
}

/// Change lines, and `nlmon history` over the JSON lines, name the
/// writer's unit after `comm[pid]`.
#[test]
fn changes_and_history_name_the_writers_unit() {
    let ns = Netns::new();
    let cg = Cgroup::named(None, ".scope");
    let unit = cg.path.trim_start_matches('/').to_owned();
    let ip = ip();
    let script = |last: u8| {
        format!(
            "{} && exec {ip} -n {} addr add 10.62.1.{last}/24 dev lo",
            cg.enter(),
            ns.name
        )
    };
    let text = feed(
        &["--changes", "--color", "never", "--cgroup", &cg.path],
        &script(1),
    );
    let said = format!(
        "({unit}) added address 10.62.1.1/24 dev lo (netns {}): ok",
        ns.name
    );
    assert!(
        text.lines()
            .any(|l| l.contains(" ip[") && l.contains(&said)),
        "no {said:?} in:\n{text}"
    );

    let json = feed(&["--json", "--cgroup", &cg.path], &script(2));
    let file = std::env::temp_dir().join(format!("nlmon-attrib-{}.jsonl", std::process::id()));
    fs::write(&file, json).unwrap();
    let f = file.to_str().unwrap();
    let history = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_nlmon"))
            .args(["history", "--file", f])
            .args(extra)
            .output()
            .expect("nlmon history");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let lines = history(&[]);
    let as_json = history(&["--json"]);
    fs::remove_file(&file).unwrap();
    assert!(
        lines.contains(&format!("({unit}) added address 10.62.1.2/24")),
        "{lines}"
    );
    let c: serde_json::Value = as_json
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|c| c["kind"] == "address")
        .unwrap_or_else(|| panic!("no address change in:\n{as_json}"));
    assert_eq!(c["label"], unit.as_str(), "{c}");
    assert_eq!(c["comm"], "ip", "{c}");
}

/// A cgroup path that does not exist is refused with a clear message.
#[test]
fn a_missing_cgroup_is_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_nlmon"))
        .args(["--cgroup", "/nlmon-no-such-cgroup", "--duration", "1"])
        .output()
        .expect("nlmon");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cgroup \"/nlmon-no-such-cgroup\""), "{err}");
}
