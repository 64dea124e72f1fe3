//! The kernel's reasons for failed requests, taken from the
//! `netlink:netlink_extack` tracepoint ([`Kind::Extack`] events), put on the
//! error replies they explain as if the requester had set `NETLINK_EXT_ACK`.
//!
//! The tracepoint fires inside the requester's `sendmsg`, on the sending
//! thread, before the kernel queues the error and before the send's own
//! record is written (fexit, kretprobe or `sys_exit`: all at the end of the
//! call). So the reason of a request sent by thread T and recorded at time
//! S is the last extack of T after T's previous send and not after S.
//! Matching by thread and time, not by arrival order, keeps it right when
//! records of several CPUs arrive interleaved. Memory is bounded: only
//! processes with a pending reason are followed, and each keeps a few.

use std::collections::{HashMap, VecDeque};

use crate::{
    event::{Event, Kind},
    link::Link,
    pipeline::Shown,
};

/// What `error.message_source` says when the text came from the tracepoint.
pub const SOURCE_TRACEPOINT: &str = "tracepoint";

/// Processes followed at once (those with a reason not yet matched).
const MAX_TASKS: usize = 256;
/// Reasons and sends kept per process.
const MAX_PER_TASK: usize = 16;
/// A reason older than this (or a send, as a window's lower bound) is
/// forgotten: no netlink call lasts that long.
const MAX_AGE_NS: u64 = 10_000_000_000;

/// An extack text, on the thread it came from.
#[derive(Debug)]
struct Reason {
    tid: u32,
    mono_ns: u64,
    text: String,
}

/// A send of a followed process: the boundary between one call's reasons
/// and the next's.
#[derive(Debug)]
struct Send {
    tid: u32,
    mono_ns: u64,
    /// Netlink messages in the buffer: several failures in one buffer cannot
    /// be told apart by time.
    messages: usize,
}

#[derive(Debug, Default)]
struct Task {
    reasons: VecDeque<Reason>,
    sends: VecDeque<Send>,
    last_ns: u64,
}

/// How many reasons were seen, used, and not used (no error reply of
/// theirs was shown: an ioctl's, one evicted, or a reply filtered away);
/// the rest are still waiting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReasonCounts {
    /// Extack records seen.
    pub noted: u64,
    /// Put on an error reply that did not carry the text itself.
    pub added: u64,
    /// The reply carried the text (the requester asked): not repeated.
    pub already_there: u64,
    /// Dropped without an error reply to put them on.
    pub unused: u64,
}

/// Reasons waiting for their error replies, by tgid.
#[derive(Debug, Default)]
pub struct Reasons {
    tasks: HashMap<u32, Task>,
    pub counts: ReasonCounts,
}

impl Reasons {
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes an event before any of its batch is shown: extack texts, and
    /// the sends of processes that have one pending. `messages` is how many
    /// netlink messages the event carries.
    pub fn note(&mut self, ev: &Event, messages: usize) {
        match ev.kind {
            Kind::Extack => self.note_reason(ev),
            Kind::Message if ev.direction.is_send() => {
                if let Some(t) = self.tasks.get_mut(&ev.process.tgid) {
                    t.last_ns = t.last_ns.max(ev.mono_ns);
                    t.sends.push_back(Send {
                        tid: ev.process.tid,
                        mono_ns: ev.mono_ns,
                        messages,
                    });
                    if t.sends.len() > MAX_PER_TASK {
                        t.sends.pop_front();
                    }
                }
            }
            Kind::Message | Kind::Overrun => {}
        }
    }

    fn note_reason(&mut self, ev: &Event) {
        self.counts.noted += 1;
        if !self.tasks.contains_key(&ev.process.tgid) && self.tasks.len() >= MAX_TASKS {
            self.evict_oldest();
        }
        let t = self.tasks.entry(ev.process.tgid).or_default();
        t.last_ns = t.last_ns.max(ev.mono_ns);
        t.reasons.push_back(Reason {
            tid: ev.process.tid,
            mono_ns: ev.mono_ns,
            text: String::from_utf8_lossy(&ev.data).into_owned(),
        });
        let horizon = ev.mono_ns.saturating_sub(MAX_AGE_NS);
        let before = t.reasons.len();
        t.reasons.retain(|r| r.mono_ns >= horizon);
        if t.reasons.len() > MAX_PER_TASK {
            t.reasons.pop_front();
        }
        self.counts.unused += (before - t.reasons.len()) as u64;
    }

