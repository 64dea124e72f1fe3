//! Privileged capture tests: real traffic from real tools and from
//! `nlmon-testgen`, inside network namespaces created and removed here,
//! compared with what nlmon captured. They need root (or CAP_BPF +
//! CAP_PERFMON); `NLMON_TEST_ATTACH` picks the attach mode (default auto),
//! so the same binary runs in the kernel-matrix VMs.

use std::{
    collections::HashMap,
    io::Write,
    process::{Child, Command, Stdio},
    sync::{Mutex, MutexGuard, OnceLock},
    time::Duration,
};

use nlmon::{
    capture::{Capture, Options},
    event::{Direction, Event, Hook, Kind},
};
use nlmon_common::nlmsg::{Frame, frames};

mod common;
use common::{Netns, attach_mode, ip, run};

/// A capture that follows only the pids a test gives it.
fn capture() -> Capture {
    capture_with(Options {
        pid_filter: true,
        ..Options::default()
    })
}

/// The capture shared by the tests that follow their own pids: attaching
/// is slow under the VMs' emulation (fentry trampolines, kprobe text
/// patching), and one pid-filtered capture serves them all.
struct Shared {
    cap: Capture,
    /// Drained events not yet claimed, by tgid.
    by_pid: HashMap<u32, Vec<Event>>,
}

fn shared() -> MutexGuard<'static, Shared> {
    static SHARED: OnceLock<Mutex<Shared>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            Mutex::new(Shared {
                cap: capture(),
                by_pid: HashMap::new(),
            })
        })
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Runs a gated workload under the shared capture.
fn traced(program: &str, args: &[&str]) -> (u32, std::process::Output) {
    gated(
        |pid| shared().cap.add_pid(pid).expect("add pid"),
        program,
        args,
    )
}

/// The messages the shared capture saw of `pid` (without the kernel's
/// extack texts: see [`events_and_reasons_of`]).
fn events_of(pid: u32) -> Vec<Event> {
    events_and_reasons_of(pid).0
}

/// Everything the shared capture saw of `pid`: messages, and apart the
/// kernel's extack texts ([`Kind::Extack`]), which are not traffic. Records
/// are in the ring before the syscall returns, so once the process has
/// exited one drain holds all of them; other tests' events wait in `by_pid`.
fn events_and_reasons_of(pid: u32) -> (Vec<Event>, Vec<Event>) {
    let mut s = shared();
    let mut all = Vec::new();
    s.cap.drain(&mut all);
    let c = s.cap.counters();
    assert_eq!(c.lost, 0, "records lost: {c:?}");
    assert_eq!(s.cap.bad_records, 0);
    for e in all {
        s.by_pid.entry(e.process.tgid).or_default().push(e);
    }
    s.by_pid
        .remove(&pid)
        .unwrap_or_default()
        .into_iter()
        .partition(|e| e.kind != Kind::Extack)
}

fn capture_with(opts: Options) -> Capture {
    let opts = Options {
        attach: attach_mode(),
        ..opts
    };
    Capture::start(&opts).unwrap_or_else(|e| panic!("starting the capture (are you root?): {e:#}"))
}

/// The traffic generator: beside the test binary in the VM images, else
/// the one cargo built.
fn testgen_path() -> String {
    std::env::var("NLMON_TESTGEN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_nlmon-testgen").into())
}

/// Starts `cmd` held at a gate (`sh` waiting for a line), has `follow`
/// add its pid to a capture's filter, opens the gate, and waits for it. The
/// process keeps its pid through `exec`, so nothing it does escapes.
fn gated(follow: impl FnOnce(u32), program: &str, args: &[&str]) -> (u32, std::process::Output) {
    let mut child: Child = Command::new("sh")
        .arg("-c")
        .arg("read _go && exec \"$@\"")
        .arg("sh")
        .arg(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    follow(pid);
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"go\n")
        .expect("open the gate");
    let out = child.wait_with_output().expect("wait");
    (pid, out)
}

