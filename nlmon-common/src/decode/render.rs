//! Text views of a decoded message: a one-line summary and a multi-line
//! tree. Golden tests assert these exactly; change them deliberately.
//!
//! Summary: `NAME flags seq=N portid=N field=value ATTR=value NEST={A=1 B={…}}`
//! (nests two levels deep, padding left out, bytes cut at 32).
//! Tree: the same head with `len=`, then one node per line, indented by
//! depth: `ATTR (number): value`, unknown attributes as
//! `attr 0x2a (unknown) 8 bytes: hex`.

use alloc::{format, string::String};
use core::fmt::{self, Write as _};

use super::{
    NETLINK_GENERIC, NETLINK_NETFILTER,
    tree::{Message, Node, Value},
};

/// Bytes shown in a summary before it says how many there were.
pub(super) const SUMMARY_BYTES: usize = 32;
/// Nesting levels a summary spells out.
pub(super) const SUMMARY_DEPTH: usize = 2;

fn hex(out: &mut String, b: &[u8]) {
    for x in b {
        let _ = write!(out, "{x:02x}");
    }
}

/// Text safe to print bare (no spaces or characters used by the summary
/// syntax); anything else is quoted with escapes.
fn plain(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '{' | '}' | '=' | '\\'))
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::None => Ok(()),
            Value::Present => f.write_str("true"),
            Value::Unsigned(v) => write!(f, "{v}"),
            Value::Signed(v) => write!(f, "{v}"),
            Value::Hex(v) => write!(f, "{v:#x}"),
            Value::Enum { raw, name } => match name {
                Some(n) => f.write_str(n),
                None => write!(f, "{raw}"),
            },
            Value::Flags { names, unknown, .. } => {
                let mut first = true;
                for n in names {
                    if !first {
                        f.write_str(",")?;
                    }
                    f.write_str(n)?;
                    first = false;
                }
                if *unknown != 0 {
                    if !first {
                        f.write_str(",")?;
                    }
                    write!(f, "{unknown:#x}")?;
                } else if first {
                    f.write_str("0")?;
                }
                Ok(())
            }
            Value::Bitfield {
                value,
                selector,
                names,
            } => {
                if names.is_empty() {
                    write!(f, "{value:#x}")?;
                } else {
                    f.write_str(&names.join(","))?;
                }
                write!(f, "/{selector:#x}")
            }
            Value::Str(s) => {
                if plain(s) {
                    f.write_str(s)
                } else {
                    write!(f, "{s:?}")
                }
            }
            Value::Bytes(b) => {
                let mut s = String::with_capacity(b.len() * 2);
                hex(&mut s, b);
                f.write_str(&s)
            }
            Value::Ipv4(a) => write!(f, "{}", core::net::Ipv4Addr::from(*a)),
            Value::Ipv6(a) => write!(f, "{}", core::net::Ipv6Addr::from(*a)),
            Value::Mac(b) => {
                for (i, x) in b.iter().enumerate() {
                    if i > 0 {
                        f.write_str(":")?;
                    }
                    write!(f, "{x:02x}")?;
                }
                Ok(())
            }
            Value::Uuid(u) => {
                for (i, x) in u.iter().enumerate() {
                    if matches!(i, 4 | 6 | 8 | 10) {
                        f.write_str("-")?;
                    }
                    write!(f, "{x:02x}")?;
                }
                Ok(())
            }
            Value::Array(v) => {
                f.write_str("[")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
        }
    }
}

impl Node {
    /// Bytes of the value (the attribute without its 4-byte header).
    fn payload_len(&self) -> u32 {
        let len = self.range.1.saturating_sub(self.range.0);
        if self.number.is_some() {
            len.saturating_sub(4)
        } else {
            len
        }
    }

    fn label(&self) -> String {
        if self.unknown {
            match self.number {
                Some(n) => format!("attr {n:#x} (unknown)"),
                None => String::from("(extra)"),
            }
        } else {
            match self.number {
                Some(n) if self.name.is_empty() => format!("[{n}]"),
                Some(n) => format!("{} ({n})", self.name),
                None => String::from(self.name),
            }
        }
    }

