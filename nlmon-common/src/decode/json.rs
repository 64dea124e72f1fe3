//! A message as JSON, written by hand: byte for byte what serde's derived
//! `Serialize` gives through `serde_json` (a test compares the two over
//! the golden corpus), about three times cheaper. serde escapes every key
//! and name it writes; here keys are constants and a name or string is
//! copied whole unless it holds a character JSON must escape.

use alloc::{string::String, vec::Vec};
use core::fmt::Write as _;

use super::{
    line::{digits, hex_bytes},
    tree::{ErrorInfo, Header, Message, Node, Value},
};

/// Bytes as JSON text through `core::fmt`, for the rare values that need it.
struct Buf<'a>(&'a mut Vec<u8>);

impl core::fmt::Write for Buf<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

fn num(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(digits(v, &mut [0; 20]));
}

fn int(out: &mut Vec<u8>, v: i128) {
    if v < 0 {
        out.push(b'-');
    }
    match u64::try_from(v.unsigned_abs()) {
        Ok(m) => num(out, m),
        Err(_) => {
            let _ = write!(Buf(out), "{}", v.unsigned_abs());
        }
    }
}

fn boolean(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// A JSON string, escaped as `serde_json` does.
fn string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let b = s.as_bytes();
    // Names and most values need no escape: one pass that finds out
    // (without stopping early, so it runs a word at a time), one copy.
    if !b.iter().fold(false, |any, &c| {
        any | (c < 0x20) | (c == b'"') | (c == b'\\')
    }) {
        out.extend_from_slice(b);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => &[],
            _ => continue,
        };
        out.extend_from_slice(&b[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(c >> 4) as usize]);
            out.push(HEX[(c & 15) as usize]);
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&b[start..]);
    out.push(b'"');
}

fn opt_string(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

fn range(out: &mut Vec<u8>, (a, b): (u32, u32)) {
    out.push(b'[');
    num(out, a.into());
    out.push(b',');
    num(out, b.into());
    out.push(b']');
}

/// `[a,b,...]`, each item written by `f`.
fn list<T>(out: &mut Vec<u8>, items: &[T], f: impl Fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        f(out, x);
    }
    out.push(b']');
}

fn nodes(out: &mut Vec<u8>, ns: &[Node]) {
    list(out, ns, node);
}

fn node(out: &mut Vec<u8>, n: &Node) {
    out.extend_from_slice(b"{\"name\":");
    string(out, n.name);
    if let Some(x) = n.number {
        out.extend_from_slice(b",\"number\":");
        num(out, x);
    }
    out.extend_from_slice(b",\"value\":");
    value(out, &n.value);
    out.extend_from_slice(b",\"range\":");
    range(out, n.range);
    if !n.children.is_empty() {
        out.extend_from_slice(b",\"children\":");
        nodes(out, &n.children);
    }
    for (set, key) in [
        (n.truncated, &b",\"truncated\":true"[..]),
        (n.redacted, b",\"redacted\":true"),
        (n.unknown, b",\"unknown\":true"),
    ] {
        if set {
            out.extend_from_slice(key);
        }
    }
    if let Some(name) = &n.ifname {
        out.extend_from_slice(b",\"ifname\":");
        string(out, name);
    }
    out.push(b'}');
}

/// As `Value`'s `Serialize`.
fn value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::None => out.extend_from_slice(b"null"),
        Value::Present => out.extend_from_slice(b"true"),
        Value::Unsigned(x) | Value::Hex(x) => num(out, *x),
        Value::Signed(x) => int(out, (*x).into()),
        Value::Enum { name: Some(n), .. } => string(out, n),
        Value::Enum { raw, name: None } => num(out, *raw),
        Value::Flags { names, unknown, .. } => {
            out.push(b'[');
            for (i, n) in names.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                string(out, n);
            }
            if *unknown != 0 {
                if !names.is_empty() {
                    out.push(b',');
                }
                let _ = write!(Buf(out), "\"{unknown:#x}\"");
            }
            out.push(b']');
        }
        Value::Str(s) => string(out, s),
        // Hex needs no escaping; `Display` would go through `core::fmt`
        // byte by byte.
        Value::Bytes(b) => {
            out.push(b'"');
            hex_bytes(out, b);
            out.push(b'"');
        }
        Value::Array(xs) => list(out, xs, |o, x| int(o, *x)),
        other => {
            let mut s = String::new();
            let _ = write!(s, "{other}");
            string(out, &s);
        }
    }
}

