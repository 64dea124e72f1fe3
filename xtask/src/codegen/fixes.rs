//! What the specs leave out or get wrong, applied to a spec before it is
//! emitted, as edits of the YAML itself: enums the kernel's UAPI headers
//! define (route tables, protocols, scopes, operstates; the indexes of the
//! devconf and SNMP arrays), members missing at the end of a struct or
//! mistyped, and attributes whose structure the spec types as plain binary.
//! Every entry names the header or the C definition it comes from.

use anyhow::{Context as _, Result};
use serde_yaml::{Mapping, Value};

use super::uapi::{Headers, Source};

/// An enum made from UAPI constants: display names are the constants'
/// names without `strip`, in lower case, unless `renames` says otherwise
/// (iproute2 prints scope 0 as "global"). `strip` empty keeps C names.
struct UapiEnum {
    name: &'static str,
    src: Source,
    strip: &'static str,
    renames: &'static [(&'static str, &'static str)],
}

const RT_TABLE: UapiEnum = UapiEnum {
    name: "nlmon-rt-table",
    src: Source::Enum {
        header: "rtnetlink.h",
        first: "RT_TABLE_UNSPEC",
    },
    strip: "RT_TABLE_",
    renames: &[],
};
const RT_PROTO: UapiEnum = UapiEnum {
    name: "nlmon-rt-proto",
    src: Source::Defines {
        header: "rtnetlink.h",
        prefix: "RTPROT_",
    },
    strip: "RTPROT_",
    renames: &[],
};
const RT_SCOPE: UapiEnum = UapiEnum {
    name: "nlmon-rt-scope",
    src: Source::Enum {
        header: "rtnetlink.h",
        first: "RT_SCOPE_UNIVERSE",
    },
    strip: "RT_SCOPE_",
    // iproute2's rtnl_rtscope_n2a.
    renames: &[("universe", "global")],
};
const IF_OPER: UapiEnum = UapiEnum {
    name: "nlmon-if-oper",
    src: Source::Enum {
        header: "if.h",
        first: "IF_OPER_UNKNOWN",
    },
    strip: "IF_OPER_",
    renames: &[],
};
const IF_LINK_MODE: UapiEnum = UapiEnum {
    name: "nlmon-if-link-mode",
    src: Source::Enum {
        header: "if.h",
        first: "IF_LINK_MODE_DEFAULT",
    },
    strip: "IF_LINK_MODE_",
    renames: &[],
};
const IFA_PROTO: UapiEnum = UapiEnum {
    name: "nlmon-ifa-proto",
    src: Source::Defines {
        header: "if_addr.h",
        prefix: "IFAPROT_",
    },
    strip: "IFAPROT_",
    renames: &[],
};
const IPPROTO: UapiEnum = UapiEnum {
    name: "nlmon-ipproto",
    src: Source::Enum {
        header: "in.h",
        first: "IPPROTO_IP",
    },
    strip: "IPPROTO_",
    renames: &[],
};
/// `IFLA_INET_CONF` holds `devconf[IPV4_DEVCONF_X - 1]` (`inet_fill_link_af`).
const IPV4_DEVCONF: UapiEnum = UapiEnum {
    name: "nlmon-ipv4-devconf",
    src: Source::Enum {
        header: "ip.h",
        first: "IPV4_DEVCONF_FORWARDING",
    },
    strip: "",
    renames: &[],
};
/// `IFLA_INET6_CONF` holds `array[DEVCONF_X]` (`ipv6_store_devconf`).
const IPV6_DEVCONF: UapiEnum = UapiEnum {
    name: "nlmon-ipv6-devconf",
    src: Source::Enum {
        header: "ipv6.h",
        first: "DEVCONF_FORWARDING",
    },
    strip: "",
    renames: &[],
};
/// `IFLA_INET6_STATS`: `stats[0]` is the count (`IPSTATS_MIB_NUM`), then
/// `stats[IPSTATS_MIB_X]` (`__snmp6_fill_stats64`).
const IPSTATS_MIB: UapiEnum = UapiEnum {
    name: "nlmon-ipstats-mib",
    src: Source::Enum {
        header: "snmp.h",
        first: "IPSTATS_MIB_NUM",
    },
    strip: "",
    renames: &[],
};
/// `IFLA_INET6_ICMP6_STATS`, the same way (`__snmp6_fill_statsdev`).
const ICMP6_MIB: UapiEnum = UapiEnum {
    name: "nlmon-icmp6-mib",
    src: Source::Enum {
        header: "snmp.h",
        first: "ICMP6_MIB_NUM",
    },
    strip: "",
    renames: &[],
};

