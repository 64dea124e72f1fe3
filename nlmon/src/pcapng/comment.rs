//! nlmon's packet comment: what the cooked header cannot carry (process,
//! direction, namespace, port), as `key=value` words with the process name
//! last, since it may hold spaces.

use crate::event::{Direction, Event};

/// Every comment nlmon writes starts with this word.
const MAGIC: &str = "nlmon ";

/// The comment of an event's packets.
pub fn comment(ev: &Event) -> String {
    let mut s = format!(
        "{MAGIC}pid={} tid={} uid={} dir={} netns={} portid={}",
        ev.process.tgid,
        ev.process.tid,
        ev.process.uid,
        ev.direction.name(),
        ev.socket.netns,
        ev.socket.portid
    );
    if let Some(p) = ev.peer {
        s.push_str(&format!(" peer={}", p.portid));
    }
    if let Some(fd) = ev.socket.fd {
        s.push_str(&format!(" fd={fd}"));
    }
    s.push_str(&crate::attrib::fields::comment(ev));
    s.push_str(&format!(" comm={}", ev.process.comm));
    s
}

/// A comment nlmon wrote, split once: every packet's is read for nine
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

    /// The value of a key before the comm.
    pub fn field(&self, key: &str) -> Option<&'a str> {
        self.head
            .split(' ')
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
    }

    /// A numeric field.
    pub fn num(&self, key: &str) -> Option<u32> {
        self.field(key)?.parse().ok()
    }

    pub fn comm(&self) -> Option<&'a str> {
        self.comm
    }

    /// The direction the comment names.
    pub fn direction(&self) -> Option<Direction> {
        Some(match self.field("dir")? {
            "to_kernel" => Direction::ToKernel,
            "from_kernel" => Direction::FromKernel,
            "to_user" => Direction::ToUser,
            "from_user" => Direction::FromUser,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_text_and_back() {
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
        let c = comment(&e);
        assert_eq!(
            c,
            "nlmon pid=4121 tid=4122 uid=1000 dir=from_user netns=4026531840 portid=77 \
             peer=9 fd=3 comm=my prog"
        );
        let p = Comment::parse(&c).unwrap();
        assert_eq!(p.num("pid"), Some(4121));
        assert_eq!(p.num("peer"), Some(9));
        assert_eq!(p.direction(), Some(Direction::FromUser));
        assert_eq!(p.comm(), Some("my prog"));
        assert!(Comment::parse("written by wireshark").is_none());
    }
}
