//! The shape of the decoding tables: plain `static` data, built at compile
//! time (generated from the kernel's YNL specs by `cargo xtask codegen`, or
//! written by hand from UAPI headers in the same form), walked by the engine.
//!
//! A family lists its messages; a message names its fixed header (a
//! [`Struct`]) and its top-level [`AttrSet`]; attributes say how their payload
//! is read.

/// One protocol family's messages: a YNL spec, or a hand-written table.
#[derive(Debug)]
pub struct Family {
    /// Spec name (`rt-addr`, `ethtool`); for generic netlink the name the
    /// kernel registers the family under, which is how ids are resolved.
    pub name: &'static str,
    /// Netlink protocol (`NETLINK_ROUTE` 0, `NETLINK_NETFILTER` 12,
    /// `NETLINK_GENERIC` 16, ...).
    pub protocol: u32,
    pub messages: &'static [MsgDef],
}

/// Which way a message travels, so request and reply ids can differ (YNL's
/// "directional" model: ethtool's request 2 is a GET, its reply 2 a REPLY).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// From userspace to the kernel (`NLM_F_REQUEST` set).
    Request,
    /// From the kernel: replies and notifications.
    Reply,
    Both,
}

/// What the request flags above 0xff mean for a message (they are reused:
/// 0x100 is ROOT for a GET, REPLACE for a NEW, NONREC for a DEL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    New,
    Del,
    Get,
    Other,
}

/// One message type of a family.
#[derive(Debug)]
pub struct MsgDef {
    /// Display name: `RTM_NEWADDR`, `ETHTOOL_MSG_LINKINFO_GET`.
    pub name: &'static str,
    /// `nlmsg_type` for raw protocols, the generic netlink command otherwise.
    pub value: u16,
    pub dir: Dir,
    pub kind: OpKind,
    /// The struct right after `nlmsghdr` (after `genlmsghdr` for generic
    /// netlink), if any.
    pub header: Option<&'static Struct>,
    pub attrs: Option<&'static AttrSet>,
}

/// How an integer's bytes are ordered on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    Host,
    Big,
}

/// How to show bytes or numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hint {
    None,
    Hex,
    Mac,
    Ipv4,
    Ipv6,
    /// IPv4 or IPv6, chosen by length (4 or 16 bytes).
    Ip,
    Uuid,
    /// NUL-padded text in a fixed-size field (`char alg_name[64]`).
    Text,
}

/// Named values of an integer: an enum, or bit flags.
#[derive(Debug)]
pub struct Enum {
    pub name: &'static str,
    /// `true`: `entries` are bit masks and a value is a set of them.
    pub flags: bool,
    /// (value or mask, name).
    pub entries: &'static [(u64, &'static str)],
}

impl Enum {
    pub fn name_of(&self, v: u64) -> Option<&'static str> {
        self.entries.iter().find(|e| e.0 == v).map(|e| e.1)
    }
}

/// Fixed-size scalar types, for struct fields and arrays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    U8,
    U16,
    U32,
    U64,
    S8,
    S16,
    S32,
    S64,
}

impl Scalar {
    pub const fn size(self) -> usize {
        match self {
            Scalar::U8 | Scalar::S8 => 1,
            Scalar::U16 | Scalar::S16 => 2,
            Scalar::U32 | Scalar::S32 => 4,
            Scalar::U64 | Scalar::S64 => 8,
        }
    }

    pub const fn signed(self) -> bool {
        matches!(self, Scalar::S8 | Scalar::S16 | Scalar::S32 | Scalar::S64)
    }
}

/// A C struct: a fixed header or the payload of a binary attribute.
#[derive(Debug)]
pub struct Struct {
    pub name: &'static str,
    pub fields: &'static [Field],
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldKind,
    pub order: Order,
    pub hint: Hint,
    pub enumeration: Option<&'static Enum>,
}

