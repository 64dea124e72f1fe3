//! Messages the golden corpus cannot hold, built byte by byte after the UAPI
//! headers and the kernel code that sends them: a family the capture
//! machine's kernel lacks (`l2tp`: its modules are not loaded there, and
//! cannot be), and a message no tool there makes (IOAM6's trace event:
//! that iproute2 has no `ip ioam monitor`).

use super::{attr, msg};

/// Generic netlink family ids for the built messages, as nlctrl might
/// have handed them out.
pub const L2TP_ID: u16 = 0x1c;
pub const IOAM6_ID: u16 = 0x1d;

const NLM_F_REQUEST_ACK: u16 = 0x5;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_MULTI: u16 = 0x2;

fn genl(cmd: u8, attrs: &[Vec<u8>]) -> Vec<u8> {
    let mut p = vec![cmd, 1, 0, 0];
    p.extend(attrs.concat());
    p
}

fn u8a(ty: u16, v: u8) -> Vec<u8> {
    attr(ty, &[v])
}

fn u16a(ty: u16, v: u16) -> Vec<u8> {
    attr(ty, &v.to_ne_bytes())
}

fn u32a(ty: u16, v: u32) -> Vec<u8> {
    attr(ty, &v.to_ne_bytes())
}

fn u64a(ty: u16, v: u64) -> Vec<u8> {
    attr(ty, &v.to_ne_bytes())
}

/// `L2TP_ATTR_STATS` as `l2tp_nl_tunnel_send` nests it (without
/// `NLA_F_NESTED`; no `L2TP_ATTR_STATS_PAD` where u64s need no alignment).
fn l2tp_stats(tx_packets: u64, rx_bytes: u64) -> Vec<u8> {
    let counters = [
        (1, tx_packets),
        (2, tx_packets * 100),
        (3, 0),
        (4, 0),
        (5, rx_bytes),
        (6, 0),
        (10, 0),
        (7, 0),
        (8, 0),
        (11, 0),
    ];
    let inner: Vec<Vec<u8>> = counters.iter().map(|&(t, v)| u64a(t, v)).collect();
    attr(30, &inner.concat())
}

/// `ip l2tp add tunnel tunnel_id 3000 peer_tunnel_id 4000 encap udp local
/// 10.0.0.1 remote 10.0.0.2 udp_sport 5000 udp_dport 6000` (iproute2's
/// `create_tunnel`).
pub fn l2tp_tunnel_create() -> Vec<u8> {
    let p = genl(
        1,
        &[
            u32a(9, 3000),
            u32a(10, 4000),
            u8a(7, 3),
            u16a(2, 0),
            attr(24, &[10, 0, 0, 1]),
            attr(25, &[10, 0, 0, 2]),
            u16a(26, 5000),
            u16a(27, 6000),
        ],
    );
    msg(L2TP_ID, NLM_F_REQUEST_ACK, 1, &p)
}

/// The kernel's notification of that tunnel (`l2tp_tunnel_notify`, which
/// sets `NLM_F_ACK`), IPv4 over UDP.
pub fn l2tp_tunnel_created() -> Vec<u8> {
    let p = genl(
        1,
        &[
            u8a(7, 3),
            u32a(9, 3000),
            u32a(10, 4000),
            u32a(17, 0),
            u16a(2, 0),
            l2tp_stats(0, 0),
            u8a(13, 1),
            u16a(26, 5000),
            u16a(27, 6000),
            attr(24, &[10, 0, 0, 1]),
            attr(25, &[10, 0, 0, 2]),
        ],
    );
    msg(L2TP_ID, NLM_F_ACK, 1, &p)
}

/// `ip l2tp show tunnel`'s dump (`L2TP_CMD_TUNNEL_GET` with ROOT|MATCH), and
/// its answer for an IPv6 tunnel over UDP without RX checksums, then
/// `NLMSG_DONE`.
pub fn l2tp_tunnel_dump() -> (Vec<u8>, Vec<u8>) {
    let request = msg(L2TP_ID, 0x301, 2, &genl(4, &[]));
    let saddr = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    let mut daddr = saddr;
    daddr[15] = 2;
    let p = genl(
        4,
        &[
            u8a(7, 3),
            u32a(9, 3001),
            u32a(10, 4001),
            u32a(17, 0),
            u16a(2, 0),
            l2tp_stats(7, 1234),
            attr(34, &[]),
            u16a(26, 5001),
            u16a(27, 6001),
            attr(31, &saddr),
            attr(32, &daddr),
        ],
    );
    let mut reply = msg(L2TP_ID, NLM_F_MULTI, 2, &p);
    reply.extend(msg(3, NLM_F_MULTI, 2, &0i32.to_ne_bytes()));
    (request, reply)
}

/// `ip l2tp add session name l2tpeth0 tunnel_id 3000 session_id 10
/// peer_session_id 20 cookie 01020304 peer_cookie 0102030405060708`
/// (iproute2's `create_session`; pseudowire `L2TP_PWTYPE_ETH`).
pub fn l2tp_session_create() -> Vec<u8> {
    let p = genl(
        5,
        &[
            u32a(9, 3000),
            u32a(10, 4000),
            u32a(11, 10),
            u32a(12, 20),
            u16a(1, 5),
            attr(15, &[1, 2, 3, 4]),
            attr(16, &[1, 2, 3, 4, 5, 6, 7, 8]),
            attr(8, b"l2tpeth0\0"),
        ],
    );
    msg(L2TP_ID, NLM_F_REQUEST_ACK, 3, &p)
}

/// The kernel's answer to `L2TP_CMD_SESSION_GET` for that session
/// (`l2tp_nl_session_send`), with a reorder timeout of 100 ms.
pub fn l2tp_session_get_reply() -> Vec<u8> {
    let p = genl(
        8,
        &[
            u32a(9, 3000),
            u32a(11, 10),
            u32a(10, 4000),
            u32a(12, 20),
            u32a(17, 0),
            u16a(1, 5),
            attr(8, b"l2tpeth0\0"),
            attr(15, &[1, 2, 3, 4]),
            attr(16, &[1, 2, 3, 4, 5, 6, 7, 8]),
            u8a(18, 0),
            u8a(19, 0),
            u8a(20, 0),
            u64a(22, 100),
            l2tp_stats(0, 0),
        ],
    );
    msg(L2TP_ID, 0, 4, &p)
}

/// An IOAM6 trace event (`ioam6_event`, `net/ipv6/ioam6.c`) from a node
/// that took a pre-allocated trace of namespace 123 whose type asks for
/// bit 0 (hop limit and node id): one node's data, 4 bytes.
pub fn ioam6_trace_event() -> Vec<u8> {
    let p = genl(
        1,
        &[
            u16a(1, 123),
            u8a(2, 1),
            u32a(3, 0x8000_0000),
            attr(4, &[63, 0, 0, 1]),
        ],
    );
    msg(IOAM6_ID, 0, 0, &p)
}

/// Every built message, named, for the truncation matrix.
pub fn all() -> Vec<(&'static str, Vec<u8>)> {
    let (dump, dumped) = l2tp_tunnel_dump();
    vec![
        ("l2tp tunnel create", l2tp_tunnel_create()),
        ("l2tp tunnel created", l2tp_tunnel_created()),
        ("l2tp tunnel dump", dump),
        ("l2tp tunnel dumped", dumped),
        ("l2tp session create", l2tp_session_create()),
        ("l2tp session get reply", l2tp_session_get_reply()),
        ("ioam6 trace event", ioam6_trace_event()),
    ]
}