    fn evict_oldest(&mut self) {
        let Some((&tgid, _)) = self.tasks.iter().min_by_key(|(_, t)| t.last_ns) else {
            return;
        };
        if let Some(t) = self.tasks.remove(&tgid) {
            self.counts.unused += t.reasons.len() as u64;
        }
    }

    /// Puts the reason on each failed reply in `shown` whose request has
    /// one, unless the reply already carries the kernel's text.
    pub fn explain(&mut self, ev: &Event, shown: &mut [Shown]) {
        if self.tasks.is_empty() {
            return;
        }
        for s in shown.iter_mut() {
            if s.failed().is_none() {
                continue;
            }
            let Some(Link::Reply { request, .. }) = &s.link else {
                continue;
            };
            let Some(text) = self.take(request.tgid, request.mono_ns, ev.process.tid) else {
                continue;
            };
            let Some(e) = s.message.error.as_mut() else {
                continue;
            };
            if e.message.is_some() {
                self.counts.already_there += 1;
                continue;
            }
            e.message = Some(text);
            e.message_source = Some(SOURCE_TRACEPOINT);
            // An error reply's line is its header and error (it has no body
            // nodes): rebuilt from the message, it gains `msg="..."`.
            s.line = None;
            self.counts.added += 1;
        }
    }

    /// The reason of the request `tgid` sent at `sent_ns`, removed with
    /// the others of the same call. `reader` (the thread that read the
    /// reply) stands for the sender when the send itself was not noted.
    fn take(&mut self, tgid: u32, sent_ns: u64, reader: u32) -> Option<String> {
        let t = self.tasks.get_mut(&tgid)?;
        let (tid, messages) = t
            .sends
            .iter()
            .find(|s| s.mono_ns == sent_ns)
            .map_or((reader, 1), |s| (s.tid, s.messages));
        let after = t
            .sends
            .iter()
            .filter(|s| s.tid == tid && s.mono_ns < sent_ns)
            .map(|s| s.mono_ns)
            .max()
            .unwrap_or(0)
            .max(sent_ns.saturating_sub(MAX_AGE_NS));
        let mut found: Option<String> = None;
        let before = t.reasons.len();
        t.reasons.retain_mut(|r| {
            // Older ones belong to earlier calls, whose replies may come
            // later still.
            if r.tid != tid || r.mono_ns > sent_ns || r.mono_ns <= after {
                return true;
            }
            // The last one wins, as in the kernel (`extack->_msg`).
            found = Some(std::mem::take(&mut r.text));
            false
        });
        let dropped = before - t.reasons.len();
        if t.reasons.is_empty() {
            self.tasks.remove(&tgid);
        }
        // Several messages in one buffer: which reason goes with which
        // failure is not known, so none is guessed.
        let found = found.filter(|_| messages == 1);
        self.counts.unused += (dropped - usize::from(found.is_some())) as u64;
        found
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;
    use crate::{
        event::{Direction, sample},
        filter::Filter,
        pipeline::{Detail, PipelineOptions, Single, Sink},
        text::{TextOptions, write_event},
    };

    const TGID: u32 = 42;
    const PORT: u32 = 900;
    const EINVAL: i32 = 22;
    const WHY: &str = "mtu greater than device maximum";

    fn nlmsg(ty: u16, flags: u16, seq: u32, pid: u32, body: &[u8]) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend((16 + body.len() as u32).to_ne_bytes());
        m.extend(ty.to_ne_bytes());
        m.extend(flags.to_ne_bytes());
        m.extend(seq.to_ne_bytes());
        m.extend(pid.to_ne_bytes());
        m.extend(body);
        m
    }

    /// RTM_SETLINK of index 5 with IFLA_MTU 70000.
    fn setlink(seq: u32) -> Vec<u8> {
        let mut body = vec![0u8; 16];
        body[4..8].copy_from_slice(&5i32.to_ne_bytes());
        body.extend(8u16.to_ne_bytes());
        body.extend(4u16.to_ne_bytes());
        body.extend(70000u32.to_ne_bytes());
        nlmsg(19, 0x5, seq, 0, &body)
    }

