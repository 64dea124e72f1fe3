//! `NETLINK_XFRM` (IPsec SAs and policies), which has no YNL spec: from
//! `include/uapi/linux/xfrm.h`. Algorithm keys are secret: the algorithm's
//! name and key length show, the key bytes after them do not.

use super::{ADDRESS_FAMILY, IPPROTO, dsl::*};
use crate::decode::table::{AttrSet, Enum, Family, Hint, OpKind, Struct};

static MODE: Enum = enumeration(
    "xfrm-mode",
    &[
        (0, "transport"),
        (1, "tunnel"),
        (2, "routeoptimization"),
        (3, "in_trigger"),
        (4, "beet"),
    ],
);

static POLICY_DIR: Enum = enumeration("xfrm-policy-dir", &[(0, "in"), (1, "out"), (2, "fwd")]);

static POLICY_ACTION: Enum = enumeration("xfrm-policy-action", &[(0, "allow"), (1, "block")]);

static SHARE: Enum = enumeration(
    "xfrm-share",
    &[(0, "any"), (1, "session"), (2, "user"), (3, "unique")],
);

static STATE_FLAGS: Enum = flags(
    "xfrm-state-flags",
    &[
        (0x01, "noecn"),
        (0x02, "decap_dscp"),
        (0x04, "nopmtudisc"),
        (0x08, "wildrecv"),
        (0x10, "icmp"),
        (0x20, "af_unspec"),
        (0x40, "align4"),
        (0x80, "esn"),
    ],
);

static POLICY_FLAGS: Enum = flags("xfrm-policy-flags", &[(0x01, "localok"), (0x02, "icmp")]);

static POLICY_TYPE: Enum = enumeration("xfrm-policy-type", &[(0, "main"), (1, "sub")]);

static ENCAP_TYPE: Enum = enumeration(
    "udp-encap",
    &[(1, "espinudp_non_ike"), (2, "espinudp"), (7, "espintcp")],
);

static SA_DIR: Enum = enumeration("xfrm-sa-dir", &[(1, "in"), (2, "out")]);

/// `xfrm_address_t`: 16 bytes, an IPv4 address in the first 4 for `AF_INET`
/// (the family is a sibling field, so the bytes are shown raw).
const fn addr(name: &'static str) -> crate::decode::table::Field {
    fbytes(name, 16, Hint::Hex)
}

static SELECTOR: Struct = Struct {
    name: "xfrm_selector",
    fields: &[
        addr("daddr"),
        addr("saddr"),
        fbe16("dport"),
        fhint(fbe16("dport_mask"), Hint::Hex),
        fbe16("sport"),
        fhint(fbe16("sport_mask"), Hint::Hex),
        fnamed(f16("family"), &ADDRESS_FAMILY),
        f8("prefixlen_d"),
        f8("prefixlen_s"),
        fnamed(f8("proto"), &IPPROTO),
        fpad(3),
        fs32("ifindex"),
        f32("user"),
    ],
};

static ID: Struct = Struct {
    name: "xfrm_id",
    fields: &[
        addr("daddr"),
        fhint(fbe32("spi"), Hint::Hex),
        fnamed(f8("proto"), &IPPROTO),
        fpad(3),
    ],
};

static LIFETIME_CFG: Struct = Struct {
    name: "xfrm_lifetime_cfg",
    fields: &[
        f64("soft_byte_limit"),
        f64("hard_byte_limit"),
        f64("soft_packet_limit"),
        f64("hard_packet_limit"),
        f64("soft_add_expires_seconds"),
        f64("hard_add_expires_seconds"),
        f64("soft_use_expires_seconds"),
        f64("hard_use_expires_seconds"),
    ],
};

static LIFETIME_CUR: Struct = Struct {
    name: "xfrm_lifetime_cur",
    fields: &[
        f64("bytes"),
        f64("packets"),
        f64("add_time"),
        f64("use_time"),
    ],
};

static STATS: Struct = Struct {
    name: "xfrm_stats",
    fields: &[f32("replay_window"), f32("replay"), f32("integrity_failed")],
};

static USERSA_INFO: Struct = Struct {
    name: "xfrm_usersa_info",
    fields: &[
        fstruct("sel", &SELECTOR),
        fstruct("id", &ID),
        addr("saddr"),
        fstruct("lft", &LIFETIME_CFG),
        fstruct("curlft", &LIFETIME_CUR),
        fstruct("stats", &STATS),
        f32("seq"),
        f32("reqid"),
        fnamed(f16("family"), &ADDRESS_FAMILY),
        fnamed(f8("mode"), &MODE),
        f8("replay_window"),
        fnamed(f8("flags"), &STATE_FLAGS),
        fpad(7),
    ],
};

