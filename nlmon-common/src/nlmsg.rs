//! Walking the `nlmsghdr`s in a buffer, with bounds checks. A short or
//! corrupt tail ends the walk with a [`Frame::Bad`] describing it; nothing
//! before it is lost.

/// `struct nlmsghdr` (host byte order, as netlink is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NlMsgHdr {
    pub len: u32,
    pub ty: u16,
    pub flags: u16,
    pub seq: u32,
    pub pid: u32,
}

pub const NLMSG_HDRLEN: usize = 16;

// The netlink words everyone uses, defined once (`include/uapi/linux/netlink.h`).

/// Control message types (`NLMSG_*`); types below `NLMSG_MIN_TYPE` are
/// reserved for them.
pub const NLMSG_NOOP: u16 = 1;
pub const NLMSG_ERROR: u16 = 2;
pub const NLMSG_DONE: u16 = 3;
pub const NLMSG_OVERRUN: u16 = 4;
pub const NLMSG_MIN_TYPE: u16 = 16;

/// `nlmsg_flags`: the low byte means the same everywhere.
pub const NLM_F_REQUEST: u16 = 0x1;
pub const NLM_F_MULTI: u16 = 0x2;
pub const NLM_F_ACK: u16 = 0x4;
pub const NLM_F_ECHO: u16 = 0x8;
pub const NLM_F_DUMP_INTR: u16 = 0x10;
pub const NLM_F_DUMP_FILTERED: u16 = 0x20;
/// For GET requests.
pub const NLM_F_ROOT: u16 = 0x100;
pub const NLM_F_MATCH: u16 = 0x200;
pub const NLM_F_DUMP: u16 = NLM_F_ROOT | NLM_F_MATCH;
/// For NEW requests.
pub const NLM_F_REPLACE: u16 = 0x100;
pub const NLM_F_EXCL: u16 = 0x200;
pub const NLM_F_CREATE: u16 = 0x400;
/// For acks (`NLMSG_ERROR`).
pub const NLM_F_CAPPED: u16 = 0x100;
pub const NLM_F_ACK_TLVS: u16 = 0x200;

/// Netlink protocols (`NETLINK_*`).
pub const NETLINK_ROUTE: u32 = 0;
pub const NETLINK_SOCK_DIAG: u32 = 4;
pub const NETLINK_XFRM: u32 = 6;
pub const NETLINK_AUDIT: u32 = 9;
pub const NETLINK_CONNECTOR: u32 = 11;
pub const NETLINK_NETFILTER: u32 = 12;
pub const NETLINK_KOBJECT_UEVENT: u32 = 15;
pub const NETLINK_GENERIC: u32 = 16;

/// What the walker found at one position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A message: its header, its payload (after the header, within
    /// `nlmsg_len`), and its byte range in the buffer.
    Msg {
        hdr: NlMsgHdr,
        payload: &'a [u8],
        start: usize,
        end: usize,
    },
    /// Bytes that are not a whole message: fewer than a header, a length
    /// below the header size, or a length past the end of the captured bytes.
    Bad {
        start: usize,
        rest: &'a [u8],
        reason: BadFrame,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadFrame {
    /// Fewer bytes than a header remain.
    ShortHeader,
    /// `nlmsg_len` is smaller than the header.
    LengthTooSmall { len: u32 },
    /// `nlmsg_len` runs past the end of the buffer.
    Truncated { len: u32 },
}

/// Iterator over the frames of a buffer.
pub struct Frames<'a> {
    buf: &'a [u8],
    pos: usize,
    done: bool,
}

pub fn frames(buf: &[u8]) -> Frames<'_> {
    Frames {
        buf,
        pos: 0,
        done: false,
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u32::from_ne_bytes(w)
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_ne_bytes([b[at], b[at + 1]])
}

