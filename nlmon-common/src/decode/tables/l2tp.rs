//! L2TP's generic netlink family (`l2tp`: tunnels and sessions), which has
//! no YNL spec: from `include/uapi/linux/l2tp.h`. Types follow the kernel's
//! `l2tp_nl_policy` (`net/l2tp/l2tp_netlink.c`) where it and the header's
//! comments differ. Enum entries are the header's names without their
//! prefix, in lower case, as the generated tables name UAPI enums.

use super::dsl::*;
use crate::decode::table::{AttrKind, AttrSet, Enum, Family, Hint, OpKind};

/// `enum l2tp_pwtype`.
static PWTYPE: Enum = enumeration(
    "l2tp-pwtype",
    &[
        (0x0000, "none"),
        (0x0004, "eth_vlan"),
        (0x0005, "eth"),
        (0x0007, "ppp"),
        (0x0008, "ppp_ac"),
        (0x000b, "ip"),
    ],
);

/// `enum l2tp_l2spec_type`.
static L2SPEC_TYPE: Enum = enumeration("l2tp-l2spec-type", &[(0, "none"), (1, "default")]);

/// `enum l2tp_encap_type`.
static ENCAP_TYPE: Enum = enumeration("l2tp-encap-type", &[(0, "udp"), (1, "ip")]);

/// `enum l2tp_seqmode`.
static SEQMODE: Enum = enumeration("l2tp-seqmode", &[(0, "none"), (1, "ip"), (2, "all")]);

/// `enum l2tp_debug_flags`: still sent (as 0), no longer used.
static DEBUG_FLAGS: Enum = flags(
    "l2tp-debug-flags",
    &[
        (1 << 0, "debug"),
        (1 << 1, "control"),
        (1 << 2, "seq"),
        (1 << 3, "data"),
    ],
);

/// Nested in `L2TP_ATTR_STATS`: 64-bit counters, aligned by
/// `L2TP_ATTR_STATS_PAD` (`nla_put_u64_64bit`).
static STATS_ATTRS: AttrSet = AttrSet {
    name: "l2tp-stats-attrs",
    attrs: &[
        u64(1, "L2TP_ATTR_TX_PACKETS"),
        u64(2, "L2TP_ATTR_TX_BYTES"),
        u64(3, "L2TP_ATTR_TX_ERRORS"),
        u64(4, "L2TP_ATTR_RX_PACKETS"),
        u64(5, "L2TP_ATTR_RX_BYTES"),
        u64(6, "L2TP_ATTR_RX_SEQ_DISCARDS"),
        u64(7, "L2TP_ATTR_RX_OOS_PACKETS"),
        u64(8, "L2TP_ATTR_RX_ERRORS"),
        pad(9, "L2TP_ATTR_STATS_PAD"),
        u64(10, "L2TP_ATTR_RX_COOKIE_DISCARDS"),
        u64(11, "L2TP_ATTR_RX_INVALID"),
    ],
};

static ATTRS: AttrSet = AttrSet {
    name: "l2tp-attrs",
    attrs: &[
        named(u16(1, "L2TP_ATTR_PW_TYPE"), &PWTYPE),
        named(u16(2, "L2TP_ATTR_ENCAP_TYPE"), &ENCAP_TYPE),
        u16(3, "L2TP_ATTR_OFFSET"),
        // Unused; the header says u16, the policy NLA_U8: read either.
        named(attr(4, "L2TP_ATTR_DATA_SEQ", AttrKind::Uint), &SEQMODE),
        named(u8(5, "L2TP_ATTR_L2SPEC_TYPE"), &L2SPEC_TYPE),
        u8(6, "L2TP_ATTR_L2SPEC_LEN"),
        u8(7, "L2TP_ATTR_PROTO_VERSION"),
        string(8, "L2TP_ATTR_IFNAME"),
        u32(9, "L2TP_ATTR_CONN_ID"),
        u32(10, "L2TP_ATTR_PEER_CONN_ID"),
        u32(11, "L2TP_ATTR_SESSION_ID"),
        u32(12, "L2TP_ATTR_PEER_SESSION_ID"),
        u8(13, "L2TP_ATTR_UDP_CSUM"),
        u16(14, "L2TP_ATTR_VLAN_ID"),
        // 0, 4 or 8 bytes, compared as they are.
        binary(15, "L2TP_ATTR_COOKIE"),
        binary(16, "L2TP_ATTR_PEER_COOKIE"),
        named(u32(17, "L2TP_ATTR_DEBUG"), &DEBUG_FLAGS),
        u8(18, "L2TP_ATTR_RECV_SEQ"),
        u8(19, "L2TP_ATTR_SEND_SEQ"),
        u8(20, "L2TP_ATTR_LNS_MODE"),
        u8(21, "L2TP_ATTR_USING_IPSEC"),
        // NLA_MSECS: milliseconds in a u64.
        u64(22, "L2TP_ATTR_RECV_TIMEOUT"),
        u32(23, "L2TP_ATTR_FD"),
        // `nla_put_in_addr`: a `struct in_addr`, network order.
        hint(binary(24, "L2TP_ATTR_IP_SADDR"), Hint::Ipv4),
        hint(binary(25, "L2TP_ATTR_IP_DADDR"), Hint::Ipv4),
        u16(26, "L2TP_ATTR_UDP_SPORT"),
        u16(27, "L2TP_ATTR_UDP_DPORT"),
        u16(28, "L2TP_ATTR_MTU"),
        u16(29, "L2TP_ATTR_MRU"),
        nest(30, "L2TP_ATTR_STATS", &STATS_ATTRS),
        hint(binary(31, "L2TP_ATTR_IP6_SADDR"), Hint::Ipv6),
        hint(binary(32, "L2TP_ATTR_IP6_DADDR"), Hint::Ipv6),
        flag(33, "L2TP_ATTR_UDP_ZERO_CSUM6_TX"),
        flag(34, "L2TP_ATTR_UDP_ZERO_CSUM6_RX"),
        pad(35, "L2TP_ATTR_PAD"),
    ],
};

/// Replies and notifications reuse the request's command number.
pub static FAMILY: Family = Family {
    name: "l2tp",
    protocol: 16,
    messages: &[
        msg_attrs("L2TP_CMD_NOOP", 0, OpKind::Other, &ATTRS),
        msg_attrs("L2TP_CMD_TUNNEL_CREATE", 1, OpKind::New, &ATTRS),
        msg_attrs("L2TP_CMD_TUNNEL_DELETE", 2, OpKind::Del, &ATTRS),
        msg_attrs("L2TP_CMD_TUNNEL_MODIFY", 3, OpKind::Other, &ATTRS),
        msg_attrs("L2TP_CMD_TUNNEL_GET", 4, OpKind::Get, &ATTRS),
        msg_attrs("L2TP_CMD_SESSION_CREATE", 5, OpKind::New, &ATTRS),
        msg_attrs("L2TP_CMD_SESSION_DELETE", 6, OpKind::Del, &ATTRS),
        msg_attrs("L2TP_CMD_SESSION_MODIFY", 7, OpKind::Other, &ATTRS),
        msg_attrs("L2TP_CMD_SESSION_GET", 8, OpKind::Get, &ATTRS),
    ],
};
