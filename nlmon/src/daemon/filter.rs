//! The daemon's filters: the `[filter]` table of the config file and the
//! filter an `nlmon attach` client sends. Same vocabulary as the command
//! line (comm, pid, family, type, dir, netns, errors), all applied in
//! userspace so that a reload changes them without reloading the probes.
//!
//! Values are checked while deserializing, so a bad one is reported with
//! its position (line in the config file, column in an attach request).

use nlmon_common::nlmsg::{Frame, NlMsgHdr, frames};
use serde::{Deserialize, Serialize};

use super::changes;
use crate::{
    event::{Direction, Event},
    print, protocol,
};

/// What to keep before the other filters apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Select {
    /// Requests that modify state, their acks and errors, notifications.
    #[default]
    Changes,
    /// Everything, including GET requests and dumps.
    All,
}

/// A netlink family given by name or number, checked when read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct Family(pub u32);

impl TryFrom<String> for Family {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        protocol::parse(&s).map(Family).ok_or_else(|| {
            format!(
                "unknown netlink family {s:?}; known: {} (or a number below 32)",
                protocol::all_names().collect::<Vec<_>>().join(", ")
            )
        })
    }
}

impl From<Family> for String {
    fn from(f: Family) -> String {
        protocol::name(f.0)
            .map(str::to_owned)
            .unwrap_or_else(|| f.0.to_string())
    }
}

/// A direction: `send` and `recv` cover both peers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Dir {
    Send,
    Recv,
    ToKernel,
    FromKernel,
    ToUser,
    FromUser,
}

impl Dir {
    fn matches(self, d: Direction) -> bool {
        match self {
            Self::Send => d.is_send(),
            Self::Recv => !d.is_send(),
            Self::ToKernel => d == Direction::ToKernel,
            Self::FromKernel => d == Direction::FromKernel,
            Self::ToUser => d == Direction::ToUser,
            Self::FromUser => d == Direction::FromUser,
        }
    }
}

/// A filter as written. Each list keeps an event when it matches any entry
/// (an empty list keeps everything); the lists combine with "and".
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Filter {
    pub select: Select,
    /// Process names (the kernel's 15-byte `comm`).
    pub comm: Vec<String>,
    /// Process ids (tgid).
    pub pid: Vec<u32>,
    pub family: Vec<Family>,
    /// Message type names (`RTM_NEWADDR`, case-insensitive) or numbers;
    /// an event matches when one of its messages does.
    #[serde(rename = "type")]
    pub types: Vec<String>,
    pub dir: Vec<Dir>,
    /// Network namespace inode numbers.
    pub netns: Vec<u32>,
    /// Only failed calls and `NLMSG_ERROR` messages with a non-zero errno.
    pub errors: bool,
}

impl Filter {
    /// Everything, as `nlmon attach` sees it without options.
    pub fn all() -> Self {
        Self {
            select: Select::All,
            ..Self::default()
        }
    }

    pub fn matches(&self, ev: &Event) -> bool {
        let comm_len = nlmon_common::COMM_LEN - 1;
        (self.comm.is_empty()
            || self.comm.iter().any(|c| {
                let c = &c.as_bytes()[..c.len().min(comm_len)];
                c == ev.process.comm.as_bytes()
            }))
            && (self.pid.is_empty() || self.pid.contains(&ev.process.tgid))
            && (self.family.is_empty() || self.family.contains(&Family(ev.socket.protocol)))
            && (self.dir.is_empty() || self.dir.iter().any(|d| d.matches(ev.direction)))
            && (self.netns.is_empty() || self.netns.contains(&ev.socket.netns))
            && (!self.errors || has_error(ev))
            && (self.types.is_empty() || self.has_type(ev))
            && (self.select == Select::All || changes::is_change(ev))
    }

    fn has_type(&self, ev: &Event) -> bool {
        frames(&ev.data).any(|f| match f {
            Frame::Msg { hdr, .. } => {
                let name = print::type_name(ev.socket.protocol, hdr.ty);
                self.types
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(&name) || t.parse() == Ok(hdr.ty))
            }
            Frame::Bad { .. } => false,
        })
    }
}

