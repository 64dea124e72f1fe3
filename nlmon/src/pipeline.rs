//! From captured events to what is shown: decode each buffer, link replies
//! and notifications to requests, filter, count for the summary, and hand
//! the survivors to the outputs ([`Sink`]s: text, JSON Lines, pcapng).

use std::{
    collections::{HashMap, VecDeque},
    io,
};

use nlmon_common::decode::{DecodeOptions, Decoder, Message};

use crate::{
    event::{Event, Kind},
    extack::Reasons,
    filter::{Filter, MsgFacts},
    link::{Hdr, Link, Linker},
    summary::Summary,
};

const NETLINK_GENERIC: u32 = 16;
const NLMSG_ERROR: u16 = 2;

/// One message of an event, decoded and linked.
#[derive(Clone, Debug)]
pub struct Shown {
    /// Position in the event's buffer, and how many messages it holds.
    pub index: usize,
    pub count: usize,
    /// The whole tree when a sink asked for it ([`Detail::Tree`]); else
    /// names, flags and error only (`body` empty).
    pub message: Message,
    /// The one-line summary, when it was written without the tree
    /// ([`Detail::Line`]); else `message.summary()` gives it.
    pub line: Option<String>,
    pub link: Option<Link>,
}

/// How much of each message a sink needs decoded: the tree costs several
/// times the one-line summary, which costs several times the names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail {
    /// Names, flags, errors (`Decoder::decode_headers`).
    Headers,
    /// Those and the summary line (`Decoder::summaries`).
    Line,
    /// The whole tree (`Decoder::decode`).
    Tree,
}

impl Shown {
    /// The errno of an error reply (not an ack).
    pub fn failed(&self) -> Option<i32> {
        self.message
            .error
            .as_ref()
            .map(|e| e.errno)
            .filter(|&e| e != 0 && self.message.header.ty == NLMSG_ERROR)
    }

    /// The bytes of this message in the event's buffer.
    pub fn bytes<'a>(&self, ev: &'a Event) -> &'a [u8] {
        let (a, b) = self.message.range;
        ev.data
            .get(a as usize..(b as usize).min(ev.data.len()))
            .unwrap_or(&[])
    }

    /// The one-line summary.
    pub fn summary(&self) -> String {
        self.line.clone().unwrap_or_else(|| self.message.summary())
    }
}

/// An output.
pub trait Sink {
    /// Shows an event, with the messages of it that passed the filters
    /// (none for an overrun or an empty buffer).
    fn event(&mut self, ev: &Event, msgs: &[Shown]) -> io::Result<()>;
    fn flush(&mut self) -> io::Result<()>;
    /// What the sink reads of each message.
    fn detail(&self) -> Detail {
        Detail::Tree
    }
}

/// Several outputs at once.
impl Sink for Vec<Box<dyn Sink>> {
    fn detail(&self) -> Detail {
        self.iter()
            .map(|s| s.detail())
            .max()
            .unwrap_or(Detail::Headers)
    }

    fn event(&mut self, ev: &Event, msgs: &[Shown]) -> io::Result<()> {
        for s in self.iter_mut() {
            s.event(ev, msgs)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        for s in self.iter_mut() {
            s.flush()?;
        }
        Ok(())
    }
}

/// Requests held back by `--errors` until their answer says they failed.
const MAX_HELD: usize = 4096;

/// Decoder, linker, filter and summary, with their state across batches.
pub struct Pipeline {
    pub decoder: Decoder,
    linker: Linker,
    pub filter: Filter,
    pub summary: Summary,
    /// `--count`: stop after this many records shown.
    limit: Option<u64>,
    held: HashMap<(u32, u32, u32), (Event, Shown)>,
    held_order: VecDeque<(u32, u32, u32)>,
    /// The kernel's reasons for failures, for requesters that did not ask.
    pub reasons: Reasons,
}

impl Pipeline {
    pub fn new(filter: Filter, decode: DecodeOptions, limit: Option<u64>) -> Self {
        Self {
            decoder: Decoder::new(decode),
            linker: Linker::new(),
            filter,
            summary: Summary::new(),
            limit,
            held: HashMap::new(),
            held_order: VecDeque::new(),
            reasons: Reasons::new(),
        }
    }

    /// True once `--count` records were shown.
    pub fn done(&self) -> bool {
        self.limit.is_some_and(|n| self.summary.records >= n)
    }

    /// Shows a batch of events (in capture order). Requests are noted for
    /// the whole batch first: a listener may have read a notification
    /// before the requester's send was recorded.
    pub fn process(&mut self, batch: &[Event], sink: &mut dyn Sink) -> io::Result<()> {
        // With filters on messages, names first: what they drop is never
        // decoded further (see `one`).
        let detail = if self.filters_messages() {
            Detail::Headers
        } else {
            sink.detail()
        };
        let mut decoded = Vec::with_capacity(batch.len());
        for ev in batch {
            if ev.kind == Kind::Message {
                self.decoder.learn(ev.socket.protocol, &ev.data);
            }
            let msgs = if ev.kind == Kind::Message {
                self.decode(ev, detail)
            } else {
                Vec::new()
            };
            for (m, _) in &msgs {
                self.linker
                    .note_request(ev, &hdr(m), m.type_name, m.family.as_deref());
            }
            self.reasons.note(ev, msgs.len());
            decoded.push(msgs);
        }
        for (ev, msgs) in batch.iter().zip(decoded) {
            if ev.kind == Kind::Extack {
                // Not a message of its own: it explains a failure (see
                // `Reasons::explain`).
                continue;
            }
            if self.done() {
                break;
            }
            self.one(ev, msgs, sink)?;
        }
        self.summary.reasons = self.reasons.counts;
        Ok(())
    }

