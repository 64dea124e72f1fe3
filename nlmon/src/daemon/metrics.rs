//! The daemon's counters for Prometheus, in the text exposition format,
//! as a file for node_exporter's textfile collector
//! (`/var/lib/prometheus/node-exporter/nlmon.prom` by default): messages
//! by family, type and direction, errors by errno, changes by process
//! name, and every loss counter of [`Status`]. The file is replaced
//! atomically (a temporary file in the same directory, then `rename`), so
//! the collector never reads half of it.
//!
//! Cardinality is bounded: changes are shown for the `top` processes with
//! the most, the rest summed as `process="other"`; message series beyond
//! [`MAX_SERIES`] (only unknown types can get there) are counted as
//! `type="other"`. A process that leaves the top N moves its count into
//! `other`, so one series can go down between scrapes; `rate()` treats
//! that as a counter reset.

use std::{
    collections::{BTreeMap, HashMap},
    fmt::Write as _,
    fs, io,
    os::unix::fs::PermissionsExt as _,
    path::Path,
    time::{Duration, Instant},
};

use nlmon_common::{decode::Message, nlmsg::NLMSG_ERROR};

use super::{config::MetricsConfig, sink::SinkCounts, status::Status};
use crate::{
    event::{Event, Kind},
    pipeline::{Detail, Shown, Sink},
    protocol,
};

/// Message series (family, type, direction) kept at most.
pub const MAX_SERIES: usize = 4096;
/// Process names whose changes are counted apart at most (beyond them,
/// straight into `other`).
const MAX_PROCESSES: usize = 4096;

