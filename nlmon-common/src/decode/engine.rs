//! The table-driven walk over structs and attribute streams. Every read is
//! bounds-checked: short, overlong or unknown input becomes hex nodes marked
//! `truncated` or `unknown`, never a panic. What is found goes to an
//! [`Out`] (a tree, a summary line, ...), in the order a tree lists it.

use alloc::{string::String, vec::Vec};

use super::{
    out::{NullOut, Out, Skim, TreeOut, Val},
    table::{Attr, AttrKind, AttrSet, Enum, Field, FieldKind, Hint, Order, Scalar, Struct},
    tables,
    tree::Node,
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

pub fn sign_extend(v: u64, size: usize) -> i64 {
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
fn number_value(
    v: u64,
    signed: Option<usize>,
    e: Option<&'static Enum>,
    hint: Hint,
) -> Val<'static> {
    if let Some(e) = e {
        if e.flags {
            return Val::Flags { raw: v, e };
        }
        return Val::Enum {
            raw: v,
            name: e.name_of(v),
        };
    }
    match (hint, signed) {
        (Hint::Hex, _) => Val::Hex(v),
        (_, Some(size)) => Val::Signed(sign_extend(v, size)),
        _ => Val::Unsigned(v),
    }
}

/// Bytes as a hint says (an address, a MAC, a UUID) or as hex.
pub fn bytes_value(b: &[u8], hint: Hint) -> Val<'_> {
    match (hint, b.len()) {
        (Hint::Ipv4 | Hint::Ip, 4) => Val::Ipv4([b[0], b[1], b[2], b[3]]),
        (Hint::Ipv6 | Hint::Ip, 16) | (Hint::Uuid, 16) => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            if hint == Hint::Uuid {
                Val::Uuid(a)
            } else {
                Val::Ipv6(a)
            }
        }
        (Hint::Mac, 1..=32) => Val::Mac(b),
        (Hint::Text, _) => Val::Str(b),
        _ => Val::Bytes(b),
    }
}

/// A scalar of a known size from the start of `b`; `None` if `b` is shorter.
fn scalar_value(
    s: Scalar,
    b: &[u8],
    order: Order,
    hint: Hint,
    e: Option<&'static Enum>,
) -> Option<Val<'static>> {
    let size = s.size();
    let raw = b.get(..size)?;
    // IPv4 addresses kept in a u32 (big-endian on the wire).
    if size == 4 && matches!(hint, Hint::Ipv4 | Hint::Ip) {
        return Some(Val::Ipv4([raw[0], raw[1], raw[2], raw[3]]));
    }
    let v = uint(raw, order)?;
    Some(number_value(v, s.signed().then_some(size), e, hint))
}

/// A node holding bytes, marked as asked.
fn bytes_node<O: Out>(
    out: &mut O,
    name: &'static str,
    b: &[u8],
    r: (u32, u32),
    unknown: bool,
    truncated: bool,
) {
    out.open(name, None, r, unknown);
    out.value(Val::Bytes(b));
    if truncated {
        out.truncated();
    }
    out.close();
}

/// The fields of a struct read from `b` (at buffer offset `off`). Returns
/// the bytes used, and whether `b` ended inside the struct.
pub fn decode_struct<O: Out>(
    st: &'static Struct,
    b: &[u8],
    off: usize,
    ctx: Ctx,
    out: &mut O,
) -> (usize, bool) {
    let mut pos = 0usize;
    for f in st.fields {
        if let FieldKind::Repeat(inner) = f.kind {
            let rest = b.get(pos..).unwrap_or(&[]);
            let short = repeat(inner, rest, off + pos, ctx, out);
            return (b.len(), short);
        }
        let size = field_size(f, ctx.depth);
        let rest = b.get(pos..).unwrap_or(&[]);
        if rest.len() < size {
            if !rest.is_empty() {
                bytes_node(out, f.name, rest, range(off + pos, rest.len()), false, true);
            }
            return (b.len(), true);
        }
        let raw = &rest[..size];
        let r = range(off + pos, size);
        pos += size;
        match f.kind {
            FieldKind::Pad(_) => {}
            FieldKind::Scalar(s) => {
                let v =
                    scalar_value(s, raw, f.order, f.hint, f.enumeration).unwrap_or(Val::Bytes(raw));
                out.leaf(f.name, None, v, r);
            }
            FieldKind::Bytes(_) => out.leaf(f.name, None, bytes_value(raw, f.hint), r),
            FieldKind::Repeat(_) => {}
            FieldKind::Struct(inner) => {
                out.open(f.name, None, r, false);
                if ctx.depth < MAX_DEPTH {
                    decode_struct(inner, raw, r.0 as usize, ctx.deeper(), out);
                } else {
                    out.value(Val::Bytes(raw));
                }
                out.close();
            }
        }
    }
    (pos, false)
}

