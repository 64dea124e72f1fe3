//! IPv6 in-situ OAM's generic netlink family (`IOAM6`: namespaces, schemas
//! and trace events), which has no YNL spec: from
//! `include/uapi/linux/ioam6_genl.h`.
//!
//! Command numbers mean one thing going to the kernel and another coming
//! back: the kernel answers dumps with the dump's own command, and its one
//! message of its own, a trace event to the `ioam6_events` group, is
//! numbered by `enum ioam6_event_type` (`ioam6_event`, `net/ipv6/ioam6.c`),
//! whose `IOAM6_EVENT_TRACE` is `IOAM6_CMD_ADD_NAMESPACE`'s 1.

use super::dsl::*;
use crate::decode::table::{AttrSet, Dir, Family, Hint, OpKind};

static ATTRS: AttrSet = AttrSet {
    name: "ioam6-attrs",
    attrs: &[
        u16(1, "IOAM6_ATTR_NS_ID"),
        // Opaque data the node puts in traces; `ip ioam` shows it in hex.
        hint(u32(2, "IOAM6_ATTR_NS_DATA"), Hint::Hex),
        hint(u64(3, "IOAM6_ATTR_NS_DATA_WIDE"), Hint::Hex),
        u32(4, "IOAM6_ATTR_SC_ID"),
        binary(5, "IOAM6_ATTR_SC_DATA"),
        flag(6, "IOAM6_ATTR_SC_NONE"),
        pad(7, "IOAM6_ATTR_PAD"),
    ],
};

/// `enum ioam6_event_attr`.
static EVENT_ATTRS: AttrSet = AttrSet {
    name: "ioam6-event-attrs",
    attrs: &[
        u16(1, "IOAM6_EVENT_ATTR_TRACE_NAMESPACE"),
        u8(2, "IOAM6_EVENT_ATTR_TRACE_NODELEN"),
        // The trace header's type bits (RFC 9197), host order here.
        hint(u32(3, "IOAM6_EVENT_ATTR_TRACE_TYPE"), Hint::Hex),
        binary(4, "IOAM6_EVENT_ATTR_TRACE_DATA"),
    ],
};

pub static FAMILY: Family = Family {
    name: "IOAM6",
    protocol: 16,
    messages: &[
        only(
            Dir::Request,
            msg_attrs("IOAM6_CMD_ADD_NAMESPACE", 1, OpKind::New, &ATTRS),
        ),
        only(
            Dir::Reply,
            msg_attrs("IOAM6_EVENT_TRACE", 1, OpKind::Other, &EVENT_ATTRS),
        ),
        msg_attrs("IOAM6_CMD_DEL_NAMESPACE", 2, OpKind::Del, &ATTRS),
        msg_attrs("IOAM6_CMD_DUMP_NAMESPACES", 3, OpKind::Get, &ATTRS),
        msg_attrs("IOAM6_CMD_ADD_SCHEMA", 4, OpKind::New, &ATTRS),
        msg_attrs("IOAM6_CMD_DEL_SCHEMA", 5, OpKind::Del, &ATTRS),
        msg_attrs("IOAM6_CMD_DUMP_SCHEMAS", 6, OpKind::Get, &ATTRS),
        msg_attrs("IOAM6_CMD_NS_SET_SCHEMA", 7, OpKind::Other, &ATTRS),
    ],
};
