//! `NETLINK_CONNECTOR`: a `struct cn_msg` after the netlink header (whose
//! type is always `NLMSG_DONE`), and for the process events connector
//! (`CN_IDX_PROC`) a `struct proc_event` whose union member is chosen by
//! `what`: from `include/uapi/linux/connector.h` and `cn_proc.h`.

use super::dsl::*;
use crate::decode::{
    engine::{Ctx, decode_struct},
    out::{Out, Val},
    table::{Enum, Field, Hint, Struct},
};

/// `CN_IDX_*`.
static CN_IDX: Enum = enumeration(
    "cn-idx",
    &[
        (1, "proc"),
        (2, "cifs"),
        (3, "w1"),
        (4, "v86d"),
        (5, "bb"),
        (6, "dst"),
        (7, "dm"),
        (8, "drbd"),
        (9, "kvp"),
        (10, "vss"),
    ],
);

static CN_MSG: Struct = Struct {
    name: "cn_msg",
    fields: &[
        fnamed(f32("idx"), &CN_IDX),
        f32("val"),
        f32("seq"),
        f32("ack"),
        f16("len"),
        fhint(f16("flags"), Hint::Hex),
    ],
};

static MCAST_OP: Enum = enumeration("proc-cn-mcast-op", &[(1, "listen"), (2, "ignore")]);

static MCAST: Struct = Struct {
    name: "proc_cn_mcast_op",
    fields: &[fnamed(f32("op"), &MCAST_OP)],
};

/// `enum what` of `struct proc_event`.
static WHAT: Enum = enumeration(
    "proc-event-what",
    &[
        (0, "none"),
        (0x1, "fork"),
        (0x2, "exec"),
        (0x4, "uid"),
        (0x40, "gid"),
        (0x80, "sid"),
        (0x100, "ptrace"),
        (0x200, "comm"),
        (0x4000_0000, "coredump"),
        (0x8000_0000, "exit"),
    ],
);

static PROC_EVENT: Struct = Struct {
    name: "proc_event",
    fields: &[fnamed(f32("what"), &WHAT), f32("cpu"), f64("timestamp_ns")],
};

const fn ev(name: &'static str, fields: &'static [Field]) -> Struct {
    Struct { name, fields }
}

static ACK: Struct = ev("ack", &[f32("err")]);
static FORK: Struct = ev(
    "fork",
    &[
        f32("parent_pid"),
        f32("parent_tgid"),
        f32("child_pid"),
        f32("child_tgid"),
    ],
);
static EXEC: Struct = ev("exec", &[f32("process_pid"), f32("process_tgid")]);
static UID: Struct = ev(
    "id",
    &[
        f32("process_pid"),
        f32("process_tgid"),
        f32("ruid"),
        f32("euid"),
    ],
);
static GID: Struct = ev(
    "id",
    &[
        f32("process_pid"),
        f32("process_tgid"),
        f32("rgid"),
        f32("egid"),
    ],
);
static SID: Struct = ev("sid", &[f32("process_pid"), f32("process_tgid")]);
static PTRACE: Struct = ev(
    "ptrace",
    &[
        f32("process_pid"),
        f32("process_tgid"),
        f32("tracer_pid"),
        f32("tracer_tgid"),
    ],
);
static COMM: Struct = ev(
    "comm",
    &[
        f32("process_pid"),
        f32("process_tgid"),
        fbytes("comm", 16, Hint::Text),
    ],
);
static COREDUMP: Struct = ev(
    "coredump",
    &[
        f32("process_pid"),
        f32("process_tgid"),
        f32("parent_pid"),
        f32("parent_tgid"),
    ],
);
static EXIT: Struct = ev(
    "exit",
    &[
        f32("process_pid"),
        f32("process_tgid"),
        f32("exit_code"),
        f32("exit_signal"),
        f32("parent_pid"),
        f32("parent_tgid"),
    ],
);

fn event_data(what: u32) -> Option<&'static Struct> {
    Some(match what {
        0 => &ACK,
        0x1 => &FORK,
        0x2 => &EXEC,
        0x4 => &UID,
        0x40 => &GID,
        0x80 => &SID,
        0x100 => &PTRACE,
        0x200 => &COMM,
        0x4000_0000 => &COREDUMP,
        0x8000_0000 => &EXIT,
        _ => return None,
    })
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_ne_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The message's nodes, into `out`: returns its name and whether `payload`
/// ended early.
pub fn decode<O: Out>(payload: &[u8], off: usize, ctx: Ctx, out: &mut O) -> (&'static str, bool) {
    let (used, short) = decode_struct(&CN_MSG, payload, off, ctx, out);
    if short {
        return ("cn_msg", true);
    }
    let data = &payload[used..];
    let doff = off + used;
    let proc = u32_at(payload, 0) == Some(1) && u32_at(payload, 4) == Some(1);
    if !proc || data.is_empty() {
        if !data.is_empty() {
            out.leaf(
                "data",
                None,
                Val::Bytes(data),
                (doff as u32, (doff + data.len()) as u32),
            );
        }
        return ("cn_msg", false);
    }
    // Userspace subscribes with a bare `enum proc_cn_mcast_op`.
    if data.len() == 4 {
        let (_, s) = decode_struct(&MCAST, data, doff, ctx, out);
        return ("PROC_CN_MCAST", s);
    }
    let (hused, s) = decode_struct(&PROC_EVENT, data, doff, ctx, out);
    if s {
        return ("PROC_EVENT", true);
    }
    let what = u32_at(data, 0).unwrap_or(0);
    let name = match WHAT.name_of(what as u64) {
        Some("none") => "PROC_EVENT_NONE",
        Some("fork") => "PROC_EVENT_FORK",
        Some("exec") => "PROC_EVENT_EXEC",
        Some("uid") => "PROC_EVENT_UID",
        Some("gid") => "PROC_EVENT_GID",
        Some("sid") => "PROC_EVENT_SID",
        Some("ptrace") => "PROC_EVENT_PTRACE",
        Some("comm") => "PROC_EVENT_COMM",
        Some("coredump") => "PROC_EVENT_COREDUMP",
        Some("exit") => "PROC_EVENT_EXIT",
        _ => "PROC_EVENT",
    };
    let rest = &data[hused..];
    match event_data(what) {
        Some(st) => {
            let (_, s) = decode_struct(st, rest, doff + hused, ctx, out);
            (name, s)
        }
        None => {
            if !rest.is_empty() {
                out.open(
                    "event_data",
                    None,
                    ((doff + hused) as u32, (doff + data.len()) as u32),
                    true,
                );
                out.value(Val::Bytes(rest));
                out.close();
            }
            (name, false)
        }
    }
}
