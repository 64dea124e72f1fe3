//! Terse constructors for hand-written tables, so that a table reads like the
//! UAPI header it comes from: `u32(NDA_PROBES, "NDA_PROBES")` rather than a
//! dozen lines of struct literal. All `const`, so tables stay `static` data.

use crate::decode::table::{
    Attr, AttrKind, AttrSet, Dir, Enum, Field, FieldKind, Hint, MsgDef, OpKind, Order, Scalar,
    Struct,
};

pub const fn attr(value: u16, name: &'static str, kind: AttrKind) -> Attr {
    Attr {
        name,
        ..Attr::new(value, kind)
    }
}

pub const fn u8(value: u16, name: &'static str) -> Attr {
    attr(value, name, AttrKind::Scalar(Scalar::U8))
}

pub const fn u16(value: u16, name: &'static str) -> Attr {
    attr(value, name, AttrKind::Scalar(Scalar::U16))
}

pub const fn u32(value: u16, name: &'static str) -> Attr {
    attr(value, name, AttrKind::Scalar(Scalar::U32))
}

pub const fn u64(value: u16, name: &'static str) -> Attr {
    attr(value, name, AttrKind::Scalar(Scalar::U64))
}

pub const fn s32(value: u16, name: &'static str) -> Attr {
    attr(value, name, AttrKind::Scalar(Scalar::S32))
}

/// Network byte order.
pub const fn be16(value: u16, name: &'static str) -> Attr {
    Attr {
        order: Order::Big,
        ..u16(value, name)
    }
}

pub const fn be32(value: u16, name: &'static str) -> Attr {
    Attr {
        order: Order::Big,
        ..u32(value, name)
    }
}

pub const fn be64(value: u16, name: &'static str) -> Attr {
    Attr {
        order: Order::Big,
        ..u64(value, name)
    }
}

pub const fn string(value: u16, name: &'static str) -> Attr {
    attr(value, name, AttrKind::String)
}

pub const fn flag(value: u16, name: &'static str) -> Attr {
    attr(value, name, AttrKind::Flag)
}

pub const fn binary(value: u16, name: &'static str) -> Attr {
    attr(value, name, AttrKind::Binary)
}

/// An IPv4 or IPv6 address, by length.
pub const fn ip(value: u16, name: &'static str) -> Attr {
    hint(binary(value, name), Hint::Ip)
}

pub const fn mac(value: u16, name: &'static str) -> Attr {
    hint(binary(value, name), Hint::Mac)
}

pub const fn pad(value: u16, name: &'static str) -> Attr {
    attr(value, name, AttrKind::Pad)
}

pub const fn nest(value: u16, name: &'static str, set: &'static AttrSet) -> Attr {
    attr(value, name, AttrKind::Nest(set))
}

pub const fn st(value: u16, name: &'static str, s: &'static Struct) -> Attr {
    attr(value, name, AttrKind::Struct(s))
}

pub const fn array(value: u16, name: &'static str, s: Scalar) -> Attr {
    attr(value, name, AttrKind::Array(s))
}

pub const fn hint(a: Attr, hint: Hint) -> Attr {
    Attr { hint, ..a }
}

pub const fn named(a: Attr, e: &'static Enum) -> Attr {
    Attr {
        enumeration: Some(e),
        ..a
    }
}

pub const fn multi(a: Attr) -> Attr {
    Attr { multi: true, ..a }
}

/// Key material: shown as `<redacted>` unless secrets are asked for.
pub const fn secret(a: Attr) -> Attr {
    Attr { secret: true, ..a }
}

pub const fn field(name: &'static str, s: Scalar) -> Field {
    Field {
        name,
        kind: FieldKind::Scalar(s),
        order: Order::Host,
        hint: Hint::None,
        enumeration: None,
    }
}

pub const fn f8(name: &'static str) -> Field {
    field(name, Scalar::U8)
}

pub const fn f16(name: &'static str) -> Field {
    field(name, Scalar::U16)
}

pub const fn f32(name: &'static str) -> Field {
    field(name, Scalar::U32)
}

pub const fn f64(name: &'static str) -> Field {
    field(name, Scalar::U64)
}

pub const fn fs32(name: &'static str) -> Field {
    field(name, Scalar::S32)
}

pub const fn fbe16(name: &'static str) -> Field {
    Field {
        order: Order::Big,
        ..f16(name)
    }
}

pub const fn fbe32(name: &'static str) -> Field {
    Field {
        order: Order::Big,
        ..f32(name)
    }
}

pub const fn fbe64(name: &'static str) -> Field {
    Field {
        order: Order::Big,
        ..f64(name)
    }
}

pub const fn fbytes(name: &'static str, len: u16, hint: Hint) -> Field {
    Field {
        name,
        kind: FieldKind::Bytes(len),
        order: Order::Host,
        hint,
        enumeration: None,
    }
}

pub const fn fpad(len: u16) -> Field {
    Field {
        name: "pad",
        kind: FieldKind::Pad(len),
        order: Order::Host,
        hint: Hint::None,
        enumeration: None,
    }
}

pub const fn fstruct(name: &'static str, s: &'static Struct) -> Field {
    Field {
        name,
        kind: FieldKind::Struct(s),
        order: Order::Host,
        hint: Hint::None,
        enumeration: None,
    }
}

pub const fn fnamed(f: Field, e: &'static Enum) -> Field {
    Field {
        enumeration: Some(e),
        ..f
    }
}

pub const fn fhint(f: Field, hint: Hint) -> Field {
    Field { hint, ..f }
}

pub const fn enumeration(name: &'static str, entries: &'static [(u64, &'static str)]) -> Enum {
    Enum {
        name,
        flags: false,
        entries,
    }
}

pub const fn flags(name: &'static str, entries: &'static [(u64, &'static str)]) -> Enum {
    Enum {
        name,
        flags: true,
        entries,
    }
}

/// A message both directions share (request and reply look alike).
pub const fn msg(
    name: &'static str,
    value: u16,
    kind: OpKind,
    header: &'static Struct,
    attrs: &'static AttrSet,
) -> MsgDef {
    MsgDef {
        name,
        value,
        dir: Dir::Both,
        kind,
        header: Some(header),
        attrs: Some(attrs),
    }
}

/// A message of attributes only.
pub const fn msg_attrs(
    name: &'static str,
    value: u16,
    kind: OpKind,
    attrs: &'static AttrSet,
) -> MsgDef {
    MsgDef {
        name,
        value,
        dir: Dir::Both,
        kind,
        header: None,
        attrs: Some(attrs),
    }
}

/// Restricts a message definition to one direction.
pub const fn only(dir: Dir, m: MsgDef) -> MsgDef {
    MsgDef { dir, ..m }
}
