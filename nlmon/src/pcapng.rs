//! pcapng output (`-w`) and pcap/pcapng input (`-r`) with
//! `LINKTYPE_NETLINK` (253): each packet is one netlink message behind the
//! 16-byte cooked header the kernel's `nlmon` device produces (packet type,
//! `ARPHRD_NETLINK`, an empty address, the netlink protocol; big-endian).
//! The messages themselves stay in the capturing host's byte order, which
//! the section header records. Each packet's comment carries what the
//! cooked header cannot: process, pid, direction, network namespace.

use std::{
    io::{self, Write},
    time::{Duration, SystemTime},
};

use nlmon_common::nlmsg::{BadFrame, Frame, frames};

use crate::event::{Direction, Event, Hook, Kind, Process, Socket, Truncation};

pub const LINKTYPE_NETLINK: u16 = 253;
const ARPHRD_NETLINK: u16 = 824;
const COOKED_LEN: usize = 16;
/// `PACKET_HOST` (to us) and `PACKET_OUTGOING` in the cooked header.
const PACKET_HOST: u16 = 0;
const PACKET_OUTGOING: u16 = 4;

const SHB: u32 = 0x0A0D_0D0A;
const IDB: u32 = 1;
const SPB: u32 = 3;
const EPB: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
const OPT_END: u16 = 0;
const OPT_COMMENT: u16 = 1;
const SHB_USERAPPL: u16 = 4;
const IF_TSRESOL: u16 = 9;
const EPB_FLAGS: u16 = 2;
/// Snapshot length written in the interface block (the largest nlmon keeps).
const SNAPLEN: u32 = nlmon_common::MAX_SNAPLEN + COOKED_LEN as u32;

fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

fn option(buf: &mut Vec<u8>, code: u16, value: &[u8]) {
    buf.extend_from_slice(&code.to_ne_bytes());
    buf.extend_from_slice(&(value.len() as u16).to_ne_bytes());
    buf.extend_from_slice(value);
    buf.resize(pad4(buf.len()), 0);
}

/// Writes pcapng in the host's byte order (recorded in the section header).
pub struct PcapngWriter<W: Write> {
    w: W,
    packets: u64,
}

impl<W: Write> PcapngWriter<W> {
    /// Writes the section header and the one interface.
    pub fn new(mut w: W) -> io::Result<Self> {
        let mut body = Vec::new();
        body.extend_from_slice(&BYTE_ORDER_MAGIC.to_ne_bytes());
        body.extend_from_slice(&1u16.to_ne_bytes());
        body.extend_from_slice(&0u16.to_ne_bytes());
        // Section length unknown.
        body.extend_from_slice(&(-1i64).to_ne_bytes());
        option(
            &mut body,
            SHB_USERAPPL,
            concat!("nlmon ", env!("CARGO_PKG_VERSION")).as_bytes(),
        );
        option(&mut body, OPT_END, &[]);
        block(&mut w, SHB, &body)?;
        let mut body = Vec::new();
        body.extend_from_slice(&LINKTYPE_NETLINK.to_ne_bytes());
        body.extend_from_slice(&0u16.to_ne_bytes());
        body.extend_from_slice(&SNAPLEN.to_ne_bytes());
        // Nanosecond timestamps.
        option(&mut body, IF_TSRESOL, &[9]);
        option(&mut body, OPT_END, &[]);
        block(&mut w, IDB, &body)?;
        Ok(Self { w, packets: 0 })
    }

