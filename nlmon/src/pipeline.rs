//! From captured events to what is shown, one path for the command and the
//! daemon:
//!
//! 1. [`Pipeline`] decodes each buffer once, in time order, links replies
//!    and notifications to requests and enriches the messages (interface
//!    names): a [`Decoded`] event, shared by every output.
//! 2. A [`Selector`] per consumer (the command's outputs, the daemon's
//!    records, each attach client) applies its [`Filter`] (with `--errors`
//!    holding a request until its answer says it failed), counts for the
//!    summary and hands the survivors to a [`Sink`].
//! 3. Sinks are views over the decoded event: text, JSON Lines, pcapng, the
//!    journal.

use std::{
    borrow::Cow,
    collections::{HashMap, VecDeque},
    io,
    sync::Arc,
};

use nlmon_common::{
    decode::{DecodeOptions, Decoder, Message},
    nlmsg::{NETLINK_ROUTE, NLMSG_ERROR},
};

use crate::{
    change::{Pending, Tracker, conflict},
    changes,
    event::{Event, Kind},
    extack::Reasons,
    filter::{Filter, Select},
    ifnames::{IfNames, Used},
    link::{Hdr, Link, Linker},
    reorder::Reorder,
    summary::Summary,
};

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
    /// The interface names the message was shown with (from
    /// [`Detail::Names`] on), by index: what pcapng records beside it.
    pub ifnames: Used,
    /// The change this message completes (its own, or that of the request
    /// an ack answers), when the pipeline tracks changes
    /// ([`PipelineOptions::changes`]).
    pub change: Option<Arc<Pending>>,
}

/// How much of each message a sink needs decoded: the tree costs several
/// times the one-line summary, which costs several times the names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail {
    /// Names, flags, errors (`Decoder::decode_headers`).
    Headers,
    /// Those and the interface names the message's indexes have
    /// (`Decoder::name_indexes`), for an output that keeps them beside the
    /// bytes.
    Names,
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

    fn hdr(&self, ev: &Event) -> Hdr {
        let h = &self.message.header;
        Hdr {
            ty: h.ty,
            flags: h.flags,
            seq: h.seq,
            pid: h.pid,
            echoed_ty: self
                .message
                .error
                .as_ref()
                .and_then(|e| e.request.as_ref())
                .map(|r| r.header.ty)
                .filter(|_| h.ty == NLMSG_ERROR),
            read: changes::request_reads(ev, &self.message),
        }
    }
}

/// A captured event with every message in it decoded once: what every
/// output reads.
#[derive(Clone, Debug)]
pub struct Decoded {
    pub ev: Event,
    /// Every message of the buffer (none for an overrun or no bytes).
    pub msgs: Vec<Shown>,
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

/// What passed a selector: some messages of a decoded event (in order).
#[derive(Clone, Debug)]
pub struct Selected {
    pub decoded: Arc<Decoded>,
    /// Indexes into `decoded.msgs`; `None`: all of them.
    pub which: Option<Vec<u32>>,
}

impl Selected {
    pub fn ev(&self) -> &Event {
        &self.decoded.ev
    }

    /// The selected messages (borrowed when all are).
    pub fn messages(&self) -> Cow<'_, [Shown]> {
        let d = &self.decoded;
        match &self.which {
            None => Cow::Borrowed(&d.msgs),
            Some(which) => Cow::Owned(
                which
                    .iter()
                    .filter_map(|&i| d.msgs.get(i as usize).cloned())
                    .collect(),
            ),
        }
    }

    /// Hands the event and its selected messages to `sink`.
    pub fn show(&self, sink: &mut dyn Sink) -> io::Result<()> {
        sink.event(&self.decoded.ev, &self.messages())
    }
}

/// Options of the decoding stage.
#[derive(Clone, Copy, Debug, Default)]
pub struct PipelineOptions {
    /// Show key material instead of `<redacted>`, and keep its bytes.
    pub show_secrets: bool,
    /// Track changes to objects with these conflict thresholds: each
    /// message that completes a change carries it ([`Shown::change`]).
    pub changes: Option<conflict::Config>,
}