    fn summarise(&self, out: &mut String, depth: usize) {
        if self.unknown {
            match self.number {
                Some(n) => {
                    let _ = write!(out, "attr{n:#x}=");
                }
                None => out.push_str("?="),
            }
        } else {
            match self.number {
                // An indexed array's element.
                Some(n) if self.name.is_empty() => {
                    let _ = write!(out, "[{n}]");
                }
                _ => out.push_str(self.name),
            }
            if matches!(self.value, Value::Present) {
                return;
            }
            out.push('=');
        }
        if self.redacted {
            out.push_str("<redacted>");
        } else if !self.children.is_empty() {
            if depth + 1 >= SUMMARY_DEPTH {
                out.push_str("{…}");
            } else {
                out.push('{');
                let mut first = true;
                for c in &self.children {
                    if is_pad(c.name) {
                        continue;
                    }
                    if !first {
                        out.push(' ');
                    }
                    c.summarise(out, depth + 1);
                    first = false;
                }
                out.push('}');
            }
        } else if let Value::Bytes(b) = &self.value {
            hex(out, &b[..b.len().min(SUMMARY_BYTES)]);
            if b.len() > SUMMARY_BYTES {
                let _ = write!(out, "…({} bytes)", b.len());
            }
        } else if matches!(self.value, Value::None) {
            out.push_str("{}");
        } else {
            let _ = write!(out, "{}", self.value);
        }
        if self.truncated {
            out.push('…');
        }
        if let Some(n) = &self.ifname {
            let _ = write!(out, "({n})");
        }
    }

    fn render_tree(&self, out: &mut String, indent: usize) {
        for _ in 0..indent {
            out.push_str("  ");
        }
        out.push_str(&self.label());
        if self.unknown && self.children.is_empty() {
            let _ = write!(out, " {} bytes: {}", self.payload_len(), self.value);
        } else if self.redacted {
            let _ = write!(out, ": <redacted {} bytes>", self.payload_len());
        } else {
            match &self.value {
                Value::None => out.push(':'),
                Value::Enum { raw, name: Some(n) } => {
                    let _ = write!(out, ": {n} ({raw})");
                }
                Value::Flags { raw, .. } => {
                    let _ = write!(out, ": {} ({raw:#x})", self.value);
                }
                v => {
                    let _ = write!(out, ": {v}");
                }
            }
        }
        if let Some(n) = &self.ifname {
            let _ = write!(out, " ({n})");
        }
        if self.truncated {
            out.push_str(" [truncated]");
        }
        out.push('\n');
        for c in &self.children {
            c.render_tree(out, indent + 1);
        }
    }
}

/// Padding is left out of summaries.
pub(super) fn is_pad(name: &str) -> bool {
    name.ends_with("_PAD") || name == "pad"
}

/// A number in decimal, without `core::fmt` (every line has two).
fn push_num(s: &mut String, v: u32) {
    let mut buf = [0; 20];
    let d = super::line::digits(v.into(), &mut buf);
    s.push_str(core::str::from_utf8(d).unwrap_or_default());
}

impl Message {
    /// `RTM_NEWADDR request,ack seq=17 portid=0`
    fn head(&self, s: &mut String) {
        match (self.type_name, &self.family) {
            (Some(n), _) => s.push_str(n),
            (None, _) if self.malformed.is_some() => s.push_str("MALFORMED"),
            (None, Some(f)) if self.protocol == NETLINK_GENERIC => {
                let _ = write!(s, "genl:{f}");
            }
            (None, None) if self.protocol == NETLINK_GENERIC => {
                let _ = write!(s, "genl:{}", self.header.ty);
            }
            (None, fam) if self.protocol == NETLINK_NETFILTER => {
                let sub = self.header.ty >> 8;
                match fam {
                    Some(f) => {
                        let _ = write!(s, "nfnl:{f}/{}", self.header.ty & 0xff);
                    }
                    None => {
                        let _ = write!(s, "nfnl:{sub}/{}", self.header.ty & 0xff);
                    }
                }
            }
            (None, _) => {
                let _ = write!(s, "type={}", self.header.ty);
            }
        }
        s.push(' ');
        let mut first = true;
        for n in &self.flag_names {
            if !first {
                s.push(',');
            }
            s.push_str(n);
            first = false;
        }
        if self.flags_unknown != 0 {
            if !first {
                s.push(',');
            }
            let _ = write!(s, "{:#x}", self.flags_unknown);
        } else if first {
            s.push('-');
        }
        s.push_str(" seq=");
        push_num(s, self.header.seq);
        s.push_str(" portid=");
        push_num(s, self.header.pid);
    }

