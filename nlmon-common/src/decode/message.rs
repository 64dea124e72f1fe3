//! From a buffer to messages: the standard header, the control messages
//! (`NLMSG_ERROR` with its echoed request and extended ack, `NLMSG_DONE`),
//! and each protocol's way of finding a message's table (rtnetlink types,
//! generic netlink family ids and commands, netfilter subsystems).

use alloc::{boxed::Box, format, string::String, vec, vec::Vec};

use super::{
    Decoder, GENL_ID_CTRL, NETLINK_AUDIT, NETLINK_CONNECTOR, NETLINK_GENERIC,
    NETLINK_KOBJECT_UEVENT, NETLINK_NETFILTER, NETLINK_ROUTE, NETLINK_SOCK_DIAG,
    engine::{self, Ctx},
    errno::errno,
    flags::{self, FlagKind},
    generated,
    out::{Out, TreeOut, Val},
    rtnl_names,
    table::{MsgDef, OpKind, Struct},
    tables,
    tree::{ErrorInfo, Header, Message, Node, Value},
};
use crate::nlmsg::{
    BadFrame, Frame, NLMSG_DONE, NLMSG_ERROR, NLMSG_HDRLEN, NLMSG_NOOP, NLMSG_OVERRUN, NlMsgHdr,
    frames,
};
const GENL_HDRLEN: usize = 4;
const CTRL_CMD_NEWFAMILY: u8 = 1;
const CTRL_ATTR_FAMILY_ID: u16 = 1;
const CTRL_ATTR_FAMILY_NAME: u16 = 2;

fn header(h: &NlMsgHdr) -> Header {
    Header {
        len: h.len,
        ty: h.ty,
        flags: h.flags,
        seq: h.seq,
        pid: h.pid,
    }
}

/// How deep a walk goes: `depth` counts errors echoing requests (which are
/// decoded once, not recursively); `shallow` stops at names and headers.
#[derive(Clone, Copy)]
pub struct Walk {
    pub depth: u32,
    pub shallow: bool,
}

/// Every message of a buffer; the nodes of each go to `out`, which is
/// told when a message ends ([`Out::end_message`]).
pub fn decode_buffer<O: Out>(
    d: &Decoder,
    protocol: u32,
    data: &[u8],
    shallow: bool,
    out: &mut O,
) -> Vec<Message> {
    let walk = Walk { depth: 0, shallow };
    // Kernel uevents are text without a netlink header.
    if protocol == NETLINK_KOBJECT_UEVENT {
        let mut m = tables::uevent::decode(data);
        out.nodes(core::mem::take(&mut m.body));
        out.end_message(&mut m);
        return vec![m];
    }
    let mut msgs = Vec::new();
    for f in frames(data) {
        match f {
            Frame::Msg {
                hdr,
                payload,
                start,
                end,
            } => {
                let mut m =
                    decode_message(d, protocol, &hdr, payload, start, end, false, walk, out);
                out.end_message(&mut m);
                msgs.push(m);
            }
            Frame::Bad {
                start,
                rest,
                reason: BadFrame::Truncated { .. },
            } => {
                // The header is whole: decode what there is of the message.
                if let Some(hdr) = NlMsgHdr::parse(rest) {
                    let payload = &rest[NLMSG_HDRLEN..];
                    let mut m = decode_message(
                        d,
                        protocol,
                        &hdr,
                        payload,
                        start,
                        start + rest.len(),
                        true,
                        walk,
                        out,
                    );
                    out.end_message(&mut m);
                    msgs.push(m);
                }
            }
            Frame::Bad {
                start,
                rest,
                reason,
            } => {
                let why = match reason {
                    BadFrame::ShortHeader => format!("{} bytes, fewer than a header", rest.len()),
                    BadFrame::LengthTooSmall { len } => {
                        format!("nlmsg_len {len} is below the header size")
                    }
                    BadFrame::Truncated { len } => {
                        format!("nlmsg_len {len}, {} bytes captured", rest.len())
                    }
                };
                let range = (start as u32, (start + rest.len()) as u32);
                out.open("", None, range, true);
                out.value(Val::Bytes(rest));
                out.close();
                let mut m = Message {
                    protocol,
                    range,
                    header: NlMsgHdr::parse(rest)
                        .map(|h| header(&h))
                        .unwrap_or_default(),
                    truncated: true,
                    malformed: Some(why),
                    ..Message::default()
                };
                out.end_message(&mut m);
                msgs.push(m);
            }
        }
    }
    msgs
}

