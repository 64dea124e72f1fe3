//! Reading pcap and pcapng as a stream: one block in memory at a time, each
//! netlink packet turned into an [`Event`] as soon as it is read. A file
//! cut short yields every packet before the cut, then [`PcapError::Cut`]
//! with the byte it was cut at.

use std::{
    io::{self, BufReader, Read},
    time::{Duration, SystemTime},
};

use super::{
    COOKED_LEN, EPB, EPB_FLAGS, IDB, IF_TSRESOL, LINKTYPE_NETLINK, OPT_COMMENT, OPT_END, SHB, SPB,
    comment::Comment, pad4,
};
use crate::event::{Direction, Event, Hook, Kind, Process, Socket};

/// The largest block or record read: far above any netlink packet (64 KiB
/// and a few comments), far below what a corrupt length field can claim.
/// Longer blocks of other types are skipped without being held.
const MAX_BLOCK: usize = 16 << 20;

/// A capture file that cannot be read (further).
#[derive(Debug, thiserror::Error)]
pub enum PcapError {
    #[error("not a pcap or pcapng file (starts with {magic:#010x})")]
    Magic { magic: u32 },
    #[error("the file is empty")]
    Empty,
    #[error(
        "the capture was cut short at byte {at}: it ends inside a {what} that starts at \
         byte {start}"
    )]
    Cut {
        what: &'static str,
        /// Where the unfinished block or record starts.
        start: u64,
        /// The file's length: where it was cut.
        at: u64,
    },
    #[error("bad {what} at byte {at}")]
    Bad { what: &'static str, at: u64 },
    #[error(
        "link type {linktype} is not netlink ({LINKTYPE_NETLINK}); capture from an nlmon \
         device (ip link add nlmon0 type nlmon) or with nlmon -w"
    )]
    LinkType { linktype: u32 },
    #[error("read error at byte {at}: {source}")]
    Io { at: u64, source: io::Error },
}

impl PcapError {
    /// The byte a cut-short file ends at.
    pub fn cut_at(&self) -> Option<u64> {
        match self {
            Self::Cut { at, .. } => Some(*at),
            _ => None,
        }
    }
}

/// One packet of a capture file.
struct Packet<'a> {
    ts_ns: u64,
    data: &'a [u8],
    orig_len: u32,
    comment: Option<&'a str>,
    outbound: Option<bool>,
}

/// An interface of a pcapng section: its link type and timestamp units.
struct Interface {
    linktype: u32,
    units_per_sec: u64,
}

enum Format {
    Pcap { swap: bool, nanos: bool },
    Pcapng { swap: bool, ifaces: Vec<Interface> },
}

/// Reads netlink packets from a pcap or pcapng stream, one block at a
/// time.
pub struct Reader<R: Read> {
    src: BufReader<R>,
    /// The block being read (for pcapng, its first bytes may be read
    /// already: the file's magic).
    buf: Vec<u8>,
    /// Bytes consumed from the stream.
    at: u64,
    format: Format,
    /// After an error or the end: nothing more.
    over: bool,
}

impl<R: Read> Reader<R> {
    /// Reads the file header.
    pub fn new(src: R) -> Result<Self, PcapError> {
        let mut r = Self {
            src: BufReader::with_capacity(64 << 10, src),
            buf: Vec::with_capacity(64 << 10),
            at: 0,
            format: Format::Pcapng {
                swap: false,
                ifaces: Vec::new(),
            },
            over: false,
        };
        if !r.fill(4, "file header", 0, true)? {
            return Err(PcapError::Empty);
        }
        let magic = r.u32(0, false);
        let (swap, nanos) = match magic {
            // The section header is read as the first block.
            SHB => return Ok(r),
            0xA1B2_C3D4 => (false, false),
            0xD4C3_B2A1 => (true, false),
            0xA1B2_3C4D => (false, true),
            0x4D3C_B2A1 => (true, true),
            magic => return Err(PcapError::Magic { magic }),
        };
        r.fill(24, "pcap header", 0, false)?;
        let linktype = r.u32(20, swap) & 0xFFFF;
        if linktype != u32::from(LINKTYPE_NETLINK) {
            return Err(PcapError::LinkType { linktype });
        }
        r.buf.clear();
        r.format = Format::Pcap { swap, nanos };
        Ok(r)
    }