    /// The kernel's EINVAL for it, echoing the request; with `extack`, the
    /// reply carries the text itself (NLMSGERR_ATTR_MSG, NLM_F_ACK_TLVS).
    fn einval(seq: u32, extack: Option<&str>) -> Vec<u8> {
        let mut body = (-EINVAL).to_ne_bytes().to_vec();
        body.extend(setlink(seq));
        let mut flags = 0;
        if let Some(t) = extack {
            let mut v = t.as_bytes().to_vec();
            v.push(0);
            body.extend((4 + v.len() as u16).to_ne_bytes());
            body.extend(1u16.to_ne_bytes());
            body.extend(&v);
            while !body.len().is_multiple_of(4) {
                body.push(0);
            }
            flags = 0x200;
        }
        nlmsg(2, flags, seq, PORT, &body)
    }

    fn at(mut ev: Event, tid: u32, mono_ns: u64, dir: Direction) -> Event {
        ev.process.tid = tid;
        ev.mono_ns = mono_ns;
        ev.direction = dir;
        ev
    }

    fn reason(tid: u32, mono_ns: u64, text: &str) -> Event {
        let mut ev = sample("prog", TGID, 0, text.as_bytes().to_vec());
        ev.kind = Kind::Extack;
        at(ev, tid, mono_ns, Direction::ToKernel)
    }

    fn send(tid: u32, mono_ns: u64, data: Vec<u8>) -> Event {
        at(
            sample("prog", TGID, PORT, data),
            tid,
            mono_ns,
            Direction::ToKernel,
        )
    }

    fn reply(tid: u32, mono_ns: u64, data: Vec<u8>) -> Event {
        at(
            sample("prog", TGID, PORT, data),
            tid,
            mono_ns,
            Direction::FromKernel,
        )
    }

    /// Records what would be printed: the text line and the JSON of each
    /// message shown.
    struct Seen {
        detail: Detail,
        text: Vec<String>,
        json: Vec<serde_json::Value>,
    }

    impl Sink for Seen {
        fn event(&mut self, ev: &Event, msgs: &[Shown]) -> io::Result<()> {
            let mut out = Vec::new();
            write_event(&mut out, ev, msgs, TextOptions::default())?;
            self.text
                .extend(String::from_utf8_lossy(&out).lines().map(str::to_owned));
            for s in msgs {
                let mut line = Vec::new();
                crate::json::write_line(&mut line, ev, Some(s))?;
                self.json.push(serde_json::from_slice(&line).expect("JSON"));
            }
            Ok(())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }

        fn detail(&self) -> Detail {
            self.detail
        }
    }

    fn run(batches: &[Vec<Event>], detail: Detail) -> (Seen, ReasonCounts) {
        let mut p = Single::new(Filter::default(), PipelineOptions::default(), None);
        let mut seen = Seen {
            detail,
            text: Vec::new(),
            json: Vec::new(),
        };
        for b in batches {
            p.process(b.clone(), &mut seen).expect("process");
        }
        (seen, p.pipeline.reasons.counts)
    }

    /// The error line and its JSON `error`.
    fn failure(seen: &Seen, seq: u32) -> (&str, &serde_json::Value) {
        let i = seen
            .json
            .iter()
            .position(|j| {
                j["message"]["type_name"] == "NLMSG_ERROR" && j["message"]["header"]["seq"] == seq
            })
            .unwrap_or_else(|| panic!("no error reply seq {seq} in {:?}", seen.text));
        (&seen.text[i], &seen.json[i]["message"]["error"])
    }

    fn explained(line: &str, error: &serde_json::Value) -> bool {
        let text = line.contains(&format!("msg=\"{WHY}\""))
            && line.contains(&format!("FAILED (Invalid argument: {WHY})"));
        let json = error["message"] == WHY && error["message_source"] == SOURCE_TRACEPOINT;
        assert_eq!(text, json, "text and JSON disagree: {line} / {error}");
        text
    }

