use std::time::{Duration, SystemTime};

use super::{
    conflict::Config,
    sink::{ChangeSink, Collect},
    *,
};
use crate::{
    event::{Direction, sample},
    filter::Filter,
    pipeline::{PipelineOptions, Single},
};

/// `RTM_NEWADDR` (or DEL) for 10.0.0.1/24 on index 0x7fff_fff0 (no such
/// interface: its name stays unknown), request with ack, create, excl.
fn addr(ty: u16, seq: u32) -> Vec<u8> {
    let mut m = vec![0u8; 16];
    m.extend([2, 24, 0x80, 0]);
    m.extend(0x7fff_fff0u32.to_ne_bytes());
    m.extend(8u16.to_ne_bytes());
    m.extend(2u16.to_ne_bytes());
    m.extend([10, 0, 0, 1]);
    let len = m.len() as u32;
    m[..4].copy_from_slice(&len.to_ne_bytes());
    m[4..6].copy_from_slice(&ty.to_ne_bytes());
    m[6..8].copy_from_slice(&0x605u16.to_ne_bytes());
    m[8..12].copy_from_slice(&seq.to_ne_bytes());
    m
}

/// The kernel's answer to `req`: an ack (errno 0) or an error.
fn answer(req: &[u8], errno: i32, portid: u32) -> Vec<u8> {
    let mut m = vec![0u8; 16];
    m.extend((-errno).to_ne_bytes());
    m.extend(&req[..16]);
    let len = m.len() as u32;
    m[..4].copy_from_slice(&len.to_ne_bytes());
    m[4..6].copy_from_slice(&2u16.to_ne_bytes());
    m[6..8].copy_from_slice(&0x100u16.to_ne_bytes());
    m[8..12].copy_from_slice(&req[8..12]);
    m[12..16].copy_from_slice(&portid.to_ne_bytes());
    m
}

fn at(mut e: Event, secs: u64) -> Event {
    e.time = SystemTime::UNIX_EPOCH + Duration::from_secs(12 * 3600 + 3 * 60 + 44 + secs);
    e.mono_ns = secs * 1_000_000_000;
    e
}

/// A request and its answer, as two events of `comm[tgid]`.
fn exchange(comm: &str, tgid: u32, ty: u16, seq: u32, errno: i32, t: u64) -> [Event; 2] {
    let req = addr(ty, seq);
    let mut ack = sample(comm, tgid, tgid, answer(&req, errno, tgid));
    ack.direction = Direction::FromKernel;
    [at(sample(comm, tgid, tgid, req), t), at(ack, t)]
}

fn run(events: &[Event]) -> Vec<Change> {
    let opts = PipelineOptions {
        changes: Some(Config::default()),
        ..PipelineOptions::default()
    };
    let mut p = Single::new(Filter::default(), opts, None);
    let mut sink = ChangeSink::new(Collect::default());
    p.process(events.to_vec(), &mut sink).unwrap();
    sink.out.0
}

#[test]
fn a_request_becomes_a_line_when_its_ack_comes() {
    let [req, ack] = exchange("ip", 4121, 20, 1, 0, 0);
    assert!(
        run(std::slice::from_ref(&req)).is_empty(),
        "no line before the ack"
    );
    let c = run(&[req, ack]);
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0].line(),
        "12:03:44 ip[4121] added address 10.0.0.1/24 dev if2147483632 (netns 1): ok"
    );
    assert_eq!(c[0].key, "10.0.0.1/24 dev if2147483632");
    assert_eq!(c[0].ifname.as_deref(), Some("if2147483632"));
}

#[test]
fn a_failure_says_its_errno() {
    let c = run(&exchange("ip", 4130, 20, 2, 17, 0));
    assert_eq!(
        c[0].line(),
        "12:03:44 ip[4130] added address 10.0.0.1/24 dev if2147483632 (netns 1): failed: EEXIST"
    );
    assert_eq!(c[0].result.word(), "failed");
}

#[test]
fn writers_taking_turns_are_a_conflict_reported_once_per_window() {
    let mut events = Vec::new();
    for i in 0..8u32 {
        let (comm, ty) = if i % 2 == 0 {
            ("ip", 20)
        } else {
            ("busybox", 21)
        };
        events.extend(exchange(comm, 100 + i % 2, ty, i + 1, 0, u64::from(i)));
    }
    let c = run(&events);
    assert_eq!(c.len(), 8);
    let marked: Vec<bool> = c.iter().map(|c| c.conflict.is_some()).collect();
    assert_eq!(marked, [false, false, false, true, true, true, true, true]);
    let first: Vec<bool> = c
        .iter()
        .map(|c| c.conflict.as_ref().is_some_and(|e| e.first))
        .collect();
    assert_eq!(first.iter().filter(|f| **f).count(), 1, "{first:?}");
    let e = c[3].conflict.as_ref().unwrap();
    assert_eq!(e.count, 4);
    assert_eq!(e.writers.len(), 2);
    assert!(
        c[3].line()
            .ends_with("[CONFLICT: 4 changes by busybox ×2, ip ×2]"),
        "{}",
        c[3].line()
    );
    // One writer alone is never a conflict.
    let mut alone = Vec::new();
    for i in 0..6u32 {
        alone.extend(exchange(
            "ip",
            100,
            20 + (i % 2) as u16,
            i + 1,
            0,
            u64::from(i),
        ));
    }
    assert!(run(&alone).iter().all(|c| c.conflict.is_none()));
}