    /// Bytes read so far.
    pub fn offset(&self) -> u64 {
        self.at
    }

    /// True when the next packet is buffered whole, so reading it cannot
    /// wait on the stream: a caller that shows in batches shows what it
    /// has before a read that may wait (a pipe from `tcpdump -U`).
    pub fn next_ready(&self) -> bool {
        let b = self.src.buffer();
        match &self.format {
            Format::Pcap { swap, .. } => {
                u32_at(b, 8, *swap).is_some_and(|incl| b.len() >= 16 + incl as usize)
            }
            Format::Pcapng { swap, .. } => {
                // Blocks that are not packets are passed over on the way.
                let mut at = 0;
                while let (Some(ty), Some(len)) = (u32_at(b, at, *swap), u32_at(b, at + 4, *swap)) {
                    let len = len as usize;
                    // A new section may change the byte order: not known yet.
                    if ty == SHB || len < 12 || b.len() - at < len {
                        return false;
                    }
                    if matches!(ty, EPB | SPB) {
                        return true;
                    }
                    at += len;
                }
                false
            }
        }
    }

    /// The next netlink packet, None at the end of the file.
    pub fn next_event(&mut self) -> Result<Option<Event>, PcapError> {
        if self.over {
            return Ok(None);
        }
        let r = match self.format {
            Format::Pcap { swap, nanos } => self.next_pcap(swap, nanos),
            Format::Pcapng { .. } => self.next_pcapng(),
        };
        if !matches!(r, Ok(Some(_))) {
            self.over = true;
        }
        r
    }

    /// Extends the block buffer to `len` bytes from the stream. False at a
    /// clean end (nothing of the block read, `eof_ok`).
    fn fill(
        &mut self,
        len: usize,
        what: &'static str,
        start: u64,
        eof_ok: bool,
    ) -> Result<bool, PcapError> {
        let mut have = self.buf.len();
        self.buf.resize(len.max(have), 0);
        while have < len {
            match self.src.read(&mut self.buf[have..len]) {
                Ok(0) => {
                    self.buf.truncate(have);
                    if eof_ok && have == 0 {
                        return Ok(false);
                    }
                    return Err(PcapError::Cut {
                        what,
                        start,
                        at: self.at,
                    });
                }
                Ok(n) => {
                    have += n;
                    self.at += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(PcapError::Io {
                        at: self.at,
                        source,
                    });
                }
            }
        }
        Ok(true)
    }

    /// Passes over `n` bytes of a block nlmon does not read.
    fn skip(&mut self, n: u64, what: &'static str, start: u64) -> Result<(), PcapError> {
        let got = io::copy(&mut (&mut self.src).take(n), &mut io::sink()).map_err(|source| {
            PcapError::Io {
                at: self.at,
                source,
            }
        })?;
        self.at += got;
        if got < n {
            return Err(PcapError::Cut {
                what,
                start,
                at: self.at,
            });
        }
        Ok(())
    }

    fn u32(&self, at: usize, swap: bool) -> u32 {
        u32_at(&self.buf, at, swap).unwrap_or(0)
    }

    fn next_pcap(&mut self, swap: bool, nanos: bool) -> Result<Option<Event>, PcapError> {
        let start = self.at;
        self.buf.clear();
        if !self.fill(16, "packet record", start, true)? {
            return Ok(None);
        }
        let sec = u64::from(self.u32(0, swap));
        let frac = u64::from(self.u32(4, swap));
        let incl = self.u32(8, swap) as usize;
        let orig = self.u32(12, swap);
        if incl > MAX_BLOCK {
            return Err(PcapError::Bad {
                what: "packet record length",
                at: start,
            });
        }
        self.fill(16 + incl, "packet record", start, false)?;
        let ts_ns = sec * 1_000_000_000 + if nanos { frac } else { frac * 1000 };
        Ok(Some(to_event(&Packet {
            ts_ns,
            data: &self.buf[16..],
            orig_len: orig,
            comment: None,
            outbound: None,
        })))
    }

