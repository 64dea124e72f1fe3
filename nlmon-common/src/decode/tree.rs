//! The decoded form of a buffer: messages, each a tree of nodes with names,
//! numbers, typed values and the bytes they came from. Text and JSON outputs
//! are views of it.

use alloc::{boxed::Box, string::String, vec::Vec};

use serde::Serialize;

/// `struct nlmsghdr`, raw numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Header {
    pub len: u32,
    pub ty: u16,
    pub flags: u16,
    pub seq: u32,
    pub pid: u32,
}

/// One netlink message, or bytes that could not be one (then `malformed` says
/// why and `body` holds them as hex).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Message {
    /// Netlink protocol of the socket (`NETLINK_ROUTE` 0, ...).
    pub protocol: u32,
    /// Byte range in the decoded buffer.
    pub range: (u32, u32),
    pub header: Header,
    /// `RTM_NEWADDR`, `ethtool:ETHTOOL_MSG_LINKINFO_GET`; `None` when unknown.
    pub type_name: Option<&'static str>,
    /// Generic netlink family or netfilter subsystem, when known.
    pub family: Option<String>,
    /// What the message's table says it does (`Get` reads state), when the
    /// type is in a table.
    #[serde(skip)]
    pub op: Option<super::table::OpKind>,
    /// Header flags by name, as they mean for this kind of message.
    pub flag_names: Vec<&'static str>,
    /// Flag bits without a name.
    pub flags_unknown: u16,
    /// `NLMSG_ERROR` and `NLMSG_DONE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorInfo>,
    /// Fixed-header fields, then attributes.
    pub body: Vec<Node>,
    /// The message or something in it ends early.
    pub truncated: bool,
    /// Not a message: why the bytes could not be read as one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub malformed: Option<String>,
}

/// An error or acknowledgement (`NLMSG_ERROR`), or a dump's end (`NLMSG_DONE`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ErrorInfo {
    /// The (positive) errno; 0 is an acknowledgement.
    pub errno: i32,
    /// `ENOENT`
    pub name: Option<&'static str>,
    /// `No such file or directory`
    pub text: Option<&'static str>,
    /// The request being answered: its header only when the kernel capped
    /// it (`NLM_F_CAPPED`), else the whole request, decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<Box<Message>>,
    /// `NLMSGERR_ATTR_MSG`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Where `message` came from when the reply did not carry it:
    /// `"tracepoint"`, the kernel's `netlink:netlink_extack` tracepoint
    /// (the requester had not set `NETLINK_EXT_ACK`; nlmon adds it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_source: Option<&'static str>,
    /// `NLMSGERR_ATTR_OFFS`: offset into the request, and the attribute
    /// there when the request was echoed whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offending: Option<String>,
    /// All extended-ack attributes, decoded.
    pub extack: Vec<Node>,
}

/// One header field or attribute.
#[derive(Clone, Debug, Serialize)]
pub struct Node {
    /// `IFA_LOCAL`, `ifa_family`; empty when unknown, and for the elements
    /// of an indexed array (whose `number` is the index).
    pub name: &'static str,
    /// The attribute type number (`None` for struct fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<u64>,
    pub value: Value,
    /// Byte range in the buffer (the whole attribute, header included).
    pub range: (u32, u32),
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Node>,
    #[serde(skip_serializing_if = "is_false")]
    pub truncated: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub redacted: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub unknown: bool,
    /// The interface's name, when the node holds an interface index and
    /// the name is known (enrichment, not from the message's bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ifname: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Node {
    pub fn new(name: &'static str, number: Option<u64>, value: Value, range: (u32, u32)) -> Self {
        Self {
            name,
            number,
            value,
            range,
            children: Vec::new(),
            truncated: false,
            redacted: false,
            unknown: false,
            ifname: None,
        }
    }
}

/// A typed value. Serialized as the most natural JSON: numbers, strings
/// (addresses in their usual notation, bytes in hex), names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Nests (their content is in `children`) and values not shown.
    None,
    /// A flag attribute: present.
    Present,
    Unsigned(u64),
    Signed(i64),
    /// An integer best read in hex (display hint `hex`).
    Hex(u64),
    /// An enumerated value, with its name when known.
    Enum {
        raw: u64,
        name: Option<&'static str>,
    },
    /// Bit flags by name; bits without a name in `unknown`.
    Flags {
        raw: u64,
        names: Vec<&'static str>,
        unknown: u64,
    },
    /// `nla_bitfield32`: value and selector, both as flags.
    Bitfield {
        value: u32,
        selector: u32,
        names: Vec<&'static str>,
    },
    Str(String),
    Bytes(Vec<u8>),
    Ipv4([u8; 4]),
    Ipv6([u8; 16]),
    Mac(Vec<u8>),
    Uuid([u8; 16]),
    /// A run of integers.
    Array(Vec<i128>),
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use alloc::string::ToString;
        match self {
            Value::None => s.serialize_none(),
            Value::Present => s.serialize_bool(true),
            Value::Unsigned(v) => s.serialize_u64(*v),
            Value::Signed(v) => s.serialize_i64(*v),
            Value::Hex(v) => s.serialize_u64(*v),
            Value::Enum { raw, name } => match name {
                Some(n) => s.serialize_str(n),
                None => s.serialize_u64(*raw),
            },
            Value::Flags { names, unknown, .. } => {
                use serde::ser::SerializeSeq;
                let mut seq = s.serialize_seq(None)?;
                for n in names {
                    seq.serialize_element(n)?;
                }
                if *unknown != 0 {
                    seq.serialize_element(&alloc::format!("{unknown:#x}"))?;
                }
                seq.end()
            }
            Value::Str(v) => s.serialize_str(v),
            Value::Array(v) => {
                use serde::ser::SerializeSeq;
                let mut seq = s.serialize_seq(Some(v.len()))?;
                for x in v {
                    seq.serialize_element(x)?;
                }
                seq.end()
            }
            // Everything else reads best as its text form.
            other => s.serialize_str(&other.to_string()),
        }
    }
}
