//! The objects each state-changing message type changes, in the words of
//! the tool a person would use (`ip`, `tc`, `bridge`, `nft`, `ip xfrm`).
//! Names are the decoder's (attribute and header-field names from the
//! tables beside this directory); `#N` in a path is an attribute by number
//! where the decoder has no name for it.

use super::{
    Action::{self, Add, Change, Delete},
    Form::{
        Dst, Family, Flag, Ifindex, Ip, MdbGroup, MdbPort, MdbVid, NftElements, NftFamily, NftHook,
        NftPolicy, NhGroup, NonZero, Plain, Prefix, RtProto, RuleAction, Table, TcHandle, TcPrio,
        VlanId, XfrmAddr, XfrmPrefix,
    },
    NewRule, ObjectDef, Part, Verb,
};

const ROUTE: u32 = 0;
const XFRM: u32 = 6;
const NETFILTER: u32 = 12;
const GENERIC: u32 = 16;

/// A `NEW` message: added with `NLM_F_CREATE`, else changed; a
/// notification says added.
const NEW: Action = Action::New(NewRule {
    notified: Verb::Added,
});
/// A link's `NEW` notification follows every change of its state.
const NEW_LINK: Action = Action::New(NewRule {
    notified: Verb::Changed,
});

/// `AF_BRIDGE`: neighbour and link messages of this family are a bridge's
/// fdb entries and vlans.
const AF_BRIDGE: u64 = 7;

