//! Linking replies, acks and errors to the request they answer, and
//! multicast notifications to the request that caused them.
//!
//! The kernel answers on the requesting socket with the request's sequence
//! number, its `nlmsg_pid` set to that socket's port id; a notification it
//! multicasts because of a request carries the requester's port id and
//! sequence number (`nlmsg_pid`/`nlmsg_seq` of `rtnl_notify()` and friends).
//! So a request is known by (netns, protocol, port id, seq). A socket sends
//! before it has a port id when the kernel binds it on its first send: such
//! a request is also known by (tgid, protocol, seq).

use std::{
    collections::{HashMap, VecDeque},
    sync::Arc,
};

use nlmon_common::{
    decode::Message,
    nlmsg::{
        NLM_F_ACK, NLM_F_DUMP, NLM_F_ECHO, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR,
    },
};
use serde::Serialize;

use crate::event::{Direction, Event};

/// Requests whose answer has not been seen, and answered ones kept for
/// notifications that arrive later, are both bounded.
const MAX_OPEN: usize = 4096;
const MAX_RECENT: usize = 4096;
/// Of each request, as many bytes are kept as an offset usually points
/// into: the attributes of a large request past this are not named.
const MAX_REQUEST_BYTES: usize = 4096;

/// What nlmon knows of a request: enough to name it on the lines that refer
/// to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestRef {
    pub tgid: u32,
    pub comm: String,
    pub portid: u32,
    pub seq: u32,
    /// `nlmsg_type` of the request.
    #[serde(rename = "type")]
    pub ty: u16,
    pub flags: u16,
    /// Its name, when the decoder knows it.
    pub type_name: Option<String>,
    /// Its generic netlink family or netfilter subsystem, when known.
    pub family: Option<String>,
    /// When it was sent (`CLOCK_MONOTONIC` ns, as events).
    pub mono_ns: u64,
    /// It only reads (a GET or a dump): what a data reply answers.
    #[serde(skip)]
    pub read: bool,
    /// The request's first bytes (up to [`MAX_REQUEST_BYTES`]): where an
    /// error's extended-ack offset points when the kernel capped its echo.
    #[serde(skip)]
    pub bytes: Arc<[u8]>,
    /// Tells requests with the same key apart.
    #[serde(skip)]
    id: u64,
}

/// How a message relates to a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Link {
    /// A reply (data, ack, error or end of dump) to this request, this many
    /// nanoseconds after it.
    Reply {
        request: RequestRef,
        latency_ns: u64,
    },
    /// A notification the kernel sent to listeners because of this request.
    Caused { request: RequestRef },
}

impl Link {
    pub fn request(&self) -> &RequestRef {
        match self {
            Self::Reply { request, .. } | Self::Caused { request } => request,
        }
    }
}

/// The first bytes of the message at `range` of `data`.
fn request_bytes(data: &[u8], range: (u32, u32)) -> &[u8] {
    let start = range.0 as usize;
    let end = (range.1 as usize).min(start.saturating_add(MAX_REQUEST_BYTES));
    data.get(start..end.min(data.len())).unwrap_or_default()
}

/// The header fields the linker looks at.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hdr {
    pub ty: u16,
    pub flags: u16,
    pub seq: u32,
    pub pid: u32,
    /// `NLMSG_ERROR`: the type of the request it echoes.
    pub echoed_ty: Option<u16>,
    /// A request that only reads.
    pub read: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    Port {
        netns: u32,
        protocol: u32,
        portid: u32,
        seq: u32,
    },
    Process {
        tgid: u32,
        protocol: u32,
        seq: u32,
    },
}

/// Remembers requests and links what answers them. Replies must be linked
/// in time order: one links only to a request noted before it, and several
/// requests may share a key (nft sends many with one sequence number), so
/// each key keeps its requests oldest first and an answer takes the one it
/// answers (an ack the request of the type it echoes, a dump's parts and
/// end the dump, a lone reply a GET).
#[derive(Debug, Default)]
pub struct Linker {
    open: HashMap<Key, VecDeque<RequestRef>>,
    /// Every open request by age, to bound `open`.
    open_order: VecDeque<(Key, u64)>,
    recent: HashMap<Key, RequestRef>,
    recent_order: VecDeque<Key>,
    next_id: u64,
}

