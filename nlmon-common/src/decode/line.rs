//! The one-line summary written straight from the walk, without building
//! the tree: what [`Message::summary`] renders from a tree, byte for byte
//! (a test compares the two over the golden corpus and every prefix of it).
//! This is the default live output, so it avoids `core::fmt` for the common
//! values and keeps one reused buffer.

use alloc::{string::String, vec::Vec};
use core::fmt::{self, Write as _};

use super::{
    engine::text,
    out::{Out, Val, array_items},
    render::{SUMMARY_BYTES, SUMMARY_DEPTH, is_pad},
    tree::{Message, Value},
};

/// What the writer knows of a node not closed yet.
#[derive(Clone, Copy, Default)]
struct Frame {
    unknown: bool,
    /// Nothing of it is written (padding, or below a collapsed or
    /// redacted node).
    silent: bool,
    children: bool,
    /// A non-padding child was written (the next one needs a space).
    wrote_child: bool,
    /// Children shown as `{…}`.
    collapsed: bool,
    value: bool,
    present: bool,
    redacted: bool,
    truncated: bool,
}

/// Writes summary lines; one per message, in [`LineOut::lines`].
#[derive(Default)]
pub struct LineOut {
    open: Vec<Frame>,
    /// The current message's nodes, as text.
    body: Vec<u8>,
    pub lines: Vec<String>,
    /// The node just closed (or leaf just written) showed a value: an
    /// interface name may follow it.
    named: bool,
}

/// Bytes as text through `core::fmt`, for the rare values that need it.
struct Buf<'a>(&'a mut Vec<u8>);

impl fmt::Write for Buf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

pub(super) fn hex_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.reserve(b.len() * 2);
    for &x in b {
        out.push(HEX[(x >> 4) as usize]);
        out.push(HEX[(x & 15) as usize]);
    }
}

/// "00" to "99", for writing two digits at a time.
const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// `v` in decimal, in the end of `buf`.
pub(super) fn digits(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    while v >= 100 {
        let p = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[p..p + 2]);
    }
    if v >= 10 {
        let p = v as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[p..p + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    &buf[i..]
}

fn dec(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(digits(v, &mut [0; 20]));
}

fn signed(out: &mut Vec<u8>, v: i128) {
    if v < 0 {
        out.push(b'-');
    }
    let m = v.unsigned_abs();
    match u64::try_from(m) {
        Ok(m) => dec(out, m),
        Err(_) => {
            let _ = write!(Buf(out), "{m}");
        }
    }
}

/// `{:#x}`.
fn hex_num(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(b"0x");
    let digits = (64 - v.leading_zeros()).div_ceil(4).max(1);
    for i in (0..digits).rev() {
        out.push(HEX[((v >> (4 * i)) & 15) as usize]);
    }
}

/// Text the summary may show bare: the rule of `render::plain`, on bytes.
fn plain(b: &[u8]) -> bool {
    !b.is_empty()
        && b.iter()
            .all(|&c| c.is_ascii_graphic() && !matches!(c, b'"' | b'{' | b'}' | b'=' | b'\\'))
}

/// Named bits of `raw` joined by commas; whether any was written, and the
/// bits without a name.
fn flag_list(out: &mut Vec<u8>, e: &super::table::Enum, raw: u64) -> (bool, u64) {
    let mut rest = raw;
    let mut any = false;
    for &(mask, name) in e.entries {
        if mask != 0 && raw & mask == mask {
            if any {
                out.push(b',');
            }
            out.extend_from_slice(name.as_bytes());
            any = true;
            rest &= !mask;
        }
    }
    (any, rest)
}

/// A value as `Value`'s `Display` shows it.
fn value(out: &mut Vec<u8>, v: Val<'_>) {
    match v {
        Val::Present => out.extend_from_slice(b"true"),
        Val::Unsigned(v) => dec(out, v),
        Val::Signed(v) => signed(out, v as i128),
        Val::Hex(v) => hex_num(out, v),
        Val::Enum { name: Some(n), .. } => out.extend_from_slice(n.as_bytes()),
        Val::Enum { raw, name: None } => dec(out, raw),
        Val::Flags { raw, e } => {
            let (any, unknown) = flag_list(out, e, raw);
            if unknown != 0 {
                if any {
                    out.push(b',');
                }
                hex_num(out, unknown);
            } else if !any {
                out.push(b'0');
            }
        }
        Val::Bitfield { value, selector, e } => {
            let any = e.is_some_and(|e| flag_list(out, e, value as u64).0);
            if !any {
                hex_num(out, value as u64);
            }
            out.push(b'/');
            hex_num(out, selector as u64);
        }
        Val::Str(b) => {
            let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
            if plain(&b[..end]) {
                out.extend_from_slice(&b[..end]);
            } else {
                let _ = write!(Buf(out), "{:?}", text(b));
            }
        }
        Val::Bytes(b) => hex_bytes(out, b),
        Val::Ipv4(a) => {
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                dec(out, *x as u64);
            }
        }
        Val::Ipv6(a) => {
            let _ = write!(Buf(out), "{}", core::net::Ipv6Addr::from(a));
        }
        Val::Mac(b) => {
            for (i, x) in b.iter().enumerate() {
                if i > 0 {
                    out.push(b':');
                }
                hex_bytes(out, core::slice::from_ref(x));
            }
        }
        Val::Uuid(u) => {
            for (i, x) in u.iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    out.push(b'-');
                }
                hex_bytes(out, core::slice::from_ref(x));
            }
        }
        Val::Array {
            scalar,
            order,
            bytes,
        } => {
            out.push(b'[');
            for (i, x) in array_items(scalar, order, bytes).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                signed(out, x);
            }
            out.push(b']');
        }
        Val::Built(v) => {
            let _ = write!(Buf(out), "{v}");
        }
    }
}