    /// The writer underneath, e.g. to take bytes out of a `Vec` between
    /// packets.
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.w
    }

    /// Packets written so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Writes the messages of `ev` that were shown (ranges of its buffer).
    pub fn write_shown(&mut self, ev: &Event, msgs: &[crate::pipeline::Shown]) -> io::Result<()> {
        let Some((comment, ts)) = stamp(ev) else {
            return Ok(());
        };
        for s in msgs {
            let bytes = s.bytes(ev);
            let orig = (s.message.header.len as usize).max(bytes.len());
            self.packet(ev, ts, bytes, orig, &comment)?;
        }
        Ok(())
    }

    /// Writes one packet per netlink message of the event (overruns carry
    /// no message and write nothing).
    pub fn write_event(&mut self, ev: &Event) -> io::Result<()> {
        let Some((comment, ts)) = stamp(ev) else {
            return Ok(());
        };
        for f in frames(&ev.data) {
            let (bytes, orig) = match f {
                Frame::Msg { start, end, .. } => (&ev.data[start..end], end - start),
                Frame::Bad {
                    rest,
                    reason: BadFrame::Truncated { len },
                    ..
                } => (rest, len as usize),
                Frame::Bad { rest, .. } => (rest, rest.len()),
            };
            // A message cut at the snapshot length is longer on the wire.
            let orig = orig.max(bytes.len());
            self.packet(ev, ts, bytes, orig, &comment)?;
        }
        Ok(())
    }

    fn packet(
        &mut self,
        ev: &Event,
        ts: u64,
        msg: &[u8],
        orig: usize,
        comment: &str,
    ) -> io::Result<()> {
        let mut data = Vec::with_capacity(COOKED_LEN + msg.len());
        let pkttype = if ev.direction.is_send() {
            PACKET_OUTGOING
        } else {
            PACKET_HOST
        };
        data.extend_from_slice(&pkttype.to_be_bytes());
        data.extend_from_slice(&ARPHRD_NETLINK.to_be_bytes());
        data.extend_from_slice(&[0u8; 10]);
        data.extend_from_slice(&(ev.socket.protocol as u16).to_be_bytes());
        data.extend_from_slice(msg);
        let mut body = Vec::with_capacity(32 + pad4(data.len()) + comment.len());
        body.extend_from_slice(&0u32.to_ne_bytes());
        body.extend_from_slice(&((ts >> 32) as u32).to_ne_bytes());
        body.extend_from_slice(&(ts as u32).to_ne_bytes());
        body.extend_from_slice(&(data.len() as u32).to_ne_bytes());
        body.extend_from_slice(&((COOKED_LEN + orig) as u32).to_ne_bytes());
        body.extend_from_slice(&data);
        body.resize(pad4(body.len()), 0);
        // Bits 0-1: 1 inbound, 2 outbound.
        let flags: u32 = if ev.direction.is_send() { 2 } else { 1 };
        option(&mut body, EPB_FLAGS, &flags.to_ne_bytes());
        option(&mut body, OPT_COMMENT, comment.as_bytes());
        option(&mut body, OPT_END, &[]);
        block(&mut self.w, EPB, &body)?;
        self.packets += 1;
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// The comment and nanosecond timestamp of an event's packets; None for
/// an overrun, which writes none.
fn stamp(ev: &Event) -> Option<(String, u64)> {
    let ts = ev
        .time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64;
    (ev.kind == Kind::Message).then(|| (comment(ev), ts))
}

fn block(w: &mut impl Write, ty: u32, body: &[u8]) -> io::Result<()> {
    let total = (12 + body.len()) as u32;
    w.write_all(&ty.to_ne_bytes())?;
    w.write_all(&total.to_ne_bytes())?;
    w.write_all(body)?;
    w.write_all(&total.to_ne_bytes())
}

/// The packet comment: `key=value` pairs, the process name last (it may
/// hold spaces).
pub fn comment(ev: &Event) -> String {
    let mut s = format!(
        "nlmon pid={} tid={} uid={} dir={} netns={} portid={}",
        ev.process.tgid,
        ev.process.tid,
        ev.process.uid,
        direction_name(ev.direction),
        ev.socket.netns,
        ev.socket.portid
    );
    if let Some(p) = ev.peer {
        s.push_str(&format!(" peer={}", p.portid));
    }
    if let Some(fd) = ev.socket.fd {
        s.push_str(&format!(" fd={fd}"));
    }
    s.push_str(&crate::attrib::fields::comment(ev));
    s.push_str(&format!(" comm={}", ev.process.comm));
    s
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::ToKernel => "to_kernel",
        Direction::FromKernel => "from_kernel",
        Direction::ToUser => "to_user",
        Direction::FromUser => "from_user",
    }
}

