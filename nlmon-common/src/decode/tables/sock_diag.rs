//! `NETLINK_SOCK_DIAG`, which has no YNL spec: from `include/uapi/linux/`
//! `sock_diag.h`, `inet_diag.h`, `unix_diag.h`, `netlink_diag.h`,
//! `packet_diag.h` and `tcp.h`. One message type (`SOCK_DIAG_BY_FAMILY`)
//! carries a different header for each address family, named by its first
//! byte: [`select`] picks the definition.

use super::{ADDRESS_FAMILY, IPPROTO, dsl::*};
use crate::decode::table::{
    AttrKind, AttrSet, Dir, Enum, Field, Hint, MsgDef, OpKind, Scalar, Struct,
};

/// The old inet-only requests (`struct inet_diag_req`), still sent by `ss`
/// for DCCP.
pub const TCPDIAG_GETSOCK: u16 = 18;
pub const DCCPDIAG_GETSOCK: u16 = 19;
pub const SOCK_DIAG_BY_FAMILY: u16 = 20;
pub const SOCK_DESTROY: u16 = 21;

/// `TCP_*` states (`include/net/tcp_states.h`).
static TCP_STATE: Enum = enumeration(
    "tcp-state",
    &[
        (1, "established"),
        (2, "syn_sent"),
        (3, "syn_recv"),
        (4, "fin_wait1"),
        (5, "fin_wait2"),
        (6, "time_wait"),
        (7, "close"),
        (8, "close_wait"),
        (9, "last_ack"),
        (10, "listen"),
        (11, "closing"),
        (12, "new_syn_recv"),
        (13, "bound_inactive"),
    ],
);

/// The same states as a mask of `1 << state`, as requests select them.
static TCP_STATES: Enum = flags(
    "tcp-states",
    &[
        (1 << 1, "established"),
        (1 << 2, "syn_sent"),
        (1 << 3, "syn_recv"),
        (1 << 4, "fin_wait1"),
        (1 << 5, "fin_wait2"),
        (1 << 6, "time_wait"),
        (1 << 7, "close"),
        (1 << 8, "close_wait"),
        (1 << 9, "last_ack"),
        (1 << 10, "listen"),
        (1 << 11, "closing"),
        (1 << 12, "new_syn_recv"),
        (1 << 13, "bound_inactive"),
    ],
);

/// `idiag_ext`: bit `n - 1` asks for attribute `INET_DIAG_*` number `n`.
static INET_DIAG_EXT: Enum = flags(
    "inet-diag-ext",
    &[
        (1 << 0, "meminfo"),
        (1 << 1, "info"),
        (1 << 2, "vegasinfo"),
        (1 << 3, "cong"),
        (1 << 4, "tos"),
        (1 << 5, "tclass"),
        (1 << 6, "skmeminfo"),
        (1 << 7, "shutdown"),
    ],
);

static SOCK_TYPE: Enum = enumeration(
    "sock-type",
    &[
        (1, "stream"),
        (2, "dgram"),
        (3, "raw"),
        (4, "rdm"),
        (5, "seqpacket"),
        (6, "dccp"),
        (10, "packet"),
    ],
);

/// `inet_diag_sockid` for IPv4: the addresses use the first 4 of 16 bytes.
static SOCKID_V4: Struct = Struct {
    name: "inet_diag_sockid",
    fields: &[
        fbe16("idiag_sport"),
        fbe16("idiag_dport"),
        fbytes("idiag_src", 4, Hint::Ipv4),
        fpad(12),
        fbytes("idiag_dst", 4, Hint::Ipv4),
        fpad(12),
        f32("idiag_if"),
        fhint(f64("idiag_cookie"), Hint::Hex),
    ],
};

static SOCKID_V6: Struct = Struct {
    name: "inet_diag_sockid",
    fields: &[
        fbe16("idiag_sport"),
        fbe16("idiag_dport"),
        fbytes("idiag_src", 16, Hint::Ipv6),
        fbytes("idiag_dst", 16, Hint::Ipv6),
        f32("idiag_if"),
        fhint(f64("idiag_cookie"), Hint::Hex),
    ],
};

