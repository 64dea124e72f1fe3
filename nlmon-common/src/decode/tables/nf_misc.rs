//! netfilter's packet logging (`NFNL_SUBSYS_ULOG`, `nfnetlink_log.h`),
//! packet queueing (`NFNL_SUBSYS_QUEUE`, `nfnetlink_queue.h`) and ipset
//! (`NFNL_SUBSYS_IPSET`, `ipset/ip_set.h`), which have no YNL spec.

use super::{IPPROTO, dsl::*};
use crate::decode::generated::nftables::STRUCT_NFGENMSG as NFGENMSG;
use crate::decode::table::{AttrSet, Enum, Family, Hint, OpKind, Struct};

const QUEUE: u16 = 3 << 8;
const ULOG: u16 = 4 << 8;
const IPSET: u16 = 6 << 8;

/// `NF_INET_*` hooks.
static HOOK: Enum = enumeration(
    "nf-inet-hooks",
    &[
        (0, "prerouting"),
        (1, "input"),
        (2, "forward"),
        (3, "output"),
        (4, "postrouting"),
        (5, "ingress"),
    ],
);

static ULOG_PACKET_HDR: Struct = Struct {
    name: "nfulnl_msg_packet_hdr",
    fields: &[
        fhint(fbe16("hw_protocol"), Hint::Hex),
        fnamed(f8("hook"), &HOOK),
        fpad(1),
    ],
};

static PACKET_HW: Struct = Struct {
    name: "nfulnl_msg_packet_hw",
    fields: &[
        fbe16("hw_addrlen"),
        fpad(2),
        fbytes("hw_addr", 8, Hint::Hex),
    ],
};

static TIMESTAMP: Struct = Struct {
    name: "nfulnl_msg_packet_timestamp",
    fields: &[fbe64("sec"), fbe64("usec")],
};

static VLAN: AttrSet = AttrSet {
    name: "nfula-vlan-attrs",
    attrs: &[
        hint(be16(1, "NFULA_VLAN_PROTO"), Hint::Hex),
        be16(2, "NFULA_VLAN_TCI"),
    ],
};

static NFULA_ATTRS: AttrSet = AttrSet {
    name: "nfulnl-attrs",
    attrs: &[
        st(1, "NFULA_PACKET_HDR", &ULOG_PACKET_HDR),
        hint(be32(2, "NFULA_MARK"), Hint::Hex),
        st(3, "NFULA_TIMESTAMP", &TIMESTAMP),
        be32(4, "NFULA_IFINDEX_INDEV"),
        be32(5, "NFULA_IFINDEX_OUTDEV"),
        be32(6, "NFULA_IFINDEX_PHYSINDEV"),
        be32(7, "NFULA_IFINDEX_PHYSOUTDEV"),
        st(8, "NFULA_HWADDR", &PACKET_HW),
        hint(binary(9, "NFULA_PAYLOAD"), Hint::Hex),
        string(10, "NFULA_PREFIX"),
        be32(11, "NFULA_UID"),
        be32(12, "NFULA_SEQ"),
        be32(13, "NFULA_SEQ_GLOBAL"),
        be32(14, "NFULA_GID"),
        be16(15, "NFULA_HWTYPE"),
        hint(binary(16, "NFULA_HWHEADER"), Hint::Hex),
        be16(17, "NFULA_HWLEN"),
        binary(18, "NFULA_CT"),
        be32(19, "NFULA_CT_INFO"),
        nest(20, "NFULA_VLAN", &VLAN),
        hint(binary(21, "NFULA_L2HDR"), Hint::Hex),
    ],
};

static CFG_CMDS: Enum = enumeration(
    "nful-cfg-cmds",
    &[
        (0, "none"),
        (1, "bind"),
        (2, "unbind"),
        (3, "pf_bind"),
        (4, "pf_unbind"),
    ],
);

static COPY_MODE: Enum = enumeration("nful-copy-mode", &[(0, "none"), (1, "meta"), (2, "packet")]);

static ULOG_CFG_CMD: Struct = Struct {
    name: "nfulnl_msg_config_cmd",
    fields: &[fnamed(f8("command"), &CFG_CMDS)],
};

static ULOG_CFG_MODE: Struct = Struct {
    name: "nfulnl_msg_config_mode",
    fields: &[
        fbe32("copy_range"),
        fnamed(f8("copy_mode"), &COPY_MODE),
        fpad(1),
    ],
};

static NFULA_CFG_ATTRS: AttrSet = AttrSet {
    name: "nfulnl-cfg-attrs",
    attrs: &[
        st(1, "NFULA_CFG_CMD", &ULOG_CFG_CMD),
        st(2, "NFULA_CFG_MODE", &ULOG_CFG_MODE),
        be32(3, "NFULA_CFG_NLBUFSIZ"),
        be32(4, "NFULA_CFG_TIMEOUT"),
        be32(5, "NFULA_CFG_QTHRESH"),
        hint(be16(6, "NFULA_CFG_FLAGS"), Hint::Hex),
    ],
};

