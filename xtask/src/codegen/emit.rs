//! One YNL spec (YAML) to one Rust module of `nlmon_common::decode::table`
//! statics. The spec formats are `Documentation/netlink/{genetlink-legacy,
//! netlink-raw}.yaml`; what the kernel's own generator assumes by default
//! (attribute numbers from 1, enum values from `value-start` or 0, name
//! prefixes, request/reply ids per `enum-model`) is reproduced here.

use std::{
    collections::{BTreeMap, BTreeSet},
    fmt::Write as _,
};

use anyhow::{Context as _, Result, bail};
use serde_yaml::Value;

use super::{
    fixes, source,
    uapi::{Headers, Source},
};

/// Netlink-raw specs carry no C names; these give their messages and
/// attributes the kernel's UAPI prefixes.
fn raw_op_prefix(family: &str) -> &'static str {
    match family {
        "nftables" => "nft-msg-",
        _ => "rtm-",
    }
}

/// Attribute sets whose names are not their C prefixes, per family (the
/// prefixes are the UAPI headers' enum names).
fn raw_set_prefix(family: &str, set: &str) -> String {
    let base = set.strip_suffix("-attrs").unwrap_or(set);
    match (family, base) {
        ("rt-link", "af-spec") => "af-".into(),
        ("rt-link", "vfinfo-list" | "vfinfo") => "ifla-vf-".into(),
        ("rt-link", "vf-stats") => "ifla-vf-stats-".into(),
        ("rt-link", "vf-vlan") => "ifla-vf-vlan-".into(),
        ("rt-link", "vf-ports") => "ifla-vf-port-".into(),
        ("rt-link", "port-self") => "ifla-port-".into(),
        ("rt-link", "linkinfo") => "ifla-info-".into(),
        ("rt-link", "xdp") => "ifla-xdp-".into(),
        ("rt-link", "ifla") => "ifla-inet-".into(),
        ("rt-link", "ifla6") => "ifla-inet6-".into(),
        ("rt-link", "link-offload-xstats") => "ifla-offload-xstats-".into(),
        ("rt-link", "hw-s-info-one") => "ifla-offload-xstats-hw-s-info-".into(),
        ("rt-link", "link-dpll-pin") => "dpll-a-pin-".into(),
        ("tc", "tc") => "tca-".into(),
        ("tc", _) => match (base.strip_prefix("tc-"), base.strip_prefix("tca-")) {
            (Some(rest), _) => format!("tca-{rest}-"),
            (None, Some(rest)) => format!("tca-{rest}-"),
            (None, None) => format!("tca-{base}-"),
        },
        ("nftables", _) => format!("nfta-{}-", base.strip_prefix("expr-").unwrap_or(base)),
        // rt-addr and rt-route name attributes with their prefix.
        _ => String::new(),
    }
}

/// Attributes that carry secrets, by (family, attribute set, attribute):
/// redacted unless the user asks for them. The specs do not say; these are
/// the ones that do in 6.12.
const SECRETS: &[(&str, &str, &str)] = &[
    // WireGuard's own key and the peers' preshared keys (public keys are not secret).
    ("wireguard", "wgdevice", "private-key"),
    ("wireguard", "wgpeer", "preshared-key"),
    // Wake-on-LAN SecureOn password.
    ("ethtool", "wol", "sopass"),
    // Firmware flashing password of a transceiver module.
    ("ethtool", "module-fw-flash", "password"),
];

/// Nests whose elements the kernel walks with `nla_for_each_nested`,
/// ignoring each element's type, by (family, attribute set, attribute). The
/// spec gives them a single `elem` (number 1), but libnftnl numbers the set
/// elements 1..n, so reading them by the spec leaves all but the first
/// unknown. Every element is decoded as that `elem`, whatever its number.
const TYPELESS_LISTS: &[(&str, &str, &str)] = &[("nftables", "setelem-list-attrs", "elements")];

fn c_upper(s: &str) -> String {
    s.replace(['-', ' '], "_").to_uppercase()
}

fn c_lower(s: &str) -> String {
    s.replace(['-', ' '], "_").to_lowercase()
}

