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

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use crate::event::{Direction, Event};

const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
/// `NLM_F_ROOT | NLM_F_MATCH`: a dump, answered by many messages and DONE.
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

/// Requests whose answer has not been seen, and answered ones kept for
/// notifications that arrive later, are both bounded.
const MAX_OPEN: usize = 4096;
const MAX_RECENT: usize = 4096;

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

/// The header fields the linker looks at.
#[derive(Clone, Copy, Debug)]
pub struct Hdr {
    pub ty: u16,
    pub flags: u16,
    pub seq: u32,
    pub pid: u32,
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

/// Remembers requests and links what answers them.
#[derive(Debug, Default)]
pub struct Linker {
    open: HashMap<Key, RequestRef>,
    open_order: VecDeque<Key>,
    recent: HashMap<Key, RequestRef>,
    recent_order: VecDeque<Key>,
}

impl Linker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the requests among the messages of `ev` (sent ones with
    /// `NLM_F_REQUEST`). Do this for a whole batch of events before
    /// [`Linker::link`]: a listener can read a notification before the
    /// requester's send is recorded (tracepoints record at syscall exit).
    pub fn note_request(
        &mut self,
        ev: &Event,
        h: &Hdr,
        type_name: Option<&str>,
        family: Option<&str>,
    ) {
        if !ev.direction.is_send() || h.flags & NLM_F_REQUEST == 0 {
            return;
        }
        let r = RequestRef {
            tgid: ev.process.tgid,
            comm: ev.process.comm.clone(),
            portid: ev.socket.portid,
            seq: h.seq,
            ty: h.ty,
            flags: h.flags,
            type_name: type_name.map(str::to_owned),
            family: family.map(str::to_owned),
            mono_ns: ev.mono_ns,
        };
        for key in keys(ev, ev.socket.portid, h.seq) {
            if self.open.insert(key, r.clone()).is_none() {
                self.open_order.push_back(key);
            }
        }
        while self.open_order.len() > MAX_OPEN {
            if let Some(k) = self.open_order.pop_front() {
                self.open.remove(&k);
            }
        }
    }

    /// The link of a received message, if it answers or was caused by a
    /// known request. Answers that end a request (an ack or error, the end
    /// of a dump, the one reply to a plain request) close it.
    pub fn link(&mut self, ev: &Event, h: &Hdr) -> Option<Link> {
        if ev.direction.is_send() {
            return None;
        }
        let own = h.pid == ev.socket.portid || h.pid == 0;
        if ev.direction == Direction::FromKernel && own {
            let (key, request) = keys(ev, ev.socket.portid, h.seq)
                .into_iter()
                .find_map(|k| self.open.get(&k).map(|r| (k, r.clone())))?;
            let done = h.ty == NLMSG_ERROR
                || h.ty == NLMSG_DONE
                || (request.flags & NLM_F_DUMP == 0 && request.flags & NLM_F_ACK == 0);
            if done {
                self.close(key, &request, ev);
            }
            return Some(Link::Reply {
                latency_ns: ev.mono_ns.saturating_sub(request.mono_ns),
                request,
            });
        }
        // Someone else's port id and seq: a notification caused by their
        // request, answered or not.
        if h.pid == 0 {
            return None;
        }
        let key = Key::Port {
            netns: ev.socket.netns,
            protocol: ev.socket.protocol,
            portid: h.pid,
            seq: h.seq,
        };
        let request = self.open.get(&key).or_else(|| self.recent.get(&key))?;
        Some(Link::Caused {
            request: request.clone(),
        })
    }

    fn close(&mut self, key: Key, request: &RequestRef, ev: &Event) {
        // Drop both keys of the request; keep it for notifications.
        for k in keys(ev, request.portid, request.seq) {
            self.open.remove(&k);
        }
        self.open.remove(&key);
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
        }
    }

    #[test]
    fn ack_closes_its_request_with_latency() {
        let mut l = Linker::new();
        l.note_request(
            &ev(10, 500, Direction::ToKernel, 1000),
            &h(20, 0x605, 7, 0),
            None,
            None,
        );
        let reply = l.link(
            &ev(10, 500, Direction::FromKernel, 1500),
            &h(2, 0x100, 7, 500),
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
            l.link(&ev(10, 500, Direction::FromKernel, 1600), &h(2, 0, 7, 500)),
            None
        );
    }

    #[test]
    fn dump_stays_open_until_done() {
        let mut l = Linker::new();
        l.note_request(
            &ev(10, 500, Direction::ToKernel, 0),
            &h(18, 0x301, 3, 0),
            None,
            None,
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
        l.note_request(
            &ev(10, 500, Direction::ToKernel, 0),
            &h(16, 0x605, 9, 0),
            None,
            None,
        );
        let listener = ev(20, 900, Direction::FromKernel, 5);
        let before = l.link(&listener, &h(16, 0, 9, 500));
        assert!(matches!(&before, Some(Link::Caused { request }) if request.tgid == 10));
        l.link(&ev(10, 500, Direction::FromKernel, 6), &h(2, 0x100, 9, 500));
        let after = l.link(&listener, &h(16, 0, 9, 500));
        assert!(matches!(&after, Some(Link::Caused { request }) if request.comm == "p10"));
        // Another namespace's port 500 is someone else.
        let mut elsewhere = listener.clone();
        elsewhere.socket.netns = 2;
        assert_eq!(l.link(&elsewhere, &h(16, 0, 9, 500)), None);
    }

    #[test]
    fn request_sent_before_the_socket_had_a_port() {
        let mut l = Linker::new();
        l.note_request(
            &ev(10, 0, Direction::ToKernel, 0),
            &h(18, 0x5, 1, 0),
            None,
            None,
        );
        let r = l.link(
            &ev(10, 4242, Direction::FromKernel, 1),
            &h(2, 0x100, 1, 4242),
        );
        assert!(matches!(r, Some(Link::Reply { .. })));
    }
}