impl LineOut {
    /// `=` after a name, unless the node is unknown (its label has it).
    fn eq(&mut self, f: Frame) {
        if !f.unknown {
            self.body.push(b'=');
        }
    }
}

impl LineOut {
    /// The open node `p` (at depth `depth - 1`) gets a child.
    fn first_child(&mut self, p: &mut Frame, depth: usize) {
        if !p.children && !p.silent && !p.redacted {
            // The first child decides how the parent's value reads.
            self.eq(*p);
            if depth >= SUMMARY_DEPTH {
                self.body.extend_from_slice("{…}".as_bytes());
                p.collapsed = true;
            } else {
                self.body.push(b'{');
            }
        }
        p.children = true;
    }
}

impl LineOut {
    /// Writes what precedes a node's value (separator, label) unless it is
    /// silent; returns whether it is.
    fn start(&mut self, name: &'static str, number: Option<u64>, unknown: bool) -> bool {
        let depth = self.open.len();
        let mut silent = is_pad(name);
        if let Some(&p) = self.open.last() {
            let mut p = p;
            self.first_child(&mut p, depth);
            silent |= p.silent || p.collapsed || p.redacted;
            if !silent {
                if p.wrote_child {
                    self.body.push(b' ');
                }
                p.wrote_child = true;
            }
            if let Some(last) = self.open.last_mut() {
                *last = p;
            }
        } else if !silent {
            self.body.push(b' ');
        }
        if !silent {
            match (unknown, number) {
                (true, Some(n)) => {
                    self.body.extend_from_slice(b"attr");
                    hex_num(&mut self.body, n);
                    self.body.push(b'=');
                }
                (true, None) => self.body.extend_from_slice(b"?="),
                (false, Some(n)) if name.is_empty() => {
                    self.body.push(b'[');
                    dec(&mut self.body, n);
                    self.body.push(b']');
                }
                (false, _) => self.body.extend_from_slice(name.as_bytes()),
            }
        }
        silent
    }