/// A capture file that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PcapError {
    #[error("not a pcap or pcapng file (starts with {magic:#010x})")]
    Magic { magic: u32 },
    #[error("the file ends inside a {what} at byte {at}")]
    Short { what: &'static str, at: usize },
    #[error("bad {what} at byte {at}")]
    Bad { what: &'static str, at: usize },
    #[error(
        "link type {linktype} is not netlink ({LINKTYPE_NETLINK}); capture from an nlmon \
         device (ip link add nlmon0 type nlmon) or with nlmon -w"
    )]
    LinkType { linktype: u32 },
}

/// One packet of a capture file.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Packet<'a> {
    ts_ns: u64,
    data: &'a [u8],
    orig_len: u32,
    comment: Option<String>,
    outbound: Option<bool>,
}

/// Reads a pcap or pcapng file of netlink packets into events, one per
/// packet; what our comments say restores process and direction.
pub fn read(bytes: &[u8]) -> Result<Vec<Event>, PcapError> {
    let magic = u32_at(bytes, 0, false).ok_or(PcapError::Short {
        what: "file header",
        at: 0,
    })?;
    let packets = if magic == SHB {
        read_pcapng(bytes)?
    } else {
        read_pcap(bytes, magic)?
    };
    Ok(packets.into_iter().map(to_event).collect())
}

fn u16_at(b: &[u8], at: usize, swap: bool) -> Option<u16> {
    let v = u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?);
    Some(if swap { v.swap_bytes() } else { v })
}

fn u32_at(b: &[u8], at: usize, swap: bool) -> Option<u32> {
    let v = u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?);
    Some(if swap { v.swap_bytes() } else { v })
}

fn read_pcap(b: &[u8], magic: u32) -> Result<Vec<Packet<'_>>, PcapError> {
    let (swap, nanos) = match magic {
        0xA1B2_C3D4 => (false, false),
        0xD4C3_B2A1 => (true, false),
        0xA1B2_3C4D => (false, true),
        0x4D3C_B2A1 => (true, true),
        magic => return Err(PcapError::Magic { magic }),
    };
    let short = |at| PcapError::Short {
        what: "pcap header",
        at,
    };
    let linktype = u32_at(b, 20, swap).ok_or(short(20))? & 0xFFFF;
    if linktype != u32::from(LINKTYPE_NETLINK) {
        return Err(PcapError::LinkType { linktype });
    }
    let mut out = Vec::new();
    let mut at = 24;
    while at < b.len() {
        let short = || PcapError::Short {
            what: "packet record",
            at,
        };
        let sec = u64::from(u32_at(b, at, swap).ok_or_else(short)?);
        let frac = u64::from(u32_at(b, at + 4, swap).ok_or_else(short)?);
        let incl = u32_at(b, at + 8, swap).ok_or_else(short)? as usize;
        let orig = u32_at(b, at + 12, swap).ok_or_else(short)?;
        let data = b.get(at + 16..at + 16 + incl).ok_or_else(short)?;
        let ts_ns = sec * 1_000_000_000 + if nanos { frac } else { frac * 1000 };
        out.push(Packet {
            ts_ns,
            data,
            orig_len: orig,
            comment: None,
            outbound: None,
        });
        at += 16 + incl;
    }
    Ok(out)
}

/// Per interface: (link type, nanoseconds per timestamp unit as a
/// fraction: units per second).
struct Interface {
    linktype: u32,
    units_per_sec: u64,
}

