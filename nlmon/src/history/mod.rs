//! `nlmon history`: the timeline of changes to objects, read back from
//! what nlmon recorded: the JSON Lines of `nlmon --json` (the daemon's
//! file and its rotated files) or pcapng files. The records go through the
//! same pipeline and change tracker as the live feed, so the lines are
//! those of `nlmon --changes`.

mod args;
mod query;
mod read;
mod time;

use std::{
    collections::BTreeMap,
    io::{self, Write},
    process::ExitCode,
    time::SystemTime,
};

pub use args::HistoryArgs;
use query::Query;

use crate::{
    change::{
        Change,
        conflict::{Detector, Episode},
        sink::{ChangeSink, Collect},
    },
    filter::Filter,
    pipeline::{PipelineOptions, Single},
};

/// Events handed to the pipeline at once (linking looks across a batch).
const BATCH: usize = 4096;

/// Runs `nlmon history`; exit code 2 for bad arguments, 1 for unreadable
/// input.
pub fn main(a: &HistoryArgs) -> ExitCode {
    let q = match Query::parse(&a.object) {
        Ok(q) => q,
        Err(e) => {
            eprintln!("nlmon history: {e}");
            return ExitCode::from(2);
        }
    };
    let (since, until) = match (
        a.since.as_deref().map(time::parse).transpose(),
        a.until.as_deref().map(time::parse).transpose(),
    ) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("nlmon history: {e}");
            return ExitCode::from(2);
        }
    };
    let changes = match changes(a, &q) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("nlmon history: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let keep = |c: &Change| {
        since.is_none_or(|s| c.time >= s)
            && until.is_none_or(|u| c.time <= u)
            && (a.comm.is_empty() || a.comm.contains(&c.comm))
            && (a.netns.is_empty()
                || a.netns.iter().any(|n| {
                    *n == c.netns.to_string() || c.netns_name.as_deref() == Some(n.as_str())
                }))
    };
    let picked: Vec<&Change> = changes.iter().filter(|c| keep(c)).collect();
    let mut out = io::BufWriter::new(io::stdout().lock());
    let r = if a.conflicts {
        write_conflicts(&mut out, &picked, a.json)
    } else {
        write_changes(&mut out, &picked, a.json)
    };
    match r.and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nlmon history: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Every change in the records, in record order, each marked as part of
/// a conflict by this command's thresholds.
fn changes(a: &HistoryArgs, q: &Query) -> anyhow::Result<Vec<Change>> {
    let mut out = Vec::new();
    match read::source(a)? {
        read::Source::Journal => read::journal(a, q.kind(), &mut out)?,
        read::Source::Files(files) => {
            let kind = q.kind().map(|k| format!("\"kind\":\"{k}\""));
            let finder = kind
                .as_deref()
                .map(|k| memchr::memmem::Finder::new(k.as_bytes()));
            let wanted = |json: &[u8]| finder.as_ref().is_none_or(|f| f.find(json).is_some());
            // Records without their changes go through the pipeline (one
            // for every file: a reply may be in the next rotated file).
            let opts = PipelineOptions {
                changes: Some(a.thresholds.config()),
                ..PipelineOptions::default()
            };
            let mut pipeline = Single::new(Filter::default(), opts, None);
            let mut sink = ChangeSink::new(Collect::default());
            for path in files {
                if read::is_pcap(&path)? {
                    let events = read::pcap_events(&path)?;
                    for batch in events.chunks(BATCH) {
                        pipeline.process(batch.to_vec(), &mut sink)?;
                    }
                } else if read::carries_changes(&path)? {
                    out.append(&mut sink.out.0);
                    read::recorded(&path, &wanted, &mut out)?;
                } else {
                    read::json_events(&path, BATCH, &mut |batch| {
                        Ok(pipeline.process(batch, &mut sink)?)
                    })?;
                }
            }
            pipeline.process(Vec::new(), &mut sink)?;
            out.append(&mut sink.out.0);
        }
    }
    // Only the queried objects are shown, and conflicts are of one object.
    out.retain(|c| q.matches(c));
    let mut conflicts = Detector::new(a.thresholds.config());
    for c in &mut out {
        c.conflict = conflicts.note(c);
    }
    Ok(out)
}

/// `2026-12-07 12:03:44`
fn when(t: SystemTime) -> String {
    let s = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let (y, m, d) = time::civil(s / 86400);
    format!("{y:04}-{m:02}-{d:02} {}", crate::change::hms(t))
}

fn write_changes(w: &mut impl Write, changes: &[&Change], json: bool) -> io::Result<()> {
    for c in changes {
        if json {
            serde_json::to_writer(&mut *w, c)?;
            writeln!(w)?;
        } else {
            // The live line with the date in front of its time.
            let line = c.line();
            let rest = line.split_once(' ').map_or(line.as_str(), |(_, r)| r);
            writeln!(w, "{} {rest}", when(c.time))?;
        }
    }
    Ok(())
}

/// One conflict episode: an object, its writers and counts, from the
/// change that started it to the last one marked.
#[derive(serde::Serialize)]
struct Conflict<'a> {
    #[serde(with = "crate::event::wall")]
    start: SystemTime,
    #[serde(with = "crate::event::wall")]
    end: SystemTime,
    kind: &'a str,
    key: &'a str,
    netns: u32,
    netns_name: Option<&'a str>,
    /// Changes by each writer, in the window that started it and after.
    writers: BTreeMap<String, usize>,
    count: usize,
}

fn write_conflicts(w: &mut impl Write, changes: &[&Change], json: bool) -> io::Result<()> {
    let mut episodes: Vec<Conflict> = Vec::new();
    // The open episode of each object.
    let mut open: BTreeMap<(u32, &str, &str), usize> = BTreeMap::new();
    for c in changes {
        let Some(e) = &c.conflict else { continue };
        let id = (c.netns, c.kind, c.key.as_str());
        match open.get(&id) {
            Some(&i) if !e.first => {
                let ep = &mut episodes[i];
                ep.end = c.time;
                ep.count += 1;
                *ep.writers.entry(c.writer()).or_insert(0) += 1;
            }
            _ => {
                open.insert(id, episodes.len());
                episodes.push(start(c, e));
            }
        }
    }
    for ep in &episodes {
        if json {
            serde_json::to_writer(&mut *w, ep)?;
            writeln!(w)?;
        } else {
            let writers: Vec<String> = ep
                .writers
                .iter()
                .map(|(n, k)| format!("{n} ×{k}"))
                .collect();
            let netns = ep
                .netns_name
                .map(|n| format!(" (netns {n})"))
                .unwrap_or_default();
            writeln!(
                w,
                "{} .. {} conflict over {} {}{netns}: {} changes by {}",
                when(ep.start),
                crate::change::hms(ep.end),
                ep.kind,
                ep.key,
                ep.count,
                writers.join(", ")
            )?;
        }
    }
    Ok(())
}

fn start<'a>(c: &'a Change, e: &Episode) -> Conflict<'a> {
    Conflict {
        start: c.time,
        end: c.time,
        kind: c.kind,
        key: &c.key,
        netns: c.netns,
        netns_name: c.netns_name.as_deref(),
        writers: e.writers.clone(),
        count: e.count,
    }
}