impl Linker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a request (a message sent with `NLM_F_REQUEST`).
    pub fn note_request(&mut self, ev: &Event, h: &Hdr, m: &Message) {
        if !ev.direction.is_send() || h.flags & NLM_F_REQUEST == 0 {
            return;
        }
        self.next_id += 1;
        let r = RequestRef {
            tgid: ev.process.tgid,
            comm: ev.process.comm.clone(),
            portid: ev.socket.portid,
            seq: h.seq,
            ty: h.ty,
            flags: h.flags,
            type_name: m.type_name.map(str::to_owned),
            family: m.family.clone(),
            mono_ns: ev.mono_ns,
            read: h.read,
            bytes: request_bytes(&ev.data, m.range).into(),
            id: self.next_id,
        };
        for key in keys(ev, ev.socket.portid, h.seq) {
            self.open.entry(key).or_default().push_back(r.clone());
            self.open_order.push_back((key, r.id));
        }
        while self.open_order.len() > MAX_OPEN {
            if let Some((k, id)) = self.open_order.pop_front() {
                self.forget(k, id);
            }
        }
    }

    fn forget(&mut self, k: Key, id: u64) {
        if let Some(q) = self.open.get_mut(&k) {
            q.retain(|r| r.id != id);
            if q.is_empty() {
                self.open.remove(&k);
            }
        }
    }

    /// The link of a received message, if it answers or was caused by a
    /// request noted before it. Answers that end a request (an ack or
    /// error, the end of a dump, the one reply to a plain request) close it.
    pub fn link(&mut self, ev: &Event, h: &Hdr) -> Option<Link> {
        if ev.direction.is_send() {
            return None;
        }
        let own = h.pid == ev.socket.portid || h.pid == 0;
        let multicast = ev.peer.is_some_and(|p| p.groups != 0);
        if ev.direction == Direction::FromKernel && own && !multicast {
            return self.reply(ev, h);
        }
        self.caused(ev, h)
    }

    fn reply(&mut self, ev: &Event, h: &Hdr) -> Option<Link> {
        let (key, at) = keys(ev, ev.socket.portid, h.seq)
            .into_iter()
            .find_map(|k| Some((k, answered(self.open.get(&k)?, h)?)))?;
        let request = self.open.get(&key)?.get(at)?.clone();
        let done = h.ty == NLMSG_ERROR
            || h.ty == NLMSG_DONE
            || (request.flags & NLM_F_DUMP != NLM_F_DUMP && request.flags & NLM_F_ACK == 0);
        if done {
            self.close(&request, ev);
        }
        Some(Link::Reply {
            latency_ns: ev.mono_ns.saturating_sub(request.mono_ns),
            request,
        })
    }

    /// Someone else's port id and seq on a received message: a
    /// notification caused by their request, answered or not. Also asked
    /// after a whole batch is noted, for a notification read before the
    /// requester's send was recorded.
    pub fn caused(&self, ev: &Event, h: &Hdr) -> Option<Link> {
        if ev.direction.is_send() || h.pid == 0 || h.pid == ev.socket.portid {
            return None;
        }
        let key = Key::Port {
            netns: ev.socket.netns,
            protocol: ev.socket.protocol,
            portid: h.pid,
            seq: h.seq,
        };
        let request = self
            .open
            .get(&key)
            .and_then(|q| q.back())
            .or_else(|| self.recent.get(&key))?;
        Some(Link::Caused {
            request: request.clone(),
        })
    }

    fn close(&mut self, request: &RequestRef, ev: &Event) {
        // Drop every key of the request; keep it for notifications.
        for k in keys(ev, request.portid, request.seq) {
            self.forget(k, request.id);
        }
        let port = Key::Port {
            netns: ev.socket.netns,
            protocol: ev.socket.protocol,
            portid: if request.portid != 0 {
                request.portid
            } else {
                ev.socket.portid
            },
            seq: request.seq,
        };
        self.forget(port, request.id);
        if self.recent.insert(port, request.clone()).is_none() {
            self.recent_order.push_back(port);
        }
        while self.recent_order.len() > MAX_RECENT {
            if let Some(k) = self.recent_order.pop_front() {
                self.recent.remove(&k);
            }
        }
    }
}