    /// `--type`, `--genl` or `--errors`.
    fn filters_messages(&self) -> bool {
        !self.filter.types.is_empty() || !self.filter.genl.is_empty() || self.filter.errors
    }

    /// The messages of an event, decoded as far as `detail` says.
    fn decode(&self, ev: &Event, detail: Detail) -> Vec<(Message, Option<String>)> {
        let (p, data) = (ev.socket.protocol, &ev.data[..]);
        match detail {
            Detail::Headers => self
                .decoder
                .decode_headers(p, data)
                .into_iter()
                .map(|m| (m, None))
                .collect(),
            Detail::Line => self
                .decoder
                .summaries(p, data)
                .into_iter()
                .map(|(m, l)| (m, Some(l)))
                .collect(),
            Detail::Tree => self
                .decoder
                .decode(p, data)
                .into_iter()
                .map(|m| (m, None))
                .collect(),
        }
    }

    fn one(
        &mut self,
        ev: &Event,
        msgs: Vec<(Message, Option<String>)>,
        sink: &mut dyn Sink,
    ) -> io::Result<()> {
        let count = msgs.len();
        let mut shown = Vec::with_capacity(count);
        for (index, (message, line)) in msgs.into_iter().enumerate() {
            let h = hdr(&message);
            let link = self.linker.link(ev, &h);
            shown.push(Shown {
                index,
                count,
                message,
                line,
                link,
            });
        }
        if !self.filter.event_matches(ev) {
            return Ok(());
        }
        let generic = ev.socket.protocol == NETLINK_GENERIC;
        shown.retain(|s| {
            self.filter.message_matches(&MsgFacts {
                ty: s.message.header.ty,
                type_name: s.message.type_name,
                // An ack or error has no family of its own: its request's.
                genl_family: s
                    .message
                    .family
                    .as_deref()
                    .or_else(|| s.link.as_ref()?.request().family.as_deref())
                    .filter(|_| generic),
            })
        });
        let filtered = !self.filter.types.is_empty() || !self.filter.genl.is_empty();
        if filtered && shown.is_empty() {
            return Ok(());
        }
        if self.filter.errors && ev.errno.is_none() && !ev.direction.is_send() {
            // Only error replies of these are shown (see `errors_only`).
            shown.retain(|s| s.failed().is_some());
        }
        if self.filters_messages() && sink.detail() > Detail::Headers && !shown.is_empty() {
            // Only names were decoded (see `process`): the rest now, for
            // the messages that passed.
            let mut full = self.decode(ev, sink.detail());
            for s in &mut shown {
                if let Some((m, line)) = full.get_mut(s.index) {
                    s.message = std::mem::take(m);
                    s.line = line.take();
                }
            }
        }
        self.reasons.explain(ev, &mut shown);
        if self.filter.errors {
            return self.errors_only(ev, shown, sink);
        }
        self.show(ev, &shown, sink)
    }

    fn show(&mut self, ev: &Event, shown: &[Shown], sink: &mut dyn Sink) -> io::Result<()> {
        self.summary.record(ev);
        for s in shown {
            let name = s
                .message
                .type_name
                .map(str::to_owned)
                .unwrap_or_else(|| format!("type {}", s.message.header.ty));
            self.summary.message(ev, &name, s.failed());
        }
        sink.event(ev, shown)
    }

    /// `--errors`: a failed send, or an error reply shown after the request
    /// it answers (held until then).
    fn errors_only(
        &mut self,
        ev: &Event,
        shown: Vec<Shown>,
        sink: &mut dyn Sink,
    ) -> io::Result<()> {
        if ev.errno.is_some() {
            return self.show(ev, &shown, sink);
        }
        for s in shown {
            if ev.direction.is_send() {
                let key = (ev.process.tgid, ev.socket.portid, s.message.header.seq);
                let mut one = ev.clone();
                one.data = s.bytes(ev).to_vec();
                let mut s = s;
                let len = s.message.range.1 - s.message.range.0;
                s.message.range = (0, len);
                if self.held.insert(key, (one, s)).is_none() {
                    self.held_order.push_back(key);
                }
                while self.held_order.len() > MAX_HELD {
                    if let Some(k) = self.held_order.pop_front() {
                        self.held.remove(&k);
                    }
                }
                continue;
            }
            if s.failed().is_none() {
                continue;
            }
            if let Some(Link::Reply { request, .. }) = &s.link {
                let key = (request.tgid, request.portid, request.seq);
                if let Some((req_ev, req)) = self.held.remove(&key) {
                    self.show(&req_ev, std::slice::from_ref(&req), sink)?;
                }
            }
            self.show(ev, std::slice::from_ref(&s), sink)?;
        }
        Ok(())
    }
}

fn hdr(m: &Message) -> Hdr {
    Hdr {
        ty: m.header.ty,
        flags: m.header.flags,
        seq: m.header.seq,
        pid: m.header.pid,
    }
}
