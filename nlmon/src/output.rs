//! A run's outputs (text or JSON Lines on stdout, pcapng to a file) behind
//! the pipeline, with the exit summary: what the live loop and `-r` feed.

use std::{
    fs::File,
    io::{self, BufWriter, Write},
    path::Path,
};

use crate::{
    capture::Counters,
    event::Event,
    json::JsonSink,
    live::Consumer,
    pcapng::PcapngWriter,
    pipeline::{Detail, Shown, Single, Sink},
};

/// pcapng as an output.
pub struct PcapngSink<W: Write>(pub PcapngWriter<W>);

impl PcapngSink<BufWriter<File>> {
    /// A pcapng file, created (or truncated) now.
    pub fn create(path: &Path) -> io::Result<Self> {
        let f = File::create(path).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display()))
        })?;
        Ok(Self(PcapngWriter::new(BufWriter::new(f))?))
    }
}

impl<W: Write> Sink for PcapngSink<W> {
    fn event(&mut self, ev: &Event, msgs: &[Shown]) -> io::Result<()> {
        self.0.write_shown(ev, msgs)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }

    /// pcapng stores the bytes; it reads only a message's length, and
    /// the interface names it is shown with, for the packet's comment.
    fn detail(&self) -> Detail {
        Detail::Names
    }
}

/// JSON Lines on any writer.
pub fn json<W: Write + 'static>(w: W) -> Box<dyn Sink> {
    Box::new(JsonSink::new(w))
}

/// The pipeline and where it writes.
pub struct Output {
    pub pipeline: Single,
    pub sinks: Vec<Box<dyn Sink>>,
}

impl Consumer for Output {
    fn batch(&mut self, events: Vec<Event>) -> io::Result<()> {
        self.pipeline.settle(events, &mut self.sinks)?;
        self.sinks.flush()
    }

    fn release(&mut self) -> io::Result<()> {
        self.pipeline.process(Vec::new(), &mut self.sinks)?;
        self.sinks.flush()
    }

    fn holding(&self) -> bool {
        self.pipeline.pipeline.holding()
    }

    fn done(&self) -> bool {
        self.pipeline.selector.done()
    }

    fn finish(&mut self, capture: Option<(&Counters, u64)>) -> io::Result<()> {
        if !self.done() {
            self.pipeline.process(Vec::new(), &mut self.sinks)?;
        }
        self.sinks.flush()?;
        self.pipeline
            .selector
            .summary
            .write(&mut io::stderr().lock(), capture)
    }
}
