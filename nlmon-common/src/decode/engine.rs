//! The table-driven walk over structs and attribute streams. Every read is
//! bounds-checked: short, overlong or unknown input becomes hex nodes marked
//! `truncated` or `unknown`, never a panic.

use alloc::{string::String, vec::Vec};

use super::{
    table::{Attr, AttrKind, AttrSet, Enum, Field, FieldKind, Hint, Order, Scalar, Struct},
    tables,
    tree::{Node, Value},
};

/// Nesting deeper than this is shown as bytes (specs have recursive sets,
/// and hostile input can nest without end).
const MAX_DEPTH: u32 = 24;

pub const NLA_HDRLEN: usize = 4;
const NLA_F_NESTED: u16 = 0x8000;
const NLA_F_NET_BYTEORDER: u16 = 0x4000;
const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

/// What the walk needs besides the bytes.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub show_secrets: bool,
    pub depth: u32,
    /// Names and headers only: no fixed header fields, no attributes.
    pub shallow: bool,
}

impl Ctx {
    fn deeper(self) -> Self {
        Self {
            depth: self.depth + 1,
            ..self
        }
    }
}

fn range(off: usize, len: usize) -> (u32, u32) {
    (off as u32, (off + len) as u32)
}

/// An unsigned integer of 1, 2, 4 or 8 bytes.
pub fn uint(b: &[u8], order: Order) -> Option<u64> {
    let mut w = [0u8; 8];
    match b.len() {
        1 | 2 | 4 | 8 => {}
        _ => return None,
    }
    match order {
        Order::Host => {
            // Little-endian hosts only store the low bytes first; build
            // through from_ne so big-endian hosts are right too.
            let v = match b.len() {
                1 => b[0] as u64,
                2 => u16::from_ne_bytes([b[0], b[1]]) as u64,
                4 => u32::from_ne_bytes([b[0], b[1], b[2], b[3]]) as u64,
                _ => {
                    w.copy_from_slice(b);
                    u64::from_ne_bytes(w)
                }
            };
            Some(v)
        }
        Order::Big => {
            w[8 - b.len()..].copy_from_slice(b);
            Some(u64::from_be_bytes(w))
        }
    }
}

fn sign_extend(v: u64, size: usize) -> i64 {
    let shift = 64 - 8 * size as u32;
    ((v << shift) as i64) >> shift
}

/// Names of the bits of `raw` that `e` knows, and the rest.
pub fn flag_names(e: &Enum, raw: u64) -> (Vec<&'static str>, u64) {
    let mut names = Vec::new();
    let mut rest = raw;
    for &(mask, name) in e.entries {
        if mask != 0 && raw & mask == mask {
            names.push(name);
            rest &= !mask;
        }
    }
    (names, rest)
}

/// An integer as its enum, flags or hint say.
fn number_value(v: u64, signed: Option<usize>, e: Option<&'static Enum>, hint: Hint) -> Value {
    if let Some(e) = e {
        if e.flags {
            let (names, unknown) = flag_names(e, v);
            return Value::Flags {
                raw: v,
                names,
                unknown,
            };
        }
        return Value::Enum {
            raw: v,
            name: e.name_of(v),
        };
    }
    match (hint, signed) {
        (Hint::Hex, _) => Value::Hex(v),
        (_, Some(size)) => Value::Signed(sign_extend(v, size)),
        _ => Value::Unsigned(v),
    }
}

/// Bytes as a hint says (an address, a MAC, a UUID) or as hex.
pub fn bytes_value(b: &[u8], hint: Hint) -> Value {
    match (hint, b.len()) {
        (Hint::Ipv4 | Hint::Ip, 4) => Value::Ipv4([b[0], b[1], b[2], b[3]]),
        (Hint::Ipv6 | Hint::Ip, 16) | (Hint::Uuid, 16) => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            if hint == Hint::Uuid {
                Value::Uuid(a)
            } else {
                Value::Ipv6(a)
            }
        }
        (Hint::Mac, 1..=32) => Value::Mac(b.to_vec()),
        (Hint::Text, _) => Value::Str(text(b)),
        _ => Value::Bytes(b.to_vec()),
    }
}