static USERSA_ID: Struct = Struct {
    name: "xfrm_usersa_id",
    fields: &[
        addr("daddr"),
        fhint(fbe32("spi"), Hint::Hex),
        fnamed(f16("family"), &ADDRESS_FAMILY),
        fnamed(f8("proto"), &IPPROTO),
        fpad(1),
    ],
};

static USERPOLICY_INFO: Struct = Struct {
    name: "xfrm_userpolicy_info",
    fields: &[
        fstruct("sel", &SELECTOR),
        fstruct("lft", &LIFETIME_CFG),
        fstruct("curlft", &LIFETIME_CUR),
        f32("priority"),
        f32("index"),
        fnamed(f8("dir"), &POLICY_DIR),
        fnamed(f8("action"), &POLICY_ACTION),
        fnamed(f8("flags"), &POLICY_FLAGS),
        fnamed(f8("share"), &SHARE),
        fpad(4),
    ],
};

static USERPOLICY_ID: Struct = Struct {
    name: "xfrm_userpolicy_id",
    fields: &[
        fstruct("sel", &SELECTOR),
        f32("index"),
        fnamed(f8("dir"), &POLICY_DIR),
        fpad(3),
    ],
};

static USER_EXPIRE: Struct = Struct {
    name: "xfrm_user_expire",
    fields: &[fstruct("state", &USERSA_INFO), f8("hard"), fpad(7)],
};

static USER_POLEXPIRE: Struct = Struct {
    name: "xfrm_user_polexpire",
    fields: &[fstruct("pol", &USERPOLICY_INFO), f8("hard"), fpad(7)],
};

static USER_ACQUIRE: Struct = Struct {
    name: "xfrm_user_acquire",
    fields: &[
        fstruct("id", &ID),
        addr("saddr"),
        fstruct("sel", &SELECTOR),
        fstruct("policy", &USERPOLICY_INFO),
        fhint(f32("aalgos"), Hint::Hex),
        fhint(f32("ealgos"), Hint::Hex),
        fhint(f32("calgos"), Hint::Hex),
        f32("seq"),
    ],
};

static USERSPI_INFO: Struct = Struct {
    name: "xfrm_userspi_info",
    fields: &[
        fstruct("info", &USERSA_INFO),
        fhint(f32("min"), Hint::Hex),
        fhint(f32("max"), Hint::Hex),
    ],
};

static USERSA_FLUSH: Struct = Struct {
    name: "xfrm_usersa_flush",
    fields: &[fnamed(f8("proto"), &IPPROTO)],
};

static AEVENT_ID: Struct = Struct {
    name: "xfrm_aevent_id",
    fields: &[
        fstruct("sa_id", &USERSA_ID),
        addr("saddr"),
        fhint(f32("flags"), Hint::Hex),
        f32("reqid"),
    ],
};

/// `GETSADINFO`/`GETSPDINFO` and their replies: a `u32` of flags.
static INFO_FLAGS: Struct = Struct {
    name: "flags",
    fields: &[fhint(f32("flags"), Hint::Hex)],
};

static USERPOLICY_DEFAULT: Struct = Struct {
    name: "xfrm_userpolicy_default",
    fields: &[
        fnamed(f8("in"), &POLICY_DEFAULT),
        fnamed(f8("fwd"), &POLICY_DEFAULT),
        fnamed(f8("out"), &POLICY_DEFAULT),
    ],
};

static POLICY_DEFAULT: Enum = enumeration(
    "xfrm-userpolicy",
    &[(0, "unspec"), (1, "block"), (2, "accept")],
);

/// `struct xfrm_algo` (`XFRMA_ALG_AUTH`, `_CRYPT`, `_COMP`): the key follows.
static ALGO: Struct = Struct {
    name: "xfrm_algo",
    fields: &[fbytes("alg_name", 64, Hint::Text), f32("alg_key_len")],
};

static ALGO_AUTH: Struct = Struct {
    name: "xfrm_algo_auth",
    fields: &[
        fbytes("alg_name", 64, Hint::Text),
        f32("alg_key_len"),
        f32("alg_trunc_len"),
    ],
};

static ALGO_AEAD: Struct = Struct {
    name: "xfrm_algo_aead",
    fields: &[
        fbytes("alg_name", 64, Hint::Text),
        f32("alg_key_len"),
        f32("alg_icv_len"),
    ],
};

static ENCAP_TMPL: Struct = Struct {
    name: "xfrm_encap_tmpl",
    fields: &[
        fnamed(f16("encap_type"), &ENCAP_TYPE),
        fbe16("encap_sport"),
        fbe16("encap_dport"),
        fpad(2),
        addr("encap_oa"),
    ],
};