/// A failed call, or an `NLMSG_ERROR` carrying an errno.
pub fn has_error(ev: &Event) -> bool {
    ev.errno.is_some() || errnos(ev).next().is_some()
}

/// The non-zero errors of the `NLMSG_ERROR` messages in an event, as
/// positive errno values.
pub fn errnos(ev: &Event) -> impl Iterator<Item = i32> + '_ {
    frames(&ev.data).filter_map(|f| match f {
        Frame::Msg { hdr, payload, .. } => frame_errno(&hdr, payload),
        Frame::Bad { .. } => None,
    })
}

/// The errno an `NLMSG_ERROR` carries (positive), `None` for an ack or
/// any other message.
pub fn frame_errno(hdr: &NlMsgHdr, payload: &[u8]) -> Option<i32> {
    let e = payload.get(..4).filter(|_| hdr.ty == NLMSG_ERROR)?;
    let e = i32::from_ne_bytes([e[0], e[1], e[2], e[3]]);
    (e != 0).then_some(e.saturating_neg())
}

const NLMSG_ERROR: u16 = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::changes::tests::{event, msg};

    fn parse(s: &str) -> Result<Filter, String> {
        serde_json::from_str(s).map_err(|e| e.to_string())
    }

    #[test]
    fn each_key_filters() {
        let ev = event(0, Direction::ToKernel, msg(20, 0x605, &[0; 8]));
        let keeps = |s: &str| parse(s).unwrap().matches(&ev);
        assert!(keeps("{}"));
        assert!(keeps(r#"{"comm":["ip"]}"#));
        assert!(!keeps(r#"{"comm":["nft"]}"#));
        assert!(keeps(r#"{"pid":[42, 1]}"#));
        assert!(!keeps(r#"{"pid":[1]}"#));
        assert!(keeps(r#"{"family":["route"]}"#));
        assert!(keeps(r#"{"family":["0"]}"#));
        assert!(!keeps(r#"{"family":["generic"]}"#));
        assert!(keeps(r#"{"type":["rtm_newaddr"]}"#));
        assert!(keeps(r#"{"type":["20"]}"#));
        assert!(!keeps(r#"{"type":["RTM_DELADDR"]}"#));
        assert!(keeps(r#"{"dir":["send"]}"#));
        assert!(keeps(r#"{"dir":["to_kernel"]}"#));
        assert!(!keeps(r#"{"dir":["recv"]}"#));
        assert!(keeps(r#"{"netns":[4026531840]}"#));
        assert!(!keeps(r#"{"netns":[1]}"#));
        assert!(!keeps(r#"{"errors":true}"#));
    }

    #[test]
    fn long_comms_compare_as_the_kernel_keeps_them() {
        let mut ev = event(0, Direction::ToKernel, msg(20, 0x605, &[0; 8]));
        ev.process.comm = "a-very-long-pro".into();
        let f = parse(r#"{"comm":["a-very-long-process-name"]}"#).unwrap();
        assert!(f.matches(&ev));
    }

    #[test]
    fn errors_and_select() {
        let mut p = (-17i32).to_ne_bytes().to_vec();
        p.extend(msg(16, 0x605, &[]));
        let failed = event(0, Direction::FromKernel, msg(2, 0x100, &p));
        assert_eq!(errnos(&failed).collect::<Vec<_>>(), [17]);
        assert!(parse(r#"{"errors":true}"#).unwrap().matches(&failed));
        let get = event(0, Direction::ToKernel, msg(18, 0x301, &[0; 8]));
        assert!(!Filter::default().matches(&get));
        assert!(Filter::all().matches(&get));
    }

    #[test]
    fn bad_values_are_named() {
        let e = parse(r#"{"family":["rout"]}"#).unwrap_err();
        assert!(e.contains("unknown netlink family \"rout\""), "{e}");
        let e = parse(r#"{"dir":["up"]}"#).unwrap_err();
        assert!(e.contains("unknown variant `up`"), "{e}");
        let e = parse(r#"{"comms":["ip"]}"#).unwrap_err();
        assert!(e.contains("unknown field `comms`"), "{e}");
    }
}
