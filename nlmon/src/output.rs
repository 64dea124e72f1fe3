//! The outputs a run writes to (text or JSON Lines on stdout, pcapng to a
//! file), behind the userspace filters, with the exit summary.

use std::{
    fs::File,
    io::{self, BufWriter, Write},
    path::Path,
};

use nlmon_common::nlmsg::{Frame, frames};

use crate::{
    capture::Counters,
    event::Event,
    filter::Filter,
    live::Consumer,
    pcapng::PcapngWriter,
    print::{TextOptions, type_name, write_event},
    summary::Summary,
};

/// Where events go.
pub enum Format {
    Text(TextOptions),
    /// One `Event` object per line.
    Json,
    Pcapng(PcapngWriter<BufWriter<File>>),
}

impl Format {
    /// A pcapng file, created (or truncated) now.
    pub fn pcapng(path: &Path) -> io::Result<Self> {
        let f = File::create(path).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display()))
        })?;
        Ok(Self::Pcapng(PcapngWriter::new(BufWriter::new(f))?))
    }
}

/// Filters, prints and counts.
pub struct Output<W: Write> {
    pub filter: Filter,
    pub format: Format,
    out: W,
    limit: Option<u64>,
    pub summary: Summary,
}

impl<W: Write> Output<W> {
    pub fn new(filter: Filter, format: Format, out: W, limit: Option<u64>) -> Self {
        Self {
            filter,
            format,
            out,
            limit,
            summary: Summary::new(),
        }
    }

    fn one(&mut self, ev: &Event) -> io::Result<()> {
        if !self.filter.event_matches(ev) {
            return Ok(());
        }
        match &mut self.format {
            Format::Text(opts) => write_event(&mut self.out, ev, *opts)?,
            Format::Json => {
                serde_json::to_writer(&mut self.out, ev)?;
                writeln!(self.out)?;
            }
            Format::Pcapng(w) => w.write_event(ev)?,
        }
        self.summary.record(ev);
        for f in frames(&ev.data) {
            if let Frame::Msg { hdr, payload, .. } = f {
                let errno = (hdr.ty == 2 && payload.len() >= 4)
                    .then(|| -i32::from_ne_bytes([payload[0], payload[1], payload[2], payload[3]]));
                self.summary
                    .message(ev, &type_name(ev.socket.protocol, hdr.ty), errno);
            }
        }
        Ok(())
    }
}

impl<W: Write> Consumer for Output<W> {
    fn batch(&mut self, events: &[Event]) -> io::Result<()> {
        for ev in events {
            if self.done() {
                break;
            }
            self.one(ev)?;
        }
        self.out.flush()?;
        if let Format::Pcapng(w) = &mut self.format {
            w.flush()?;
        }
        Ok(())
    }

    fn done(&self) -> bool {
        self.limit.is_some_and(|n| self.summary.records >= n)
    }

    fn finish(&mut self, capture: Option<(&Counters, u64)>) -> io::Result<()> {
        self.out.flush()?;
        if let Format::Pcapng(w) = &mut self.format {
            w.flush()?;
        }
        self.summary.write(&mut io::stderr().lock(), capture)
    }
}