static USER_TMPL: Struct = Struct {
    name: "xfrm_user_tmpl",
    fields: &[
        fstruct("id", &ID),
        fnamed(f16("family"), &ADDRESS_FAMILY),
        fpad(2),
        addr("saddr"),
        f32("reqid"),
        fnamed(f8("mode"), &MODE),
        fnamed(f8("share"), &SHARE),
        f8("optional"),
        fpad(1),
        fhint(f32("aalgos"), Hint::Hex),
        fhint(f32("ealgos"), Hint::Hex),
        fhint(f32("calgos"), Hint::Hex),
    ],
};

static REPLAY_STATE: Struct = Struct {
    name: "xfrm_replay_state",
    fields: &[f32("oseq"), f32("seq"), fhint(f32("bitmap"), Hint::Hex)],
};

static POLICY_TYPE_STRUCT: Struct = Struct {
    name: "xfrm_userpolicy_type",
    fields: &[fnamed(f8("type"), &POLICY_TYPE), fpad(5)],
};

static MARK: Struct = Struct {
    name: "xfrm_mark",
    fields: &[fhint(f32("v"), Hint::Hex), fhint(f32("m"), Hint::Hex)],
};

static USER_OFFLOAD: Struct = Struct {
    name: "xfrm_user_offload",
    fields: &[fs32("ifindex"), f8("flags"), fpad(3)],
};

static XFRMA_ATTRS: AttrSet = AttrSet {
    name: "xfrm-attrs",
    attrs: &[
        secret(st(1, "XFRMA_ALG_AUTH", &ALGO)),
        secret(st(2, "XFRMA_ALG_CRYPT", &ALGO)),
        st(3, "XFRMA_ALG_COMP", &ALGO),
        st(4, "XFRMA_ENCAP", &ENCAP_TMPL),
        attr(
            5,
            "XFRMA_TMPL",
            crate::decode::table::AttrKind::StructArray(&USER_TMPL),
        ),
        st(6, "XFRMA_SA", &USERSA_INFO),
        st(7, "XFRMA_POLICY", &USERPOLICY_INFO),
        binary(8, "XFRMA_SEC_CTX"),
        st(9, "XFRMA_LTIME_VAL", &LIFETIME_CUR),
        st(10, "XFRMA_REPLAY_VAL", &REPLAY_STATE),
        u32(11, "XFRMA_REPLAY_THRESH"),
        u32(12, "XFRMA_ETIMER_THRESH"),
        hint(binary(13, "XFRMA_SRCADDR"), Hint::Hex),
        hint(binary(14, "XFRMA_COADDR"), Hint::Hex),
        u64(15, "XFRMA_LASTUSED"),
        st(16, "XFRMA_POLICY_TYPE", &POLICY_TYPE_STRUCT),
        binary(17, "XFRMA_MIGRATE"),
        secret(st(18, "XFRMA_ALG_AEAD", &ALGO_AEAD)),
        binary(19, "XFRMA_KMADDRESS"),
        secret(st(20, "XFRMA_ALG_AUTH_TRUNC", &ALGO_AUTH)),
        st(21, "XFRMA_MARK", &MARK),
        u32(22, "XFRMA_TFCPAD"),
        binary(23, "XFRMA_REPLAY_ESN_VAL"),
        named(u32(24, "XFRMA_SA_EXTRA_FLAGS"), &SA_EXTRA_FLAGS),
        named(u8(25, "XFRMA_PROTO"), &IPPROTO),
        binary(26, "XFRMA_ADDRESS_FILTER"),
        pad(27, "XFRMA_PAD"),
        st(28, "XFRMA_OFFLOAD_DEV", &USER_OFFLOAD),
        hint(u32(29, "XFRMA_SET_MARK"), Hint::Hex),
        hint(u32(30, "XFRMA_SET_MARK_MASK"), Hint::Hex),
        u32(31, "XFRMA_IF_ID"),
        u32(32, "XFRMA_MTIMER_THRESH"),
        named(u8(33, "XFRMA_SA_DIR"), &SA_DIR),
        u32(34, "XFRMA_NAT_KEEPALIVE_INTERVAL"),
    ],
};

static SA_EXTRA_FLAGS: Enum = flags(
    "xfrm-sa-extra-flags",
    &[(0x1, "dont_encap_dscp"), (0x2, "oseq_may_wrap")],
);

static SADHINFO: Struct = Struct {
    name: "xfrmu_sadhinfo",
    fields: &[f32("sadhcnt"), f32("sadhmcnt")],
};

static SAD_ATTRS: AttrSet = AttrSet {
    name: "xfrm-sad-attrs",
    attrs: &[u32(1, "XFRMA_SAD_CNT"), st(2, "XFRMA_SAD_HINFO", &SADHINFO)],
};

static SPDINFO: Struct = Struct {
    name: "xfrmu_spdinfo",
    fields: &[
        f32("incnt"),
        f32("outcnt"),
        f32("fwdcnt"),
        f32("inscnt"),
        f32("outscnt"),
        f32("fwdscnt"),
    ],
};