fn header(out: &mut Vec<u8>, h: &Header) {
    out.extend_from_slice(b"{\"len\":");
    num(out, h.len.into());
    out.extend_from_slice(b",\"ty\":");
    num(out, h.ty.into());
    out.extend_from_slice(b",\"flags\":");
    num(out, h.flags.into());
    out.extend_from_slice(b",\"seq\":");
    num(out, h.seq.into());
    out.extend_from_slice(b",\"pid\":");
    num(out, h.pid.into());
    out.push(b'}');
}

fn error(out: &mut Vec<u8>, e: &ErrorInfo) {
    out.extend_from_slice(b"{\"errno\":");
    int(out, e.errno.into());
    out.extend_from_slice(b",\"name\":");
    opt_string(out, e.name);
    out.extend_from_slice(b",\"text\":");
    opt_string(out, e.text);
    if let Some(r) = &e.request {
        out.extend_from_slice(b",\"request\":");
        r.write_json(out);
    }
    if let Some(m) = &e.message {
        out.extend_from_slice(b",\"message\":");
        string(out, m);
    }
    if let Some(m) = e.message_source {
        out.extend_from_slice(b",\"message_source\":");
        string(out, m);
    }
    if let Some(o) = e.offset {
        out.extend_from_slice(b",\"offset\":");
        num(out, o.into());
    }
    if let Some(o) = &e.offending {
        out.extend_from_slice(b",\"offending\":");
        string(out, o);
    }
    out.extend_from_slice(b",\"extack\":");
    nodes(out, &e.extack);
    out.push(b'}');
}

impl Message {
    /// Appends the message as JSON: what `serde_json` makes of it.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"protocol\":");
        num(out, self.protocol.into());
        out.extend_from_slice(b",\"range\":");
        range(out, self.range);
        out.extend_from_slice(b",\"header\":");
        header(out, &self.header);
        out.extend_from_slice(b",\"type_name\":");
        opt_string(out, self.type_name);
        out.extend_from_slice(b",\"family\":");
        opt_string(out, self.family.as_deref());
        out.extend_from_slice(b",\"flag_names\":");
        list(out, &self.flag_names, |o, n| string(o, n));
        out.extend_from_slice(b",\"flags_unknown\":");
        num(out, self.flags_unknown.into());
        if let Some(e) = &self.error {
            out.extend_from_slice(b",\"error\":");
            error(out, e);
        }
        out.extend_from_slice(b",\"body\":");
        nodes(out, &self.body);
        out.extend_from_slice(b",\"truncated\":");
        boolean(out, self.truncated);
        if let Some(m) = &self.malformed {
            out.extend_from_slice(b",\"malformed\":");
            string(out, m);
        }
        out.push(b'}');
    }

    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(1024);
        self.write_json(&mut out);
        // Only whole strings and ASCII were written.
        String::from_utf8(out).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use super::*;

    #[test]
    fn strings_escape_as_serde_json_does() {
        for s in [
            "plain",
            "",
            "a\"b\\c",
            "tab\there\nnl\r\u{8}\u{c}",
            "\u{1}\u{1f}\u{7f}",
            "é ✓",
        ] {
            let mut out = Vec::new();
            string(&mut out, s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    #[test]
    fn numbers_in_decimal() {
        for v in [0, 9, 10, 99, 100, 12345, u32::MAX as u64, u64::MAX] {
            let mut out = Vec::new();
            num(&mut out, v);
            assert_eq!(out, v.to_string().into_bytes());
        }
        let mut out = Vec::new();
        int(&mut out, i128::from(i64::MIN));
        assert_eq!(out, i64::MIN.to_string().into_bytes());
    }
}
