//! The set of sinks the config asks for. On reload a sink whose settings
//! did not change keeps running (and its file open); a changed one is
//! closed after writing out what it had queued, and started anew.

use std::{io, path::PathBuf};

use super::{
    config::{Config, FileSinkConfig},
    journal::Journal,
    jsonfile::JsonFile,
    pcapfile::PcapngFile,
    sink::{Sink, SinkCounts, SinkHandle},
};
use crate::pipeline::Selected;

/// One sink's settings: equal settings mean the running sink is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Spec {
    Journal(PathBuf),
    Json(FileSinkConfig),
    Pcapng(FileSinkConfig),
}

impl Spec {
    fn name(&self) -> &'static str {
        match self {
            Self::Journal(_) => "journal",
            Self::Json(_) => "json",
            Self::Pcapng(_) => "pcapng",
        }
    }

    fn build(&self) -> io::Result<Box<dyn Sink>> {
        Ok(match self {
            Self::Journal(p) => Box::new(Journal::new(p.clone())),
            Self::Json(c) => Box::new(JsonFile::new(c)),
            Self::Pcapng(c) => Box::new(PcapngFile::new(c)?),
        })
    }
}

fn wanted(c: &Config) -> Vec<Spec> {
    let mut v = Vec::new();
    if c.journal.enabled {
        v.push(Spec::Journal(c.journal.socket.clone()));
    }
    if c.json.enabled {
        v.push(Spec::Json(c.json.clone()));
    }
    if c.pcapng.enabled {
        v.push(Spec::Pcapng(c.pcapng.clone()));
    }
    v
}

#[derive(Default)]
pub struct Sinks {
    running: Vec<(Spec, SinkHandle)>,
    /// Counts of sinks closed by reloads, so totals never go backwards.
    retired: Vec<SinkCounts>,
    queue: usize,
}

impl Sinks {
    pub fn start(c: &Config) -> io::Result<Self> {
        let mut s = Self::default();
        s.reload(c)?;
        Ok(s)
    }

    /// Brings the running sinks in line with `c`.
    pub fn reload(&mut self, c: &Config) -> io::Result<()> {
        let want = wanted(c);
        let queue_changed = self.queue != c.status.queue;
        self.queue = c.status.queue;
        let mut keep = Vec::new();
        for (spec, h) in std::mem::take(&mut self.running) {
            if !queue_changed && want.contains(&spec) {
                keep.push((spec, h));
            } else {
                log::info!("sink {}: closing", spec.name());
                self.retired.push(h.close());
            }
        }
        for spec in want {
            if keep.iter().any(|(s, _)| *s == spec) {
                continue;
            }
            log::info!("sink {}: starting ({spec:?})", spec.name());
            let h = SinkHandle::spawn(spec.name(), spec.build()?, self.queue)?;
            keep.push((spec, h));
        }
        self.running = keep;
        Ok(())
    }

    pub fn send(&self, ev: &Selected) {
        for (_, h) in &self.running {
            h.send(ev);
        }
    }

    /// Totals per sink name, including sinks closed by reloads.
    pub fn counts(&self) -> Vec<SinkCounts> {
        let mut out: Vec<SinkCounts> = Vec::new();
        let live = self.running.iter().map(|(_, h)| h.counts());
        for c in self.retired.iter().cloned().chain(live) {
            match out.iter_mut().find(|o| o.name == c.name) {
                Some(o) => {
                    o.written += c.written;
                    o.queue_full += c.queue_full;
                    o.failed += c.failed;
                    o.errors += c.errors;
                    o.failing = c.failing;
                }
                None => out.push(c),
            }
        }
        out
    }

    /// Writes out every queue, flushes and stops every sink.
    pub fn close(mut self) -> Vec<SinkCounts> {
        for (_, h) in std::mem::take(&mut self.running) {
            self.retired.push(h.close());
        }
        self.counts()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        daemon::rotate::tests::TempDir,
        event::Direction,
        pipeline::tests::{event, msg, selected},
    };

    fn config(dir: &std::path::Path, file: &str) -> Config {
        let mut c = Config::default();
        c.journal.enabled = false;
        c.json.path = dir.join(file);
        c
    }

    #[test]
    fn reload_keeps_unchanged_sinks_and_loses_nothing() {
        let d = TempDir::new();
        let a = config(&d.0, "a.jsonl");
        let mut s = Sinks::start(&a).unwrap();
        let ev = selected(event(0, Direction::ToKernel, msg(20, 0x605, &[0; 8])));
        s.send(&ev);
        s.reload(&a).unwrap();
        assert!(s.retired.is_empty(), "unchanged: kept running");
        s.send(&ev);
        let b = config(&d.0, "b.jsonl");
        s.reload(&b).unwrap();
        s.send(&ev);
        let counts = s.close();
        assert_eq!(counts.len(), 1);
        assert_eq!((counts[0].written, counts[0].lost()), (3, 0));
        let lines = |f: &str| {
            std::fs::read_to_string(d.0.join(f))
                .unwrap()
                .lines()
                .count()
        };
        assert_eq!((lines("a.jsonl"), lines("b.jsonl")), (2, 1));
    }

    #[test]
    fn disabled_sinks_do_not_run() {
        let d = TempDir::new();
        let mut c = config(&d.0, "a.jsonl");
        c.json.enabled = false;
        let s = Sinks::start(&c).unwrap();
        assert!(s.running.is_empty());
        c.journal.enabled = true;
        c.json.enabled = true;
        c.pcapng.enabled = true;
        c.pcapng.path = d.0.join("a.pcapng");
        let s = Sinks::start(&c).unwrap();
        let names: Vec<_> = s.counts().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["journal", "json", "pcapng"]);
    }
}
