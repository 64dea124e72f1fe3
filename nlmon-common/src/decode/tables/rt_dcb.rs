//! Data center bridging over rtnetlink (`RTM_GETDCB`/`RTM_SETDCB`), which
//! has no YNL spec: `struct dcbmsg` and the top-level `DCB_ATTR_*` from
//! `include/uapi/linux/dcbnl.h`. The nested configurations show as bytes.

use super::{ADDRESS_FAMILY, dsl::*};
use crate::decode::table::{AttrSet, Enum, Family, OpKind, Struct};

static DCB_CMD: Enum = enumeration(
    "dcb-cmd",
    &[
        (0, "undefined"),
        (1, "gstate"),
        (2, "sstate"),
        (3, "pgtx_gcfg"),
        (4, "pgtx_scfg"),
        (5, "pgrx_gcfg"),
        (6, "pgrx_scfg"),
        (7, "pfc_gcfg"),
        (8, "pfc_scfg"),
        (9, "set_all"),
        (10, "gperm_hwaddr"),
        (11, "gcap"),
        (12, "gnumtcs"),
        (13, "snumtcs"),
        (14, "pfc_gstate"),
        (15, "pfc_sstate"),
        (16, "bcn_gcfg"),
        (17, "bcn_scfg"),
        (18, "gapp"),
        (19, "sapp"),
        (20, "ieee_set"),
        (21, "ieee_get"),
        (22, "gdcbx"),
        (23, "sdcbx"),
        (24, "gfeatcfg"),
        (25, "sfeatcfg"),
        (26, "cee_get"),
        (27, "ieee_del"),
    ],
);

static DCBMSG: Struct = Struct {
    name: "dcbmsg",
    fields: &[
        fnamed(f8("dcb_family"), &ADDRESS_FAMILY),
        fnamed(f8("cmd"), &DCB_CMD),
        fpad(2),
    ],
};

static DCB_ATTRS: AttrSet = AttrSet {
    name: "dcb-attrs",
    attrs: &[
        string(1, "DCB_ATTR_IFNAME"),
        u8(2, "DCB_ATTR_STATE"),
        binary(3, "DCB_ATTR_PFC_STATE"),
        binary(4, "DCB_ATTR_PFC_CFG"),
        binary(5, "DCB_ATTR_NUM_TC"),
        binary(6, "DCB_ATTR_PG_CFG"),
        u8(7, "DCB_ATTR_SET_ALL"),
        mac(8, "DCB_ATTR_PERM_HWADDR"),
        binary(9, "DCB_ATTR_CAP"),
        binary(10, "DCB_ATTR_NUMTCS"),
        binary(11, "DCB_ATTR_BCN"),
        binary(12, "DCB_ATTR_APP"),
        binary(13, "DCB_ATTR_IEEE"),
        u8(14, "DCB_ATTR_DCBX"),
        binary(15, "DCB_ATTR_FEATCFG"),
        binary(16, "DCB_ATTR_CEE"),
    ],
};

pub static FAMILY: Family = Family {
    name: "rt-dcb",
    protocol: 0,
    messages: &[
        msg("RTM_GETDCB", 78, OpKind::Get, &DCBMSG, &DCB_ATTRS),
        msg("RTM_SETDCB", 79, OpKind::Other, &DCBMSG, &DCB_ATTRS),
    ],
};