const fn inet_req(id: &'static Struct) -> [Field; 6] {
    [
        fnamed(f8("sdiag_family"), &ADDRESS_FAMILY),
        fnamed(f8("sdiag_protocol"), &IPPROTO),
        fnamed(f8("idiag_ext"), &INET_DIAG_EXT),
        fpad(1),
        fnamed(f32("idiag_states"), &TCP_STATES),
        fstruct("id", id),
    ]
}

static INET_REQ_V4_FIELDS: [Field; 6] = inet_req(&SOCKID_V4);
static INET_REQ_V6_FIELDS: [Field; 6] = inet_req(&SOCKID_V6);

static INET_DIAG_REQ_V4: Struct = Struct {
    name: "inet_diag_req_v2",
    fields: &INET_REQ_V4_FIELDS,
};

static INET_DIAG_REQ_V6: Struct = Struct {
    name: "inet_diag_req_v2",
    fields: &INET_REQ_V6_FIELDS,
};

const fn inet_msg(id: &'static Struct) -> [Field; 10] {
    [
        fnamed(f8("idiag_family"), &ADDRESS_FAMILY),
        fnamed(f8("idiag_state"), &TCP_STATE),
        f8("idiag_timer"),
        f8("idiag_retrans"),
        fstruct("id", id),
        f32("idiag_expires"),
        f32("idiag_rqueue"),
        f32("idiag_wqueue"),
        f32("idiag_uid"),
        f32("idiag_inode"),
    ]
}

static INET_MSG_V4_FIELDS: [Field; 10] = inet_msg(&SOCKID_V4);
static INET_MSG_V6_FIELDS: [Field; 10] = inet_msg(&SOCKID_V6);

static INET_DIAG_MSG_V4: Struct = Struct {
    name: "inet_diag_msg",
    fields: &INET_MSG_V4_FIELDS,
};

static INET_DIAG_MSG_V6: Struct = Struct {
    name: "inet_diag_msg",
    fields: &INET_MSG_V6_FIELDS,
};

const fn inet_req_v1(id: &'static Struct) -> [Field; 7] {
    [
        fnamed(f8("idiag_family"), &ADDRESS_FAMILY),
        f8("idiag_src_len"),
        f8("idiag_dst_len"),
        fnamed(f8("idiag_ext"), &INET_DIAG_EXT),
        fstruct("id", id),
        fnamed(f32("idiag_states"), &TCP_STATES),
        f32("idiag_dbs"),
    ]
}

static INET_REQ_V1_V4_FIELDS: [Field; 7] = inet_req_v1(&SOCKID_V4);
static INET_REQ_V1_V6_FIELDS: [Field; 7] = inet_req_v1(&SOCKID_V6);

static INET_DIAG_REQ_V1_V4: Struct = Struct {
    name: "inet_diag_req",
    fields: &INET_REQ_V1_V4_FIELDS,
};

static INET_DIAG_REQ_V1_V6: Struct = Struct {
    name: "inet_diag_req",
    fields: &INET_REQ_V1_V6_FIELDS,
};

static INET_DIAG_REQ_ATTRS: AttrSet = AttrSet {
    name: "inet-diag-req-attrs",
    attrs: &[
        hint(binary(1, "INET_DIAG_REQ_BYTECODE"), Hint::Hex),
        binary(2, "INET_DIAG_REQ_SK_BPF_STORAGES"),
        named(u32(3, "INET_DIAG_REQ_PROTOCOL"), &IPPROTO),
    ],
};

static MEMINFO: Struct = Struct {
    name: "inet_diag_meminfo",
    fields: &[
        f32("idiag_rmem"),
        f32("idiag_wmem"),
        f32("idiag_fmem"),
        f32("idiag_tmem"),
    ],
};