/// Which of the requests sharing a key (oldest first) a reply answers.
fn answered(q: &VecDeque<RequestRef>, h: &Hdr) -> Option<usize> {
    let dump = |r: &RequestRef| r.flags & NLM_F_DUMP == NLM_F_DUMP;
    let first = |f: &dyn Fn(&RequestRef) -> bool| q.iter().position(f);
    match h.ty {
        // It echoes the request's header.
        NLMSG_ERROR => match h.echoed_ty {
            Some(ty) => first(&|r| r.ty == ty),
            None => first(&|_| true),
        },
        NLMSG_DONE => first(&dump),
        _ if h.flags & NLM_F_MULTI != 0 => first(&dump).or_else(|| first(&|r| r.read)),
        // A lone reply answers a GET, or echoes a change asked with ECHO.
        _ => first(&|r| !dump(r) && r.read)
            .or_else(|| first(&|r| !dump(r) && r.flags & NLM_F_ECHO != 0))
            .or_else(|| first(&|r| !dump(r))),
    }
}

fn keys(ev: &Event, portid: u32, seq: u32) -> Vec<Key> {
    let mut k = vec![Key::Process {
        tgid: ev.process.tgid,
        protocol: ev.socket.protocol,
        seq,
    }];
    if portid != 0 {
        k.insert(
            0,
            Key::Port {
                netns: ev.socket.netns,
                protocol: ev.socket.protocol,
                portid,
                seq,
            },
        );
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(tgid: u32, portid: u32, dir: Direction, mono_ns: u64) -> Event {
        let mut e = crate::event::sample(&format!("p{tgid}"), tgid, portid, Vec::new());
        e.direction = dir;
        e.mono_ns = mono_ns;
        e
    }

    fn h(ty: u16, flags: u16, seq: u32, pid: u32) -> Hdr {
        Hdr {
            ty,
            flags,
            seq,
            pid,
            ..Hdr::default()
        }
    }

    /// A request; `read` as the decoder's tables would say.
    fn req(l: &mut Linker, e: &Event, ty: u16, flags: u16, seq: u32, read: bool) {
        let hdr = Hdr {
            read,
            ..h(ty, flags, seq, 0)
        };
        l.note_request(e, &hdr, &Message::default());
    }

    fn ack_of(ty: u16, seq: u32, pid: u32) -> Hdr {
        Hdr {
            echoed_ty: Some(ty),
            ..h(NLMSG_ERROR, 0x100, seq, pid)
        }
    }

    fn answers(l: Option<Link>) -> Option<(u16, u64)> {
        match l? {
            Link::Reply { request, .. } => Some((request.ty, request.mono_ns)),
            Link::Caused { .. } => None,
        }
    }

    #[test]
    fn ack_closes_its_request_with_latency() {
        let mut l = Linker::new();
        req(
            &mut l,
            &ev(10, 500, Direction::ToKernel, 1000),
            20,
            0x605,
            7,
            false,
        );
        let reply = l.link(
            &ev(10, 500, Direction::FromKernel, 1500),
            &ack_of(20, 7, 500),
        );
        let Some(Link::Reply {
            request,
            latency_ns,
        }) = reply
        else {
            panic!("{reply:?}")
        };
        assert_eq!((request.ty, request.seq, latency_ns), (20, 7, 500));
        // Closed: a second ack finds nothing.
        assert_eq!(
            l.link(
                &ev(10, 500, Direction::FromKernel, 1600),
                &ack_of(20, 7, 500)
            ),
            None
        );
    }

    #[test]
    fn dump_stays_open_until_done() {
        let mut l = Linker::new();
        req(
            &mut l,
            &ev(10, 500, Direction::ToKernel, 0),
            18,
            0x301,
            3,
            true,
        );
        for _ in 0..3 {
            assert!(
                l.link(&ev(10, 500, Direction::FromKernel, 1), &h(16, 2, 3, 500))
                    .is_some()
            );
        }
        assert!(
            l.link(&ev(10, 500, Direction::FromKernel, 2), &h(3, 2, 3, 500))
                .is_some()
        );
        assert!(
            l.link(&ev(10, 500, Direction::FromKernel, 3), &h(16, 2, 3, 500))
                .is_none()
        );
    }

    #[test]
    fn notifications_name_their_cause_even_after_the_ack() {
        let mut l = Linker::new();
        req(
            &mut l,
            &ev(10, 500, Direction::ToKernel, 0),
            16,
            0x605,
            9,
            false,
        );
        let mut listener = ev(20, 900, Direction::FromKernel, 5);
        listener.peer = Some(crate::event::Peer {
            portid: 0,
            groups: 1,
        });
        let before = l.link(&listener, &h(16, 0, 9, 500));
        assert!(matches!(&before, Some(Link::Caused { request }) if request.tgid == 10));
        l.link(&ev(10, 500, Direction::FromKernel, 6), &ack_of(16, 9, 500));
        let after = l.link(&listener, &h(16, 0, 9, 500));
        assert!(matches!(&after, Some(Link::Caused { request }) if request.comm == "p10"));
        // Another namespace's port 500 is someone else.
        let mut elsewhere = listener.clone();
        elsewhere.socket.netns = 2;
        assert_eq!(l.link(&elsewhere, &h(16, 0, 9, 500)), None);
        // A multicast with a port id of 0 answers nobody.
        assert_eq!(l.link(&listener, &h(16, 0, 9, 0)), None);
    }

    #[test]
    fn request_sent_before_the_socket_had_a_port() {
        let mut l = Linker::new();
        req(&mut l, &ev(10, 0, Direction::ToKernel, 0), 18, 0x5, 1, true);
        let r = l.link(
            &ev(10, 4242, Direction::FromKernel, 1),
            &ack_of(18, 1, 4242),
        );
        assert!(matches!(r, Some(Link::Reply { .. })));
    }

    /// `nft add table`: GETGEN, its reply, GETGEN again, its reply, then a
    /// batch (BEGIN, NEWTABLE, END), all with sequence number 0.
    #[test]
    fn many_requests_with_one_sequence_number() {
        const GETGEN: u16 = 0xa10;
        const NEWGEN: u16 = 0xa0f;
        const BEGIN: u16 = 0x10;
        let mut l = Linker::new();
        let me = |dir, t| ev(10, 500, dir, t);
        req(&mut l, &me(Direction::ToKernel, 1), GETGEN, 0x1, 0, true);
        let r1 = l.link(&me(Direction::FromKernel, 2), &h(NEWGEN, 0, 0, 500));
        assert_eq!(answers(r1), Some((GETGEN, 1)));
        req(&mut l, &me(Direction::ToKernel, 3), GETGEN, 0x1, 0, true);
        // A batch begin sent in between, answered by nothing.
        req(&mut l, &me(Direction::ToKernel, 4), BEGIN, 0x1, 0, false);
        let r2 = l.link(&me(Direction::FromKernel, 5), &h(NEWGEN, 0, 0, 500));
        assert_eq!(answers(r2), Some((GETGEN, 3)), "not the batch begin");
        // An end of dump answers only a dump.
        let done = l.link(&me(Direction::FromKernel, 6), &h(NLMSG_DONE, 2, 0, 500));
        assert_eq!(done, None);
        // An ack answers the request whose type it echoes.
        req(&mut l, &me(Direction::ToKernel, 7), 0xa00, 0x405, 0, false);
        let ack = l.link(&me(Direction::FromKernel, 8), &ack_of(0xa00, 0, 500));
        assert_eq!(answers(ack), Some((0xa00, 7)));
    }

    /// A program that sends three requests with one sequence number before
    /// reading: each ack goes to the request it echoes, oldest first.
    #[test]
    fn pipelined_requests_with_one_seq() {
        let mut l = Linker::new();
        let me = |dir, t| ev(10, 500, dir, t);
        for (t, ty) in [(1, 20), (2, 21), (3, 20)] {
            req(&mut l, &me(Direction::ToKernel, t), ty, 0x5, 1, false);
        }
        let a = l.link(&me(Direction::FromKernel, 4), &ack_of(21, 1, 500));
        assert_eq!(answers(a), Some((21, 2)));
        let b = l.link(&me(Direction::FromKernel, 5), &ack_of(20, 1, 500));
        assert_eq!(answers(b), Some((20, 1)));
        let c = l.link(&me(Direction::FromKernel, 6), &ack_of(20, 1, 500));
        assert_eq!(answers(c), Some((20, 3)));
        assert_eq!(
            l.link(&me(Direction::FromKernel, 7), &ack_of(20, 1, 500)),
            None
        );
    }
}
