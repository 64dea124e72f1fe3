//! Which messages change state ("changes") and which only read it
//! ("reads"), from the decoder tables' own notion of what a message does
//! (`OpKind::Get` reads). `select = "changes"` keeps changes:
//!
//! - a request that modifies state: anything that is not a dump and not a
//!   GET by its table (a type no table knows counts as a change:
//!   over-logging rather than missing one);
//! - the kernel's ack or error for such a request (`NLMSG_ERROR` echoes
//!   the request's header, so the ack is classified by the request it
//!   answers);
//! - a multicast notification;
//! - a reply linked to a change (asked with `NLM_F_ECHO`).
//!
//! GET requests, dumps and their replies are reads.

use nlmon_common::{
    decode::{Message, table::OpKind},
    nlmsg::{
        NETLINK_ROUTE, NETLINK_SOCK_DIAG, NLM_F_CAPPED, NLM_F_CREATE, NLM_F_DUMP, NLM_F_MULTI,
        NLM_F_REQUEST, NLMSG_ERROR, NLMSG_HDRLEN, NLMSG_MIN_TYPE,
    },
};

use crate::{
    event::{Direction, Event},
    pipeline::Shown,
};

/// True when `m`, a request, only reads: a dump, or a GET by its table.
pub fn request_reads(ev: &Event, m: &Message) -> bool {
    ev.direction.is_send()
        && m.header.flags & NLM_F_REQUEST != 0
        && !modifies(ev, m, ev.data.get(range(m)).unwrap_or_default())
}

/// True when `m`, sent by the process, is a request that modifies state.
pub fn is_change_request(ev: &Event, m: &Message) -> bool {
    ev.direction.is_send()
        && m.header.flags & NLM_F_REQUEST != 0
        && modifies(ev, m, ev.data.get(range(m)).unwrap_or_default())
}

fn range(m: &Message) -> std::ops::Range<usize> {
    m.range.0 as usize..m.range.1 as usize
}

/// Whether a request (its decoded header and its bytes) modifies state.
/// iproute2 starts every command with an empty `RTM_NEWLINK` (no create
/// flag, no interface, no attributes) that the kernel can only refuse with
/// ENODEV: it changes nothing and is left out with its answer.
fn modifies(ev: &Event, m: &Message, bytes: &[u8]) -> bool {
    const RTM_NEWLINK: u16 = 16;
    const IFINFOMSG_LEN: usize = 16;
    let h = &m.header;
    if h.ty < NLMSG_MIN_TYPE
        || h.flags & NLM_F_DUMP == NLM_F_DUMP
        || m.op == Some(OpKind::Get)
        || ev.socket.protocol == NETLINK_SOCK_DIAG
    {
        return false;
    }
    let payload = bytes.get(NLMSG_HDRLEN..);
    let empty_newlink = ev.socket.protocol == NETLINK_ROUTE
        && h.ty == RTM_NEWLINK
        && h.flags & NLM_F_CREATE == 0
        && payload
            .is_some_and(|p| p.len() <= IFINFOMSG_LEN && p.get(4..8).is_none_or(|i| i == [0; 4]));
    !empty_newlink
}

