//! Which captured messages change state ("changes") and which only read it
//! ("reads"): the daemon logs changes by default.
//!
//! A message is a change when it is
//! - a request that modifies state: rtnetlink NEW/DEL/SET, xfrm NEW/DEL/
//!   UPD/FLUSH/..., nfnetlink batches and every nf_tables/ctnetlink message
//!   that is not a GET, generic netlink commands that are not dumps;
//! - the kernel's ack or error for such a request (`NLMSG_ERROR` echoes
//!   the request's header, so the ack is classified by the request it
//!   answers);
//! - a multicast notification (the sender or receiver address carries
//!   groups).
//!
//! GET requests, dumps, their replies (`NLM_F_MULTI`, `NLMSG_DONE`) and
//! sock_diag are reads. Generic netlink commands are numbered per family,
//! so without a decoder only dumps can be told apart from changes there;
//! a non-dump GET of a genl family counts as a change (over-logging rather
//! than missing a change).

use nlmon_common::nlmsg::{Frame, NlMsgHdr, frames};

use crate::event::{Direction, Event, Kind};

const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_MULTI: u16 = 0x2;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_MIN_TYPE: u16 = 16;

const NETLINK_ROUTE: u32 = 0;
const NETLINK_SOCK_DIAG: u32 = 4;
const NETLINK_XFRM: u32 = 6;
const NETLINK_NETFILTER: u32 = 12;
const NETLINK_GENERIC: u32 = 16;

/// nfnetlink subsystems whose message numbers are known here
/// (`linux/netfilter/nfnetlink.h`).
const NFNL_SUBSYS_CTNETLINK: u16 = 1;
const NFNL_SUBSYS_NFTABLES: u16 = 10;
/// `NFNL_MSG_BATCH_BEGIN`/`END`: a transaction of nf_tables changes.
const NFNL_MSG_BATCH_BEGIN: u16 = 0x10;
const NFNL_MSG_BATCH_END: u16 = 0x11;
/// `enum nf_tables_msg_types` values that read: GETTABLE, GETCHAIN,
/// GETRULE, GETSET, GETSETELEM, GETGEN, GETOBJ, GETOBJ_RESET,
/// GETFLOWTABLE, GETRULE_RESET, GETSETELEM_RESET.
const NFT_GETS: [u16; 11] = [1, 4, 7, 10, 13, 16, 19, 21, 23, 25, 33];
/// `enum cntl_msg_types` values that read: GET, GET_CTRZERO,
/// GET_STATS_CPU, GET_STATS, GET_DYING, GET_UNCONFIRMED.
const CT_GETS: [u16; 6] = [1, 3, 4, 5, 6, 7];
/// `XFRM_MSG_GET*` (`linux/xfrm.h`): GETSA, GETPOLICY, GETAE, GETSADINFO,
/// GETSPDINFO, GETDEFAULT.
const XFRM_GETS: [u16; 6] = [0x12, 0x15, 0x1f, 0x23, 0x25, 0x28];

/// True when the request type `ty` of `protocol` modifies state.
pub fn is_change_type(protocol: u32, ty: u16, flags: u16) -> bool {
    if ty < NLMSG_MIN_TYPE || flags & NLM_F_DUMP == NLM_F_DUMP {
        return false;
    }
    match protocol {
        // RTM_BASE = 16, then NEW, DEL, GET, SET for each object kind.
        NETLINK_ROUTE => (ty - NLMSG_MIN_TYPE) % 4 != 2,
        NETLINK_XFRM => !XFRM_GETS.contains(&ty),
        NETLINK_NETFILTER => {
            if ty == NFNL_MSG_BATCH_BEGIN || ty == NFNL_MSG_BATCH_END {
                return true;
            }
            let (subsys, msg) = (ty >> 8, ty & 0xff);
            match subsys {
                NFNL_SUBSYS_NFTABLES => !NFT_GETS.contains(&msg),
                NFNL_SUBSYS_CTNETLINK => !CT_GETS.contains(&msg),
                _ => true,
            }
        }
        // sock_diag only ever reads; genl's controller (id 16) only
        // answers family lookups.
        NETLINK_SOCK_DIAG => false,
        NETLINK_GENERIC => ty != 16,
        _ => true,
    }
}

