//! Changes in plain words: each request that changes an object, once its
//! result is known (the kernel's ack or error), and each notification of a
//! change nlmon did not see requested, as one line a person reads
//! (`12:03:44 ip[4121] added address 10.0.0.1/24 dev veth0: ok`).
//!
//! [`Tracker`] turns the pipeline's decoded, linked messages into
//! [`Change`]s; the live feed (`--changes`), the daemon and `nlmon history`
//! all use it.

pub mod conflict;
pub mod netns;
pub mod sink;

use std::{
    collections::{HashMap, HashSet, VecDeque},
    time::SystemTime,
};

use nlmon_common::{
    decode::{Message, objects},
    nlmsg::{NLM_F_ACK, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_ERROR, NLMSG_MIN_TYPE},
};
use serde::Serialize;

use crate::{
    event::{Event, Kind},
    ifnames::IfNames,
    link::Link,
    pipeline::Shown,
};

/// Requests waiting for their ack, and requests seen (whose notifications
/// would repeat them), are both bounded.
const MAX_PENDING: usize = 4096;
const MAX_SEEN: usize = 4096;

/// What came of a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Acknowledged, or notified by the kernel.
    Ok,
    Failed {
        errno: i32,
        /// `EEXIST`
        name: Option<String>,
        /// The kernel's extended-ack message.
        extack: Option<String>,
    },
    /// Sent without asking for an ack, and no error came.
    Sent,
}

impl Outcome {
    /// `ok`, `failed: EEXIST (ipv4: Address already assigned)`, `sent`.
    pub fn text(&self) -> String {
        match self {
            Self::Ok => "ok".into(),
            Self::Sent => "sent".into(),
            Self::Failed {
                errno,
                name,
                extack,
            } => {
                let name = name.clone().unwrap_or_else(|| format!("errno {errno}"));
                match extack {
                    Some(m) => format!("failed: {name} ({m})"),
                    None => format!("failed: {name}"),
                }
            }
        }
    }

    /// The word for `NLMON_RESULT` and queries: `ok`, `failed`, `sent`.
    pub fn word(&self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed { .. } => "failed",
            Self::Sent => "sent",
        }
    }
}

/// One change of one object.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    /// When the change was requested (or notified).
    #[serde(with = "crate::event::wall")]
    pub time: SystemTime,
    /// Who: the requesting process (for a notification, the process whose
    /// request caused it; `kernel` when the kernel changed it itself).
    pub comm: String,
    pub pid: u32,
    /// The writer's container, pod or systemd unit as text lines show it
    /// after `comm[pid]` (`NetworkManager.service`, `podman:web`), when
    /// known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Network namespace inode, and its name under /run/netns if any.
    pub netns: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netns_name: Option<String>,
    /// `address`, `route`, `nft rule`.
    pub kind: &'static str,
    /// `added`, `deleted`, `changed`.
    pub action: objects::Verb,
    /// The canonical key (`10.0.0.1/24 dev veth0`).
    pub key: String,
    /// Every part, as shown (`10.0.0.1/24 dev veth0 label veth0`).
    pub description: String,
    /// The parts by label (unlabelled parts under `""` are left out).
    pub object: serde_json::Map<String, serde_json::Value>,
    /// The interface the object is on, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ifname: Option<String>,
    pub result: Outcome,
    /// Part of a conflict (see [`conflict`]): the writers and the count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflict: Option<conflict::Episode>,
    /// Seen as a notification (no request of it was captured).
    pub notification: bool,
}

impl Change {
    /// The kind as the tool says it in a sentence (`rule`, not `nft rule`).
    fn word(&self) -> &'static str {
        self.kind.strip_prefix("nft ").unwrap_or(self.kind)
    }

    /// `12:03:44 ip[4121] added address 10.0.0.1/24 dev veth0 (netns blue): ok`
    pub fn line(&self) -> String {
        let netns = self
            .netns_name
            .as_deref()
            .map(|n| format!(" (netns {n})"))
            .unwrap_or_default();
        let conflict = self
            .conflict
            .as_ref()
            .map(|c| format!(" [CONFLICT: {}]", c.summary()))
            .unwrap_or_default();
        let label = self
            .label
            .as_deref()
            .map(|l| format!(" ({l})"))
            .unwrap_or_default();
        format!(
            "{} {}[{}]{label} {} {} {}{netns}: {}{conflict}",
            hms(self.time),
            self.comm,
            self.pid,
            self.action.as_str(),
            self.word(),
            self.description,
            self.result.text()
        )
    }
}