    #[test]
    fn reason_reaches_the_error_line_whatever_the_record_order() {
        let events = [
            reason(43, 100, WHY),
            send(43, 200, setlink(7)),
            reply(43, 300, einval(7, None)),
        ];
        // Every order in one batch (CPUs interleave records), and the
        // records split over batches in their order.
        let orders: [[usize; 3]; 6] = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        for detail in [Detail::Headers, Detail::Line, Detail::Tree] {
            for o in orders {
                let batch: Vec<Event> = o.iter().map(|&i| events[i].clone()).collect();
                let (seen, counts) = run(&[batch], detail);
                let (line, error) = failure(&seen, 7);
                assert!(explained(line, error), "{o:?} {detail:?}: {line}");
                assert_eq!(counts.added, 1);
                // The reason is not shown as a line of its own.
                assert_eq!(seen.text.len(), 2, "{:?}", seen.text);
            }
        }
        let split: Vec<Vec<Event>> = events.iter().map(|e| vec![e.clone()]).collect();
        let (seen, _) = run(&split, Detail::Line);
        let (line, error) = failure(&seen, 7);
        assert!(explained(line, error), "{line}");
    }

    #[test]
    fn each_reason_goes_to_its_own_call_and_thread() {
        let batch = vec![
            // Thread 43: a failure with a reason, then one without.
            reason(43, 100, WHY),
            send(43, 110, setlink(1)),
            // Thread 44 fails too, without a reason, in between.
            send(44, 120, setlink(2)),
            send(43, 200, setlink(3)),
            // Replies out of order.
            reply(43, 210, einval(3, None)),
            reply(44, 220, einval(2, None)),
            reply(43, 230, einval(1, None)),
        ];
        let (seen, counts) = run(&[batch], Detail::Line);
        for (seq, want) in [(1, true), (2, false), (3, false)] {
            let (line, error) = failure(&seen, seq);
            assert_eq!(explained(line, error), want, "seq {seq}: {line}");
        }
        assert!(
            failure(&seen, 2).0.contains("FAILED (Invalid argument)"),
            "an unexplained failure still says it failed"
        );
        assert_eq!(counts.added, 1);
    }

    #[test]
    fn a_reply_that_carries_the_reason_is_not_given_it_twice() {
        let batch = vec![
            reason(43, 100, WHY),
            send(43, 200, setlink(7)),
            reply(43, 300, einval(7, Some(WHY))),
        ];
        let (seen, counts) = run(&[batch], Detail::Line);
        let (line, error) = failure(&seen, 7);
        assert_eq!(
            line.matches(WHY).count(),
            2,
            "msg= and FAILED once each: {line}"
        );
        assert_eq!(error["message"], WHY);
        assert!(error.get("message_source").is_none(), "{error}");
        assert_eq!((counts.added, counts.already_there), (0, 1));
    }

    #[test]
    fn unmatched_reasons_are_counted_and_bounded() {
        let mut r = Reasons::new();
        // An ioctl's reason (no netlink request follows), long ago.
        r.note(&reason(43, 1, "old"), 0);
        // Many processes with reasons nobody reads.
        for tgid in 0..(MAX_TASKS as u32 * 2) {
            let mut ev = reason(tgid, MAX_AGE_NS * 2, WHY);
            ev.process.tgid = 1000 + tgid;
            r.note(&ev, 0);
        }
        assert!(r.tasks.len() <= MAX_TASKS);
        for i in 0..(MAX_PER_TASK as u64 * 3) {
            r.note(&reason(43, MAX_AGE_NS * 3 + i, WHY), 0);
        }
        let t = &r.tasks[&TGID];
        assert!(t.reasons.len() <= MAX_PER_TASK);
        assert!(
            t.reasons.iter().all(|x| x.text == WHY),
            "the old one expired"
        );
        let held: usize = r.tasks.values().map(|t| t.reasons.len()).sum();
        let noted = 1 + MAX_TASKS as u64 * 2 + MAX_PER_TASK as u64 * 3;
        assert_eq!(
            r.counts.unused + held as u64,
            noted,
            "every reason accounted for"
        );
    }

    #[test]
    fn several_messages_in_one_buffer_get_no_guess() {
        let mut two = setlink(1);
        two.extend(setlink(2));
        let mut answers = einval(1, None);
        answers.extend(einval(2, None));
        let batch = vec![
            reason(43, 100, WHY),
            send(43, 200, two),
            reply(43, 300, answers),
        ];
        let (seen, counts) = run(&[batch], Detail::Line);
        for seq in [1, 2] {
            let (line, error) = failure(&seen, seq);
            assert!(!explained(line, error), "{line}");
        }
        assert_eq!((counts.added, counts.unused), (0, 1));
    }
}