static TCP_INFO: Struct = Struct {
    name: "tcp_info",
    fields: &[
        fnamed(f8("tcpi_state"), &TCP_STATE),
        f8("tcpi_ca_state"),
        f8("tcpi_retransmits"),
        f8("tcpi_probes"),
        f8("tcpi_backoff"),
        fhint(f8("tcpi_options"), Hint::Hex),
        fhint(f8("tcpi_wscale"), Hint::Hex),
        fhint(f8("tcpi_flags"), Hint::Hex),
        f32("tcpi_rto"),
        f32("tcpi_ato"),
        f32("tcpi_snd_mss"),
        f32("tcpi_rcv_mss"),
        f32("tcpi_unacked"),
        f32("tcpi_sacked"),
        f32("tcpi_lost"),
        f32("tcpi_retrans"),
        f32("tcpi_fackets"),
        f32("tcpi_last_data_sent"),
        f32("tcpi_last_ack_sent"),
        f32("tcpi_last_data_recv"),
        f32("tcpi_last_ack_recv"),
        f32("tcpi_pmtu"),
        f32("tcpi_rcv_ssthresh"),
        f32("tcpi_rtt"),
        f32("tcpi_rttvar"),
        f32("tcpi_snd_ssthresh"),
        f32("tcpi_snd_cwnd"),
        f32("tcpi_advmss"),
        f32("tcpi_reordering"),
        f32("tcpi_rcv_rtt"),
        f32("tcpi_rcv_space"),
        f32("tcpi_total_retrans"),
        f64("tcpi_pacing_rate"),
        f64("tcpi_max_pacing_rate"),
        f64("tcpi_bytes_acked"),
        f64("tcpi_bytes_received"),
        f32("tcpi_segs_out"),
        f32("tcpi_segs_in"),
        f32("tcpi_notsent_bytes"),
        f32("tcpi_min_rtt"),
        f32("tcpi_data_segs_in"),
        f32("tcpi_data_segs_out"),
        f64("tcpi_delivery_rate"),
        f64("tcpi_busy_time"),
        f64("tcpi_rwnd_limited"),
        f64("tcpi_sndbuf_limited"),
        f32("tcpi_delivered"),
        f32("tcpi_delivered_ce"),
        f64("tcpi_bytes_sent"),
        f64("tcpi_bytes_retrans"),
        f32("tcpi_dsack_dups"),
        f32("tcpi_reord_seen"),
        f32("tcpi_rcv_ooopack"),
        f32("tcpi_snd_wnd"),
    ],
};

static VEGAS_INFO: Struct = Struct {
    name: "tcpvegas_info",
    fields: &[
        f32("tcpv_enabled"),
        f32("tcpv_rttcnt"),
        f32("tcpv_rtt"),
        f32("tcpv_minrtt"),
    ],
};

static DCTCP_INFO: Struct = Struct {
    name: "tcp_dctcp_info",
    fields: &[
        f16("dctcp_enabled"),
        f16("dctcp_ce_state"),
        f32("dctcp_alpha"),
        f32("dctcp_ab_ecn"),
        f32("dctcp_ab_tot"),
    ],
};

static BBR_INFO: Struct = Struct {
    name: "tcp_bbr_info",
    fields: &[
        f32("bbr_bw_lo"),
        f32("bbr_bw_hi"),
        f32("bbr_min_rtt"),
        f32("bbr_pacing_gain"),
        f32("bbr_cwnd_gain"),
    ],
};

static SHUTDOWN: Enum = flags("shutdown", &[(1, "rcv"), (2, "send")]);

