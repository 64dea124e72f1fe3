//! Smaller rtnetlink message families the 6.12 YNL specs lack: netconf
//! (`netconf.h`), namespace ids (`net_namespace.h`), IPv6 address labels
//! (`if_addrlabel.h`) and tc actions (`tc_act/`, `rtnetlink.h`'s `tcamsg`).

use super::{ADDRESS_FAMILY, dsl::*};
use crate::decode::{
    generated::{
        rt_link::{SET_LINK_ATTRS, STRUCT_IFINFOMSG},
        tc::SET_ACT_ATTRS,
    },
    table::{Attr, AttrKind, AttrSet, Dir, Family, OpKind, Struct},
};

static NETCONFMSG: Struct = Struct {
    name: "netconfmsg",
    fields: &[fnamed(f8("ncm_family"), &ADDRESS_FAMILY)],
};

/// `NETCONFA_IFINDEX_ALL` (-1) and `_DEFAULT` (-2) name the "all" and
/// "default" pseudo-devices.
static NETCONFA_ATTRS: AttrSet = AttrSet {
    name: "netconf-attrs",
    attrs: &[
        s32(1, "NETCONFA_IFINDEX"),
        s32(2, "NETCONFA_FORWARDING"),
        s32(3, "NETCONFA_RP_FILTER"),
        s32(4, "NETCONFA_MC_FORWARDING"),
        s32(5, "NETCONFA_PROXY_NEIGH"),
        s32(6, "NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN"),
        s32(7, "NETCONFA_INPUT"),
        s32(8, "NETCONFA_BC_FORWARDING"),
    ],
};

/// `struct rtgenmsg`: nsid messages carry only a family before attributes
/// (which start at the next 4-byte boundary, as after every fixed header).
static RTGENMSG: Struct = Struct {
    name: "rtgenmsg",
    fields: &[fnamed(f8("rtgen_family"), &ADDRESS_FAMILY)],
};

static NETNSA_ATTRS: AttrSet = AttrSet {
    name: "netns-attrs",
    attrs: &[
        s32(1, "NETNSA_NSID"),
        u32(2, "NETNSA_PID"),
        u32(3, "NETNSA_FD"),
        s32(4, "NETNSA_TARGET_NSID"),
        s32(5, "NETNSA_CURRENT_NSID"),
    ],
};

static IFADDRLBLMSG: Struct = Struct {
    name: "ifaddrlblmsg",
    fields: &[
        fnamed(f8("ifal_family"), &ADDRESS_FAMILY),
        fpad(1),
        f8("ifal_prefixlen"),
        f8("ifal_flags"),
        f32("ifal_index"),
        f32("ifal_seq"),
    ],
};

static IFAL_ATTRS: AttrSet = AttrSet {
    name: "ifal-attrs",
    attrs: &[ip(1, "IFAL_ADDRESS"), u32(2, "IFAL_LABEL")],
};

/// `struct tcamsg`: tc action messages.
static TCAMSG: Struct = Struct {
    name: "tcamsg",
    fields: &[fnamed(f8("tca_family"), &ADDRESS_FAMILY), fpad(3)],
};

/// `TCA_ROOT_TAB`'s entries are numbered by position (1, 2, ...) and each is
/// one action.
static ACT_TAB_ENTRY: Attr = nest(0, "act", &SET_ACT_ATTRS);

static TCA_ROOT_ATTRS: AttrSet = AttrSet {
    name: "tca-root-attrs",
    attrs: &[
        attr(1, "TCA_ROOT_TAB", AttrKind::IndexedArray(&ACT_TAB_ENTRY)),
        attr(2, "TCA_ROOT_FLAGS", AttrKind::Bitfield32),
        u32(3, "TCA_ROOT_COUNT"),
        u32(4, "TCA_ROOT_TIME_DELTA"),
        string(5, "TCA_ROOT_EXT_WARN_MSG"),
    ],
};

/// `struct br_vlan_msg`: bridge VLAN database messages.
static BR_VLAN_MSG: Struct = Struct {
    name: "br_vlan_msg",
    fields: &[
        fnamed(f8("family"), &ADDRESS_FAMILY),
        fpad(3),
        f32("ifindex"),
    ],
};

static VLANDB_DUMP_FLAGS: crate::decode::table::Enum =
    flags("bridge-vlandb-dump-flags", &[(1, "stats"), (2, "global")]);

/// Requests carry the dump flags (`BRIDGE_VLANDB_DUMP_*`) under the same
/// number 1 that replies use for `BRIDGE_VLANDB_ENTRY`; the request's meaning
/// is shown, the entries of a reply as bytes.
static BRIDGE_VLANDB_ATTRS: AttrSet = AttrSet {
    name: "bridge-vlandb-attrs",
    attrs: &[
        named(u32(1, "BRIDGE_VLANDB_DUMP_FLAGS"), &VLANDB_DUMP_FLAGS),
        binary(2, "BRIDGE_VLANDB_GLOBAL_OPTIONS"),
    ],
};

