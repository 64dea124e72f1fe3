//! End-to-end tests of `nlmon daemon` and `nlmon attach` on this machine:
//! real `ip` traffic in a network namespace, a journal socket and a
//! NOTIFY_SOCKET played by the test, the JSON file, attach access checks,
//! reload and stop. They need root. `NLMON_TEST_ATTACH` picks the mode.

use std::{
    collections::HashMap,
    fs,
    io::{BufRead, BufReader},
    os::unix::{net::UnixDatagram, process::CommandExt},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

mod common;
use common::{Netns, assert_schema, ip, json_lines, subset};

/// One daemon at a time: each loads a full set of probes.
static SERIAL: Mutex<()> = Mutex::new(());

struct Daemon {
    child: Child,
    dir: PathBuf,
    journal: UnixDatagram,
    notify: UnixDatagram,
    stderr: Arc<Mutex<String>>,
}

impl Daemon {
    /// Starts a daemon with the test's sockets and files and `extra`
    /// config; returns once it sent READY=1.
    fn start(extra: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("nlmon-daemon-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let journal = UnixDatagram::bind(dir.join("journal.sock")).unwrap();
        let notify = UnixDatagram::bind(dir.join("notify.sock")).unwrap();
        let attach = std::env::var("NLMON_TEST_ATTACH").unwrap_or_else(|_| "auto".into());
        fs::write(dir.join("nlmon.toml"), config(&dir, &attach, extra)).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_nlmon"))
            .arg("daemon")
            .arg("--config")
            .arg(dir.join("nlmon.toml"))
            .env("NOTIFY_SOCKET", dir.join("notify.sock"))
            .env("WATCHDOG_USEC", "2000000")
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn nlmon daemon");
        let stderr = collect(child.stderr.take().unwrap());
        let d = Self {
            child,
            dir,
            journal,
            notify,
            stderr,
        };
        let ready = d.notifications(Duration::from_secs(120), |m| m.starts_with("READY=1"));
        assert!(
            ready.iter().any(|m| m.starts_with("READY=1")),
            "no READY=1: {ready:?}\n{}",
            d.stderr()
        );
        d
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Notification datagrams until `until` matches one or `within` passes.
    fn notifications(&self, within: Duration, until: impl Fn(&str) -> bool) -> Vec<String> {
        let end = Instant::now() + within;
        let mut got = Vec::new();
        let mut buf = vec![0u8; 4096];
        while Instant::now() < end {
            self.notify
                .set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            if let Ok(n) = self.notify.recv(&mut buf) {
                let m = String::from_utf8_lossy(&buf[..n]).into_owned();
                let done = until(&m);
                got.push(m);
                if done {
                    break;
                }
            }
        }
        got
    }

    /// Every journal entry received so far, as fields.
    fn journal_entries(&self) -> Vec<HashMap<String, String>> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 1 << 20];
        self.journal
            .set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        while let Ok(n) = self.journal.recv(&mut buf) {
            out.push(parse_entry(&buf[..n]));
        }
        out
    }

    /// Journal entries until `done` says they are complete or 10 s pass.
    fn journal_until(
        &self,
        done: impl Fn(&[HashMap<String, String>]) -> bool,
    ) -> Vec<HashMap<String, String>> {
        let end = Instant::now() + Duration::from_secs(10);
        let mut out = Vec::new();
        while !done(&out) && Instant::now() < end {
            out.extend(self.journal_entries());
        }
        out
    }

    /// The JSON file's lines once one satisfies `last` (or 10 s passed).
    fn json_file_until(&self, last: impl Fn(&serde_json::Value) -> bool) -> Vec<serde_json::Value> {
        let path = self.path("log/nlmon.jsonl");
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            // A line may be half written: only whole lines count.
            let text = fs::read_to_string(&path).unwrap_or_default();
            let whole = text.rfind('\n').map_or("", |at| &text[..=at]);
            let lines = json_lines(whole.as_bytes());
            if lines.iter().any(&last) || Instant::now() > end {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn signal(&self, sig: i32) {
        // SAFETY: signalling our own child.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, sig) }, 0);
    }

    fn attach(&self, args: &[&str], uid: Option<u32>) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_nlmon"));
        c.arg("attach").arg("--socket").arg(self.path("nlmon.sock"));
        c.args(args);
        if let Some(uid) = uid {
            // std drops the supplementary groups when it changes the uid.
            c.uid(uid).gid(uid);
        }
        c.output().expect("nlmon attach")
    }

    /// `nlmon attach ARGS` left running, once it says it is attached.
    fn feed(&self, args: &[&str], uid: Option<u32>) -> Feed {
        let mut c = Command::new(env!("CARGO_BIN_EXE_nlmon"));
        c.arg("attach").arg("--socket").arg(self.path("nlmon.sock"));
        c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
        if let Some(uid) = uid {
            c.uid(uid).gid(uid);
        }
        let mut child = c.spawn().expect("nlmon attach");
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        assert!(line.contains("attached"), "{args:?}: {line}");
        let out = collect(child.stdout.take().unwrap());
        Feed { child, out }
    }
}

/// A running `nlmon attach`, its output read as it comes.
struct Feed {
    child: Child,
    out: Arc<Mutex<String>>,
}

impl Feed {
    /// The output once `done` says it is complete, or after 10 s.
    fn until(&self, done: impl Fn(&str) -> bool) -> String {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.out.lock().unwrap().clone();
            if done(&text) || Instant::now() > end {
                return text;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The lines of a pipe, gathered by a thread as they come.
fn collect(pipe: impl std::io::Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    text
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn config(dir: &Path, attach: &str, extra: &str) -> String {
    format!(
        "[capture]\nattach = \"{attach}\"\n\
         [json]\npath = \"{}\"\n\
         [pcapng]\nenabled = true\npath = \"{}\"\n\
         [journal]\nsocket = \"{}\"\n\
         [attach]\nsocket = \"{}\"\n{extra}\n",
        dir.join("log/nlmon.jsonl").display(),
        dir.join("log/nlmon.pcapng").display(),
        dir.join("journal.sock").display(),
        dir.join("nlmon.sock").display(),
    )
}

/// journald's native format: `NAME=value` lines, or NAME, newline, a
/// little-endian u64 length and the value.
fn parse_entry(mut b: &[u8]) -> HashMap<String, String> {
    let mut m = HashMap::new();
    while let Some(nl) = b.iter().position(|&c| c == b'\n') {
        let line = &b[..nl];
        if let Some(eq) = line.iter().position(|&c| c == b'=') {
            m.insert(
                String::from_utf8_lossy(&line[..eq]).into_owned(),
                String::from_utf8_lossy(&line[eq + 1..]).into_owned(),
            );
            b = &b[nl + 1..];
        } else {
            let len = u64::from_le_bytes(b[nl + 1..nl + 9].try_into().unwrap()) as usize;
            m.insert(
                String::from_utf8_lossy(line).into_owned(),
                String::from_utf8_lossy(&b[nl + 9..nl + 9 + len]).into_owned(),
            );
            b = &b[nl + 10 + len..];
        }
    }
    m
}

/// Runs `ip` with `args`; returns its pid and whether it succeeded.
fn try_ip(args: &[&str]) -> (u32, bool) {
    let mut child = Command::new(ip())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ip");
    (child.id(), child.wait().unwrap().success())
}

/// Runs `ip` with `args` and returns its pid.
fn run_ip(args: &[&str]) -> u32 {
    let (pid, ok) = try_ip(args);
    assert!(ok, "ip {args:?}");
    pid
}

/// The tgids of the JSON file's events.
fn json_tgids(path: &Path) -> Vec<u32> {
    let text = fs::read_to_string(path).unwrap_or_default();
    json_lines(text.as_bytes())
        .iter()
        .filter_map(|v| v["process"]["tgid"].as_u64())
        .map(|t| t as u32)
        .collect()
}

#[test]
fn records_changes_not_reads_and_serves_attach() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ns = Netns::new();
    // Only root and group "root" members; the test's unprivileged user is
    // neither.
    let d = Daemon::start("group = \"root\"");
    let add = run_ip(&[
        "-n", &ns.name, "link", "add", "d0", "type", "veth", "peer", "name", "d1",
    ]);
    let addr = run_ip(&["-n", &ns.name, "addr", "add", "10.7.0.1/24", "dev", "d0"]);
    let show = run_ip(&["-n", &ns.name, "link", "show"]);
    std::thread::sleep(Duration::from_secs(3));

    let entries = d.journal_entries();
    let find = |pid: u32, ty: &str| {
        entries.iter().find(|e| {
            e.get("NLMON_PID") == Some(&pid.to_string())
                && e.get("NLMON_TYPE").map(String::as_str) == Some(ty)
        })
    };
    let e = find(add, "RTM_NEWLINK").unwrap_or_else(|| panic!("no RTM_NEWLINK of ip[{add}]"));
    assert_eq!(e["NLMON_COMM"], "ip");
    assert_eq!(e["NLMON_FAMILY"], "route");
    assert_eq!(e["NLMON_DIR"], "to_kernel");
    assert_eq!(e["NLMON_NETNS"], ns.inode().to_string());
    assert!(
        e["MESSAGE"].contains(&format!("ip[{add}] → route")),
        "{e:?}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e.get("NLMON_PID") == Some(&add.to_string())
                && e.get("NLMON_TYPE").map(String::as_str) == Some("NLMSG_ERROR")
                && e.get("NLMON_ERRNO").map(String::as_str) == Some("0")),
        "no ack of ip link add"
    );
    assert!(
        find(addr, "RTM_NEWADDR").is_some(),
        "no RTM_NEWADDR of ip[{addr}]"
    );
    assert!(
        !entries
            .iter()
            .any(|e| e.get("NLMON_PID") == Some(&show.to_string())),
        "a dump was recorded by default"
    );

    let tgids = json_tgids(&d.path("log/nlmon.jsonl"));
    assert!(tgids.contains(&add) && tgids.contains(&addr), "{tgids:?}");
    assert!(!tgids.contains(&show), "a dump in the JSON file");

    // The pcapng file holds the same events, readable by `nlmon -r`.
    let pcap = fs::read(d.path("log/nlmon.pcapng")).expect("the pcapng file");
    let pcap_tgids: Vec<u32> = nlmon::pcapng::read(&pcap)
        .expect("a valid pcapng file")
        .iter()
        .map(|e| e.process.tgid)
        .collect();
    assert!(
        pcap_tgids.contains(&add) && pcap_tgids.contains(&addr),
        "{pcap_tgids:?}"
    );
    assert!(!pcap_tgids.contains(&show), "a dump in the pcapng file");

    let stats = d.attach(&["--stats"], None);
    let text = String::from_utf8_lossy(&stats.stdout);
    assert!(stats.status.success(), "{stats:?}");
    assert!(
        text.contains("captured") && text.contains("sink json") && text.contains("sink pcapng"),
        "{text}"
    );

    let refused = d.attach(&["--stats"], Some(65534));
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("neither root nor a member of group root"),
        "{err}"
    );
}

/// What the kernel says when an address is added twice
/// (`__inet_insert_ifa()`).
const ADDRESS_TWICE: &str = "ipv4: Address already assigned";

/// The line of `pid`'s message of type `ty` going `direction`.
fn line_of<'a>(
    lines: &'a [serde_json::Value],
    pid: u32,
    ty: &str,
    direction: &str,
) -> &'a serde_json::Value {
    lines
        .iter()
        .find(|l| {
            l["process"]["tgid"] == pid
                && l["message"]["type_name"] == ty
                && l["direction"] == direction
        })
        .unwrap_or_else(|| {
            panic!(
                "no {ty} {direction} of ip[{pid}] in:\n{}",
                lines
                    .iter()
                    .map(|l| format!("{} {}", l["process"]["tgid"], l["message"]["type_name"]))
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
}

/// The daemon's JSON file and journal and its attach clients (JSON, text
/// with `--errors`, text with `-v`) are views over one decoded event: the
/// same JSON line in the file and the feed, the interface name beside its
/// index everywhere, answers linked to their requests.
#[test]
fn file_journal_and_attach_clients_show_one_decoding() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ns = Netns::new();
    let path = ns.path();
    // Only the namespace's traffic, recorded and fed: other tests may run
    // ip at the same time, and the test reads the journal socket only at
    // the end.
    let d = Daemon::start(&format!("[filter]\nnetns = [\"{path}\"]"));
    // Attached before the traffic, so each sees all of it.
    let feed = |args: &[&str]| d.feed(&[args, &["--comm", "ip", "--netns", &path]].concat(), None);
    let json = feed(&["--json"]);
    let errors = feed(&["--errors"]);
    let verbose = feed(&["-v"]);
    let n = ns.name.as_str();
    let add = run_ip(&[
        "-n", n, "link", "add", "d0", "type", "veth", "peer", "name", "d1",
    ]);
    let add_addr = ["-n", n, "addr", "add", "10.7.0.1/24", "dev", "d0"];
    let addr = run_ip(&add_addr);
    let (again, ok) = try_ip(&add_addr);
    assert!(!ok, "the same address twice is refused");
    let show = run_ip(&["-n", n, "link", "show"]);

    // Each view waits for the last thing it shows: the end of the link
    // dump, or (the file records changes only) the refusal.
    let by_show = format!("ip[{show}] ");
    let json_text = json.until(|t| {
        t.lines()
            .any(|l| l.contains(&format!("\"tgid\":{show},")) && l.contains("\"NLMSG_DONE\""))
    });
    let errors_text =
        errors.until(|t| t.lines().any(|l| l.contains(&by_show) && l.contains(" ← ")));
    let verbose_text = verbose.until(|t| {
        t.lines()
            .any(|l| l.contains(&by_show) && l.contains("NLMSG_DONE"))
    });
    let file = d.json_file_until(|l| {
        l["process"]["tgid"] == again && l["message"]["type_name"] == "NLMSG_ERROR"
    });
    let fed = json_lines(json_text.as_bytes());
    assert_schema(&file);
    assert_schema(&fed);

    // The request, decoded: its address, and its interface index named.
    let request = line_of(&file, addr, "RTM_NEWADDR", "to_kernel");
    assert_eq!(
        (request["index"].as_u64(), request["count"].as_u64()),
        (Some(0), Some(1))
    );
    let expected = serde_json::json!({"message": {"body": [
        {"name": "IFA_LOCAL", "value": "10.7.0.1"},
        {"name": "ifa_index", "ifname": "d0"},
    ]}});
    assert!(subset(&expected, request), "{request}");
    let ifindex = request["message"]["body"]
        .as_array()
        .and_then(|b| b.iter().find(|n| n["name"] == "ifa_index"))
        .and_then(|n| n["value"].as_u64())
        .expect("ifa_index");
    // One pipeline: the feed's line is the file's.
    assert_eq!(line_of(&fed, addr, "RTM_NEWADDR", "to_kernel"), request);

    // The ack and the refusal answer their requests.
    for (pid, errno) in [(addr, 0), (again, 17)] {
        let req = line_of(&file, pid, "RTM_NEWADDR", "to_kernel");
        let answer = line_of(&file, pid, "NLMSG_ERROR", "from_kernel");
        assert_eq!(line_of(&fed, pid, "NLMSG_ERROR", "from_kernel"), answer);
        assert_eq!(answer["message"]["error"]["errno"], errno, "{answer}");
        let link = &answer["link"];
        assert_eq!(link["kind"], "reply", "{answer}");
        assert_eq!(link["request"]["tgid"], pid);
        assert_eq!(link["request"]["type_name"], "RTM_NEWADDR");
        assert_eq!(link["request"]["seq"], req["message"]["header"]["seq"]);
        assert_eq!(link["request"]["mono_ns"], req["mono_ns"]);
        let latency = answer["mono_ns"].as_u64().unwrap() - req["mono_ns"].as_u64().unwrap();
        assert_eq!(link["latency_ns"], latency);
    }
    let refusal = line_of(&file, again, "NLMSG_ERROR", "from_kernel");
    assert_eq!(refusal["message"]["error"]["message"], ADDRESS_TWICE);

    // --errors: each failed request, then its error; nothing of the
    // commands that did not fail. (`ip link` starts with an empty
    // RTM_NEWLINK that the kernel refuses with ENODEV, a probe.)
    let lines: Vec<&str> = errors_text.lines().collect();
    let pairs: Vec<(u32, &str, &str)> = lines
        .chunks(2)
        .map(|p| {
            assert_eq!(p.len(), 2, "{errors_text}");
            let pid = p[0]
                .split_once(" ip[")
                .and_then(|(_, r)| r.split_once(']'))
                .and_then(|(pid, _)| pid.parse().ok())
                .unwrap_or_else(|| panic!("no ip[PID] in {}", p[0]));
            assert!(p[0].contains(&format!("ip[{pid}] → route ")), "{p:?}");
            assert!(p[1].contains(&format!("ip[{pid}] ← route ")), "{p:?}");
            assert!(p[1].contains(" FAILED ("), "{p:?}");
            (pid, p[0], p[1])
        })
        .collect();
    let pids: Vec<u32> = pairs.iter().map(|p| p.0).collect();
    assert_eq!(pids, [add, again, show], "{errors_text}");
    for (pid, req, err) in &pairs {
        if *pid == again {
            assert!(
                req.contains(" RTM_NEWADDR request,ack,excl,create "),
                "{req}"
            );
            assert!(
                req.contains(&format!("ifa_index={ifindex}(d0) IFA_LOCAL=10.7.0.1")),
                "{req}"
            );
            assert!(err.contains("error=EEXIST"), "{err}");
            assert!(err.contains(&format!("msg=\"{ADDRESS_TWICE}\"")), "{err}");
            assert!(err.contains("(answers RTM_NEWADDR seq="), "{err}");
        } else {
            assert!(req.contains(" RTM_NEWLINK request,ack seq=0 "), "{req}");
            assert!(err.contains("error=ENODEV"), "{err}");
        }
    }

    // -v: the tree names the interface beside its index too.
    let lines: Vec<&str> = verbose_text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(&format!("ip[{addr}] → route ")) && l.contains(" RTM_NEWADDR "))
        .unwrap_or_else(|| panic!("no RTM_NEWADDR of ip[{addr}] in:\n{verbose_text}"));
    assert!(
        lines[at].contains(&format!("ifa_index={ifindex}(d0)")),
        "{}",
        lines[at]
    );
    let tree: Vec<&str> = lines[at + 1..]
        .iter()
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.trim())
        .collect();
    assert!(
        tree.contains(&format!("ifa_index: {ifindex} (d0)").as_str()),
        "{tree:?}"
    );
    assert!(tree.contains(&"IFA_LOCAL (2): 10.7.0.1"), "{tree:?}");

    // The journal: the name as a field, the refusal's errno and reason.
    let of = |es: &[HashMap<String, String>], pid: u32, ty: &str| {
        es.iter()
            .find(|e| {
                e.get("NLMON_PID") == Some(&pid.to_string())
                    && e.get("NLMON_TYPE").map(String::as_str) == Some(ty)
            })
            .cloned()
    };
    let entries = d.journal_until(|es| of(es, again, "NLMSG_ERROR").is_some());
    let e = of(&entries, addr, "RTM_NEWADDR").expect("the RTM_NEWADDR entry");
    assert_eq!(
        e.get("NLMON_IFNAME").map(String::as_str),
        Some("d0"),
        "{e:?}"
    );
    let e = of(&entries, again, "NLMSG_ERROR").expect("the refusal's entry");
    assert_eq!(e["NLMON_ERRNO"], "17");
    assert_eq!(e["NLMON_ERROR"], "File exists");
    assert_eq!(e["NLMON_EXTACK"], ADDRESS_TWICE);
    assert_eq!(e["PRIORITY"], "4");
}

/// `attach --type` takes the names of every family: rtnetlink's,
/// nftables' and a generic netlink family's (whose message types are
/// numbered at run time: the daemon learns the ids).
#[test]
fn attach_type_names_of_every_family() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ns = Netns::new();
    let d = Daemon::start("");
    let path = ns.path();
    let feed = |ty: &str| d.feed(&["--json", "--netns", &path, "--type", ty], None);
    let types = [
        "RTM_NEWADDR",
        "NFT_MSG_NEWTABLE",
        "TCP_METRICS_CMD_GET",
        "tcp_metrics:TCP_METRICS_CMD_GET",
    ];
    let feeds: Vec<Feed> = types.iter().map(|t| feed(t)).collect();
    let n = ns.name.as_str();
    let addr = run_ip(&["-n", n, "addr", "add", "10.7.2.1/24", "dev", "lo"]);
    let nft = run_ip(&["netns", "exec", n, "nft", "add", "table", "inet", "nlmon_t"]);
    let metrics = run_ip(&["-n", n, "tcp_metrics", "show"]);
    let expected = [
        (addr, "RTM_NEWADDR", None),
        (nft, "NFT_MSG_NEWTABLE", Some("nftables")),
        (metrics, "TCP_METRICS_CMD_GET", Some("tcp_metrics")),
        (metrics, "TCP_METRICS_CMD_GET", Some("tcp_metrics")),
    ];
    for f in &feeds {
        f.until(|t| !t.is_empty());
    }
    // Anything else a client wrongly passed came with its own line.
    std::thread::sleep(Duration::from_millis(500));
    for ((f, ty), (pid, name, family)) in feeds.iter().zip(types).zip(expected) {
        let lines = json_lines(f.until(|_| true).as_bytes());
        assert_schema(&lines);
        // One request each: the answers are acks, the end of a dump (an
        // empty one: no metrics in a new namespace) or nothing (an nft
        // batch without NLM_F_ACK).
        assert_eq!(lines.len(), 1, "--type {ty}: {lines:?}");
        let l = &lines[0];
        assert_eq!(l["process"]["tgid"], pid, "--type {ty}: {l}");
        assert_eq!(l["direction"], "to_kernel", "--type {ty}: {l}");
        assert_eq!(l["message"]["type_name"], name, "--type {ty}: {l}");
        assert_eq!(l["message"]["family"].as_str(), family, "--type {ty}: {l}");
    }
}

