//! WireGuard's generic netlink family (`wireguard`), which has no YNL spec in
//! 6.12: from `include/uapi/linux/wireguard.h`. Private and preshared keys
//! are secret.

use super::{ADDRESS_FAMILY, dsl::*};
use crate::decode::table::{Attr, AttrKind, AttrSet, Enum, Family, Hint, OpKind, Scalar, Struct};

static DEVICE_FLAGS: Enum = flags("wgdevice-flags", &[(1, "replace_peers")]);

static PEER_FLAGS: Enum = flags(
    "wgpeer-flags",
    &[
        (1, "remove_me"),
        (2, "replace_allowedips"),
        (4, "update_only"),
    ],
);

static ALLOWEDIP_ATTRS: AttrSet = AttrSet {
    name: "wgallowedip-attrs",
    attrs: &[
        named(u16(1, "WGALLOWEDIP_A_FAMILY"), &ADDRESS_FAMILY),
        ip(2, "WGALLOWEDIP_A_IPADDR"),
        u8(3, "WGALLOWEDIP_A_CIDR_MASK"),
    ],
};

static ALLOWEDIP: Attr = nest(0, "allowedip", &ALLOWEDIP_ATTRS);

/// `struct __kernel_timespec`.
static TIMESPEC: Struct = Struct {
    name: "timespec",
    fields: &[field("tv_sec", Scalar::S64), field("tv_nsec", Scalar::S64)],
};

static PEER_ATTRS: AttrSet = AttrSet {
    name: "wgpeer-attrs",
    attrs: &[
        hint(binary(1, "WGPEER_A_PUBLIC_KEY"), Hint::Hex),
        secret(binary(2, "WGPEER_A_PRESHARED_KEY")),
        named(u32(3, "WGPEER_A_FLAGS"), &PEER_FLAGS),
        // A `struct sockaddr_in` or `sockaddr_in6`.
        hint(binary(4, "WGPEER_A_ENDPOINT"), Hint::Hex),
        u16(5, "WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL"),
        st(6, "WGPEER_A_LAST_HANDSHAKE_TIME", &TIMESPEC),
        u64(7, "WGPEER_A_RX_BYTES"),
        u64(8, "WGPEER_A_TX_BYTES"),
        attr(9, "WGPEER_A_ALLOWEDIPS", AttrKind::IndexedArray(&ALLOWEDIP)),
        u32(10, "WGPEER_A_PROTOCOL_VERSION"),
    ],
};

static PEER: Attr = nest(0, "peer", &PEER_ATTRS);

static DEVICE_ATTRS: AttrSet = AttrSet {
    name: "wgdevice-attrs",
    attrs: &[
        u32(1, "WGDEVICE_A_IFINDEX"),
        string(2, "WGDEVICE_A_IFNAME"),
        secret(binary(3, "WGDEVICE_A_PRIVATE_KEY")),
        hint(binary(4, "WGDEVICE_A_PUBLIC_KEY"), Hint::Hex),
        named(u32(5, "WGDEVICE_A_FLAGS"), &DEVICE_FLAGS),
        u16(6, "WGDEVICE_A_LISTEN_PORT"),
        hint(u32(7, "WGDEVICE_A_FWMARK"), Hint::Hex),
        attr(8, "WGDEVICE_A_PEERS", AttrKind::IndexedArray(&PEER)),
    ],
};

pub static FAMILY: Family = Family {
    name: "wireguard",
    protocol: 16,
    messages: &[
        msg_attrs("WG_CMD_GET_DEVICE", 0, OpKind::Get, &DEVICE_ATTRS),
        msg_attrs("WG_CMD_SET_DEVICE", 1, OpKind::Other, &DEVICE_ATTRS),
    ],
};
