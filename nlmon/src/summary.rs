//! The summary printed on exit: messages per process, family and type,
//! errors, and what was lost.

use std::{
    collections::BTreeMap,
    io::{self, Write},
};

use crate::{capture::Counters, event::Event, extack::ReasonCounts, protocol, words::errno_text};

/// Counts of what was shown.
#[derive(Debug, Default)]
pub struct Summary {
    /// Records (one per captured call or overrun) shown.
    pub records: u64,
    pub messages: u64,
    by_process: BTreeMap<(String, u32), u64>,
    by_family: BTreeMap<String, u64>,
    by_type: BTreeMap<(String, String), u64>,
    /// Error replies and failed sends, by errno.
    errors: BTreeMap<i32, u64>,
    overruns: u64,
    /// The kernel's reasons for failures (extack tracepoint records), which
    /// are captured records but not shown as lines of their own.
    pub reasons: ReasonCounts,
}

fn family(protocol: u32) -> String {
    protocol::name(protocol)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("proto{protocol}"))
}

impl Summary {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one shown record (call it once per event).
    pub fn record(&mut self, ev: &Event) {
        self.records += 1;
        if ev.kind == crate::event::Kind::Overrun {
            self.overruns += 1;
        } else if let Some(e) = ev.errno {
            *self.errors.entry(e).or_default() += 1;
        }
    }

    /// Counts one shown message of `ev`, of type `type_name`; `errno` for an
    /// error reply.
    pub fn message(&mut self, ev: &Event, type_name: &str, errno: Option<i32>) {
        self.messages += 1;
        *self
            .by_process
            .entry((ev.process.comm.clone(), ev.process.tgid))
            .or_default() += 1;
        let fam = family(ev.socket.protocol);
        *self.by_family.entry(fam.clone()).or_default() += 1;
        *self.by_type.entry((fam, type_name.to_owned())).or_default() += 1;
        if let Some(e) = errno.filter(|&e| e != 0) {
            *self.errors.entry(e).or_default() += 1;
        }
    }

    /// Writes the summary; `counters` and `bad` are the capture's (None when
    /// reading a file).
    pub fn write(&self, w: &mut impl Write, capture: Option<(&Counters, u64)>) -> io::Result<()> {
        match capture {
            Some((c, bad)) => writeln!(
                w,
                "nlmon: {} records shown, {} captured, {} lost (ring buffer full), {} beyond the \
                 mmsg limit, {} unparsable",
                self.records, c.records, c.lost, c.mmsg_limit, bad
            )?,
            None => writeln!(w, "nlmon: {} records shown", self.records)?,
        }
        let r = &self.reasons;
        if r.noted > 0 {
            writeln!(
                w,
                "  failure reasons from the kernel (netlink:netlink_extack, among the captured \
                 records): {}: {} added to error replies, {} already in the reply, {} without a \
                 reply shown",
                r.noted, r.added, r.already_there, r.unused
            )?;
        }
        if self.messages == 0 && self.overruns == 0 {
            return Ok(());
        }
        writeln!(w, "  messages: {}", self.messages)?;
        let top = |m: Vec<(String, u64)>| {
            let mut m = m;
            m.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let n = m.len();
            let mut s: Vec<String> = m.iter().take(12).map(|(k, v)| format!("{k} {v}")).collect();
            if n > 12 {
                s.push(format!("... ({} more)", n - 12));
            }
            s.join(", ")
        };
        let procs = self
            .by_process
            .iter()
            .map(|((c, p), n)| (format!("{c}[{p}]"), *n))
            .collect();
        writeln!(w, "  by process: {}", top(procs))?;
        let fams = self
            .by_family
            .iter()
            .map(|(k, n)| (k.clone(), *n))
            .collect();
        writeln!(w, "  by family: {}", top(fams))?;
        let types = self
            .by_type
            .iter()
            .map(|((f, t), n)| (format!("{f} {t}"), *n))
            .collect();
        writeln!(w, "  by type: {}", top(types))?;
        let total: u64 = self.errors.values().sum();
        if total > 0 {
            let each: Vec<String> = self
                .errors
                .iter()
                .map(|(e, n)| format!("{} ({}) {n}", errno_name(*e), errno_text(*e)))
                .collect();
            writeln!(w, "  errors: {total}: {}", each.join(", "))?;
        } else {
            writeln!(w, "  errors: 0")?;
        }
        if self.overruns > 0 {
            writeln!(
                w,
                "  overruns: {} (sockets whose receive queue overflowed: the kernel dropped \
                 messages for them)",
                self.overruns
            )?;
        }
        Ok(())
    }
}

/// The errno's symbolic name (`ENODEV`), else its number.
fn errno_name(e: i32) -> String {
    nlmon_common::decode::errno(e).map_or_else(|| format!("errno {e}"), |(name, _)| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(comm: &str, tgid: u32) -> Event {
        crate::event::sample(comm, tgid, 1, Vec::new())
    }

    #[test]
    fn counts_by_process_family_type_and_error() {
        let mut s = Summary::new();
        let a = ev("ip", 10);
        s.record(&a);
        s.message(&a, "RTM_GETLINK", None);
        s.message(&a, "NLMSG_ERROR", Some(19));
        let b = ev("tc", 11);
        s.record(&b);
        s.message(&b, "RTM_GETLINK", None);
        let mut out = Vec::new();
        let c = Counters {
            records: 2,
            ..Counters::default()
        };
        s.write(&mut out, Some((&c, 0))).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.contains("2 records shown, 2 captured, 0 lost"), "{out}");
        assert!(out.contains("by process: ip[10] 2, tc[11] 1"), "{out}");
        assert!(out.contains("by family: route 3"), "{out}");
        assert!(
            out.contains("by type: route RTM_GETLINK 2, route NLMSG_ERROR 1"),
            "{out}"
        );
        assert!(
            out.contains("errors: 1: ENODEV (No such device) 1"),
            "{out}"
        );
    }
}