static INET_DIAG_ATTRS: AttrSet = AttrSet {
    name: "inet-diag-attrs",
    attrs: &[
        st(1, "INET_DIAG_MEMINFO", &MEMINFO),
        st(2, "INET_DIAG_INFO", &TCP_INFO),
        st(3, "INET_DIAG_VEGASINFO", &VEGAS_INFO),
        string(4, "INET_DIAG_CONG"),
        hint(u8(5, "INET_DIAG_TOS"), Hint::Hex),
        hint(u8(6, "INET_DIAG_TCLASS"), Hint::Hex),
        array(7, "INET_DIAG_SKMEMINFO", Scalar::U32),
        named(u8(8, "INET_DIAG_SHUTDOWN"), &SHUTDOWN),
        st(9, "INET_DIAG_DCTCPINFO", &DCTCP_INFO),
        named(u8(10, "INET_DIAG_PROTOCOL"), &IPPROTO),
        u8(11, "INET_DIAG_SKV6ONLY"),
        binary(12, "INET_DIAG_LOCALS"),
        binary(13, "INET_DIAG_PEERS"),
        pad(14, "INET_DIAG_PAD"),
        hint(u32(15, "INET_DIAG_MARK"), Hint::Hex),
        st(16, "INET_DIAG_BBRINFO", &BBR_INFO),
        hint(u32(17, "INET_DIAG_CLASS_ID"), Hint::Hex),
        // `struct tcp_diag_md5sig`s, each holding a TCP-MD5 key.
        secret(binary(18, "INET_DIAG_MD5SIG")),
        binary(19, "INET_DIAG_ULP_INFO"),
        binary(20, "INET_DIAG_SK_BPF_STORAGES"),
        u64(21, "INET_DIAG_CGROUP_ID"),
        hint(u16(22, "INET_DIAG_SOCKOPT"), Hint::Hex),
    ],
};

static UDIAG_SHOW: Enum = flags(
    "udiag-show",
    &[
        (0x01, "name"),
        (0x02, "vfs"),
        (0x04, "peer"),
        (0x08, "icons"),
        (0x10, "rqlen"),
        (0x20, "meminfo"),
        (0x40, "uid"),
    ],
);

static UNIX_DIAG_REQ: Struct = Struct {
    name: "unix_diag_req",
    fields: &[
        fnamed(f8("sdiag_family"), &ADDRESS_FAMILY),
        f8("sdiag_protocol"),
        fpad(2),
        fnamed(f32("udiag_states"), &TCP_STATES),
        f32("udiag_ino"),
        fnamed(f32("udiag_show"), &UDIAG_SHOW),
        fhint(f64("udiag_cookie"), Hint::Hex),
    ],
};

static UNIX_DIAG_MSG: Struct = Struct {
    name: "unix_diag_msg",
    fields: &[
        fnamed(f8("udiag_family"), &ADDRESS_FAMILY),
        fnamed(f8("udiag_type"), &SOCK_TYPE),
        fnamed(f8("udiag_state"), &TCP_STATE),
        fpad(1),
        f32("udiag_ino"),
        fhint(f64("udiag_cookie"), Hint::Hex),
    ],
};

static UNIX_VFS: Struct = Struct {
    name: "unix_diag_vfs",
    fields: &[f32("udiag_vfs_ino"), fhint(f32("udiag_vfs_dev"), Hint::Hex)],
};

static UNIX_RQLEN: Struct = Struct {
    name: "unix_diag_rqlen",
    fields: &[f32("udiag_rqueue"), f32("udiag_wqueue")],
};

/// Abstract names start with a NUL byte, so the name is shown as bytes.
static UNIX_DIAG_ATTRS: AttrSet = AttrSet {
    name: "unix-diag-attrs",
    attrs: &[
        binary(0, "UNIX_DIAG_NAME"),
        st(1, "UNIX_DIAG_VFS", &UNIX_VFS),
        u32(2, "UNIX_DIAG_PEER"),
        array(3, "UNIX_DIAG_ICONS", Scalar::U32),
        st(4, "UNIX_DIAG_RQLEN", &UNIX_RQLEN),
        array(5, "UNIX_DIAG_MEMINFO", Scalar::U32),
        named(u8(6, "UNIX_DIAG_SHUTDOWN"), &SHUTDOWN),
        u32(7, "UNIX_DIAG_UID"),
    ],
};

static NDIAG_SHOW: Enum = flags(
    "ndiag-show",
    &[
        (0x01, "meminfo"),
        (0x02, "groups"),
        (0x04, "ring_cfg"),
        (0x08, "flags"),
    ],
);