#[test]
fn reloads_notifies_and_stops_cleanly() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ns = Netns::new();
    let mut d = Daemon::start("group = \"root\"");
    let status = d.notifications(Duration::from_secs(3), |_| false);
    assert!(status.iter().any(|m| m == "WATCHDOG=1"), "{status:?}");
    assert!(
        status
            .iter()
            .any(|m| m.starts_with("STATUS=") && m.contains("captured")),
        "{status:?}"
    );

    // A live feed for a member of the attach group, after a reload that
    // also records reads.
    let cfg = d.path("nlmon.toml");
    let attach = std::env::var("NLMON_TEST_ATTACH").unwrap_or_else(|_| "auto".into());
    fs::write(
        &cfg,
        config(
            &d.dir,
            &attach,
            "group = \"nogroup\"\n[filter]\nselect = \"all\"",
        ),
    )
    .unwrap();
    d.signal(libc::SIGHUP);
    let reload = d.notifications(Duration::from_secs(10), |m| m.starts_with("READY=1"));
    assert!(
        reload.iter().any(|m| m.starts_with("RELOADING=1")),
        "{reload:?}"
    );
    let member = d.attach(&["--stats"], Some(65534));
    assert!(member.status.success(), "{member:?}");

    let feed = d.feed(&["--comm", "ip", "--json"], Some(65534));
    let show = run_ip(&["-n", &ns.name, "link", "show"]);
    let mine = format!("\"tgid\":{show},");
    let text = feed.until(|t| t.contains(&mine));
    assert!(text.contains(&mine), "{text}");
    drop(feed);
    let recorded = d.json_file_until(|l| l["process"]["tgid"] == show);
    assert!(
        recorded.iter().any(|l| l["process"]["tgid"] == show),
        "select = \"all\" after the reload records dumps"
    );

    // A bad config on reload keeps the running one and says where.
    fs::write(&cfg, "[filter]\nfamily = [\"rout\"]\n").unwrap();
    d.signal(libc::SIGHUP);
    d.notifications(Duration::from_secs(10), |m| m.starts_with("READY=1"));
    let want = "nlmon.toml:2: filter.family: unknown netlink family \"rout\"";
    let end = Instant::now() + Duration::from_secs(5);
    while !d.stderr().contains(want) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(d.stderr().contains(want), "{}", d.stderr());

    d.signal(libc::SIGTERM);
    let status = d.child.wait().unwrap();
    assert!(status.success(), "{status:?}\n{}", d.stderr());
    let stopping = d.notifications(Duration::from_secs(2), |m| m.contains("STOPPING=1"));
    assert!(
        stopping.iter().any(|m| m.contains("STOPPING=1")),
        "{stopping:?}"
    );
    assert!(d.stderr().contains("stopped:"), "{}", d.stderr());
    assert!(!d.path("nlmon.sock").exists(), "socket left behind");
}

