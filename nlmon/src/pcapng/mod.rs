//! pcapng output (`-w`) and pcap/pcapng input (`-r`) with
//! `LINKTYPE_NETLINK` (253): each packet is one netlink message behind the
//! 16-byte cooked header the kernel's `nlmon` device produces (packet type,
//! `ARPHRD_NETLINK`, an empty address, the netlink protocol; big-endian).
//! The messages themselves stay in the capturing host's byte order, which
//! the section header records. Each packet's comment carries what the
//! cooked header cannot: process, pid, direction, network namespace
//! ([`comment`]).
//!
//! Written by hand rather than with a pcap crate (`pcap-file` 2 was the
//! candidate): its reader and writer do carry EPB comments, but the reader
//! reports a cut file without the byte it was cut at, owns each block's
//! options as a new `Vec`, and stops at the first block it cannot parse.
//! nlmon needs the offset of a cut for its message, one reused buffer per
//! block so that memory does not grow with a file, and to pass over
//! interfaces and blocks that are not netlink. The formats are small:
//! the reader is one state machine over four block types.

pub(crate) mod comment;
mod reader;
mod writer;

pub use comment::{Comment, comment};
pub use reader::{PcapError, Reader, read};
pub use writer::PcapngWriter;

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