/// One operation the generator reports.
#[derive(Debug, serde::Deserialize)]
struct Op {
    op: String,
    hook: String,
    protocol: u32,
    portid: u32,
    hex: String,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Runs a testgen scenario and checks that nlmon captured exactly what it
/// sent and received, in order, once each, with the right attribution.
fn testgen(scenario: &str, ns: &Netns) -> Vec<Event> {
    testgen_with(scenario, ns, &[]).0
}

/// [`testgen`] with more arguments for the scenario; also returns the
/// kernel's extack texts captured for the generator.
fn testgen_with(scenario: &str, ns: &Netns, more: &[&str]) -> (Vec<Event>, Vec<Event>) {
    let path = ns.path();
    let mut args = vec![scenario, &path];
    args.extend_from_slice(more);
    let (pid, out) = traced(&testgen_path(), &args);
    assert!(
        out.status.success(),
        "testgen {scenario}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ops: Vec<Op> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("testgen output"))
        .collect();
    let (evs, reasons) = events_and_reasons_of(pid);
    let got: Vec<String> = evs
        .iter()
        .map(|e| {
            format!(
                "{:?} {:?} proto={} port={} {}",
                e.kind,
                e.direction,
                e.socket.protocol,
                e.socket.portid,
                hex(&e.data)
            )
        })
        .collect();
    let want: Vec<String> = ops
        .iter()
        .map(|o| {
            let (kind, dir) = match o.op.as_str() {
                "send" => (Kind::Message, Direction::ToKernel),
                "recv" => (Kind::Message, Direction::FromKernel),
                _ => (Kind::Overrun, Direction::FromKernel),
            };
            format!(
                "{kind:?} {dir:?} proto={} port={} {}",
                o.protocol, o.portid, o.hex
            )
        })
        .collect();
    assert_eq!(got, want, "captured events differ from what {scenario} did");
    let kernel_mode = matches!(
        evs.first().map(|e| e.hook),
        Some(Hook::NetlinkSendmsg | Hook::NetlinkRecvmsg)
    );
    for (e, o) in evs.iter().zip(&ops) {
        assert_eq!(e.process.comm, "nlmon-testgen");
        assert_eq!(e.socket.netns, ns.inode(), "network namespace");
        assert!(!e.truncation.any(), "{e:?}");
        if !kernel_mode {
            assert_eq!(format!("{:?}", e.hook).to_lowercase(), o.hook, "hook");
        }
        if e.kind == Kind::Message {
            assert_eq!(e.len as usize, e.data.len());
        }
    }
    (evs, reasons)
}

#[test]
fn sendmsg_with_three_iovecs_and_peeks() {
    let ns = Netns::new();
    let evs = testgen("iov", &ns);
    // The second exchange is an ENODEV error for a missing interface.
    let last = &evs[3].data;
    let Some(Frame::Msg { hdr, payload, .. }) = frames(last).next() else {
        panic!("{last:?}")
    };
    assert_eq!(hdr.ty, 2, "NLMSG_ERROR");
    assert_eq!(
        i32::from_ne_bytes(payload[..4].try_into().unwrap()),
        -19,
        "ENODEV"
    );
}

#[test]
fn one_iovec_per_byte() {
    let ns = Netns::new();
    let evs = testgen("manyiov", &ns);
    assert!(evs[1].data.len() > 64 * 10, "the reply spans many iovecs");
}

#[test]
fn sendmmsg_and_recvmmsg() {
    let ns = Netns::new();
    let evs = testgen("mmsg", &ns);
    let idx: Vec<u32> = evs.iter().map(|e| e.msg_index).collect();
    if matches!(evs[0].hook, Hook::Sendmmsg) {
        assert_eq!(idx, [0, 1, 2, 0, 1, 2]);
    }
}

#[test]
fn write_and_read() {
    let ns = Netns::new();
    testgen("rw", &ns);
}

#[test]
fn dump_of_more_than_20k() {
    let ns = Netns::new();
    let batch: String = (0..400)
        .map(|i| format!("address add 10.9.{}.{}/32 dev lo\n", i / 250, i % 250 + 1))
        .collect();
    let file = std::env::temp_dir().join(format!("{}.batch", ns.name));
    std::fs::write(&file, batch).expect("write batch");
    run(Command::new(ip())
        .args(["-n", &ns.name, "-batch"])
        .arg(&file));
    let _ = std::fs::remove_file(&file);
    let evs = testgen("dump", &ns);
    let biggest = evs.iter().map(|e| e.data.len()).max().unwrap_or(0);
    assert!(biggest > 16384, "largest receive was {biggest} bytes");
    let messages: usize = evs.iter().map(|e| frames(&e.data).count()).sum();
    assert!(messages > 400, "{messages} messages in the dump");
}

#[test]
fn overrun_is_an_event() {
    let ns = Netns::new();
    let evs = testgen("overrun", &ns);
    let last = evs.last().expect("events");
    assert_eq!(last.kind, Kind::Overrun);
    assert_eq!(last.errno, Some(105));
}

/// A program that never set NETLINK_EXT_ACK asks for an MTU above a veth's
/// maximum: the reply is a bare EINVAL, and the kernel's reason comes from
/// the `netlink:netlink_extack` tracepoint, on the sending thread, between
/// the call's start and its record; the pipeline puts it on the error line.
#[test]
fn reason_for_a_failure_the_program_did_not_ask_about() {
    let ns = Netns::new();
    run(Command::new(ip()).args([
        "-n", &ns.name, "link", "add", "nlmon-m0", "type", "veth", "peer", "name", "nlmon-m1",
    ]));
    let (evs, reasons) = testgen_with("mtu", &ns, &["nlmon-m0"]);
    let why = "mtu greater than device maximum";
    let texts: Vec<String> = reasons
        .iter()
        .map(|r| String::from_utf8_lossy(&r.data).into_owned())
        .collect();
    assert_eq!(texts, [why], "the tracepoint's texts");
    let (reason, send) = (&reasons[0], &evs[0]);
    assert_eq!(reason.hook, Hook::Extack);
    assert_eq!(reason.process.comm, "nlmon-testgen");
    assert_eq!(reason.process.tid, send.process.tid, "the sending thread");
    assert_eq!(reason.process.cgroup_id, send.process.cgroup_id);
    assert!(
        reason.mono_ns <= send.mono_ns,
        "inside the send: {reason:?} {send:?}"
    );
    assert_eq!(reason.len as usize, why.len());

    let mut all = reasons.clone();
    all.extend(evs);
    let (text, p) = through(all, &mut |out| {
        Box::new(nlmon::text::TextSink::new(
            out,
            nlmon::text::TextOptions::default(),
        ))
    });
    let lines: Vec<&str> = text.lines().collect();
    let failed: Vec<&&str> = lines.iter().filter(|l| l.contains("NLMSG_ERROR")).collect();
    assert_eq!(failed.len(), 1, "{lines:?}");
    assert!(
        failed[0].contains(&format!("msg=\"{why}\"")),
        "{}",
        failed[0]
    );
    assert!(
        failed[0].contains(&format!("FAILED (Invalid argument: {why})")),
        "{}",
        failed[0]
    );
    assert_eq!(p.pipeline.reasons.counts.added, 1);
}

/// A raw nf_tables batch whose rule refers to a counter that does not
/// exist, on a socket with NETLINK_EXT_ACK and NETLINK_CAP_ACK: the kernel
/// answers ENOENT with only an offset (`NL_SET_BAD_ATTR`) and echoes only
/// the rule's header. The pipeline names the attribute from the captured
/// request it links the error to, on the text line and in JSON.
#[test]
fn an_extack_offset_alone_names_its_attribute_from_the_linked_request() {
    let ns = Netns::new();
    let evs = testgen("badattr", &ns);
    let path = "NFTA_RULE_EXPRESSIONS/NFTA_LIST_ELEM";
    let decoded = nlmon::pipeline::Pipeline::new(nlmon::pipeline::PipelineOptions::default())
        .decode_batch(evs.clone(), nlmon::pipeline::Detail::Line, None);
    let errors: Vec<&nlmon::pipeline::Shown> = decoded
        .iter()
        .flat_map(|d| &d.msgs)
        .filter(|s| s.message.error.as_ref().is_some_and(|e| e.errno != 0))
        .collect();
    assert_eq!(errors.len(), 1, "{decoded:?}");
    let e = errors[0].message.error.as_ref().unwrap();
    assert_eq!(
        (e.errno, e.message.as_deref(), e.offset),
        (2, None, Some(40))
    );
    assert!(
        e.request.as_ref().is_some_and(|r| r.body.is_empty()),
        "the echo is capped: {e:?}"
    );
    assert_eq!(e.offending.as_deref(), Some(path));

    let (text, _) = through(evs.clone(), &mut |out| {
        Box::new(nlmon::text::TextSink::new(
            out,
            nlmon::text::TextOptions::default(),
        ))
    });
    let failed: Vec<&str> = text.lines().filter(|l| l.contains("NLMSG_ERROR")).collect();
    assert_eq!(failed.len(), 1, "{text}");
    assert!(failed[0].contains(&format!(" at={path} ")), "{}", failed[0]);

    let (json, _) = through(evs, &mut |out| Box::new(nlmon::json::JsonSink::new(out)));
    let errors: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["message"]["error"]["errno"] == 2)
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["message"]["error"]["offending"], path);
}

