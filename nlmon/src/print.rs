//! The plain text view of events: one line per netlink message, and a hex
//! dump with `-x`.

use std::{
    io::{self, Write},
    time::SystemTime,
};

use nlmon_common::nlmsg::{BadFrame, Frame, NlMsgHdr, frames};

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
fn clock(t: SystemTime) -> String {
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
    let mut tail = String::new();
    if let Some(peer) = ev.peer.filter(|p| p.portid != 0 || p.groups != 0) {
        tail.push_str(&format!(" peer={}", peer.portid));
        if peer.groups != 0 {
            tail.push_str(&format!(" groups={:#x}", peer.groups));
        }
    }
    if let Some(e) = ev.errno {
        tail.push_str(&format!(" FAILED errno={e} ({})", errno_text(e)));
    }
    let t = &ev.truncation;
    if t.any() {
        tail.push_str(&format!(" TRUNCATED captured={}/{}", ev.data.len(), ev.len));
        for (set, why) in [
            (t.snaplen, "snaplen"),
            (t.iov_limit, "iovecs"),
            (t.copy_failed, "unreadable"),
            (t.receiver, "receiver-buffer"),
            (t.no_user_memory, "kernel-memory"),
        ] {
            if set {
                tail.push(' ');
                tail.push_str(why);
            }
        }
    }
    let all: Vec<Frame<'_>> = frames(&ev.data).collect();
    if all.is_empty() {
        writeln!(w, "{who} {}B (no message){tail}", ev.len)?;
    }
    let n = all.len();
    for (i, f) in all.iter().enumerate() {
        let part = if n > 1 {
            format!(" [{}/{n}]", i + 1)
        } else {
            String::new()
        };
        match f {
            Frame::Msg {
                hdr,
                payload,
                start,
                end,
            } => {
                writeln!(
                    w,
                    "{who}{part} {} {} seq={} portid={} len={}{}{tail}",
                    type_name(ev.socket.protocol, hdr.ty),
                    flag_names(ev.socket.protocol, hdr),
                    hdr.seq,
                    hdr.pid,
                    hdr.len,
                    error_text(hdr, payload),
                )?;
                if opts.hex {
                    hexdump(w, &ev.data[*start..*end], *start)?;
                }
            }
            Frame::Bad {
                start,
                rest,
                reason,
            } => {
                let why = match reason {
                    BadFrame::ShortHeader => "fewer bytes than a header".to_owned(),
                    BadFrame::LengthTooSmall { len } => format!("nlmsg_len {len} < 16"),
                    BadFrame::Truncated { len } => {
                        format!("nlmsg_len {len} but {} bytes captured", rest.len())
                    }
                };
                writeln!(w, "{who}{part} MALFORMED at byte {start}: {why}{tail}")?;
                if opts.hex {
                    hexdump(w, rest, *start)?;
                }
            }
        }
    }
    Ok(())
}

