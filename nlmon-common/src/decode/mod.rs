//! Decoding netlink messages into trees of named, typed values, driven by
//! tables (generated from the kernel's YNL specs, or written by hand from UAPI
//! headers). Anything unknown or cut short is kept as numbers and hex and
//! marked; no input makes it panic.
//!
//! ```text
//! Decoder::decode(protocol, bytes) -> [Message]
//! Message::summary() / Message::tree()   (text views; serde for JSON)
//! ```

mod engine;
pub mod enrich;
mod errno;
pub mod flags;
pub mod generated;
mod json;
mod line;
mod message;
pub mod objects;
mod out;
mod render;
mod rtnl_names;
pub mod table;
pub mod tables;
mod tree;

use alloc::{collections::BTreeMap, string::String, vec::Vec};

pub use engine::flag_names;
pub use errno::errno;
pub use tree::{ErrorInfo, Header, Message, Node, Value};

use table::{Dir, Family, MsgDef};

pub use crate::nlmsg::{
    NETLINK_AUDIT, NETLINK_CONNECTOR, NETLINK_GENERIC, NETLINK_KOBJECT_UEVENT, NETLINK_NETFILTER,
    NETLINK_ROUTE, NETLINK_SOCK_DIAG,
};
/// `GENL_ID_CTRL`: nlctrl's fixed family id.
pub const GENL_ID_CTRL: u16 = 16;

#[derive(Clone, Copy, Debug, Default)]
pub struct DecodeOptions {
    /// Show key material instead of `<redacted>`.
    pub show_secrets: bool,
}

/// Every family the decoder knows: generated from specs, then hand-written.
pub fn families() -> impl Iterator<Item = &'static Family> {
    generated::ALL.iter().chain(tables::ALL.iter()).copied()
}

/// Request and reply definitions of one message type.
#[derive(Clone, Copy, Default)]
struct Defs {
    request: Option<&'static MsgDef>,
    reply: Option<&'static MsgDef>,
}

impl Defs {
    fn add(&mut self, d: &'static MsgDef) {
        // The first table to define a type wins.
        if matches!(d.dir, Dir::Request | Dir::Both) && self.request.is_none() {
            self.request = Some(d);
        }
        if matches!(d.dir, Dir::Reply | Dir::Both) && self.reply.is_none() {
            self.reply = Some(d);
        }
    }

    /// The definition for a message going this way, else the other way's.
    fn pick(&self, request: bool) -> Option<&'static MsgDef> {
        if request {
            self.request.or(self.reply)
        } else {
            self.reply.or(self.request)
        }
    }
}

/// A generic netlink family id as learned.
#[derive(Clone, Debug)]
struct GenlFamily {
    name: String,
    table: Option<&'static Family>,
    /// Commands of `table`, by number.
    defs: BTreeMap<u16, Defs>,
}

/// Decodes buffers of netlink messages; remembers what it learns from them
/// (generic netlink family ids).
#[derive(Clone, Debug)]
pub struct Decoder {
    opts: DecodeOptions,
    /// Raw protocols: (protocol, nlmsg_type) -> definitions.
    raw: BTreeMap<(u32, u16), Defs>,
    /// Generic netlink families with tables, by name.
    genl_tables: BTreeMap<&'static str, &'static Family>,
    /// Learned generic netlink ids.
    genl: BTreeMap<u16, GenlFamily>,
}

impl core::fmt::Debug for Defs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Defs")
            .field("request", &self.request.map(|d| d.name))
            .field("reply", &self.reply.map(|d| d.name))
            .finish()
    }
}

impl Decoder {
    pub fn new(opts: DecodeOptions) -> Self {
        let mut d = Self {
            opts,
            raw: BTreeMap::new(),
            genl_tables: BTreeMap::new(),
            genl: BTreeMap::new(),
        };
        for fam in families() {
            d.add_family(fam);
        }
        d.add_genl_family(GENL_ID_CTRL, "nlctrl");
        d
    }

    /// Adds a table besides the built-in ones (a family of the caller's);
    /// where both define a message, the built-in one wins. A generic netlink
    /// table applies to ids registered after it.
    pub fn add_family(&mut self, fam: &'static Family) {
        if fam.protocol == NETLINK_GENERIC {
            self.genl_tables.entry(fam.name).or_insert(fam);
        } else {
            for m in fam.messages {
                self.raw.entry((fam.protocol, m.value)).or_default().add(m);
            }
        }
    }

    pub fn options(&self) -> DecodeOptions {
        self.opts
    }

    /// Changes the options, keeping what was learned.
    pub fn set_options(&mut self, opts: DecodeOptions) {
        self.opts = opts;
    }

    /// Registers a generic netlink family id (from a `CTRL_CMD_GETFAMILY`
    /// dump at start, or seen on the wire).
    pub fn add_genl_family(&mut self, id: u16, name: &str) {
        if self.genl.get(&id).is_some_and(|f| f.name == name) {
            return;
        }
        let table = self.genl_tables.get(name).copied();
        let mut defs: BTreeMap<u16, Defs> = BTreeMap::new();
        for m in table.map(|t| t.messages).unwrap_or(&[]) {
            defs.entry(m.value).or_default().add(m);
        }
        self.genl.insert(
            id,
            GenlFamily {
                name: name.into(),
                table,
                defs,
            },
        );
    }

    /// The name of a learned generic netlink family id.
    pub fn genl_family(&self, id: u16) -> Option<&str> {
        self.genl.get(&id).map(|f| f.name.as_str())
    }