static BRIDGE_VLANDB_REPLY_ATTRS: AttrSet = AttrSet {
    name: "bridge-vlandb-attrs",
    attrs: &[
        binary(1, "BRIDGE_VLANDB_ENTRY"),
        binary(2, "BRIDGE_VLANDB_GLOBAL_OPTIONS"),
    ],
};

/// `struct br_port_msg`: bridge multicast database messages.
static BR_PORT_MSG: Struct = Struct {
    name: "br_port_msg",
    fields: &[
        fnamed(f8("family"), &ADDRESS_FAMILY),
        fpad(3),
        f32("ifindex"),
    ],
};

/// `MDBA_MDB`/`MDBA_ROUTER` in dumps, `MDBA_SET_ENTRY` (a `struct
/// br_mdb_entry`) in requests: the numbers overlap, so both show as bytes.
static MDBA_ATTRS: AttrSet = AttrSet {
    name: "mdba-attrs",
    attrs: &[binary(1, "MDBA_MDB"), binary(2, "MDBA_ROUTER")],
};

pub static FAMILY: Family = Family {
    name: "rt-misc",
    protocol: 0,
    messages: &[
        msg("RTM_NEWACTION", 48, OpKind::New, &TCAMSG, &TCA_ROOT_ATTRS),
        msg("RTM_DELACTION", 49, OpKind::Del, &TCAMSG, &TCA_ROOT_ATTRS),
        msg("RTM_GETACTION", 50, OpKind::Get, &TCAMSG, &TCA_ROOT_ATTRS),
        msg("RTM_NEWMDB", 84, OpKind::New, &BR_PORT_MSG, &MDBA_ATTRS),
        msg("RTM_DELMDB", 85, OpKind::Del, &BR_PORT_MSG, &MDBA_ATTRS),
        msg("RTM_GETMDB", 86, OpKind::Get, &BR_PORT_MSG, &MDBA_ATTRS),
        msg(
            "RTM_NEWLINKPROP",
            108,
            OpKind::New,
            &STRUCT_IFINFOMSG,
            &SET_LINK_ATTRS,
        ),
        msg(
            "RTM_DELLINKPROP",
            109,
            OpKind::Del,
            &STRUCT_IFINFOMSG,
            &SET_LINK_ATTRS,
        ),
        only(
            Dir::Request,
            msg(
                "RTM_NEWVLAN",
                112,
                OpKind::New,
                &BR_VLAN_MSG,
                &BRIDGE_VLANDB_ATTRS,
            ),
        ),
        only(
            Dir::Reply,
            msg(
                "RTM_NEWVLAN",
                112,
                OpKind::New,
                &BR_VLAN_MSG,
                &BRIDGE_VLANDB_REPLY_ATTRS,
            ),
        ),
        only(
            Dir::Request,
            msg(
                "RTM_DELVLAN",
                113,
                OpKind::Del,
                &BR_VLAN_MSG,
                &BRIDGE_VLANDB_ATTRS,
            ),
        ),
        only(
            Dir::Request,
            msg(
                "RTM_GETVLAN",
                114,
                OpKind::Get,
                &BR_VLAN_MSG,
                &BRIDGE_VLANDB_ATTRS,
            ),
        ),
        msg(
            "RTM_NEWADDRLABEL",
            72,
            OpKind::New,
            &IFADDRLBLMSG,
            &IFAL_ATTRS,
        ),
        msg(
            "RTM_DELADDRLABEL",
            73,
            OpKind::Del,
            &IFADDRLBLMSG,
            &IFAL_ATTRS,
        ),
        msg(
            "RTM_GETADDRLABEL",
            74,
            OpKind::Get,
            &IFADDRLBLMSG,
            &IFAL_ATTRS,
        ),
        msg(
            "RTM_NEWNETCONF",
            80,
            OpKind::New,
            &NETCONFMSG,
            &NETCONFA_ATTRS,
        ),
        msg(
            "RTM_DELNETCONF",
            81,
            OpKind::Del,
            &NETCONFMSG,
            &NETCONFA_ATTRS,
        ),
        msg(
            "RTM_GETNETCONF",
            82,
            OpKind::Get,
            &NETCONFMSG,
            &NETCONFA_ATTRS,
        ),
        msg("RTM_NEWNSID", 88, OpKind::New, &RTGENMSG, &NETNSA_ATTRS),
        msg("RTM_DELNSID", 89, OpKind::Del, &RTGENMSG, &NETNSA_ATTRS),
        msg("RTM_GETNSID", 90, OpKind::Get, &RTGENMSG, &NETNSA_ATTRS),
    ],
};
