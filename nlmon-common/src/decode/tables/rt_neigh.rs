//! rtnetlink neighbours (`RTM_*NEIGH`) and neighbour tables (`RTM_*NEIGHTBL`),
//! which the 6.12 YNL specs lack: from `include/uapi/linux/neighbour.h`.

use super::{ADDRESS_FAMILY, dsl::*, rt_common::RT_PROTOCOL};
use crate::decode::table::{AttrSet, Enum, Family, OpKind, Struct};

/// `NUD_*` states.
static NUD_STATE: Enum = flags(
    "nud-state",
    &[
        (0x01, "incomplete"),
        (0x02, "reachable"),
        (0x04, "stale"),
        (0x08, "delay"),
        (0x10, "probe"),
        (0x20, "failed"),
        (0x40, "noarp"),
        (0x80, "permanent"),
    ],
);

/// `NTF_*` flags.
static NTF_FLAGS: Enum = flags(
    "ntf-flags",
    &[
        (0x01, "use"),
        (0x02, "self"),
        (0x04, "master"),
        (0x08, "proxy"),
        (0x10, "ext_learned"),
        (0x20, "offloaded"),
        (0x40, "sticky"),
        (0x80, "router"),
    ],
);

static NTF_EXT_FLAGS: Enum = flags("ntf-ext-flags", &[(0x01, "managed"), (0x02, "locked")]);

/// `RTN_*` as neighbour types.
static ND_TYPE: Enum = enumeration(
    "rtn-type",
    &[
        (0, "unspec"),
        (1, "unicast"),
        (2, "local"),
        (3, "broadcast"),
        (4, "anycast"),
        (5, "multicast"),
        (6, "blackhole"),
        (7, "unreachable"),
        (8, "prohibit"),
        (9, "throw"),
        (10, "nat"),
        (11, "xresolve"),
    ],
);

pub static NDMSG: Struct = Struct {
    name: "ndmsg",
    fields: &[
        fnamed(f8("ndm_family"), &ADDRESS_FAMILY),
        fpad(3),
        fs32("ndm_ifindex"),
        fnamed(f16("ndm_state"), &NUD_STATE),
        fnamed(f8("ndm_flags"), &NTF_FLAGS),
        fnamed(f8("ndm_type"), &ND_TYPE),
    ],
};

static NDA_CACHEINFO: Struct = Struct {
    name: "nda_cacheinfo",
    fields: &[
        f32("ndm_confirmed"),
        f32("ndm_used"),
        f32("ndm_updated"),
        f32("ndm_refcnt"),
    ],
};

static NFEA_ATTRS: AttrSet = AttrSet {
    name: "fdb-ext-attrs",
    attrs: &[u8(1, "NFEA_ACTIVITY_NOTIFY"), flag(2, "NFEA_DONT_REFRESH")],
};

pub static NDA_ATTRS: AttrSet = AttrSet {
    name: "neigh-attrs",
    attrs: &[
        ip(1, "NDA_DST"),
        mac(2, "NDA_LLADDR"),
        st(3, "NDA_CACHEINFO", &NDA_CACHEINFO),
        u32(4, "NDA_PROBES"),
        u16(5, "NDA_VLAN"),
        be16(6, "NDA_PORT"),
        u32(7, "NDA_VNI"),
        u32(8, "NDA_IFINDEX"),
        u32(9, "NDA_MASTER"),
        s32(10, "NDA_LINK_NETNSID"),
        u32(11, "NDA_SRC_VNI"),
        named(u8(12, "NDA_PROTOCOL"), &RT_PROTOCOL),
        u32(13, "NDA_NH_ID"),
        nest(14, "NDA_FDB_EXT_ATTRS", &NFEA_ATTRS),
        named(u32(15, "NDA_FLAGS_EXT"), &NTF_EXT_FLAGS),
        named(u16(16, "NDA_NDM_STATE_MASK"), &NUD_STATE),
        named(u8(17, "NDA_NDM_FLAGS_MASK"), &NTF_FLAGS),
    ],
};

