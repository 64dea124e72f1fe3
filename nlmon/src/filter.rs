//! What to show: filters of different kinds combine with AND, repeated
//! values of one kind with OR. Those the kernel can evaluate (process,
//! pid, family, direction, network namespace) are also handed to it
//! through [`crate::capture::Options`]; the rest, and all of them for a
//! capture file, are checked here.

use std::{os::unix::fs::MetadataExt, str::FromStr};

use serde::Serialize;

use crate::{capture::Options, event::Event};

/// `--dir`
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dir {
    /// Sent by the process (to the kernel or another socket).
    Send,
    /// Received by the process.
    Recv,
}

/// `--type`: a message type by number, or by name (resolved against the
/// decoder's tables when the filter is built).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeSel {
    Number(u16),
    Name(String),
}

impl FromStr for TypeSel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty message type".into());
        }
        let num = if let Some(h) = s.strip_prefix("0x") {
            u16::from_str_radix(h, 16).ok()
        } else {
            s.parse().ok()
        };
        Ok(match num {
            Some(n) => Self::Number(n),
            None => Self::Name(s.to_owned()),
        })
    }
}

/// `--netns`: a path (`/run/netns/NAME`, `/proc/PID/ns/net`), a name under
/// `/run/netns`, or an inode number.
pub fn parse_netns(s: &str) -> Result<u32, String> {
    if let Ok(n) = s.parse::<u32>() {
        return Ok(n);
    }
    let path = if s.contains('/') {
        s.to_owned()
    } else {
        format!("/run/netns/{s}")
    };
    std::fs::metadata(&path)
        .map(|m| m.ino() as u32)
        .map_err(|e| format!("network namespace {s:?} ({path}): {e}"))
}

/// The filters, after names are resolved.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub comms: Vec<String>,
    pub pids: Vec<u32>,
    pub protocols: Vec<u32>,
    /// Generic netlink family names (`nl80211`, `ethtool`).
    pub genl: Vec<String>,
    /// Type names (`RTM_NEWLINK`, `ethtool:ETHTOOL_MSG_LINKINFO_GET`, or
    /// without the family prefix) or numbers.
    pub types: Vec<TypeSel>,
    pub dir: Vec<Dir>,
    pub netns: Vec<u32>,
    /// Only failed requests (error replies and failed sends) and the
    /// requests they answer.
    pub errors: bool,
    /// systemd units (`NetworkManager.service`, or `NetworkManager`).
    pub units: Vec<String>,
    /// Containers by name, id or id prefix.
    pub containers: Vec<String>,
    /// cgroup v2 paths below the cgroup2 mount, each with its descendants
    /// (also evaluated by the kernel).
    pub cgroups: Vec<String>,
}

/// What the filter needs of one decoded message.
#[derive(Clone, Copy, Debug)]
pub struct MsgFacts<'a> {
    pub ty: u16,
    pub type_name: Option<&'a str>,
    /// Generic netlink family, when the message is one.
    pub genl_family: Option<&'a str>,
}

impl Filter {
    /// Hands the filters the kernel evaluates to the capture.
    pub fn kernel_options(&self, opts: &mut Options) {
        opts.comms.clone_from(&self.comms);
        opts.pids.extend(&self.pids);
        opts.protocols.clone_from(&self.protocols);
        opts.dirs = self
            .dir
            .iter()
            .map(|d| match d {
                Dir::Send => nlmon_common::DIR_SEND,
                Dir::Recv => nlmon_common::DIR_RECV,
            })
            .collect();
        opts.netns.clone_from(&self.netns);
        opts.cgroups.clone_from(&self.cgroups);
    }

    /// Whether the event's process, socket and direction pass.
    pub fn event_matches(&self, ev: &Event) -> bool {
        fn any<T>(v: &[T], f: impl Fn(&T) -> bool) -> bool {
            v.is_empty() || v.iter().any(f)
        }
        any(&self.comms, |c| {
            // The kernel keeps 15 bytes of a name.
            let c = c.as_bytes();
            ev.process.comm.as_bytes() == &c[..c.len().min(15)]
        }) && any(&self.pids, |p| *p == ev.process.tgid)
            && any(&self.protocols, |p| *p == ev.socket.protocol)
            && any(&self.dir, |d| (*d == Dir::Send) == ev.direction.is_send())
            && any(&self.netns, |n| *n == ev.socket.netns)
            && self.attribution_matches(ev)
    }

    /// `--unit`, `--container`, `--cgroup`, against what [`crate::attrib`]
    /// put on the event.
    fn attribution_matches(&self, ev: &Event) -> bool {
        if self.units.is_empty() && self.containers.is_empty() && self.cgroups.is_empty() {
            return true;
        }
        let a = ev.process.attrib.get();
        let unit =
            self.units.is_empty() || a.is_some_and(|a| self.units.iter().any(|u| a.unit_is(u)));
        let container = self.containers.is_empty()
            || a.is_some_and(|a| self.containers.iter().any(|c| a.container_is(c)));
        let cgroup = self.cgroups.is_empty()
            || match a.and_then(|a| a.cgroup.as_deref()) {
                Some(path) => self
                    .cgroups
                    .iter()
                    .any(|c| crate::attrib::cgroup::is_under(path, c)),
                // A live event whose cgroup was gone before it could be
                // named: the kernel already checked it against the ids.
                None => ev.process.cgroup_id != 0,
            };
        unit && container && cgroup
    }