/// True when a request (header and payload) modifies state. iproute2
/// starts every command with an empty `RTM_NEWLINK` (no create flag, no
/// interface, no attributes) that the kernel can only refuse with ENODEV:
/// it changes nothing and is left out with its answer.
pub fn is_change_request(protocol: u32, hdr: &NlMsgHdr, payload: &[u8]) -> bool {
    const RTM_NEWLINK: u16 = 16;
    const NLM_F_CREATE: u16 = 0x400;
    const IFINFOMSG_LEN: usize = 16;
    let empty_newlink = protocol == NETLINK_ROUTE
        && hdr.ty == RTM_NEWLINK
        && hdr.flags & NLM_F_CREATE == 0
        && payload.len() <= IFINFOMSG_LEN
        && payload.get(4..8).is_none_or(|i| i == [0; 4]);
    !empty_newlink && is_change_type(protocol, hdr.ty, hdr.flags)
}

/// Whether one message (with its payload) is a change, given how it moved.
fn frame_is_change(ev: &Event, hdr: &NlMsgHdr, payload: &[u8]) -> bool {
    let protocol = ev.socket.protocol;
    if ev.direction == Direction::ToKernel {
        return hdr.flags & NLM_F_REQUEST != 0 && is_change_request(protocol, hdr, payload);
    }
    if hdr.ty == NLMSG_ERROR {
        // int error; struct nlmsghdr request; the request's payload unless
        // the ack is capped (NLM_F_CAPPED), then only its header counts.
        let echoed = payload.get(4..).unwrap_or(&[]);
        return NlMsgHdr::parse(echoed).is_some_and(|req| {
            let body = echoed
                .get(16..req.len as usize)
                .filter(|_| hdr.flags & 0x100 == 0);
            match body {
                Some(body) => is_change_request(protocol, &req, body),
                None => is_change_type(protocol, req.ty, req.flags),
            }
        });
    }
    if is_notification(ev) {
        return hdr.ty >= NLMSG_MIN_TYPE;
    }
    // A unicast from the kernel that is not an ack: a reply to a request.
    // Dump parts are reads; a lone reply with a change type answers
    // NLM_F_ECHO or a non-dump GET. Without the source address (read())
    // the peer is unknown, so such a reply is kept rather than missed.
    ev.peer.is_none() && hdr.flags & NLM_F_MULTI == 0 && is_change_type(protocol, hdr.ty, 0)
}

/// A multicast: sent to or received from a group.
fn is_notification(ev: &Event) -> bool {
    ev.peer.is_some_and(|p| p.groups != 0)
}

/// True when the event carries at least one change, or is a loss report
/// (an overrun is never filtered away as a "read").
pub fn is_change(ev: &Event) -> bool {
    if ev.kind == Kind::Overrun {
        return true;
    }
    frames(&ev.data).any(|f| match f {
        Frame::Msg { hdr, payload, .. } => frame_is_change(ev, &hdr, payload),
        Frame::Bad { .. } => false,
    })
}

#[cfg(test)]
pub(crate) mod tests {

    use super::*;
    use crate::event::Peer;

    /// An event carrying `data` on `protocol`, moving in `direction`.
    pub(crate) fn event(protocol: u32, direction: Direction, data: Vec<u8>) -> Event {
        let mut ev = crate::event::sample("ip", 42, 99, data);
        ev.mono_ns = 1;
        ev.socket.protocol = protocol;
        ev.socket.netns = 4026531840;
        ev.socket.fd = Some(3);
        ev.direction = direction;
        ev.peer = Some(Peer {
            portid: 0,
            groups: 0,
        });
        ev
    }

