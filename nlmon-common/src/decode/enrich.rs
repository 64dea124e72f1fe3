//! Enrichment while decoding: interface names beside the interface indexes
//! a message carries. The caller knows the names (in the message's own
//! network namespace); the walk knows where the indexes are. Every output
//! of the walk gets the name as data: the tree as [`Node::ifname`], the
//! one-line summary as `ifa_index=5(veth0)`, JSON as `"ifname"`.
//!
//! [`Node::ifname`]: super::Node::ifname

use super::{
    out::{Out, Val},
    tree::{Message, Node, Value},
};

/// Names for interface indexes, as the caller can find them.
pub trait Names {
    /// The name of interface `index`, if known.
    fn ifname(&mut self, index: u32) -> Option<&str>;

    /// The walk is done with a message (every message of a buffer ends
    /// once, in order): the names asked for since the last call were that
    /// message's.
    fn end_message(&mut self) {}
}

/// Knows no names.
pub struct NoNames;

impl Names for NoNames {
    fn ifname(&mut self, _: u32) -> Option<&str> {
        None
    }
}

/// rtnetlink header fields and attributes that hold an interface index.
pub const IFINDEX_FIELDS: &[&str] = &[
    "ifi_index",
    "ifa_index",
    "ndm_ifindex",
    "tcm_ifindex",
    "rtnh_ifindex",
    "index",
    "ifindex",
    "RTA_OIF",
    "RTA_IIF",
    "IFLA_LINK",
    "IFLA_MASTER",
    "NDA_IFINDEX",
    "NDA_MASTER",
    "NHA_OIF",
    "FRA_OIFNAME_IFINDEX",
    "PREFIX_IFINDEX",
];

/// Whether a node of this name, this deep in the message's body (0: a
/// header field or top-level attribute), holds an interface index. Deeper
/// nodes are named only where an index is all the name can mean (the
/// next hops of `RTA_MULTIPATH`).
pub fn is_ifindex_field(name: &str, depth: usize) -> bool {
    (depth == 0 || name == "rtnh_ifindex") && IFINDEX_FIELDS.contains(&name)
}

/// An index worth naming: a positive integer.
fn index_of(v: &Val<'_>) -> Option<u32> {
    let n = match v {
        Val::Unsigned(n) | Val::Hex(n) => i64::try_from(*n).ok()?,
        Val::Signed(n) => *n,
        Val::Built(Value::Unsigned(n) | Value::Hex(n)) => i64::try_from(*n).ok()?,
        Val::Built(Value::Signed(n)) => *n,
        _ => return None,
    };
    u32::try_from(n).ok().filter(|&i| i > 0)
}

/// Passes the walk on to `inner`, telling it the name after each
/// interface index it can name.
pub struct Enrich<'a, O: Out> {
    inner: &'a mut O,
    names: &'a mut dyn Names,
    /// Per open node: whether it is an index field, and the index it
    /// holds.
    open: alloc::vec::Vec<(bool, Option<u32>)>,
}

impl<'a, O: Out> Enrich<'a, O> {
    pub fn new(inner: &'a mut O, names: &'a mut dyn Names) -> Self {
        Self {
            inner,
            names,
            open: alloc::vec::Vec::new(),
        }
    }

    fn name(&mut self, index: u32) {
        if let Some(n) = self.names.ifname(index) {
            self.inner.ifname(n);
        }
    }
}

impl<O: Out> Out for Enrich<'_, O> {
    fn open(&mut self, name: &'static str, number: Option<u64>, range: (u32, u32), unknown: bool) {
        let field = !unknown && is_ifindex_field(name, self.open.len());
        self.open.push((field, None));
        self.inner.open(name, number, range, unknown);
    }

    fn value(&mut self, v: Val<'_>) {
        if let Some((true, slot)) = self.open.last_mut() {
            *slot = index_of(&v);
        }
        self.inner.value(v);
    }

    fn truncated(&mut self) {
        self.inner.truncated();
    }

    fn redacted(&mut self) {
        self.inner.redacted();
    }

    fn close(&mut self) {
        let index = self.open.pop().and_then(|(_, i)| i);
        self.inner.close();
        if let Some(i) = index {
            self.name(i);
        }
    }

    fn leaf(&mut self, name: &'static str, number: Option<u64>, v: Val<'_>, range: (u32, u32)) {
        let index = is_ifindex_field(name, self.open.len())
            .then(|| index_of(&v))
            .flatten();
        self.inner.leaf(name, number, v, range);
        if let Some(i) = index {
            self.name(i);
        }
    }

    fn nodes(&mut self, nodes: alloc::vec::Vec<Node>) {
        self.inner.nodes(nodes);
    }

    fn hides_children(&self) -> bool {
        self.inner.hides_children()
    }

    fn children_hidden(&mut self) {
        self.inner.children_hidden();
    }

    fn ifname(&mut self, name: &str) {
        self.inner.ifname(name);
    }

    fn end_message(&mut self, m: &mut Message) {
        self.open.clear();
        self.names.end_message();
        self.inner.end_message(m);
    }
}

/// Keeps nothing: a walk only for what [`Enrich`] asks of its [`Names`].
pub struct Discard;

impl Out for Discard {
    fn open(&mut self, _: &'static str, _: Option<u64>, _: (u32, u32), _: bool) {}
    fn value(&mut self, _: Val<'_>) {}
    fn truncated(&mut self) {}
    fn redacted(&mut self) {}
    fn close(&mut self) {}
}