/// Where a named value goes: (family, struct or attribute set, member).
const VALUES: &[(&str, &str, &str, &UapiEnum)] = &[
    ("rt-route", "rtmsg", "rtm-table", &RT_TABLE),
    ("rt-route", "rtmsg", "rtm-protocol", &RT_PROTO),
    ("rt-route", "rtmsg", "rtm-scope", &RT_SCOPE),
    ("rt-route", "route-attrs", "table", &RT_TABLE),
    ("rt-rule", "fib-rule-hdr", "table", &RT_TABLE),
    ("rt-rule", "fib-rule-attrs", "table", &RT_TABLE),
    ("rt-rule", "fib-rule-attrs", "protocol", &RT_PROTO),
    ("rt-rule", "fib-rule-attrs", "ip-proto", &IPPROTO),
    ("rt-addr", "ifaddrmsg", "ifa-scope", &RT_SCOPE),
    ("rt-addr", "addr-attrs", "proto", &IFA_PROTO),
    ("rt-link", "link-attrs", "operstate", &IF_OPER),
    ("rt-link", "link-attrs", "linkmode", &IF_LINK_MODE),
    ("rt-neigh", "neighbour-attrs", "protocol", &RT_PROTO),
];

/// Arrays whose entries are named by an enum: (family, attribute set,
/// attribute, enum, index of the enum's first constant).
const NAMED_ARRAYS: &[(&str, &str, &str, &UapiEnum, u64)] = &[
    ("rt-link", "ifla-attrs", "conf", &IPV4_DEVCONF, 1),
    ("rt-link", "ifla6-attrs", "conf", &IPV6_DEVCONF, 0),
    ("rt-link", "ifla6-attrs", "stats", &IPSTATS_MIB, 0),
    ("rt-link", "ifla6-attrs", "icmp6stats", &ICMP6_MIB, 0),
];

/// A member as the spec writes one: (name, type, len).
type Member = (&'static str, &'static str, u64);

enum StructFix {
    /// Members the spec stops before.
    Append(&'static [Member]),
    /// Members missing after the named one.
    InsertAfter(&'static str, &'static [Member]),
    /// The C struct, whole.
    Replace(&'static [Member]),
    /// The named member is a flexible array of the struct of that name.
    Repeat(&'static str),
}

const STRUCTS: &[(&str, &str, StructFix)] = &[
    // struct rtnl_link_ifmap: 28 bytes of members, sizeof 32.
    (
        "rt-link",
        "rtnl-link-ifmap",
        StructFix::Append(&[("pad", "pad", 4)]),
    ),
    // struct rta_cacheinfo ends with id, ts, tsage.
    (
        "rt-route",
        "rta-cacheinfo",
        StructFix::Append(&[
            ("rta-id", "u32", 0),
            ("rta-ts", "u32", 0),
            ("rta-tsage", "u32", 0),
        ]),
    ),
    // struct tc_ratespec: overhead is __u16, cell_align __s16, mpu __u16.
    (
        "tc",
        "tc-ratespec",
        StructFix::Replace(&[
            ("cell-log", "u8", 0),
            ("linklayer", "u8", 0),
            ("overhead", "u16", 0),
            ("cell-align", "s16", 0),
            ("mpu", "u16", 0),
            ("rate", "u32", 0),
        ]),
    ),
    // struct tc_stats: sizeof 40, 36 bytes of members.
    ("tc", "tc-stats", StructFix::Append(&[("pad", "pad", 4)])),
    // struct gnet_stats_basic: sizeof 16, 12 bytes of members.
    (
        "tc",
        "gnet-stats-basic",
        StructFix::Append(&[("pad", "pad", 4)]),
    ),
    // struct tc_u32_sel: a byte of padding before offmask; keys[] is a
    // flexible array of struct tc_u32_key (nkeys of them).
    (
        "tc",
        "tc-u32-sel",
        StructFix::InsertAfter("nkeys", &[("pad", "pad", 1)]),
    ),
    ("tc", "tc-u32-sel", StructFix::Repeat("keys")),
];

fn key(k: &str) -> Value {
    Value::String(k.into())
}

fn member((name, ty, len): Member) -> Value {
    let mut m = Mapping::new();
    m.insert(key("name"), key(name));
    m.insert(key("type"), key(ty));
    if len > 0 {
        m.insert(key("len"), Value::Number(len.into()));
    }
    Value::Mapping(m)
}

fn named<'a>(list: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    list.as_sequence_mut()?
        .iter_mut()
        .find(|d| d.get("name").and_then(Value::as_str) == Some(name))
}

/// The struct definition or attribute set called `owner`, and its members.
fn members<'a>(doc: &'a mut Value, owner: &str) -> Option<&'a mut Vec<Value>> {
    let (list, field) = [("definitions", "members"), ("attribute-sets", "attributes")]
        .into_iter()
        .find(|(list, _)| {
            doc.get(list).and_then(Value::as_sequence).is_some_and(|l| {
                l.iter()
                    .any(|d| d.get("name").and_then(Value::as_str) == Some(owner))
            })
        })?;
    named(doc.get_mut(list)?, owner)?
        .get_mut(field)?
        .as_sequence_mut()
}