/// Netlink protocols (`NETLINK_*`).
static NETLINK_PROTOCOL: Enum = enumeration(
    "netlink-protocol",
    &[
        (0, "route"),
        (2, "usersock"),
        (3, "firewall"),
        (4, "sock_diag"),
        (5, "nflog"),
        (6, "xfrm"),
        (7, "selinux"),
        (8, "iscsi"),
        (9, "audit"),
        (10, "fib_lookup"),
        (11, "connector"),
        (12, "netfilter"),
        (13, "ip6_fw"),
        (14, "dnrtmsg"),
        (15, "kobject_uevent"),
        (16, "generic"),
        (18, "scsitransport"),
        (19, "ecryptfs"),
        (20, "rdma"),
        (21, "crypto"),
        (22, "smc"),
    ],
);

static NETLINK_DIAG_REQ: Struct = Struct {
    name: "netlink_diag_req",
    fields: &[
        fnamed(f8("sdiag_family"), &ADDRESS_FAMILY),
        fnamed(f8("sdiag_protocol"), &NETLINK_PROTOCOL),
        fpad(2),
        f32("ndiag_ino"),
        fnamed(f32("ndiag_show"), &NDIAG_SHOW),
        fhint(f64("ndiag_cookie"), Hint::Hex),
    ],
};

static NETLINK_DIAG_MSG: Struct = Struct {
    name: "netlink_diag_msg",
    fields: &[
        fnamed(f8("ndiag_family"), &ADDRESS_FAMILY),
        fnamed(f8("ndiag_type"), &SOCK_TYPE),
        fnamed(f8("ndiag_protocol"), &NETLINK_PROTOCOL),
        f8("ndiag_state"),
        f32("ndiag_portid"),
        f32("ndiag_dst_portid"),
        f32("ndiag_dst_group"),
        f32("ndiag_ino"),
        fhint(f64("ndiag_cookie"), Hint::Hex),
    ],
};

static NETLINK_DIAG_RING: Struct = Struct {
    name: "netlink_diag_ring",
    fields: &[
        f32("ndr_block_size"),
        f32("ndr_block_nr"),
        f32("ndr_frame_size"),
        f32("ndr_frame_nr"),
    ],
};

static NDIAG_FLAGS: Enum = flags(
    "ndiag-flags",
    &[
        (0x01, "cb_running"),
        (0x02, "pktinfo"),
        (0x04, "broadcast_error"),
        (0x08, "no_enobufs"),
        (0x10, "listen_all_nsid"),
        (0x20, "cap_ack"),
    ],
);

static NETLINK_DIAG_ATTRS: AttrSet = AttrSet {
    name: "netlink-diag-attrs",
    attrs: &[
        array(0, "NETLINK_DIAG_MEMINFO", Scalar::U32),
        hint(binary(1, "NETLINK_DIAG_GROUPS"), Hint::Hex),
        st(2, "NETLINK_DIAG_RX_RING", &NETLINK_DIAG_RING),
        st(3, "NETLINK_DIAG_TX_RING", &NETLINK_DIAG_RING),
        named(u32(4, "NETLINK_DIAG_FLAGS"), &NDIAG_FLAGS),
    ],
};

static PDIAG_SHOW: Enum = flags(
    "pdiag-show",
    &[
        (0x01, "info"),
        (0x02, "mclist"),
        (0x04, "ring_cfg"),
        (0x08, "fanout"),
        (0x10, "uid"),
        (0x20, "meminfo"),
        (0x40, "filter"),
    ],
);

static PACKET_DIAG_REQ: Struct = Struct {
    name: "packet_diag_req",
    fields: &[
        fnamed(f8("sdiag_family"), &ADDRESS_FAMILY),
        f8("sdiag_protocol"),
        fpad(2),
        f32("pdiag_ino"),
        fnamed(f32("pdiag_show"), &PDIAG_SHOW),
        fhint(f64("pdiag_cookie"), Hint::Hex),
    ],
};

