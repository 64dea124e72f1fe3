//! Writing pcapng: a section header, one netlink interface, and an
//! enhanced packet block per netlink message.

use std::{
    io::{self, Write},
    time::SystemTime,
};

use nlmon_common::nlmsg::{BadFrame, Frame, frames};

use super::{
    ARPHRD_NETLINK, BYTE_ORDER_MAGIC, COOKED_LEN, EPB, EPB_FLAGS, IDB, IF_TSRESOL,
    LINKTYPE_NETLINK, OPT_COMMENT, OPT_END, PACKET_HOST, PACKET_OUTGOING, SHB, SHB_USERAPPL,
    SNAPLEN, comment, pad4,
};
use crate::event::{Event, Kind};

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

    /// The writer underneath, once writing is over.
    pub fn into_inner(self) -> W {
        self.w
    }

    /// Packets written so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// Writes the messages of `ev` that were shown (ranges of its buffer),
    /// each with the interface names it was shown with.
    pub fn write_shown(&mut self, ev: &Event, msgs: &[crate::pipeline::Shown]) -> io::Result<()> {
        let Some(ts) = stamp(ev) else {
            return Ok(());
        };
        let head = comment::head(ev);
        for s in msgs {
            let bytes = s.bytes(ev);
            let orig = (s.message.header.len as usize).max(bytes.len());
            let comment = comment::finish(&head, &s.ifnames, &ev.process.comm);
            self.packet(ev, ts, bytes, orig, &comment)?;
        }
        Ok(())
    }

    /// Writes one packet per netlink message of the event (overruns carry
    /// no message and write nothing), with the interface names the event
    /// carries.
    pub fn write_event(&mut self, ev: &Event) -> io::Result<()> {
        let Some(ts) = stamp(ev) else {
            return Ok(());
        };
        let comment = comment(ev);
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

    /// Writes one packet of `ev` holding `msg` (`orig` bytes on the wire)
    /// with this comment.
    pub(super) fn packet(
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

/// The nanosecond timestamp of an event's packets; None for an overrun,
/// which writes none.
fn stamp(ev: &Event) -> Option<u64> {
    let ts = ev
        .time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64;
    (ev.kind == Kind::Message).then_some(ts)
}

fn block(w: &mut impl Write, ty: u32, body: &[u8]) -> io::Result<()> {
    let total = (12 + body.len()) as u32;
    w.write_all(&ty.to_ne_bytes())?;
    w.write_all(&total.to_ne_bytes())?;
    w.write_all(body)?;
    w.write_all(&total.to_ne_bytes())
}
