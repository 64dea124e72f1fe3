//! `nlmsg_flags` by name. The low byte means the same everywhere; the bits
//! above it depend on the kind of message (`include/uapi/linux/netlink.h`).

use alloc::vec::Vec;

pub use crate::nlmsg::{
    NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_DUMP, NLM_F_DUMP_FILTERED, NLM_F_DUMP_INTR,
    NLM_F_ECHO, NLM_F_MATCH, NLM_F_MULTI, NLM_F_REQUEST, NLM_F_ROOT,
};

/// Which meaning the bits above the low byte have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagKind {
    /// GET requests: root, match (together: dump), atomic.
    Get,
    /// NEW requests and notifications: replace, excl, create, append.
    New,
    /// DEL requests: nonrec, bulk.
    Del,
    /// `NLMSG_ERROR` / `NLMSG_DONE`: capped, ack_tlvs.
    Ack,
    /// Only the common bits are known.
    Plain,
}

const COMMON: [(u16, &str); 6] = [
    (NLM_F_REQUEST, "request"),
    (NLM_F_MULTI, "multi"),
    (NLM_F_ACK, "ack"),
    (NLM_F_ECHO, "echo"),
    (NLM_F_DUMP_INTR, "dump_intr"),
    (NLM_F_DUMP_FILTERED, "dump_filtered"),
];
const GET: [(u16, &str); 4] = [
    (NLM_F_DUMP, "dump"),
    (NLM_F_ROOT, "root"),
    (NLM_F_MATCH, "match"),
    (0x400, "atomic"),
];
const NEW: [(u16, &str); 4] = [
    (0x100, "replace"),
    (0x200, "excl"),
    (0x400, "create"),
    (0x800, "append"),
];
const DEL: [(u16, &str); 2] = [(0x100, "nonrec"), (0x200, "bulk")];
const ACK: [(u16, &str); 2] = [(NLM_F_CAPPED, "capped"), (NLM_F_ACK_TLVS, "ack_tlvs")];

/// The names of `flags` for a message of `kind`, and the bits left unnamed.
pub fn names(flags: u16, kind: FlagKind) -> (Vec<&'static str>, u16) {
    let mut out = Vec::new();
    let mut rest = flags;
    let mut take = |table: &[(u16, &'static str)]| {
        for &(mask, name) in table {
            if rest & mask == mask {
                out.push(name);
                rest &= !mask;
            }
        }
    };
    take(&COMMON);
    match kind {
        FlagKind::Get => take(&GET),
        FlagKind::New => take(&NEW),
        FlagKind::Del => take(&DEL),
        FlagKind::Ack => take(&ACK),
        FlagKind::Plain => {}
    }
    (out, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_kind() {
        assert_eq!(
            names(0x605, FlagKind::New),
            (alloc::vec!["request", "ack", "excl", "create"], 0)
        );
        assert_eq!(
            names(0x301, FlagKind::Get),
            (alloc::vec!["request", "dump"], 0)
        );
        assert_eq!(
            names(0x101, FlagKind::Get),
            (alloc::vec!["request", "root"], 0)
        );
        assert_eq!(
            names(0x105, FlagKind::Del),
            (alloc::vec!["request", "ack", "nonrec"], 0)
        );
        assert_eq!(
            names(0x300, FlagKind::Ack),
            (alloc::vec!["capped", "ack_tlvs"], 0)
        );
        assert_eq!(
            names(0x1002, FlagKind::Plain),
            (alloc::vec!["multi"], 0x1000)
        );
        assert_eq!(names(0x100, FlagKind::Plain), (alloc::vec![], 0x100));
    }
}