/// Decoder, linker and enrichment, with their state across batches.
pub struct Pipeline {
    pub decoder: Decoder,
    /// The newest events of a drain, held for the next one.
    reorder: Reorder,
    linker: Linker,
    names: IfNames,
    opts: PipelineOptions,
    /// The kernel's reasons for failures, for requesters that did not ask.
    pub reasons: Reasons,
    /// Changes, when the options ask for them.
    tracker: Option<Tracker>,
}

impl Pipeline {
    pub fn new(opts: PipelineOptions) -> Self {
        Self {
            decoder: Decoder::new(DecodeOptions {
                show_secrets: opts.show_secrets,
            }),
            reorder: Reorder::default(),
            linker: Linker::new(),
            names: IfNames::default(),
            opts,
            reasons: Reasons::new(),
            tracker: opts.changes.map(Tracker::new),
        }
    }

    /// Changes the options (a reload), keeping what was learned.
    pub fn set_options(&mut self, opts: PipelineOptions) {
        self.opts = opts;
        self.decoder.set_options(DecodeOptions {
            show_secrets: opts.show_secrets,
        });
        match (&mut self.tracker, opts.changes) {
            (Some(t), Some(c)) => t.conflicts.set_config(c),
            (t, c) => *t = c.map(Tracker::new),
        }
    }

    /// Decodes, links and enriches a batch of events, with any held back
    /// ([`Pipeline::decode_settled`]). They are taken in time order
    /// (records of several CPUs can reach the ring out of order), so a
    /// reply can only link to a request sent before it; notifications are
    /// linked after the whole batch, as a listener can read one before the
    /// requester's send is recorded.
    ///
    /// `detail` says how far to decode; with `prefilter`, messages it
    /// drops are decoded only as far as their names.
    pub fn decode_batch(
        &mut self,
        batch: Vec<Event>,
        detail: Detail,
        prefilter: Option<&Selector>,
    ) -> Vec<Decoded> {
        let batch = self.reorder.flush(batch);
        self.decode_sorted(batch, detail, prefilter)
    }

    /// [`Pipeline::decode_batch`] for one drain of the ring among others:
    /// the newest events wait for the next batch, which may bring records
    /// captured before them ([`crate::reorder`]). A drain loop calls
    /// `decode_batch` with no events when the ring stays quiet for
    /// [`crate::reorder::WINDOW`] while [`Pipeline::holding`], and at the
    /// end.
    pub fn decode_settled(
        &mut self,
        batch: Vec<Event>,
        detail: Detail,
        prefilter: Option<&Selector>,
    ) -> Vec<Decoded> {
        let batch = self.reorder.settle(batch);
        self.decode_sorted(batch, detail, prefilter)
    }

    /// Whether events are held back for the next batch.
    pub fn holding(&self) -> bool {
        self.reorder.holding()
    }

    fn decode_sorted(
        &mut self,
        batch: Vec<Event>,
        detail: Detail,
        prefilter: Option<&Selector>,
    ) -> Vec<Decoded> {
        let first = if prefilter.is_some_and(|s| s.filter.filters_messages()) {
            Detail::Headers
        } else {
            detail
        };
        let mut out = Vec::with_capacity(batch.len());
        for mut ev in batch {
            if ev.kind == Kind::Extack {
                // Not a message of its own: it explains a failure (see
                // `Reasons::explain`).
                self.reasons.note(&ev, 0);
                continue;
            }
            if ev.kind == Kind::Message {
                self.decoder.learn(ev.socket.protocol, &ev.data);
                if !self.opts.show_secrets {
                    self.redact(&mut ev);
                }
            }
            if ev.socket.protocol == NETLINK_ROUTE {
                // A new link names itself.
                self.names.learn_event(&ev);
            }
            let mut msgs = self.decode(&ev, first);
            for s in &msgs {
                let h = s.hdr(&ev);
                self.linker.note_request(&ev, &h, &s.message);
            }
            self.reasons.note(&ev, msgs.len());
            for s in &mut msgs {
                let h = s.hdr(&ev);
                s.link = self.linker.link(&ev, &h);
            }
            if first < detail {
                let wanted = prefilter.is_some_and(|p| p.wants_any(&ev, &msgs));
                if wanted {
                    self.redecode(&ev, &mut msgs, detail);
                }
            }
            self.name_offending(&ev, &mut msgs);
            out.push(Decoded { ev, msgs });
        }
        // Notifications whose cause was sent later in the batch; reasons
        // for failures of requesters that did not ask.
        for d in &mut out {
            for s in &mut d.msgs {
                if s.link.is_none() {
                    let h = s.hdr(&d.ev);
                    s.link = self.linker.caused(&d.ev, &h);
                }
            }
            self.reasons.explain(&d.ev, &mut d.msgs);
            // Changes last: a failure's result reads the reason. Messages
            // decoded without their tree name no object, but acks need
            // only their header.
            if let Some(t) = &mut self.tracker {
                for s in &mut d.msgs {
                    s.change = t.message(&d.ev, s).pop().map(Arc::new);
                }
            }
        }
        out
    }