    /// Learns from traffic: generic netlink family ids from nlctrl's
    /// `CTRL_CMD_NEWFAMILY` replies and notifications. Cheap; ignores
    /// anything it does not understand.
    pub fn learn(&mut self, protocol: u32, data: &[u8]) {
        if protocol != NETLINK_GENERIC {
            return;
        }
        for (id, name) in message::new_families(data) {
            self.add_genl_family(id, &name);
        }
    }

    /// The name of a message type as far as the number tells: control
    /// messages, raw protocols' types (a request's name where requests and
    /// replies differ). Generic netlink types are family ids: `None`.
    pub fn type_name(&self, protocol: u32, ty: u16) -> Option<&'static str> {
        const CONTROL: [&str; 4] = ["NLMSG_NOOP", "NLMSG_ERROR", "NLMSG_DONE", "NLMSG_OVERRUN"];
        if (1..=4).contains(&ty) {
            return Some(CONTROL[ty as usize - 1]);
        }
        if protocol == NETLINK_GENERIC {
            return None;
        }
        match self.raw.get(&(protocol, ty)).and_then(|d| d.pick(true)) {
            Some(def) => Some(def.name),
            None if protocol == NETLINK_ROUTE => rtnl_names::name(ty),
            None => None,
        }
    }

    /// Decodes every message in `data` (one captured buffer).
    pub fn decode(&self, protocol: u32, data: &[u8]) -> Vec<Message> {
        message::decode_buffer(self, protocol, data, false, &mut out::TreeOut::default())
    }

    /// [`Decoder::decode`] with interface indexes named by `names`
    /// (rtnetlink; see [`enrich`]).
    pub fn decode_with(
        &self,
        protocol: u32,
        data: &[u8],
        names: &mut dyn enrich::Names,
    ) -> Vec<Message> {
        let mut tree = out::TreeOut::default();
        if protocol != NETLINK_ROUTE {
            return message::decode_buffer(self, protocol, data, false, &mut tree);
        }
        message::decode_buffer(
            self,
            protocol,
            data,
            false,
            &mut enrich::Enrich::new(&mut tree, names),
        )
    }

    /// The attribute an extended ack's offset (`NLMSGERR_ATTR_OFFS`, from
    /// the start of the request's header) points at in `request`, the
    /// request the error answers, with its nest path
    /// (`NFTA_RULE_EXPRESSIONS/NFTA_LIST_ELEM`): for an error whose echo the
    /// kernel capped, when the request itself was captured.
    pub fn offending(&self, protocol: u32, request: &[u8], offset: u32) -> Option<String> {
        let m = self.decode(protocol, request).into_iter().next()?;
        message::path_at(&m.body, m.range.0.checked_add(offset)?)
    }

    /// Walks every message only to ask `names` for the interfaces whose
    /// indexes [`Decoder::decode_with`] would name (rtnetlink), building
    /// neither tree nor text: for an output that keeps the bytes and the
    /// names beside them.
    pub fn name_indexes(&self, protocol: u32, data: &[u8], names: &mut dyn enrich::Names) {
        if protocol == NETLINK_ROUTE {
            let mut discard = enrich::Discard;
            let mut out = enrich::Enrich::new(&mut discard, names);
            message::decode_buffer(self, protocol, data, false, &mut out);
        }
    }

    /// Like [`Decoder::decode`] but stops at what identifies each message:
    /// type and family names, flags, errors; `body` stays empty (but for
    /// generic netlink's `cmd` and `version`). For filtering before paying
    /// for the whole tree.
    pub fn decode_headers(&self, protocol: u32, data: &[u8]) -> Vec<Message> {
        message::decode_buffer(self, protocol, data, true, &mut out::TreeOut::default())
    }

    /// Each message's one-line summary, exactly as [`Message::summary`] of
    /// [`Decoder::decode`]'s messages, with the messages as
    /// [`Decoder::decode_headers`] gives them (the tree is not built: this
    /// is several times cheaper than decoding).
    pub fn summaries(&self, protocol: u32, data: &[u8]) -> Vec<(Message, String)> {
        self.summaries_with(protocol, data, &mut enrich::NoNames)
    }

    /// [`Decoder::summaries`] with interface indexes named by `names`, as
    /// [`Decoder::decode_with`] names them in the tree.
    pub fn summaries_with(
        &self,
        protocol: u32,
        data: &[u8],
        names: &mut dyn enrich::Names,
    ) -> Vec<(Message, String)> {
        let mut out = line::LineOut::default();
        let mut msgs = if protocol == NETLINK_ROUTE {
            message::decode_buffer(
                self,
                protocol,
                data,
                false,
                &mut enrich::Enrich::new(&mut out, names),
            )
        } else {
            message::decode_buffer(self, protocol, data, false, &mut out)
        };
        for m in &mut msgs {
            // Only an echoed request was built as a tree; headers keep none.
            m.body.clear();
        }
        msgs.into_iter().zip(out.lines).collect()
    }

    /// The byte ranges of `data` that hold secrets (values shown as
    /// `<redacted>` unless [`DecodeOptions::show_secrets`]), without
    /// building trees: what a recorder zeroes before storing a buffer.
    pub fn secret_ranges(&self, protocol: u32, data: &[u8]) -> Vec<(u32, u32)> {
        let mut out = out::SecretsOut::default();
        message::decode_buffer(self, protocol, data, false, &mut out);
        out.ranges
    }
}