fn ident(kind: &str, name: &str) -> String {
    let mut s = format!("{kind}_{}", c_upper(name));
    s.retain(|c| c.is_ascii_alphanumeric() || c == '_');
    s
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_sequence)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn int(v: &Value, key: &str) -> Option<u64> {
    v.get(key)
        .and_then(|x| x.as_u64().or_else(|| x.as_i64().map(|i| i as u64)))
}

fn scalar(t: &str) -> Option<&'static str> {
    Some(match t {
        "u8" => "U8",
        "u16" => "U16",
        "u32" => "U32",
        "u64" => "U64",
        "s8" => "S8",
        "s16" => "S16",
        "s32" => "S32",
        "s64" => "S64",
        _ => return None,
    })
}

fn order(v: &Value) -> &'static str {
    if s(v, "byte-order") == Some("big-endian") {
        "Order::Big"
    } else {
        "Order::Host"
    }
}

fn hint(v: &Value) -> &'static str {
    match s(v, "display-hint") {
        Some("hex") => "Hint::Hex",
        Some("mac") | Some("fddi") => "Hint::Mac",
        Some("ipv4") => "Hint::Ipv4",
        Some("ipv6") => "Hint::Ipv6",
        Some("ipv4-or-v6") => "Hint::Ip",
        Some("uuid") => "Hint::Uuid",
        _ => "Hint::None",
    }
}

fn quote(s: &str) -> String {
    format!("{s:?}")
}

/// What an attribute reads as, resolved within its set.
struct Spec<'a> {
    name: String,
    raw: bool,
    doc: &'a Value,
    enums: BTreeMap<String, &'a Value>,
    structs: BTreeMap<String, &'a Value>,
    sets: BTreeMap<String, &'a Value>,
    /// Enums also used as flags (`enum-as-flags` on a plain enum).
    enum_flags: BTreeSet<String>,
    out: String,
}

/// Attribute numbers and display names of a set (following `subset-of`).
struct SetAttr<'a> {
    value: u64,
    cname: String,
    def: &'a Value,
}

impl<'a> Spec<'a> {
    fn set_prefix(&self, set: &Value) -> String {
        if let Some(p) = s(set, "name-prefix") {
            return p.into();
        }
        let name = s(set, "name").unwrap_or("");
        if let Some(parent) = s(set, "subset-of").and_then(|p| self.sets.get(p)) {
            return self.set_prefix(parent);
        }
        if self.raw {
            raw_set_prefix(&self.name, name)
        } else {
            format!("{}-a-{name}-", self.name)
        }
    }