static QUEUE_PACKET_HDR: Struct = Struct {
    name: "nfqnl_msg_packet_hdr",
    fields: &[
        fbe32("packet_id"),
        fhint(fbe16("hw_protocol"), Hint::Hex),
        fnamed(f8("hook"), &HOOK),
    ],
};

static VERDICT: Enum = enumeration(
    "nf-verdict",
    &[
        (0, "drop"),
        (1, "accept"),
        (2, "stolen"),
        (3, "queue"),
        (4, "repeat"),
        (5, "stop"),
    ],
);

static QUEUE_VERDICT_HDR: Struct = Struct {
    name: "nfqnl_msg_verdict_hdr",
    fields: &[fnamed(fbe32("verdict"), &VERDICT), fbe32("id")],
};

static NFQA_ATTRS: AttrSet = AttrSet {
    name: "nfqnl-attrs",
    attrs: &[
        st(1, "NFQA_PACKET_HDR", &QUEUE_PACKET_HDR),
        st(2, "NFQA_VERDICT_HDR", &QUEUE_VERDICT_HDR),
        hint(be32(3, "NFQA_MARK"), Hint::Hex),
        st(4, "NFQA_TIMESTAMP", &TIMESTAMP),
        be32(5, "NFQA_IFINDEX_INDEV"),
        be32(6, "NFQA_IFINDEX_OUTDEV"),
        be32(7, "NFQA_IFINDEX_PHYSINDEV"),
        be32(8, "NFQA_IFINDEX_PHYSOUTDEV"),
        st(9, "NFQA_HWADDR", &PACKET_HW),
        hint(binary(10, "NFQA_PAYLOAD"), Hint::Hex),
        binary(11, "NFQA_CT"),
        be32(12, "NFQA_CT_INFO"),
        be32(13, "NFQA_CAP_LEN"),
        hint(be32(14, "NFQA_SKB_INFO"), Hint::Hex),
        binary(15, "NFQA_EXP"),
        be32(16, "NFQA_UID"),
        be32(17, "NFQA_GID"),
        string(18, "NFQA_SECCTX"),
        nest(19, "NFQA_VLAN", &VLAN),
        hint(binary(20, "NFQA_L2HDR"), Hint::Hex),
        be32(21, "NFQA_PRIORITY"),
    ],
};

static QUEUE_CFG_CMD: Struct = Struct {
    name: "nfqnl_msg_config_cmd",
    fields: &[fnamed(f8("command"), &CFG_CMDS), fpad(1), fbe16("pf")],
};

static QUEUE_CFG_PARAMS: Struct = Struct {
    name: "nfqnl_msg_config_params",
    fields: &[fbe32("copy_range"), fnamed(f8("copy_mode"), &COPY_MODE)],
};

static NFQA_CFG_ATTRS: AttrSet = AttrSet {
    name: "nfqnl-cfg-attrs",
    attrs: &[
        st(1, "NFQA_CFG_CMD", &QUEUE_CFG_CMD),
        st(2, "NFQA_CFG_PARAMS", &QUEUE_CFG_PARAMS),
        be32(3, "NFQA_CFG_QUEUE_MAXLEN"),
        hint(be32(4, "NFQA_CFG_MASK"), Hint::Hex),
        hint(be32(5, "NFQA_CFG_FLAGS"), Hint::Hex),
    ],
};

static IPSET_IPADDR: AttrSet = AttrSet {
    name: "ipset-ipaddr-attrs",
    attrs: &[
        hint(binary(1, "IPSET_ATTR_IPADDR_IPV4"), Hint::Ipv4),
        hint(binary(2, "IPSET_ATTR_IPADDR_IPV6"), Hint::Ipv6),
    ],
};

static CADT_FLAGS: Enum = flags(
    "ipset-cadt-flags",
    &[
        (1 << 0, "before"),
        (1 << 1, "physdev"),
        (1 << 2, "nomatch"),
        (1 << 3, "with_counters"),
        (1 << 4, "with_comment"),
        (1 << 5, "with_forceadd"),
        (1 << 6, "with_skbinfo"),
        (1 << 7, "iface_wildcard"),
    ],
);

