//! The plain text view of events: one line per netlink message, and a hex
//! dump with `-x`.

use std::{
    io::{self, Write},
    sync::{LazyLock, Mutex},
    time::SystemTime,
};

use nlmon_common::decode::{DecodeOptions, Decoder};

use crate::{
    event::{Event, Kind},
    protocol,
};

/// Lowercase hex of bytes.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

/// Options of the text printer.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    /// Append a hex dump of each message.
    pub hex: bool,
}

/// `HH:MM:SS.micro` in UTC (no time zone database needed).
pub fn clock(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let s = d.as_secs() % 86400;
    format!(
        "{:02}:{:02}:{:02}.{:06}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        d.subsec_micros()
    )
}

/// Writes an event as text: one line per netlink message it carries.
pub fn write_event(w: &mut impl Write, ev: &Event, opts: TextOptions) -> io::Result<()> {
    // A poisoned lock only means another thread panicked mid-print; the
    // decoder's state (learned family ids) is still usable.
    let mut decoder = DECODER.lock().unwrap_or_else(|e| e.into_inner());
    write_event_with(w, ev, opts, &mut decoder)
}

/// The decoder of [`write_event`]: one per process, so what it learns (generic
/// netlink family ids) serves every later event.
static DECODER: LazyLock<Mutex<Decoder>> =
    LazyLock::new(|| Mutex::new(Decoder::new(DecodeOptions::default())));

/// The name of a message type, as far as the type alone tells (generic
/// netlink ids need the decoder's learned state: `genl:ID`).
pub fn type_name(protocol: u32, ty: u16) -> String {
    let decoder = DECODER.lock().unwrap_or_else(|e| e.into_inner());
    match decoder.type_name(protocol, ty) {
        Some(name) => name.to_owned(),
        None => match protocol {
            16 => match decoder.genl_family(ty) {
                Some(f) => format!("genl:{f}"),
                None => format!("genl:{ty}"),
            },
            12 => format!("nfnl:{}/{}", ty >> 8, ty & 0xff),
            _ => format!("type={ty}"),
        },
    }
}

/// [`write_event`] with a decoder of the caller's.
pub fn write_event_with(
    w: &mut impl Write,
    ev: &Event,
    opts: TextOptions,
    decoder: &mut Decoder,
) -> io::Result<()> {
    let proto = protocol::name(ev.socket.protocol)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("proto{}", ev.socket.protocol));
    let who = format!(
        "{} {}[{}] {} {}",
        clock(ev.time),
        ev.process.comm,
        ev.process.tgid,
        ev.direction.arrow(),
        proto
    );
    if ev.kind == Kind::Overrun {
        return writeln!(
            w,
            "{who} OVERRUN: the kernel dropped messages for port {} (receive queue full, ENOBUFS)",
            ev.socket.portid
        );
    }
    let mut tail = peer_text(ev);
    if let Some(e) = ev.errno {
        tail.push_str(&format!(" FAILED errno={e} ({})", errno_text(e)));
    }
    tail.push_str(&truncation_text(ev));
    decoder.learn(ev.socket.protocol, &ev.data);
    let msgs = decoder.summaries(ev.socket.protocol, &ev.data);
    if msgs.is_empty() {
        writeln!(w, "{who} {}B (no message){tail}", ev.len)?;
    }
    let n = msgs.len();
    for (i, (m, line)) in msgs.iter().enumerate() {
        let part = if n > 1 {
            format!(" [{}/{n}]", i + 1)
        } else {
            String::new()
        };
        writeln!(w, "{who}{part} {line}{tail}")?;
        if opts.hex {
            let (start, end) = (m.range.0 as usize, m.range.1 as usize);
            hexdump(w, ev.data.get(start..end).unwrap_or_default(), start)?;
        }
    }
    Ok(())
}

/// ` peer=P groups=G` when the other end is not the kernel.
pub fn peer_text(ev: &Event) -> String {
    let mut s = String::new();
    if let Some(peer) = ev.peer.filter(|p| p.portid != 0 || p.groups != 0) {
        s.push_str(&format!(" peer={}", peer.portid));
        if peer.groups != 0 {
            s.push_str(&format!(" groups={:#x}", peer.groups));
        }
    }
    s
}

/// ` TRUNCATED captured=N/M` and why, or nothing.
pub fn truncation_text(ev: &Event) -> String {
    let t = &ev.truncation;
    if !t.any() {
        return String::new();
    }
    let mut text = format!(" TRUNCATED captured={}/{}", ev.data.len(), ev.len);
    for (set, why) in [
        (t.snaplen, "snaplen"),
        (t.iov_limit, "iovecs"),
        (t.copy_failed, "unreadable"),
        (t.receiver, "receiver-buffer"),
        (t.no_user_memory, "kernel-memory"),
    ] {
        if set {
            text.push(' ');
            text.push_str(why);
        }
    }
    text
}

/// The C library's text for an errno, without std's " (os error N)".
pub fn errno_text(errno: i32) -> String {
    let text = io::Error::from_raw_os_error(errno).to_string();
    match text.rfind(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// A classic hex dump; offsets are the message's place in the buffer.
pub fn hexdump(w: &mut impl Write, b: &[u8], base: usize) -> io::Result<()> {
    for (i, chunk) in b.chunks(16).enumerate() {
        let mut hexpart = String::new();
        for (j, x) in chunk.iter().enumerate() {
            hexpart.push_str(&format!("{x:02x} "));
            if j == 7 {
                hexpart.push(' ');
            }
        }
        let text: String = chunk
            .iter()
            .map(|&c| {
                if c.is_ascii_graphic() || c == b' ' {
                    c as char
                } else {
                    '.'
                }
            })
            .collect();
        writeln!(w, "    {:04x}  {hexpart:<49} |{text}|", base + i * 16)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_texts() {
        assert_eq!(errno_text(19), "No such device");
        assert_eq!(errno_text(105), "No buffer space available");
    }

    #[test]
    fn hexdump_layout() {
        let mut out = Vec::new();
        hexdump(&mut out, b"0123456789abcdefXY", 32).unwrap();
        let s = String::from_utf8(out).unwrap();
        let lines: Vec<_> = s.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("    0020  30 31 32 33 34 35 36 37  38 39"));
        assert!(lines[0].ends_with("|0123456789abcdef|"));
        assert!(lines[1].starts_with("    0030  58 59"));
        assert!(lines[1].ends_with("|XY|"));
    }
}