    fn next_pcapng(&mut self) -> Result<Option<Event>, PcapError> {
        loop {
            // The file's magic is read already for the first block.
            let start = self.at - self.buf.len() as u64;
            if !self.fill(8, "block header", start, true)? {
                return Ok(None);
            }
            let ty = self.u32(0, false);
            if ty == SHB {
                self.fill(12, "section header", start, false)?;
                let magic = self.u32(8, false);
                let swapped = match magic {
                    super::BYTE_ORDER_MAGIC => false,
                    m if m == super::BYTE_ORDER_MAGIC.swap_bytes() => true,
                    _ => {
                        return Err(PcapError::Bad {
                            what: "byte-order magic",
                            at: start,
                        });
                    }
                };
                // Interfaces are numbered per section.
                self.format = Format::Pcapng {
                    swap: swapped,
                    ifaces: Vec::new(),
                };
            }
            let Format::Pcapng { swap, .. } = self.format else {
                unreachable!("pcapng blocks in a pcap file");
            };
            let ty = if swap { ty.swap_bytes() } else { ty };
            let len = self.u32(4, swap) as usize;
            if len < 12 || !len.is_multiple_of(4) {
                return Err(PcapError::Bad {
                    what: "block length",
                    at: start,
                });
            }
            let what = block_name(ty);
            if len > MAX_BLOCK {
                if matches!(ty, SHB | IDB | EPB | SPB) {
                    return Err(PcapError::Bad {
                        what: "block length",
                        at: start,
                    });
                }
                let rest = (len - self.buf.len()) as u64;
                self.skip(rest, what, start)?;
                self.buf.clear();
                continue;
            }
            self.fill(len, what, start, false)?;
            let ev = self.block(ty, len, swap, start)?;
            self.buf.clear();
            if ev.is_some() {
                return Ok(ev);
            }
        }
    }

    /// Takes in the block in the buffer; a packet's event.
    fn block(
        &mut self,
        ty: u32,
        len: usize,
        swap: bool,
        start: u64,
    ) -> Result<Option<Event>, PcapError> {
        let Format::Pcapng { ifaces, .. } = &mut self.format else {
            unreachable!("pcapng blocks in a pcap file");
        };
        let body = &self.buf[8..len - 4];
        let bad = |what| PcapError::Bad { what, at: start };
        match ty {
            IDB => {
                let linktype = u32::from(u16_at(body, 0, swap).ok_or(bad("interface block"))?);
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
                Ok(None)
            }
            EPB => {
                let r = |o| u32_at(body, o, swap).ok_or(bad("packet block"));
                let iface = r(0)? as usize;
                let ts = (u64::from(r(4)?) << 32) | u64::from(r(8)?);
                let cap = r(12)? as usize;
                let orig = r(16)?;
                let data = body
                    .get(20..20 + cap)
                    .ok_or(bad("packet block's captured length"))?;
                let i = ifaces.get(iface).ok_or(bad("interface id"))?;
                netlink(i)?;
                let mut p = Packet {
                    ts_ns: to_ns(ts, i.units_per_sec),
                    data,
                    orig_len: orig,
                    comment: None,
                    outbound: None,
                };
                for (code, v) in options(body.get(20 + pad4(cap)..).unwrap_or(&[]), swap) {
                    match code {
                        OPT_COMMENT => p.comment = std::str::from_utf8(v).ok(),
                        EPB_FLAGS if v.len() == 4 => {
                            p.outbound = match u32_at(v, 0, swap).unwrap_or(0) & 3 {
                                1 => Some(false),
                                2 => Some(true),
                                _ => None,
                            };
                        }
                        _ => {}
                    }
                }
                Ok(Some(to_event(&p)))
            }
            SPB => {
                let i = ifaces.first().ok_or(bad("packet before any interface"))?;
                netlink(i)?;
                let orig = u32_at(body, 0, swap).ok_or(bad("packet block"))?;
                let data = &body[4..];
                let data = &data[..data.len().min(orig as usize)];
                Ok(Some(to_event(&Packet {
                    ts_ns: 0,
                    data,
                    orig_len: orig,
                    comment: None,
                    outbound: None,
                })))
            }
            // Name resolution, statistics, custom blocks: nothing to show.
            _ => Ok(None),
        }
    }
}

