//! Interface names for the interface indexes messages carry, in the
//! message's own network namespace: learned from the RTM_NEWLINK messages
//! seen, else asked of the kernel in that namespace (entered through the
//! process's `/proc/PID/ns/net` while it lives, on a short-lived thread).

use std::{collections::HashMap, ffi::CStr, fs::File, os::fd::AsRawFd};

use nlmon_common::decode::{Message, Node, Value};

use crate::event::Event;

const NETLINK_ROUTE: u32 = 0;
const RTM_NEWLINK: u16 = 16;

/// Top-level fields and attributes that hold an interface index.
const INDEX_FIELDS: &[&str] = &[
    "ifi_index",
    "ifa_index",
    "index",
    "ifindex",
    "RTA_OIF",
    "RTA_IIF",
    "IFLA_LINK",
    "IFLA_MASTER",
    "NDA_IFINDEX",
];

/// Names by (netns inode, ifindex); `None` remembers a failed lookup.
#[derive(Debug, Default)]
pub struct IfNames {
    known: HashMap<(u32, u32), Option<String>>,
    own_netns: Option<u32>,
}

fn uint(n: &Node) -> Option<u32> {
    match n.value {
        Value::Unsigned(v) | Value::Hex(v) => u32::try_from(v).ok(),
        Value::Signed(v) => u32::try_from(v).ok(),
        _ => None,
    }
}

impl IfNames {
    /// Remembers the name an RTM_NEWLINK gives its index.
    pub fn learn(&mut self, ev: &Event, m: &Message) {
        if ev.socket.protocol != NETLINK_ROUTE || m.header.ty != RTM_NEWLINK {
            return;
        }
        let index = m.body.iter().find(|n| n.name == "ifi_index").and_then(uint);
        let name = m.body.iter().find_map(|n| match (&n.value, n.name) {
            (Value::Str(s), "IFLA_IFNAME") => Some(s.clone()),
            _ => None,
        });
        if let (Some(i), Some(name)) = (index, name) {
            self.known.insert((ev.socket.netns, i), Some(name));
        }
    }

    /// The name of `index` in the namespace of `ev`'s socket, if it can be
    /// found.
    pub fn name(&mut self, ev: &Event, index: u32) -> Option<String> {
        let key = (ev.socket.netns, index);
        if let Some(v) = self.known.get(&key) {
            return v.clone();
        }
        let own = *self
            .own_netns
            .get_or_insert_with(|| netns_of("/proc/self/ns/net"));
        let found = if ev.socket.netns == own {
            index_to_name(index)
        } else {
            let path = format!("/proc/{}/ns/net", ev.process.tgid);
            // Only while the process still lives in that namespace.
            (ev.process.tgid != 0 && netns_of(&path) == ev.socket.netns)
                .then(|| name_in(&path, index))
                .flatten()
        };
        self.known.insert(key, found.clone());
        found
    }

    /// Adds `(name)` after each interface index in a message's summary.
    pub fn annotate(&mut self, ev: &Event, m: &Message, mut summary: String) -> String {
        if ev.socket.protocol != NETLINK_ROUTE {
            return summary;
        }
        for n in &m.body {
            if !INDEX_FIELDS.contains(&n.name) {
                continue;
            }
            let Some(i) = uint(n).filter(|&i| i > 0) else {
                continue;
            };
            let Some(name) = self.name(ev, i) else {
                continue;
            };
            let token = format!("{}={i}", n.name);
            if let Some(at) = find_token(&summary, &token) {
                summary.insert_str(at + token.len(), &format!("({name})"));
            }
        }
        summary
    }
}

/// Where `token` stands as a whole word.
fn find_token(s: &str, token: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find(token) {
        let at = from + i;
        let before = at == 0 || matches!(s.as_bytes()[at - 1], b' ' | b'{');
        let end = at + token.len();
        let after = end == s.len() || matches!(s.as_bytes()[end], b' ' | b'}');
        if before && after {
            return Some(at);
        }
        from = end;
    }
    None
}

fn netns_of(path: &str) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).map_or(0, |m| m.ino() as u32)
}

fn index_to_name(index: u32) -> Option<String> {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: buf has IF_NAMESIZE bytes, as if_indextoname requires.
    let p = unsafe { libc::if_indextoname(index, buf.as_mut_ptr()) };
    if p.is_null() {
        return None;
    }
    // SAFETY: on success buf holds a NUL-terminated name.
    Some(
        unsafe { CStr::from_ptr(buf.as_ptr()) }
            .to_string_lossy()
            .into_owned(),
    )
}

/// Looks the index up inside another namespace: a thread enters it (only
/// that thread changes namespace) and ends.
fn name_in(ns_path: &str, index: u32) -> Option<String> {
    let ns = File::open(ns_path).ok()?;
    std::thread::spawn(move || {
        // SAFETY: setns on a descriptor we own, for this thread only.
        if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
            return None;
        }
        index_to_name(index)
    })
    .join()
    .ok()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_whole_words() {
        assert_eq!(find_token("a index=1 index=12", "index=12"), Some(10));
        assert_eq!(find_token("ifi_index=1", "index=1"), None);
        assert_eq!(find_token("x {RTA_OIF=3}", "RTA_OIF=3"), Some(3));
    }

    #[test]
    fn loopback_in_our_own_namespace() {
        let mut names = IfNames::default();
        let mut ev = crate::event::sample("t", 1, 1, Vec::new());
        ev.socket.netns = netns_of("/proc/self/ns/net");
        assert_eq!(names.name(&ev, 1).as_deref(), Some("lo"));
    }
}