    /// Zeroes the bytes of secrets (keys, passwords) so that no output's
    /// raw bytes carry them either.
    fn redact(&self, ev: &mut Event) {
        let len = ev.data.len();
        for (start, end) in self.decoder.secret_ranges(ev.socket.protocol, &ev.data) {
            if let Some(b) = ev.data.get_mut(start as usize..(end as usize).min(len)) {
                b.fill(0);
            }
        }
    }

    /// The messages of an event, decoded as far as `detail` says.
    fn decode(&mut self, ev: &Event, detail: Detail) -> Vec<Shown> {
        if ev.kind != Kind::Message {
            return Vec::new();
        }
        let (p, data) = (ev.socket.protocol, &ev.data[..]);
        let mut names = self.names.for_event(ev);
        let msgs: Vec<(Message, Option<String>)> = match detail {
            Detail::Headers | Detail::Names => {
                if detail == Detail::Names {
                    self.decoder.name_indexes(p, data, &mut names);
                }
                self.decoder
                    .decode_headers(p, data)
                    .into_iter()
                    .map(|m| (m, None))
                    .collect()
            }
            Detail::Line => self
                .decoder
                .summaries_with(p, data, &mut names)
                .into_iter()
                .map(|(m, l)| (m, Some(l)))
                .collect(),
            Detail::Tree => self
                .decoder
                .decode_with(p, data, &mut names)
                .into_iter()
                .map(|m| (m, None))
                .collect(),
        };
        let count = msgs.len();
        msgs.into_iter()
            .zip(names.used(count))
            .enumerate()
            .map(|(index, ((message, line), ifnames))| Shown {
                index,
                count,
                message,
                line,
                link: None,
                ifnames,
                change: None,
            })
            .collect()
    }

    /// Decodes the messages further, keeping their links.
    /// Names the attribute an error's extended-ack offset points at from
    /// the linked request's bytes, when the kernel capped its echo of them
    /// (`NETLINK_CAP_ACK`) and so the decoder could not.
    fn name_offending(&self, ev: &Event, msgs: &mut [Shown]) {
        for s in msgs {
            let Some(Link::Reply { request, .. }) = &s.link else {
                continue;
            };
            let Some(e) = s.message.error.as_mut() else {
                continue;
            };
            let (Some(offset), None) = (e.offset, &e.offending) else {
                continue;
            };
            e.offending = self
                .decoder
                .offending(ev.socket.protocol, &request.bytes, offset);
            if e.offending.is_some() {
                // An error's line is its header and error: rebuilt from the
                // message, it gains `at=`.
                s.line = None;
            }
        }
    }

    fn redecode(&mut self, ev: &Event, msgs: &mut [Shown], detail: Detail) {
        for (s, full) in msgs.iter_mut().zip(self.decode(ev, detail)) {
            s.message = full.message;
            s.line = full.line;
            s.ifnames = full.ifnames;
        }
    }
}

/// Requests held back by `--errors` until their answer says they failed.
const MAX_HELD: usize = 4096;

/// One consumer's view: its filter, `--errors`'s held requests, its
/// summary and `--count`.
pub struct Selector {
    pub filter: Filter,
    /// `select` when the filter does not say.
    default_select: Select,
    pub summary: Summary,
    /// `--count`: stop after this many records shown.
    limit: Option<u64>,
    held: HashMap<(u32, u32, u32), (Arc<Decoded>, u32)>,
    held_order: VecDeque<(u32, u32, u32)>,
}

