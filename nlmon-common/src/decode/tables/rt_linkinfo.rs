//! Link kinds whose `IFLA_INFO_DATA` the 6.12 `rt-link` spec does not
//! describe (veth, vxlan, macvlan): from `include/uapi/linux/if_link.h` and
//! `veth.h`. The engine falls back to these formats when the spec's
//! sub-message has none for a kind.

use super::dsl::*;
use crate::decode::{
    generated::rt_link::{SET_LINK_ATTRS, STRUCT_IFINFOMSG},
    table::{AttrKind, AttrSet, Enum, Format, Hint, Struct},
};

/// `VETH_INFO_PEER` carries the peer's `ifinfomsg` and its `IFLA_*`.
static VETH_ATTRS: AttrSet = AttrSet {
    name: "linkinfo-veth-attrs",
    attrs: &[attr(
        1,
        "VETH_INFO_PEER",
        AttrKind::StructAttrs(&STRUCT_IFINFOMSG, &SET_LINK_ATTRS),
    )],
};

static VXLAN_PORT_RANGE: Struct = Struct {
    name: "ifla_vxlan_port_range",
    fields: &[fbe16("low"), fbe16("high")],
};

static VXLAN_LABEL_POLICY: Enum =
    enumeration("vxlan-label-policy", &[(0, "fixed"), (1, "inherit")]);

static VXLAN_ATTRS: AttrSet = AttrSet {
    name: "linkinfo-vxlan-attrs",
    attrs: &[
        u32(1, "IFLA_VXLAN_ID"),
        hint(binary(2, "IFLA_VXLAN_GROUP"), Hint::Ipv4),
        u32(3, "IFLA_VXLAN_LINK"),
        hint(binary(4, "IFLA_VXLAN_LOCAL"), Hint::Ipv4),
        u8(5, "IFLA_VXLAN_TTL"),
        u8(6, "IFLA_VXLAN_TOS"),
        u8(7, "IFLA_VXLAN_LEARNING"),
        u32(8, "IFLA_VXLAN_AGEING"),
        u32(9, "IFLA_VXLAN_LIMIT"),
        st(10, "IFLA_VXLAN_PORT_RANGE", &VXLAN_PORT_RANGE),
        u8(11, "IFLA_VXLAN_PROXY"),
        u8(12, "IFLA_VXLAN_RSC"),
        u8(13, "IFLA_VXLAN_L2MISS"),
        u8(14, "IFLA_VXLAN_L3MISS"),
        be16(15, "IFLA_VXLAN_PORT"),
        hint(binary(16, "IFLA_VXLAN_GROUP6"), Hint::Ipv6),
        hint(binary(17, "IFLA_VXLAN_LOCAL6"), Hint::Ipv6),
        u8(18, "IFLA_VXLAN_UDP_CSUM"),
        u8(19, "IFLA_VXLAN_UDP_ZERO_CSUM6_TX"),
        u8(20, "IFLA_VXLAN_UDP_ZERO_CSUM6_RX"),
        u8(21, "IFLA_VXLAN_REMCSUM_TX"),
        u8(22, "IFLA_VXLAN_REMCSUM_RX"),
        flag(23, "IFLA_VXLAN_GBP"),
        flag(24, "IFLA_VXLAN_REMCSUM_NOPARTIAL"),
        u8(25, "IFLA_VXLAN_COLLECT_METADATA"),
        hint(be32(26, "IFLA_VXLAN_LABEL"), Hint::Hex),
        flag(27, "IFLA_VXLAN_GPE"),
        flag(28, "IFLA_VXLAN_TTL_INHERIT"),
        u8(29, "IFLA_VXLAN_DF"),
        u8(30, "IFLA_VXLAN_VNIFILTER"),
        u8(31, "IFLA_VXLAN_LOCALBYPASS"),
        named(u32(32, "IFLA_VXLAN_LABEL_POLICY"), &VXLAN_LABEL_POLICY),
    ],
};

static MACVLAN_MODE: Enum = flags(
    "macvlan-mode",
    &[
        (1, "private"),
        (2, "vepa"),
        (4, "bridge"),
        (8, "passthru"),
        (16, "source"),
    ],
);

static MACVLAN_MACADDR_MODE: Enum = enumeration(
    "macvlan-macaddr-mode",
    &[(0, "add"), (1, "del"), (2, "flush"), (3, "set")],
);

static MACVLAN_MACADDR_LIST: AttrSet = AttrSet {
    name: "macvlan-macaddr-list",
    attrs: &[multi(mac(4, "IFLA_MACVLAN_MACADDR"))],
};

static MACVLAN_ATTRS: AttrSet = AttrSet {
    name: "linkinfo-macvlan-attrs",
    attrs: &[
        named(u32(1, "IFLA_MACVLAN_MODE"), &MACVLAN_MODE),
        hint(u16(2, "IFLA_MACVLAN_FLAGS"), Hint::Hex),
        named(u32(3, "IFLA_MACVLAN_MACADDR_MODE"), &MACVLAN_MACADDR_MODE),
        mac(4, "IFLA_MACVLAN_MACADDR"),
        nest(5, "IFLA_MACVLAN_MACADDR_DATA", &MACVLAN_MACADDR_LIST),
        u32(6, "IFLA_MACVLAN_MACADDR_COUNT"),
        u32(7, "IFLA_MACVLAN_BC_QUEUE_LEN"),
        u32(8, "IFLA_MACVLAN_BC_QUEUE_LEN_USED"),
        s32(9, "IFLA_MACVLAN_BC_CUTOFF"),
    ],
};

static LINKINFO_DATA: [Format; 4] = [
    Format {
        value: "veth",
        header: None,
        attrs: Some(&VETH_ATTRS),
    },
    Format {
        value: "vxlan",
        header: None,
        attrs: Some(&VXLAN_ATTRS),
    },
    Format {
        value: "macvlan",
        header: None,
        attrs: Some(&MACVLAN_ATTRS),
    },
    Format {
        value: "macvtap",
        header: None,
        attrs: Some(&MACVLAN_ATTRS),
    },
];

/// A hand-written format for sub-message `submsg` (the spec's name) when the
/// selector reads `value`.
pub fn format(submsg: &str, value: &str) -> Option<&'static Format> {
    match submsg {
        "linkinfo-data-msg" => LINKINFO_DATA.iter().find(|f| f.value == value),
        _ => None,
    }
}
