//! What to show: one filter for the command line, the daemon's `[filter]`
//! table and `nlmon attach` requests. clap and serde read the same
//! vocabulary into the same type, and it means the same everywhere.
//!
//! Filters of different kinds combine with AND, repeated values of one
//! kind with OR. Those the kernel can evaluate (process, pid, family,
//! direction, network namespace) are also handed to it through
//! [`crate::capture::Options`] by the command; the daemon applies them in
//! userspace so that a reload changes them without reloading the probes.

use std::{os::unix::fs::MetadataExt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{
    capture::Options,
    changes,
    event::{Direction, Event},
    pipeline::Shown,
    protocol,
};

/// `--select`: everything, or only what changes state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Select {
    /// Requests that modify state, their acks and errors, notifications
    /// (see [`crate::changes`]).
    Changes,
    /// Everything, including GET requests, dumps and their replies.
    All,
}

/// `--dir`: `send` and `recv` cover both peers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Dir {
    /// Sent by the process (to the kernel or another socket).
    Send,
    /// Received by the process.
    Recv,
    ToKernel,
    FromKernel,
    ToUser,
    FromUser,
}

impl Dir {
    pub fn matches(self, d: Direction) -> bool {
        match self {
            Self::Send => d.is_send(),
            Self::Recv => !d.is_send(),
            Self::ToKernel => d == Direction::ToKernel,
            Self::FromKernel => d == Direction::FromKernel,
            Self::ToUser => d == Direction::ToUser,
            Self::FromUser => d == Direction::FromUser,
        }
    }

    /// The `DIR_*` of the record, which is what the kernel filters on.
    fn record_dir(self) -> u8 {
        if matches!(self, Self::Send | Self::ToKernel | Self::ToUser) {
            nlmon_common::DIR_SEND
        } else {
            nlmon_common::DIR_RECV
        }
    }
}

/// A netlink family given by name or number, checked when read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "NameOrNumber", into = "String")]
pub struct Family(pub u32);

impl FromStr for Family {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        protocol::parse(s).map(Family).ok_or_else(|| {
            format!(
                "unknown netlink family {s:?}; known: {} (or a number below 32)",
                protocol::all_names().collect::<Vec<_>>().join(", ")
            )
        })
    }
}

impl TryFrom<NameOrNumber> for Family {
    type Error = String;

    fn try_from(v: NameOrNumber) -> Result<Self, String> {
        v.text().parse()
    }
}

impl From<Family> for String {
    fn from(f: Family) -> String {
        protocol::name(f.0).map_or_else(|| f.0.to_string(), str::to_owned)
    }
}

/// A config or request value that may be written as a string or a number.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum NameOrNumber {
    Number(u64),
    Name(String),
}

impl NameOrNumber {
    fn text(&self) -> String {
        match self {
            Self::Number(n) => n.to_string(),
            Self::Name(s) => s.clone(),
        }
    }
}

/// `--type`: a message type by number, or by name (any family's: checked
/// against the decoder's names, `nlmon --list-types`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "NameOrNumber", into = "String")]
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

impl TryFrom<NameOrNumber> for TypeSel {
    type Error = String;

    fn try_from(v: NameOrNumber) -> Result<Self, String> {
        let t: Self = v.text().parse()?;
        check_type_names(std::slice::from_ref(&t), &known_type_names())?;
        Ok(t)
    }
}

impl From<TypeSel> for String {
    fn from(t: TypeSel) -> String {
        match t {
            TypeSel::Number(n) => n.to_string(),
            TypeSel::Name(s) => s,
        }
    }
}

/// `--netns`: a path (`/run/netns/NAME`, `/proc/PID/ns/net`), a name under
/// `/run/netns`, or an inode number; kept as the inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "NameOrNumber", into = "u64")]
pub struct Netns(pub u32);

impl FromStr for Netns {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        parse_netns(s).map(Netns)
    }
}

impl TryFrom<NameOrNumber> for Netns {
    type Error = String;

    fn try_from(v: NameOrNumber) -> Result<Self, String> {
        v.text().parse()
    }
}

impl From<Netns> for u64 {
    fn from(n: Netns) -> u64 {
        n.0.into()
    }
}

/// The inode of a network namespace named by path, name or number.
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