impl Selector {
    pub fn new(filter: Filter, default_select: Select, limit: Option<u64>) -> Self {
        Self {
            filter,
            default_select,
            summary: Summary::new(),
            limit,
            held: HashMap::new(),
            held_order: VecDeque::new(),
        }
    }

    /// True once `--count` records were shown.
    pub fn done(&self) -> bool {
        self.limit.is_some_and(|n| self.summary.records >= n)
    }

    fn select(&self) -> Select {
        self.filter.select_or(self.default_select)
    }

    /// Whether any message of the event passes the filters (before
    /// `--errors`, which needs the answer).
    fn wants_any(&self, ev: &Event, msgs: &[Shown]) -> bool {
        self.filter.event_matches(ev)
            && msgs
                .iter()
                .any(|s| self.filter.message_matches(ev, s, self.select()))
    }

    /// Offers a decoded event; what passes goes to `emit`, in the order it
    /// is to be shown (with `--errors`, a held request before its error).
    pub fn offer(
        &mut self,
        d: &Arc<Decoded>,
        emit: &mut dyn FnMut(Selected) -> io::Result<()>,
    ) -> io::Result<()> {
        if self.done() || !self.filter.event_matches(&d.ev) {
            return Ok(());
        }
        let ev = &d.ev;
        if d.msgs.is_empty() {
            // An overrun or a buffer without a message: a loss report, and
            // a failed send, pass every message filter.
            if !self.filter.filters_messages() || ev.errno.is_some() {
                return self.show(
                    Selected {
                        decoded: Arc::clone(d),
                        which: None,
                    },
                    emit,
                );
            }
            return Ok(());
        }
        let select = self.select();
        let passing: Vec<u32> = d
            .msgs
            .iter()
            .filter(|s| self.filter.message_matches(ev, s, select))
            .map(|s| s.index as u32)
            .collect();
        if passing.is_empty() {
            return Ok(());
        }
        if self.filter.errors {
            return self.errors_only(d, &passing, emit);
        }
        let which = (passing.len() != d.msgs.len()).then_some(passing);
        self.show(
            Selected {
                decoded: Arc::clone(d),
                which,
            },
            emit,
        )
    }

    fn show(
        &mut self,
        s: Selected,
        emit: &mut dyn FnMut(Selected) -> io::Result<()>,
    ) -> io::Result<()> {
        let d = &s.decoded;
        self.summary.record(&d.ev);
        let mut count = |m: &Shown| {
            let name = m
                .message
                .type_name
                .map_or_else(|| format!("type {}", m.message.header.ty), str::to_owned);
            self.summary.message(&d.ev, &name, m.failed());
        };
        match &s.which {
            None => d.msgs.iter().for_each(&mut count),
            Some(w) => w
                .iter()
                .filter_map(|&i| d.msgs.get(i as usize))
                .for_each(&mut count),
        }
        emit(s)
    }

    /// `--errors`: a failed send, or an error reply shown after the
    /// request it answers (held until then).
    fn errors_only(
        &mut self,
        d: &Arc<Decoded>,
        passing: &[u32],
        emit: &mut dyn FnMut(Selected) -> io::Result<()>,
    ) -> io::Result<()> {
        let ev = &d.ev;
        if ev.errno.is_some() {
            return self.show(
                Selected {
                    decoded: Arc::clone(d),
                    which: Some(passing.to_vec()),
                },
                emit,
            );
        }
        for &i in passing {
            let Some(s) = d.msgs.get(i as usize) else {
                continue;
            };
            if ev.direction.is_send() {
                let key = (ev.process.tgid, ev.socket.portid, s.message.header.seq);
                if self.held.insert(key, (Arc::clone(d), i)).is_none() {
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
                if let Some((req, at)) = self.held.remove(&key) {
                    self.show(
                        Selected {
                            decoded: req,
                            which: Some(vec![at]),
                        },
                        emit,
                    )?;
                }
            }
            self.show(
                Selected {
                    decoded: Arc::clone(d),
                    which: Some(vec![i]),
                },
                emit,
            )?;
        }
        Ok(())
    }
}

/// The command's pipeline: one selector, outputs on this thread.
pub struct Single {
    pub pipeline: Pipeline,
    pub selector: Selector,
}

impl Single {
    /// A pipeline with one selector (`select` all unless the filter says).
    pub fn new(filter: Filter, opts: PipelineOptions, limit: Option<u64>) -> Self {
        Self {
            pipeline: Pipeline::new(opts),
            selector: Selector::new(filter, Select::All, limit),
        }
    }

