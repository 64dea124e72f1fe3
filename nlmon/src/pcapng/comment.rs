//! nlmon's packet comment: what the cooked header cannot carry (process,
//! direction, namespace, port, hook, times, the interface names the
//! message was shown with), as `key=value` words with the process name
//! last, since it may hold spaces. Values that may hold spaces write them
//! `%20` ([`escape`]).
//!
//! Keys are only added, never renamed: a reader finds the keys it knows
//! and passes over the others, and a key that is missing (a comment from
//! an older nlmon) leaves the field as a capture without comments has it.

use std::{fmt::Write as _, sync::Arc};

use crate::event::{Direction, Event, Hook, Truncation};

/// Every comment nlmon writes starts with this word.
const MAGIC: &str = "nlmon ";

/// Comment words are `key=value` split at spaces: a value's spaces and
/// percent signs are written `%20` and `%25`.
pub(crate) fn escape(s: &str) -> String {
    s.replace('%', "%25").replace(' ', "%20")
}

pub(crate) fn unescape(s: &str) -> String {
    s.replace("%20", " ").replace("%25", "%")
}

/// The words of an event's comment before the interface names and the
/// comm: the same for every packet of the event.
pub fn head(ev: &Event) -> String {
    let mut s = format!(
        "{MAGIC}pid={} tid={} uid={} dir={} netns={} portid={}",
        ev.process.tgid,
        ev.process.tid,
        ev.process.uid,
        ev.direction.name(),
        ev.socket.netns,
        ev.socket.portid
    );
    // Writing to a String cannot fail.
    let mut put = |k: &str, v: &dyn std::fmt::Display| {
        let _ = write!(s, " {k}={v}");
    };
    if let Some(p) = ev.peer {
        put("peer", &p.portid);
        if p.groups != 0 {
            put("peer_groups", &p.groups);
        }
    }
    if let Some(fd) = ev.socket.fd {
        put("fd", &fd);
    }
    put("hook", &ev.hook.name());
    put("mono", &ev.mono_ns);
    if ev.process.cgroup_id != 0 {
        put("cgroup_id", &ev.process.cgroup_id);
    }
    if ev.socket.groups != 0 {
        put("groups", &ev.socket.groups);
    }
    if let Some(e) = ev.errno {
        put("errno", &e);
    }
    if ev.call_flags != 0 {
        put("call_flags", &ev.call_flags);
    }
    if ev.ret_flags != 0 {
        put("ret_flags", &ev.ret_flags);
    }
    if ev.msg_index != 0 {
        put("msg_index", &ev.msg_index);
    }
    let trunc: Vec<&str> = ev
        .truncation
        .reasons()
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect();
    if !trunc.is_empty() {
        put("trunc", &trunc.join(","));
    }
    s.push_str(&crate::attrib::fields::comment(ev));
    s
}

/// A packet's comment: the event's [`head`], the names of the interfaces
/// its message was shown with (`ifname=INDEX:NAME`, one word each), then
/// the comm.
pub fn finish(head: &str, ifnames: &[(u32, Arc<str>)], comm: &str) -> String {
    let mut s = String::with_capacity(head.len() + 16 * ifnames.len() + 6 + comm.len());
    s.push_str(head);
    for (index, name) in ifnames {
        let _ = write!(s, " ifname={index}:{}", escape(name));
    }
    s.push_str(" comm=");
    s.push_str(comm);
    s
}

/// The comment of an event's packets, with the interface names the event
/// carries ([`Event::ifnames`]).
pub fn comment(ev: &Event) -> String {
    finish(&head(ev), &ev.ifnames, &ev.process.comm)
}

/// A comment nlmon wrote, split once: every packet's is read for a dozen
/// fields.
#[derive(Clone, Copy, Default)]
pub struct Comment<'a> {
    /// The `key=value` words before ` comm=`.
    head: &'a str,
    /// The rest: the comm, which may hold spaces.
    comm: Option<&'a str>,
}

impl<'a> Comment<'a> {
    /// None for a comment someone else wrote.
    pub fn parse(c: &'a str) -> Option<Self> {
        if !c.starts_with(MAGIC) {
            return None;
        }
        Some(match c.split_once(" comm=") {
            Some((head, comm)) => Self {
                head,
                comm: Some(comm),
            },
            None => Self {
                head: c,
                comm: None,
            },
        })
    }

    /// The values of a key before the comm, in order (a key may repeat).
    pub fn fields(&self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.head
            .split(' ')
            .filter_map(move |kv| kv.strip_prefix(key)?.strip_prefix('='))
    }

    /// The value of a key before the comm.
    pub fn field(&self, key: &'a str) -> Option<&'a str> {
        self.fields(key).next()
    }

    /// A numeric field.
    pub fn num<T: std::str::FromStr>(&self, key: &'a str) -> Option<T> {
        self.field(key)?.parse().ok()
    }

    pub fn comm(&self) -> Option<&'a str> {
        self.comm
    }