static SPDHINFO: Struct = Struct {
    name: "xfrmu_spdhinfo",
    fields: &[f32("spdhcnt"), f32("spdhmcnt")],
};

static SPDHTHRESH: Struct = Struct {
    name: "xfrmu_spdhthresh",
    fields: &[f8("lbits"), f8("rbits")],
};

static SPD_ATTRS: AttrSet = AttrSet {
    name: "xfrm-spd-attrs",
    attrs: &[
        st(1, "XFRMA_SPD_INFO", &SPDINFO),
        st(2, "XFRMA_SPD_HINFO", &SPDHINFO),
        st(3, "XFRMA_SPD_IPV4_HTHRESH", &SPDHTHRESH),
        st(4, "XFRMA_SPD_IPV6_HTHRESH", &SPDHTHRESH),
    ],
};

pub static FAMILY: Family = Family {
    name: "xfrm",
    protocol: 6,
    messages: &[
        msg(
            "XFRM_MSG_NEWSA",
            16,
            OpKind::New,
            &USERSA_INFO,
            &XFRMA_ATTRS,
        ),
        msg("XFRM_MSG_DELSA", 17, OpKind::Del, &USERSA_ID, &XFRMA_ATTRS),
        msg("XFRM_MSG_GETSA", 18, OpKind::Get, &USERSA_ID, &XFRMA_ATTRS),
        msg(
            "XFRM_MSG_NEWPOLICY",
            19,
            OpKind::New,
            &USERPOLICY_INFO,
            &XFRMA_ATTRS,
        ),
        msg(
            "XFRM_MSG_DELPOLICY",
            20,
            OpKind::Del,
            &USERPOLICY_ID,
            &XFRMA_ATTRS,
        ),
        msg(
            "XFRM_MSG_GETPOLICY",
            21,
            OpKind::Get,
            &USERPOLICY_ID,
            &XFRMA_ATTRS,
        ),
        msg(
            "XFRM_MSG_ALLOCSPI",
            22,
            OpKind::Other,
            &USERSPI_INFO,
            &XFRMA_ATTRS,
        ),
        msg(
            "XFRM_MSG_ACQUIRE",
            23,
            OpKind::Other,
            &USER_ACQUIRE,
            &XFRMA_ATTRS,
        ),
        msg(
            "XFRM_MSG_EXPIRE",
            24,
            OpKind::Other,
            &USER_EXPIRE,
            &XFRMA_ATTRS,
        ),
        msg(
            "XFRM_MSG_UPDPOLICY",
            25,
            OpKind::New,
            &USERPOLICY_INFO,
            &XFRMA_ATTRS,
        ),
        msg(
            "XFRM_MSG_UPDSA",
            26,
            OpKind::New,
            &USERSA_INFO,
            &XFRMA_ATTRS,
        ),
        msg(
            "XFRM_MSG_POLEXPIRE",
            27,
            OpKind::Other,
            &USER_POLEXPIRE,
            &XFRMA_ATTRS,
        ),
        msg(
            "XFRM_MSG_FLUSHSA",
            28,
            OpKind::Other,
            &USERSA_FLUSH,
            &XFRMA_ATTRS,
        ),
        msg_attrs("XFRM_MSG_FLUSHPOLICY", 29, OpKind::Other, &XFRMA_ATTRS),
        msg("XFRM_MSG_NEWAE", 30, OpKind::New, &AEVENT_ID, &XFRMA_ATTRS),
        msg("XFRM_MSG_GETAE", 31, OpKind::Get, &AEVENT_ID, &XFRMA_ATTRS),
        msg(
            "XFRM_MSG_NEWSADINFO",
            34,
            OpKind::New,
            &INFO_FLAGS,
            &SAD_ATTRS,
        ),
        msg(
            "XFRM_MSG_GETSADINFO",
            35,
            OpKind::Get,
            &INFO_FLAGS,
            &SAD_ATTRS,
        ),
        msg(
            "XFRM_MSG_NEWSPDINFO",
            36,
            OpKind::New,
            &INFO_FLAGS,
            &SPD_ATTRS,
        ),
        msg(
            "XFRM_MSG_GETSPDINFO",
            37,
            OpKind::Get,
            &INFO_FLAGS,
            &SPD_ATTRS,
        ),
        msg(
            "XFRM_MSG_SETDEFAULT",
            39,
            OpKind::Other,
            &USERPOLICY_DEFAULT,
            &XFRMA_ATTRS,
        ),
        msg(
            "XFRM_MSG_GETDEFAULT",
            40,
            OpKind::Get,
            &USERPOLICY_DEFAULT,
            &XFRMA_ATTRS,
        ),
    ],
};