/// How the flags above the low byte read for a message of this definition.
fn flag_kind(protocol: u32, ty: u16, def: Option<&MsgDef>, hflags: u16) -> FlagKind {
    if let Some(def) = def {
        match def.kind {
            OpKind::New => return FlagKind::New,
            OpKind::Del => return FlagKind::Del,
            OpKind::Get => return FlagKind::Get,
            OpKind::Other => {}
        }
    } else if protocol == NETLINK_ROUTE && ty >= 16 {
        return match ty % 4 {
            0 => FlagKind::New,
            1 => FlagKind::Del,
            2 => FlagKind::Get,
            _ => FlagKind::Plain,
        };
    }
    // Any request asking for a dump says so with ROOT|MATCH.
    if hflags & flags::NLM_F_REQUEST != 0 && hflags & flags::NLM_F_DUMP == flags::NLM_F_DUMP {
        FlagKind::Get
    } else {
        FlagKind::Plain
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "the frame's parts, kept apart to avoid copying"
)]
fn decode_message<O: Out>(
    d: &Decoder,
    protocol: u32,
    hdr: &NlMsgHdr,
    payload: &[u8],
    start: usize,
    end: usize,
    truncated: bool,
    walk: Walk,
    out: &mut O,
) -> Message {
    let mut m = Message {
        protocol,
        range: (start as u32, end as u32),
        header: header(hdr),
        truncated,
        ..Message::default()
    };
    let off = start + NLMSG_HDRLEN;
    let ctx = Ctx {
        show_secrets: d.opts.show_secrets,
        depth: 0,
        shallow: walk.shallow,
    };
    let request = hdr.flags & flags::NLM_F_REQUEST != 0;
    let mut def = None;
    match hdr.ty {
        // The connector sends everything as NLMSG_DONE, after a cn_msg.
        _ if protocol == NETLINK_CONNECTOR => {
            let (name, short) = tables::connector::decode(payload, off, ctx, out);
            m.type_name = Some(name);
            m.truncated |= short;
        }
        NLMSG_NOOP => m.type_name = Some("NLMSG_NOOP"),
        NLMSG_ERROR | NLMSG_DONE => {
            m.type_name = Some(if hdr.ty == NLMSG_ERROR {
                "NLMSG_ERROR"
            } else {
                "NLMSG_DONE"
            });
            decode_error(d, protocol, hdr, payload, off, walk, &mut m);
        }
        NLMSG_OVERRUN => m.type_name = Some("NLMSG_OVERRUN"),
        _ if protocol == NETLINK_GENERIC => {
            def = decode_genl(d, hdr, payload, off, ctx, &mut m, out);
        }
        ty => {
            def = if protocol == NETLINK_SOCK_DIAG {
                // One type, a header per address family (the first byte).
                tables::sock_diag::select(ty, payload.first().copied().unwrap_or(0), request)
            } else {
                d.raw
                    .get(&(protocol, ty))
                    .and_then(|defs| defs.pick(request))
            };
            if protocol == NETLINK_NETFILTER {
                m.family = tables::nfnl_subsystem((ty >> 8) as u8).map(String::from);
            }
            match def {
                Some(def) if protocol == NETLINK_AUDIT && tables::audit::is_text(ty) => {
                    // Audit records are text (`audit(...): key=value ...`).
                    m.type_name = Some(def.name);
                    let r = (off as u32, (off + payload.len()) as u32);
                    out.leaf("text", None, Val::Str(payload), r);
                }
                Some(def) => {
                    m.type_name = Some(def.name);
                    body(def.header, Some(def), payload, off, ctx, &mut m, out);
                }
                None => {
                    if protocol == NETLINK_ROUTE {
                        m.type_name = rtnl_names::name(ty);
                    }
                    // Every netfilter message starts with nfgenmsg.
                    let fixed = (protocol == NETLINK_NETFILTER)
                        .then_some(&generated::nftables::STRUCT_NFGENMSG);
                    body(fixed, None, payload, off, ctx, &mut m, out);
                }
            }
        }
    }
    m.op = def.map(|d| d.kind);
    let kind = if matches!(hdr.ty, NLMSG_ERROR | NLMSG_DONE) {
        FlagKind::Ack
    } else {
        flag_kind(protocol, hdr.ty, def, hdr.flags)
    };
    let (names, unknown) = flags::names(hdr.flags, kind);
    m.flag_names = names;
    m.flags_unknown = unknown;
    m
}

