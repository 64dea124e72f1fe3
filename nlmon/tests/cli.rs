//! End-to-end tests of the `nlmon` binary: the text feed of real `ip`
//! traffic, errors a person sees, and a clean detach on SIGINT/SIGTERM.
//! They need root. `NLMON_TEST_ATTACH` picks the attach mode.

use std::{
    io::Read,
    process::{Child, Command, Stdio},
    sync::Mutex,
    time::Duration,
};

mod common;
use common::{Netns, assert_schema, ip, json_lines, nlmon, run, start, subset};

/// One nlmon at a time: the detach test counts loaded programs.
static SERIAL: Mutex<()> = Mutex::new(());

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
    // The traffic is in a named namespace other than nlmon's: the line
    // names it between the family and the message.
    let getlink = text
        .lines()
        .find(|l| {
            l.contains(&format!(" → route netns {} RTM_GETLINK req", ns.name)) && l.contains(" ip[")
        })
        .unwrap_or_else(|| panic!("no RTM_GETLINK request line in:\n{text}"));
    assert!(getlink.contains("seq="), "{getlink}");
    assert!(
        text.lines().any(|l| {
            l.contains(&format!(" ← route netns {} RTM_NEWLINK", ns.name)) && l.contains(" ip[")
        }),
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
    traced_script_as(ns, args, script, Some(65534))
}

