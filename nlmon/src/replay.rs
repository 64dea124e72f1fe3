//! `nlmon -r FILE` and `nlmon -r -`: a capture file or pipe, shown as it is
//! read. Packets go to the outputs in batches of what the stream has
//! buffered already (at most [`BATCH`]), so memory stays one batch and a
//! pipe from `tcpdump -U` is shown packet by packet as it arrives: before
//! a read that may wait on a pipe, the packets the pipeline holds back to
//! put them in time order ([`crate::reorder`]) are shown too.

use std::{
    fs::File,
    io::{self, Read},
    path::Path,
};

use anyhow::Context as _;

use crate::{event::Event, live::Consumer, pcapng::Reader};

/// Events handed to the outputs at once at most.
const BATCH: usize = 512;

/// Reads the capture at `path` (`-` for stdin) into `out` until its end,
/// `--count`, or an error. A file cut short shows every packet before the
/// cut, prints the summary, then fails saying where it was cut.
pub fn run(path: &Path, out: &mut dyn Consumer) -> anyhow::Result<()> {
    let name = path.display().to_string();
    let (src, may_wait): (Box<dyn Read>, bool) = if path.as_os_str() == "-" {
        let regular = std::fs::metadata("/dev/stdin").is_ok_and(|m| m.is_file());
        (Box::new(io::stdin().lock()), !regular)
    } else {
        let f = File::open(path).with_context(|| format!("cannot open {name}"))?;
        let regular = f.metadata().is_ok_and(|m| m.is_file());
        (Box::new(f), !regular)
    };
    let mut reader = Reader::new(src).with_context(|| format!("cannot read {name}"))?;
    let mut batch: Vec<Event> = Vec::with_capacity(BATCH);
    let mut packets = 0u64;
    let end = loop {
        match reader.next_event() {
            Ok(Some(ev)) => {
                packets += 1;
                batch.push(ev);
                // Before waiting on the stream, show what came.
                if batch.len() >= BATCH || !reader.next_ready() {
                    out.batch(std::mem::take(&mut batch))?;
                    if may_wait && !reader.next_ready() {
                        out.release()?;
                    }
                    if out.done() {
                        break Ok(());
                    }
                }
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    if !out.done() {
        out.batch(batch)?;
    }
    out.finish(None)?;
    end.with_context(|| format!("{name}: after {packets} packets"))
}