/// What the metrics count from the decoded events.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Processes shown by name for changes.
    top: usize,
    messages: BTreeMap<(String, String, &'static str), u64>,
    /// By errno name and where the error was seen (`reply`: an
    /// `NLMSG_ERROR` from the kernel; `call`: a failed system call).
    errors: BTreeMap<(String, &'static str), u64>,
    changes: HashMap<String, u64>,
    /// Changes of processes beyond [`MAX_PROCESSES`].
    changes_other: u64,
}

impl Metrics {
    pub fn new(top: usize) -> Self {
        Self {
            top,
            ..Self::default()
        }
    }

    /// Counts an event's decoded messages.
    pub fn count<'a>(&mut self, ev: &Event, msgs: impl IntoIterator<Item = &'a Message>) {
        if ev.kind != Kind::Message {
            return;
        }
        if let Some(e) = ev.errno {
            *self.errors.entry((errno_name(e), "call")).or_default() += 1;
        }
        let family = protocol::name(ev.socket.protocol)
            .map_or_else(|| ev.socket.protocol.to_string(), str::to_owned);
        let dir = ev.direction.name();
        let mut changed = false;
        for m in msgs {
            let ty = m
                .type_name
                .map_or_else(|| m.header.ty.to_string(), str::to_owned);
            let key = (family.clone(), ty, dir);
            let n = self.messages.len();
            match self.messages.get_mut(&key) {
                Some(c) => *c += 1,
                None if n < MAX_SERIES => {
                    self.messages.insert(key, 1);
                }
                None => {
                    *self
                        .messages
                        .entry((family.clone(), "other".to_owned(), dir))
                        .or_default() += 1;
                }
            }
            if m.header.ty == NLMSG_ERROR
                && let Some(e) = m.error.as_ref().map(|e| e.errno).filter(|&e| e != 0)
            {
                *self.errors.entry((errno_name(e), "reply")).or_default() += 1;
            }
            changed |= ev.direction.is_send() && is_change(ev, m);
        }
        if changed {
            let n = self.changes.len();
            match self.changes.get_mut(&ev.process.comm) {
                Some(c) => *c += 1,
                None if n < MAX_PROCESSES => {
                    self.changes.insert(ev.process.comm.clone(), 1);
                }
                None => self.changes_other += 1,
            }
        }
    }

    /// The exposition text: these counters and the daemon's.
    pub fn render(&self, status: &Status) -> String {
        let plain = |v: u64| vec![(Vec::new(), v)];
        let per_sink = |f: fn(&SinkCounts) -> u64| {
            status
                .sinks
                .iter()
                .map(|k| (vec![("sink", k.name.clone())], f(k)))
                .collect::<Vec<_>>()
        };
        let sections: [Section; 18] = [
            (
                "messages_total",
                "counter",
                "Netlink messages captured, by netlink family, message type and direction.",
                self.messages
                    .iter()
                    .map(|((f, t, d), n)| {
                        let l = vec![
                            ("family", f.clone()),
                            ("type", t.clone()),
                            ("direction", (*d).to_owned()),
                        ];
                        (l, *n)
                    })
                    .collect(),
            ),
            (
                "errors_total",
                "counter",
                "Netlink errors by errno: error replies from the kernel (source=\"reply\") \
                 and failed netlink system calls (source=\"call\").",
                self.errors
                    .iter()
                    .map(|((e, s), n)| {
                        (vec![("errno", e.clone()), ("source", (*s).to_owned())], *n)
                    })
                    .collect(),
            ),
            (
                "changes_total",
                "counter",
                "Requests that change state, by process name (the processes with the most \
                 by name, the rest as \"other\").",
                self.top_changes()
                    .into_iter()
                    .map(|(p, n)| (vec![("process", p)], n))
                    .collect(),
            ),
            (
                "events_captured_total",
                "counter",
                "Events taken from the ring buffer.",
                plain(status.captured),
            ),
            (
                "events_recorded_total",
                "counter",
                "Events that passed the [filter] and went to the sinks.",
                plain(status.recorded),
            ),
            (
                "ring_lost_total",
                "counter",
                "Records lost because the ring buffer was full.",
                plain(status.ring_lost),
            ),
            (
                "mmsg_lost_total",
                "counter",
                "Messages of sendmmsg/recvmmsg calls beyond the per-call limit, not captured.",
                plain(status.mmsg_limit),
            ),
            (
                "pending_full_total",
                "counter",
                "Calls that could not be tracked from entry to exit.",
                plain(status.pending_full),
            ),
            (
                "unparsable_records_total",
                "counter",
                "Records from the kernel that did not parse.",
                plain(status.bad_records),
            ),
            (
                "client_skipped_total",
                "counter",
                "Events not sent to an attach client that read too slowly.",
                plain(status.client_skipped),
            ),
            (
                "clients_refused_total",
                "counter",
                "Attach connections refused.",
                plain(status.clients_refused),
            ),
            (
                "clients",
                "gauge",
                "Attach clients connected.",
                plain(status.clients),
            ),
            (
                "sink_written_total",
                "counter",
                "Events a sink wrote.",
                per_sink(|k| k.written),
            ),
            (
                "sink_queue_full_total",
                "counter",
                "Events dropped for a sink because its queue was full.",
                per_sink(|k| k.queue_full),
            ),
            (
                "sink_failed_total",
                "counter",
                "Events a sink could not write.",
                per_sink(|k| k.failed),
            ),
            (
                "sink_errors_total",
                "counter",
                "Write errors of a sink.",
                per_sink(|k| k.errors),
            ),
            (
                "sink_failing",
                "gauge",
                "1 while a sink is failing (it is retried every 5 s).",
                per_sink(|k| u64::from(k.failing)),
            ),
            (
                "up",
                "gauge",
                "1: nlmon's daemon wrote this file.",
                plain(1),
            ),
        ];
        let mut out = String::new();
        for (name, ty, help, samples) in sections {
            let _ = writeln!(out, "# HELP nlmon_{name} {help}\n# TYPE nlmon_{name} {ty}");
            for (labels, v) in samples {
                series(&mut out, name, &labels, v);
            }
        }
        out
    }

    /// Changes by process: the `top` with the most (ties by name), the
    /// rest as `other`.
    fn top_changes(&self) -> Vec<(String, u64)> {
        let mut all: Vec<(&String, u64)> = self.changes.iter().map(|(p, n)| (p, *n)).collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let rest: u64 = all.iter().skip(self.top).map(|(_, n)| n).sum::<u64>() + self.changes_other;
        let mut out: Vec<(String, u64)> = all
            .into_iter()
            .take(self.top)
            .map(|(p, n)| (p.clone(), n))
            .collect();
        if rest > 0 {
            out.push(("other".to_owned(), rest));
        }
        out
    }

    /// Replaces the file at `path` with the exposition text, atomically.
    pub fn write(&self, path: &Path, status: &Status) -> io::Result<()> {
        let text = self.render(status);
        let name = path.file_name().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the metrics path has no file name",
            )
        })?;
        // The collector reads only `*.prom`: the temporary file is not one.
        let mut tmp_name = name.to_owned();
        tmp_name.push(format!(".{}.tmp", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        // node_exporter runs as its own user; the unit's UMask=0077 would
        // hide the file from it.
        fs::write(&tmp, text)
            .and_then(|()| fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644)))
            .and_then(|()| fs::rename(&tmp, path))
            .inspect_err(|_| {
                let _ = fs::remove_file(&tmp);
            })
    }
}