fn read_pcapng(b: &[u8]) -> Result<Vec<Packet<'_>>, PcapError> {
    let mut out = Vec::new();
    let mut ifaces: Vec<Interface> = Vec::new();
    let mut swap = false;
    let mut at = 0;
    while at < b.len() {
        let short = |what| PcapError::Short { what, at };
        let ty = u32_at(b, at, false).ok_or(short("block header"))?;
        if ty == SHB {
            let magic = u32_at(b, at + 8, false).ok_or(short("section header"))?;
            swap = match magic {
                BYTE_ORDER_MAGIC => false,
                m if m == BYTE_ORDER_MAGIC.swap_bytes() => true,
                _ => {
                    return Err(PcapError::Bad {
                        what: "byte-order magic",
                        at,
                    });
                }
            };
            // Interfaces are numbered per section.
            ifaces.clear();
        }
        let ty = if swap { ty.swap_bytes() } else { ty };
        let len = u32_at(b, at + 4, swap).ok_or(short("block header"))? as usize;
        if len < 12 || !len.is_multiple_of(4) {
            return Err(PcapError::Bad {
                what: "block length",
                at,
            });
        }
        let block = b.get(at..at + len).ok_or(short("block"))?;
        let body = &block[8..len - 4];
        match ty {
            IDB => {
                let linktype = u32::from(u16_at(body, 0, swap).ok_or(short("interface"))?);
                let mut units_per_sec = 1_000_000;
                for (code, v) in options(body.get(8..).unwrap_or(&[]), swap) {
                    if code == IF_TSRESOL
                        && let Some(&r) = v.first()
                    {
                        let exp = u32::from(r & 0x7F);
                        units_per_sec = if r & 0x80 == 0 {
                            10u64.checked_pow(exp).unwrap_or(1_000_000_000)
                        } else {
                            1u64.checked_shl(exp).unwrap_or(1 << 30)
                        };
                    }
                }
                ifaces.push(Interface {
                    linktype,
                    units_per_sec,
                });
            }
            EPB => {
                let r = |o| u32_at(body, o, swap).ok_or(short("packet block"));
                let iface = r(0)? as usize;
                let ts = (u64::from(r(4)?) << 32) | u64::from(r(8)?);
                let cap = r(12)? as usize;
                let orig = r(16)?;
                let data = body.get(20..20 + cap).ok_or(short("packet data"))?;
                let i = ifaces.get(iface).ok_or(PcapError::Bad {
                    what: "interface id",
                    at,
                })?;
                if i.linktype != u32::from(LINKTYPE_NETLINK) {
                    return Err(PcapError::LinkType {
                        linktype: i.linktype,
                    });
                }
                let mut p = Packet {
                    ts_ns: to_ns(ts, i.units_per_sec),
                    data,
                    orig_len: orig,
                    comment: None,
                    outbound: None,
                };
                for (code, v) in options(body.get(20 + pad4(cap)..).unwrap_or(&[]), swap) {
                    match code {
                        OPT_COMMENT => p.comment = Some(String::from_utf8_lossy(v).into_owned()),
                        EPB_FLAGS if v.len() == 4 => {
                            let f = u32_at(v, 0, swap).unwrap_or(0) & 3;
                            p.outbound = match f {
                                1 => Some(false),
                                2 => Some(true),
                                _ => None,
                            };
                        }
                        _ => {}
                    }
                }
                out.push(p);
            }
            SPB => {
                let i = ifaces.first().ok_or(PcapError::Bad {
                    what: "packet before any interface",
                    at,
                })?;
                if i.linktype != u32::from(LINKTYPE_NETLINK) {
                    return Err(PcapError::LinkType {
                        linktype: i.linktype,
                    });
                }
                let orig = u32_at(body, 0, swap).ok_or(short("packet block"))?;
                let data = &body[4..];
                let data = &data[..data.len().min(orig as usize)];
                out.push(Packet {
                    ts_ns: 0,
                    data,
                    orig_len: orig,
                    comment: None,
                    outbound: None,
                });
            }
            // Name resolution, statistics, custom blocks: nothing to show.
            _ => {}
        }
        at += len;
    }
    Ok(out)
}

fn to_ns(ts: u64, units_per_sec: u64) -> u64 {
    if units_per_sec == 0 {
        return ts;
    }
    (u128::from(ts) * 1_000_000_000 / u128::from(units_per_sec)) as u64
}

/// The options of a block: (code, value) until `opt_endofopt` or the end.
fn options(mut b: &[u8], swap: bool) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while let (Some(code), Some(len)) = (u16_at(b, 0, swap), u16_at(b, 2, swap)) {
        if code == OPT_END {
            break;
        }
        let Some(v) = b.get(4..4 + len as usize) else {
            break;
        };
        out.push((code, v));
        b = b.get(4 + pad4(len as usize)..).unwrap_or(&[]);
    }
    out
}