/// A struct repeated to the end of `b`, one node per element numbered by
/// its index; returns whether the last one is cut short.
fn repeat<O: Out>(st: &'static Struct, b: &[u8], off: usize, ctx: Ctx, out: &mut O) -> bool {
    let size = struct_size(st, ctx.depth);
    if size == 0 || ctx.depth >= MAX_DEPTH {
        if !b.is_empty() {
            bytes_node(out, st.name, b, range(off, b.len()), false, false);
        }
        return false;
    }
    let mut short = false;
    for (i, chunk) in b.chunks(size).enumerate() {
        let at = off + i * size;
        out.open(st.name, Some(i as u64), range(at, chunk.len()), false);
        let (_, s) = decode_struct(st, chunk, at, ctx.deeper(), out);
        if s {
            out.truncated();
        }
        out.close();
        short |= s;
    }
    short
}

/// [`decode_attrs`] into nodes.
pub fn attr_nodes(
    set: Option<&'static AttrSet>,
    b: &[u8],
    off: usize,
    ctx: Ctx,
) -> (Vec<Node>, bool) {
    let mut out = TreeOut::default();
    let t = decode_attrs(set, b, off, ctx, &mut out);
    (out.take(), t)
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
        // Whatever is left: nothing of a fixed size.
        FieldKind::Repeat(_) => 0,
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
/// none: every attribute unknown). Returns whether the stream ended early.
pub fn decode_attrs<O: Out>(
    set: Option<&'static AttrSet>,
    b: &[u8],
    off: usize,
    ctx: Ctx,
    out: &mut O,
) -> bool {
    let mut truncated = false;
    let mut pos = 0usize;
    while let Some(step) = next_attr(b.get(pos..).unwrap_or(&[])) {
        match step {
            Step::Junk(rest) => {
                // Alignment padding the message ends with is not junk.
                if rest.iter().any(|&c| c != 0) || rest.len() >= NLA_HDRLEN {
                    bytes_node(out, "", rest, range(off + pos, rest.len()), true, true);
                    truncated = true;
                }
                break;
            }
            Step::Attr(a) => {
                let attr = set.and_then(|s| s.get(a.ty));
                let name = attr.map_or("", |a| a.name);
                truncated |= decode_attr(attr, name, &a, b, off + pos, ctx, out);
                pos = (pos + a.len + 3) & !3;
            }
        }
    }
    truncated
}

/// One attribute, shown as `name`, as one node: `siblings` is the whole
/// stream it is in (a sub-message looks its selector up there). Returns
/// whether the node is marked truncated (an attribute cut short is).
fn decode_attr<O: Out>(
    attr: Option<&'static Attr>,
    name: &'static str,
    a: &Raw<'_>,
    siblings: &[u8],
    off: usize,
    ctx: Ctx,
    out: &mut O,
) -> bool {
    let r = range(off, a.len);
    let Some(attr) = attr else {
        return unknown_attr(a, r, off + NLA_HDRLEN, ctx, out);
    };
    out.open(name, Some(a.ty as u64), r, false);
    let t = attr_content(attr, a, siblings, off, ctx, out) || a.truncated;
    if t {
        out.truncated();
    }
    out.close();
    t
}

/// What is inside a known attribute's node; returns whether the node is
/// truncated by what it holds.
fn attr_content<O: Out>(
    attr: &'static Attr,
    a: &Raw<'_>,
    siblings: &[u8],
    off: usize,
    ctx: Ctx,
    out: &mut O,
) -> bool {
    let poff = off + NLA_HDRLEN;
    let mut truncated = false;
    if attr.secret && !ctx.show_secrets {
        // A secret struct (`struct xfrm_algo`) keeps its header (the
        // algorithm's name, the key length); the key after it is hidden.
        if let AttrKind::Struct(st) = attr.kind {
            let (used, _) = decode_struct(st, a.payload, poff, ctx.deeper(), out);
            if used < a.payload.len() {
                out.open(
                    "key",
                    None,
                    range(poff + used, a.payload.len() - used),
                    false,
                );
                out.redacted();
                out.close();
            }
        } else {
            out.redacted();
        }
        return false;
    }
    if ctx.depth >= MAX_DEPTH {
        out.value(Val::Bytes(a.payload));
        return false;
    }
    if out.hides_children() && is_container(attr.kind) {
        return skim(out, |s| attr_content(attr, a, siblings, off, ctx, s));
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
            Some(better) => return attr_content(better, a, siblings, off, ctx, out),
            None => out.value(bytes_value(p, attr.hint)),
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
                    let bad = a.truncated || len > rest.len();
                    bytes_node(out, "", rest, range(poff + pos, rest.len()), true, bad);
                    truncated |= bad;
                    break;
                }
                out.open(st.name, Some(i), range(poff + pos, len), false);
                decode_struct(st, &rest[..head], poff + pos, ctx.deeper(), out);
                let t = decode_attrs(
                    Some(set),
                    &rest[head..len],
                    poff + pos + head,
                    ctx.deeper(),
                    out,
                );
                if t {
                    out.truncated();
                }
                out.close();
                pos += len.next_multiple_of(4);
                i += 1;
            }
        }
        AttrKind::Pad => out.value(Val::Bytes(p)),
        AttrKind::Flag => out.value(Val::Present),
        AttrKind::Scalar(s) => match scalar_value(s, p, order, attr.hint, attr.enumeration) {
            Some(v) if p.len() == s.size() || !a.truncated => out.value(v),
            _ => {
                out.value(Val::Bytes(p));
                truncated = a.truncated;
            }
        },
        AttrKind::Uint | AttrKind::Sint => match uint(p, order) {
            Some(v) => {
                let signed = matches!(attr.kind, AttrKind::Sint).then_some(p.len());
                out.value(number_value(v, signed, attr.enumeration, attr.hint));
            }
            None => out.value(Val::Bytes(p)),
        },
        AttrKind::String => out.value(Val::Str(p)),
        AttrKind::Struct(st) => {
            let (used, short) = decode_struct(st, p, poff, ctx.deeper(), out);
            truncated = short && a.truncated;
            if used < p.len() {
                bytes_node(
                    out,
                    "",
                    &p[used..],
                    range(poff + used, p.len() - used),
                    true,
                    false,
                );
            }
        }
        AttrKind::Array(s) => {
            out.value(Val::Array {
                scalar: s,
                order,
                bytes: p,
            });
            if !p.len().is_multiple_of(s.size()) {
                truncated = a.truncated;
            }
        }
        AttrKind::NamedArray(s, names) => {
            let size = s.size();
            for (i, chunk) in p.chunks(size).enumerate() {
                let r = range(poff + i * size, chunk.len());
                if chunk.len() < size {
                    bytes_node(out, "", chunk, r, true, a.truncated);
                    truncated = a.truncated;
                    break;
                }
                let v = scalar_value(s, chunk, order, attr.hint, None).unwrap_or(Val::Bytes(chunk));
                let i = i as u64;
                // The entries are in index order: look there first.
                let name = names
                    .entries
                    .get(i as usize)
                    .filter(|e| e.0 == i)
                    .map(|e| e.1)
                    .or_else(|| names.name_of(i));
                match name {
                    Some(n) => out.leaf(n, None, v, r),
                    None => out.leaf("", Some(i), v, r),
                }
            }
        }
        AttrKind::StructAttrs(st, set) => {
            let (used, short) = decode_struct(st, p, poff, ctx.deeper(), out);
            truncated |= short;
            // Attributes start at the 4-byte boundary after the struct.
            let used = used.next_multiple_of(4).min(p.len());
            truncated |= decode_attrs(Some(set), &p[used..], poff + used, ctx.deeper(), out);
        }
        AttrKind::StructArray(st) => {
            // One child per element, numbered by its index.
            let size = struct_size(st, ctx.depth);
            let mut pos = 0;
            while size > 0 && pos < p.len() {
                let chunk = &p[pos..(pos + size).min(p.len())];
                out.open(
                    st.name,
                    Some((pos / size) as u64),
                    range(poff + pos, chunk.len()),
                    false,
                );
                let (_, short) = decode_struct(st, chunk, poff + pos, ctx.deeper(), out);
                if short {
                    out.truncated();
                }
                out.close();
                pos += size;
            }
        }
        AttrKind::Bitfield32 => {
            if p.len() >= 8 {
                out.value(Val::Bitfield {
                    value: u32::from_ne_bytes([p[0], p[1], p[2], p[3]]),
                    selector: u32::from_ne_bytes([p[4], p[5], p[6], p[7]]),
                    e: attr.enumeration.filter(|e| e.flags),
                });
            } else {
                out.value(Val::Bytes(p));
            }
        }
        AttrKind::Nest(set) => truncated |= decode_attrs(Some(set), p, poff, ctx.deeper(), out),
        AttrKind::IndexedArray(elem) => {
            truncated |= decode_indexed(elem, false, p, poff, ctx.deeper(), out);
        }
        AttrKind::TypelessList(elem) => {
            truncated |= decode_indexed(elem, true, p, poff, ctx.deeper(), out);
        }
        AttrKind::NestTypeValue { set, keys } => {
            truncated |= decode_type_value(set, keys, p, poff, ctx.deeper(), out);
        }
        AttrKind::SubMessage { msg, selector } => {
            let kind = find_attr(siblings, selector).map(text_of);
            let format = kind.and_then(|k| {
                msg.formats
                    .iter()
                    .find(|f| f.value.as_bytes() == k)
                    // Kinds the spec lacks, written by hand.
                    .or_else(|| tables::rt_linkinfo::format(msg.name, &text(k)))
            });
            match format {
                Some(f) => {
                    let mut used = 0;
                    if let Some(h) = f.header {
                        let (u, short) = decode_struct(h, p, poff, ctx.deeper(), out);
                        used = u;
                        truncated |= short;
                    }
                    let rest = p.get(used..).unwrap_or(&[]);
                    truncated |= decode_attrs(f.attrs, rest, poff + used, ctx.deeper(), out);
                }
                None => out.value(Val::Bytes(p)),
            }
        }
    }
    truncated
}