    /// Shows a batch of events and any held back.
    pub fn process(&mut self, batch: Vec<Event>, sink: &mut dyn Sink) -> io::Result<()> {
        let decoded = self
            .pipeline
            .decode_batch(batch, sink.detail(), Some(&self.selector));
        self.show(decoded, sink)
    }

    /// Shows one drain's batch of events, but for the newest, which wait
    /// for the next ([`Pipeline::decode_settled`]).
    pub fn settle(&mut self, batch: Vec<Event>, sink: &mut dyn Sink) -> io::Result<()> {
        let decoded = self
            .pipeline
            .decode_settled(batch, sink.detail(), Some(&self.selector));
        self.show(decoded, sink)
    }

    fn show(&mut self, decoded: Vec<Decoded>, sink: &mut dyn Sink) -> io::Result<()> {
        for d in decoded {
            if self.selector.done() {
                break;
            }
            let d = Arc::new(d);
            self.selector.offer(&d, &mut |s| s.show(sink))?;
        }
        self.selector.summary.reasons = self.pipeline.reasons.counts;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::event::{Direction, Peer};

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

    /// One netlink message with `payload`, sequence number 7.
    pub(crate) fn msg(ty: u16, flags: u16, payload: &[u8]) -> Vec<u8> {
        msg_seq(ty, flags, 7, payload)
    }

    pub(crate) fn msg_seq(ty: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&(16 + payload.len() as u32).to_ne_bytes());
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(&flags.to_ne_bytes());
        v.extend_from_slice(&seq.to_ne_bytes());
        v.extend_from_slice(&0u32.to_ne_bytes());
        v.extend_from_slice(payload);
        v
    }

    /// The kernel's answer (errno 0: an ack) to a request of type `ty`.
    pub(crate) fn ack(errno: i32, ty: u16, flags: u16, seq: u32) -> Vec<u8> {
        let mut p = errno.to_ne_bytes().to_vec();
        p.extend(msg_seq(ty, flags, seq, &[]));
        msg_seq(NLMSG_ERROR, 0x100, seq, &p)
    }

    /// `RTM_NEWLINK` naming interface `index`.
    pub(crate) fn newlink(index: i32, name: &str) -> Vec<u8> {
        let mut p = vec![0u8; 16];
        p[4..8].copy_from_slice(&index.to_ne_bytes());
        let attr = [name.as_bytes(), &[0]].concat();
        p.extend((4 + attr.len() as u16).to_ne_bytes());
        p.extend(3u16.to_ne_bytes());
        p.extend(&attr);
        p.resize(p.len().next_multiple_of(4), 0);
        msg(16, 0, &p)
    }

    /// `RTM_NEWADDR` of a /24 on interface `index`.
    pub(crate) fn newaddr(index: u32) -> Vec<u8> {
        msg(20, 0, &[[2, 24, 0, 0], index.to_ne_bytes()].concat())
    }

    /// The events decoded as the pipeline does (names and links).
    pub(crate) fn decoded(events: Vec<Event>) -> Vec<Decoded> {
        Pipeline::new(PipelineOptions::default()).decode_batch(events, Detail::Headers, None)
    }

    /// One event, decoded whole, all of it selected.
    pub(crate) fn selected(ev: Event) -> Selected {
        let d = Pipeline::new(PipelineOptions::default())
            .decode_batch(vec![ev], Detail::Tree, None)
            .remove(0);
        Selected {
            decoded: Arc::new(d),
            which: None,
        }
    }