/// The filters. On the command line each is an option (`--comm`,
/// `--type`, ...); in the config file and attach requests a key of the
/// same name (`comm = ["ip"]`, `type = ["RTM_NEWADDR"]`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, clap::Args)]
#[serde(deny_unknown_fields, default)]
pub struct Filter {
    /// all: every message; changes: only requests that modify state, their
    /// acks and errors, and notifications. Default: all (the daemon's
    /// records: changes).
    #[arg(long, value_enum, value_name = "WHAT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub select: Option<Select>,
    /// Only processes with this name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub comm: Vec<String>,
    /// Only this process id (repeatable).
    #[arg(long, value_name = "PID")]
    pub pid: Vec<u32>,
    /// Only this netlink family: route, generic, netfilter, sock_diag,
    /// audit, uevent, xfrm, ... or a number (repeatable).
    #[arg(long, value_name = "FAMILY")]
    pub family: Vec<Family>,
    /// Only generic netlink messages of this family: nl80211, ethtool,
    /// devlink, ... (repeatable).
    #[arg(long, value_name = "NAME")]
    pub genl: Vec<String>,
    /// Only messages of this type: a name of any family (RTM_NEWLINK,
    /// NFT_MSG_NEWTABLE, ETHTOOL_MSG_LINKINFO_GET, NLMSG_ERROR; see
    /// --list-types) or a number (repeatable).
    #[arg(long = "type", value_name = "TYPE")]
    #[serde(rename = "type")]
    pub types: Vec<TypeSel>,
    /// Only failed requests: each error reply, after the request it
    /// answers, and failed sends.
    #[arg(long)]
    pub errors: bool,
    /// Only messages sent (send) or received (recv) by the processes, or
    /// one way: to_kernel, from_kernel, to_user, from_user (repeatable).
    #[arg(long, value_enum, value_name = "DIR")]
    pub dir: Vec<Dir>,
    /// Only sockets in this network namespace: a path (/run/netns/NAME,
    /// /proc/PID/ns/net), a name under /run/netns, or an inode number
    /// (repeatable).
    #[arg(long, value_name = "NETNS")]
    pub netns: Vec<Netns>,
    /// Only processes of this systemd unit (NetworkManager.service, or
    /// NetworkManager for a service; user@1000.service for what a user's
    /// manager runs) (repeatable).
    #[arg(long = "unit", value_name = "NAME")]
    #[serde(rename = "unit")]
    pub units: Vec<String>,
    /// Only processes of this container: its name, id or an id prefix
    /// (docker, podman, containerd, CRI-O) (repeatable).
    #[arg(long = "container", value_name = "NAME|ID")]
    #[serde(rename = "container")]
    pub containers: Vec<String>,
    /// Only processes in this cgroup v2 or below it: a path below the
    /// cgroup2 mount (/system.slice/ssh.service) or under it
    /// (/sys/fs/cgroup/system.slice/ssh.service); checked in the kernel
    /// by the command (repeatable, up to 8).
    #[arg(long = "cgroup", value_name = "PATH", value_parser = parse_cgroup)]
    #[serde(rename = "cgroup")]
    pub cgroups: Vec<String>,
}

fn parse_cgroup(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("empty cgroup path".into());
    }
    let mount = crate::attrib::cgroup::cgroup2_mount();
    Ok(crate::attrib::cgroup::normalize(s, mount.as_deref()))
}

impl Filter {
    /// Everything.
    pub fn all() -> Self {
        Self {
            select: Some(Select::All),
            ..Self::default()
        }
    }

    /// `select`, where the context's default is `default`.
    pub fn select_or(&self, default: Select) -> Select {
        self.select.unwrap_or(default)
    }

    /// Hands the filters the kernel evaluates to the capture.
    pub fn kernel_options(&self, opts: &mut Options) {
        opts.comms.clone_from(&self.comm);
        opts.pids.extend(&self.pid);
        opts.protocols = self.family.iter().map(|f| f.0).collect();
        opts.dirs = self.dir.iter().map(|d| d.record_dir()).collect();
        opts.dirs.dedup();
        if opts.dirs.len() > 1 {
            opts.dirs.clear();
        }
        opts.netns = self.netns.iter().map(|n| n.0).collect();
        opts.cgroups.clone_from(&self.cgroups);
    }

    /// `--type`, `--genl` or `--errors`: filters that look into messages.
    pub fn filters_messages(&self) -> bool {
        !self.types.is_empty() || !self.genl.is_empty() || self.errors
    }

