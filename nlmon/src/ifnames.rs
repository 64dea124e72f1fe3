//! Interface names for the interface indexes messages carry, in the
//! message's own network namespace: learned from the RTM_NEWLINK messages
//! seen, else asked of the kernel in that namespace (entered through the
//! process's `/proc/PID/ns/net` while it lives, on a short-lived thread).

use std::{collections::HashMap, ffi::CStr, fs::File, os::fd::AsRawFd};

use nlmon_common::nlmsg::{NLMSG_HDRLEN, NlMsgHdr};

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

impl IfNames {
    /// Remembers the name an RTM_NEWLINK gives its index (`ifi_index`
    /// and `IFLA_IFNAME`, read from the message's bytes).
    pub fn learn(&mut self, ev: &Event, msg: &[u8]) {
        if ev.socket.protocol != NETLINK_ROUTE {
            return;
        }
        if let Some((i, name)) = newlink_name(msg) {
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

    /// Adds `(name)` after each interface index in a message's summary:
    /// the top-level `FIELD=N` of the fields that hold one.
    pub fn annotate(&mut self, ev: &Event, mut summary: String) -> String {
        if ev.socket.protocol != NETLINK_ROUTE {
            return summary;
        }
        let found = top_level_indexes(&summary);
        // From the end, so earlier positions stay valid.
        for (at, i) in found.into_iter().rev() {
            if let Some(name) = self.name(ev, i) {
                summary.insert_str(at, &format!("({name})"));
            }
        }
        summary
    }
}

/// `(index, name)` of an RTM_NEWLINK message.
fn newlink_name(msg: &[u8]) -> Option<(u32, String)> {
    const IFINFOMSG: usize = 16;
    const IFLA_IFNAME: u16 = 3;
    let hdr = NlMsgHdr::parse(msg)?;
    if hdr.ty != RTM_NEWLINK {
        return None;
    }
    let payload = msg.get(NLMSG_HDRLEN..)?;
    let index = i32::from_ne_bytes(payload.get(4..8)?.try_into().ok()?);
    let index = u32::try_from(index).ok()?;
    let mut attrs = payload.get(IFINFOMSG..)?;
    while attrs.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([attrs[0], attrs[1]]));
        let ty = u16::from_ne_bytes([attrs[2], attrs[3]]) & 0x3fff;
        if len < 4 {
            return None;
        }
        let value = &attrs[4..len.min(attrs.len())];
        if ty == IFLA_IFNAME {
            let end = value.iter().position(|&c| c == 0).unwrap_or(value.len());
            return Some((index, String::from_utf8_lossy(&value[..end]).into_owned()));
        }
        attrs = attrs.get(len.next_multiple_of(4)..).unwrap_or_default();
    }
    None
}

/// Where to insert a name: after each `FIELD=N` (N > 0) at the top level of
/// a summary (outside braces and quotes) whose field holds an interface
/// index, and the index.
///
/// Every record's summary passes through here, and a link's is a couple of
/// kilobytes: the scan jumps (`memchr`) from one byte that matters to the
/// next, and names the field of an `=` only when the byte before it can end
/// one.
fn top_level_indexes(s: &str) -> Vec<(usize, u32)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0u32;
    let mut i = 0;
    loop {
        // At the top level a `}` changes nothing and an `=` may start an
        // index; inside braces the reverse.
        let rest = &b[i..];
        let next = if depth == 0 {
            memchr::memchr3(b'"', b'{', b'=', rest)
        } else {
            memchr::memchr3(b'"', b'{', b'}', rest)
        };
        let Some(at) = next.map(|p| i + p) else {
            return out;
        };
        i = at + 1;
        match b[at] {
            b'"' => i = closing_quote(b, i),
            b'{' => depth += 1,
            b'}' => depth -= 1,
            _ => out.extend(index_after(b, at)),
        }
    }
}

/// Just past the quote that closes a string opened before `from` (the end
/// of `b` if none does), skipping escaped characters.
fn closing_quote(b: &[u8], mut from: usize) -> usize {
    while let Some(at) = b.get(from..).and_then(|r| memchr::memchr2(b'"', b'\\', r)) {
        if b[from + at] == b'"' {
            return from + at + 1;
        }
        from += at + 2;
    }
    b.len()
}

/// `(end of N, N)` when the `=` at `eq` ends a whole word naming an index
/// field and is followed by a whole number N > 0.
fn index_after(b: &[u8], eq: usize) -> Option<(usize, u32)> {
    let last = *b.get(eq.checked_sub(1)?)?;
    let named = INDEX_FIELDS.iter().any(|f| {
        let f = f.as_bytes();
        f.last() == Some(&last)
            && b[..eq].ends_with(f)
            && (eq == f.len() || b[eq - f.len() - 1] == b' ')
    });
    if !named {
        return None;
    }
    let digits = b[eq + 1..]
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    let end = eq + 1 + digits;
    if digits == 0 || (end != b.len() && b[end] != b' ') {
        return None;
    }
    let n: u32 = std::str::from_utf8(&b[eq + 1..end]).ok()?.parse().ok()?;
    (n > 0).then_some((end, n))
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
    fn indexes_at_the_top_level_only() {
        let s = r#"RTM_NEWROUTE - seq=1 portid=0 x="a RTA_OIF=4" RTA_OIF=3 y={RTA_IIF=5} ifi_index=1… index=0 RTA_IIF=12"#;
        let at = |t: &str| s.find(t).unwrap() + t.len();
        assert_eq!(
            top_level_indexes(s),
            vec![(at(" RTA_OIF=3"), 3), (at(" RTA_IIF=12"), 12)]
        );
        assert!(top_level_indexes("ifi_index=1x ifi_indexx=2").is_empty());
        // An escaped quote does not end a string; the start is a word start.
        let s = r#"x="a\" RTA_OIF=4" index=2"#;
        assert_eq!(top_level_indexes(s), vec![(s.len(), 2)]);
        assert_eq!(top_level_indexes("index=5"), vec![(7, 5)]);
    }

    #[test]
    fn a_newlink_names_its_index() {
        let mut m = vec![0u8; 32];
        m[4..6].copy_from_slice(&RTM_NEWLINK.to_ne_bytes());
        m[20..24].copy_from_slice(&7i32.to_ne_bytes());
        m.extend(8u16.to_ne_bytes());
        m.extend(3u16.to_ne_bytes());
        m.extend(b"v0\0\0");
        let len = m.len() as u32;
        m[..4].copy_from_slice(&len.to_ne_bytes());
        assert_eq!(newlink_name(&m), Some((7, "v0".to_owned())));
        m[4] = 20;
        assert_eq!(newlink_name(&m), None);
    }

    #[test]
    fn loopback_in_our_own_namespace() {
        let mut names = IfNames::default();
        let mut ev = crate::event::sample("t", 1, 1, Vec::new());
        ev.socket.netns = netns_of("/proc/self/ns/net");
        assert_eq!(names.name(&ev, 1).as_deref(), Some("lo"));
    }
}