    /// Records of several CPUs reach the ring out of order: an answer may
    /// come before the request it answers. Taken in time order, it still
    /// links to it.
    #[test]
    fn an_answer_ahead_of_its_request_in_the_ring_links_to_it() {
        let mut request = event(0, Direction::ToKernel, msg_seq(20, 0x605, 9, &[0; 8]));
        request.mono_ns = 100;
        let mut answer = event(0, Direction::FromKernel, ack(0, 20, 0x605, 9));
        answer.mono_ns = 130;
        let out = decoded(vec![answer, request]);
        let order: Vec<u64> = out.iter().map(|d| d.ev.mono_ns).collect();
        assert_eq!(order, [100, 130], "shown in time order");
        let Some(Link::Reply {
            request,
            latency_ns,
        }) = &out[1].msgs[0].link
        else {
            panic!("{:?}", out[1].msgs[0].link)
        };
        assert_eq!(
            (request.ty, request.seq, request.mono_ns, *latency_ns),
            (20, 9, 100, 30)
        );
        assert_eq!(out[0].msgs[0].link, None, "a request answers nothing");
    }

    /// The interface names of each message of a decoded event.
    fn ifnames(d: &Decoded) -> Vec<Used> {
        d.msgs.iter().map(|s| s.ifnames.clone()).collect()
    }

    #[test]
    fn each_message_keeps_the_interface_names_it_was_shown_with() {
        // Namespace 1 is nobody's: nothing is asked of the kernel.
        let mut links = event(
            0,
            Direction::FromKernel,
            [newlink(3, "old"), newlink(5, "b")].concat(),
        );
        links.socket.netns = 1;
        let mut addrs = event(
            0,
            Direction::FromKernel,
            [newaddr(3), newaddr(5), newaddr(9)].concat(),
        );
        addrs.socket.netns = 1;
        let decode = |addrs: &Event, detail| {
            Pipeline::new(PipelineOptions::default()).decode_batch(
                vec![links.clone(), addrs.clone()],
                detail,
                None,
            )
        };
        let learned = vec![vec![(3, "old".into())], vec![(5, "b".into())], vec![]];
        for detail in [Detail::Names, Detail::Line, Detail::Tree] {
            let out = decode(&addrs, detail);
            assert_eq!(ifnames(&out[1]), learned, "{detail:?}");
        }
        let out = decode(&addrs, Detail::Headers);
        assert_eq!(
            ifnames(&out[1]),
            [vec![], vec![], vec![]],
            "headers name nothing"
        );
        // A name the capture recorded with the message is the name it had
        // then: it wins over one learned earlier in the file.
        addrs.ifnames = vec![(3, "new".into())];
        let out = decode(&addrs, Detail::Tree);
        assert_eq!(
            ifnames(&out[1])[..2],
            [vec![(3, "new".into())], vec![(5, "b".into())]]
        );
        let index = |m: &Message| {
            m.body
                .iter()
                .find(|n| n.name == "ifa_index")
                .cloned()
                .unwrap()
        };
        assert_eq!(
            index(&out[1].msgs[0].message).ifname.as_deref(),
            Some("new")
        );
        assert_eq!(index(&out[1].msgs[2].message).ifname, None);
    }

    /// The request an answer links to: (type, seq, sent at, latency).
    fn reply_to(s: &Shown) -> Option<(u16, u32, u64, u64)> {
        match &s.link {
            Some(Link::Reply {
                request,
                latency_ns,
            }) => Some((request.ty, request.seq, request.mono_ns, *latency_ns)),
            _ => None,
        }
    }

    /// The same across two drains of the ring: the answer comes with the
    /// first, its request with the second.
    #[test]
    fn an_answer_a_drain_ahead_of_its_request_links_to_it() {
        let mut p = Pipeline::new(PipelineOptions::default());
        let mut request = event(0, Direction::ToKernel, msg_seq(20, 0x605, 9, &[0; 8]));
        request.mono_ns = 20_000_100;
        let mut answer = event(0, Direction::FromKernel, ack(0, 20, 0x605, 9));
        answer.mono_ns = 20_000_130;
        let mut early = event(0, Direction::ToKernel, msg_seq(18, 0x301, 1, &[0; 16]));
        early.mono_ns = 10;
        let mut later = event(0, Direction::ToKernel, msg_seq(18, 0x301, 2, &[0; 16]));
        later.mono_ns = 20_000_130 + crate::reorder::WINDOW.as_nanos() as u64;
        let first = p.decode_settled(vec![early, answer], Detail::Headers, None);
        let times = |out: &[Decoded]| out.iter().map(|d| d.ev.mono_ns).collect::<Vec<_>>();
        assert_eq!(times(&first), [10], "the answer waits");
        assert!(p.holding());
        let second = p.decode_settled(vec![request, later], Detail::Headers, None);
        assert_eq!(times(&second), [20_000_100, 20_000_130]);
        assert_eq!(reply_to(&second[1].msgs[0]), Some((20, 9, 20_000_100, 30)));
        assert_eq!(second[0].msgs[0].link, None, "a request answers nothing");
    }

