//! Where the table-driven walk puts what it finds. The engine walks the
//! bytes once and tells an [`Out`] about each node as it meets it; the tree
//! of [`Node`]s is one such output ([`TreeOut`]), the one-line summary
//! another (`line::LineOut`, which never builds the tree), redaction a
//! third. Values arrive as [`Val`]s borrowing the buffer, so an output that
//! does not keep them pays for no copies.

use alloc::vec::Vec;

use super::{
    engine::{flag_names, sign_extend, text, uint},
    table::{Enum, Order, Scalar},
    tree::{Message, Node, Value},
};

/// A value as the walk reads it: numbers decoded, bytes still in the buffer.
#[derive(Clone, Copy, Debug)]
pub enum Val<'a> {
    Present,
    Unsigned(u64),
    Signed(i64),
    Hex(u64),
    Enum {
        raw: u64,
        name: Option<&'static str>,
    },
    /// Bits of `raw` named by a flags enum.
    Flags {
        raw: u64,
        e: &'static Enum,
    },
    /// `nla_bitfield32`; `e` is a flags enum naming the value's bits.
    Bitfield {
        value: u32,
        selector: u32,
        e: Option<&'static Enum>,
    },
    /// Text up to the first NUL.
    Str(&'a [u8]),
    Bytes(&'a [u8]),
    Ipv4([u8; 4]),
    Ipv6([u8; 16]),
    Mac(&'a [u8]),
    Uuid([u8; 16]),
    /// Back-to-back scalars (a trailing partial one is ignored).
    Array {
        scalar: Scalar,
        order: Order,
        bytes: &'a [u8],
    },
    /// A value already built (hand-written decoders that make nodes).
    Built(&'a Value),
}

impl Val<'_> {
    /// The owned form kept in a tree.
    #[inline]
    pub fn to_value(self) -> Value {
        match self {
            Val::Present => Value::Present,
            Val::Unsigned(v) => Value::Unsigned(v),
            Val::Signed(v) => Value::Signed(v),
            Val::Hex(v) => Value::Hex(v),
            Val::Enum { raw, name } => Value::Enum { raw, name },
            Val::Flags { raw, e } => {
                let (names, unknown) = flag_names(e, raw);
                Value::Flags {
                    raw,
                    names,
                    unknown,
                }
            }
            Val::Bitfield { value, selector, e } => Value::Bitfield {
                value,
                selector,
                names: e.map(|e| flag_names(e, value as u64).0).unwrap_or_default(),
            },
            Val::Str(b) => Value::Str(text(b)),
            Val::Bytes(b) => Value::Bytes(b.to_vec()),
            Val::Ipv4(a) => Value::Ipv4(a),
            Val::Ipv6(a) => Value::Ipv6(a),
            Val::Mac(b) => Value::Mac(b.to_vec()),
            Val::Uuid(a) => Value::Uuid(a),
            Val::Array {
                scalar,
                order,
                bytes,
            } => Value::Array(array_items(scalar, order, bytes).collect()),
            Val::Built(v) => v.clone(),
        }
    }
}

/// The integers of an array attribute, sign-extended where signed.
pub fn array_items(s: Scalar, order: Order, b: &[u8]) -> impl Iterator<Item = i128> + '_ {
    let size = s.size();
    b.chunks_exact(size).map(move |chunk| {
        let v = uint(chunk, order).unwrap_or(0);
        if s.signed() {
            sign_extend(v, size) as i128
        } else {
            v as i128
        }
    })
}

/// Receives the nodes of a walk, depth first: `open`, then the node's
/// value or its children, marks, and `close`. Marks (`truncated`,
/// `redacted`) apply to the innermost open node; `redacted` comes before
/// anything else of its node.
pub trait Out {
    fn open(&mut self, name: &'static str, number: Option<u64>, range: (u32, u32), unknown: bool);
    fn value(&mut self, v: Val<'_>);
    fn truncated(&mut self);
    fn redacted(&mut self);
    fn close(&mut self);

    /// A node without children.
    #[inline]
    fn leaf(&mut self, name: &'static str, number: Option<u64>, v: Val<'_>, range: (u32, u32)) {
        self.open(name, number, range, false);
        self.value(v);
        self.close();
    }

    /// Nodes built elsewhere (hand-written decoders), replayed.
    fn nodes(&mut self, nodes: Vec<Node>) {
        for n in &nodes {
            replay(self, n);
        }
    }

    /// True when the innermost open node's children would not be shown
    /// one by one (the summary's `{…}`): the walk then goes through them
    /// with [`Skim`] and reports only [`Out::children_hidden`].
    fn hides_children(&self) -> bool {
        false
    }

    /// The innermost open node has children, not reported one by one.
    fn children_hidden(&mut self) {}

    /// The node just closed (or the leaf just written) holds the index of
    /// the interface of this name (see `enrich`).
    fn ifname(&mut self, _name: &str) {}

    /// A message's nodes are all out; `m` holds its header, names, flags
    /// and error.
    fn end_message(&mut self, _m: &mut Message) {}
}

fn replay<O: Out + ?Sized>(out: &mut O, n: &Node) {
    out.open(n.name, n.number, n.range, n.unknown);
    if n.redacted {
        out.redacted();
    }
    if n.value != Value::None {
        out.value(Val::Built(&n.value));
    }
    for c in &n.children {
        replay(out, c);
    }
    if n.truncated {
        out.truncated();
    }
    out.close();
}

/// Builds the tree. Every node is made in place in one list; when a node
/// closes, the nodes after it (its children) move into it, so each node's
/// children are one allocation of the exact size and nothing else moves.
#[derive(Default)]
pub struct TreeOut {
    /// Where the nodes not closed yet are in `nodes`, innermost last.
    open: Vec<usize>,
    nodes: Vec<Node>,
}

impl TreeOut {
    /// The top-level nodes so far, leaving this empty for the next message.
    pub fn take(&mut self) -> Vec<Node> {
        self.open.clear();
        self.nodes.split_off(0)
    }

    #[inline]
    fn current(&mut self) -> Option<&mut Node> {
        let &at = self.open.last()?;
        self.nodes.get_mut(at)
    }
}

impl Out for TreeOut {
    #[inline]
    fn open(&mut self, name: &'static str, number: Option<u64>, range: (u32, u32), unknown: bool) {
        self.open.push(self.nodes.len());
        let mut n = Node::new(name, number, Value::None, range);
        n.unknown = unknown;
        self.nodes.push(n);
    }

    #[inline]
    fn value(&mut self, v: Val<'_>) {
        if let Some(n) = self.current() {
            n.value = v.to_value();
        }
    }

    fn truncated(&mut self) {
        if let Some(n) = self.current() {
            n.truncated = true;
        }
    }

    fn redacted(&mut self) {
        if let Some(n) = self.current() {
            n.redacted = true;
        }
    }

    #[inline]
    fn close(&mut self) {
        let Some(at) = self.open.pop() else {
            return;
        };
        if self.nodes.len() > at + 1 {
            let children = self.nodes.split_off(at + 1);
            if let Some(n) = self.nodes.get_mut(at) {
                n.children = children;
            }
        }
    }

    #[inline]
    fn leaf(&mut self, name: &'static str, number: Option<u64>, v: Val<'_>, range: (u32, u32)) {
        self.nodes
            .push(Node::new(name, number, v.to_value(), range));
    }

    fn nodes(&mut self, nodes: Vec<Node>) {
        self.nodes.extend(nodes);
    }

    fn ifname(&mut self, name: &str) {
        // The node just closed, or the leaf just pushed, is the last one.
        if let Some(n) = self.nodes.last_mut() {
            n.ifname = Some(name.into());
        }
    }

    fn end_message(&mut self, m: &mut Message) {
        m.body = self.take();
    }
}

/// Keeps nothing: a dry run that only learns what the walk returns
/// (whether a nest parses whole).
pub struct NullOut;

impl Out for NullOut {
    fn open(&mut self, _: &'static str, _: Option<u64>, _: (u32, u32), _: bool) {}
    fn value(&mut self, _: Val<'_>) {}
    fn truncated(&mut self) {}
    fn redacted(&mut self) {}
    fn close(&mut self) {}
    fn nodes(&mut self, _: Vec<Node>) {}
}

/// Notes only whether a walk found any node at its top level.
#[derive(Default)]
pub struct Skim {
    depth: u32,
    pub children: bool,
}

impl Out for Skim {
    fn open(&mut self, _: &'static str, _: Option<u64>, _: (u32, u32), _: bool) {
        self.children |= self.depth == 0;
        self.depth += 1;
    }
    fn value(&mut self, _: Val<'_>) {}
    fn truncated(&mut self) {}
    fn redacted(&mut self) {}
    fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
    fn nodes(&mut self, nodes: Vec<Node>) {
        self.children |= self.depth == 0 && !nodes.is_empty();
    }
}

/// Collects the byte ranges of redacted values: an attribute's payload (its
/// 4-byte header stays), or a field's bytes.
#[derive(Default)]
pub struct SecretsOut {
    /// (attribute?, range) of each open node.
    open: Vec<(bool, (u32, u32))>,
    pub ranges: Vec<(u32, u32)>,
}

impl SecretsOut {
    fn add(&mut self, attr: bool, (a, b): (u32, u32)) {
        let skip = if attr { 4 } else { 0 };
        self.ranges.push((a.saturating_add(skip).min(b), b));
    }

    /// The redacted ranges of a tree built elsewhere.
    pub fn collect(&mut self, nodes: &[Node]) {
        for n in nodes {
            if n.redacted {
                self.add(n.number.is_some(), n.range);
            }
            self.collect(&n.children);
        }
    }
}

impl Out for SecretsOut {
    fn open(&mut self, _: &'static str, number: Option<u64>, range: (u32, u32), _: bool) {
        self.open.push((number.is_some(), range));
    }
    fn value(&mut self, _: Val<'_>) {}
    fn truncated(&mut self) {}
    fn redacted(&mut self) {
        if let Some(&(attr, r)) = self.open.last() {
            self.add(attr, r);
        }
    }
    fn close(&mut self) {
        self.open.pop();
    }
    fn nodes(&mut self, nodes: Vec<Node>) {
        self.collect(&nodes);
    }

    fn end_message(&mut self, m: &mut Message) {
        // An echoed request is decoded as a tree (see `decode_error`).
        if let Some(req) = m.error.as_ref().and_then(|e| e.request.as_ref()) {
            self.collect(&req.body);
        }
    }
}