/// The metrics and their file, written every `status.interval`.
pub struct MetricsFile {
    pub metrics: Metrics,
    last: Option<Instant>,
    /// The last problem logged, so that it is logged once.
    said: Option<String>,
}

impl MetricsFile {
    pub fn new(c: &MetricsConfig) -> Self {
        Self {
            metrics: Metrics::new(c.top_processes),
            last: None,
            said: None,
        }
    }

    /// Writes the file when `interval` seconds passed since the last time
    /// (or `now`), if enabled and its directory exists.
    pub fn tick(&mut self, c: &MetricsConfig, interval: u64, status: &Status, now: bool) {
        self.metrics.top = c.top_processes;
        let due = self
            .last
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(interval));
        if !c.enabled || !(due || now) {
            return;
        }
        self.last = Some(Instant::now());
        let dir = c.path.parent().unwrap_or(Path::new("."));
        let problem = if dir.as_os_str().is_empty() || dir.is_dir() {
            self.metrics
                .write(&c.path, status)
                .err()
                .map(|e| format!("metrics: cannot write {}: {e}", c.path.display()))
        } else {
            Some(format!(
                "metrics: {} does not exist; not writing {} (install prometheus-node-exporter \
                 or set [metrics] path)",
                dir.display(),
                c.path.display()
            ))
        };
        match problem {
            Some(p) if self.said.as_ref() != Some(&p) => {
                log::warn!("{p}");
                self.said = Some(p);
            }
            Some(_) => {}
            None if self.said.take().is_some() => {
                log::info!("metrics: writing {}", c.path.display());
            }
            None => {}
        }
    }
}