/// `pdiag_num` is the bound ethertype, in network order.
static PACKET_DIAG_MSG: Struct = Struct {
    name: "packet_diag_msg",
    fields: &[
        fnamed(f8("pdiag_family"), &ADDRESS_FAMILY),
        fnamed(f8("pdiag_type"), &SOCK_TYPE),
        fhint(fbe16("pdiag_num"), Hint::Hex),
        f32("pdiag_ino"),
        fhint(f64("pdiag_cookie"), Hint::Hex),
    ],
};

static PACKET_DIAG_INFO: Struct = Struct {
    name: "packet_diag_info",
    fields: &[
        f32("pdi_index"),
        f32("pdi_version"),
        f32("pdi_reserve"),
        f32("pdi_copy_thresh"),
        f32("pdi_tstamp"),
        fhint(f32("pdi_flags"), Hint::Hex),
    ],
};

static PACKET_DIAG_RING: Struct = Struct {
    name: "packet_diag_ring",
    fields: &[
        f32("pdr_block_size"),
        f32("pdr_block_nr"),
        f32("pdr_frame_size"),
        f32("pdr_frame_nr"),
        f32("pdr_retire_tmo"),
        f32("pdr_sizeof_priv"),
        fhint(f32("pdr_features"), Hint::Hex),
    ],
};

static PACKET_DIAG_MCLIST: Struct = Struct {
    name: "packet_diag_mclist",
    fields: &[
        f32("pdmc_index"),
        f32("pdmc_count"),
        f16("pdmc_type"),
        f16("pdmc_alen"),
        fbytes("pdmc_addr", 32, Hint::Hex),
    ],
};

static PACKET_DIAG_ATTRS: AttrSet = AttrSet {
    name: "packet-diag-attrs",
    attrs: &[
        st(0, "PACKET_DIAG_INFO", &PACKET_DIAG_INFO),
        attr(
            1,
            "PACKET_DIAG_MCLIST",
            AttrKind::StructArray(&PACKET_DIAG_MCLIST),
        ),
        st(2, "PACKET_DIAG_RX_RING", &PACKET_DIAG_RING),
        st(3, "PACKET_DIAG_TX_RING", &PACKET_DIAG_RING),
        hint(u32(4, "PACKET_DIAG_FANOUT"), Hint::Hex),
        u32(5, "PACKET_DIAG_UID"),
        array(6, "PACKET_DIAG_MEMINFO", Scalar::U32),
        hint(binary(7, "PACKET_DIAG_FILTER"), Hint::Hex),
    ],
};

const fn def(
    name: &'static str,
    value: u16,
    dir: Dir,
    kind: OpKind,
    h: &'static Struct,
    a: &'static AttrSet,
) -> MsgDef {
    only(dir, msg(name, value, kind, h, a))
}

macro_rules! pair {
    ($req:ident, $reply:ident, $rh:expr, $ra:expr, $ph:expr, $pa:expr) => {
        static $req: [MsgDef; 2] = [
            def(
                "SOCK_DIAG_BY_FAMILY",
                SOCK_DIAG_BY_FAMILY,
                Dir::Request,
                OpKind::Get,
                $rh,
                $ra,
            ),
            def(
                "SOCK_DESTROY",
                SOCK_DESTROY,
                Dir::Request,
                OpKind::Del,
                $rh,
                $ra,
            ),
        ];
        static $reply: MsgDef = def(
            "SOCK_DIAG_BY_FAMILY",
            SOCK_DIAG_BY_FAMILY,
            Dir::Reply,
            OpKind::Other,
            $ph,
            $pa,
        );
    };
}

pair!(
    INET_REQ,
    INET_REPLY,
    &INET_DIAG_REQ_V4,
    &INET_DIAG_REQ_ATTRS,
    &INET_DIAG_MSG_V4,
    &INET_DIAG_ATTRS
);
pair!(
    INET6_REQ,
    INET6_REPLY,
    &INET_DIAG_REQ_V6,
    &INET_DIAG_REQ_ATTRS,
    &INET_DIAG_MSG_V6,
    &INET_DIAG_ATTRS
);
pair!(
    UNIX_REQ,
    UNIX_REPLY,
    &UNIX_DIAG_REQ,
    &UNIX_DIAG_ATTRS,
    &UNIX_DIAG_MSG,
    &UNIX_DIAG_ATTRS
);
pair!(
    NETLINK_REQ,
    NETLINK_REPLY,
    &NETLINK_DIAG_REQ,
    &NETLINK_DIAG_ATTRS,
    &NETLINK_DIAG_MSG,
    &NETLINK_DIAG_ATTRS
);
pair!(
    PACKET_REQ,
    PACKET_REPLY,
    &PACKET_DIAG_REQ,
    &PACKET_DIAG_ATTRS,
    &PACKET_DIAG_MSG,
    &PACKET_DIAG_ATTRS
);