    /// The attributes of a set with their numbers.
    fn set_attrs(&self, set: &'a Value) -> Vec<SetAttr<'a>> {
        let prefix = self.set_prefix(set);
        let parent = s(set, "subset-of").and_then(|p| self.sets.get(p)).copied();
        let parent_attrs = parent.map(|p| self.set_attrs(p)).unwrap_or_default();
        let mut out = Vec::new();
        let mut next = 1u64;
        for a in list(set, "attributes") {
            let name = s(a, "name").unwrap_or("");
            if parent.is_some() {
                if let Some(p) = parent_attrs.iter().find(|p| s(p.def, "name") == Some(name)) {
                    // A subset names the parent's attribute; its own keys
                    // (nested-attributes, ...) override the parent's.
                    let def = if a.get("type").is_some() { a } else { p.def };
                    out.push(SetAttr {
                        value: p.value,
                        cname: p.cname.clone(),
                        def,
                    });
                }
                continue;
            }
            let value = int(a, "value").unwrap_or(next);
            next = value + 1;
            out.push(SetAttr {
                value,
                cname: c_upper(&format!("{prefix}{name}")),
                def: a,
            });
        }
        out.sort_by_key(|a| a.value);
        out.dedup_by_key(|a| a.value);
        out
    }

    fn enum_ref(&mut self, def: &Value) -> String {
        let Some(e) = s(def, "enum") else {
            return "None".into();
        };
        let Some(edef) = self.enums.get(e) else {
            return "None".into();
        };
        let as_flags = def.get("enum-as-flags").and_then(Value::as_bool) == Some(true)
            && s(edef, "type") != Some("flags");
        if as_flags {
            self.enum_flags.insert(e.into());
            format!("Some(&{})", ident("ENUM_FLAGS", e))
        } else {
            format!("Some(&{})", ident("ENUM", e))
        }
    }

    /// `AttrKind` expression for an attribute definition.
    fn attr_kind(&mut self, def: &Value, siblings: &[SetAttr<'_>]) -> String {
        let t = s(def, "type").unwrap_or("binary");
        let nested = s(def, "nested-attributes").filter(|n| self.sets.contains_key(*n));
        match t {
            "unused" => "AttrKind::Unused".into(),
            "pad" => "AttrKind::Pad".into(),
            "flag" => "AttrKind::Flag".into(),
            "uint" => "AttrKind::Uint".into(),
            "sint" => "AttrKind::Sint".into(),
            "string" => "AttrKind::String".into(),
            "bitfield32" => "AttrKind::Bitfield32".into(),
            "nest" => match nested {
                Some(n) => format!("AttrKind::Nest(&{})", ident("SET", n)),
                None => "AttrKind::Binary".into(),
            },
            "indexed-array" => {
                let sub = s(def, "sub-type").unwrap_or("nest");
                let inner = match (sub, nested) {
                    ("nest", Some(n)) => format!("AttrKind::Nest(&{})", ident("SET", n)),
                    (sc, _) if scalar(sc).is_some() => {
                        format!("AttrKind::Scalar(Scalar::{})", scalar(sc).unwrap_or("U32"))
                    }
                    ("binary", _) => {
                        match s(def, "struct").filter(|st| self.structs.contains_key(*st)) {
                            Some(st) => format!("AttrKind::Struct(&{})", ident("STRUCT", st)),
                            None => "AttrKind::Binary".into(),
                        }
                    }
                    _ => "AttrKind::Binary".into(),
                };
                let name = s(def, "name").unwrap_or("");
                format!(
                    "AttrKind::IndexedArray(&Attr {{ name: {}, order: {}, hint: {}, enumeration: {}, ..Attr::new(0, {inner}) }})",
                    quote(&c_lower(name)),
                    order(def),
                    hint(def),
                    self.enum_ref(def)
                )
            }
            "nest-type-value" => match nested {
                Some(n) => {
                    let keys: Vec<String> = list(def, "type-value")
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|k| quote(&c_lower(k)))
                        .collect();
                    format!(
                        "AttrKind::NestTypeValue {{ set: &{}, keys: &[{}] }}",
                        ident("SET", n),
                        keys.join(", ")
                    )
                }
                None => "AttrKind::Binary".into(),
            },
            "sub-message" => {
                let msg = s(def, "sub-message").unwrap_or("");
                let sel = s(def, "selector").unwrap_or("");
                match siblings.iter().find(|a| s(a.def, "name") == Some(sel)) {
                    Some(a) => format!(
                        "AttrKind::SubMessage {{ msg: &{}, selector: {} }}",
                        ident("SUBMSG", msg),
                        a.value
                    ),
                    None => "AttrKind::Binary".into(),
                }
            }
            "binary" => {
                if let Some(st) = s(def, "struct").filter(|st| self.structs.contains_key(*st)) {
                    format!("AttrKind::Struct(&{})", ident("STRUCT", st))
                } else if let Some(sc) = s(def, "sub-type").and_then(scalar) {
                    // An array whose indexes a UAPI enum names (see `fixes`).
                    match s(def, "nlmon-index-enum").filter(|e| self.enums.contains_key(*e)) {
                        Some(e) => {
                            format!("AttrKind::NamedArray(Scalar::{sc}, &{})", ident("ENUM", e))
                        }
                        None => format!("AttrKind::Array(Scalar::{sc})"),
                    }
                } else {
                    "AttrKind::Binary".into()
                }
            }
            other => match scalar(other) {
                Some(sc) => format!("AttrKind::Scalar(Scalar::{sc})"),
                None => "AttrKind::Binary".into(),
            },
        }
    }

    fn emit_enum(&mut self, e: &Value, as_flags: bool) {
        let name = s(e, "name").unwrap_or("");
        let is_flags = s(e, "type") == Some("flags");
        let start = int(e, "value-start").unwrap_or(0);
        let mut entries = Vec::new();
        let mut next = start;
        for entry in list(e, "entries") {
            let (ename, value) = match entry {
                Value::String(n) => (n.as_str(), None),
                other => (s(other, "name").unwrap_or(""), int(other, "value")),
            };
            let v = value.unwrap_or(next);
            next = v + 1;
            let v = if is_flags || as_flags {
                1u64.checked_shl(v as u32).unwrap_or(0)
            } else {
                v
            };
            entries.push(format!("({v:#x}, {})", quote(ename)));
        }
        let id = if as_flags {
            ident("ENUM_FLAGS", name)
        } else {
            ident("ENUM", name)
        };
        let _ = writeln!(
            self.out,
            "pub static {id}: Enum = Enum {{ name: {}, flags: {}, entries: &[{}] }};",
            quote(name),
            is_flags || as_flags,
            entries.join(", ")
        );
    }

    fn emit_struct(&mut self, st: &Value) {
        let name = s(st, "name").unwrap_or("");
        let mut fields = Vec::new();
        for m in list(st, "members") {
            let fname = c_lower(s(m, "name").unwrap_or(""));
            let t = s(m, "type").unwrap_or("binary");
            let len = int(m, "len").unwrap_or(0);
            let kind = match (t, scalar(t)) {
                (_, Some(sc)) => format!("FieldKind::Scalar(Scalar::{sc})"),
                ("pad", _) => format!("FieldKind::Pad({len})"),
                (_, None) => match s(m, "struct").filter(|x| self.structs.contains_key(*x)) {
                    Some(inner) if m.get("nlmon-repeat").is_some() => {
                        format!("FieldKind::Repeat(&{})", ident("STRUCT", inner))
                    }
                    Some(inner) => format!("FieldKind::Struct(&{})", ident("STRUCT", inner)),
                    None => format!("FieldKind::Bytes({len})"),
                },
            };
            let mut enumeration = self.enum_ref(m);
            // Headers name their address family without an enum.
            if enumeration == "None" && fname == "nfgen_family" {
                enumeration = "Some(&tables::NFPROTO)".into();
            } else if enumeration == "None" && (fname.ends_with("_family") || fname == "family") {
                enumeration = "Some(&tables::ADDRESS_FAMILY)".into();
            }
            fields.push(format!(
                "Field {{ name: {}, kind: {kind}, order: {}, hint: {}, enumeration: {enumeration} }}",
                quote(&fname),
                order(m),
                hint(m)
            ));
        }
        let _ = writeln!(
            self.out,
            "pub static {}: Struct = Struct {{ name: {}, fields: &[{}] }};",
            ident("STRUCT", name),
            quote(name),
            fields.join(", ")
        );
    }

    fn emit_set(&mut self, set: &'a Value) {
        let name = s(set, "name").unwrap_or("");
        let attrs = self.set_attrs(set);
        let mut out = Vec::new();
        for a in &attrs {
            let def = a.def;
            let attr_name = s(def, "name").unwrap_or("");
            let kind = if TYPELESS_LISTS.contains(&(self.name.as_str(), name, attr_name)) {
                self.typeless_list(def)
            } else {
                None
            }
            .unwrap_or_else(|| self.attr_kind(def, &attrs));
            let multi = def.get("multi-attr").and_then(Value::as_bool) == Some(true);
            let secret = SECRETS.contains(&(self.name.as_str(), name, attr_name));
            out.push(format!(
                "Attr {{ name: {}, order: {}, hint: {}, enumeration: {}, multi: {multi}, secret: {secret}, ..Attr::new({}, {kind}) }}",
                quote(&a.cname),
                order(def),
                hint(def),
                self.enum_ref(def),
                a.value
            ));
        }
        let _ = writeln!(
            self.out,
            "pub static {}: AttrSet = AttrSet {{ name: {}, attrs: &[{}] }};",
            ident("SET", name),
            quote(name),
            out.join(", ")
        );
    }

    /// `AttrKind` of a [`TYPELESS_LISTS`] nest: a typeless list of its set's
    /// single element; `None` if the spec is not that shape.
    fn typeless_list(&mut self, def: &Value) -> Option<String> {
        let set = *s(def, "nested-attributes").and_then(|n| self.sets.get(n))?;
        let elems = self.set_attrs(set);
        let [elem] = elems.as_slice() else {
            return None;
        };
        let kind = self.attr_kind(elem.def, &elems);
        Some(format!(
            "AttrKind::TypelessList(&Attr {{ name: {}, ..Attr::new({}, {kind}) }})",
            quote(&elem.cname),
            elem.value
        ))
    }

    fn emit_submsg(&mut self, sm: &Value) {
        let name = s(sm, "name").unwrap_or("");
        let mut formats = Vec::new();
        for f in list(sm, "formats") {
            let value = match f.get("value") {
                Some(Value::String(v)) => v.clone(),
                Some(other) => serde_yaml::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
                None => continue,
            };
            let header = self.struct_ref(s(f, "fixed-header"));
            let attrs = self.set_ref(s(f, "attribute-set"));
            formats.push(format!(
                "Format {{ value: {}, header: {header}, attrs: {attrs} }}",
                quote(&value)
            ));
        }
        let _ = writeln!(
            self.out,
            "pub static {}: SubMessage = SubMessage {{ name: {}, formats: &[{}] }};",
            ident("SUBMSG", name),
            quote(name),
            formats.join(", ")
        );
    }

    fn struct_ref(&self, name: Option<&str>) -> String {
        match name.filter(|n| self.structs.contains_key(*n)) {
            Some(n) => format!("Some(&{})", ident("STRUCT", n)),
            None => "None".into(),
        }
    }

    fn set_ref(&self, name: Option<&str>) -> String {
        match name.filter(|n| self.sets.contains_key(*n)) {
            Some(n) => format!("Some(&{})", ident("SET", n)),
            None => "None".into(),
        }
    }
}

fn op_kind(name: &str) -> &'static str {
    let words: Vec<&str> = name.split('-').collect();
    let has = |w: &str| words.contains(&w) || name.starts_with(w);
    if has("new") || has("add") {
        "OpKind::New"
    } else if has("del") {
        "OpKind::Del"
    } else if has("get") || has("dump") {
        "OpKind::Get"
    } else {
        "OpKind::Other"
    }
}