/// A fixed header then attributes (or, with no table, the payload as hex).
fn body<O: Out>(
    fixed: Option<&'static Struct>,
    def: Option<&'static MsgDef>,
    payload: &[u8],
    off: usize,
    ctx: Ctx,
    m: &mut Message,
    out: &mut O,
) {
    if ctx.shallow {
        return;
    }
    let mut used = 0;
    if let Some(st) = fixed {
        let (u, short) = engine::decode_struct(st, payload, off, ctx, out);
        m.truncated |= short;
        // Attributes start at the next 4-byte boundary (`nlmsg_attrdata`),
        // which matters after 1-byte headers such as `rtgenmsg`.
        used = u.next_multiple_of(4).min(payload.len());
    }
    let rest = payload.get(used..).unwrap_or(&[]);
    if rest.is_empty() {
        return;
    }
    match def {
        // A definition without attributes: what follows its header is not
        // TLVs (audit rules, say), so it is shown as bytes.
        Some(def) if def.attrs.is_none() => {
            let r = ((off + used) as u32, (off + payload.len()) as u32);
            out.leaf("payload", None, Val::Bytes(rest), r);
        }
        Some(def) => {
            m.truncated |= engine::decode_attrs(def.attrs, rest, off + used, ctx, out);
        }
        None => {
            let r = ((off + used) as u32, (off + payload.len()) as u32);
            out.open("", None, r, true);
            out.value(Val::Bytes(rest));
            out.close();
        }
    }
}

/// `genlmsghdr`, then the family's command.
fn decode_genl<O: Out>(
    d: &Decoder,
    hdr: &NlMsgHdr,
    payload: &[u8],
    off: usize,
    ctx: Ctx,
    m: &mut Message,
    out: &mut O,
) -> Option<&'static MsgDef> {
    let fam = d.genl.get(&hdr.ty);
    m.family = fam.map(|f| f.name.clone());
    if payload.len() < GENL_HDRLEN {
        m.truncated = true;
        if !payload.is_empty() {
            out.open(
                "genlmsghdr",
                None,
                (off as u32, (off + payload.len()) as u32),
                false,
            );
            out.value(Val::Bytes(payload));
            out.truncated();
            out.close();
        }
        return None;
    }
    let cmd = payload[0];
    let request = hdr.flags & flags::NLM_F_REQUEST != 0;
    let def = fam
        .and_then(|f| f.defs.get(&(cmd as u16)))
        .and_then(|defs| defs.pick(request));
    m.type_name = def.map(|d| d.name);
    out.leaf(
        "cmd",
        None,
        Val::Unsigned(cmd as u64),
        (off as u32, off as u32 + 1),
    );
    out.leaf(
        "version",
        None,
        Val::Unsigned(payload[1] as u64),
        (off as u32 + 1, off as u32 + 2),
    );
    let rest = &payload[GENL_HDRLEN..];
    let roff = off + GENL_HDRLEN;
    match (def, fam.and_then(|f| f.table)) {
        (Some(def), _) => body(def.header, Some(def), rest, roff, ctx, m, out),
        // A known family but an unknown command: its attributes are still
        // attributes, shown by number.
        (None, _) if !ctx.shallow => {
            m.truncated |= engine::decode_attrs(None, rest, roff, ctx, out);
        }
        (None, _) => {}
    }
    def
}

