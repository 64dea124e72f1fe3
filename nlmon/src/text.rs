//! The text view of events: one line per netlink message, coloured on a
//! terminal; `-v` adds the attribute tree, `-x` a hex dump with byte ranges.

use std::io::{self, Write};

use nlmon_common::decode::Message;

use crate::{
    event::{Event, Kind},
    link::Link,
    pipeline::{Detail, Shown, Sink},
    protocol,
    words::{clock, errno_text, hexdump, peer_text, truncation_text},
};

/// Options of the text printer.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    /// Append a hex dump of each message, with the byte ranges of its parts.
    pub hex: bool,
    /// Append the full attribute tree of each message.
    pub verbose: bool,
    /// ANSI colours.
    pub color: bool,
    /// Leave out the time (the journal has its own).
    pub no_clock: bool,
}

/// SGR codes used: dim, bold, red, green, yellow, magenta, cyan.
const DIM: &str = "2";
const BOLD_RED: &str = "1;31";
const GREEN: &str = "32";
const YELLOW: &str = "33";
const MAGENTA: &str = "35";
const CYAN: &str = "36";

fn paint(on: bool, code: &str, s: &str) -> String {
    if on {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_owned()
    }
}

/// The text feed: one line per message.
pub struct TextSink<W: Write> {
    w: W,
    opts: TextOptions,
}

impl<W: Write> TextSink<W> {
    pub fn new(w: W, opts: TextOptions) -> Self {
        Self { w, opts }
    }
}

impl<W: Write> Sink for TextSink<W> {
    fn event(&mut self, ev: &Event, msgs: &[Shown]) -> io::Result<()> {
        write_event(&mut self.w, ev, msgs, self.opts)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }

    /// The summary line, written without the tree unless `-v` or `-x`
    /// show the tree's parts.
    fn detail(&self) -> Detail {
        if self.opts.verbose || self.opts.hex {
            Detail::Tree
        } else {
            Detail::Line
        }
    }
}

/// Milliseconds with three decimals.
fn ms(ns: u64) -> String {
    format!("{}.{:03} ms", ns / 1_000_000, ns / 1000 % 1000)
}

/// What a line says about the request it belongs to.
fn link_text(s: &Shown, color: bool) -> String {
    match &s.link {
        Some(Link::Reply {
            request,
            latency_ns,
        }) => {
            let to = request
                .type_name
                .as_deref()
                .map_or_else(|| format!("type {}", request.ty), str::to_owned);
            let text = format!(
                " (answers {to} seq={} of {}[{}] after {})",
                request.seq,
                request.comm,
                request.tgid,
                ms(*latency_ns)
            );
            let code = if s.failed().is_some() {
                BOLD_RED
            } else {
                GREEN
            };
            paint(color, code, &text)
        }
        Some(Link::Caused { request }) => paint(
            color,
            MAGENTA,
            &format!(
                " caused by {}[{}] seq={}",
                request.comm, request.tgid, request.seq
            ),
        ),
        None => String::new(),
    }
}

