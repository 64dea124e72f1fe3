//! rtnetlink nexthop objects (`RTM_*NEXTHOP`, `RTM_*NEXTHOPBUCKET`), which
//! the 6.12 YNL specs lack: from `include/uapi/linux/nexthop.h`.

use super::{
    ADDRESS_FAMILY,
    dsl::*,
    rt_common::{LWTUNNEL_ENCAP, RT_PROTOCOL, RT_SCOPE},
};
use crate::decode::{
    generated::rt_route::SET_ROUTE_ATTRS,
    table::{Attr, AttrKind, AttrSet, Enum, Family, OpKind, Struct},
};

/// `RTNH_F_*`.
pub static RTNH_FLAGS: Enum = flags(
    "rtnh-flags",
    &[
        (0x01, "dead"),
        (0x02, "pervasive"),
        (0x04, "onlink"),
        (0x08, "offload"),
        (0x10, "linkdown"),
        (0x20, "unresolved"),
        (0x40, "trap"),
    ],
);

static GROUP_TYPE: Enum = enumeration("nexthop-grp-type", &[(0, "mpath"), (1, "resilient")]);

static NHMSG: Struct = Struct {
    name: "nhmsg",
    fields: &[
        fnamed(f8("nh_family"), &ADDRESS_FAMILY),
        fnamed(f8("nh_scope"), &RT_SCOPE),
        fnamed(f8("nh_protocol"), &RT_PROTOCOL),
        fpad(1),
        fnamed(f32("nh_flags"), &RTNH_FLAGS),
    ],
};

/// One member of `NHA_GROUP`; the weight on the wire is one less than the
/// configured one.
static NEXTHOP_GRP: Struct = Struct {
    name: "nexthop_grp",
    fields: &[f32("id"), f8("weight"), f8("weight_high"), fpad(2)],
};

static NHA_RES_GROUP_ATTRS: AttrSet = AttrSet {
    name: "nha-res-group-attrs",
    attrs: &[
        pad(0, "NHA_RES_GROUP_PAD"),
        u16(1, "NHA_RES_GROUP_BUCKETS"),
        u32(2, "NHA_RES_GROUP_IDLE_TIMER"),
        u32(3, "NHA_RES_GROUP_UNBALANCED_TIMER"),
        u64(4, "NHA_RES_GROUP_UNBALANCED_TIME"),
    ],
};

static NHA_RES_BUCKET_ATTRS: AttrSet = AttrSet {
    name: "nha-res-bucket-attrs",
    attrs: &[
        pad(0, "NHA_RES_BUCKET_PAD"),
        u16(1, "NHA_RES_BUCKET_INDEX"),
        u64(2, "NHA_RES_BUCKET_IDLE_TIME"),
        u32(3, "NHA_RES_BUCKET_NH_ID"),
    ],
};

static NHA_ATTRS: AttrSet = AttrSet {
    name: "nexthop-attrs",
    attrs: &[
        u32(1, "NHA_ID"),
        // Back-to-back `struct nexthop_grp`s: an array of structs.
        attr(2, "NHA_GROUP", AttrKind::StructArray(&NEXTHOP_GRP)),
        named(u16(3, "NHA_GROUP_TYPE"), &GROUP_TYPE),
        flag(4, "NHA_BLACKHOLE"),
        u32(5, "NHA_OIF"),
        ip(6, "NHA_GATEWAY"),
        named(u16(7, "NHA_ENCAP_TYPE"), &LWTUNNEL_ENCAP),
        binary(8, "NHA_ENCAP"),
        flag(9, "NHA_GROUPS"),
        u32(10, "NHA_MASTER"),
        flag(11, "NHA_FDB"),
        nest(12, "NHA_RES_GROUP", &NHA_RES_GROUP_ATTRS),
        nest(13, "NHA_RES_BUCKET", &NHA_RES_BUCKET_ATTRS),
        u32(14, "NHA_OP_FLAGS"),
        nest(15, "NHA_GROUP_STATS", &EMPTY),
        u32(16, "NHA_HW_STATS_ENABLE"),
        u32(17, "NHA_HW_STATS_USED"),
    ],
};

static EMPTY: AttrSet = AttrSet {
    name: "unknown",
    attrs: &[],
};

pub static FAMILY: Family = Family {
    name: "rt-nexthop",
    protocol: 0,
    messages: &[
        msg("RTM_NEWNEXTHOP", 104, OpKind::New, &NHMSG, &NHA_ATTRS),
        msg("RTM_DELNEXTHOP", 105, OpKind::Del, &NHMSG, &NHA_ATTRS),
        msg("RTM_GETNEXTHOP", 106, OpKind::Get, &NHMSG, &NHA_ATTRS),
        msg("RTM_NEWNEXTHOPBUCKET", 116, OpKind::New, &NHMSG, &NHA_ATTRS),
        msg("RTM_DELNEXTHOPBUCKET", 117, OpKind::Del, &NHMSG, &NHA_ATTRS),
        msg("RTM_GETNEXTHOPBUCKET", 118, OpKind::Get, &NHMSG, &NHA_ATTRS),
    ],
};

/// `struct rtnexthop`: one path of a multipath route; `rtnh_hops` is the
/// weight minus one.
static RTNEXTHOP: Struct = Struct {
    name: "rtnexthop",
    fields: &[
        f16("rtnh_len"),
        fnamed(f8("rtnh_flags"), &RTNH_FLAGS),
        f8("rtnh_hops"),
        fs32("rtnh_ifindex"),
    ],
};

/// `RTA_MULTIPATH`, a plain `binary` in the `rt-route` spec: every path with
/// its own `RTA_*` (gateway, encapsulation, ...).
pub static RTA_MULTIPATH: Attr = attr(
    9,
    "RTA_MULTIPATH",
    AttrKind::Records(&RTNEXTHOP, &SET_ROUTE_ATTRS),
);
