//! JSON Lines output: one object per netlink message, with the event's
//! process, socket and call, the decoded message, its raw bytes in hex, and
//! its link to a request. The schema is `docs/json-schema.json`.

use std::io::{self, Write};

use serde::Serialize;

use crate::{
    event::{Direction, Event, Hook, Kind, Peer, Process, Socket, Truncation},
    link::Link,
    pipeline::{Shown, Sink},
    words::hex,
};

/// One line of `--json`, up to the decoded message (written by hand after
/// it: `Message::write_json`, several times cheaper than serde for it).
#[derive(Serialize)]
struct Head<'a> {
    kind: Kind,
    /// Wall-clock time, nanoseconds since the Unix epoch.
    #[serde(with = "crate::event::wall")]
    time: std::time::SystemTime,
    /// `CLOCK_MONOTONIC` nanoseconds (latencies are differences of these).
    mono_ns: u64,
    process: &'a Process,
    socket: &'a Socket,
    direction: Direction,
    peer: Option<Peer>,
    hook: Hook,
    call_flags: u32,
    ret_flags: u32,
    /// Length the call moved (the whole buffer).
    len: u32,
    truncation: Truncation,
    /// errno of a failed call.
    errno: Option<i32>,
    /// Position in a `sendmmsg`/`recvmmsg` vector.
    msg_index: u32,
    /// This message's position in the buffer, and how many it holds.
    index: usize,
    count: usize,
}

/// The line after `message` (null for an overrun or an empty buffer).
#[derive(Serialize)]
struct Tail<'a> {
    /// The message's bytes (the whole buffer without a message), hex.
    raw: String,
    /// The whole captured buffer, hex, on the first message of each buffer
    /// only (what the call moved, for tools that want it unsplit).
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<String>,
    /// The request this answers or caused it.
    link: Option<&'a Link>,
}

/// Appends one line of `--json` (without its newline).
pub fn write_line(out: &mut Vec<u8>, ev: &Event, shown: Option<&Shown>) -> io::Result<()> {
    let head = Head {
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
    };
    let tail = Tail {
        raw: hex(shown.map_or(&ev.data[..], |s| s.bytes(ev))),
        data: shown.is_some_and(|s| s.index == 0).then(|| hex(&ev.data)),
        link: shown.and_then(|s| s.link.as_ref()),
    };
    // `{head...}` and `{tail...}` joined around `"message":...`.
    serde_json::to_writer(&mut *out, &head)?;
    out.pop();
    out.extend_from_slice(b",\"message\":");
    match shown {
        Some(s) => s.message.write_json(out),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b',');
    let at = out.len();
    serde_json::to_writer(&mut *out, &tail)?;
    out.remove(at);
    Ok(())
}

/// Appends the lines of an event (one per message, one for an event
/// without a message), each with its newline.
pub fn write_lines(out: &mut Vec<u8>, ev: &Event, msgs: &[Shown]) -> io::Result<()> {
    if msgs.is_empty() {
        write_line(out, ev, None)?;
        out.push(b'\n');
    }
    for s in msgs {
        write_line(out, ev, Some(s))?;
        out.push(b'\n');
    }
    Ok(())
}

/// Writes JSON Lines.
pub struct JsonSink<W: Write> {
    w: W,
    line: Vec<u8>,
}

impl<W: Write> JsonSink<W> {
    pub fn new(w: W) -> Self {
        Self {
            w,
            line: Vec::new(),
        }
    }
}

impl<W: Write> Sink for JsonSink<W> {
    fn event(&mut self, ev: &Event, msgs: &[Shown]) -> io::Result<()> {
        self.line.clear();
        write_lines(&mut self.line, ev, msgs)?;
        self.w.write_all(&self.line)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

#[cfg(test)]
mod tests {
    use nlmon_common::decode::{DecodeOptions, Decoder};

    use super::*;

    /// `RTM_NEWADDR` for 10.0.0.1/24 on index 3, with a request and ack.
    fn newaddr() -> Vec<u8> {
        let mut m = vec![0u8; 16];
        m.extend([2, 24, 0x80, 0]);
        m.extend(3u32.to_ne_bytes());
        m.extend(8u16.to_ne_bytes());
        m.extend(2u16.to_ne_bytes());
        m.extend([10, 0, 0, 1]);
        let len = m.len() as u32;
        m[..4].copy_from_slice(&len.to_ne_bytes());
        m[4..6].copy_from_slice(&20u16.to_ne_bytes());
        m[6..8].copy_from_slice(&0x605u16.to_ne_bytes());
        m
    }

    #[test]
    fn a_line_holds_the_message_as_serde_writes_it() {
        let ev = crate::event::sample("ip", 7, 7, newaddr());
        let msgs = Decoder::new(DecodeOptions::default()).decode(0, &ev.data);
        let shown = Shown {
            index: 0,
            count: 1,
            message: msgs[0].clone(),
            line: None,
            link: None,
            ifnames: Vec::new(),
        };
        let mut out = Vec::new();
        write_line(&mut out, &ev, Some(&shown)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["message"], serde_json::to_value(&msgs[0]).unwrap());
        assert_eq!(v["message"]["type_name"], "RTM_NEWADDR");
        assert_eq!(v["raw"], hex(&ev.data));
        assert_eq!(v["data"], hex(&ev.data));
        assert_eq!(v["count"], 1);
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert!(
            keys.contains(&"link") && keys.contains(&"process"),
            "{keys:?}"
        );

        out.clear();
        write_line(&mut out, &ev, None).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert!(v["message"].is_null() && v.get("data").is_none());
    }
}