/// What `events` show through a fresh pipeline into the sink `make`
/// builds on the output, and the pipeline (for its counters).
fn through(
    events: Vec<Event>,
    make: &mut dyn FnMut(&mut Vec<u8>) -> Box<dyn nlmon::pipeline::Sink + '_>,
) -> (String, nlmon::pipeline::Single) {
    let mut p = nlmon::pipeline::Single::new(
        nlmon::filter::Filter::default(),
        nlmon::pipeline::PipelineOptions::default(),
        None,
    );
    let mut out = Vec::new();
    p.process(events, &mut *make(&mut out)).expect("pipeline");
    (String::from_utf8_lossy(&out).into_owned(), p)
}

/// The requests and replies of one `ip` command.
fn ip_events(ns: &Netns, args: &[&str]) -> Vec<Event> {
    let mut full = vec!["-n", &ns.name];
    full.extend_from_slice(args);
    let (pid, out) = traced(ip(), &full);
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let evs = events_of(pid);
    for e in &evs {
        assert_eq!(e.process.comm, "ip");
        assert_eq!(e.process.tgid, pid);
        assert_eq!(e.socket.netns, ns.inode(), "{e:?}");
        assert!(!e.truncation.any(), "{e:?}");
    }
    evs
}

/// (type, flags, seq) of every message sent to the kernel, and of every
/// message received from it.
fn messages(evs: &[Event], dir: Direction) -> Vec<(u16, u16, u32)> {
    evs.iter()
        .filter(|e| e.direction == dir && e.socket.protocol == 0)
        .flat_map(|e| frames(&e.data).collect::<Vec<_>>())
        .filter_map(|f| match f {
            Frame::Msg { hdr, .. } => Some((hdr.ty, hdr.flags, hdr.seq)),
            Frame::Bad { .. } => None,
        })
        .collect()
}