impl NlMsgHdr {
    /// Parses a header from at least [`NLMSG_HDRLEN`] bytes.
    pub fn parse(b: &[u8]) -> Option<Self> {
        if b.len() < NLMSG_HDRLEN {
            return None;
        }
        Some(Self {
            len: u32_at(b, 0),
            ty: u16_at(b, 4),
            flags: u16_at(b, 6),
            seq: u32_at(b, 8),
            pid: u32_at(b, 12),
        })
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Frame<'a>;

    fn next(&mut self) -> Option<Frame<'a>> {
        if self.done || self.pos >= self.buf.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.buf[start..];
        let bad = |reason| Frame::Bad {
            start,
            rest,
            reason,
        };
        let Some(hdr) = NlMsgHdr::parse(rest) else {
            self.done = true;
            // Zero padding after the last message (some iproute2 requests
            // carry it) is not a message and not an error.
            return if rest.iter().all(|&b| b == 0) {
                None
            } else {
                Some(bad(BadFrame::ShortHeader))
            };
        };
        if (hdr.len as usize) < NLMSG_HDRLEN {
            self.done = true;
            if hdr.len == 0 && rest.iter().all(|&b| b == 0) {
                return None;
            }
            return Some(bad(BadFrame::LengthTooSmall { len: hdr.len }));
        }
        if hdr.len as usize > rest.len() {
            self.done = true;
            return Some(bad(BadFrame::Truncated { len: hdr.len }));
        }
        let end = start + hdr.len as usize;
        // NLMSG_ALIGN: messages start on 4-byte boundaries.
        self.pos = (end + 3) & !3;
        Some(Frame::Msg {
            hdr,
            payload: &self.buf[start + NLMSG_HDRLEN..end],
            start,
            end,
        })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;

    fn msg(ty: u16, payload: &[u8]) -> Vec<u8> {
        let len = (NLMSG_HDRLEN + payload.len()) as u32;
        let mut v = Vec::new();
        v.extend_from_slice(&len.to_ne_bytes());
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(&5u16.to_ne_bytes());
        v.extend_from_slice(&7u32.to_ne_bytes());
        v.extend_from_slice(&9u32.to_ne_bytes());
        v.extend_from_slice(payload);
        while v.len() % 4 != 0 {
            v.push(0);
        }
        v
    }

    #[test]
    fn walks_every_message() {
        let mut buf = msg(16, b"abc");
        buf.extend(msg(3, b""));
        let f: Vec<_> = frames(&buf).collect();
        assert_eq!(f.len(), 2);
        let Frame::Msg {
            hdr,
            payload,
            start,
            end,
        } = f[0]
        else {
            panic!("{:?}", f[0])
        };
        assert_eq!(
            (hdr.ty, hdr.flags, hdr.seq, hdr.pid, hdr.len),
            (16, 5, 7, 9, 19)
        );
        assert_eq!((payload, start, end), (&b"abc"[..], 0, 19));
        let Frame::Msg { hdr, start, .. } = f[1] else {
            panic!("{:?}", f[1])
        };
        assert_eq!((hdr.ty, start), (3, 20));
    }

    #[test]
    fn bad_tails_are_reported_after_good_messages() {
        let mut buf = msg(16, b"abcd");
        let good = buf.len();
        buf.extend(msg(17, b"0123456789"));
        // 26 bytes of message, then alignment padding that may be cut.
        for cut in good + 1..good + 26 {
            let f: Vec<_> = frames(&buf[..cut]).collect();
            assert_eq!(f.len(), 2, "cut {cut}");
            assert!(matches!(f[0], Frame::Msg { .. }));
            let Frame::Bad { start, reason, .. } = f[1] else {
                panic!()
            };
            assert_eq!(start, good);
            let expect_short = cut - good < NLMSG_HDRLEN;
            assert_eq!(
                matches!(reason, BadFrame::ShortHeader),
                expect_short,
                "cut {cut}"
            );
        }
        let mut tiny = msg(16, b"");
        tiny[0] = 8;
        assert!(matches!(
            frames(&tiny).next(),
            Some(Frame::Bad {
                reason: BadFrame::LengthTooSmall { len: 8 },
                ..
            })
        ));
    }

    #[test]
    fn zero_padding_is_not_a_message() {
        let mut buf = msg(16, b"abcd");
        buf.extend([0u8; 20]);
        assert_eq!(frames(&buf).count(), 1);
        assert_eq!(frames(&[]).count(), 0);
    }
}