/// Adds the enum to the spec's definitions (once).
fn define(doc: &mut Value, e: &UapiEnum, shift: u64, h: &mut Headers) -> Result<()> {
    let defs = doc
        .get_mut("definitions")
        .and_then(Value::as_sequence_mut)
        .context("a spec without definitions")?;
    if defs
        .iter()
        .any(|d| d.get("name").and_then(Value::as_str) == Some(e.name))
    {
        return Ok(());
    }
    let mut entries = Vec::new();
    for (cname, value) in h.constants(e.src)? {
        let plain = cname.strip_prefix(e.strip).unwrap_or(&cname);
        let mut shown = if e.strip.is_empty() {
            plain.to_owned()
        } else {
            plain.to_lowercase()
        };
        if let Some(r) = e.renames.iter().find(|r| r.0 == shown) {
            shown = r.1.into();
        }
        let Some(index) = value.checked_sub(shift) else {
            continue;
        };
        let mut m = Mapping::new();
        m.insert(key("name"), key(&shown));
        m.insert(key("value"), Value::Number(index.into()));
        entries.push(Value::Mapping(m));
    }
    let mut d = Mapping::new();
    d.insert(key("name"), key(e.name));
    d.insert(key("type"), key("enum"));
    d.insert(key("entries"), Value::Sequence(entries));
    defs.push(Value::Mapping(d));
    Ok(())
}

/// Applies every fix for `family` to its parsed spec.
pub fn apply(family: &str, doc: &mut Value, h: &mut Headers) -> Result<()> {
    for &(fam, owner, name, e) in VALUES {
        if fam != family {
            continue;
        }
        define(doc, e, 0, h).with_context(|| format!("{} from {owner}.{name}", e.name))?;
        let m = members(doc, owner)
            .and_then(|ms| named_in(ms, name))
            .with_context(|| format!("{family}: no {owner}.{name} to name values of"))?;
        set(m, "enum", key(e.name));
    }
    for &(fam, owner, name, e, shift) in NAMED_ARRAYS {
        if fam != family {
            continue;
        }
        define(doc, e, shift, h).with_context(|| format!("{} for {owner}.{name}", e.name))?;
        let m = members(doc, owner)
            .and_then(|ms| named_in(ms, name))
            .with_context(|| format!("{family}: no {owner}.{name} to name entries of"))?;
        set(m, "nlmon-index-enum", key(e.name));
    }
    for (fam, owner, fix) in STRUCTS {
        if *fam != family {
            continue;
        }
        let ms = members(doc, owner).with_context(|| format!("{family}: no struct {owner}"))?;
        match fix {
            StructFix::Append(add) => ms.extend(add.iter().copied().map(member)),
            StructFix::Replace(all) => *ms = all.iter().copied().map(member).collect(),
            StructFix::InsertAfter(after, add) => {
                let at = ms
                    .iter()
                    .position(|m| m.get("name").and_then(Value::as_str) == Some(after))
                    .with_context(|| format!("{family}: no {owner}.{after}"))?;
                for (i, m) in add.iter().copied().enumerate() {
                    ms.insert(at + 1 + i, member(m));
                }
            }
            StructFix::Repeat(name) => {
                let m =
                    named_in(ms, name).with_context(|| format!("{family}: no {owner}.{name}"))?;
                set(m, "nlmon-repeat", Value::Bool(true));
            }
        }
    }
    Ok(())
}

fn named_in<'a>(ms: &'a mut [Value], name: &str) -> Option<&'a mut Value> {
    ms.iter_mut()
        .find(|m| m.get("name").and_then(Value::as_str) == Some(name))
}

fn set(m: &mut Value, k: &str, v: Value) {
    if let Some(map) = m.as_mapping_mut() {
        map.insert(key(k), v);
    }
}