/// One message definition on its way out.
struct Msg {
    name: String,
    value: u64,
    dir: &'static str,
    kind: &'static str,
    header: String,
    attrs: String,
}

/// Messages the specs leave out that the kernel sends (nlctrl's
/// notifications and its reply's real name).
fn extra_msgs(family: &str) -> &'static [(&'static str, u64, &'static str)] {
    match family {
        "nlctrl" => &[
            ("newfamily", 1, "ctrl-attrs"),
            ("delfamily", 2, "ctrl-attrs"),
            ("newops", 4, "ctrl-attrs"),
            ("delops", 5, "ctrl-attrs"),
            ("newmcast-grp", 7, "ctrl-attrs"),
            ("delmcast-grp", 8, "ctrl-attrs"),
        ],
        _ => &[],
    }
}

/// The message names of a family's UAPI enum by number, for replies whose
/// number no request of the spec has. Families whose specs name every reply
/// need none.
fn message_names(
    family: &str,
    headers: &mut Headers,
) -> Result<BTreeMap<u64, (String, &'static str)>> {
    let (header, first, prefix, base) = match family {
        f if f.starts_with("rt-") => ("rtnetlink.h", "RTM_NEWLINK", "RTM_", 0),
        "nftables" => (
            "netfilter/nf_tables.h",
            "NFT_MSG_NEWTABLE",
            "NFT_MSG_",
            NFNL_SUBSYS_NFTABLES << 8,
        ),
        "devlink" => ("devlink.h", "DEVLINK_CMD_UNSPEC", "DEVLINK_CMD_", 0),
        _ => return Ok(BTreeMap::new()),
    };
    let mut names = BTreeMap::new();
    for (name, value) in headers.constants(Source::Enum { header, first })? {
        let op = name.strip_prefix(prefix).unwrap_or(&name);
        let kind = op_kind(&op.to_ascii_lowercase().replace('_', "-"));
        // The first name of a number wins (aliases follow it).
        names.entry(base + value).or_insert((name, kind));
    }
    Ok(names)
}