/// The C library's text for an errno, without std's " (os error N)".
pub fn errno_text(errno: i32) -> String {
    let text = io::Error::from_raw_os_error(errno).to_string();
    match text.rfind(" (os error") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// The errno of an `NLMSG_ERROR` (0 is an ack).
fn error_text(hdr: &NlMsgHdr, payload: &[u8]) -> String {
    if hdr.ty != NLMSG_ERROR || payload.len() < 4 {
        return String::new();
    }
    let e = i32::from_ne_bytes([payload[0], payload[1], payload[2], payload[3]]);
    if e == 0 {
        " ack".into()
    } else {
        format!(" error={e} ({})", errno_text(-e))
    }
}

const NLMSG_ERROR: u16 = 2;

/// Message type names: the control types every protocol shares, and
/// rtnetlink's; the decoder knows the rest.
pub fn type_name(protocol: u32, ty: u16) -> String {
    const CONTROL: [&str; 4] = ["NLMSG_NOOP", "NLMSG_ERROR", "NLMSG_DONE", "NLMSG_OVERRUN"];
    if (1..=4).contains(&ty) {
        return CONTROL[ty as usize - 1].into();
    }
    if protocol == 0
        && let Some(name) = RTM_NAMES.get((ty as usize).wrapping_sub(16) / 4)
        && ty >= 16
    {
        let verb = ["NEW", "DEL", "GET", "SET"][ty as usize % 4];
        if verb != "SET" || RTM_HAS_SET.contains(&ty) {
            return format!("RTM_{verb}{name}");
        }
    }
    match protocol {
        16 => format!("genl:{ty}"),
        12 => format!("nfnl:{}/{}", ty >> 8, ty & 0xff),
        _ => format!("type={ty}"),
    }
}

/// rtnetlink message families, in steps of four types from RTM_BASE (16).
const RTM_NAMES: [&str; 27] = [
    "LINK",
    "ADDR",
    "ROUTE",
    "NEIGH",
    "RULE",
    "QDISC",
    "TCLASS",
    "TFILTER",
    "ACTION",
    "PREFIX",
    "MULTICAST",
    "ANYCAST",
    "NEIGHTBL",
    "NDUSEROPT",
    "ADDRLABEL",
    "DCB",
    "NETCONF",
    "MDB",
    "NSID",
    "STATS",
    "CACHEREPORT",
    "CHAIN",
    "NEXTHOP",
    "LINKPROP",
    "VLAN",
    "NEXTHOPBUCKET",
    "TUNNEL",
];
/// The few families that have a SET message.
const RTM_HAS_SET: [u16; 4] = [19, 67, 79, 95];

/// Flag names: the generic ones, then those whose meaning depends on
/// whether the request is a GET or a NEW/DEL.
fn flag_names(protocol: u32, hdr: &NlMsgHdr) -> String {
    const GENERIC: [(u16, &str); 6] = [
        (0x1, "req"),
        (0x2, "multi"),
        (0x4, "ack"),
        (0x8, "echo"),
        (0x10, "dump_intr"),
        (0x20, "dump_filtered"),
    ];
    const GET: [(u16, &str); 3] = [(0x100, "root"), (0x200, "match"), (0x400, "atomic")];
    const NEW: [(u16, &str); 4] = [
        (0x100, "replace"),
        (0x200, "excl"),
        (0x400, "create"),
        (0x800, "append"),
    ];
    const DEL: [(u16, &str); 2] = [(0x100, "nonrec"), (0x200, "bulk")];
    let mut names = Vec::new();
    let mut rest = hdr.flags;
    let mut take = |table: &[(u16, &'static str)]| {
        for &(bit, name) in table {
            if rest & bit != 0 {
                names.push(name.to_owned());
                rest &= !bit;
            }
        }
    };
    take(&GENERIC);
    if hdr.flags & 0x1 != 0 && protocol == 0 && hdr.ty >= 16 {
        match hdr.ty % 4 {
            0 => take(&NEW),
            1 => take(&DEL),
            2 => take(&GET),
            _ => {}
        }
    } else if hdr.flags & 0x1 != 0 && hdr.flags & 0x300 == 0x300 {
        // Any protocol: ROOT|MATCH is NLM_F_DUMP.
        take(&GET);
    }
    if rest != 0 {
        names.push(format!("{rest:#x}"));
    }
    if names.is_empty() {
        "-".into()
    } else {
        names.join(",")
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

    fn hdr(ty: u16, flags: u16) -> NlMsgHdr {
        NlMsgHdr {
            len: 16,
            ty,
            flags,
            seq: 1,
            pid: 0,
        }
    }

    #[test]
    fn names_rtnetlink_types() {
        assert_eq!(type_name(0, 16), "RTM_NEWLINK");
        assert_eq!(type_name(0, 19), "RTM_SETLINK");
        assert_eq!(type_name(0, 22), "RTM_GETADDR");
        assert_eq!(type_name(0, 26), "RTM_GETROUTE");
        assert_eq!(type_name(0, 23), "type=23");
        assert_eq!(type_name(0, 104), "RTM_NEWNEXTHOP");
        assert_eq!(type_name(0, 68), "RTM_NEWNDUSEROPT");
        assert_eq!(type_name(0, 122), "RTM_GETTUNNEL");
        assert_eq!(type_name(0, 2), "NLMSG_ERROR");
        assert_eq!(type_name(0, 9999), "type=9999");
        assert_eq!(type_name(16, 20), "genl:20");
        assert_eq!(type_name(12, 0x0a00), "nfnl:10/0");
    }

    #[test]
    fn names_flags_by_request_kind() {
        assert_eq!(flag_names(0, &hdr(16, 0x605)), "req,ack,excl,create");
        assert_eq!(flag_names(0, &hdr(18, 0x301)), "req,root,match");
        assert_eq!(flag_names(0, &hdr(17, 0x105)), "req,ack,nonrec");
        assert_eq!(flag_names(0, &hdr(16, 0x2)), "multi");
        assert_eq!(flag_names(16, &hdr(20, 0x301)), "req,root,match");
        assert_eq!(flag_names(16, &hdr(20, 0x1001)), "req,0x1000");
        assert_eq!(flag_names(0, &hdr(3, 0)), "-");
    }

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