    /// The direction the comment names.
    pub fn direction(&self) -> Option<Direction> {
        Direction::from_name(self.field("dir")?)
    }

    /// The hook the comment names.
    pub fn hook(&self) -> Option<Hook> {
        Hook::from_name(self.field("hook")?)
    }

    /// The truncation reasons the comment names (unknown names are passed
    /// over).
    pub fn truncation(&self) -> Truncation {
        let mut t = Truncation::default();
        for name in self.field("trunc").unwrap_or("").split(',') {
            t.set(name);
        }
        t
    }

    /// The interface names the message was shown with, by index (words
    /// that are not `INDEX:NAME` are passed over).
    pub fn ifnames(&self) -> Vec<(u32, Arc<str>)> {
        self.fields("ifname")
            .filter_map(|v| {
                let (index, name) = v.split_once(':')?;
                Some((index.parse().ok()?, Arc::from(unescape(name))))
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn event() -> Event {
        let mut e = crate::event::sample("my prog", 4121, 77, Vec::new());
        e.process.tid = 4122;
        e.process.uid = 1000;
        e.socket.netns = 4026531840;
        e.socket.fd = Some(3);
        e.direction = Direction::FromUser;
        e.peer = Some(crate::event::Peer {
            portid: 9,
            groups: 0,
        });
        e
    }

    #[test]
    fn comment_text_and_back() {
        let e = event();
        let c = comment(&e);
        assert_eq!(
            c,
            "nlmon pid=4121 tid=4122 uid=1000 dir=from_user netns=4026531840 portid=77 \
             peer=9 fd=3 hook=sendto mono=0 comm=my prog"
        );
        let p = Comment::parse(&c).unwrap();
        assert_eq!(p.num("pid"), Some(4121u32));
        assert_eq!(p.num("peer"), Some(9u32));
        assert_eq!(p.direction(), Some(Direction::FromUser));
        assert_eq!(p.hook(), Some(Hook::Sendto));
        assert_eq!(p.comm(), Some("my prog"));
        assert_eq!(p.field("cgroup_id"), None, "written only when known");
        assert!(p.ifnames().is_empty());
        assert!(Comment::parse("written by wireshark").is_none());
    }

    /// `e` with every field the comment carries set to something other
    /// than its default.
    pub(crate) fn with_every_field(mut e: Event) -> Event {
        e.hook = Hook::NetlinkRecvmsg;
        e.mono_ns = 1_234_567_890_123;
        e.process.cgroup_id = 0x1_0000_0042;
        e.socket.groups = 0x41;
        e.peer = Some(crate::event::Peer {
            portid: 0,
            groups: 4,
        });
        e.errno = Some(105);
        e.call_flags = 0x40;
        e.ret_flags = 0x20;
        e.msg_index = 2;
        e.truncation.receiver = true;
        e.truncation.iov_limit = true;
        // Interface names hold no space, ':' or '/', but may hold ',', '='
        // and '%'; names learned from bytes may hold anything.
        e.ifnames = vec![
            (5, Arc::from("veth0")),
            (7, Arc::from("a=b,c%")),
            (9, Arc::from("x comm=y")),
        ];
        e
    }

    #[test]
    fn the_fields_of_a_call_and_its_interface_names_and_back() {
        let e = with_every_field(event());
        let c = comment(&e);
        assert!(c.ends_with(" comm=my prog"), "{c}");
        let p = Comment::parse(&c).unwrap();
        assert_eq!(p.comm(), Some("my prog"), "{c}");
        assert_eq!(p.hook(), Some(e.hook));
        assert_eq!(p.num("mono"), Some(e.mono_ns));
        assert_eq!(p.num("cgroup_id"), Some(e.process.cgroup_id));
        assert_eq!(p.num("groups"), Some(e.socket.groups));
        assert_eq!(p.num("peer"), Some(0u32));
        assert_eq!(p.num("peer_groups"), Some(4u32));
        assert_eq!(p.num("errno"), e.errno);
        assert_eq!(p.num("call_flags"), Some(e.call_flags));
        assert_eq!(p.num("ret_flags"), Some(e.ret_flags));
        assert_eq!(p.num("msg_index"), Some(e.msg_index));
        assert_eq!(p.truncation(), e.truncation);
        assert_eq!(p.ifnames(), e.ifnames);
    }

    #[test]
    fn odd_words_are_passed_over() {
        let p = Comment::parse(
            "nlmon pid=1 hook=ioctl trunc=snaplen,nope ifname=x:y ifname=3 ifname=4: \
             ifname=5:ok future=1 comm=a",
        )
        .unwrap();
        assert_eq!(p.hook(), None);
        assert_eq!(
            p.truncation(),
            Truncation {
                snaplen: true,
                ..Truncation::default()
            }
        );
        assert_eq!(
            p.ifnames(),
            [(4, Arc::from("")), (5, Arc::from("ok"))],
            "an empty name is a name"
        );
    }
}
