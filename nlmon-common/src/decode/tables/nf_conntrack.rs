//! netfilter conntrack (`NFNL_SUBSYS_CTNETLINK`) and expectations
//! (`NFNL_SUBSYS_CTNETLINK_EXP`), which have no YNL spec: from
//! `include/uapi/linux/netfilter/nfnetlink_conntrack.h`. Numbers in these
//! attributes travel in network byte order.

use super::{IPPROTO, dsl::*};
use crate::decode::generated::nftables::STRUCT_NFGENMSG as NFGENMSG;
use crate::decode::table::{AttrSet, Enum, Family, Hint, OpKind};

const CT: u16 = 1 << 8;
const EXP: u16 = 2 << 8;

/// `IPS_*` (`nf_conntrack_common.h`).
static CT_STATUS: Enum = flags(
    "ct-status",
    &[
        (1 << 0, "expected"),
        (1 << 1, "seen_reply"),
        (1 << 2, "assured"),
        (1 << 3, "confirmed"),
        (1 << 4, "src_nat"),
        (1 << 5, "dst_nat"),
        (1 << 6, "seq_adjust"),
        (1 << 7, "src_nat_done"),
        (1 << 8, "dst_nat_done"),
        (1 << 9, "dying"),
        (1 << 10, "fixed_timeout"),
        (1 << 11, "template"),
        (1 << 12, "untracked"),
        (1 << 13, "helper"),
        (1 << 14, "offload"),
        (1 << 15, "hw_offload"),
    ],
);

static TCP_CT_STATE: Enum = enumeration(
    "tcp-conntrack",
    &[
        (0, "none"),
        (1, "syn_sent"),
        (2, "syn_recv"),
        (3, "established"),
        (4, "fin_wait"),
        (5, "close_wait"),
        (6, "last_ack"),
        (7, "time_wait"),
        (8, "close"),
        (9, "syn_sent2"),
    ],
);

static CTA_IP: AttrSet = AttrSet {
    name: "ct-ip-attrs",
    attrs: &[
        hint(binary(1, "CTA_IP_V4_SRC"), Hint::Ipv4),
        hint(binary(2, "CTA_IP_V4_DST"), Hint::Ipv4),
        hint(binary(3, "CTA_IP_V6_SRC"), Hint::Ipv6),
        hint(binary(4, "CTA_IP_V6_DST"), Hint::Ipv6),
    ],
};

static CTA_PROTO: AttrSet = AttrSet {
    name: "ct-proto-attrs",
    attrs: &[
        named(u8(1, "CTA_PROTO_NUM"), &IPPROTO),
        be16(2, "CTA_PROTO_SRC_PORT"),
        be16(3, "CTA_PROTO_DST_PORT"),
        be16(4, "CTA_PROTO_ICMP_ID"),
        u8(5, "CTA_PROTO_ICMP_TYPE"),
        u8(6, "CTA_PROTO_ICMP_CODE"),
        be16(7, "CTA_PROTO_ICMPV6_ID"),
        u8(8, "CTA_PROTO_ICMPV6_TYPE"),
        u8(9, "CTA_PROTO_ICMPV6_CODE"),
    ],
};

static CTA_TUPLE: AttrSet = AttrSet {
    name: "ct-tuple-attrs",
    attrs: &[
        nest(1, "CTA_TUPLE_IP", &CTA_IP),
        nest(2, "CTA_TUPLE_PROTO", &CTA_PROTO),
        be16(3, "CTA_TUPLE_ZONE"),
    ],
};

static CTA_PROTOINFO_TCP: AttrSet = AttrSet {
    name: "ct-protoinfo-tcp-attrs",
    attrs: &[
        named(u8(1, "CTA_PROTOINFO_TCP_STATE"), &TCP_CT_STATE),
        u8(2, "CTA_PROTOINFO_TCP_WSCALE_ORIGINAL"),
        u8(3, "CTA_PROTOINFO_TCP_WSCALE_REPLY"),
        hint(u16(4, "CTA_PROTOINFO_TCP_FLAGS_ORIGINAL"), Hint::Hex),
        hint(u16(5, "CTA_PROTOINFO_TCP_FLAGS_REPLY"), Hint::Hex),
    ],
};