/// A scalar of a known size from the start of `b`; `None` if `b` is shorter.
fn scalar_value(
    s: Scalar,
    b: &[u8],
    order: Order,
    hint: Hint,
    e: Option<&'static Enum>,
) -> Option<Value> {
    let size = s.size();
    let raw = b.get(..size)?;
    // IPv4 addresses kept in a u32 (big-endian on the wire).
    if size == 4 && matches!(hint, Hint::Ipv4 | Hint::Ip) {
        return Some(Value::Ipv4([raw[0], raw[1], raw[2], raw[3]]));
    }
    let v = uint(raw, order)?;
    Some(number_value(v, s.signed().then_some(size), e, hint))
}

/// The fields of a struct read from `b` (at buffer offset `off`). Returns the
/// nodes, the bytes used, and whether `b` ended inside the struct.
pub fn decode_struct(
    st: &'static Struct,
    b: &[u8],
    off: usize,
    ctx: Ctx,
) -> (Vec<Node>, usize, bool) {
    let mut nodes = Vec::with_capacity(st.fields.len());
    let mut pos = 0usize;
    for f in st.fields {
        let size = field_size(f, ctx.depth);
        let rest = b.get(pos..).unwrap_or(&[]);
        if rest.len() < size {
            if !rest.is_empty() {
                let mut n = Node::new(
                    f.name,
                    None,
                    Value::Bytes(rest.to_vec()),
                    range(off + pos, rest.len()),
                );
                n.truncated = true;
                nodes.push(n);
            }
            return (nodes, b.len(), true);
        }
        let raw = &rest[..size];
        let r = range(off + pos, size);
        pos += size;
        match f.kind {
            FieldKind::Pad(_) => {}
            FieldKind::Scalar(s) => {
                let v = scalar_value(s, raw, f.order, f.hint, f.enumeration)
                    .unwrap_or_else(|| Value::Bytes(raw.to_vec()));
                nodes.push(Node::new(f.name, None, v, r));
            }
            FieldKind::Bytes(_) => nodes.push(Node::new(f.name, None, bytes_value(raw, f.hint), r)),
            FieldKind::Struct(inner) => {
                let mut n = Node::new(f.name, None, Value::None, r);
                if ctx.depth < MAX_DEPTH {
                    n.children = decode_struct(inner, raw, r.0 as usize, ctx.deeper()).0;
                } else {
                    n.value = Value::Bytes(raw.to_vec());
                }
                nodes.push(n);
            }
        }
    }
    (nodes, pos, false)
}

/// Bytes a struct takes.
fn struct_size(st: &Struct, depth: u32) -> usize {
    st.fields.iter().map(|f| field_size(f, depth)).sum()
}

/// Bytes a field takes.
fn field_size(f: &Field, depth: u32) -> usize {
    match f.kind {
        FieldKind::Scalar(s) => s.size(),
        FieldKind::Bytes(n) | FieldKind::Pad(n) => n as usize,
        FieldKind::Struct(st) if depth < MAX_DEPTH => {
            st.fields.iter().map(|f| field_size(f, depth + 1)).sum()
        }
        FieldKind::Struct(_) => 0,
    }
}

/// One attribute as found in a stream.
struct Raw<'a> {
    ty: u16,
    flags: u16,
    /// The payload present (shorter than declared when truncated).
    payload: &'a [u8],
    /// Bytes of the whole attribute present, header included.
    len: usize,
    truncated: bool,
}

/// Walks the attribute headers of a stream; a bad length ends it with the
/// rest as one malformed entry.
enum Step<'a> {
    Attr(Raw<'a>),
    /// Bytes that are not an attribute (length below the header size, or
    /// fewer bytes than a header).
    Junk(&'a [u8]),
}

fn next_attr(b: &[u8]) -> Option<Step<'_>> {
    if b.is_empty() {
        return None;
    }
    if b.len() < NLA_HDRLEN {
        return Some(Step::Junk(b));
    }
    let len = u16::from_ne_bytes([b[0], b[1]]) as usize;
    let t = u16::from_ne_bytes([b[2], b[3]]);
    if len < NLA_HDRLEN {
        return Some(Step::Junk(b));
    }
    let have = len.min(b.len());
    Some(Step::Attr(Raw {
        ty: t & NLA_TYPE_MASK,
        flags: t & !NLA_TYPE_MASK,
        payload: &b[NLA_HDRLEN..have],
        len: have,
        truncated: len > b.len(),
    }))
}