/// nf_tables' subsystem number in the high byte of its message types.
const NFNL_SUBSYS_NFTABLES: u64 = 10;

impl Spec<'_> {
    fn messages(&self, headers: &mut Headers) -> Result<Vec<Msg>> {
        let ops = self.doc.get("operations").context("no operations")?;
        let prefix = match s(ops, "name-prefix") {
            Some(p) => p.to_owned(),
            None if self.raw => raw_op_prefix(&self.name).into(),
            None => format!("{}-cmd-", self.name),
        };
        let default_header = s(ops, "fixed-header");
        let directional = s(ops, "enum-model") == Some("directional");
        let mut out: Vec<Msg> = Vec::new();
        let by_name: BTreeMap<&str, &Value> = list(ops, "list")
            .iter()
            .filter_map(|o| Some((s(o, "name")?, o)))
            .collect();
        let (mut req, mut rsp) = (1u64, 1u64);
        let mut requests: BTreeMap<u64, (String, &'static str)> = BTreeMap::new();
        let mut replies: Vec<(u64, &Value, String)> = Vec::new();
        for op in list(ops, "list") {
            let name = s(op, "name").unwrap_or("");
            let cname = c_upper(&format!("{prefix}{name}"));
            let header = self.struct_ref(s(op, "fixed-header").or(default_header));
            let attrs = self.set_ref(s(op, "attribute-set"));
            let notify = s(op, "notify").and_then(|n| by_name.get(n)).copied();
            if !directional {
                let value = int(op, "value").unwrap_or(req);
                req = value + 1;
                let (header, attrs) = match notify {
                    Some(n) => (
                        self.struct_ref(s(n, "fixed-header").or(default_header)),
                        self.set_ref(s(n, "attribute-set")),
                    ),
                    None => (header, attrs),
                };
                out.push(Msg {
                    name: cname,
                    value,
                    dir: "Dir::Both",
                    kind: op_kind(name),
                    header,
                    attrs,
                });
                continue;
            }
            if op.get("notify").is_some() || op.get("event").is_some() {
                if let Some(v) = int(op, "value") {
                    rsp = v;
                }
                replies.push((rsp, notify.unwrap_or(op), cname));
                rsp += 1;
                continue;
            }
            let Some(mode) = op.get("do").or_else(|| op.get("dump")) else {
                bail!("operation {name} has neither do, dump, notify nor event");
            };
            if let Some(v) = mode.get("request").and_then(|r| int(r, "value")) {
                req = v;
            }
            if let Some(v) = mode.get("reply").and_then(|r| int(r, "value")) {
                rsp = v;
            }
            let has_request = op.get("do").and_then(|m| m.get("request")).is_some()
                || op.get("dump").and_then(|m| m.get("request")).is_some();
            if has_request {
                requests.insert(req, (cname.clone(), op_kind(name)));
                out.push(Msg {
                    name: cname.clone(),
                    value: req,
                    dir: "Dir::Request",
                    kind: op_kind(name),
                    header: header.clone(),
                    attrs: attrs.clone(),
                });
            }
            let has_reply = op.get("do").and_then(|m| m.get("reply")).is_some()
                || op.get("dump").and_then(|m| m.get("reply")).is_some();
            if has_reply {
                let reply_name = if self.name == "ethtool" {
                    format!("{cname}_REPLY")
                } else {
                    cname.clone()
                };
                replies.push((rsp, op, reply_name));
            }
            req += 1;
            if mode.get("reply").is_some() {
                rsp += 1;
            }
        }
        let extras = extra_msgs(&self.name);
        let reply_names = message_names(&self.name, headers)?;
        for (value, op, name) in replies {
            if extras.iter().any(|e| e.1 == value) {
                continue;
            }
            // A reply is the command of its number where requests and
            // replies share one enum: raw protocols answer a GETADDR dump
            // with RTM_NEWADDR, devlink a PORT_GET with PORT_NEW. ethtool
            // alone numbers its replies in an enum of their own.
            let (name, kind) = match requests.get(&value) {
                Some((n, k)) if self.name != "ethtool" => (n.clone(), *k),
                // A reply numbered apart from every request is the kernel's
                // own message of that number (NFT_MSG_NEWGEN answers
                // NFT_MSG_GETGEN), not the request's name.
                _ => match reply_names.get(&value) {
                    Some((n, k)) => (n.clone(), *k),
                    None => (name, "OpKind::Other"),
                },
            };
            out.push(Msg {
                name,
                value,
                dir: "Dir::Reply",
                kind,
                header: self.struct_ref(s(op, "fixed-header").or(default_header)),
                attrs: self.set_ref(s(op, "attribute-set")),
            });
        }
        for (name, value, set) in extras {
            out.push(Msg {
                name: c_upper(&format!("{prefix}{name}")),
                value: *value,
                dir: "Dir::Reply",
                kind: op_kind(name),
                header: "None".into(),
                attrs: self.set_ref(Some(set)),
            });
        }
        // A request and reply alike are one entry.
        let mut merged: Vec<Msg> = Vec::new();
        for m in out {
            if let Some(prev) = merged.iter_mut().find(|p| {
                p.value == m.value
                    && p.name == m.name
                    && p.header == m.header
                    && p.attrs == m.attrs
                    && p.dir != m.dir
            }) {
                prev.dir = "Dir::Both";
                continue;
            }
            merged.push(m);
        }
        merged.sort_by(|a, b| (a.value, a.dir).cmp(&(b.value, b.dir)));
        Ok(merged)
    }
}

