//! `--changes`: the pipeline's output as change lines (text), or as the
//! `--json` line of each change's request (or notification) with a
//! `change` object added.

use std::io::{self, Write};

use super::{Change, Pending};
use crate::{
    event::Event,
    json,
    pipeline::{Detail, Shown, Sink},
};

/// Where changes go.
pub trait ChangeOut {
    fn change(&mut self, p: &Pending) -> io::Result<()>;
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A sink that shows only changes: those the pipeline found
/// ([`Shown::change`]; it must track them, see
/// [`crate::pipeline::PipelineOptions::changes`]).
pub struct ChangeSink<O: ChangeOut> {
    pub out: O,
}

impl<O: ChangeOut> ChangeSink<O> {
    pub fn new(out: O) -> Self {
        Self { out }
    }
}

impl<O: ChangeOut> Sink for ChangeSink<O> {
    fn event(&mut self, _: &Event, msgs: &[Shown]) -> io::Result<()> {
        for p in msgs.iter().filter_map(|s| s.change.as_deref()) {
            self.out.change(p)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Objects are read from the tree.
    fn detail(&self) -> Detail {
        Detail::Tree
    }
}

/// One line per change.
pub struct TextOut<W: Write>(pub W);

impl<W: Write> ChangeOut for TextOut<W> {
    fn change(&mut self, p: &Pending) -> io::Result<()> {
        writeln!(self.0, "{}", p.change.line())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// The `--json` line of the change's message, with `"change": {...}`.
pub struct JsonOut<W: Write> {
    pub w: W,
    line: Vec<u8>,
}

impl<W: Write> JsonOut<W> {
    pub fn new(w: W) -> Self {
        Self {
            w,
            line: Vec::new(),
        }
    }
}

/// Appends the JSON line of a change: that of its request (or
/// notification) with the change (without its newline).
pub fn write_json(out: &mut Vec<u8>, p: &Pending) -> io::Result<()> {
    json::write_line(out, &p.event, Some(&p.shown))?;
    append_change(out, &p.change)
}

/// `{...}` → `{...,"change":{...}}`
pub fn append_change(out: &mut Vec<u8>, c: &Change) -> io::Result<()> {
    out.pop();
    out.extend_from_slice(b",\"change\":");
    serde_json::to_writer(&mut *out, c)?;
    out.push(b'}');
    Ok(())
}

impl<W: Write> ChangeOut for JsonOut<W> {
    fn change(&mut self, p: &Pending) -> io::Result<()> {
        self.line.clear();
        write_json(&mut self.line, p)?;
        self.line.push(b'\n');
        self.w.write_all(&self.line)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// Keeps the changes (for `nlmon history`).
#[derive(Debug, Default)]
pub struct Collect(pub Vec<Change>);

impl ChangeOut for Collect {
    fn change(&mut self, p: &Pending) -> io::Result<()> {
        self.0.push(p.change.clone());
        Ok(())
    }
}

/// The `--changes` output on a writer: text lines, or JSON with `json`.
pub fn boxed<W: Write + 'static>(w: W, json: bool) -> Box<dyn Sink> {
    if json {
        Box::new(ChangeSink::new(JsonOut::new(w)))
    } else {
        Box::new(ChangeSink::new(TextOut(w)))
    }
}