    /// What waits for the next drain is shown when the loop says the ring
    /// is quiet or at the end, and by every consumer's finish.
    #[test]
    fn held_events_are_released_on_flush() {
        let mut p = Pipeline::new(PipelineOptions::default());
        let mut request = event(0, Direction::ToKernel, msg_seq(20, 0x605, 9, &[0; 8]));
        request.mono_ns = 100;
        let mut answer = event(0, Direction::FromKernel, ack(0, 20, 0x605, 9));
        answer.mono_ns = 130;
        let batch = vec![answer, request];
        assert!(
            p.decode_settled(batch.clone(), Detail::Headers, None)
                .is_empty()
        );
        let out = p.decode_batch(Vec::new(), Detail::Headers, None);
        assert_eq!(out.len(), 2);
        assert_eq!(reply_to(&out[1].msgs[0]), Some((20, 9, 100, 30)));
        assert!(!p.holding());

        /// Counts the messages shown.
        struct Count(std::rc::Rc<std::cell::Cell<usize>>);
        impl Sink for Count {
            fn event(&mut self, _: &Event, msgs: &[Shown]) -> io::Result<()> {
                self.0.set(self.0.get() + msgs.len());
                Ok(())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        use crate::live::Consumer;
        let shown = std::rc::Rc::default();
        let output = || crate::output::Output {
            pipeline: Single::new(Filter::default(), PipelineOptions::default(), None),
            sinks: vec![Box::new(Count(std::rc::Rc::clone(&shown)))],
        };
        let mut out = output();
        out.batch(batch.clone()).unwrap();
        assert_eq!((shown.get(), out.holding()), (0, true));
        out.release().unwrap();
        assert_eq!((shown.get(), out.holding()), (2, false));
        let mut out = output();
        out.batch(batch).unwrap();
        out.finish(None).unwrap();
        assert_eq!(shown.get(), 4, "finish shows what was held");
    }

    #[test]
    fn errors_show_the_failed_request_before_its_error() {
        let mut p = Pipeline::new(PipelineOptions::default());
        let mut sel = Selector::new(
            Filter {
                errors: true,
                ..Filter::default()
            },
            Select::All,
            None,
        );
        let mut ok = event(0, Direction::ToKernel, msg_seq(20, 0x605, 1, &[0; 8]));
        ok.mono_ns = 1;
        let mut bad = event(0, Direction::ToKernel, msg_seq(20, 0x605, 2, &[0; 8]));
        bad.mono_ns = 2;
        let mut ack_ok = event(0, Direction::FromKernel, ack(0, 20, 0x605, 1));
        ack_ok.mono_ns = 3;
        let mut ack_bad = event(0, Direction::FromKernel, ack(-17, 20, 0x605, 2));
        ack_bad.mono_ns = 4;
        let mut shown = Vec::new();
        for d in p.decode_batch(vec![ok, bad, ack_ok, ack_bad], Detail::Headers, None) {
            sel.offer(&Arc::new(d), &mut |s| {
                let d = &s.decoded;
                for &i in s.which.as_deref().unwrap_or(&[]) {
                    let m = &d.msgs[i as usize].message;
                    shown.push((m.type_name, m.header.seq));
                }
                Ok(())
            })
            .unwrap();
        }
        assert_eq!(
            shown,
            [(Some("RTM_NEWADDR"), 2), (Some("NLMSG_ERROR"), 2)],
            "only the failed request and its error, in that order"
        );
    }
}