/// Writes an event as text: one line per message shown (one line for an
/// overrun or an empty buffer).
pub fn write_event(
    w: &mut impl Write,
    ev: &Event,
    msgs: &[Shown],
    opts: TextOptions,
) -> io::Result<()> {
    let color = opts.color;
    let proto = protocol::name(ev.socket.protocol)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("proto{}", ev.socket.protocol));
    let process = if ev.process.tgid == 0 && ev.process.comm.is_empty() {
        "-".to_owned()
    } else {
        // ` (unit)`, ` (podman:web)`: see `attrib::Attribution::label`.
        format!(
            "{}[{}]{}",
            ev.process.comm, ev.process.tgid, ev.process.attrib
        )
    };
    let time = if opts.no_clock {
        String::new()
    } else {
        paint(color, DIM, &clock(ev.time)) + " "
    };
    let who = format!(
        "{time}{} {} {}{}",
        paint(color, CYAN, &process),
        ev.direction.arrow(),
        proto,
        crate::attrib::netns_text(ev)
    );
    if ev.kind == Kind::Overrun {
        let text = format!(
            "OVERRUN: the kernel dropped messages for port {} (receive queue full, ENOBUFS)",
            ev.socket.portid
        );
        return writeln!(w, "{who} {}", paint(color, BOLD_RED, &text));
    }
    let mut tail = peer_text(ev);
    if let Some(e) = ev.errno {
        let text = format!(" FAILED errno={e} ({})", errno_text(e));
        tail.push_str(&paint(color, BOLD_RED, &text));
    }
    let truncated = truncation_text(ev);
    if !truncated.is_empty() {
        tail.push_str(&paint(color, YELLOW, &truncated));
    }
    if msgs.is_empty() {
        return writeln!(w, "{who} {}B (no message){tail}", ev.len);
    }
    for s in msgs {
        let part = if s.count > 1 {
            format!(" [{}/{}]", s.index + 1, s.count)
        } else {
            String::new()
        };
        let mut summary = s.summary();
        if let Some(e) = s.failed() {
            let extack = s
                .message
                .error
                .as_ref()
                .and_then(|e| e.message.as_deref())
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            summary = paint(
                color,
                BOLD_RED,
                &format!("{summary} FAILED ({}{extack})", errno_text(e)),
            );
        }
        writeln!(w, "{who}{part} {summary}{}{tail}", link_text(s, color))?;
        if opts.verbose {
            // The tree's first line repeats the header.
            for line in s.message.tree().lines().skip(1) {
                writeln!(w, "    {line}")?;
            }
        }
        if opts.hex {
            let (start, end) = (s.message.range.0 as usize, s.message.range.1 as usize);
            hexdump(w, ev.data.get(start..end).unwrap_or_default(), start)?;
            write_ranges(w, &s.message)?;
        }
    }
    Ok(())
}

/// The byte ranges of a message's parts, for reading a hex dump.
fn write_ranges(w: &mut impl Write, m: &Message) -> io::Result<()> {
    let (a, _) = m.range;
    let mut parts = vec![format!("{:04x}-{:04x} nlmsghdr", a, a + 16)];
    for n in &m.body {
        let name = if n.name.is_empty() {
            n.number
                .map_or_else(|| "?".to_owned(), |x| format!("attr {x}"))
        } else {
            n.name.to_owned()
        };
        parts.push(format!("{:04x}-{:04x} {name}", n.range.0, n.range.1));
    }
    writeln!(w, "    ranges: {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        event::{Direction, sample},
        json::JsonSink,
        pipeline::{Pipeline, PipelineOptions},
    };

    /// The reply to `nft add rule inet t c counter name nosuch`, captured on
    /// 6.18: ENOENT with only an offset (nf_tables' `NL_SET_BAD_ATTR`),
    /// pointing at `NFTA_RULE_EXPRESSIONS`' first `NFTA_LIST_ELEM`.
    const BAD_ATTR: &str = "6c0000000200000201000000e3350000feffffff50000000060a010c0100000000000000\
        01000000060001007400000006000200630000002c000480280001800b0001006f626a72656600001800028008\
        000100000000010a0002006e6f7375636800000800020028000000";

    fn bad_attr_reply() -> Event {
        let data = (0..BAD_ATTR.len() / 2)
            .map(|i| u8::from_str_radix(&BAD_ATTR[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let mut ev = sample("nft", 13795, 13795, data);
        ev.socket.protocol = 12;
        ev.direction = Direction::FromKernel;
        ev
    }

    fn show(sink: &mut dyn Sink) {
        let d = Pipeline::new(PipelineOptions::default())
            .decode_batch(vec![bad_attr_reply()], sink.detail(), None)
            .remove(0);
        sink.event(&d.ev, &d.msgs).unwrap();
        sink.flush().unwrap();
    }

    /// The text line, `-v` and JSON all name the attribute an extack offset
    /// without a message points at.
    #[test]
    fn an_offset_alone_names_its_attribute_in_every_view() {
        let path = "NFTA_RULE_EXPRESSIONS/NFTA_LIST_ELEM";
        for verbose in [false, true] {
            let mut out = Vec::new();
            let opts = TextOptions {
                verbose,
                no_clock: true,
                ..TextOptions::default()
            };
            show(&mut TextSink::new(&mut out, opts));
            let text = String::from_utf8(out).unwrap();
            let line = text.lines().next().unwrap();
            assert!(
                line.contains(&format!(" at={path} FAILED (No such file or directory)")),
                "{text}"
            );
            assert_eq!(
                verbose,
                text.contains(&format!("\n      extack: at {path}\n")),
                "{text}"
            );
        }
        let mut out = Vec::new();
        show(&mut JsonSink::new(&mut out));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["message"]["error"]["offending"], path, "{v}");
    }
}
