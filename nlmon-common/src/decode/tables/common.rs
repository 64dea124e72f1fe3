//! Tables every protocol shares: address families, the extended ack
//! attributes, netfilter's `nfgenmsg` and subsystem numbers.

use super::dsl::enumeration;
use crate::decode::{
    generated,
    table::{Attr, AttrKind, AttrSet, Enum, Hint, Scalar},
};

/// `AF_*` (`include/linux/socket.h`), for the `*_family` fields of headers.
pub static ADDRESS_FAMILY: Enum = Enum {
    name: "address-family",
    flags: false,
    entries: &[
        (0, "unspec"),
        (1, "unix"),
        (2, "inet"),
        (3, "ax25"),
        (4, "ipx"),
        (5, "appletalk"),
        (7, "bridge"),
        (10, "inet6"),
        (16, "netlink"),
        (17, "packet"),
        (28, "mpls"),
        (29, "can"),
        (38, "alg"),
        (40, "vsock"),
        (44, "xdp"),
    ],
};

/// `NFPROTO_*` (`include/uapi/linux/netfilter.h`): netfilter's families,
/// which differ from address families (1 is inet, not unix).
pub static NFPROTO: Enum = Enum {
    name: "nfproto",
    flags: false,
    entries: &[
        (0, "unspec"),
        (1, "inet"),
        (2, "ipv4"),
        (3, "arp"),
        (5, "netdev"),
        (7, "bridge"),
        (10, "ipv6"),
    ],
};

/// `enum nlmsgerr_attrs` (`include/uapi/linux/netlink.h`).
pub static EXTACK: AttrSet = AttrSet {
    name: "nlmsgerr-attrs",
    attrs: &[
        Attr {
            name: "NLMSGERR_ATTR_MSG",
            ..Attr::new(1, AttrKind::String)
        },
        Attr {
            name: "NLMSGERR_ATTR_OFFS",
            ..Attr::new(2, AttrKind::Scalar(Scalar::U32))
        },
        Attr {
            name: "NLMSGERR_ATTR_COOKIE",
            hint: Hint::Hex,
            ..Attr::new(3, AttrKind::Binary)
        },
        Attr {
            name: "NLMSGERR_ATTR_POLICY",
            ..Attr::new(4, AttrKind::Nest(&generated::nlctrl::SET_POLICY_ATTRS))
        },
        Attr {
            name: "NLMSGERR_ATTR_MISS_TYPE",
            ..Attr::new(5, AttrKind::Scalar(Scalar::U32))
        },
        Attr {
            name: "NLMSGERR_ATTR_MISS_NEST",
            ..Attr::new(6, AttrKind::Scalar(Scalar::U32))
        },
    ],
};

/// `NFNL_SUBSYS_*` (`include/uapi/linux/netfilter/nfnetlink.h`): the high
/// byte of a netfilter message type.
pub fn nfnl_subsystem(id: u8) -> Option<&'static str> {
    const NAMES: [&str; 13] = [
        "none",
        "ctnetlink",
        "ctnetlink_exp",
        "queue",
        "ulog",
        "osf",
        "ipset",
        "acct",
        "cthelper",
        "cttimeout",
        "nftables",
        "nftcompat",
        "hook",
    ];
    NAMES.get(id as usize).copied()
}

/// `IPPROTO_*` (`include/uapi/linux/in.h`), for protocol fields.
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
