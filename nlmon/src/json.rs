//! JSON Lines output: one object per netlink message, with the event's
//! process, socket and call, the decoded message, its raw bytes in hex, and
//! its link to a request. The schema is `docs/json-schema.json`.

use std::io::{self, Write};

use nlmon_common::decode::Message;
use serde::Serialize;

use crate::{
    event::{Direction, Event, Hook, Kind, Peer, Process, Socket, Truncation},
    link::Link,
    pipeline::{Shown, Sink},
    print::hex,
};

/// One line of `--json`.
#[derive(Serialize)]
pub struct Line<'a> {
    pub kind: Kind,
    /// Wall-clock time, nanoseconds since the Unix epoch.
    #[serde(with = "crate::event::wall")]
    pub time: std::time::SystemTime,
    /// `CLOCK_MONOTONIC` nanoseconds (latencies are differences of these).
    pub mono_ns: u64,
    pub process: &'a Process,
    pub socket: &'a Socket,
    pub direction: Direction,
    pub peer: Option<Peer>,
    pub hook: Hook,
    pub call_flags: u32,
    pub ret_flags: u32,
    /// Length the call moved (the whole buffer).
    pub len: u32,
    pub truncation: Truncation,
    /// errno of a failed call.
    pub errno: Option<i32>,
    /// Position in a `sendmmsg`/`recvmmsg` vector.
    pub msg_index: u32,
    /// This message's position in the buffer, and how many it holds.
    pub index: usize,
    pub count: usize,
    /// The decoded message (null for an overrun or an empty buffer).
    pub message: Option<&'a Message>,
    /// The message's bytes (the whole buffer without a message), hex.
    pub raw: String,
    /// The whole captured buffer, hex, on the first message of each buffer
    /// only (what the call moved, for tools that want it unsplit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// The request this answers or caused it.
    pub link: Option<&'a Link>,
}

impl<'a> Line<'a> {
    pub fn new(ev: &'a Event, shown: Option<&'a Shown>) -> Self {
        Self {
            kind: ev.kind,
            time: ev.time,
            mono_ns: ev.mono_ns,
            process: &ev.process,
            socket: &ev.socket,
            direction: ev.direction,
            peer: ev.peer,
            hook: ev.hook,
            call_flags: ev.call_flags,
            ret_flags: ev.ret_flags,
            len: ev.len,
            truncation: ev.truncation,
            errno: ev.errno,
            msg_index: ev.msg_index,
            index: shown.map_or(0, |s| s.index),
            count: shown.map_or(0, |s| s.count),
            message: shown.map(|s| &s.message),
            raw: hex(shown.map_or(&ev.data[..], |s| s.bytes(ev))),
            data: shown.is_some_and(|s| s.index == 0).then(|| hex(&ev.data)),
            link: shown.and_then(|s| s.link.as_ref()),
        }
    }
}

/// Writes JSON Lines.
pub struct JsonSink<W: Write> {
    w: W,
}

impl<W: Write> JsonSink<W> {
    pub fn new(w: W) -> Self {
        Self { w }
    }
}

impl<W: Write> Sink for JsonSink<W> {
    fn event(&mut self, ev: &Event, msgs: &[Shown]) -> io::Result<()> {
        if msgs.is_empty() {
            serde_json::to_writer(&mut self.w, &Line::new(ev, None))?;
            return writeln!(self.w);
        }
        for s in msgs {
            serde_json::to_writer(&mut self.w, &Line::new(ev, Some(s)))?;
            writeln!(self.w)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}
