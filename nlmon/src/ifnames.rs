//! Interface names for the interface indexes messages carry, in the
//! message's own network namespace: those the capture recorded with the
//! message (`-r` of nlmon's pcapng), else learned from the RTM_NEWLINK
//! messages seen, else asked of the kernel in that namespace (entered
//! through the process's `/proc/PID/ns/net` while it lives, on a
//! short-lived thread). The decoder puts them beside the indexes
//! ([`nlmon_common::decode::enrich`]): data on the decoded message that
//! every output shows, and that pcapng records per message.

use std::{collections::HashMap, ffi::CStr, fs::File, os::fd::AsRawFd, sync::Arc};

use nlmon_common::{
    decode::enrich::Names,
    nlmsg::{Frame, NETLINK_ROUTE, NLMSG_HDRLEN, NlMsgHdr, frames},
};

use crate::event::Event;

const RTM_NEWLINK: u16 = 16;

/// The names one message was shown with, by index.
pub type Used = Vec<(u32, Arc<str>)>;

/// Names by (netns inode, ifindex); `None` remembers a failed lookup.
#[derive(Debug, Default)]
pub struct IfNames {
    known: HashMap<(u32, u32), Option<Arc<str>>>,
    own_netns: Option<u32>,
}

impl IfNames {
    /// Remembers the names the RTM_NEWLINK messages of an event give their
    /// indexes (`ifi_index` and `IFLA_IFNAME`, read from the bytes).
    pub fn learn_event(&mut self, ev: &Event) {
        if ev.socket.protocol != NETLINK_ROUTE {
            return;
        }
        for f in frames(&ev.data) {
            if let Frame::Msg { start, end, .. } = f
                && let Some((i, name)) = newlink_name(&ev.data[start..end])
            {
                self.known.insert((ev.socket.netns, i), Some(name.into()));
            }
        }
    }

    /// The names as seen by `ev`'s socket, noting which each message used.
    pub fn for_event<'a>(&'a mut self, ev: &'a Event) -> EventNames<'a> {
        EventNames {
            names: self,
            ev,
            current: Vec::new(),
            used: Vec::new(),
        }
    }

    /// The name of `index` in the namespace of `ev`'s socket, if it can be
    /// found. A name the capture recorded with the event comes first: it
    /// was the name when the message was captured, which names learned
    /// later in a file, or the reading host's, need not be.
    pub fn name(&mut self, ev: &Event, index: u32) -> Option<Arc<str>> {
        if let Some((_, n)) = ev.ifnames.iter().find(|(i, _)| *i == index) {
            return Some(Arc::clone(n));
        }
        let key = (ev.socket.netns, index);
        if !self.known.contains_key(&key) {
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
            self.known.insert(key, found.map(Arc::from));
        }
        self.known.get(&key)?.clone()
    }
}

/// [`IfNames`] for one event, as the decoder asks, keeping the names each
/// message was given.
pub struct EventNames<'a> {
    names: &'a mut IfNames,
    ev: &'a Event,
    /// The names of the message being walked.
    current: Used,
    /// Those of the messages walked, in order.
    used: Vec<Used>,
}

impl EventNames<'_> {
    /// The names each of the event's `count` messages was given (none for
    /// a message the walk did not name).
    pub fn used(mut self, count: usize) -> Vec<Used> {
        self.used.resize_with(count, Vec::new);
        self.used
    }
}

impl Names for EventNames<'_> {
    fn ifname(&mut self, index: u32) -> Option<&str> {
        let at = match self.current.iter().position(|(i, _)| *i == index) {
            Some(at) => at,
            None => {
                let name = self.names.name(self.ev, index)?;
                self.current.push((index, name));
                self.current.len() - 1
            }
        };
        Some(&self.current[at].1)
    }

    fn end_message(&mut self) {
        self.used.push(std::mem::take(&mut self.current));
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