impl<R: Read> Iterator for Reader<R> {
    type Item = Result<Event, PcapError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_event().transpose()
    }
}

/// Reads a whole capture held in memory (the tests' reader; `-r` streams
/// with [`Reader`]).
pub fn read(bytes: &[u8]) -> Result<Vec<Event>, PcapError> {
    Reader::new(bytes)?.collect()
}

fn netlink(i: &Interface) -> Result<(), PcapError> {
    if i.linktype == u32::from(LINKTYPE_NETLINK) {
        Ok(())
    } else {
        Err(PcapError::LinkType {
            linktype: i.linktype,
        })
    }
}

fn block_name(ty: u32) -> &'static str {
    match ty {
        SHB => "section header",
        IDB => "interface block",
        EPB => "packet block",
        SPB => "simple packet block",
        _ => "block",
    }
}

fn u16_at(b: &[u8], at: usize, swap: bool) -> Option<u16> {
    let v = u16::from_ne_bytes(b.get(at..at + 2)?.try_into().ok()?);
    Some(if swap { v.swap_bytes() } else { v })
}

fn u32_at(b: &[u8], at: usize, swap: bool) -> Option<u32> {
    let v = u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?);
    Some(if swap { v.swap_bytes() } else { v })
}

fn to_ns(ts: u64, units_per_sec: u64) -> u64 {
    if units_per_sec == 0 {
        return ts;
    }
    (u128::from(ts) * 1_000_000_000 / u128::from(units_per_sec)) as u64
}

/// The options of a block: (code, value) until `opt_endofopt` or the end.
fn options(mut b: &[u8], swap: bool) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let (code, len) = (u16_at(b, 0, swap)?, u16_at(b, 2, swap)?);
        if code == OPT_END {
            return None;
        }
        let v = b.get(4..4 + len as usize)?;
        b = b.get(4 + pad4(len as usize)..).unwrap_or(&[]);
        Some((code, v))
    })
}