/// The attributes inside `IPSET_ATTR_DATA`: create options and elements.
static IPSET_DATA: AttrSet = AttrSet {
    name: "ipset-data-attrs",
    attrs: &[
        nest(1, "IPSET_ATTR_IP", &IPSET_IPADDR),
        nest(2, "IPSET_ATTR_IP_TO", &IPSET_IPADDR),
        u8(3, "IPSET_ATTR_CIDR"),
        be16(4, "IPSET_ATTR_PORT"),
        be16(5, "IPSET_ATTR_PORT_TO"),
        be32(6, "IPSET_ATTR_TIMEOUT"),
        named(u8(7, "IPSET_ATTR_PROTO"), &IPPROTO),
        named(be32(8, "IPSET_ATTR_CADT_FLAGS"), &CADT_FLAGS),
        be32(9, "IPSET_ATTR_CADT_LINENO"),
        hint(be32(10, "IPSET_ATTR_MARK"), Hint::Hex),
        hint(be32(11, "IPSET_ATTR_MARKMASK"), Hint::Hex),
        be32(17, "IPSET_ATTR_INITVAL"),
        be32(18, "IPSET_ATTR_HASHSIZE"),
        be32(19, "IPSET_ATTR_MAXELEM"),
        u8(20, "IPSET_ATTR_NETMASK"),
        u8(21, "IPSET_ATTR_BUCKETSIZE"),
        u8(22, "IPSET_ATTR_RESIZE"),
        be32(23, "IPSET_ATTR_SIZE"),
        be32(24, "IPSET_ATTR_ELEMENTS"),
        be32(25, "IPSET_ATTR_REFERENCES"),
        be32(26, "IPSET_ATTR_MEMSIZE"),
    ],
};

/// Element attributes (`IPSET_ATTR_ADT`'s `IPSET_ATTR_DATA` entries and
/// add/del/test requests) share numbers 1-16 with the create options.
static IPSET_ADT_DATA: AttrSet = AttrSet {
    name: "ipset-adt-attrs",
    attrs: &[
        nest(1, "IPSET_ATTR_IP", &IPSET_IPADDR),
        nest(2, "IPSET_ATTR_IP_TO", &IPSET_IPADDR),
        u8(3, "IPSET_ATTR_CIDR"),
        be16(4, "IPSET_ATTR_PORT"),
        be16(5, "IPSET_ATTR_PORT_TO"),
        be32(6, "IPSET_ATTR_TIMEOUT"),
        named(u8(7, "IPSET_ATTR_PROTO"), &IPPROTO),
        named(be32(8, "IPSET_ATTR_CADT_FLAGS"), &CADT_FLAGS),
        be32(9, "IPSET_ATTR_CADT_LINENO"),
        hint(be32(10, "IPSET_ATTR_MARK"), Hint::Hex),
        hint(be32(11, "IPSET_ATTR_MARKMASK"), Hint::Hex),
        mac(17, "IPSET_ATTR_ETHER"),
        string(18, "IPSET_ATTR_NAME"),
        string(19, "IPSET_ATTR_NAMEREF"),
        nest(20, "IPSET_ATTR_IP2", &IPSET_IPADDR),
        u8(21, "IPSET_ATTR_CIDR2"),
        nest(22, "IPSET_ATTR_IP2_TO", &IPSET_IPADDR),
        string(23, "IPSET_ATTR_IFACE"),
        be64(24, "IPSET_ATTR_BYTES"),
        be64(25, "IPSET_ATTR_PACKETS"),
        string(26, "IPSET_ATTR_COMMENT"),
        hint(be64(27, "IPSET_ATTR_SKBMARK"), Hint::Hex),
        hint(be32(28, "IPSET_ATTR_SKBPRIO"), Hint::Hex),
        be16(29, "IPSET_ATTR_SKBQUEUE"),
        pad(30, "IPSET_ATTR_PAD"),
    ],
};

static IPSET_ADT: AttrSet = AttrSet {
    name: "ipset-adt-list",
    attrs: &[multi(nest(7, "IPSET_ATTR_DATA", &IPSET_ADT_DATA))],
};

static IPSET_FLAGS: Enum = flags(
    "ipset-cmd-flags",
    &[
        (1 << 0, "exist"),
        (1 << 1, "list_setname"),
        (1 << 2, "list_header"),
        (1 << 3, "skip_counter_update"),
        (1 << 4, "skip_subcounter_update"),
        (1 << 5, "match_counters"),
        (1 << 7, "return_nomatch"),
        (1 << 8, "map_skbmark"),
        (1 << 9, "map_skbprio"),
        (1 << 10, "map_skbqueue"),
    ],
);

/// Command-level attributes; `IPSET_ATTR_DATA` holds create options
/// (`CREATE`, `LIST` headers) or one element (`ADD`, `DEL`, `TEST`).
macro_rules! ipset_set {
    ($name:ident, $data:expr) => {
        static $name: AttrSet = AttrSet {
            name: "ipset-attrs",
            attrs: &[
                u8(1, "IPSET_ATTR_PROTOCOL"),
                string(2, "IPSET_ATTR_SETNAME"),
                string(3, "IPSET_ATTR_TYPENAME"),
                u8(4, "IPSET_ATTR_REVISION"),
                named(u8(5, "IPSET_ATTR_FAMILY"), &super::ADDRESS_FAMILY),
                named(be32(6, "IPSET_ATTR_FLAGS"), &IPSET_FLAGS),
                nest(7, "IPSET_ATTR_DATA", $data),
                nest(8, "IPSET_ATTR_ADT", &IPSET_ADT),
                be32(9, "IPSET_ATTR_LINENO"),
                u8(10, "IPSET_ATTR_PROTOCOL_MIN"),
                be16(11, "IPSET_ATTR_INDEX"),
            ],
        };
    };
}