/// The same as root (no SUDO_UID), for scripts that change the namespace.
fn traced_script_as(
    ns: &Netns,
    args: &[&str],
    script: &str,
    sudo_uid: Option<u32>,
) -> std::process::Output {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut c = Command::new(ip());
    c.args(["netns", "exec", &ns.name, env!("CARGO_BIN_EXE_nlmon")]);
    if let Ok(mode) = std::env::var("NLMON_TEST_ATTACH") {
        c.args(["--attach", &mode]);
    }
    c.args(args)
        .args(["--", "sh", "-c", script])
        .env_remove("SUDO_UID")
        .env_remove("SUDO_GID");
    if let Some(uid) = sudo_uid {
        c.env("SUDO_UID", uid.to_string())
            .env("SUDO_GID", uid.to_string());
    }
    c.output().expect("nlmon")
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
    // The exit summary counts per process, family and type, and errors
    // (ip's first request, a probe, is refused: EPERM as nobody).
    for pid in &ips {
        assert!(err.contains(&format!("ip[{pid}] ")), "{err}");
    }
    assert!(err.contains("by family: route "), "{err}");
    assert!(
        err.contains("by type: ") && err.contains("route RTM_NEWLINK"),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with("  errors: ") && l != "  errors: 0"),
        "{err}"
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
        let data = hex_bytes(ev["raw"].as_str().expect("raw"));
        let ty = u16::from_ne_bytes([data[4], data[5]]);
        // Our decoder and tshark's dissector agree on the type.
        assert_eq!(ev["message"]["header"]["ty"], ty);
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
            // IFLA_IFNAME as tshark read it is what our decoder read.
            assert_eq!(row[3], "lo");
            let ours = ev["message"]["body"]
                .as_array()
                .expect("body")
                .iter()
                .find(|n| n["name"] == "IFLA_IFNAME")
                .map(|n| n["value"].clone());
            assert_eq!(ours, Some(serde_json::json!("lo")), "{ev}");
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

#[test]
fn json_matches_its_schema_and_the_traffic() {
    let ns = Netns::new();
    let script = format!(
        "{ip} link add nlmon-d0 type veth peer name nlmon-d1 && \
         {ip} addr add 10.9.0.1/24 dev nlmon-d0",
        ip = ip()
    );
    let out = traced_script_as(&ns, &["--json"], &script, None);
    assert!(out.status.success(), "{out:?}");
    let lines = json_lines(&out.stdout);
    assert_schema(&lines);
    let expected = [
        serde_json::json!({
            "process": {"comm": "ip"},
            "direction": "to_kernel",
            "message": {
                "type_name": "RTM_NEWADDR",
                "flag_names": ["request", "ack", "excl", "create"],
                "body": [{"name": "IFA_LOCAL", "value": "10.9.0.1"}, {"name": "ifa_prefixlen", "value": 24}]
            }
        }),
        serde_json::json!({
            "direction": "from_kernel",
            "message": {"type_name": "NLMSG_ERROR", "error": {"errno": 0}},
            "link": {"kind": "reply", "request": {"comm": "ip", "type_name": "RTM_NEWADDR"}}
        }),
        serde_json::json!({
            "message": {
                "type_name": "RTM_NEWLINK",
                "body": [{"name": "IFLA_IFNAME", "value": "nlmon-d0"},
                         {"name": "IFLA_LINKINFO", "children": [{"name": "IFLA_INFO_KIND", "value": "veth"}]}]
            }
        }),
    ];
    for e in &expected {
        assert!(
            lines.iter().any(|l| subset(e, l)),
            "no line contains {e}\nin:\n{}",
            lines
                .iter()
                .map(|l| l["message"].to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// Where the request a line links to is among the lines before it (the
/// same process, sequence number, type and send time); `None` for a line
/// without a link.
fn linked_request(lines: &[serde_json::Value], at: usize) -> Option<usize> {
    let r = &lines[at]["link"]["request"];
    if r.is_null() {
        return None;
    }
    let req = lines[..at].iter().rposition(|l| {
        l["direction"] == "to_kernel"
            && l["process"]["tgid"] == r["tgid"]
            && l["message"]["header"]["seq"] == r["seq"]
            && l["message"]["header"]["ty"] == r["type"]
            && l["mono_ns"] == r["mono_ns"]
    });
    Some(req.unwrap_or_else(|| {
        panic!(
            "line {at} links to a request not shown before it: {}",
            lines[at]
        )
    }))
}

/// Every line that links to a request: (its position, the request's).
/// Each request was sent before its answer arrived.
fn links(lines: &[serde_json::Value]) -> Vec<(usize, usize)> {
    let out: Vec<(usize, usize)> = (0..lines.len())
        .filter_map(|at| Some((at, linked_request(lines, at)?)))
        .collect();
    for &(at, req) in &out {
        let (sent, got) = (
            lines[req]["mono_ns"].as_u64(),
            lines[at]["mono_ns"].as_u64(),
        );
        assert!(sent < got, "answered before it was asked: {}", lines[at]);
        assert_eq!(lines[at]["link"]["kind"], "reply", "{}", lines[at]);
    }
    out
}

/// nft's batch messages share sequence numbers with its GETGEN requests;
/// each answer links to the request the kernel answered.
#[test]
fn nft_answers_link_to_what_they_answer() {
    let ns = Netns::new();
    // A table; the same table with NLM_F_EXCL, refused; a dump.
    let script = "nft add table inet nlmon_t; nft create table inet nlmon_t 2>/dev/null; \
                  nft list tables >/dev/null";
    let out = traced_script_as(&ns, &["--json"], script, None);
    assert!(out.status.success(), "{out:?}");
    let lines = json_lines(&out.stdout);
    assert_schema(&lines);
    let mut nfts: Vec<u64> = lines
        .iter()
        .filter_map(|l| l["process"]["tgid"].as_u64())
        .collect();
    nfts.dedup();
    assert_eq!(nfts.len(), 3, "three nft processes: {nfts:?}");
    let ty = |at: usize| lines[at]["message"]["header"]["ty"].as_u64();
    let name = |at: usize| lines[at]["message"]["type_name"].as_str().unwrap_or("");
    let links = links(&lines);
    let answering = |f: &dyn Fn(usize) -> bool| -> Vec<(usize, usize)> {
        links.iter().copied().filter(|&(at, _)| f(at)).collect()
    };

    // NFT_MSG_NEWGEN (0xa0f) answers NFT_MSG_GETGEN (0xa10): every one,
    // each its own, though they share sequence number 0 with the batch.
    let getgens: Vec<usize> = (0..lines.len()).filter(|&i| ty(i) == Some(0xa10)).collect();
    let newgens = answering(&|at| ty(at) == Some(0xa0f));
    assert_eq!(
        newgens.iter().map(|l| l.1).collect::<Vec<_>>(),
        getgens,
        "{links:?}"
    );
    assert!(
        newgens
            .iter()
            .all(|&(at, req)| lines[at]["process"]["tgid"] == lines[req]["process"]["tgid"])
    );
    for nft in &nfts {
        assert!(
            getgens.iter().any(|&r| lines[r]["process"]["tgid"] == *nft),
            "nft[{nft}] asked"
        );
    }

    // The batch asked for no acks: the only error answers the refused
    // NFT_MSG_NEWTABLE (with NLM_F_EXCL) of the second nft, not the
    // batch's begin.
    let errors = answering(&|at| name(at) == "NLMSG_ERROR");
    assert_eq!(errors.len(), 1, "{links:?}");
    let (err, req) = errors[0];
    assert_eq!(
        lines[err]["message"]["error"]["errno"], 17,
        "{}",
        lines[err]
    );
    assert_eq!(name(req), "NFT_MSG_NEWTABLE");
    assert_eq!(lines[req]["process"]["tgid"], nfts[1]);
    assert!(
        lines[req]["message"]["flag_names"]
            .as_array()
            .is_some_and(|f| f.contains(&serde_json::json!("excl"))),
        "{}",
        lines[req]
    );

    // nft asks for one dump at a time (tables, chains, sets, ...): the
    // parts and the end of each answer the dump sent last.
    let dumps = answering(&|at| lines[at]["message"]["header"]["flags"].as_u64() == Some(2));
    assert!(dumps.len() >= 2, "{links:?}");
    for &(at, req) in &dumps {
        let flags = lines[req]["message"]["header"]["flags"]
            .as_u64()
            .unwrap_or(0);
        assert_eq!(flags & 0x300, 0x300, "a dump: {}", lines[req]);
        let last = lines[..at].iter().rposition(|l| {
            l["direction"] == "to_kernel" && l["process"]["tgid"] == lines[at]["process"]["tgid"]
        });
        assert_eq!(last, Some(req), "{}", lines[at]);
    }
    let table = dumps
        .iter()
        .find(|&&(at, _)| ty(at) == Some(0xa00))
        .expect("the table in the dump");
    assert_eq!(name(table.1), "NFT_MSG_GETTABLE");
    assert!(
        lines[table.0]["message"]["body"]
            .to_string()
            .contains("\"nlmon_t\""),
        "{}",
        lines[table.0]
    );

    // And nothing else is answered.
    assert_eq!(
        links.len(),
        newgens.len() + errors.len() + dumps.len(),
        "{links:?}"
    );
    for (at, req) in &links {
        assert!(
            !name(*req).starts_with("NFT_MSG_BATCH_"),
            "{} answers a batch marker",
            lines[*at]
        );
    }
}

/// A program sends three RTM_GETLINK requests with one sequence number
/// before reading any answer: each reply and each ack links to its own
/// request, oldest first.
#[test]
fn pipelined_requests_with_one_seq_are_answered_in_order() {
    let ns = Netns::new();
    let script = format!(
        "echo go | {testgen} pipelined {ns} >/dev/null",
        testgen = env!("CARGO_BIN_EXE_nlmon-testgen"),
        ns = ns.path()
    );
    let out = traced_script_as(&ns, &["--json"], &script, None);
    assert!(out.status.success(), "{out:?}");
    let lines = json_lines(&out.stdout);
    assert_schema(&lines);
    let requests: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i]["direction"] == "to_kernel")
        .collect();
    assert_eq!(requests.len(), 3, "{lines:?}");
    for &r in &requests {
        assert_eq!(lines[r]["message"]["type_name"], "RTM_GETLINK");
        assert_eq!(lines[r]["message"]["header"]["seq"], 70);
    }
    // The kernel answers each in turn: lo, then the ack.
    let answers: Vec<(&str, usize)> = links(&lines)
        .into_iter()
        .map(|(at, req)| {
            (
                lines[at]["message"]["type_name"].as_str().unwrap_or(""),
                req,
            )
        })
        .collect();
    let expected: Vec<(&str, usize)> = requests
        .iter()
        .flat_map(|&r| [("RTM_NEWLINK", r), ("NLMSG_ERROR", r)])
        .collect();
    assert_eq!(answers, expected);
    assert_eq!(
        lines.len(),
        requests.len() + answers.len(),
        "every answer linked: {lines:?}"
    );
    for l in lines
        .iter()
        .filter(|l| l["message"]["type_name"] == "NLMSG_ERROR")
    {
        assert_eq!(l["message"]["error"]["errno"], 0, "an ack: {l}");
    }
}

#[test]
fn errors_shows_failed_requests_with_extack() {
    let ns = Netns::new();
    // No route to the gateway in the fresh namespace: the kernel refuses
    // with ENETUNREACH and says why in an extended ack.
    let script = format!(
        "{ip} route add 10.0.0.0/24 via 192.0.2.1; {ip} link show lo >/dev/null",
        ip = ip()
    );
    let out = traced_script_as(&ns, &["--errors", "--color", "never"], &script, None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the script's last command succeeds"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("error=ENETUNREACH"))
        .unwrap_or_else(|| panic!("no ENETUNREACH in:\n{text}"));
    let err = lines[at];
    assert!(err.contains("msg=\"Nexthop has invalid gateway\""), "{err}");
    assert!(err.contains("FAILED (Network is unreachable"), "{err}");
    assert!(err.contains("(answers RTM_NEWROUTE seq="), "{err}");
    assert!(at > 0 && lines[at - 1].contains("→ route RTM_NEWROUTE request,ack,excl,create"));
    // Only failures and their requests: no dump of lo, no acks.
    assert!(!text.contains("RTM_GETLINK request,"), "{text}");
    assert!(!text.contains(" ack "), "{text}");
    for pair in lines.chunks(2) {
        assert!(pair[0].contains(" → "), "request first: {pair:?}");
        assert!(
            pair[1].contains(" ← ") && pair[1].contains("FAILED"),
            "{pair:?}"
        );
    }
}

/// A program that never set NETLINK_EXT_ACK gets a bare EINVAL for an MTU
/// above a veth's maximum; nlmon shows the kernel's reason (from the
/// `netlink:netlink_extack` tracepoint) on the error line as if it had
/// asked, in text and JSON. A program that asked (iproute2) has it from the
/// reply, once.
#[test]
fn failure_explained_for_a_program_that_did_not_ask() {
    let ns = Netns::new();
    run(Command::new(ip()).args([
        "-n", &ns.name, "link", "add", "nlmon-x0", "type", "veth", "peer", "name", "nlmon-x1",
    ]));
    let why = "mtu greater than device maximum";
    let script = format!(
        // Its own report of what it sent goes away: stdout is nlmon's.
        "echo go | {testgen} mtu {ns} nlmon-x0 >/dev/null",
        testgen = env!("CARGO_BIN_EXE_nlmon-testgen"),
        ns = ns.path()
    );

    let out = traced_script_as(&ns, &["--color", "never"], &script, None);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    let err = text
        .lines()
        .find(|l| l.contains("NLMSG_ERROR"))
        .unwrap_or_else(|| panic!("no error reply in:\n{text}"));
    assert!(err.contains("error=EINVAL"), "{err}");
    assert!(err.contains(&format!("msg=\"{why}\"")), "{err}");
    assert!(
        err.contains(&format!("FAILED (Invalid argument: {why})")),
        "{err}"
    );
    assert!(err.contains("(answers RTM_SETLINK seq=60"), "{err}");
    assert_eq!(
        text.matches(why).count(),
        2,
        "on the error line only:\n{text}"
    );
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.contains(": 1: 1 added to error replies, 0 already in the reply"),
        "the exit summary counts the reason: {summary}"
    );

    let out = traced_script_as(&ns, &["--json"], &script, None);
    assert!(out.status.success(), "{out:?}");
    let lines = json_lines(&out.stdout);
    assert_schema(&lines);
    let errors: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["message"]["type_name"] == "NLMSG_ERROR")
        .map(|l| &l["message"]["error"])
        .collect();
    assert_eq!(errors.len(), 1, "{lines:?}");
    assert_eq!(errors[0]["errno"], 22);
    assert_eq!(errors[0]["message"], why);
    assert_eq!(errors[0]["message_source"], "tracepoint");
    assert!(lines.iter().all(|l| l["kind"] == "message"), "{lines:?}");

    // iproute2 asks: the reply's own text, not repeated, no source field.
    let script = format!("{} route add 10.0.0.0/24 via 192.0.2.1; true", ip());
    let out = traced_script_as(&ns, &["--json", "--errors"], &script, None);
    let lines = json_lines(&out.stdout);
    assert_schema(&lines);
    let error = lines
        .iter()
        .map(|l| &l["message"]["error"])
        .find(|e| e["errno"] == 101)
        .unwrap_or_else(|| panic!("no ENETUNREACH in {lines:?}"));
    assert_eq!(error["message"], "Nexthop has invalid gateway");
    assert!(error.get("message_source").is_none(), "{error}");
}

#[test]
fn notification_names_the_process_that_caused_it() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ns = Netns::new();
    run(Command::new(ip()).args([
        "-n", &ns.name, "link", "add", "nlmon-n0", "type", "veth", "peer", "name", "nlmon-n1",
    ]));
    let (mut nlmon, _err) = start(&["--comm", "ip", "--json", "--netns", &ns.path()]);
    let mut stdout = nlmon.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).expect("stdout");
        text
    });
    // A listener subscribed to RTNLGRP_IPV4_IFADDR in the namespace. (Link
    // notifications are not stamped with the requester's port id; address
    // notifications are: rtmsg_ifa() passes the request's portid and seq.)
    let mut monitor = Command::new(ip())
        .args(["-n", &ns.name, "monitor", "address"])
        .stdout(Stdio::null())
        .spawn()
        .expect("ip monitor");
    std::thread::sleep(Duration::from_millis(500));
    let add = Command::new(ip())
        .args([
            "-n",
            &ns.name,
            "addr",
            "add",
            "10.8.0.1/24",
            "dev",
            "nlmon-n0",
        ])
        .spawn()
        .expect("ip addr add");
    let adder = add.id();
    let out = add.wait_with_output().expect("wait");
    assert!(out.status.success());
    std::thread::sleep(Duration::from_millis(500));
    let _ = monitor.kill();
    let _ = monitor.wait();
    signal(&nlmon, libc::SIGINT);
    assert!(nlmon.wait().expect("wait").success());
    let lines = json_lines(reader.join().expect("reader").as_bytes());
    let caused: Vec<_> = lines
        .iter()
        .filter(|l| l["process"]["tgid"] == monitor.id() && l["link"]["kind"] == "caused")
        .collect();
    assert!(!caused.is_empty(), "{lines:?}");
    assert!(
        caused.iter().all(|l| l["link"]["request"]["tgid"] == adder),
        "{caused:?}"
    );
    assert!(
        caused
            .iter()
            .any(|l| l["message"]["type_name"] == "RTM_NEWADDR"
                && l["link"]["request"]["type_name"] == "RTM_NEWADDR"),
        "{caused:?}"
    );
}

