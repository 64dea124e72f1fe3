//! Enumerations several hand-written rtnetlink tables share
//! (`include/uapi/linux/rtnetlink.h`).

use super::dsl::enumeration;
use crate::decode::table::Enum;

/// `RTPROT_*`: who installed a route, rule or nexthop.
pub static RT_PROTOCOL: Enum = enumeration(
    "rt-protocol",
    &[
        (0, "unspec"),
        (1, "redirect"),
        (2, "kernel"),
        (3, "boot"),
        (4, "static"),
        (8, "gated"),
        (9, "ra"),
        (10, "mrt"),
        (11, "zebra"),
        (12, "bird"),
        (13, "dnrouted"),
        (14, "xorp"),
        (15, "ntk"),
        (16, "dhcp"),
        (17, "mrouted"),
        (18, "keepalived"),
        (42, "babel"),
        (99, "openr"),
        (186, "bgp"),
        (187, "isis"),
        (188, "ospf"),
        (189, "rip"),
        (192, "eigrp"),
    ],
);

/// `RT_SCOPE_*`.
pub static RT_SCOPE: Enum = enumeration(
    "rt-scope",
    &[
        (0, "universe"),
        (200, "site"),
        (253, "link"),
        (254, "host"),
        (255, "nowhere"),
    ],
);

/// `LWTUNNEL_ENCAP_*` (`include/uapi/linux/lwtunnel.h`).
pub static LWTUNNEL_ENCAP: Enum = enumeration(
    "lwtunnel-encap-types",
    &[
        (0, "none"),
        (1, "mpls"),
        (2, "ip"),
        (3, "ila"),
        (4, "ip6"),
        (5, "seg6"),
        (6, "bpf"),
        (7, "seg6_local"),
        (8, "rpl"),
        (9, "ioam6"),
        (10, "xfrm"),
    ],
);