ipset_set!(IPSET_CREATE_ATTRS, &IPSET_DATA);
ipset_set!(IPSET_ELEM_ATTRS, &IPSET_ADT_DATA);

pub static FAMILY: Family = Family {
    name: "nf-misc",
    protocol: 12,
    messages: &[
        msg(
            "NFQNL_MSG_PACKET",
            QUEUE,
            OpKind::Other,
            &NFGENMSG,
            &NFQA_ATTRS,
        ),
        msg(
            "NFQNL_MSG_VERDICT",
            QUEUE | 1,
            OpKind::Other,
            &NFGENMSG,
            &NFQA_ATTRS,
        ),
        msg(
            "NFQNL_MSG_CONFIG",
            QUEUE | 2,
            OpKind::Other,
            &NFGENMSG,
            &NFQA_CFG_ATTRS,
        ),
        msg(
            "NFQNL_MSG_VERDICT_BATCH",
            QUEUE | 3,
            OpKind::Other,
            &NFGENMSG,
            &NFQA_ATTRS,
        ),
        msg(
            "NFULNL_MSG_PACKET",
            ULOG,
            OpKind::Other,
            &NFGENMSG,
            &NFULA_ATTRS,
        ),
        msg(
            "NFULNL_MSG_CONFIG",
            ULOG | 1,
            OpKind::Other,
            &NFGENMSG,
            &NFULA_CFG_ATTRS,
        ),
        msg(
            "IPSET_CMD_PROTOCOL",
            IPSET | 1,
            OpKind::Other,
            &NFGENMSG,
            &IPSET_CREATE_ATTRS,
        ),
        msg(
            "IPSET_CMD_CREATE",
            IPSET | 2,
            OpKind::New,
            &NFGENMSG,
            &IPSET_CREATE_ATTRS,
        ),
        msg(
            "IPSET_CMD_DESTROY",
            IPSET | 3,
            OpKind::Del,
            &NFGENMSG,
            &IPSET_CREATE_ATTRS,
        ),
        msg(
            "IPSET_CMD_FLUSH",
            IPSET | 4,
            OpKind::Other,
            &NFGENMSG,
            &IPSET_CREATE_ATTRS,
        ),
        msg(
            "IPSET_CMD_RENAME",
            IPSET | 5,
            OpKind::Other,
            &NFGENMSG,
            &IPSET_CREATE_ATTRS,
        ),
        msg(
            "IPSET_CMD_SWAP",
            IPSET | 6,
            OpKind::Other,
            &NFGENMSG,
            &IPSET_CREATE_ATTRS,
        ),
        msg(
            "IPSET_CMD_LIST",
            IPSET | 7,
            OpKind::Get,
            &NFGENMSG,
            &IPSET_CREATE_ATTRS,
        ),
        msg(
            "IPSET_CMD_SAVE",
            IPSET | 8,
            OpKind::Get,
            &NFGENMSG,
            &IPSET_CREATE_ATTRS,
        ),
        msg(
            "IPSET_CMD_ADD",
            IPSET | 9,
            OpKind::New,
            &NFGENMSG,
            &IPSET_ELEM_ATTRS,
        ),
        msg(
            "IPSET_CMD_DEL",
            IPSET | 10,
            OpKind::Del,
            &NFGENMSG,
            &IPSET_ELEM_ATTRS,
        ),
        msg(
            "IPSET_CMD_TEST",
            IPSET | 11,
            OpKind::Other,
            &NFGENMSG,
            &IPSET_ELEM_ATTRS,
        ),
        msg(
            "IPSET_CMD_HEADER",
            IPSET | 12,
            OpKind::Get,
            &NFGENMSG,
            &IPSET_CREATE_ATTRS,
        ),
        msg(
            "IPSET_CMD_TYPE",
            IPSET | 13,
            OpKind::Get,
            &NFGENMSG,
            &IPSET_CREATE_ATTRS,
        ),
        msg(
            "IPSET_CMD_GET_BYNAME",
            IPSET | 14,
            OpKind::Get,
            &NFGENMSG,
            &IPSET_CREATE_ATTRS,
        ),
        msg(
            "IPSET_CMD_GET_BYINDEX",
            IPSET | 15,
            OpKind::Get,
            &NFGENMSG,
            &IPSET_CREATE_ATTRS,
        ),
    ],
};