/// The payload of the first attribute of type `ty` in a stream.
pub fn find_attr(b: &[u8], ty: u16) -> Option<&[u8]> {
    let mut pos = 0usize;
    while let Some(Step::Attr(a)) = next_attr(b.get(pos..)?) {
        if a.ty == ty {
            return Some(a.payload);
        }
        pos = (pos + a.len + 3) & !3;
    }
    None
}

/// A string attribute's text without its terminating NULs.
pub fn text(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// Decodes a stream of attributes at buffer offset `off` with `set` (or
/// none: every attribute unknown). Returns the nodes and whether the stream
/// ended early.
pub fn decode_attrs(
    set: Option<&'static AttrSet>,
    b: &[u8],
    off: usize,
    ctx: Ctx,
) -> (Vec<Node>, bool) {
    let mut nodes = Vec::new();
    let mut truncated = false;
    let mut pos = 0usize;
    while let Some(step) = next_attr(b.get(pos..).unwrap_or(&[])) {
        match step {
            Step::Junk(rest) => {
                // Alignment padding the message ends with is not junk.
                if rest.iter().any(|&c| c != 0) || rest.len() >= NLA_HDRLEN {
                    let mut n = Node::new(
                        "",
                        None,
                        Value::Bytes(rest.to_vec()),
                        range(off + pos, rest.len()),
                    );
                    n.unknown = true;
                    n.truncated = true;
                    nodes.push(n);
                    truncated = true;
                }
                break;
            }
            Step::Attr(a) => {
                let attr = set.and_then(|s| s.get(a.ty));
                let mut n = decode_attr(attr, &a, b, off + pos, ctx);
                if a.truncated {
                    n.truncated = true;
                    truncated = true;
                }
                truncated |= n.truncated;
                nodes.push(n);
                pos = (pos + a.len + 3) & !3;
            }
        }
    }
    (nodes, truncated)
}

/// One attribute: `siblings` is the whole stream it is in (a sub-message
/// looks its selector up there).
fn decode_attr(
    attr: Option<&'static Attr>,
    a: &Raw<'_>,
    siblings: &[u8],
    off: usize,
    ctx: Ctx,
) -> Node {
    let r = range(off, a.len);
    let poff = off + NLA_HDRLEN;
    let Some(attr) = attr else {
        return unknown_attr(a, r, poff, ctx);
    };
    let mut n = Node::new(attr.name, Some(a.ty as u64), Value::None, r);
    if attr.secret && !ctx.show_secrets {
        // A secret struct (`struct xfrm_algo`) keeps its header (the
        // algorithm's name, the key length); the key after it is hidden.
        if let AttrKind::Struct(st) = attr.kind {
            let (children, used, _) = decode_struct(st, a.payload, off + NLA_HDRLEN, ctx.deeper());
            n.children = children;
            if used < a.payload.len() {
                let mut key = Node::new(
                    "key",
                    None,
                    Value::None,
                    range(off + NLA_HDRLEN + used, a.payload.len() - used),
                );
                key.redacted = true;
                n.children.push(key);
            }
        } else {
            n.redacted = true;
        }
        return n;
    }
    if ctx.depth >= MAX_DEPTH {
        n.value = Value::Bytes(a.payload.to_vec());
        return n;
    }
    let p = a.payload;
    let order = if a.flags & NLA_F_NET_BYTEORDER != 0 {
        Order::Big
    } else {
        attr.order
    };
    match attr.kind {
        AttrKind::Unused | AttrKind::Binary => match tables::binary_override(attr.name) {
            // A spec's plain `binary` that has a structure after all.
            Some(better) => {
                let mut o = decode_attr(Some(better), a, siblings, off, ctx);
                o.name = attr.name;
                return o;
            }
            None => n.value = bytes_value(p, attr.hint),
        },
        AttrKind::Records(st, set) => {
            let head = struct_size(st, ctx.depth);
            let mut pos = 0;
            let mut i = 0;
            while pos < p.len() {
                let rest = &p[pos..];
                let len = rest
                    .get(..2)
                    .map_or(0, |b| usize::from(u16::from_ne_bytes([b[0], b[1]])));
                if len < head || len > rest.len() {
                    // A record that does not fit: the rest as bytes.
                    let mut bad = Node::new(
                        "",
                        None,
                        Value::Bytes(rest.to_vec()),
                        range(poff + pos, rest.len()),
                    );
                    bad.unknown = true;
                    bad.truncated = a.truncated || len > rest.len();
                    n.truncated |= bad.truncated;
                    n.children.push(bad);
                    break;
                }
                let (children, _, _) = decode_struct(st, &rest[..head], poff + pos, ctx.deeper());
                let mut item = Node::new(st.name, Some(i), Value::None, range(poff + pos, len));
                item.children = children;
                let (c, t) =
                    decode_attrs(Some(set), &rest[head..len], poff + pos + head, ctx.deeper());
                item.children.extend(c);
                item.truncated = t;
                n.children.push(item);
                pos += len.next_multiple_of(4);
                i += 1;
            }
        }
        AttrKind::Pad => n.value = Value::Bytes(p.to_vec()),
        AttrKind::Flag => {
            n.value = Value::Present;
        }
        AttrKind::Scalar(s) => match scalar_value(s, p, order, attr.hint, attr.enumeration) {
            Some(v) if p.len() == s.size() || !a.truncated => n.value = v,
            _ => {
                n.value = Value::Bytes(p.to_vec());
                n.truncated = a.truncated;
            }
        },
        AttrKind::Uint | AttrKind::Sint => match uint(p, order) {
            Some(v) => {
                let signed = matches!(attr.kind, AttrKind::Sint).then_some(p.len());
                n.value = number_value(v, signed, attr.enumeration, attr.hint);
            }
            None => n.value = Value::Bytes(p.to_vec()),
        },
        AttrKind::String => n.value = Value::Str(text(p)),
        AttrKind::Struct(st) => {
            let (children, used, short) = decode_struct(st, p, poff, ctx.deeper());
            n.children = children;
            n.truncated = short && a.truncated;
            if used < p.len() {
                let mut extra = Node::new(
                    "",
                    None,
                    Value::Bytes(p[used..].to_vec()),
                    range(poff + used, p.len() - used),
                );
                extra.unknown = true;
                n.children.push(extra);
            }
        }
        AttrKind::Array(s) => {
            let size = s.size();
            let mut items = Vec::with_capacity(p.len() / size);
            for chunk in p.chunks_exact(size) {
                let v = uint(chunk, order).unwrap_or(0);
                items.push(if s.signed() {
                    sign_extend(v, size) as i128
                } else {
                    v as i128
                });
            }
            n.value = Value::Array(items);
            if !p.len().is_multiple_of(size) {
                n.truncated = a.truncated;
            }
        }
        AttrKind::StructAttrs(st, set) => {
            let (children, used, short) = decode_struct(st, p, poff, ctx.deeper());
            n.children = children;
            n.truncated |= short;
            // Attributes start at the 4-byte boundary after the struct.
            let used = used.next_multiple_of(4).min(p.len());
            let (c, t) = decode_attrs(Some(set), &p[used..], poff + used, ctx.deeper());
            n.children.extend(c);
            n.truncated |= t;
        }
        AttrKind::StructArray(st) => {
            // One child per element, numbered by its index.
            let size = struct_size(st, ctx.depth);
            let mut pos = 0;
            while size > 0 && pos < p.len() {
                let chunk = &p[pos..(pos + size).min(p.len())];
                let (children, _, short) = decode_struct(st, chunk, poff + pos, ctx.deeper());
                let mut item = Node::new(
                    st.name,
                    Some((pos / size) as u64),
                    Value::None,
                    range(poff + pos, chunk.len()),
                );
                item.children = children;
                item.truncated = short;
                n.children.push(item);
                pos += size;
            }
        }
        AttrKind::Bitfield32 => {
            if p.len() >= 8 {
                let value = u32::from_ne_bytes([p[0], p[1], p[2], p[3]]);
                let selector = u32::from_ne_bytes([p[4], p[5], p[6], p[7]]);
                let names = match attr.enumeration {
                    Some(e) if e.flags => flag_names(e, value as u64).0,
                    _ => Vec::new(),
                };
                n.value = Value::Bitfield {
                    value,
                    selector,
                    names,
                };
            } else {
                n.value = Value::Bytes(p.to_vec());
            }
        }
        AttrKind::Nest(set) => {
            let (c, t) = decode_attrs(Some(set), p, poff, ctx.deeper());
            n.children = c;
            n.truncated |= t;
        }
        AttrKind::IndexedArray(elem) => {
            let (c, t) = decode_indexed(elem, false, p, poff, ctx.deeper());
            n.children = c;
            n.truncated |= t;
        }
        AttrKind::TypelessList(elem) => {
            let (c, t) = decode_indexed(elem, true, p, poff, ctx.deeper());
            n.children = c;
            n.truncated |= t;
        }
        AttrKind::NestTypeValue { set, keys } => {
            let (c, t) = decode_type_value(set, keys, p, poff, ctx.deeper());
            n.children = c;
            n.truncated |= t;
        }
        AttrKind::SubMessage { msg, selector } => {
            let kind = find_attr(siblings, selector).map(text);
            let format = kind.as_deref().and_then(|k| {
                msg.formats
                    .iter()
                    .find(|f| f.value == k)
                    // Kinds the spec lacks, written by hand.
                    .or_else(|| tables::rt_linkinfo::format(msg.name, k))
            });
            match format {
                Some(f) => {
                    let mut used = 0;
                    if let Some(h) = f.header {
                        let (c, u, short) = decode_struct(h, p, poff, ctx.deeper());
                        n.children = c;
                        used = u;
                        n.truncated |= short;
                    }
                    let rest = p.get(used..).unwrap_or(&[]);
                    let (c, t) = decode_attrs(f.attrs, rest, poff + used, ctx.deeper());
                    n.children.extend(c);
                    n.truncated |= t;
                }
                None => n.value = Value::Bytes(p.to_vec()),
            }
        }
    }
    n
}

/// An attribute the tables do not know: its number and bytes, and its
/// children when the kernel marked it nested and it parses as a nest.
fn unknown_attr(a: &Raw<'_>, r: (u32, u32), poff: usize, ctx: Ctx) -> Node {
    let mut n = Node::new("", Some(a.ty as u64), Value::Bytes(a.payload.to_vec()), r);
    n.unknown = true;
    if a.flags & NLA_F_NESTED != 0 && ctx.depth < MAX_DEPTH {
        let (c, t) = decode_attrs(None, a.payload, poff, ctx.deeper());
        if !t || a.truncated {
            n.children = c;
            n.value = Value::None;
        }
    }
    n
}

/// Elements of an indexed array (each attribute's number is its index) or
/// of a typeless list (`keep_name`: elements keep the element's name).
fn decode_indexed(
    elem: &'static Attr,
    keep_name: bool,
    b: &[u8],
    off: usize,
    ctx: Ctx,
) -> (Vec<Node>, bool) {
    let mut nodes = Vec::new();
    let mut truncated = false;
    let mut pos = 0usize;
    while let Some(step) = next_attr(b.get(pos..).unwrap_or(&[])) {
        let Step::Attr(a) = step else {
            truncated = true;
            break;
        };
        let mut n = decode_attr(Some(elem), &a, b, off + pos, ctx);
        // Array elements are named by their index (rendered `[1]`).
        if !keep_name {
            n.name = "";
        }
        n.number = Some(a.ty as u64);
        n.truncated |= a.truncated;
        truncated |= n.truncated;
        nodes.push(n);
        pos = (pos + a.len + 3) & !3;
    }
    (nodes, truncated)
}

/// `nest-type-value`: one nesting level per key, each attribute's number
/// the key's value; the innermost level holds `set`.
fn decode_type_value(
    set: &'static AttrSet,
    keys: &'static [&'static str],
    b: &[u8],
    off: usize,
    ctx: Ctx,
) -> (Vec<Node>, bool) {
    let Some((key, rest)) = keys.split_first() else {
        return decode_attrs(Some(set), b, off, ctx);
    };
    let mut nodes = Vec::new();
    let mut truncated = false;
    let mut pos = 0usize;
    while let Some(step) = next_attr(b.get(pos..).unwrap_or(&[])) {
        let Step::Attr(a) = step else {
            truncated = true;
            break;
        };
        let mut n = Node::new(key, Some(a.ty as u64), Value::None, range(off + pos, a.len));
        if ctx.depth < MAX_DEPTH {
            let (c, t) =
                decode_type_value(set, rest, a.payload, off + pos + NLA_HDRLEN, ctx.deeper());
            n.children = c;
            n.truncated = t || a.truncated;
        } else {
            n.value = Value::Bytes(a.payload.to_vec());
        }
        truncated |= n.truncated;
        nodes.push(n);
        pos = (pos + a.len + 3) & !3;
    }
    (nodes, truncated)
}