#[derive(Clone, Copy, Debug)]
pub enum FieldKind {
    Scalar(Scalar),
    /// Bytes of a fixed length (shown per the hint).
    Bytes(u16),
    /// Padding or reserved bytes: skipped, not shown.
    Pad(u16),
    /// A nested struct.
    Struct(&'static Struct),
    /// The struct repeated to the end of the bytes (a C flexible array
    /// member: `struct tc_u32_sel`'s `keys[]`); always the last field.
    Repeat(&'static Struct),
}

/// The attributes that may appear in one TLV stream.
#[derive(Debug)]
pub struct AttrSet {
    pub name: &'static str,
    /// Sorted by `value`.
    pub attrs: &'static [Attr],
}

impl AttrSet {
    pub fn get(&self, value: u16) -> Option<&'static Attr> {
        let attrs: &'static [Attr] = self.attrs;
        // Most sets are dense from 1: try the direct index before searching.
        if let Some(a) = attrs.get(value as usize).filter(|a| a.value == value) {
            return Some(a);
        }
        if let Some(a) = attrs
            .get((value as usize).wrapping_sub(1))
            .filter(|a| a.value == value)
        {
            return Some(a);
        }
        attrs
            .binary_search_by_key(&value, |a| a.value)
            .ok()
            .map(|i| &attrs[i])
    }
}

#[derive(Debug)]
pub struct Attr {
    /// Display name: `IFA_LOCAL`.
    pub name: &'static str,
    pub value: u16,
    pub kind: AttrKind,
    pub order: Order,
    pub hint: Hint,
    pub enumeration: Option<&'static Enum>,
    /// May appear more than once (informational).
    pub multi: bool,
    /// Key material: redacted unless the options say otherwise.
    pub secret: bool,
}

impl Attr {
    /// An attribute with defaults, for terse hand-written tables:
    /// `Attr { name: "X", ..Attr::new(1, AttrKind::U32) }`.
    pub const fn new(value: u16, kind: AttrKind) -> Self {
        Self {
            name: "",
            value,
            kind,
            order: Order::Host,
            hint: Hint::None,
            enumeration: None,
            multi: false,
            secret: false,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum AttrKind {
    /// Reserved number (usually 0): shown as raw if it appears.
    Unused,
    /// Alignment padding: shown briefly.
    Pad,
    /// Presence means true.
    Flag,
    Scalar(Scalar),
    /// `uint`/`sint`: 4 or 8 bytes.
    Uint,
    Sint,
    /// NUL-terminated (or not) text.
    String,
    Binary,
    /// A C struct.
    Struct(&'static Struct),
    /// Back-to-back scalars (`binary` with a `sub-type`).
    Array(Scalar),
    /// Back-to-back scalars, each named by the enum entry of its index
    /// (`IFLA_INET6_CONF`'s `DEVCONF_*`); indexes without a name are shown
    /// by number.
    NamedArray(Scalar, &'static Enum),
    /// Back-to-back C structs (`NHA_GROUP`'s `struct nexthop_grp`s).
    StructArray(&'static Struct),
    /// A C struct, then attributes (`VETH_INFO_PEER`: `ifinfomsg` and the
    /// peer's `IFLA_*`).
    StructAttrs(&'static Struct, &'static AttrSet),
    /// Records, each a struct whose first field (`u16`) is the record's
    /// length, then attributes up to that length (`RTA_MULTIPATH`'s
    /// `struct rtnexthop`s with their gateways).
    Records(&'static Struct, &'static AttrSet),
    /// `struct nla_bitfield32`: value and selector.
    Bitfield32,
    Nest(&'static AttrSet),
    /// A nest whose attribute numbers are indexes; each element is read as
    /// the given attribute describes.
    IndexedArray(&'static Attr),
    /// A nest whose attribute numbers mean nothing (the kernel walks it
    /// with `nla_for_each_nested`, ignoring them): every element is read
    /// as the given attribute, keeps its name and shows the number sent
    /// (libnftnl numbers set elements 1..n, the kernel sends all as 1).
    TypelessList(&'static Attr),
    /// A nest whose attribute numbers are values (ids), `depth` levels deep,
    /// the innermost holding the set.
    NestTypeValue {
        set: &'static AttrSet,
        keys: &'static [&'static str],
    },
    /// A payload whose format is chosen by the string value of a sibling
    /// attribute (`IFLA_INFO_KIND` selects `IFLA_INFO_DATA`'s format).
    SubMessage {
        msg: &'static SubMessage,
        selector: u16,
    },
}

/// Formats selected by a sibling attribute's value.
#[derive(Debug)]
pub struct SubMessage {
    pub name: &'static str,
    pub formats: &'static [Format],
}

#[derive(Debug)]
pub struct Format {
    pub value: &'static str,
    pub header: Option<&'static Struct>,
    pub attrs: Option<&'static AttrSet>,
}