static NDTMSG: Struct = Struct {
    name: "ndtmsg",
    fields: &[fnamed(f8("ndtm_family"), &ADDRESS_FAMILY), fpad(3)],
};

static NDT_CONFIG: Struct = Struct {
    name: "ndt_config",
    fields: &[
        f16("ndtc_key_len"),
        f16("ndtc_entry_size"),
        f32("ndtc_entries"),
        f32("ndtc_last_flush"),
        f32("ndtc_last_rand"),
        f32("ndtc_hash_rnd"),
        f32("ndtc_hash_mask"),
        f32("ndtc_hash_chain_gc"),
        f32("ndtc_proxy_qlen"),
    ],
};

static NDT_STATS: Struct = Struct {
    name: "ndt_stats",
    fields: &[
        f64("ndts_allocs"),
        f64("ndts_destroys"),
        f64("ndts_hash_grows"),
        f64("ndts_res_failed"),
        f64("ndts_lookups"),
        f64("ndts_hits"),
        f64("ndts_rcv_probes_mcast"),
        f64("ndts_rcv_probes_ucast"),
        f64("ndts_periodic_gc_runs"),
        f64("ndts_forced_gc_runs"),
        f64("ndts_table_fulls"),
    ],
};

static NDTPA_ATTRS: AttrSet = AttrSet {
    name: "ndtpa-attrs",
    attrs: &[
        u32(1, "NDTPA_IFINDEX"),
        u32(2, "NDTPA_REFCNT"),
        u64(3, "NDTPA_REACHABLE_TIME"),
        u64(4, "NDTPA_BASE_REACHABLE_TIME"),
        u64(5, "NDTPA_RETRANS_TIME"),
        u64(6, "NDTPA_GC_STALETIME"),
        u64(7, "NDTPA_DELAY_PROBE_TIME"),
        u32(8, "NDTPA_QUEUE_LEN"),
        u32(9, "NDTPA_APP_PROBES"),
        u32(10, "NDTPA_UCAST_PROBES"),
        u32(11, "NDTPA_MCAST_PROBES"),
        u64(12, "NDTPA_ANYCAST_DELAY"),
        u64(13, "NDTPA_PROXY_DELAY"),
        u32(14, "NDTPA_PROXY_QLEN"),
        u64(15, "NDTPA_LOCKTIME"),
        u32(16, "NDTPA_QUEUE_LENBYTES"),
        u32(17, "NDTPA_MCAST_REPROBES"),
        pad(18, "NDTPA_PAD"),
        u64(19, "NDTPA_INTERVAL_PROBE_TIME_MS"),
    ],
};

static NDTA_ATTRS: AttrSet = AttrSet {
    name: "ndta-attrs",
    attrs: &[
        string(1, "NDTA_NAME"),
        u32(2, "NDTA_THRESH1"),
        u32(3, "NDTA_THRESH2"),
        u32(4, "NDTA_THRESH3"),
        st(5, "NDTA_CONFIG", &NDT_CONFIG),
        nest(6, "NDTA_PARMS", &NDTPA_ATTRS),
        st(7, "NDTA_STATS", &NDT_STATS),
        u64(8, "NDTA_GC_INTERVAL"),
        pad(9, "NDTA_PAD"),
    ],
};

pub static FAMILY: Family = Family {
    name: "rt-neigh",
    protocol: 0,
    messages: &[
        msg("RTM_NEWNEIGH", 28, OpKind::New, &NDMSG, &NDA_ATTRS),
        msg("RTM_DELNEIGH", 29, OpKind::Del, &NDMSG, &NDA_ATTRS),
        msg("RTM_GETNEIGH", 30, OpKind::Get, &NDMSG, &NDA_ATTRS),
        msg("RTM_NEWNEIGHTBL", 64, OpKind::New, &NDTMSG, &NDTA_ATTRS),
        msg("RTM_GETNEIGHTBL", 66, OpKind::Get, &NDTMSG, &NDTA_ATTRS),
        msg("RTM_SETNEIGHTBL", 67, OpKind::Other, &NDTMSG, &NDTA_ATTRS),
    ],
};