/// Walks the children of `out`'s open node with [`Skim`], when `out` shows
/// them only as a whole: only whether there are any matters, and whether
/// they end early (what `walk` returns).
fn skim<O: Out>(out: &mut O, walk: impl FnOnce(&mut Skim) -> bool) -> bool {
    let mut s = Skim::default();
    let t = walk(&mut s);
    if s.children {
        out.children_hidden();
    }
    t
}

/// Kinds whose node holds children and never a value of its own.
fn is_container(k: AttrKind) -> bool {
    matches!(
        k,
        AttrKind::Records(..)
            | AttrKind::NamedArray(..)
            | AttrKind::Struct(_)
            | AttrKind::StructAttrs(..)
            | AttrKind::StructArray(_)
            | AttrKind::Nest(_)
            | AttrKind::IndexedArray(_)
            | AttrKind::TypelessList(_)
            | AttrKind::NestTypeValue { .. }
    )
}

/// A string attribute's bytes up to its first NUL.
fn text_of(b: &[u8]) -> &[u8] {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    &b[..end]
}

/// An attribute the tables do not know: its number and bytes, or its
/// children when the kernel marked it nested and it parses as a nest.
fn unknown_attr<O: Out>(a: &Raw<'_>, r: (u32, u32), poff: usize, ctx: Ctx, out: &mut O) -> bool {
    out.open("", Some(a.ty as u64), r, true);
    // Whether it parses whole is known only after a walk: a dry one first.
    let nest = a.flags & NLA_F_NESTED != 0
        && ctx.depth < MAX_DEPTH
        && (a.truncated || !decode_attrs(None, a.payload, poff, ctx.deeper(), &mut NullOut));
    if nest && out.hides_children() {
        skim(out, |s| {
            decode_attrs(None, a.payload, poff, ctx.deeper(), s)
        });
    } else if nest {
        decode_attrs(None, a.payload, poff, ctx.deeper(), out);
    } else {
        out.value(Val::Bytes(a.payload));
    }
    if a.truncated {
        out.truncated();
    }
    out.close();
    a.truncated
}