static CTA_PROTOINFO_DCCP: AttrSet = AttrSet {
    name: "ct-protoinfo-dccp-attrs",
    attrs: &[
        u8(1, "CTA_PROTOINFO_DCCP_STATE"),
        u8(2, "CTA_PROTOINFO_DCCP_ROLE"),
        be64(3, "CTA_PROTOINFO_DCCP_HANDSHAKE_SEQ"),
        pad(4, "CTA_PROTOINFO_DCCP_PAD"),
    ],
};

static CTA_PROTOINFO_SCTP: AttrSet = AttrSet {
    name: "ct-protoinfo-sctp-attrs",
    attrs: &[
        u8(1, "CTA_PROTOINFO_SCTP_STATE"),
        be32(2, "CTA_PROTOINFO_SCTP_VTAG_ORIGINAL"),
        be32(3, "CTA_PROTOINFO_SCTP_VTAG_REPLY"),
    ],
};

static CTA_PROTOINFO: AttrSet = AttrSet {
    name: "ct-protoinfo-attrs",
    attrs: &[
        nest(1, "CTA_PROTOINFO_TCP", &CTA_PROTOINFO_TCP),
        nest(2, "CTA_PROTOINFO_DCCP", &CTA_PROTOINFO_DCCP),
        nest(3, "CTA_PROTOINFO_SCTP", &CTA_PROTOINFO_SCTP),
    ],
};

static CTA_HELP: AttrSet = AttrSet {
    name: "ct-help-attrs",
    attrs: &[string(1, "CTA_HELP_NAME"), binary(2, "CTA_HELP_INFO")],
};

static CTA_PROTONAT: AttrSet = AttrSet {
    name: "ct-protonat-attrs",
    attrs: &[
        be16(1, "CTA_PROTONAT_PORT_MIN"),
        be16(2, "CTA_PROTONAT_PORT_MAX"),
    ],
};

static CTA_NAT: AttrSet = AttrSet {
    name: "ct-nat-attrs",
    attrs: &[
        hint(binary(1, "CTA_NAT_V4_MINIP"), Hint::Ipv4),
        hint(binary(2, "CTA_NAT_V4_MAXIP"), Hint::Ipv4),
        nest(3, "CTA_NAT_PROTO", &CTA_PROTONAT),
        hint(binary(4, "CTA_NAT_V6_MINIP"), Hint::Ipv6),
        hint(binary(5, "CTA_NAT_V6_MAXIP"), Hint::Ipv6),
    ],
};

static CTA_COUNTERS: AttrSet = AttrSet {
    name: "ct-counters-attrs",
    attrs: &[
        be64(1, "CTA_COUNTERS_PACKETS"),
        be64(2, "CTA_COUNTERS_BYTES"),
        be32(3, "CTA_COUNTERS32_PACKETS"),
        be32(4, "CTA_COUNTERS32_BYTES"),
        pad(5, "CTA_COUNTERS_PAD"),
    ],
};

static CTA_SEQADJ: AttrSet = AttrSet {
    name: "ct-seqadj-attrs",
    attrs: &[
        be32(1, "CTA_SEQADJ_CORRECTION_POS"),
        be32(2, "CTA_SEQADJ_OFFSET_BEFORE"),
        be32(3, "CTA_SEQADJ_OFFSET_AFTER"),
    ],
};

static CTA_SECCTX: AttrSet = AttrSet {
    name: "ct-secctx-attrs",
    attrs: &[string(1, "CTA_SECCTX_NAME")],
};

static CTA_TIMESTAMP: AttrSet = AttrSet {
    name: "ct-tstamp-attrs",
    attrs: &[
        be64(1, "CTA_TIMESTAMP_START"),
        be64(2, "CTA_TIMESTAMP_STOP"),
        pad(3, "CTA_TIMESTAMP_PAD"),
    ],
};