    /// Whether one message of a passing event passes the message filters
    /// (`--type`, `--genl`); `--errors` is the caller's, as it needs the
    /// request.
    pub fn message_matches(&self, m: &MsgFacts<'_>) -> bool {
        let types = self.types.is_empty()
            || self.types.iter().any(|t| match t {
                TypeSel::Number(n) => *n == m.ty,
                TypeSel::Name(want) => m
                    .type_name
                    .is_some_and(|have| type_name_matches(want, have)),
            });
        let genl = self.genl.is_empty()
            || m.genl_family
                .is_some_and(|f| self.genl.iter().any(|g| g.eq_ignore_ascii_case(f)));
        types && genl
    }
}

/// `RTM_NEWLINK` matches `RTM_NEWLINK`; `ETHTOOL_MSG_LINKINFO_GET` also
/// matches `ethtool:ETHTOOL_MSG_LINKINFO_GET`. Case does not matter.
pub fn type_name_matches(want: &str, have: &str) -> bool {
    have.eq_ignore_ascii_case(want)
        || have
            .split_once(':')
            .is_some_and(|(_, bare)| bare.eq_ignore_ascii_case(want))
}

/// Every message type name the decoder knows, sorted: those of its tables
/// (generic netlink ones as `family:NAME`), rtnetlink's, and the control
/// messages.
pub fn known_type_names() -> Vec<String> {
    use nlmon_common::decode::{DecodeOptions, Decoder, families};
    let mut names: Vec<String> = families()
        .flat_map(|f| {
            f.messages.iter().map(move |m| {
                if f.protocol == 16 {
                    format!("{}:{}", f.name, m.name)
                } else {
                    m.name.to_owned()
                }
            })
        })
        .collect();
    // rtnetlink names the tables may not cover, and the control messages:
    // asked of the decoder with bare headers.
    let d = Decoder::new(DecodeOptions::default());
    for ty in 1..=255u16 {
        let mut h = [0u8; 16];
        h[..4].copy_from_slice(&16u32.to_ne_bytes());
        h[4..6].copy_from_slice(&ty.to_ne_bytes());
        for m in d.decode(0, &h) {
            if let Some(n) = m.type_name {
                names.push(n.to_owned());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Checks `--type` names against the names the decoder knows; the error
/// lists them.
pub fn check_type_names(types: &[TypeSel], known: &[String]) -> Result<(), String> {
    for t in types {
        if let TypeSel::Name(n) = t
            && !known.iter().any(|k| type_name_matches(n, k))
        {
            let close: Vec<&String> = known
                .iter()
                .filter(|k| {
                    let (a, b) = (k.to_ascii_uppercase(), n.to_ascii_uppercase());
                    let stem = b
                        .trim_start_matches("RTM_")
                        .get(..3.min(b.len()))
                        .unwrap_or("");
                    a.contains(stem)
                })
                .take(20)
                .collect();
            let mut msg = format!(
                "unknown message type {n:?}; give a number or one of the {} names nlmon knows",
                known.len()
            );
            if !close.is_empty() {
                msg.push_str(&format!(
                    ", e.g. {}",
                    close
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            msg.push_str(" (all: nlmon --list-types)");
            return Err(msg);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_selectors() {
        assert_eq!("16".parse(), Ok(TypeSel::Number(16)));
        assert_eq!("0x10".parse(), Ok(TypeSel::Number(16)));
        assert_eq!(
            "RTM_NEWLINK".parse(),
            Ok(TypeSel::Name("RTM_NEWLINK".into()))
        );
        assert!("".parse::<TypeSel>().is_err());
        assert!(type_name_matches("rtm_newlink", "RTM_NEWLINK"));
        assert!(type_name_matches(
            "ETHTOOL_MSG_LINKINFO_GET",
            "ethtool:ETHTOOL_MSG_LINKINFO_GET"
        ));
        assert!(!type_name_matches("RTM_NEWLINK", "RTM_DELLINK"));
    }

    #[test]
    fn unknown_type_names_list_known_ones() {
        let known = vec!["RTM_NEWLINK".to_owned(), "RTM_DELLINK".to_owned()];
        assert!(check_type_names(&[TypeSel::Name("RTM_NEWLINK".into())], &known).is_ok());
        let e = check_type_names(&[TypeSel::Name("RTM_NEWLNK".into())], &known).unwrap_err();
        assert!(e.contains("unknown message type \"RTM_NEWLNK\""), "{e}");
        assert!(e.contains("RTM_NEWLINK"), "{e}");
    }

    #[test]
    fn netns_by_inode_and_bad_path() {
        assert_eq!(parse_netns("4026531840"), Ok(4026531840));
        assert!(
            parse_netns("/nonexistent/ns")
                .unwrap_err()
                .contains("/nonexistent/ns")
        );
        let own = parse_netns("/proc/self/ns/net").unwrap();
        assert!(own > 0);
    }

    #[test]
    fn message_filters_and_or() {
        let f = Filter {
            types: vec![TypeSel::Number(16), TypeSel::Name("RTM_DELLINK".into())],
            ..Filter::default()
        };
        let m = |ty, name| MsgFacts {
            ty,
            type_name: Some(name),
            genl_family: None,
        };
        assert!(f.message_matches(&m(16, "RTM_NEWLINK")));
        assert!(f.message_matches(&m(17, "RTM_DELLINK")));
        assert!(!f.message_matches(&m(18, "RTM_GETLINK")));
        let g = Filter {
            genl: vec!["ethtool".into()],
            ..Filter::default()
        };
        assert!(!g.message_matches(&m(20, "x")));
        assert!(g.message_matches(&MsgFacts {
            ty: 20,
            type_name: None,
            genl_family: Some("ethtool")
        }));
    }
}