    /// One netlink message with `payload`.
    pub(crate) fn msg(ty: u16, flags: u16, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&(16 + payload.len() as u32).to_ne_bytes());
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(&flags.to_ne_bytes());
        v.extend_from_slice(&7u32.to_ne_bytes());
        v.extend_from_slice(&0u32.to_ne_bytes());
        v.extend_from_slice(payload);
        v
    }

    /// The kernel's answer to a request of type `ty`.
    fn ack(errno: i32, ty: u16, flags: u16) -> Vec<u8> {
        let mut p = errno.to_ne_bytes().to_vec();
        p.extend(msg(ty, flags, &[]));
        msg(NLMSG_ERROR, 0x100, &p)
    }

    const RTM_NEWADDR: u16 = 20;
    const RTM_GETLINK: u16 = 18;
    const RTM_NEWLINK: u16 = 16;

    #[test]
    fn rtnetlink_changes_and_reads() {
        let new = event(0, Direction::ToKernel, msg(RTM_NEWADDR, 0x605, &[0; 8]));
        assert!(is_change(&new));
        let get = event(0, Direction::ToKernel, msg(RTM_GETLINK, 0x301, &[0; 8]));
        assert!(!is_change(&get));
        let get_one = event(0, Direction::ToKernel, msg(RTM_GETLINK, 0x1, &[0; 8]));
        assert!(!is_change(&get_one));
        // RTM_SETLINK (19) changes.
        assert!(is_change(&event(0, Direction::ToKernel, msg(19, 0x5, &[]))));
    }

    #[test]
    fn iproute2s_empty_newlink_probe_is_not_a_change() {
        let probe = msg(RTM_NEWLINK, 0x5, &[0; 16]);
        assert!(!is_change(&event(0, Direction::ToKernel, probe.clone())));
        let mut p = (-19i32).to_ne_bytes().to_vec();
        p.extend(&probe);
        assert!(!is_change(&event(
            0,
            Direction::FromKernel,
            msg(NLMSG_ERROR, 0, &p)
        )));
        // Capped: only the header is echoed, so it cannot be told apart.
        let mut p = (-19i32).to_ne_bytes().to_vec();
        p.extend(&probe[..16]);
        assert!(is_change(&event(
            0,
            Direction::FromKernel,
            msg(NLMSG_ERROR, 0x100, &p)
        )));
        // With an interface index, or creating, it is a change.
        let mut set = [0u8; 16];
        set[4] = 3;
        assert!(is_change(&event(
            0,
            Direction::ToKernel,
            msg(RTM_NEWLINK, 0x5, &set)
        )));
        assert!(is_change(&event(
            0,
            Direction::ToKernel,
            msg(RTM_NEWLINK, 0x605, &[0; 16])
        )));
    }

    #[test]
    fn acks_follow_their_request() {
        let ok = event(0, Direction::FromKernel, ack(0, RTM_NEWADDR, 0x605));
        assert!(is_change(&ok));
        let failed = event(0, Direction::FromKernel, ack(-17, RTM_NEWLINK, 0x605));
        assert!(is_change(&failed));
        let get_failed = event(0, Direction::FromKernel, ack(-19, RTM_GETLINK, 0x1));
        assert!(!is_change(&get_failed));
    }

    #[test]
    fn dump_replies_are_reads_and_notifications_changes() {
        let mut dump = msg(RTM_NEWLINK, NLM_F_MULTI, &[0; 16]);
        dump.extend(msg(3, NLM_F_MULTI, &[0; 4]));
        assert!(!is_change(&event(0, Direction::FromKernel, dump)));
        let mut note = event(0, Direction::FromKernel, msg(RTM_NEWADDR, 0, &[0; 8]));
        note.peer = Some(Peer {
            portid: 0,
            groups: 0x10,
        });
        assert!(is_change(&note));
        // A lone reply to a GET received with recvmsg (peer known).
        let reply = event(0, Direction::FromKernel, msg(RTM_NEWLINK, 0, &[0; 16]));
        assert!(!is_change(&reply));
    }

    #[test]
    fn nftables_batches_and_gets() {
        let mut batch = msg(NFNL_MSG_BATCH_BEGIN, 0x1, &[0; 4]);
        batch.extend(msg(NFNL_SUBSYS_NFTABLES << 8, 0x405, &[0; 4]));
        batch.extend(msg(NFNL_MSG_BATCH_END, 0x1, &[0; 4]));
        assert!(is_change(&event(12, Direction::ToKernel, batch)));
        let gettable = msg(NFNL_SUBSYS_NFTABLES << 8 | 1, 0x301, &[0; 4]);
        assert!(!is_change(&event(12, Direction::ToKernel, gettable)));
        let getgen = msg(NFNL_SUBSYS_NFTABLES << 8 | 16, 0x1, &[0; 4]);
        assert!(!is_change(&event(12, Direction::ToKernel, getgen)));
    }

    #[test]
    fn other_protocols() {
        assert!(!is_change(&event(
            4,
            Direction::ToKernel,
            msg(20, 0x301, &[0; 8])
        )));
        // xfrm NEWSA changes, GETSA reads.
        assert!(is_change(&event(
            6,
            Direction::ToKernel,
            msg(0x10, 0x5, &[])
        )));
        assert!(!is_change(&event(
            6,
            Direction::ToKernel,
            msg(0x12, 0x1, &[])
        )));
        // genl: the controller reads; a family's dump reads; other commands count.
        assert!(!is_change(&event(
            16,
            Direction::ToKernel,
            msg(16, 0x1, &[3, 1, 0, 0])
        )));
        assert!(!is_change(&event(
            16,
            Direction::ToKernel,
            msg(20, 0x301, &[1, 1, 0, 0])
        )));
        assert!(is_change(&event(
            16,
            Direction::ToKernel,
            msg(20, 0x5, &[2, 1, 0, 0])
        )));
        // Garbage is not a change; an overrun is always shown.
        assert!(!is_change(&event(0, Direction::ToKernel, vec![1, 2, 3])));
        let mut overrun = event(0, Direction::FromKernel, vec![]);
        overrun.kind = Kind::Overrun;
        assert!(is_change(&overrun));
    }
}