impl Sink for Metrics {
    fn event(&mut self, ev: &Event, msgs: &[Shown]) -> io::Result<()> {
        self.count(ev, msgs.iter().map(|s| &s.message));
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn detail(&self) -> Detail {
        Detail::Headers
    }
}

/// A request that modifies state (see [`crate::changes`]).
fn is_change(ev: &Event, m: &Message) -> bool {
    crate::changes::is_change_request(ev, m)
}

/// The errno's symbolic name (`ENODEV`), else its number.
fn errno_name(e: i32) -> String {
    nlmon_common::decode::errno(e).map_or_else(|| e.to_string(), |(name, _)| name.to_owned())
}

/// A metric family: name (after `nlmon_`), type, help text, samples.
type Section = (
    &'static str,
    &'static str,
    &'static str,
    Vec<(Vec<(&'static str, String)>, u64)>,
);

/// One sample line: `nlmon_NAME{k="v",...} VALUE`.
fn series(out: &mut String, name: &str, labels: &[(&'static str, String)], value: u64) {
    out.push_str("nlmon_");
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            escape(out, v);
            out.push('"');
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A label value as the exposition format wants it: `\`, `"` and newline
/// escaped.
fn escape(out: &mut String, v: &str) {
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use nlmon_common::decode::{DecodeOptions, Decoder};

    use super::*;
    use crate::{event::Direction, pipeline::tests::event};

    fn nlmsg(ty: u16, flags: u16, payload: &[u8]) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&((16 + payload.len()) as u32).to_ne_bytes());
        m.extend_from_slice(&ty.to_ne_bytes());
        m.extend_from_slice(&flags.to_ne_bytes());
        m.extend_from_slice(&7u32.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(payload);
        m
    }

    /// `RTM_NEWADDR` request (ifaddrmsg for ifindex 1), and the kernel's
    /// answer carrying `errno`.
    fn newaddr(comm: &str, errno: i32) -> (Event, Event) {
        let req = nlmsg(20, 0x605, &[2, 24, 0, 0, 1, 0, 0, 0]);
        let mut a = event(0, Direction::ToKernel, req.clone());
        a.process.comm = comm.to_owned();
        let mut ack = (-errno).to_ne_bytes().to_vec();
        ack.extend_from_slice(&req[..16]);
        let b = event(0, Direction::FromKernel, nlmsg(2, 0x100, &ack));
        (a, b)
    }

    fn count(m: &mut Metrics, d: &Decoder, ev: &Event) {
        m.count(ev, &d.decode_headers(ev.socket.protocol, &ev.data));
    }

    #[test]
    fn the_exact_text() {
        let d = Decoder::new(DecodeOptions::default());
        let mut m = Metrics::new(1);
        for (comm, errno) in [("ip", 0), ("ip", 17), ("say \"hi\"\\", 0), ("tc", 0)] {
            let (a, b) = newaddr(comm, errno);
            count(&mut m, &d, &a);
            count(&mut m, &d, &b);
        }
        // A failed call, and a GET (not a change).
        let mut fail = event(0, Direction::ToKernel, nlmsg(18, 0x301, &[0; 16]));
        fail.errno = Some(1);
        count(&mut m, &d, &fail);
        let status = Status {
            mode: "tracepoint".into(),
            captured: 9,
            recorded: 8,
            ring_lost: 1,
            mmsg_limit: 2,
            pending_full: 3,
            bad_records: 4,
            sinks: vec![SinkCounts {
                name: "json".into(),
                written: 5,
                queue_full: 6,
                failed: 7,
                errors: 8,
                failing: true,
            }],
            clients: 2,
            client_skipped: 10,
            clients_refused: 11,
        };
        let want = r#"# HELP nlmon_messages_total Netlink messages captured, by netlink family, message type and direction.
# TYPE nlmon_messages_total counter
nlmon_messages_total{family="route",type="NLMSG_ERROR",direction="from_kernel"} 4
nlmon_messages_total{family="route",type="RTM_GETLINK",direction="to_kernel"} 1
nlmon_messages_total{family="route",type="RTM_NEWADDR",direction="to_kernel"} 4
# HELP nlmon_errors_total Netlink errors by errno: error replies from the kernel (source="reply") and failed netlink system calls (source="call").
# TYPE nlmon_errors_total counter
nlmon_errors_total{errno="EEXIST",source="reply"} 1
nlmon_errors_total{errno="EPERM",source="call"} 1
# HELP nlmon_changes_total Requests that change state, by process name (the processes with the most by name, the rest as "other").
# TYPE nlmon_changes_total counter
nlmon_changes_total{process="ip"} 2
nlmon_changes_total{process="other"} 2
# HELP nlmon_events_captured_total Events taken from the ring buffer.
# TYPE nlmon_events_captured_total counter
nlmon_events_captured_total 9
# HELP nlmon_events_recorded_total Events that passed the [filter] and went to the sinks.
# TYPE nlmon_events_recorded_total counter
nlmon_events_recorded_total 8
# HELP nlmon_ring_lost_total Records lost because the ring buffer was full.
# TYPE nlmon_ring_lost_total counter
nlmon_ring_lost_total 1
# HELP nlmon_mmsg_lost_total Messages of sendmmsg/recvmmsg calls beyond the per-call limit, not captured.
# TYPE nlmon_mmsg_lost_total counter
nlmon_mmsg_lost_total 2
# HELP nlmon_pending_full_total Calls that could not be tracked from entry to exit.
# TYPE nlmon_pending_full_total counter
nlmon_pending_full_total 3
# HELP nlmon_unparsable_records_total Records from the kernel that did not parse.
# TYPE nlmon_unparsable_records_total counter
nlmon_unparsable_records_total 4
# HELP nlmon_client_skipped_total Events not sent to an attach client that read too slowly.
# TYPE nlmon_client_skipped_total counter
nlmon_client_skipped_total 10
# HELP nlmon_clients_refused_total Attach connections refused.
# TYPE nlmon_clients_refused_total counter
nlmon_clients_refused_total 11
# HELP nlmon_clients Attach clients connected.
# TYPE nlmon_clients gauge
nlmon_clients 2
# HELP nlmon_sink_written_total Events a sink wrote.
# TYPE nlmon_sink_written_total counter
nlmon_sink_written_total{sink="json"} 5
# HELP nlmon_sink_queue_full_total Events dropped for a sink because its queue was full.
# TYPE nlmon_sink_queue_full_total counter
nlmon_sink_queue_full_total{sink="json"} 6
# HELP nlmon_sink_failed_total Events a sink could not write.
# TYPE nlmon_sink_failed_total counter
nlmon_sink_failed_total{sink="json"} 7
# HELP nlmon_sink_errors_total Write errors of a sink.
# TYPE nlmon_sink_errors_total counter
nlmon_sink_errors_total{sink="json"} 8
# HELP nlmon_sink_failing 1 while a sink is failing (it is retried every 5 s).
# TYPE nlmon_sink_failing gauge
nlmon_sink_failing{sink="json"} 1
# HELP nlmon_up 1: nlmon's daemon wrote this file.
# TYPE nlmon_up gauge
nlmon_up 1
"#;
        let got = m.render(&status);
        assert_eq!(got, want, "\n{got}");
        // With room for every process, the odd name is escaped.
        m.top = 10;
        let got = m.render(&status);
        assert!(
            got.contains("nlmon_changes_total{process=\"say \\\"hi\\\"\\\\\"} 1\n"),
            "{got}"
        );
        assert!(!got.contains("process=\"other\""), "{got}");
    }

    #[test]
    fn series_are_bounded() {
        let d = Decoder::new(DecodeOptions::default());
        let mut m = Metrics::new(3);
        // Unknown types of an unknown family: one series each, up to the cap.
        for ty in 0..(MAX_SERIES as u16 + 10) {
            let ev = event(31, Direction::FromKernel, nlmsg(16 + ty, 0, &[]));
            count(&mut m, &d, &ev);
        }
        assert!(m.messages.len() <= MAX_SERIES + 1, "{}", m.messages.len());
        let total: u64 = m.messages.values().sum();
        assert_eq!(total, MAX_SERIES as u64 + 10, "nothing lost at the cap");
        for i in 0..(MAX_PROCESSES + 5) {
            let (a, _) = newaddr(&format!("p{i}"), 0);
            count(&mut m, &d, &a);
        }
        let top = m.top_changes();
        assert_eq!(top.len(), 4);
        assert_eq!(top[3], ("other".to_owned(), MAX_PROCESSES as u64 + 2));
    }

    #[test]
    fn direction_names_are_the_json_ones() {
        for d in [
            Direction::ToKernel,
            Direction::FromKernel,
            Direction::ToUser,
            Direction::FromUser,
        ] {
            assert_eq!(serde_json::to_value(d).unwrap(), d.name());
        }
    }

    #[test]
    fn the_file_is_replaced_whole() {
        let dir = std::env::temp_dir().join(format!("nlmon-metrics-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("nlmon.prom");
        fs::write(&path, "old").unwrap();
        let m = Metrics::new(5);
        m.write(&path, &Status::default()).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644, "readable by node_exporter's user");
        assert!(text.starts_with("# HELP nlmon_messages_total"), "{text}");
        assert!(text.ends_with("nlmon_up 1\n"), "{text}");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["nlmon.prom"], "no temporary file left");
        fs::remove_dir_all(&dir).unwrap();
    }
}
