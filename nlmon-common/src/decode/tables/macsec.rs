//! MACsec's generic netlink family (`macsec`), which has no YNL spec: from
//! `include/uapi/linux/if_macsec.h`. SA keys and XPN salts are secret;
//! per-SC and per-SA statistics show as bytes.

use super::dsl::*;
use crate::decode::table::{AttrSet, Family, Hint, OpKind};

static SA_ATTRS: AttrSet = AttrSet {
    name: "macsec-sa-attrs",
    attrs: &[
        u8(1, "MACSEC_SA_ATTR_AN"),
        u8(2, "MACSEC_SA_ATTR_ACTIVE"),
        // u32, or u64 with extended packet numbering.
        attr(3, "MACSEC_SA_ATTR_PN", crate::decode::table::AttrKind::Uint),
        secret(binary(4, "MACSEC_SA_ATTR_KEY")),
        hint(binary(5, "MACSEC_SA_ATTR_KEYID"), Hint::Hex),
        binary(6, "MACSEC_SA_ATTR_STATS"),
        pad(7, "MACSEC_SA_ATTR_PAD"),
        u32(8, "MACSEC_SA_ATTR_SSCI"),
        secret(binary(9, "MACSEC_SA_ATTR_SALT")),
    ],
};

static RXSC_ATTRS: AttrSet = AttrSet {
    name: "macsec-rxsc-attrs",
    attrs: &[
        hint(be64(1, "MACSEC_RXSC_ATTR_SCI"), Hint::Hex),
        u8(2, "MACSEC_RXSC_ATTR_ACTIVE"),
        binary(3, "MACSEC_RXSC_ATTR_SA_LIST"),
        binary(4, "MACSEC_RXSC_ATTR_STATS"),
        pad(5, "MACSEC_RXSC_ATTR_PAD"),
    ],
};

static OFFLOAD_ATTRS: AttrSet = AttrSet {
    name: "macsec-offload-attrs",
    attrs: &[u8(1, "MACSEC_OFFLOAD_ATTR_TYPE")],
};

/// Dumps nest lists of SAs and SCs, numbered by position; those keep
/// their bytes (they hold no keys: the kernel never dumps one).
static ATTRS: AttrSet = AttrSet {
    name: "macsec-attrs",
    attrs: &[
        u32(1, "MACSEC_ATTR_IFINDEX"),
        nest(2, "MACSEC_ATTR_RXSC_CONFIG", &RXSC_ATTRS),
        nest(3, "MACSEC_ATTR_SA_CONFIG", &SA_ATTRS),
        binary(4, "MACSEC_ATTR_SECY"),
        binary(5, "MACSEC_ATTR_TXSA_LIST"),
        binary(6, "MACSEC_ATTR_RXSC_LIST"),
        binary(7, "MACSEC_ATTR_TXSC_STATS"),
        binary(8, "MACSEC_ATTR_SECY_STATS"),
        nest(9, "MACSEC_ATTR_OFFLOAD", &OFFLOAD_ATTRS),
    ],
};

pub static FAMILY: Family = Family {
    name: "macsec",
    protocol: 16,
    messages: &[
        msg_attrs("MACSEC_CMD_GET_TXSC", 0, OpKind::Get, &ATTRS),
        msg_attrs("MACSEC_CMD_ADD_RXSC", 1, OpKind::New, &ATTRS),
        msg_attrs("MACSEC_CMD_DEL_RXSC", 2, OpKind::Del, &ATTRS),
        msg_attrs("MACSEC_CMD_UPD_RXSC", 3, OpKind::Other, &ATTRS),
        msg_attrs("MACSEC_CMD_ADD_TXSA", 4, OpKind::New, &ATTRS),
        msg_attrs("MACSEC_CMD_DEL_TXSA", 5, OpKind::Del, &ATTRS),
        msg_attrs("MACSEC_CMD_UPD_TXSA", 6, OpKind::Other, &ATTRS),
        msg_attrs("MACSEC_CMD_ADD_RXSA", 7, OpKind::New, &ATTRS),
        msg_attrs("MACSEC_CMD_DEL_RXSA", 8, OpKind::Del, &ATTRS),
        msg_attrs("MACSEC_CMD_UPD_RXSA", 9, OpKind::Other, &ATTRS),
        msg_attrs("MACSEC_CMD_UPD_OFFLOAD", 10, OpKind::Other, &ATTRS),
    ],
};