static CTA_SYNPROXY: AttrSet = AttrSet {
    name: "ct-synproxy-attrs",
    attrs: &[
        be32(1, "CTA_SYNPROXY_ISN"),
        be32(2, "CTA_SYNPROXY_ITS"),
        be32(3, "CTA_SYNPROXY_TSOFF"),
    ],
};

static CTA_FILTER: AttrSet = AttrSet {
    name: "ct-filter-attrs",
    attrs: &[
        hint(u32(1, "CTA_FILTER_ORIG_FLAGS"), Hint::Hex),
        hint(u32(2, "CTA_FILTER_REPLY_FLAGS"), Hint::Hex),
    ],
};

static CTA_ATTRS: AttrSet = AttrSet {
    name: "ct-attrs",
    attrs: &[
        nest(1, "CTA_TUPLE_ORIG", &CTA_TUPLE),
        nest(2, "CTA_TUPLE_REPLY", &CTA_TUPLE),
        named(be32(3, "CTA_STATUS"), &CT_STATUS),
        nest(4, "CTA_PROTOINFO", &CTA_PROTOINFO),
        nest(5, "CTA_HELP", &CTA_HELP),
        nest(6, "CTA_NAT_SRC", &CTA_NAT),
        be32(7, "CTA_TIMEOUT"),
        hint(be32(8, "CTA_MARK"), Hint::Hex),
        nest(9, "CTA_COUNTERS_ORIG", &CTA_COUNTERS),
        nest(10, "CTA_COUNTERS_REPLY", &CTA_COUNTERS),
        be32(11, "CTA_USE"),
        be32(12, "CTA_ID"),
        nest(13, "CTA_NAT_DST", &CTA_NAT),
        nest(14, "CTA_TUPLE_MASTER", &CTA_TUPLE),
        nest(15, "CTA_SEQ_ADJ_ORIG", &CTA_SEQADJ),
        nest(16, "CTA_SEQ_ADJ_REPLY", &CTA_SEQADJ),
        be32(17, "CTA_SECMARK"),
        be16(18, "CTA_ZONE"),
        nest(19, "CTA_SECCTX", &CTA_SECCTX),
        nest(20, "CTA_TIMESTAMP", &CTA_TIMESTAMP),
        hint(be32(21, "CTA_MARK_MASK"), Hint::Hex),
        hint(binary(22, "CTA_LABELS"), Hint::Hex),
        hint(binary(23, "CTA_LABELS_MASK"), Hint::Hex),
        nest(24, "CTA_SYNPROXY", &CTA_SYNPROXY),
        nest(25, "CTA_FILTER", &CTA_FILTER),
        named(be32(26, "CTA_STATUS_MASK"), &CT_STATUS),
    ],
};

/// Per-CPU statistics (`IPCTNL_MSG_CT_GET_STATS_CPU`); `res_id` is the CPU.
static CTA_STATS_CPU: AttrSet = AttrSet {
    name: "ct-stats-cpu-attrs",
    attrs: &[
        be32(1, "CTA_STATS_SEARCHED"),
        be32(2, "CTA_STATS_FOUND"),
        be32(3, "CTA_STATS_NEW"),
        be32(4, "CTA_STATS_INVALID"),
        be32(5, "CTA_STATS_IGNORE"),
        be32(6, "CTA_STATS_DELETE"),
        be32(7, "CTA_STATS_DELETE_LIST"),
        be32(8, "CTA_STATS_INSERT"),
        be32(9, "CTA_STATS_INSERT_FAILED"),
        be32(10, "CTA_STATS_DROP"),
        be32(11, "CTA_STATS_EARLY_DROP"),
        be32(12, "CTA_STATS_ERROR"),
        be32(13, "CTA_STATS_SEARCH_RESTART"),
        be32(14, "CTA_STATS_CLASH_RESOLVE"),
        be32(15, "CTA_STATS_CHAIN_TOOLONG"),
    ],
};

static CTA_STATS_GLOBAL: AttrSet = AttrSet {
    name: "ct-stats-global-attrs",
    attrs: &[
        be32(1, "CTA_STATS_GLOBAL_ENTRIES"),
        be32(2, "CTA_STATS_GLOBAL_MAX_ENTRIES"),
    ],
};