    /// One line: the header, then every field and attribute briefly.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        self.summary_head(&mut s);
        for n in &self.body {
            if is_pad(n.name) {
                continue;
            }
            s.push(' ');
            n.summarise(&mut s, 0);
        }
        if self.truncated {
            s.push_str(" TRUNCATED");
        }
        s
    }

    /// The summary up to the message's nodes: names, flags, error.
    pub(super) fn summary_head(&self, s: &mut String) {
        self.head(s);
        if let Some(why) = &self.malformed {
            let _ = write!(s, " ({why})");
        }
        if let Some(e) = &self.error {
            match (e.errno, e.name) {
                (0, _) if self.type_name == Some("NLMSG_ERROR") => s.push_str(" ack"),
                (0, _) => {}
                (_, Some(name)) => {
                    let _ = write!(s, " error={name} ({})", e.text.unwrap_or(""));
                }
                (n, None) => {
                    let _ = write!(s, " error={n}");
                }
            }
            if let Some(r) = &e.request {
                let _ = write!(s, " to={}", r.type_name.unwrap_or("?"));
                if r.type_name.is_none() {
                    let _ = write!(s, "(type={})", r.header.ty);
                }
                let _ = write!(s, " seq={}", r.header.seq);
            }
            if let Some(msg) = &e.message {
                let _ = write!(s, " msg={:?}", msg.as_str());
            }
            match (&e.offending, e.offset) {
                (Some(at), _) => {
                    let _ = write!(s, " at={at}");
                }
                (None, Some(o)) => {
                    let _ = write!(s, " offset={o}");
                }
                _ => {}
            }
        }
    }

    /// Many lines: the header, then every node indented by depth.
    pub fn tree(&self) -> String {
        let mut s = String::new();
        self.head(&mut s);
        let _ = write!(s, " len={}", self.header.len);
        if self.truncated {
            s.push_str(" [truncated]");
        }
        if let Some(why) = &self.malformed {
            let _ = write!(s, " MALFORMED: {why}");
        }
        s.push('\n');
        self.tree_into(&mut s, 1);
        s
    }

    fn tree_into(&self, s: &mut String, indent: usize) {
        let pad = |s: &mut String, n: usize| {
            for _ in 0..n {
                s.push_str("  ");
            }
        };
        if let Some(e) = &self.error {
            pad(s, indent);
            match (e.name, e.text) {
                (Some(n), Some(t)) => {
                    let _ = writeln!(s, "error: {n} ({t}) errno={}", e.errno);
                }
                _ if e.errno == 0 => s.push_str("error: 0 (success)\n"),
                _ => {
                    let _ = writeln!(s, "error: errno={}", e.errno);
                }
            }
            if let Some(r) = &e.request {
                pad(s, indent);
                s.push_str("request: ");
                r.head(s);
                let _ = writeln!(s, " len={}", r.header.len);
                r.tree_into(s, indent + 1);
            }
            if !e.extack.is_empty() {
                pad(s, indent);
                s.push_str("extack:");
                if let Some(at) = &e.offending {
                    let _ = write!(s, " at {at}");
                }
                s.push('\n');
                for n in &e.extack {
                    n.render_tree(s, indent + 1);
                }
            }
        }
        for n in &self.body {
            n.render_tree(s, indent);
        }
    }
}