/// `HH:MM:SS` in UTC.
pub fn hms(t: SystemTime) -> String {
    let s = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        % 86400;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// A change waiting for its ack, with the event and message it came in
/// (for `--json`).
#[derive(Clone, Debug)]
pub struct Pending {
    pub change: Change,
    pub event: Event,
    pub shown: Shown,
}

/// Turns decoded, linked messages into changes.
#[derive(Debug, Default)]
pub struct Tracker {
    pending: HashMap<(u32, u32, u32), Pending>,
    pending_order: VecDeque<(u32, u32, u32)>,
    /// Requests seen as changes, by (tgid, portid, seq).
    seen: HashSet<(u32, u32, u32)>,
    seen_order: VecDeque<(u32, u32, u32)>,
    /// Notifications already shown (each listener receives a copy).
    notified: HashSet<(u32, Vec<u8>)>,
    notified_order: VecDeque<(u32, Vec<u8>)>,
    names: IfNames,
    netns: netns::Names,
    pub conflicts: conflict::Detector,
}

impl Tracker {
    pub fn new(conflicts: conflict::Config) -> Self {
        Self {
            conflicts: conflict::Detector::new(conflicts),
            ..Self::default()
        }
    }

    /// The changes one message completes: its own (a failed send, a
    /// notification, a request without an ack), or that of the request
    /// an ack answers. `s.message` must hold the tree.
    pub fn message(&mut self, ev: &Event, s: &Shown) -> Vec<Pending> {
        if ev.kind != Kind::Message {
            return Vec::new();
        }
        let bytes = s.bytes(ev);
        self.names.learn_event(ev);
        let m = &s.message;
        let h = m.header;
        if ev.direction.is_send() {
            if h.flags & NLM_F_REQUEST == 0 {
                return Vec::new();
            }
            let writer = (
                &*ev.process.comm,
                ev.process.tgid,
                ev.process.attrib.label(),
            );
            let Some(mut c) = self.change(ev, m, writer) else {
                return Vec::new();
            };
            let key = (ev.process.tgid, ev.socket.portid, h.seq);
            remember(&mut self.seen, &mut self.seen_order, key, MAX_SEEN);
            let p = |change| Pending {
                change,
                event: ev.clone(),
                shown: s.clone(),
            };
            if let Some(errno) = ev.errno {
                c.result = failed(errno, None);
                return vec![self.finish(p(c))];
            }
            if h.flags & NLM_F_ACK == 0 {
                c.result = Outcome::Sent;
                return vec![self.finish(p(c))];
            }
            if self.pending.insert(key, p(c)).is_none() {
                self.pending_order.push_back(key);
            }
            while self.pending_order.len() > MAX_PENDING {
                if let Some(k) = self.pending_order.pop_front() {
                    self.pending.remove(&k);
                }
            }
            return Vec::new();
        }
        if h.ty == NLMSG_ERROR {
            let Some(Link::Reply { request, .. }) = &s.link else {
                return Vec::new();
            };
            let key = (request.tgid, request.portid, request.seq);
            let Some(mut p) = self.pending.remove(&key) else {
                return Vec::new();
            };
            let e = m.error.as_ref();
            p.change.result = match e.map_or(0, |e| e.errno) {
                0 => Outcome::Ok,
                errno => failed(errno, e.and_then(|e| e.message.clone())),
            };
            return vec![self.finish(p)];
        }
        // A notification: a change nlmon has not seen requested.
        if h.ty < NLMSG_MIN_TYPE || h.flags & (NLM_F_MULTI | NLM_F_REQUEST) != 0 {
            return Vec::new();
        }
        let (comm, pid) = match &s.link {
            Some(Link::Caused { request }) => {
                if self
                    .seen
                    .contains(&(request.tgid, request.portid, request.seq))
                {
                    return Vec::new();
                }
                (request.comm.clone(), request.tgid)
            }
            // Replies to someone's request are not notifications.
            Some(Link::Reply { .. }) => return Vec::new(),
            None if h.pid == 0 => ("kernel".to_owned(), 0),
            None => (format!("port {}", h.pid), 0),
        };
        let dup = (ev.socket.netns, bytes.to_vec());
        if self.notified.contains(&dup) {
            return Vec::new();
        }
        let Some(mut c) = self.change(ev, m, (&comm, pid, None)) else {
            return Vec::new();
        };
        remember(&mut self.notified, &mut self.notified_order, dup, MAX_SEEN);
        c.notification = true;
        vec![self.finish(Pending {
            change: c,
            event: ev.clone(),
            shown: s.clone(),
        })]
    }

    fn finish(&mut self, mut p: Pending) -> Pending {
        p.change.conflict = self.conflicts.note(&p.change);
        p
    }

    /// The change `m` makes, by `(comm, pid, label)`.
    fn change(
        &mut self,
        ev: &Event,
        m: &Message,
        (comm, pid, label): (&str, u32, Option<String>),
    ) -> Option<Change> {
        let o = objects::object(m)?;
        let names = &mut self.names;
        let mut name = |i: u32| names.name(ev, i).map(|n| n.to_string());
        let key = o.key(&mut name);
        let description = o.description(&mut name);
        let mut object = serde_json::Map::new();
        let mut ifname = None;
        for (label, value, _) in &o.parts {
            let v = match value {
                objects::PartValue::Text(t) => t.clone(),
                objects::PartValue::Ifindex(i) => name(*i).unwrap_or_else(|| format!("if{i}")),
            };
            if *label == "dev" && ifname.is_none() {
                ifname = Some(v.clone());
            }
            if !label.is_empty() {
                object.insert((*label).to_owned(), serde_json::Value::String(v));
            }
        }
        Some(Change {
            time: ev.time,
            comm: comm.to_owned(),
            pid,
            label,
            netns: ev.socket.netns,
            netns_name: self.netns.name(ev.socket.netns),
            kind: o.kind,
            action: o.verb,
            key,
            description,
            object,
            ifname,
            result: Outcome::Ok,
            conflict: None,
            notification: false,
        })
    }
}

fn failed(errno: i32, extack: Option<String>) -> Outcome {
    Outcome::Failed {
        errno,
        name: nlmon_common::decode::errno(errno).map(|(n, _)| n.to_owned()),
        extack,
    }
}

fn remember<K: std::hash::Hash + Eq + Clone>(
    set: &mut HashSet<K>,
    order: &mut VecDeque<K>,
    k: K,
    max: usize,
) {
    if set.insert(k.clone()) {
        order.push_back(k);
    }
    while order.len() > max {
        if let Some(old) = order.pop_front() {
            set.remove(&old);
        }
    }
}

#[cfg(test)]
mod tests;
