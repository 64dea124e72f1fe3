//! rtnetlink policy routing rules (`RTM_*RULE`), which the 6.12 YNL specs
//! lack: from `include/uapi/linux/fib_rules.h`.

use super::{
    ADDRESS_FAMILY,
    dsl::*,
    rt_common::{RT_PROTOCOL, RT_TABLE},
};
use crate::decode::table::{AttrSet, Enum, Family, Hint, OpKind, Struct};

static FR_ACT: Enum = enumeration(
    "fr-act",
    &[
        (0, "unspec"),
        (1, "to_tbl"),
        (2, "goto"),
        (3, "nop"),
        (6, "blackhole"),
        (7, "unreachable"),
        (8, "prohibit"),
    ],
);

static FIB_RULE_FLAGS: Enum = flags(
    "fib-rule-flags",
    &[
        (0x01, "permanent"),
        (0x02, "invert"),
        (0x04, "unresolved"),
        (0x08, "iif_detached"),
        (0x10, "oif_detached"),
        (0x10000, "find_saddr"),
    ],
);

/// IP protocol numbers, as far as rules use them.
pub static IPPROTO: Enum = enumeration(
    "ipproto",
    &[
        (0, "ip"),
        (1, "icmp"),
        (2, "igmp"),
        (4, "ipip"),
        (6, "tcp"),
        (17, "udp"),
        (41, "ipv6"),
        (47, "gre"),
        (50, "esp"),
        (51, "ah"),
        (58, "icmpv6"),
        (132, "sctp"),
        (136, "udplite"),
        (255, "raw"),
    ],
);

pub static FIB_RULE_HDR: Struct = Struct {
    name: "fib_rule_hdr",
    fields: &[
        fnamed(f8("family"), &ADDRESS_FAMILY),
        f8("dst_len"),
        f8("src_len"),
        f8("tos"),
        fnamed(f8("table"), &RT_TABLE),
        fpad(2),
        fnamed(f8("action"), &FR_ACT),
        fnamed(f32("flags"), &FIB_RULE_FLAGS),
    ],
};

static UID_RANGE: Struct = Struct {
    name: "fib_rule_uid_range",
    fields: &[f32("start"), f32("end")],
};

static PORT_RANGE: Struct = Struct {
    name: "fib_rule_port_range",
    fields: &[f16("start"), f16("end")],
};

static FRA_ATTRS: AttrSet = AttrSet {
    name: "fib-rule-attrs",
    attrs: &[
        ip(1, "FRA_DST"),
        ip(2, "FRA_SRC"),
        string(3, "FRA_IIFNAME"),
        u32(4, "FRA_GOTO"),
        u32(6, "FRA_PRIORITY"),
        hint(u32(10, "FRA_FWMARK"), Hint::Hex),
        u32(11, "FRA_FLOW"),
        be64(12, "FRA_TUN_ID"),
        u32(13, "FRA_SUPPRESS_IFGROUP"),
        u32(14, "FRA_SUPPRESS_PREFIXLEN"),
        named(u32(15, "FRA_TABLE"), &RT_TABLE),
        hint(u32(16, "FRA_FWMASK"), Hint::Hex),
        string(17, "FRA_OIFNAME"),
        pad(18, "FRA_PAD"),
        u8(19, "FRA_L3MDEV"),
        st(20, "FRA_UID_RANGE", &UID_RANGE),
        named(u8(21, "FRA_PROTOCOL"), &RT_PROTOCOL),
        named(u8(22, "FRA_IP_PROTO"), &IPPROTO),
        st(23, "FRA_SPORT_RANGE", &PORT_RANGE),
        st(24, "FRA_DPORT_RANGE", &PORT_RANGE),
    ],
};

pub static FAMILY: Family = Family {
    name: "rt-rule",
    protocol: 0,
    messages: &[
        msg("RTM_NEWRULE", 32, OpKind::New, &FIB_RULE_HDR, &FRA_ATTRS),
        msg("RTM_DELRULE", 33, OpKind::Del, &FIB_RULE_HDR, &FRA_ATTRS),
        msg("RTM_GETRULE", 34, OpKind::Get, &FIB_RULE_HDR, &FRA_ATTRS),
    ],
};
