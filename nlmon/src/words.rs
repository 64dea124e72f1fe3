//! Small pieces of text every view uses, defined once: hex, the clock,
//! errno texts, peer and truncation notes, the hex dump.

use std::{
    io::{self, Write},
    time::SystemTime,
};

use crate::event::Event;

/// Lowercase hex of bytes.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
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