/// `struct nlmsgerr` (or `NLMSG_DONE`'s error) and the extended ack.
fn decode_error(
    d: &Decoder,
    protocol: u32,
    hdr: &NlMsgHdr,
    payload: &[u8],
    off: usize,
    walk: Walk,
    m: &mut Message,
) {
    let mut e = ErrorInfo::default();
    let Some(raw) = payload.get(..4) else {
        // NLMSG_DONE of old kernels may carry nothing; anything else is cut.
        m.truncated |= hdr.ty == NLMSG_ERROR || !payload.is_empty();
        m.error = Some(e);
        return;
    };
    let code = i32::from_ne_bytes([raw[0], raw[1], raw[2], raw[3]]);
    e.errno = code.wrapping_neg();
    if let Some((name, text)) = errno(e.errno) {
        e.name = Some(name);
        e.text = Some(text);
    }
    let mut pos = 4;
    if hdr.ty == NLMSG_ERROR {
        let rest = &payload[4..];
        match NlMsgHdr::parse(rest) {
            Some(req) => {
                let capped = hdr.flags & flags::NLM_F_CAPPED != 0;
                let have = if capped {
                    NLMSG_HDRLEN
                } else {
                    (req.len as usize).clamp(NLMSG_HDRLEN, rest.len())
                };
                let rstart = off + 4;
                let short = !capped && (req.len as usize) > rest.len();
                let mut rm = if walk.depth > 0 {
                    // An error echoing an error: don't recurse further.
                    Message {
                        protocol,
                        range: (rstart as u32, (rstart + have) as u32),
                        header: header(&req),
                        ..Message::default()
                    }
                } else {
                    // The echoed request is kept as a tree whatever the
                    // output: the extended ack's offset points into it.
                    let mut tree = TreeOut::default();
                    let mut rm = decode_message(
                        d,
                        protocol,
                        &req,
                        &rest[NLMSG_HDRLEN..have],
                        rstart,
                        rstart + have,
                        short,
                        Walk {
                            depth: walk.depth + 1,
                            ..walk
                        },
                        &mut tree,
                    );
                    tree.end_message(&mut rm);
                    rm
                };
                if capped {
                    // Only the header was echoed: no body to show.
                    rm.body.clear();
                    rm.truncated = false;
                    rm.error = None;
                }
                m.truncated |= short;
                pos += if capped {
                    NLMSG_HDRLEN
                } else {
                    (req.len as usize + 3) & !3
                };
                e.request = Some(Box::new(rm));
            }
            None => {
                m.truncated = true;
                pos = payload.len();
            }
        }
    }
    if hdr.flags & flags::NLM_F_ACK_TLVS != 0 && pos < payload.len() {
        // Even a shallow walk reads the extended ack: it is what an error says.
        let ctx = Ctx {
            show_secrets: d.opts.show_secrets,
            depth: 0,
            shallow: false,
        };
        let (nodes, t) = engine::attr_nodes(Some(&tables::EXTACK), &payload[pos..], off + pos, ctx);
        m.truncated |= t;
        for n in &nodes {
            match (n.number, &n.value) {
                (Some(1), Value::Str(s)) => e.message = Some(s.clone()),
                (Some(2), Value::Unsigned(o)) => e.offset = Some(*o as u32),
                _ => {}
            }
        }
        e.extack = nodes;
    }
    if let (Some(o), Some(req)) = (e.offset, &e.request) {
        // The offset comes from the wire: an absurd one points nowhere.
        e.offending = req
            .range
            .0
            .checked_add(o)
            .and_then(|at| path_at(&req.body, at));
    }
    m.error = Some(e);
}

/// The names down to the deepest node starting at byte `at`: the attribute
/// an extended ack offset points to.
pub(super) fn path_at(nodes: &[Node], at: u32) -> Option<String> {
    for n in nodes {
        if n.range.0 <= at && at < n.range.1.max(n.range.0.saturating_add(1)) {
            let here = if n.unknown || n.name.is_empty() {
                format!("attr {}", n.number.unwrap_or(0))
            } else {
                String::from(n.name)
            };
            if n.range.0 == at && n.children.iter().all(|c| c.range.0 != at) {
                return Some(here);
            }
            return match path_at(&n.children, at) {
                Some(inner) => Some(format!("{here}/{inner}")),
                None => Some(here),
            };
        }
    }
    None
}

/// `(id, name)` of every `CTRL_CMD_NEWFAMILY` in a generic netlink buffer.
pub fn new_families(data: &[u8]) -> Vec<(u16, String)> {
    let mut out = Vec::new();
    for f in frames(data) {
        let Frame::Msg { hdr, payload, .. } = f else {
            continue;
        };
        if hdr.ty != GENL_ID_CTRL
            || payload.first() != Some(&CTRL_CMD_NEWFAMILY)
            || payload.len() < GENL_HDRLEN
        {
            continue;
        }
        let attrs = &payload[GENL_HDRLEN..];
        let id = engine::find_attr(attrs, CTRL_ATTR_FAMILY_ID).and_then(|b| b.get(..2));
        let name = engine::find_attr(attrs, CTRL_ATTR_FAMILY_NAME);
        if let (Some(id), Some(name)) = (id, name) {
            out.push((u16::from_ne_bytes([id[0], id[1]]), engine::text(name)));
        }
    }
    out
}