/// Our own comment, split once: every packet's is read for nine fields.
#[derive(Clone, Copy, Default)]
struct Comment<'a> {
    /// The `key=value` words before ` comm=`.
    head: &'a str,
    /// The rest: the comm, which may hold spaces.
    comm: Option<&'a str>,
}

impl<'a> Comment<'a> {
    fn parse(c: &'a str) -> Self {
        match c.split_once(" comm=") {
            Some((head, comm)) => Self {
                head,
                comm: Some(comm),
            },
            None => Self {
                head: c,
                comm: None,
            },
        }
    }

    /// The value of a key before the comm.
    fn field(&self, key: &str) -> Option<&'a str> {
        self.head
            .split(' ')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
    }
}

fn to_event(p: Packet<'_>) -> Event {
    let (cooked, msg) = if p.data.len() >= COOKED_LEN {
        p.data.split_at(COOKED_LEN)
    } else {
        (p.data, &[][..])
    };
    let protocol = u32::from(u16::from_be_bytes([
        cooked.get(14).copied().unwrap_or(0),
        cooked.get(15).copied().unwrap_or(0),
    ]));
    let ours = p
        .comment
        .as_deref()
        .filter(|c| c.starts_with("nlmon "))
        .map(Comment::parse);
    let num = |k| ours.and_then(|c| c.field(k)?.parse::<u32>().ok());
    let direction = match ours.and_then(|c| c.field("dir")) {
        Some("to_kernel") => Direction::ToKernel,
        Some("from_kernel") => Direction::FromKernel,
        Some("to_user") => Direction::ToUser,
        Some("from_user") => Direction::FromUser,
        // A kernel nlmon device marks every packet outgoing: a request flag
        // is the better guess at who sent it.
        _ => match p.outbound {
            Some(true) => Direction::ToKernel,
            Some(false) => Direction::FromKernel,
            None if is_request(msg) => Direction::ToKernel,
            None => Direction::FromKernel,
        },
    };
    let orig = (p.orig_len as usize).saturating_sub(COOKED_LEN) as u32;
    let (attrib, netns_name) = match ours {
        Some(c) => crate::attrib::fields::from_comment(|k| c.field(k)),
        None => Default::default(),
    };
    Event {
        kind: Kind::Message,
        mono_ns: p.ts_ns,
        time: SystemTime::UNIX_EPOCH + Duration::from_nanos(p.ts_ns),
        process: Process {
            tgid: num("pid").unwrap_or(0),
            tid: num("tid").unwrap_or(0),
            uid: num("uid").unwrap_or(0),
            comm: ours.and_then(|c| c.comm).unwrap_or("").to_owned(),
            cgroup_id: 0,
            attrib,
        },
        socket: Socket {
            protocol,
            portid: num("portid").unwrap_or(0),
            groups: 0,
            netns: num("netns").unwrap_or(0),
            netns_name,
            fd: ours
                .and_then(|c| c.field("fd")?.parse().ok())
                .filter(|_| ours.is_some()),
        },
        direction,
        peer: num("peer").map(|portid| crate::event::Peer { portid, groups: 0 }),
        hook: Hook::Unknown,
        call_flags: 0,
        ret_flags: 0,
        len: orig.max(msg.len() as u32),
        truncation: Truncation {
            snaplen: (msg.len() as u32) < orig,
            ..Truncation::default()
        },
        errno: None,
        msg_index: 0,
        data: msg.to_vec(),
    }
}