/// Whether a request carries an attribute with this payload (a string
/// attribute includes its NUL).
fn carries(evs: &[Event], ty: u16, needle: &[u8]) -> bool {
    evs.iter()
        .filter(|e| e.direction == Direction::ToKernel)
        .any(|e| {
            frames(&e.data).any(|f| {
                matches!(f, Frame::Msg { hdr, payload, .. } if hdr.ty == ty
                && payload.windows(needle.len()).any(|w| w == needle))
            })
        })
}

/// Every request that asked for an ack got an answer (NLMSG_ERROR with the
/// same seq), and a request of type `ty` succeeded (error 0). (iproute2
/// first sends a probe that the kernel refuses with ENODEV.)
fn acked(evs: &[Event], ty: u16) {
    let sent = messages(evs, Direction::ToKernel);
    let answers: Vec<(u32, i32)> = evs
        .iter()
        .filter(|e| e.direction == Direction::FromKernel)
        .flat_map(|e| frames(&e.data).collect::<Vec<_>>())
        .filter_map(|f| match f {
            Frame::Msg { hdr, payload, .. } if hdr.ty == 2 => {
                Some((hdr.seq, i32::from_ne_bytes(payload[..4].try_into().ok()?)))
            }
            _ => None,
        })
        .collect();
    for &(t, flags, seq) in &sent {
        if flags & 4 != 0 {
            assert!(
                answers.iter().any(|a| a.0 == seq),
                "no answer to type {t} seq {seq}: {answers:?}"
            );
        }
    }
    let ok = sent
        .iter()
        .any(|&(t, _, seq)| t == ty && answers.contains(&(seq, 0)));
    assert!(
        ok,
        "no request of type {ty} was acked: sent {sent:?}, answers {answers:?}"
    );
}