#[test]
fn bad_config_is_refused_with_its_line() {
    let dir = std::env::temp_dir().join(format!("nlmon-badconfig-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("nlmon.toml");
    fs::write(&cfg, "[json]\nkeep = 3\nmax_size = \"big\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_nlmon"))
        .args(["daemon", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    let _ = fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nlmon.toml:3: json.max_size: invalid type: string \"big\""),
        "{err}"
    );
}

/// `ip netns exec NS busybox ip ARGS`: its pid (the exec keeps it).
fn run_busybox_ip(ns: &str, args: &[&str]) -> u32 {
    let mut child = Command::new(ip())
        .args(["netns", "exec", ns, "busybox", "ip"])
        .args(args)
        .spawn()
        .expect("busybox ip");
    let pid = child.id();
    assert!(child.wait().unwrap().success(), "busybox ip {args:?}");
    pid
}

#[test]
fn changes_reach_the_journal_attach_and_history_and_a_conflict_is_warned_once() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ns = Netns::new();
    let d = Daemon::start("");
    let feed = d.feed(&["--changes"], None);
    // `ip` and `busybox ip` take turns adding and removing one address.
    let mut writers = Vec::new();
    for _ in 0..3 {
        let add = ["addr", "add", "10.7.1.1/24", "dev", "lo"];
        writers.push((
            "ip",
            "added",
            run_ip(&[&["-n", &ns.name][..], &add].concat()),
        ));
        let del = ["addr", "del", "10.7.1.1/24", "dev", "lo"];
        writers.push(("busybox", "deleted", run_busybox_ip(&ns.name, &del)));
    }
    let line = |(comm, verb, pid): &(&str, &str, u32)| {
        format!(
            "{comm}[{pid}] {verb} address 10.7.1.1/24 dev lo (netns {}): ok",
            ns.name
        )
    };
    let last = line(&writers[5]);
    let fed = feed.until(|t| t.contains(&last));
    for w in &writers {
        assert!(fed.contains(&line(w)), "no `{}` in:\n{fed}", line(w));
    }
    assert_eq!(fed.lines().count(), 6, "only change lines:\n{fed}");
    assert!(
        fed.contains("[CONFLICT: 4 changes by busybox ×2, ip ×2]"),
        "{fed}"
    );

    let entries = d.journal_until(|es| {
        es.iter()
            .filter(|e| e.get("NLMON_RECORD").map(String::as_str) == Some("change"))
            .count()
            >= 6
    });
    let changes: Vec<_> = entries
        .iter()
        .filter(|e| e.get("NLMON_RECORD").map(String::as_str) == Some("change"))
        .collect();
    assert_eq!(changes.len(), 6, "{changes:?}");
    let (comm, verb, pid) = writers[1];
    let e = changes
        .iter()
        .find(|e| e["NLMON_PID"] == pid.to_string())
        .unwrap_or_else(|| panic!("no change entry of {comm}[{pid}]"));
    assert_eq!(e["NLMON_COMM"], comm);
    assert_eq!(e["NLMON_OBJECT"], "address");
    assert_eq!(e["NLMON_ACTION"], verb);
    assert_eq!(e["NLMON_KEY"], "10.7.1.1/24 dev lo");
    assert_eq!(e["NLMON_IFNAME"], "lo");
    assert_eq!(e["NLMON_RESULT"], "ok");
    assert_eq!(e["MESSAGE"], line(&writers[1]));
    let warnings: Vec<_> = entries
        .iter()
        .filter(|e| e.contains_key("NLMON_CONFLICT"))
        .collect();
    assert_eq!(
        warnings.len(),
        1,
        "one warning per object per window: {warnings:?}"
    );
    assert_eq!(warnings[0]["PRIORITY"], "4");
    assert!(
        warnings[0]["MESSAGE"].contains("address 10.7.1.1/24 dev lo")
            && warnings[0]["MESSAGE"].contains("busybox ×2, ip ×2"),
        "{:?}",
        warnings[0]
    );

    // History over the daemon's JSON Lines: the same six, in order.
    let last_pid = u64::from(writers[5].2);
    d.json_file_until(|v| v["change"]["pid"].as_u64() == Some(last_pid));
    let file = d.path("log/nlmon.jsonl");
    let history = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_nlmon"))
            .arg("history")
            .arg("--file")
            .arg(&file)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let h = history(&["address", "10.7.0.0/16"]);
    let got: Vec<&str> = h.lines().collect();
    assert_eq!(got.len(), 6, "{h}");
    for (g, w) in got.iter().zip(&writers) {
        assert!(g.contains(&line(w)), "{g} is not {}", line(w));
    }
    assert_eq!(
        history(&["--comm", "busybox", "dev", "lo"]).lines().count(),
        3
    );
    assert!(history(&["address", "10.8.0.0/16"]).is_empty());
    let c = history(&["--conflicts"]);
    assert_eq!(c.lines().count(), 1, "{c}");
    assert!(
        c.contains("conflict over address 10.7.1.1/24 dev lo") && c.contains("busybox ×3, ip ×3"),
        "{c}"
    );
}