#[test]
fn text_lines_name_the_cause_and_resolve_interfaces() {
    let ns = Netns::new();
    // A subshell listens while ip adds an address: the monitor's line says
    // which ip caused it, with the interface index resolved to its name.
    let script = format!(
        "{ip} monitor address >/dev/null & m=$!; sleep 0.3; \
         {ip} link add nlmon-t0 type veth peer name nlmon-t1; \
         {ip} addr add 10.7.0.1/24 dev nlmon-t0; sleep 0.3; kill $m",
        ip = ip()
    );
    let out = traced_script_as(&ns, &["--color", "never"], &script, None);
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("← route RTM_NEWADDR") && l.contains("caused by ip["))
        .unwrap_or_else(|| panic!("no caused-by line in:\n{text}"));
    assert!(line.contains("(nlmon-t0)"), "{line}");
    assert!(line.contains("IFA_LOCAL=10.7.0.1"), "{line}");
}

#[test]
fn unknown_type_names_are_refused_with_a_hint() {
    let out = nlmon()
        .args(["--type", "RTM_NEWLNK"])
        .output()
        .expect("nlmon");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown message type \"RTM_NEWLNK\""), "{err}");
    assert!(
        err.contains("RTM_NEWLINK") && err.contains("--list-types"),
        "{err}"
    );
    let list = nlmon().arg("--list-types").output().expect("nlmon");
    let list = String::from_utf8_lossy(&list.stdout);
    for name in [
        "RTM_NEWLINK",
        "NLMSG_ERROR",
        "ethtool:ETHTOOL_MSG_LINKINFO_GET",
    ] {
        assert!(list.lines().any(|l| l == name), "{name} missing");
    }
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish"] {
        let out = nlmon()
            .args(["completions", shell])
            .output()
            .expect("nlmon");
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("comm") && text.contains("errors"),
            "{shell}: {text}"
        );
    }
    let out = nlmon().arg("man").output().expect("nlmon");
    assert!(out.status.success());
    let roff = String::from_utf8_lossy(&out.stdout);
    assert!(
        roff.starts_with(".ie") || roff.contains(".TH nlmon"),
        "{roff}"
    );
    assert!(
        roff.contains("Exit codes"),
        "the man page documents exit codes"
    );
    let out = nlmon()
        .args(["completions", "tcsh"])
        .output()
        .expect("nlmon");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn genl_filter_by_family_name() {
    if !std::path::Path::new("/usr/sbin/ethtool").exists() {
        panic!("ethtool missing: cargo xtask setup installs it");
    }
    let ns = Netns::new();
    let out = traced_script_as(
        &ns,
        &["--json", "--genl", "ethtool"],
        "/usr/sbin/ethtool lo >/dev/null 2>&1; true",
        None,
    );
    assert!(out.status.success(), "{out:?}");
    let lines = json_lines(&out.stdout);
    assert!(
        !lines.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Replies carry the family; acks and errors get their request's.
    assert!(
        lines.iter().all(|l| (l["message"]["family"] == "ethtool"
            || l["link"]["request"]["family"] == "ethtool")
            && l["socket"]["protocol"] == 16),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["message"]["type_name"] == "NLMSG_ERROR"),
        "ethtool asks for acks: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["message"]["type_name"] == "ETHTOOL_MSG_LINKSTATE_GET"),
        "{lines:?}"
    );
}