    /// Whether the event's process, socket and direction pass.
    pub fn event_matches(&self, ev: &Event) -> bool {
        fn any<T>(v: &[T], f: impl Fn(&T) -> bool) -> bool {
            v.is_empty() || v.iter().any(f)
        }
        any(&self.comm, |c| {
            // The kernel keeps 15 bytes of a name.
            let c = c.as_bytes();
            ev.process.comm.as_bytes() == &c[..c.len().min(nlmon_common::COMM_LEN - 1)]
        }) && any(&self.pid, |p| *p == ev.process.tgid)
            && any(&self.family, |f| f.0 == ev.socket.protocol)
            && any(&self.dir, |d| d.matches(ev.direction))
            && any(&self.netns, |n| n.0 == ev.socket.netns)
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

    /// Whether one message of a passing event passes `--type`, `--genl`
    /// and `select` (`--errors` is the caller's: it needs the request).
    pub fn message_matches(&self, ev: &Event, s: &Shown, select: Select) -> bool {
        let m = &s.message;
        let generic = ev.socket.protocol == nlmon_common::decode::NETLINK_GENERIC;
        let types = self.types.is_empty()
            || self.types.iter().any(|t| match t {
                TypeSel::Number(n) => *n == m.header.ty,
                TypeSel::Name(want) => m.type_name.is_some_and(|have| {
                    type_name_matches(want, m.family.as_deref().filter(|_| generic), have)
                }),
            });
        let genl = self.genl.is_empty() || {
            // An ack or error has no family of its own: its request's.
            let family = m
                .family
                .as_deref()
                .or_else(|| s.link.as_ref()?.request().family.as_deref())
                .filter(|_| generic);
            family.is_some_and(|f| self.genl.iter().any(|g| g.eq_ignore_ascii_case(f)))
        };
        types && genl && (select == Select::All || changes::is_change(ev, s))
    }
}

/// Whether the `--type` name `want` names message type `have` of generic
/// netlink family `family` (`None` in other protocols): `RTM_NEWLINK`
/// names `RTM_NEWLINK`; `ETHTOOL_MSG_LINKINFO_GET` and, as
/// `--list-types` writes it, `ethtool:ETHTOOL_MSG_LINKINFO_GET` name
/// that command of family ethtool. Case does not matter.
pub fn type_name_matches(want: &str, family: Option<&str>, have: &str) -> bool {
    match want.split_once(':') {
        Some((f, name)) => {
            family.is_some_and(|family| family.eq_ignore_ascii_case(f))
                && name.eq_ignore_ascii_case(have)
        }
        None => want.eq_ignore_ascii_case(have),
    }
}

/// Every message type name the decoder knows, sorted: those of its tables
/// (generic netlink ones as `family:NAME`), rtnetlink's, and the control
/// messages.
pub fn known_type_names() -> Vec<String> {
    use nlmon_common::decode::{DecodeOptions, Decoder, NETLINK_GENERIC, families};
    let mut names: Vec<String> = families()
        .flat_map(|f| {
            f.messages.iter().map(move |m| {
                if f.protocol == NETLINK_GENERIC {
                    format!("{}:{}", f.name, m.name)
                } else {
                    m.name.to_owned()
                }
            })
        })
        .collect();
    // rtnetlink names the tables may not cover, and the control messages.
    let d = Decoder::new(DecodeOptions::default());
    names.extend((1..=255u16).filter_map(|ty| d.type_name(0, ty).map(str::to_owned)));
    names.sort();
    names.dedup();
    names
}

/// Checks `--type` names against the names the decoder knows; the error
/// lists close ones.
pub fn check_type_names(types: &[TypeSel], known: &[String]) -> Result<(), String> {
    for t in types {
        if let TypeSel::Name(n) = t
            && !known.iter().any(|k| {
                let (family, name) = k
                    .split_once(':')
                    .map_or((None, k.as_str()), |(f, n)| (Some(f), n));
                type_name_matches(n, family, name)
            })
        {
            let upper = n.to_ascii_uppercase();
            let stem = upper
                .trim_start_matches("RTM_")
                .get(..3.min(upper.len()))
                .unwrap_or("");
            let close: Vec<&str> = known
                .iter()
                .filter(|k| k.to_ascii_uppercase().contains(stem))
                .take(20)
                .map(String::as_str)
                .collect();
            let mut msg = format!(
                "unknown message type {n:?}; give a number or one of the {} names nlmon knows",
                known.len()
            );
            if !close.is_empty() {
                msg.push_str(&format!(", e.g. {}", close.join(", ")));
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

    fn parse(s: &str) -> Result<Filter, String> {
        serde_json::from_str(s).map_err(|e| e.to_string())
    }

    #[test]
    fn type_selectors() {
        assert_eq!("16".parse(), Ok(TypeSel::Number(16)));
        assert_eq!("0x10".parse(), Ok(TypeSel::Number(16)));
        assert_eq!(
            "RTM_NEWLINK".parse(),
            Ok(TypeSel::Name("RTM_NEWLINK".into()))
        );
        assert!("".parse::<TypeSel>().is_err());
        assert!(type_name_matches("rtm_newlink", None, "RTM_NEWLINK"));
        assert!(!type_name_matches("RTM_NEWLINK", None, "RTM_DELLINK"));
        // A generic netlink command, bare or as `--list-types` writes it;
        // messages carry the bare name and their family apart.
        let ethtool = Some("ethtool");
        for want in [
            "ETHTOOL_MSG_LINKINFO_GET",
            "ethtool:ETHTOOL_MSG_LINKINFO_GET",
            "Ethtool:ethtool_msg_linkinfo_get",
        ] {
            assert!(
                type_name_matches(want, ethtool, "ETHTOOL_MSG_LINKINFO_GET"),
                "{want}"
            );
        }
        assert!(!type_name_matches(
            "devlink:ETHTOOL_MSG_LINKINFO_GET",
            ethtool,
            "ETHTOOL_MSG_LINKINFO_GET"
        ));
        assert!(!type_name_matches(
            "ethtool:RTM_NEWLINK",
            None,
            "RTM_NEWLINK"
        ));
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
    fn every_familys_names_are_known() {
        let known = known_type_names();
        for name in [
            "RTM_NEWADDR",
            "NLMSG_ERROR",
            "NFT_MSG_NEWTABLE",
            "ETHTOOL_MSG_LINKINFO_GET",
            "ethtool:ETHTOOL_MSG_LINKINFO_GET",
        ] {
            assert!(
                check_type_names(&[TypeSel::Name(name.into())], &known).is_ok(),
                "{name}"
            );
        }
    }

    #[test]
    fn netns_by_inode_and_bad_path() {
        assert_eq!(parse_netns("4026531840"), Ok(4026531840));
        assert!(
            parse_netns("/nonexistent/ns")
                .unwrap_err()
                .contains("/nonexistent/ns")
        );
        assert!(parse_netns("/proc/self/ns/net").unwrap() > 0);
    }

    #[test]
    fn serde_reads_the_command_lines_words() {
        let f = parse(
            r#"{"select":"changes","comm":["ip"],"pid":[1],"family":["route", 16],
                "genl":["ethtool"],"type":["RTM_NEWADDR", 20, "0x10"],"errors":true,
                "dir":["send","from_kernel"],"netns":[4026531840, "/proc/self/ns/net"]}"#,
        )
        .unwrap();
        assert_eq!(f.select, Some(Select::Changes));
        assert_eq!(f.family, [Family(0), Family(16)]);
        assert_eq!(
            f.types,
            [
                TypeSel::Name("RTM_NEWADDR".into()),
                TypeSel::Number(20),
                TypeSel::Number(16)
            ]
        );
        assert_eq!(f.dir, [Dir::Send, Dir::FromKernel]);
        assert_eq!(f.netns[0], Netns(4026531840));
        // What a client sends is read back the same.
        let back: Filter = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(back, f);
    }

    #[test]
    fn bad_values_are_named() {
        let e = parse(r#"{"family":["rout"]}"#).unwrap_err();
        assert!(e.contains("unknown netlink family \"rout\""), "{e}");
        let e = parse(r#"{"dir":["up"]}"#).unwrap_err();
        assert!(e.contains("unknown variant `up`"), "{e}");
        let e = parse(r#"{"comms":["ip"]}"#).unwrap_err();
        assert!(e.contains("unknown field `comms`"), "{e}");
        let e = parse(r#"{"type":["RTM_NEWLNK"]}"#).unwrap_err();
        assert!(e.contains("unknown message type"), "{e}");
    }

    #[test]
    fn kernel_directions() {
        let mut o = Options::default();
        let f = Filter {
            dir: vec![Dir::ToKernel, Dir::ToUser],
            ..Filter::default()
        };
        f.kernel_options(&mut o);
        assert_eq!(o.dirs, [nlmon_common::DIR_SEND]);
        let f = Filter {
            dir: vec![Dir::Send, Dir::FromKernel],
            ..Filter::default()
        };
        f.kernel_options(&mut o);
        assert!(o.dirs.is_empty(), "both ways: the kernel keeps all");
    }
}