#[test]
fn a_new_window_reports_again() {
    let mut d = conflict::Detector::new(Config {
        min_changes: 2,
        min_writers: 2,
        window: Duration::from_secs(10),
    });
    let mut events = Vec::new();
    for (i, t) in [0u64, 1, 30, 31].iter().enumerate() {
        let comm = if i % 2 == 0 { "a" } else { "b" };
        events.extend(exchange(comm, 1 + i as u32, 20, i as u32 + 1, 0, *t));
    }
    let firsts: Vec<bool> = run(&events)
        .iter()
        .map(|c| d.note(c).is_some_and(|e| e.first))
        .collect();
    assert_eq!(firsts, [false, true, false, true]);
}

/// The decoded events of `events`, with the changes they complete.
fn decoded(events: &[Event]) -> Vec<crate::pipeline::Decoded> {
    let opts = PipelineOptions {
        changes: Some(Config::default()),
        ..PipelineOptions::default()
    };
    crate::pipeline::Pipeline::new(opts).decode_batch(
        events.to_vec(),
        crate::pipeline::Detail::Tree,
        None,
    )
}

#[test]
fn the_json_line_of_an_ack_carries_its_change_and_reads_back() {
    let d = decoded(&exchange("ip", 4121, 20, 1, 0, 0));
    let mut lines = Vec::new();
    for d in &d {
        crate::json::write_lines(&mut lines, &d.ev, &d.msgs).unwrap();
    }
    let lines: Vec<serde_json::Value> = lines
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].get("change").is_none(), "the request waits");
    let c = &lines[1]["change"];
    assert_eq!(c["kind"], "address");
    assert_eq!(c["result"]["status"], "ok");
    let back = Change::from_json(c.to_string().as_bytes()).unwrap();
    assert_eq!(
        back.line(),
        run(&exchange("ip", 4121, 20, 1, 0, 0))[0].line()
    );
    assert!(Change::from_json(br#"{"kind":"spaceship"}"#).is_err());
}

#[test]
fn the_journal_has_an_entry_per_change_and_one_warning_per_conflict() {
    let mut events = Vec::new();
    for i in 0..6u32 {
        let (comm, ty) = if i % 2 == 0 {
            ("ip", 20)
        } else {
            ("busybox", 21)
        };
        events.extend(exchange(comm, 100 + i % 2, ty, i + 1, 0, u64::from(i)));
    }
    let fields = |e: &[u8]| -> Vec<(String, String)> {
        String::from_utf8_lossy(e)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    };
    let get =
        |f: &[(String, String)], k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let mut changes = Vec::new();
    let mut warnings = Vec::new();
    for d in decoded(&events) {
        for e in crate::daemon::journal::entries(&d.ev, &d.msgs) {
            let f = fields(&e);
            if get(&f, "NLMON_RECORD").as_deref() == Some("change") {
                changes.push(f);
            } else if get(&f, "NLMON_CONFLICT").is_some() {
                warnings.push(f);
            }
        }
    }
    assert_eq!(changes.len(), 6);
    let c = &changes[1];
    assert_eq!(get(c, "NLMON_OBJECT").as_deref(), Some("address"));
    assert_eq!(get(c, "NLMON_ACTION").as_deref(), Some("deleted"));
    assert_eq!(
        get(c, "NLMON_KEY").as_deref(),
        Some("10.0.0.1/24 dev if2147483632")
    );
    assert_eq!(get(c, "NLMON_IFNAME").as_deref(), Some("if2147483632"));
    assert_eq!(get(c, "NLMON_RESULT").as_deref(), Some("ok"));
    assert_eq!(get(c, "NLMON_COMM").as_deref(), Some("busybox"));
    assert_eq!(
        get(c, "MESSAGE").as_deref(),
        Some("busybox[101] deleted address 10.0.0.1/24 dev if2147483632 (netns 1): ok")
    );
    let json = get(c, "NLMON_CHANGE").unwrap();
    assert_eq!(Change::from_json(json.as_bytes()).unwrap().comm, "busybox");
    assert_eq!(warnings.len(), 1, "one warning per object per window");
    let w = &warnings[0];
    assert_eq!(get(w, "PRIORITY").as_deref(), Some("4"));
    assert_eq!(
        get(w, "MESSAGE").as_deref(),
        Some(
            "conflict: address 10.0.0.1/24 dev if2147483632 (netns 1): 4 changes by busybox ×2, ip ×2"
        )
    );
}