#[test]
fn ip_link_add_and_del() {
    let ns = Netns::new();
    let evs = ip_events(
        &ns,
        &[
            "link", "add", "nlt-a0", "type", "veth", "peer", "name", "nlt-b0",
        ],
    );
    let sent = messages(&evs, Direction::ToKernel);
    assert!(
        sent.iter()
            .any(|&(ty, flags, _)| ty == 16 && flags & 0x600 == 0x600),
        "RTM_NEWLINK excl|create: {sent:?}"
    );
    assert!(carries(&evs, 16, b"nlt-a0\0"));
    acked(&evs, 16);
    let evs = ip_events(&ns, &["link", "del", "nlt-a0"]);
    assert!(
        messages(&evs, Direction::ToKernel)
            .iter()
            .any(|&(ty, ..)| ty == 17),
        "RTM_DELLINK"
    );
    acked(&evs, 17);
}

#[test]
fn ip_addr_add() {
    let ns = Netns::new();
    let evs = ip_events(&ns, &["addr", "add", "10.7.0.1/24", "dev", "lo"]);
    assert!(
        carries(&evs, 20, &[10, 7, 0, 1]),
        "RTM_NEWADDR with 10.7.0.1"
    );
    acked(&evs, 20);
}

#[test]
fn ip_route_get() {
    let ns = Netns::new();
    run(Command::new(ip()).args(["-n", &ns.name, "addr", "add", "10.8.0.1/24", "dev", "lo"]));
    let evs = ip_events(&ns, &["route", "get", "10.8.0.7"]);
    assert!(
        messages(&evs, Direction::ToKernel)
            .iter()
            .any(|&(ty, ..)| ty == 26),
        "RTM_GETROUTE"
    );
    let replies = messages(&evs, Direction::FromKernel);
    assert!(
        replies.iter().any(|&(ty, ..)| ty == 24),
        "RTM_NEWROUTE reply: {replies:?}"
    );
    // iproute2 peeks before every read: no reply may appear twice.
    let mut seqs: Vec<_> = replies.iter().filter(|r| r.0 == 24).collect();
    let n = seqs.len();
    seqs.dedup();
    assert_eq!(seqs.len(), n, "duplicate replies: {replies:?}");
}

#[test]
fn ip_batch() {
    let ns = Netns::new();
    let file = std::env::temp_dir().join(format!("{}-b.batch", ns.name));
    std::fs::write(&file, "address add 10.6.0.1/24 dev lo\naddress add 10.6.1.1/24 dev lo\nroute add 10.5.0.0/16 via 10.6.0.2\n")
        .expect("write batch");
    let evs = ip_events(&ns, &["-batch", file.to_str().expect("utf-8 path")]);
    let _ = std::fs::remove_file(&file);
    let sent = messages(&evs, Direction::ToKernel);
    assert_eq!(
        sent.iter().filter(|m| m.0 == 20).count(),
        2,
        "two RTM_NEWADDR: {sent:?}"
    );
    assert_eq!(
        sent.iter().filter(|m| m.0 == 24).count(),
        1,
        "one RTM_NEWROUTE: {sent:?}"
    );
    acked(&evs, 20);
    acked(&evs, 24);
}

#[test]
fn other_processes_are_filtered_out_in_the_kernel() {
    let ns = Netns::new();
    let mut cap = capture();
    // Not added to the filter: nothing of it may be captured.
    run(Command::new(ip()).args(["-n", &ns.name, "link", "show"]));
    std::thread::sleep(Duration::from_millis(50));
    let mut all = Vec::new();
    cap.drain(&mut all);
    assert!(
        all.is_empty(),
        "captured unfiltered traffic: {:?}",
        all.first()
    );
}