static OLD_REQ: [MsgDef; 4] = [
    def(
        "TCPDIAG_GETSOCK",
        TCPDIAG_GETSOCK,
        Dir::Request,
        OpKind::Get,
        &INET_DIAG_REQ_V1_V4,
        &INET_DIAG_REQ_ATTRS,
    ),
    def(
        "DCCPDIAG_GETSOCK",
        DCCPDIAG_GETSOCK,
        Dir::Request,
        OpKind::Get,
        &INET_DIAG_REQ_V1_V4,
        &INET_DIAG_REQ_ATTRS,
    ),
    def(
        "TCPDIAG_GETSOCK",
        TCPDIAG_GETSOCK,
        Dir::Request,
        OpKind::Get,
        &INET_DIAG_REQ_V1_V6,
        &INET_DIAG_REQ_ATTRS,
    ),
    def(
        "DCCPDIAG_GETSOCK",
        DCCPDIAG_GETSOCK,
        Dir::Request,
        OpKind::Get,
        &INET_DIAG_REQ_V1_V6,
        &INET_DIAG_REQ_ATTRS,
    ),
];

static OLD_REPLY: [MsgDef; 4] = [
    def(
        "TCPDIAG_GETSOCK",
        TCPDIAG_GETSOCK,
        Dir::Reply,
        OpKind::Other,
        &INET_DIAG_MSG_V4,
        &INET_DIAG_ATTRS,
    ),
    def(
        "DCCPDIAG_GETSOCK",
        DCCPDIAG_GETSOCK,
        Dir::Reply,
        OpKind::Other,
        &INET_DIAG_MSG_V4,
        &INET_DIAG_ATTRS,
    ),
    def(
        "TCPDIAG_GETSOCK",
        TCPDIAG_GETSOCK,
        Dir::Reply,
        OpKind::Other,
        &INET_DIAG_MSG_V6,
        &INET_DIAG_ATTRS,
    ),
    def(
        "DCCPDIAG_GETSOCK",
        DCCPDIAG_GETSOCK,
        Dir::Reply,
        OpKind::Other,
        &INET_DIAG_MSG_V6,
        &INET_DIAG_ATTRS,
    ),
];

/// The definition of a sock_diag message of type `ty` whose payload starts
/// with address family `family`, going to the kernel (`request`) or from it.
pub fn select(ty: u16, family: u8, request: bool) -> Option<&'static MsgDef> {
    if matches!(ty, TCPDIAG_GETSOCK | DCCPDIAG_GETSOCK) {
        let i = usize::from(ty == DCCPDIAG_GETSOCK)
            + match family {
                2 => 0,
                10 => 2,
                _ => return None,
            };
        return Some(if request { &OLD_REQ[i] } else { &OLD_REPLY[i] });
    }
    let (req, reply) = match family {
        1 => (&UNIX_REQ, &UNIX_REPLY),
        2 => (&INET_REQ, &INET_REPLY),
        10 => (&INET6_REQ, &INET6_REPLY),
        16 => (&NETLINK_REQ, &NETLINK_REPLY),
        17 => (&PACKET_REQ, &PACKET_REPLY),
        _ => return None,
    };
    match (ty, request) {
        (SOCK_DIAG_BY_FAMILY, true) => Some(&req[0]),
        (SOCK_DESTROY, true) => Some(&req[1]),
        (SOCK_DIAG_BY_FAMILY, false) => Some(reply),
        _ => None,
    }
}
