//! Which object a state-changing message changes: its kind, a canonical key,
//! the action, and the fields a person reads, found in the decoded
//! [`Message`] by attribute and field names.
//!
//! The mapping is data ([`table::OBJECTS`]): one [`ObjectDef`] per object
//! kind names the message types that change it and, in order, the parts
//! that make its key and its description. A message no entry names maps to
//! no object.

mod table;

use alloc::{
    format,
    string::{String, ToString},
    vec::Vec,
};

pub use table::OBJECTS;

use crate::decode::{Message, Node, Value};

/// `NLM_F_REQUEST`, `NLM_F_CREATE`.
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_CREATE: u16 = 0x400;

/// What a message does to its object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Add,
    Delete,
    Change,
    /// `NEW` messages: added when the request says `NLM_F_CREATE`,
    /// changed otherwise; a notification (which has no such flag) reads as
    /// [`NewRule::notified`].
    New(NewRule),
}

/// How a `NEW` message without `NLM_F_CREATE` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewRule {
    /// What a notification of this type means.
    pub notified: Verb,
}

/// The action as a person says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verb {
    Added,
    Deleted,
    Changed,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Deleted => "deleted",
            Self::Changed => "changed",
        }
    }
}

/// How a part's value is read and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// As the decoder shows it (a show-only 0 is left out).
    Plain,
    /// An IPv4 or IPv6 address (bytes of 4 or 16).
    Ip,
    /// An address, `/`, and the value of this sibling (a prefix length).
    Prefix(&'static str),
    /// Like `Prefix`, but `default` when the address is absent and the
    /// length 0 (a route's destination).
    Dst(&'static str),
    /// An interface index (shown by name where the caller knows it), or a
    /// name; index 0 is none.
    Ifindex,
    /// A routing table number: `main`, `local`, `default` or the number.
    Table,
    /// `rtm_protocol`: `kernel`, `boot`, `static`, ...
    RtProto,
    /// A rule's action, left out when it is the usual `lookup` (or unset).
    RuleAction,
    /// A traffic-control handle: `major:minor` in hex (0 is none).
    TcHandle,
    /// A tc filter's priority: the upper 16 bits of `tcm_info`.
    TcPrio,
    /// The nftables family of `nfgenmsg`: `ip`, `inet`, `ip6`, ...
    NftFamily,
    /// A base chain's hook number, by name.
    NftHook,
    /// A base chain's policy: `accept` or `drop`.
    NftPolicy,
    /// The keys of a list of set elements (interval ends left out).
    NftElements,
    /// An address family by its common name: `inet`, `inet6`, ...
    Family,
    /// A number, left out when 0.
    NonZero,
    /// Present: the label alone.
    Flag,
    /// `NHA_GROUP`: the member ids, `/` between them.
    NhGroup,
    /// `struct bridge_vlan_info` (`u16 flags, u16 vid`): the vid.
    VlanId,
    /// `struct br_mdb_entry`: its port (an interface index), group and vid.
    MdbPort,
    MdbGroup,
    MdbVid,
    /// `xfrm_address_t`: 16 bytes, an IPv4 address in the first 4.
    XfrmAddr,
    /// An `xfrm_address_t` and a prefix length.
    XfrmPrefix(&'static str),
}

/// One part of an object's description.
#[derive(Clone, Copy, Debug)]
pub struct Part {
    /// The word before the value (`dev`, `table`); empty for none.
    pub label: &'static str,
    /// Where to find the value: paths of names from the message's body
    /// (`IFLA_LINKINFO.IFLA_INFO_KIND`; `*` matches any one name); the first
    /// path present wins.
    pub paths: &'static [&'static str],
    pub form: Form,
    /// Part of the key (else only shown).
    pub key: bool,
}

impl Part {
    pub const fn key(label: &'static str, paths: &'static [&'static str], form: Form) -> Self {
        Self {
            label,
            paths,
            form,
            key: true,
        }
    }

    pub const fn show(label: &'static str, paths: &'static [&'static str], form: Form) -> Self {
        Self {
            label,
            paths,
            form,
            key: false,
        }
    }
}

/// One kind of object and the messages that change it.
#[derive(Debug)]
pub struct ObjectDef {
    /// `address`, `route`, `nft rule`: how a person names the kind.
    pub kind: &'static str,
    /// Netlink protocol of the messages.
    pub protocol: u32,
    /// Message type names (as the decoder names them) and what each does.
    pub types: &'static [(&'static str, Action)],
    /// Only when this field or attribute has this raw value (`ndm_family`
    /// 7 makes a neighbour message a bridge fdb entry).
    pub when: Option<(&'static str, u64)>,
    pub parts: &'static [Part],
}

/// A value found for a part.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum PartValue {
    Text(String),
    /// An interface index, to be named by the caller.
    Ifindex(u32),
}

/// The object a message changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    pub kind: &'static str,
    pub verb: Verb,
    /// The parts found, in the table's order: (label, value, in the key).
    pub parts: Vec<(&'static str, PartValue, bool)>,
}

impl Object {
    /// The canonical key: the key parts, `label value` joined by spaces,
    /// with interface indexes named by `ifname` where it can.
    pub fn key(&self, ifname: &mut dyn FnMut(u32) -> Option<String>) -> String {
        self.render(ifname, true)
    }

    /// Every part, as a person reads it (`10.0.0.1/24 dev veth0`).
    pub fn description(&self, ifname: &mut dyn FnMut(u32) -> Option<String>) -> String {
        self.render(ifname, false)
    }

    fn render(&self, ifname: &mut dyn FnMut(u32) -> Option<String>, key_only: bool) -> String {
        let mut out = String::new();
        for (label, value, key) in &self.parts {
            if key_only && !key {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            if !label.is_empty() {
                out.push_str(label);
                if matches!(value, PartValue::Text(t) if t.is_empty()) {
                    continue;
                }
                out.push(' ');
            }
            match value {
                PartValue::Text(t) => out.push_str(t),
                PartValue::Ifindex(i) => match ifname(*i) {
                    Some(n) => out.push_str(&n),
                    None => out.push_str(&format!("if{i}")),
                },
            }
        }
        out
    }
}

/// The entry of `OBJECTS` for a message, if any.
pub fn def_of(m: &Message) -> Option<&'static ObjectDef> {
    let name = m.type_name?;
    // Generic netlink names may carry their family: `ethtool:X`.
    let name = name.rsplit(':').next().unwrap_or(name);
    OBJECTS.iter().find(|d| {
        d.protocol == m.protocol
            && d.types.iter().any(|(t, _)| *t == name)
            && d.when.is_none_or(|(path, want)| {
                find(&m.body, path).is_some_and(|n| raw(&n.value) == Some(want))
            })
    })
}

/// The object `m` changes, when the tables know its type (`m` decoded
/// with its tree).
pub fn object(m: &Message) -> Option<Object> {
    if m.malformed.is_some() {
        return None;
    }
    let def = def_of(m)?;
    let name = m.type_name?;
    let name = name.rsplit(':').next().unwrap_or(name);
    let action = def.types.iter().find(|(t, _)| *t == name)?.1;
    let request = m.header.flags & NLM_F_REQUEST != 0;
    let verb = match action {
        Action::Add => Verb::Added,
        Action::Delete => Verb::Deleted,
        Action::Change => Verb::Changed,
        Action::New(_) if request && m.header.flags & NLM_F_CREATE != 0 => Verb::Added,
        Action::New(_) if request => Verb::Changed,
        Action::New(rule) => rule.notified,
    };
    let mut parts = Vec::new();
    for p in def.parts {
        if let Some(v) = part_value(&m.body, p) {
            parts.push((p.label, v, p.key));
        }
    }
    if !parts.iter().any(|p| p.2) {
        // Nothing says which object: not a change nlmon can name.
        return None;
    }
    Some(Object {
        kind: def.kind,
        verb,
        parts,
    })
}

fn part_value(body: &[Node], p: &Part) -> Option<PartValue> {
    let found = p.paths.iter().find_map(|path| find(body, path));
    let t = |v: String| Some(PartValue::Text(v));
    match p.form {
        Form::Prefix(len_path) | Form::Dst(len_path) | Form::XfrmPrefix(len_path) => {
            let len = find(body, len_path).and_then(|n| raw(&n.value));
            let addr = found.map(|a| match p.form {
                Form::XfrmPrefix(_) => xfrm_addr(a),
                _ => ip_text(a),
            });
            match (addr.filter(|a| !a.is_empty()), len) {
                (Some(a), Some(l)) => t(format!("{a}/{l}")),
                (Some(a), None) => t(a),
                (None, Some(0)) if matches!(p.form, Form::Dst(_)) => t("default".into()),
                (None, _) => None,
            }
        }
        form => {
            let n = found?;
            let num = raw(&n.value);
            match form {
                Form::Ifindex => match (&n.value, num) {
                    (Value::Str(s), _) => t(s.clone()),
                    (_, Some(0)) => None,
                    (_, Some(i)) => Some(PartValue::Ifindex(u32::try_from(i).ok()?)),
                    _ => t(text(n)),
                },
                Form::Table => t(match num? {
                    0 => return None,
                    253 => "default".into(),
                    254 => "main".into(),
                    255 => "local".into(),
                    v => v.to_string(),
                }),
                Form::RtProto => t(match num? {
                    1 => "redirect".into(),
                    2 => "kernel".into(),
                    3 => "boot".into(),
                    4 => "static".into(),
                    v => v.to_string(),
                }),
                Form::RuleAction => (num? > 1).then(|| PartValue::Text(text(n))),
                Form::TcHandle if p.key => t(tc_handle(num?)),
                Form::TcHandle => (num? != 0).then(|| PartValue::Text(tc_handle(num.unwrap_or(0)))),
                Form::TcPrio => t((num? >> 16).to_string()),
                Form::NftFamily => t(nft_family(num?)),
                Form::NftHook => t(match num? {
                    0 => "prerouting".into(),
                    1 => "input".into(),
                    2 => "forward".into(),
                    3 => "output".into(),
                    4 => "postrouting".into(),
                    v => v.to_string(),
                }),
                Form::NftPolicy => t(match num? {
                    0 => "drop".into(),
                    1 => "accept".into(),
                    v => v.to_string(),
                }),
                Form::NftElements => t(nft_elements(n)),
                Form::Family => t(match num? {
                    2 => "inet".into(),
                    10 => "inet6".into(),
                    7 => "bridge".into(),
                    0 => "unspec".into(),
                    f => f.to_string(),
                }),
                Form::NonZero => match num? {
                    0 => None,
                    v => t(v.to_string()),
                },
                Form::Flag => t(String::new()),
                Form::NhGroup => {
                    let ids: Vec<String> = n
                        .children
                        .iter()
                        .filter_map(|c| find(&c.children, "id").and_then(|i| raw(&i.value)))
                        .map(|i| i.to_string())
                        .collect();
                    t(ids.join("/"))
                }
                Form::VlanId => {
                    let b = bytes_of(n)?;
                    (b.len() >= 4)
                        .then(|| PartValue::Text(u16::from_ne_bytes([b[2], b[3]]).to_string()))
                }
                Form::MdbPort => {
                    let b = bytes_of(n)?;
                    let i = u32::from_ne_bytes(b.get(..4)?.try_into().ok()?);
                    (i != 0).then_some(PartValue::Ifindex(i))
                }
                Form::MdbGroup => {
                    let b = bytes_of(n)?;
                    let addr = b.get(8..24)?;
                    // `proto` is `htons(ETH_P_IP)` or `htons(ETH_P_IPV6)`.
                    let group = match b.get(24..26)? {
                        [0x08, 0x00] => {
                            core::net::Ipv4Addr::new(addr[0], addr[1], addr[2], addr[3]).to_string()
                        }
                        [0x86, 0xdd] => {
                            let mut a = [0u8; 16];
                            a.copy_from_slice(addr);
                            core::net::Ipv6Addr::from(a).to_string()
                        }
                        _ => hex_of(&addr[..6]),
                    };
                    t(group)
                }
                Form::MdbVid => {
                    let b = bytes_of(n)?;
                    match u16::from_ne_bytes(b.get(6..8)?.try_into().ok()?) {
                        0 => None,
                        v => t(v.to_string()),
                    }
                }
                Form::XfrmAddr => t(xfrm_addr(n)),
                Form::Ip => t(ip_text(n)),
                Form::Plain | Form::Prefix(_) | Form::Dst(_) | Form::XfrmPrefix(_) => {
                    // A flag word or number that says nothing.
                    if !p.key && num == Some(0) {
                        return None;
                    }
                    t(text(n))
                }
            }
        }
    }
}

/// The bytes of a node, or of its first child that has bytes (a payload
/// the decoder read as a nest).
fn bytes_of(n: &Node) -> Option<&[u8]> {
    match &n.value {
        Value::Bytes(b) => Some(b),
        _ => n.children.iter().find_map(bytes_of),
    }
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// An address the decoder may show as bytes (its family is in the header).
fn ip_text(n: &Node) -> String {
    match &n.value {
        Value::Bytes(b) if b.len() == 4 => {
            core::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()
        }
        Value::Bytes(b) if b.len() == 16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            core::net::Ipv6Addr::from(a).to_string()
        }
        _ => text(n),
    }
}

/// Set element keys as nft writes the usual ones: addresses, ports.
fn nft_elements(n: &Node) -> String {
    let mut keys = Vec::new();
    for el in &n.children {
        // NFT_SET_ELEM_INTERVAL_END: the end of the interval before it.
        let flags = find(&el.children, "NFTA_SETELEM_FLAGS").and_then(|f| {
            raw(&f.value).or_else(|| {
                let b: [u8; 4] = bytes_of(f)?.try_into().ok()?;
                Some(u64::from(u32::from_be_bytes(b)))
            })
        });
        if flags.is_some_and(|f| f & 1 != 0) {
            continue;
        }
        let Some(key) = find(&el.children, "NFTA_SETELEM_KEY.NFTA_DATA_VALUE") else {
            continue;
        };
        keys.push(match bytes_of(key) {
            Some(b) if b.len() == 2 => u16::from_be_bytes([b[0], b[1]]).to_string(),
            Some(b) if b.len() == 4 || b.len() == 16 => ip_text(key),
            Some(b) => hex_of(b),
            None => text(key),
        });
    }
    format!("{{ {} }}", keys.join(", "))
}

/// `tc`'s notation of a handle: `1:`, `1:10`, `root`, `ingress`.
pub fn tc_handle(h: u64) -> String {
    match h {
        0xffff_ffff => "root".into(),
        0xffff_fff1 => "ingress".into(),
        0 => "none".into(),
        h if h & 0xffff == 0 => format!("{:x}:", h >> 16),
        h => format!("{:x}:{:x}", h >> 16, h & 0xffff),
    }
}

/// An `xfrm_address_t` as an IPv4 or IPv6 address.
fn xfrm_addr(n: &Node) -> String {
    match &n.value {
        Value::Bytes(b) if b.len() == 16 => {
            if b[4..].iter().all(|&x| x == 0) {
                core::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()
            } else {
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                core::net::Ipv6Addr::from(a).to_string()
            }
        }
        _ => text(n),
    }
}

/// nft's name of an `nfgen_family` (`NFPROTO_*`).
pub fn nft_family(f: u64) -> String {
    match f {
        1 => "inet".into(),
        2 => "ip".into(),
        3 => "arp".into(),
        5 => "netdev".into(),
        7 => "bridge".into(),
        10 => "ip6".into(),
        f => f.to_string(),
    }
}

/// The node at a `.`-separated path of names (`*` matches any name).
pub fn find<'a>(body: &'a [Node], path: &str) -> Option<&'a Node> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    body.iter()
        .filter(|n| match head.strip_prefix('#') {
            Some(num) => n.number.is_some_and(|x| num.parse() == Ok(x)),
            None => head == "*" || n.name == head,
        })
        .find_map(|n| match rest {
            None => Some(n),
            Some(r) => find(&n.children, r),
        })
}

/// The integer of a value, when it has one.
pub fn raw(v: &Value) -> Option<u64> {
    match v {
        Value::Unsigned(x) | Value::Hex(x) => Some(*x),
        Value::Signed(x) => u64::try_from(*x).ok(),
        Value::Enum { raw, .. } | Value::Flags { raw, .. } => Some(*raw),
        _ => None,
    }
}

/// A node's value as the decoder shows it (a nest: its children's values).
pub fn text(n: &Node) -> String {
    if n.value == Value::None && !n.children.is_empty() {
        let inner: Vec<String> = n
            .children
            .iter()
            .map(|c| {
                if c.name.is_empty() {
                    text(c)
                } else {
                    format!("{}={}", c.name, text(c))
                }
            })
            .collect();
        return format!("{{{}}}", inner.join(" "));
    }
    n.value.to_string()
}

#[cfg(test)]
mod tests;