#[test]
fn generic_netlink_dump() {
    let ns = Netns::new();
    let evs = testgen("genl", &ns);
    let names = evs
        .iter()
        .filter(|e| e.direction == Direction::FromKernel)
        .any(|e| e.data.windows(7).any(|w| w == b"nlctrl\0"));
    assert!(names, "the family dump names nlctrl");
}

#[test]
fn sock_diag_xfrm_and_netfilter() {
    let ns = Netns::new();
    let evs = testgen("families", &ns);
    let mut protocols: Vec<u32> = evs.iter().map(|e| e.socket.protocol).collect();
    protocols.dedup();
    assert_eq!(protocols, [4, 6, 12]);
}

#[test]
fn comm_filter_in_the_kernel() {
    let ns = Netns::new();
    let mut cap = capture_with(Options {
        comms: vec!["nlmon-testgen".into()],
        ..Options::default()
    });
    let (pid, out) = gated(|_| {}, &testgen_path(), &["rw", &ns.path()]);
    assert!(out.status.success());
    let mut all = Vec::new();
    cap.drain(&mut all);
    assert!(
        all.iter().all(|e| e.process.comm == "nlmon-testgen"),
        "{:?}",
        all.first()
    );
    assert_eq!(
        all.iter().filter(|e| e.process.tgid == pid).count(),
        2,
        "{all:?}"
    );
}

#[test]
fn family_filter_in_the_kernel() {
    let ns = Netns::new();
    let mut cap = capture_with(Options {
        pid_filter: true,
        protocols: vec![16],
        ..Options::default()
    });
    let (route_pid, out) = gated(
        |p| cap.add_pid(p).expect("add pid"),
        &testgen_path(),
        &["rw", &ns.path()],
    );
    assert!(out.status.success());
    let (genl_pid, out) = gated(
        |p| cap.add_pid(p).expect("add pid"),
        &testgen_path(),
        &["genl", &ns.path()],
    );
    assert!(out.status.success());
    let mut all = Vec::new();
    cap.drain(&mut all);
    assert!(
        all.iter().all(|e| e.socket.protocol == 16),
        "{:?}",
        all.first()
    );
    assert!(!all.iter().any(|e| e.process.tgid == route_pid));
    assert!(all.iter().filter(|e| e.process.tgid == genl_pid).count() >= 2);
}

