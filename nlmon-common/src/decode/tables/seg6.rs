//! Segment routing's generic netlink family (`SEG6`: HMAC keys and the
//! tunnel source), which has no YNL spec: from
//! `include/uapi/linux/seg6_genl.h`. HMAC secrets are secret.

use super::dsl::*;
use crate::decode::table::{AttrSet, Family, Hint, OpKind};

static SEG6_ATTRS: AttrSet = AttrSet {
    name: "seg6-attrs",
    attrs: &[
        hint(binary(1, "SEG6_ATTR_DST"), Hint::Ipv6),
        s32(2, "SEG6_ATTR_DSTLEN"),
        u32(3, "SEG6_ATTR_HMACKEYID"),
        secret(binary(4, "SEG6_ATTR_SECRET")),
        u8(5, "SEG6_ATTR_SECRETLEN"),
        u8(6, "SEG6_ATTR_ALGID"),
        binary(7, "SEG6_ATTR_HMACINFO"),
    ],
};

pub static FAMILY: Family = Family {
    name: "SEG6",
    protocol: 16,
    messages: &[
        msg_attrs("SEG6_CMD_SETHMAC", 1, OpKind::Other, &SEG6_ATTRS),
        msg_attrs("SEG6_CMD_DUMPHMAC", 2, OpKind::Get, &SEG6_ATTRS),
        msg_attrs("SEG6_CMD_SET_TUNSRC", 3, OpKind::Other, &SEG6_ATTRS),
        msg_attrs("SEG6_CMD_GET_TUNSRC", 4, OpKind::Get, &SEG6_ATTRS),
    ],
};