/// The Rust module for one spec.
pub fn module(file: &str, yaml: &str, headers: &mut Headers) -> Result<String> {
    let mut doc: Value = serde_yaml::from_str(yaml).with_context(|| format!("{file}: not YAML"))?;
    let name = s(&doc, "name").context("no name")?.to_owned();
    fixes::apply(&name, &mut doc, headers).with_context(|| format!("{file}: fixes"))?;
    let proto = s(&doc, "protocol").unwrap_or("genetlink");
    let raw = proto == "netlink-raw";
    let protonum = if raw {
        int(&doc, "protonum").context("netlink-raw spec without protonum")?
    } else {
        16
    };
    let mut spec = Spec {
        name: name.clone(),
        raw,
        doc: &doc,
        enums: BTreeMap::new(),
        structs: BTreeMap::new(),
        sets: BTreeMap::new(),
        enum_flags: BTreeSet::new(),
        out: String::new(),
    };
    for d in list(&doc, "definitions") {
        let Some(n) = s(d, "name") else { continue };
        match s(d, "type") {
            Some("enum") | Some("flags") => {
                spec.enums.insert(n.into(), d);
            }
            Some("struct") => {
                spec.structs.insert(n.into(), d);
            }
            _ => {}
        }
    }
    for set in list(&doc, "attribute-sets") {
        if let Some(n) = s(set, "name") {
            spec.sets.insert(n.into(), set);
        }
    }
    let structs: Vec<&Value> = spec.structs.values().copied().collect();
    for st in structs {
        spec.emit_struct(st);
    }
    let sets: Vec<&Value> = list(&doc, "attribute-sets").iter().collect();
    for set in sets {
        spec.emit_set(set);
    }
    for sm in list(&doc, "sub-messages") {
        spec.emit_submsg(sm);
    }
    let msgs = spec
        .messages(headers)
        .with_context(|| format!("{file}: operations"))?;
    let enums: Vec<&Value> = spec.enums.values().copied().collect();
    for e in enums {
        spec.emit_enum(e, false);
        if spec.enum_flags.contains(s(e, "name").unwrap_or("")) {
            spec.emit_enum(e, true);
        }
    }
    let mut body = String::new();
    let _ = writeln!(
        body,
        "pub static FAMILY: Family = Family {{ name: {}, protocol: {protonum}, messages: &[",
        quote(&name)
    );
    for m in msgs {
        let _ = writeln!(
            body,
            "MsgDef {{ name: {}, value: {}, dir: {}, kind: {}, header: {}, attrs: {} }},",
            quote(&m.name),
            m.value,
            m.dir,
            m.kind,
            m.header,
            m.attrs
        );
    }
    body.push_str("] };\n");
    let mut text = format!(
        "//! Generated by `cargo xtask codegen` from the kernel's \
         `Documentation/netlink/specs/{file}` (Debian's linux-source-7.3 {}), with\n\
         //! the fixes of `xtask/src/codegen/fixes.rs`. Do not edit.\n\n\
         #![allow(unused_imports)]\n\n\
         use crate::decode::{{table::*, tables}};\n\n",
        source::VERSION
    );
    text.push_str(&body);
    text.push_str(&spec.out);
    Ok(text)
}