/// One capture for three kernel-side features, since attaching costs
/// minutes under the VMs' emulation: following forks, and the direction
/// and network namespace filters.
#[test]
fn forks_followed_and_direction_and_netns_filtered_in_the_kernel() {
    let (ns, other) = (Netns::new(), Netns::new());
    let mut cap = capture_with(Options {
        pid_filter: true,
        follow_forks: true,
        dirs: vec![nlmon_common::DIR_SEND],
        netns: vec![ns.inode()],
        ..Options::default()
    });
    // The shell forks two generators in `ns` (the second through a
    // subshell) and one in `other`: none of them is in the filter until the
    // fork program puts it there.
    let t = testgen_path();
    let (shell, out) = gated(
        |p| cap.add_pid(p).expect("add pid"),
        "sh",
        &[
            "-c",
            "\"$0\" rw \"$1\" && ( \"$0\" rw \"$1\" ) && \"$0\" rw \"$2\" && echo done",
            &t,
            &ns.path(),
            &other.path(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let mut all = Vec::new();
    cap.drain(&mut all);
    let mut pids: Vec<u32> = all.iter().map(|e| e.process.tgid).collect();
    pids.sort_unstable();
    pids.dedup();
    // The generator in the other namespace sent too, but not from `ns`.
    assert_eq!(pids.len(), 2, "two generators in ns: {pids:?} {all:?}");
    assert!(!pids.contains(&shell));
    for pid in pids {
        let mine: Vec<_> = all.iter().filter(|e| e.process.tgid == pid).collect();
        // rw writes one request and reads one reply, from its very first
        // syscall on: only the write passes the direction filter.
        assert_eq!(mine.len(), 1, "{pid}: {all:?}");
        assert_eq!(mine[0].direction, Direction::ToKernel);
        assert_eq!(mine[0].socket.netns, ns.inode());
    }
    // All have exited: all leave the filter.
    assert_eq!(
        cap.filtered_pids().len(),
        4,
        "the shell and three generators"
    );
    cap.prune_exited();
    assert_eq!(cap.filtered_pids(), Vec::<u32>::new());
}

/// Sends one RTM_GETLINK from this very process and reads the answer.
fn own_netlink_traffic() {
    // SAFETY: plain syscalls on a socket closed before returning.
    unsafe {
        let fd = libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0);
        let mut req = [0u8; 32];
        req[0] = 32;
        req[4] = 18; // RTM_GETLINK
        req[6] = 1; // NLM_F_REQUEST
        req[20..24].copy_from_slice(&1i32.to_ne_bytes()); // lo
        assert_eq!(libc::send(fd, req.as_ptr().cast(), req.len(), 0), 32);
        let mut buf = [0u8; 8192];
        assert!(libc::recv(fd, buf.as_mut_ptr().cast(), buf.len(), 0) > 0);
        libc::close(fd);
    }
}

#[test]
fn nlmon_ignores_its_own_traffic() {
    let mut cap = capture_with(Options::default());
    own_netlink_traffic();
    let ns = Netns::new();
    let mut all = Vec::new();
    cap.drain(&mut all);
    let me = std::process::id();
    assert!(
        !all.iter().any(|e| e.process.tgid == me),
        "captured its own traffic"
    );
    // Unfiltered, the `ip netns add` and `ip link set lo up` above were seen.
    assert!(
        all.iter()
            .any(|e| e.process.comm == "ip" && e.socket.netns == ns.inode())
    );
}

/// An AF_PACKET socket on the kernel's nlmon tap device `dev` inside the
/// namespace (opened from a thread that enters it: the socket stays there).
fn tap_socket(ns: &Netns, dev: &str) -> std::os::fd::OwnedFd {
    use std::os::fd::{AsRawFd, FromRawFd};
    let path = ns.path();
    let dev = std::ffi::CString::new(dev).expect("device name");
    std::thread::spawn(move || {
        let f = std::fs::File::open(&path).expect("open netns");
        // SAFETY: setns/socket/bind on descriptors this thread owns.
        unsafe {
            assert_eq!(libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET), 0, "setns");
            let fd = libc::socket(
                libc::AF_PACKET,
                libc::SOCK_RAW,
                (libc::ETH_P_ALL as u16).to_be() as i32,
            );
            assert!(
                fd >= 0,
                "AF_PACKET socket: {}",
                std::io::Error::last_os_error()
            );
            let size: i32 = 16 << 20;
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_RCVBUFFORCE,
                (&raw const size).cast(),
                4,
            );
            let mut sll: libc::sockaddr_ll = std::mem::zeroed();
            sll.sll_family = libc::AF_PACKET as u16;
            sll.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
            sll.sll_ifindex = libc::if_nametoindex(dev.as_ptr()) as i32;
            assert!(sll.sll_ifindex > 0, "no tap device");
            let r = libc::bind(
                fd,
                (&raw const sll).cast(),
                size_of::<libc::sockaddr_ll>() as u32,
            );
            assert_eq!(r, 0, "bind: {}", std::io::Error::last_os_error());
            std::os::fd::OwnedFd::from_raw_fd(fd)
        }
    })
    .join()
    .expect("tap thread")
}

/// Every packet queued on the tap socket: (netlink protocol, bytes).
fn tap_packets(fd: &std::os::fd::OwnedFd) -> Vec<(u32, Vec<u8>)> {
    use std::os::fd::AsRawFd;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 1 << 17];
    loop {
        // SAFETY: recvfrom into live buffers.
        let (n, sll) = unsafe {
            let mut sll: libc::sockaddr_ll = std::mem::zeroed();
            let mut len = size_of::<libc::sockaddr_ll>() as u32;
            let n = libc::recvfrom(
                fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
                (&raw mut sll).cast(),
                &mut len,
            );
            (n, sll)
        };
        if n < 0 {
            return out;
        }
        out.push((
            u16::from_be(sll.sll_protocol) as u32,
            buf[..n as usize].to_vec(),
        ));
    }
}