    /// Writes `=value` (bytes cut short); a flag's presence writes nothing
    /// and returns true.
    fn put_value(&mut self, unknown: bool, v: Val<'_>) -> bool {
        let bytes = match v {
            Val::Bytes(b) => Some(b),
            Val::Built(Value::Bytes(b)) => Some(&b[..]),
            Val::Present | Val::Built(Value::Present) if !unknown => return true,
            _ => None,
        };
        if !unknown {
            self.body.push(b'=');
        }
        match bytes {
            Some(b) => {
                hex_bytes(&mut self.body, &b[..b.len().min(SUMMARY_BYTES)]);
                if b.len() > SUMMARY_BYTES {
                    self.body.extend_from_slice("…(".as_bytes());
                    dec(&mut self.body, b.len() as u64);
                    self.body.extend_from_slice(b" bytes)");
                }
            }
            None => value(&mut self.body, v),
        }
        false
    }
}

impl Out for LineOut {
    fn hides_children(&self) -> bool {
        self.open.len() >= SUMMARY_DEPTH || self.open.last().is_some_and(|f| f.silent || f.redacted)
    }

    fn children_hidden(&mut self) {
        let depth = self.open.len();
        if let Some(&p) = self.open.last() {
            let mut p = p;
            self.first_child(&mut p, depth);
            if let Some(last) = self.open.last_mut() {
                *last = p;
            }
        }
    }

    fn open(&mut self, name: &'static str, number: Option<u64>, _: (u32, u32), unknown: bool) {
        let silent = self.start(name, number, unknown);
        self.open.push(Frame {
            unknown,
            silent,
            ..Frame::default()
        });
    }

    /// Struct fields and scalars, the most common nodes: no frame.
    fn leaf(&mut self, name: &'static str, number: Option<u64>, v: Val<'_>, _: (u32, u32)) {
        let silent = self.start(name, number, false);
        if !silent {
            self.put_value(false, v);
        }
        self.named = !silent;
    }

    fn ifname(&mut self, name: &str) {
        if self.named {
            self.body.push(b'(');
            self.body.extend_from_slice(name.as_bytes());
            self.body.push(b')');
        }
        self.named = false;
    }

    fn value(&mut self, v: Val<'_>) {
        let Some(f) = self.open.last_mut() else {
            return;
        };
        f.value = true;
        if f.silent || f.redacted {
            return;
        }
        let unknown = f.unknown;
        if self.put_value(unknown, v)
            && let Some(f) = self.open.last_mut()
        {
            f.present = true;
        }
    }

    fn truncated(&mut self) {
        if let Some(f) = self.open.last_mut() {
            f.truncated = true;
        }
    }

    fn redacted(&mut self) {
        if let Some(f) = self.open.last_mut() {
            f.redacted = true;
        }
    }

    fn close(&mut self) {
        self.named = false;
        let Some(f) = self.open.pop() else {
            return;
        };
        if f.silent {
            return;
        }
        if f.redacted {
            self.eq(f);
            self.body.extend_from_slice(b"<redacted>");
        } else if f.children {
            if !f.collapsed {
                self.body.push(b'}');
            }
        } else if !f.value {
            self.eq(f);
            self.body.extend_from_slice(b"{}");
        } else if f.present {
            return;
        } else {
            self.named = true;
        }
        if f.truncated {
            self.body.extend_from_slice("…".as_bytes());
        }
    }

    fn end_message(&mut self, m: &mut Message) {
        let mut s = String::with_capacity(self.body.len() + 96);
        m.summary_head(&mut s);
        // Only whole UTF-8 strings and ASCII were written.
        s.push_str(core::str::from_utf8(&self.body).unwrap_or_default());
        if m.truncated {
            s.push_str(" TRUNCATED");
        }
        self.body.clear();
        self.open.clear();
        self.lines.push(s);
    }
}