const fn k(label: &'static str, paths: &'static [&'static str], form: super::Form) -> Part {
    Part::key(label, paths, form)
}

const fn s(label: &'static str, paths: &'static [&'static str], form: super::Form) -> Part {
    Part::show(label, paths, form)
}

/// First match wins: entries with a `when` come before the general one.
pub static OBJECTS: &[ObjectDef] = &[
    ObjectDef {
        kind: "vlan",
        protocol: ROUTE,
        types: &[
            ("RTM_SETLINK", Add),
            ("RTM_NEWLINK", Add),
            ("RTM_DELLINK", Delete),
        ],
        when: Some(("ifi_family", AF_BRIDGE)),
        parts: &[
            // IFLA_BRIDGE_VLAN_INFO: `struct bridge_vlan_info`.
            k("vid", &["IFLA_AF_SPEC.#2"], VlanId),
            k("dev", &["ifi_index"], Ifindex),
        ],
    },
    ObjectDef {
        kind: "link",
        protocol: ROUTE,
        types: &[
            ("RTM_NEWLINK", NEW_LINK),
            ("RTM_SETLINK", Change),
            ("RTM_DELLINK", Delete),
        ],
        when: None,
        parts: &[
            k("dev", &["IFLA_IFNAME", "ifi_index"], Ifindex),
            s("type", &["IFLA_LINKINFO.IFLA_INFO_KIND"], Plain),
            s("master", &["IFLA_MASTER"], Ifindex),
            s("mtu", &["IFLA_MTU"], Plain),
            s("flags", &["ifi_flags"], Plain),
        ],
    },
    ObjectDef {
        kind: "address",
        protocol: ROUTE,
        types: &[("RTM_NEWADDR", NEW), ("RTM_DELADDR", Delete)],
        when: None,
        parts: &[
            k("", &["IFA_LOCAL", "IFA_ADDRESS"], Prefix("ifa_prefixlen")),
            k("dev", &["ifa_index"], Ifindex),
            s("label", &["IFA_LABEL"], Plain),
        ],
    },
    ObjectDef {
        kind: "route",
        protocol: ROUTE,
        types: &[("RTM_NEWROUTE", NEW), ("RTM_DELROUTE", Delete)],
        when: None,
        parts: &[
            k("", &["RTA_DST"], Dst("rtm_dst_len")),
            k("from", &["RTA_SRC"], Prefix("rtm_src_len")),
            s("via", &["RTA_GATEWAY"], Ip),
            s("dev", &["RTA_OIF"], Ifindex),
            k("table", &["RTA_TABLE", "rtm_table"], Table),
            k("metric", &["RTA_PRIORITY"], Plain),
            k("tos", &["rtm_tos"], NonZero),
            s("proto", &["rtm_protocol"], RtProto),
            s("nhid", &["RTA_NH_ID"], Plain),
            s("nexthops", &["RTA_MULTIPATH"], Plain),
        ],
    },
    ObjectDef {
        kind: "fdb",
        protocol: ROUTE,
        types: &[("RTM_NEWNEIGH", NEW), ("RTM_DELNEIGH", Delete)],
        when: Some(("ndm_family", AF_BRIDGE)),
        parts: &[
            k("", &["NDA_LLADDR"], Plain),
            k("dev", &["ndm_ifindex"], Ifindex),
            k("vlan", &["NDA_VLAN"], Plain),
            s("dst", &["NDA_DST"], Ip),
            s("master", &["NDA_MASTER"], Ifindex),
        ],
    },
    ObjectDef {
        kind: "neigh",
        protocol: ROUTE,
        types: &[("RTM_NEWNEIGH", NEW), ("RTM_DELNEIGH", Delete)],
        when: None,
        parts: &[
            k("", &["NDA_DST"], Ip),
            k("dev", &["ndm_ifindex"], Ifindex),
            s("lladdr", &["NDA_LLADDR"], Plain),
            s("nud", &["ndm_state"], Plain),
        ],
    },
    ObjectDef {
        kind: "rule",
        protocol: ROUTE,
        types: &[("RTM_NEWRULE", NEW), ("RTM_DELRULE", Delete)],
        when: None,
        parts: &[
            k("", &["family"], Family),
            k("pref", &["FRA_PRIORITY"], Plain),
            k("from", &["FRA_SRC"], Prefix("src_len")),
            k("to", &["FRA_DST"], Prefix("dst_len")),
            k("iif", &["FRA_IIFNAME"], Plain),
            k("oif", &["FRA_OIFNAME"], Plain),
            k("fwmark", &["FRA_FWMARK"], Plain),
            k("ipproto", &["FRA_IP_PROTO"], Plain),
            k("lookup", &["FRA_TABLE", "table"], Table),
            s("", &["action"], RuleAction),
        ],
    },
    ObjectDef {
        kind: "nexthop",
        protocol: ROUTE,
        types: &[("RTM_NEWNEXTHOP", NEW), ("RTM_DELNEXTHOP", Delete)],
        when: None,
        parts: &[
            k("id", &["NHA_ID"], Plain),
            s("via", &["NHA_GATEWAY"], Ip),
            s("dev", &["NHA_OIF"], Ifindex),
            s("group", &["NHA_GROUP"], NhGroup),
            s("blackhole", &["NHA_BLACKHOLE"], Flag),
        ],
    },
    ObjectDef {
        kind: "qdisc",
        protocol: ROUTE,
        types: &[("RTM_NEWQDISC", NEW), ("RTM_DELQDISC", Delete)],
        when: None,
        parts: &[
            s("", &["TCA_KIND"], Plain),
            k("dev", &["ifindex"], Ifindex),
            k("parent", &["parent"], TcHandle),
            s("handle", &["handle"], TcHandle),
        ],
    },
    ObjectDef {
        kind: "class",
        protocol: ROUTE,
        types: &[("RTM_NEWTCLASS", NEW), ("RTM_DELTCLASS", Delete)],
        when: None,
        parts: &[
            s("", &["TCA_KIND"], Plain),
            k("dev", &["ifindex"], Ifindex),
            k("classid", &["handle"], TcHandle),
            s("parent", &["parent"], TcHandle),
        ],
    },
    ObjectDef {
        kind: "filter",
        protocol: ROUTE,
        types: &[("RTM_NEWTFILTER", NEW), ("RTM_DELTFILTER", Delete)],
        when: None,
        parts: &[
            k("dev", &["ifindex"], Ifindex),
            k("parent", &["parent"], TcHandle),
            k("chain", &["TCA_CHAIN"], Plain),
            k("pref", &["info"], TcPrio),
            k("handle", &["handle"], NonZero),
            s("", &["TCA_KIND"], Plain),
        ],
    },
    ObjectDef {
        kind: "mdb",
        protocol: ROUTE,
        types: &[("RTM_NEWMDB", NEW), ("RTM_DELMDB", Delete)],
        when: None,
        parts: &[
            k("dev", &["ifindex"], Ifindex),
            // MDBA_SET_ENTRY: `struct br_mdb_entry`, shown as bytes.
            k("port", &["#1"], MdbPort),
            k("grp", &["#1"], MdbGroup),
            k("vid", &["#1"], MdbVid),
        ],
    },
    ObjectDef {
        kind: "nft table",
        protocol: NETFILTER,
        types: &[
            ("NFT_MSG_NEWTABLE", Add),
            ("NFT_MSG_DELTABLE", Delete),
            ("NFT_MSG_DESTROYTABLE", Delete),
        ],
        when: None,
        parts: &[
            k("", &["nfgen_family"], NftFamily),
            k("", &["NFTA_TABLE_NAME"], Plain),
            s("handle", &["NFTA_TABLE_HANDLE"], Plain),
        ],
    },
    ObjectDef {
        kind: "nft chain",
        protocol: NETFILTER,
        types: &[
            ("NFT_MSG_NEWCHAIN", Add),
            ("NFT_MSG_DELCHAIN", Delete),
            ("NFT_MSG_DESTROYCHAIN", Delete),
        ],
        when: None,
        parts: &[
            k("", &["nfgen_family"], NftFamily),
            k("", &["NFTA_CHAIN_TABLE"], Plain),
            k("", &["NFTA_CHAIN_NAME"], Plain),
            s("handle", &["NFTA_CHAIN_HANDLE"], Plain),
            s("type", &["NFTA_CHAIN_TYPE"], Plain),
            s("hook", &["NFTA_CHAIN_HOOK.NFTA_NFT_HOOK_NUM"], NftHook),
            s(
                "priority",
                &["NFTA_CHAIN_HOOK.NFTA_NFT_HOOK_PRIORITY"],
                Plain,
            ),
            s("policy", &["NFTA_CHAIN_POLICY"], NftPolicy),
        ],
    },
    ObjectDef {
        kind: "nft rule",
        protocol: NETFILTER,
        types: &[
            ("NFT_MSG_NEWRULE", Add),
            ("NFT_MSG_DELRULE", Delete),
            ("NFT_MSG_DESTROYRULE", Delete),
        ],
        when: None,
        parts: &[
            k("", &["nfgen_family"], NftFamily),
            k("", &["NFTA_RULE_TABLE"], Plain),
            k("", &["NFTA_RULE_CHAIN"], Plain),
            k("handle", &["NFTA_RULE_HANDLE"], Plain),
            s("position", &["NFTA_RULE_POSITION"], Plain),
        ],
    },
    ObjectDef {
        kind: "nft set",
        protocol: NETFILTER,
        types: &[
            ("NFT_MSG_NEWSET", Add),
            ("NFT_MSG_DELSET", Delete),
            ("NFT_MSG_DESTROYSET", Delete),
        ],
        when: None,
        parts: &[
            k("", &["nfgen_family"], NftFamily),
            k("", &["NFTA_SET_TABLE"], Plain),
            k("", &["NFTA_SET_NAME"], Plain),
            s("handle", &["NFTA_SET_HANDLE"], Plain),
        ],
    },
    ObjectDef {
        kind: "nft element",
        protocol: NETFILTER,
        types: &[
            ("NFT_MSG_NEWSETELEM", Add),
            ("NFT_MSG_DELSETELEM", Delete),
            ("NFT_MSG_DESTROYSETELEM", Delete),
        ],
        when: None,
        parts: &[
            k("", &["nfgen_family"], NftFamily),
            k("", &["NFTA_SETELEM_LIST_TABLE"], Plain),
            k("", &["NFTA_SETELEM_LIST_SET"], Plain),
            s("", &["NFTA_SETELEM_LIST_ELEMENTS"], NftElements),
        ],
    },
    ObjectDef {
        kind: "nft object",
        protocol: NETFILTER,
        types: &[
            ("NFT_MSG_NEWOBJ", Add),
            ("NFT_MSG_DELOBJ", Delete),
            ("NFT_MSG_DESTROYOBJ", Delete),
        ],
        when: None,
        parts: &[
            k("", &["nfgen_family"], NftFamily),
            k("", &["NFTA_OBJ_TABLE"], Plain),
            k("", &["NFTA_OBJ_NAME"], Plain),
            k("type", &["NFTA_OBJ_TYPE"], Plain),
            s("handle", &["NFTA_OBJ_HANDLE"], Plain),
        ],
    },
    ObjectDef {
        kind: "nft flowtable",
        protocol: NETFILTER,
        types: &[
            ("NFT_MSG_NEWFLOWTABLE", Add),
            ("NFT_MSG_DELFLOWTABLE", Delete),
            ("NFT_MSG_DESTROYFLOWTABLE", Delete),
        ],
        when: None,
        parts: &[
            k("", &["nfgen_family"], NftFamily),
            k("", &["NFTA_FLOWTABLE_TABLE"], Plain),
            k("", &["NFTA_FLOWTABLE_NAME"], Plain),
            s("handle", &["NFTA_FLOWTABLE_HANDLE"], Plain),
        ],
    },
    ObjectDef {
        kind: "xfrm state",
        protocol: XFRM,
        types: &[
            ("XFRM_MSG_NEWSA", Add),
            ("XFRM_MSG_UPDSA", Change),
            ("XFRM_MSG_DELSA", Delete),
        ],
        when: None,
        parts: &[
            s("src", &["XFRMA_SRCADDR", "saddr"], XfrmAddr),
            k("dst", &["id.daddr", "daddr"], XfrmAddr),
            k("proto", &["id.proto", "proto"], Plain),
            k("spi", &["id.spi", "spi"], Plain),
            s("reqid", &["reqid"], Plain),
            s("mode", &["mode"], Plain),
        ],
    },
    ObjectDef {
        kind: "xfrm policy",
        protocol: XFRM,
        types: &[
            ("XFRM_MSG_NEWPOLICY", Add),
            ("XFRM_MSG_UPDPOLICY", Change),
            ("XFRM_MSG_DELPOLICY", Delete),
        ],
        when: None,
        parts: &[
            k("src", &["sel.saddr"], XfrmPrefix("sel.prefixlen_s")),
            k("dst", &["sel.daddr"], XfrmPrefix("sel.prefixlen_d")),
            k("dir", &["dir"], Plain),
            s("index", &["index"], NonZero),
            s("action", &["action"], Plain),
            s("priority", &["priority"], Plain),
        ],
    },
    ObjectDef {
        kind: "ethtool",
        protocol: GENERIC,
        types: &[
            ("ETHTOOL_MSG_LINKINFO_SET", Change),
            ("ETHTOOL_MSG_LINKMODES_SET", Change),
            ("ETHTOOL_MSG_WOL_SET", Change),
            ("ETHTOOL_MSG_FEATURES_SET", Change),
            ("ETHTOOL_MSG_PRIVFLAGS_SET", Change),
            ("ETHTOOL_MSG_RINGS_SET", Change),
            ("ETHTOOL_MSG_CHANNELS_SET", Change),
            ("ETHTOOL_MSG_COALESCE_SET", Change),
            ("ETHTOOL_MSG_PAUSE_SET", Change),
            ("ETHTOOL_MSG_EEE_SET", Change),
            ("ETHTOOL_MSG_DEBUG_SET", Change),
            ("ETHTOOL_MSG_FEC_SET", Change),
        ],
        when: None,
        parts: &[k(
            "dev",
            &[
                "*.ETHTOOL_A_HEADER_DEV_NAME",
                "*.ETHTOOL_A_HEADER_DEV_INDEX",
            ],
            Ifindex,
        )],
    },
    ObjectDef {
        kind: "devlink port",
        protocol: GENERIC,
        types: &[
            ("DEVLINK_CMD_PORT_SET", Change),
            ("DEVLINK_CMD_PORT_NEW", Add),
            ("DEVLINK_CMD_PORT_DEL", Delete),
            ("DEVLINK_CMD_PORT_SPLIT", Change),
            ("DEVLINK_CMD_PORT_UNSPLIT", Change),
        ],
        when: None,
        parts: &[
            k("", &["DEVLINK_ATTR_BUS_NAME"], Plain),
            k("", &["DEVLINK_ATTR_DEV_NAME"], Plain),
            k("port", &["DEVLINK_ATTR_PORT_INDEX"], Plain),
        ],
    },
];