/// Whether the first message carries `NLM_F_REQUEST`.
fn is_request(msg: &[u8]) -> bool {
    u16_at(msg, 6, false).is_some_and(|f| f & 1 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Clock, Peer};

    fn event(data: Vec<u8>, dir: Direction) -> Event {
        let mut e = crate::event::sample("my prog", 4121, 77, data);
        e.process.tid = 4122;
        e.process.uid = 1000;
        e.socket.netns = 4026531840;
        e.socket.fd = Some(3);
        e.direction = dir;
        e.time = Clock::new().wall(123_456_789_000);
        e.peer = Some(Peer {
            portid: 0,
            groups: 0,
        });
        e
    }

    fn nlmsg(ty: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&((16 + payload.len()) as u32).to_ne_bytes());
        m.extend_from_slice(&ty.to_ne_bytes());
        m.extend_from_slice(&flags.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(payload);
        m
    }

    #[test]
    fn round_trip_one_packet_per_message() {
        let mut two = nlmsg(16, 2, 5, &[1, 2, 3, 4]);
        two.extend(nlmsg(3, 2, 5, &[0, 0, 0, 0]));
        let evs = [
            event(nlmsg(18, 0x301, 5, &[0; 16]), Direction::ToKernel),
            event(two, Direction::FromKernel),
        ];
        let mut w = PcapngWriter::new(Vec::new()).unwrap();
        for e in &evs {
            w.write_event(e).unwrap();
        }
        assert_eq!(w.packets(), 3);
        let file = w.w;
        let back = read(&file).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back[0].data, evs[0].data);
        assert_eq!(back[0].direction, Direction::ToKernel);
        assert_eq!(back[0].process.comm, "my prog");
        assert_eq!(back[0].process.tgid, 4121);
        assert_eq!(back[0].process.tid, 4122);
        assert_eq!(back[0].process.uid, 1000);
        assert_eq!(back[0].socket.netns, 4026531840);
        assert_eq!(back[0].socket.portid, 77);
        assert_eq!(back[0].socket.fd, Some(3));
        assert_eq!(back[0].time, evs[0].time);
        assert_eq!(back[1].data, evs[1].data[..20]);
        assert_eq!(back[2].data, evs[1].data[20..]);
        assert_eq!(back[2].direction, Direction::FromKernel);
    }

    #[test]
    fn truncated_messages_keep_their_length() {
        let mut m = nlmsg(16, 2, 5, &[7; 40]);
        m.truncate(30);
        let mut e = event(m, Direction::FromKernel);
        e.len = 56;
        let mut w = PcapngWriter::new(Vec::new()).unwrap();
        w.write_event(&e).unwrap();
        let back = read(&w.w).unwrap();
        assert_eq!(back[0].data.len(), 30);
        assert_eq!(back[0].len, 56);
        assert!(back[0].truncation.snaplen);
    }

    #[test]
    fn reads_classic_pcap_from_a_tap() {
        // What tcpdump -i nlmon0 writes: microsecond pcap, linktype 253,
        // every packet marked outgoing.
        let msg = nlmsg(18, 0x301, 9, &[0; 16]);
        let mut f = Vec::new();
        f.extend_from_slice(&0xA1B2_C3D4u32.to_ne_bytes());
        f.extend_from_slice(&2u16.to_ne_bytes());
        f.extend_from_slice(&4u16.to_ne_bytes());
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&262144u32.to_ne_bytes());
        f.extend_from_slice(&253u32.to_ne_bytes());
        let mut pkt = vec![0, 4, 0x03, 0x38];
        pkt.extend_from_slice(&[0; 10]);
        pkt.extend_from_slice(&0u16.to_be_bytes());
        pkt.extend_from_slice(&msg);
        for v in [10u32, 500, pkt.len() as u32, pkt.len() as u32] {
            f.extend_from_slice(&v.to_ne_bytes());
        }
        f.extend_from_slice(&pkt);
        let evs = read(&f).unwrap();
        assert_eq!(evs.len(), 1);
        assert_eq!(evs[0].data, msg);
        assert_eq!(evs[0].direction, Direction::ToKernel, "NLM_F_REQUEST set");
        assert_eq!(evs[0].mono_ns, 10_000_500_000);
        assert_eq!(evs[0].hook, Hook::Unknown);
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        assert_eq!(
            read(b"hello world, not a capture"),
            Err(PcapError::Magic { magic: 0x6c6c6568 })
        );
        let mut w = PcapngWriter::new(Vec::new()).unwrap();
        w.write_event(&event(nlmsg(18, 1, 1, &[0; 8]), Direction::ToKernel))
            .unwrap();
        let file = w.w;
        for n in 0..file.len() {
            let _ = read(&file[..n]);
        }
        let mut bad = file.clone();
        bad[4] = 3;
        assert!(read(&bad).is_err());
    }
}