/// True when one decoded message of `ev` is a change.
pub fn is_change(ev: &Event, s: &Shown) -> bool {
    let m = &s.message;
    if m.malformed.is_some() {
        return false;
    }
    if ev.direction == Direction::ToKernel {
        return m.header.flags & NLM_F_REQUEST != 0 && modifies(ev, m, s.bytes(ev));
    }
    if m.header.ty == NLMSG_ERROR {
        // The request echoed whole, unless the kernel capped it (then only
        // its header counts).
        return m
            .error
            .as_ref()
            .and_then(|e| e.request.as_deref())
            .is_some_and(|req| {
                let bytes = if m.header.flags & NLM_F_CAPPED == 0 {
                    ev.data.get(range(req)).unwrap_or_default()
                } else {
                    &[]
                };
                modifies(ev, req, bytes)
            });
    }
    if ev.peer.is_some_and(|p| p.groups != 0) {
        return m.header.ty >= NLMSG_MIN_TYPE;
    }
    if let Some(l) = &s.link {
        return !l.request().read && l.request().flags & NLM_F_DUMP != NLM_F_DUMP;
    }
    // A unicast that answers nothing known. Dump parts are reads; without
    // the source address (read()) the peer is unknown, so a lone message
    // of a type that changes is kept rather than missed.
    ev.peer.is_none()
        && m.header.flags & NLM_F_MULTI == 0
        && m.header.ty >= NLMSG_MIN_TYPE
        && m.op != Some(OpKind::Get)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        event::{Kind, Peer},
        pipeline::tests::{ack, decoded, event, msg},
    };

    const RTM_NEWADDR: u16 = 20;
    const RTM_GETLINK: u16 = 18;
    const RTM_NEWLINK: u16 = 16;
    const NFT: u16 = 10 << 8;

    /// Whether the first message of each event is a change.
    fn changes(evs: Vec<Event>) -> Vec<bool> {
        decoded(evs)
            .iter()
            .map(|d| d.msgs.iter().any(|s| is_change(&d.ev, s)))
            .collect()
    }

    fn one(ev: Event) -> bool {
        changes(vec![ev])[0]
    }

    #[test]
    fn rtnetlink_changes_and_reads() {
        assert!(one(event(
            0,
            Direction::ToKernel,
            msg(RTM_NEWADDR, 0x605, &[0; 8])
        )));
        assert!(!one(event(
            0,
            Direction::ToKernel,
            msg(RTM_GETLINK, 0x301, &[0; 16])
        )));
        assert!(!one(event(
            0,
            Direction::ToKernel,
            msg(RTM_GETLINK, 0x1, &[0; 16])
        )));
        // RTM_SETLINK (19) changes.
        assert!(one(event(0, Direction::ToKernel, msg(19, 0x5, &[0; 16]))));
    }

    #[test]
    fn iproute2s_empty_newlink_probe_is_not_a_change() {
        let probe = msg(RTM_NEWLINK, 0x5, &[0; 16]);
        assert!(!one(event(0, Direction::ToKernel, probe.clone())));
        let mut p = (-19i32).to_ne_bytes().to_vec();
        p.extend(&probe);
        assert!(!one(event(
            0,
            Direction::FromKernel,
            msg(NLMSG_ERROR, 0, &p)
        )));
        // Capped: only the header is echoed, so it cannot be told apart.
        let mut p = (-19i32).to_ne_bytes().to_vec();
        p.extend(&probe[..16]);
        assert!(one(event(
            0,
            Direction::FromKernel,
            msg(NLMSG_ERROR, 0x100, &p)
        )));
        // With an interface index, or creating, it is a change.
        let mut set = [0u8; 16];
        set[4] = 3;
        assert!(one(event(
            0,
            Direction::ToKernel,
            msg(RTM_NEWLINK, 0x5, &set)
        )));
        assert!(one(event(
            0,
            Direction::ToKernel,
            msg(RTM_NEWLINK, 0x605, &[0; 16])
        )));
    }

    #[test]
    fn acks_follow_their_request() {
        assert!(one(event(
            0,
            Direction::FromKernel,
            ack(0, RTM_NEWADDR, 0x605, 7)
        )));
        assert!(one(event(
            0,
            Direction::FromKernel,
            ack(-17, RTM_NEWLINK, 0x605, 7)
        )));
        assert!(!one(event(
            0,
            Direction::FromKernel,
            ack(-19, RTM_GETLINK, 0x1, 7)
        )));
    }

    #[test]
    fn dump_replies_are_reads_and_notifications_changes() {
        let mut dump = msg(RTM_NEWLINK, NLM_F_MULTI, &[0; 16]);
        dump.extend(msg(3, NLM_F_MULTI, &[0; 4]));
        assert!(!one(event(0, Direction::FromKernel, dump)));
        let mut note = event(0, Direction::FromKernel, msg(RTM_NEWADDR, 0, &[0; 8]));
        note.peer = Some(Peer {
            portid: 0,
            groups: 0x10,
        });
        assert!(one(note));
        // A lone reply to a GET received with recvmsg (peer known).
        let get = event(0, Direction::ToKernel, msg(RTM_GETLINK, 0x1, &[0; 16]));
        let mut reply = event(0, Direction::FromKernel, msg(RTM_NEWLINK, 0, &[0; 16]));
        reply.mono_ns = 2;
        reply.socket.portid = 0;
        assert_eq!(changes(vec![get, reply]), [false, false]);
    }

    #[test]
    fn nftables_batches_and_gets() {
        let mut batch = msg(0x10, 0x1, &[0; 4]);
        batch.extend(msg(NFT, 0x405, &[0; 4]));
        batch.extend(msg(0x11, 0x1, &[0; 4]));
        assert!(one(event(12, Direction::ToKernel, batch)));
        assert!(!one(event(
            12,
            Direction::ToKernel,
            msg(NFT | 1, 0x301, &[0; 4])
        )));
        assert!(!one(event(
            12,
            Direction::ToKernel,
            msg(NFT | 16, 0x1, &[0; 4])
        )));
    }

    #[test]
    fn other_protocols() {
        assert!(!one(event(4, Direction::ToKernel, msg(20, 0x301, &[0; 8]))));
        // xfrm NEWSA changes, GETSA reads.
        assert!(one(event(6, Direction::ToKernel, msg(0x10, 0x5, &[]))));
        assert!(!one(event(6, Direction::ToKernel, msg(0x12, 0x1, &[]))));
        // genl: the controller reads; a family's dump reads; a command no
        // table knows counts.
        assert!(!one(event(
            16,
            Direction::ToKernel,
            msg(16, 0x1, &[3, 1, 0, 0])
        )));
        assert!(!one(event(
            16,
            Direction::ToKernel,
            msg(20, 0x301, &[1, 1, 0, 0])
        )));
        assert!(one(event(
            16,
            Direction::ToKernel,
            msg(20, 0x5, &[2, 1, 0, 0])
        )));
        // Garbage is not a change.
        assert!(!one(event(0, Direction::ToKernel, vec![1, 2, 3])));
        let mut overrun = event(0, Direction::FromKernel, vec![]);
        overrun.kind = Kind::Overrun;
        assert!(decoded(vec![overrun])[0].msgs.is_empty());
    }
}