/// Elements of an indexed array (each attribute's number is its index) or
/// of a typeless list (`keep_name`: elements keep the element's name).
fn decode_indexed<O: Out>(
    elem: &'static Attr,
    keep_name: bool,
    b: &[u8],
    off: usize,
    ctx: Ctx,
    out: &mut O,
) -> bool {
    let mut truncated = false;
    let mut pos = 0usize;
    while let Some(step) = next_attr(b.get(pos..).unwrap_or(&[])) {
        let Step::Attr(a) = step else {
            truncated = true;
            break;
        };
        // Array elements are named by their index (rendered `[1]`).
        let name = if keep_name { elem.name } else { "" };
        truncated |= decode_attr(Some(elem), name, &a, b, off + pos, ctx, out);
        pos = (pos + a.len + 3) & !3;
    }
    truncated
}

/// `nest-type-value`: one nesting level per key, each attribute's number
/// the key's value; the innermost level holds `set`.
fn decode_type_value<O: Out>(
    set: &'static AttrSet,
    keys: &'static [&'static str],
    b: &[u8],
    off: usize,
    ctx: Ctx,
    out: &mut O,
) -> bool {
    let Some((key, rest)) = keys.split_first() else {
        return decode_attrs(Some(set), b, off, ctx, out);
    };
    let mut truncated = false;
    let mut pos = 0usize;
    while let Some(step) = next_attr(b.get(pos..).unwrap_or(&[])) {
        let Step::Attr(a) = step else {
            truncated = true;
            break;
        };
        out.open(key, Some(a.ty as u64), range(off + pos, a.len), false);
        let t = if ctx.depth < MAX_DEPTH {
            let t = decode_type_value(
                set,
                rest,
                a.payload,
                off + pos + NLA_HDRLEN,
                ctx.deeper(),
                out,
            );
            t || a.truncated
        } else {
            out.value(Val::Bytes(a.payload));
            false
        };
        if t {
            out.truncated();
        }
        out.close();
        truncated |= t;
        pos = (pos + a.len + 3) & !3;
    }
    truncated
}