/// Completeness against the kernel's own view: everything the nlmon tap
/// device saw in the namespace while the workloads ran was captured by nlmon
/// with identical bytes. The tap covers route, generic, netfilter,
/// sock_diag and xfrm, and only its own namespace, which here holds nothing
/// but the workloads.
#[test]
#[ignore = "needs the kernel's nlmon tap device (module nlmon): run by `cargo xtask vm-test`"]
fn complete_against_the_kernel_tap() {
    let ns = Netns::new();
    run(Command::new(ip()).args(["-n", &ns.name, "link", "add", "nltap0", "type", "nlmon"]));
    run(Command::new(ip()).args(["-n", &ns.name, "link", "set", "nltap0", "up"]));
    let tap = tap_socket(&ns, "nltap0");
    let mut pids = Vec::new();
    let workloads: [(&str, Vec<String>); 7] = [
        (
            ip(),
            [
                "-n", &ns.name, "link", "add", "nlt-c0", "type", "veth", "peer", "name", "nlt-d0",
            ]
            .map(String::from)
            .to_vec(),
        ),
        (
            ip(),
            ["-n", &ns.name, "addr", "add", "10.4.0.1/24", "dev", "lo"]
                .map(String::from)
                .to_vec(),
        ),
        (
            ip(),
            ["-n", &ns.name, "route", "get", "10.4.0.9"]
                .map(String::from)
                .to_vec(),
        ),
        (&testgen_path(), vec!["iov".into(), ns.path()]),
        (&testgen_path(), vec!["mmsg".into(), ns.path()]),
        (&testgen_path(), vec!["genl".into(), ns.path()]),
        (&testgen_path(), vec!["families".into(), ns.path()]),
    ];
    for (program, args) in &workloads {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (pid, out) = traced(program, &args);
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        pids.push(pid);
    }
    let mut captured: Vec<(u32, Vec<u8>)> = pids
        .iter()
        .flat_map(|&pid| events_of(pid))
        .map(|e| (e.socket.protocol, e.data))
        .collect();
    let total = captured.len();
    let seen = tap_packets(&tap);
    let mut families: Vec<u32> = seen.iter().map(|(p, _)| *p).collect();
    families.sort_unstable();
    families.dedup();
    assert_eq!(families, [0, 4, 6, 12, 16], "families the tap saw");
    let mut missing = Vec::new();
    for (proto, bytes) in &seen {
        match captured.iter().position(|(p, b)| p == proto && b == bytes) {
            Some(i) => {
                captured.swap_remove(i);
            }
            None => missing.push(format!("protocol {proto}: {}", hex(bytes))),
        }
    }
    println!(
        "nlmon-vm: tap: {} messages seen, {} captured by nlmon, {} missing",
        seen.len(),
        total,
        missing.len()
    );
    assert!(
        missing.is_empty(),
        "nlmon missed what the tap saw:\n{}",
        missing.join("\n")
    );
}

/// With a ring buffer too small for a burst, the records that did not fit
/// are counted exactly: captured + lost = what the process did.
#[test]
fn ring_buffer_overflow_is_counted_exactly() {
    let mut cap = capture_with(Options {
        pid_filter: true,
        ring_size: 4096,
        ..Options::default()
    });
    let (pid, out) = gated(
        |p| cap.add_pid(p).expect("add pid"),
        &testgen_path(),
        &["bench", "300"],
    );
    assert!(out.status.success());
    let mut all = Vec::new();
    cap.drain(&mut all);
    let c = cap.counters();
    assert!(c.lost > 0, "a 4 KiB ring held 600 records? {c:?}");
    assert_eq!(c.records + c.lost, 600, "{c:?}");
    assert_eq!(
        all.iter().filter(|e| e.process.tgid == pid).count() as u64,
        c.records
    );
}