fn to_event(p: &Packet<'_>) -> Event {
    let (cooked, msg) = if p.data.len() >= COOKED_LEN {
        p.data.split_at(COOKED_LEN)
    } else {
        (p.data, &[][..])
    };
    let protocol = u32::from(u16::from_be_bytes([
        cooked.get(14).copied().unwrap_or(0),
        cooked.get(15).copied().unwrap_or(0),
    ]));
    let ours = p.comment.and_then(Comment::parse);
    let num = |k| ours.and_then(|c| c.num::<u32>(k));
    let direction = match ours.and_then(|c| c.direction()) {
        Some(d) => d,
        // A kernel nlmon device marks every packet outgoing: a request flag
        // is the better guess at who sent it.
        None => match p.outbound {
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
    let mut truncation = ours.map(|c| c.truncation()).unwrap_or_default();
    truncation.snaplen |= (msg.len() as u32) < orig;
    Event {
        kind: Kind::Message,
        // The capture's monotonic clock where the comment says it, so that
        // latencies and request times are those the live command showed.
        mono_ns: ours.and_then(|c| c.num("mono")).unwrap_or(p.ts_ns),
        time: SystemTime::UNIX_EPOCH + Duration::from_nanos(p.ts_ns),
        process: Process {
            tgid: num("pid").unwrap_or(0),
            tid: num("tid").unwrap_or(0),
            uid: num("uid").unwrap_or(0),
            comm: ours.and_then(|c| c.comm()).unwrap_or("").to_owned(),
            cgroup_id: ours.and_then(|c| c.num("cgroup_id")).unwrap_or(0),
            attrib,
        },
        socket: Socket {
            protocol,
            portid: num("portid").unwrap_or(0),
            groups: num("groups").unwrap_or(0),
            netns: num("netns").unwrap_or(0),
            netns_name,
            fd: ours.and_then(|c| c.num("fd")),
        },
        direction,
        peer: num("peer").map(|portid| crate::event::Peer {
            portid,
            groups: num("peer_groups").unwrap_or(0),
        }),
        hook: ours.and_then(|c| c.hook()).unwrap_or(Hook::Unknown),
        call_flags: num("call_flags").unwrap_or(0),
        ret_flags: num("ret_flags").unwrap_or(0),
        len: orig.max(msg.len() as u32),
        truncation,
        errno: ours.and_then(|c| c.num("errno")),
        msg_index: num("msg_index").unwrap_or(0),
        data: msg.to_vec(),
        ifnames: ours.map(|c| c.ifnames()).unwrap_or_default(),
    }
}

/// Whether the first message carries `NLM_F_REQUEST`.
fn is_request(msg: &[u8]) -> bool {
    u16_at(msg, 6, false).is_some_and(|f| f & 1 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        event::{Clock, Peer},
        pcapng::PcapngWriter,
    };

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

    fn file(evs: &[Event]) -> Vec<u8> {
        let mut w = PcapngWriter::new(Vec::new()).unwrap();
        for e in evs {
            w.write_event(e).unwrap();
        }
        w.into_inner()
    }

    /// Three packets: a request, then a reply buffer of two messages.
    fn three() -> (Vec<Event>, Vec<u8>) {
        let mut two = nlmsg(16, 2, 5, &[1, 2, 3, 4]);
        two.extend(nlmsg(3, 2, 5, &[0, 0, 0, 0]));
        let evs = vec![
            event(nlmsg(18, 0x301, 5, &[0; 16]), Direction::ToKernel),
            event(two, Direction::FromKernel),
        ];
        let f = file(&evs);
        (evs, f)
    }

    #[test]
    fn round_trip_one_packet_per_message() {
        let (evs, file) = three();
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
    fn the_comment_restores_what_the_live_command_showed() {
        let e = crate::pcapng::comment::tests::with_every_field(event(
            nlmsg(16, 2, 5, &[0; 16]),
            Direction::FromKernel,
        ));
        let back = read(&file(std::slice::from_ref(&e))).unwrap();
        assert_eq!(back, [e]);
    }

    #[test]
    fn each_packet_keeps_the_interface_names_its_message_was_shown_with() {
        use crate::{
            filter::Filter,
            output::PcapngSink,
            pipeline::{
                Detail, Pipeline, PipelineOptions, Single,
                tests::{newaddr, newlink},
            },
        };
        // Namespace 1 is nobody's: names come from the links only.
        let mut links = event(
            [newlink(3, "v0"), newlink(5, "v 1")].concat(),
            Direction::FromKernel,
        );
        links.socket.netns = 1;
        let mut addrs = event(
            [newaddr(3), newaddr(5), newaddr(9)].concat(),
            Direction::FromKernel,
        );
        addrs.socket.netns = 1;
        let mut single = Single::new(Filter::default(), PipelineOptions::default(), None);
        let mut sink = PcapngSink(PcapngWriter::new(Vec::new()).unwrap());
        single.process(vec![links, addrs], &mut sink).unwrap();
        let back = read(&sink.0.into_inner()).unwrap();
        let v0 = vec![(3, "v0".into())];
        let v1 = vec![(5, "v 1".into())];
        let names: Vec<_> = back.iter().map(|e| e.ifnames.clone()).collect();
        assert_eq!(
            names,
            [v0.clone(), v1.clone(), v0.clone(), v1.clone(), vec![]]
        );
        // Without the links (a capture that starts later), -r names the
        // addresses' interfaces from the comments alone.
        let out = Pipeline::new(PipelineOptions::default()).decode_batch(
            back[2..].to_vec(),
            Detail::Tree,
            None,
        );
        let shown: Vec<_> = out.iter().map(|d| d.msgs[0].ifnames.clone()).collect();
        assert_eq!(shown, [v0, v1, vec![]]);
        let node = |i: usize| {
            out[i].msgs[0]
                .message
                .body
                .iter()
                .find(|n| n.name == "ifa_index")
                .unwrap()
                .ifname
                .clone()
        };
        assert_eq!(
            (node(0), node(1), node(2)),
            (Some("v0".into()), Some("v 1".into()), None)
        );
    }

    /// A file whose one packet carries `comment`.
    fn commented(comment: &str) -> (Event, Vec<u8>) {
        let e = event(nlmsg(16, 2, 5, &[0; 16]), Direction::FromKernel);
        let mut w = PcapngWriter::new(Vec::new()).unwrap();
        w.packet(&e, 123_456_789_000, &e.data, e.data.len(), comment)
            .unwrap();
        (e, w.into_inner())
    }

    #[test]
    fn older_and_foreign_comments_leave_the_rest_unknown() {
        let (e, f) = commented(
            "nlmon pid=4121 tid=4122 uid=1000 dir=from_kernel netns=4026531840 portid=77 \
             peer=0 fd=3 comm=my prog",
        );
        let old = read(&f).unwrap().remove(0);
        assert_eq!(
            (old.process.tgid, old.socket.portid, old.socket.fd),
            (4121, 77, Some(3))
        );
        assert_eq!(old.process.comm, "my prog");
        assert_eq!(old.hook, Hook::Unknown);
        assert_eq!(old.mono_ns, 123_456_789_000, "the packet's time");
        assert_eq!((old.process.cgroup_id, old.socket.groups), (0, 0));
        assert_eq!(old.peer.map(|p| p.groups), Some(0));
        assert_eq!((old.errno, old.call_flags, old.msg_index), (None, 0, 0));
        assert!(old.ifnames.is_empty());
        assert_eq!(old.data, e.data);
        let (_, f) = commented("written by wireshark hook=sendto pid=9");
        let foreign = read(&f).unwrap().remove(0);
        assert_eq!((foreign.process.tgid, foreign.hook), (0, Hook::Unknown));
        assert_eq!(
            foreign.direction,
            Direction::FromKernel,
            "from the packet flags"
        );
    }

    #[test]
    fn truncated_messages_keep_their_length() {
        let mut m = nlmsg(16, 2, 5, &[7; 40]);
        m.truncate(30);
        let mut e = event(m, Direction::FromKernel);
        e.len = 56;
        let back = read(&file(&[e])).unwrap();
        assert_eq!(back[0].data.len(), 30);
        assert_eq!(back[0].len, 56);
        assert!(back[0].truncation.snaplen);
    }

    fn tap_pcap(msgs: &[Vec<u8>]) -> Vec<u8> {
        // What tcpdump -i nlmon0 writes: microsecond pcap, linktype 253,
        // every packet marked outgoing.
        let mut f = Vec::new();
        f.extend_from_slice(&0xA1B2_C3D4u32.to_ne_bytes());
        f.extend_from_slice(&2u16.to_ne_bytes());
        f.extend_from_slice(&4u16.to_ne_bytes());
        f.extend_from_slice(&[0; 8]);
        f.extend_from_slice(&262144u32.to_ne_bytes());
        f.extend_from_slice(&253u32.to_ne_bytes());
        for msg in msgs {
            let mut pkt = vec![0, 4, 0x03, 0x38];
            pkt.extend_from_slice(&[0; 10]);
            pkt.extend_from_slice(&0u16.to_be_bytes());
            pkt.extend_from_slice(msg);
            for v in [10u32, 500, pkt.len() as u32, pkt.len() as u32] {
                f.extend_from_slice(&v.to_ne_bytes());
            }
            f.extend_from_slice(&pkt);
        }
        f
    }

    #[test]
    fn reads_classic_pcap_from_a_tap() {
        let msg = nlmsg(18, 0x301, 9, &[0; 16]);
        let evs = read(&tap_pcap(std::slice::from_ref(&msg))).unwrap();
        assert_eq!(evs.len(), 1);
        assert_eq!(evs[0].data, msg);
        assert_eq!(evs[0].direction, Direction::ToKernel, "NLM_F_REQUEST set");
        assert_eq!(evs[0].mono_ns, 10_000_500_000);
        assert_eq!(evs[0].hook, Hook::Unknown);
    }

    /// A stream that hands out one byte per read, like a slow pipe.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(out)) => {
                    *out = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn reads_a_stream_a_byte_at_a_time() {
        let (evs, file) = three();
        let back: Vec<Event> = Reader::new(Trickle(&file))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back[0].data, evs[0].data);
    }

    /// A stream that hands out the given pieces, one per read.
    struct Pieces(Vec<Vec<u8>>);

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some(p) = self.0.first_mut() else {
                return Ok(0);
            };
            let n = p.len().min(buf.len());
            buf[..n].copy_from_slice(&p[..n]);
            p.drain(..n);
            if p.is_empty() {
                self.0.remove(0);
            }
            Ok(n)
        }
    }

    #[test]
    fn says_whether_the_next_packet_is_buffered_whole() {
        let (_, file) = three();
        let whole = read(&file).unwrap().len();
        assert_eq!(whole, 3);
        // The first read ends 3 bytes into the last packet block.
        let cut = file
            .windows(4)
            .rposition(|w| w == EPB.to_ne_bytes())
            .unwrap()
            + 3;
        let mut r = Reader::new(Pieces(vec![file[..cut].to_vec(), file[cut..].to_vec()])).unwrap();
        assert!(r.next_event().unwrap().is_some());
        assert!(r.next_ready(), "the second packet came whole");
        assert!(r.next_event().unwrap().is_some());
        assert!(!r.next_ready(), "the third has 3 bytes only");
        assert!(r.next_event().unwrap().is_some(), "read on");
        assert!(!r.next_ready());
        assert!(r.next_event().unwrap().is_none());
    }

    /// Packets before the cut, then where it was cut.
    fn read_prefix(file: &[u8]) -> (usize, Result<(), PcapError>) {
        let mut r = match Reader::new(file) {
            Ok(r) => r,
            Err(e) => return (0, Err(e)),
        };
        let mut n = 0;
        loop {
            match r.next_event() {
                Ok(Some(_)) => n += 1,
                Ok(None) => return (n, Ok(())),
                Err(e) => return (n, Err(e)),
            }
        }
    }

    #[test]
    fn every_prefix_shows_the_packets_before_the_cut_and_where_it_is() {
        for (what, file) in [
            ("pcapng", three().1),
            ("pcap", {
                let m = nlmsg(18, 0x301, 9, &[0; 16]);
                tap_pcap(&[m.clone(), m.clone(), m])
            }),
        ] {
            // Where each packet ends: a cut there is a clean end.
            let mut ends = Vec::new();
            for n in 0..=file.len() {
                let (got, r) = read_prefix(&file[..n]);
                match r {
                    Ok(()) => ends.push((n, got)),
                    Err(PcapError::Empty) => assert_eq!(n, 0),
                    Err(PcapError::Cut { at, start, .. }) => {
                        assert_eq!(at, n as u64, "{what}: cut at {n}");
                        assert!(start < at, "{what}: cut at {n}");
                        // Every packet that ended before the cut was shown.
                        let before = ends.last().map_or(0, |&(_, g)| g);
                        assert_eq!(got, before, "{what}: cut at {n}");
                    }
                    Err(e) => panic!("{what}: prefix {n}: {e}"),
                }
            }
            let (n, got) = *ends.last().unwrap();
            assert_eq!((n, got), (file.len(), 3), "{what}");
        }
    }

    #[test]
    fn corrupt_files_are_errors_not_panics() {
        assert!(matches!(
            Reader::new(&b"hello world, not a capture"[..]),
            Err(PcapError::Magic { magic: 0x6c6c6568 })
        ));
        let (_, file) = three();
        // Every byte set to a few values in turn: errors or fewer packets,
        // never a panic, never more memory than a block.
        for at in 0..file.len() {
            for v in [0u8, 0x03, 0x7F, 0xFF] {
                let mut bad = file.clone();
                bad[at] = v;
                let _ = read_prefix(&bad);
            }
        }
        let mut bad = file.clone();
        bad[4] = 3;
        assert!(matches!(
            read(&bad),
            Err(PcapError::Bad {
                what: "block length",
                at: 0
            })
        ));
    }

    #[test]
    fn a_huge_block_length_is_refused_before_it_is_read() {
        let (_, mut file) = three();
        // The first packet block (after the 28+... byte SHB and the IDB):
        // find it by its type.
        let epb = file
            .windows(4)
            .position(|w| w == EPB.to_ne_bytes())
            .unwrap();
        file[epb + 4..epb + 8].copy_from_slice(&0xFFFF_FFF0u32.to_ne_bytes());
        let r = read(&file);
        assert!(
            matches!(r, Err(PcapError::Bad { what: "block length", at }) if at == epb as u64),
            "{r:?}"
        );
    }
}