static CTA_EXPECT_NAT: AttrSet = AttrSet {
    name: "ct-expect-nat-attrs",
    attrs: &[
        be32(1, "CTA_EXPECT_NAT_DIR"),
        nest(2, "CTA_EXPECT_NAT_TUPLE", &CTA_TUPLE),
    ],
};

static CTA_EXPECT: AttrSet = AttrSet {
    name: "ct-expect-attrs",
    attrs: &[
        nest(1, "CTA_EXPECT_MASTER", &CTA_TUPLE),
        nest(2, "CTA_EXPECT_TUPLE", &CTA_TUPLE),
        nest(3, "CTA_EXPECT_MASK", &CTA_TUPLE),
        be32(4, "CTA_EXPECT_TIMEOUT"),
        be32(5, "CTA_EXPECT_ID"),
        string(6, "CTA_EXPECT_HELP_NAME"),
        be16(7, "CTA_EXPECT_ZONE"),
        hint(be32(8, "CTA_EXPECT_FLAGS"), Hint::Hex),
        be32(9, "CTA_EXPECT_CLASS"),
        nest(10, "CTA_EXPECT_NAT", &CTA_EXPECT_NAT),
        string(11, "CTA_EXPECT_FN"),
    ],
};

static CTA_EXPECT_STATS: AttrSet = AttrSet {
    name: "ct-expect-stats-attrs",
    attrs: &[
        be32(1, "CTA_STATS_EXP_NEW"),
        be32(2, "CTA_STATS_EXP_CREATE"),
        be32(3, "CTA_STATS_EXP_DELETE"),
    ],
};

pub static FAMILY: Family = Family {
    name: "conntrack",
    protocol: 12,
    messages: &[
        msg("IPCTNL_MSG_CT_NEW", CT, OpKind::New, &NFGENMSG, &CTA_ATTRS),
        msg(
            "IPCTNL_MSG_CT_GET",
            CT | 1,
            OpKind::Get,
            &NFGENMSG,
            &CTA_ATTRS,
        ),
        msg(
            "IPCTNL_MSG_CT_DELETE",
            CT | 2,
            OpKind::Del,
            &NFGENMSG,
            &CTA_ATTRS,
        ),
        msg(
            "IPCTNL_MSG_CT_GET_CTRZERO",
            CT | 3,
            OpKind::Get,
            &NFGENMSG,
            &CTA_ATTRS,
        ),
        msg(
            "IPCTNL_MSG_CT_GET_STATS_CPU",
            CT | 4,
            OpKind::Get,
            &NFGENMSG,
            &CTA_STATS_CPU,
        ),
        msg(
            "IPCTNL_MSG_CT_GET_STATS",
            CT | 5,
            OpKind::Get,
            &NFGENMSG,
            &CTA_STATS_GLOBAL,
        ),
        msg(
            "IPCTNL_MSG_CT_GET_DYING",
            CT | 6,
            OpKind::Get,
            &NFGENMSG,
            &CTA_ATTRS,
        ),
        msg(
            "IPCTNL_MSG_CT_GET_UNCONFIRMED",
            CT | 7,
            OpKind::Get,
            &NFGENMSG,
            &CTA_ATTRS,
        ),
        msg(
            "IPCTNL_MSG_EXP_NEW",
            EXP,
            OpKind::New,
            &NFGENMSG,
            &CTA_EXPECT,
        ),
        msg(
            "IPCTNL_MSG_EXP_GET",
            EXP | 1,
            OpKind::Get,
            &NFGENMSG,
            &CTA_EXPECT,
        ),
        msg(
            "IPCTNL_MSG_EXP_DELETE",
            EXP | 2,
            OpKind::Del,
            &NFGENMSG,
            &CTA_EXPECT,
        ),
        msg(
            "IPCTNL_MSG_EXP_GET_STATS_CPU",
            EXP | 3,
            OpKind::Get,
            &NFGENMSG,
            &CTA_EXPECT_STATS,
        ),
    ],
};
