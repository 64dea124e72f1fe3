//! The hand-written tables (`decode/tables/`) on messages the golden corpus
//! cannot hold because the capture machine's kernel lacks the feature
//! (WireGuard, nl80211, nfqueue, L2TP), because no tool there sends it
//! (IOAM6 trace events) or because secrets must be shown on request. Built
//! byte by byte after the UAPI headers (the L2TP and IOAM6 ones in
//! `support/built.rs`, which the truncation matrix walks too).

mod support;

use nlmon_common::decode::{DecodeOptions, Decoder, Message};
use support::{attr, built, msg};

const NETLINK_XFRM: u32 = 6;
const NETLINK_CONNECTOR: u32 = 11;
const NETLINK_NETFILTER: u32 = 12;
const NETLINK_GENERIC: u32 = 16;
const NLM_F_REQUEST_ACK: u16 = 0x5;

fn nested(ty: u16, payload: &[u8]) -> Vec<u8> {
    attr(ty | 0x8000, payload)
}

fn one(d: &Decoder, protocol: u32, data: &[u8]) -> Message {
    let mut ms = d.decode(protocol, data);
    assert_eq!(ms.len(), 1, "{ms:?}");
    ms.remove(0)
}

fn text(m: &Message) -> String {
    format!("{}\n{}", m.summary(), m.tree())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `WG_CMD_SET_DEVICE` with a private key and a peer with a preshared key.
fn wireguard_set_device() -> Vec<u8> {
    let mut allowedip = attr(1, &2u16.to_ne_bytes());
    allowedip.extend(attr(2, &[10, 9, 0, 0]));
    allowedip.extend(attr(3, &[16]));
    let mut peer = attr(1, &[0x33; 32]);
    peer.extend(attr(2, &[0x22; 32]));
    peer.extend(nested(9, &nested(0, &allowedip)));
    let mut payload = vec![1u8, 1, 0, 0];
    payload.extend(attr(2, b"wg0\0"));
    payload.extend(attr(3, &[0x11; 32]));
    payload.extend(attr(6, &51820u16.to_ne_bytes()));
    payload.extend(nested(8, &nested(0, &peer)));
    msg(30, NLM_F_REQUEST_ACK, 1, &payload)
}

#[test]
fn wireguard_keys_are_redacted_unless_asked_for() {
    let mut d = Decoder::new(DecodeOptions::default());
    d.add_genl_family(30, "wireguard");
    let data = wireguard_set_device();
    let shown = text(&one(&d, NETLINK_GENERIC, &data));
    for name in [
        "WG_CMD_SET_DEVICE",
        "WGDEVICE_A_IFNAME",
        "wg0",
        "WGDEVICE_A_LISTEN_PORT",
        "51820",
        "WGPEER_A_PUBLIC_KEY",
        "WGPEER_A_PRESHARED_KEY",
        "WGALLOWEDIP_A_IPADDR",
        "10.9.0.0",
    ] {
        assert!(shown.contains(name), "{name} missing from:\n{shown}");
    }
    assert!(
        shown.contains(&hex(&[0x33; 32])),
        "public keys are not secret:\n{shown}"
    );
    assert!(
        !shown.contains(&hex(&[0x11; 8])),
        "private key shown:\n{shown}"
    );
    assert!(
        !shown.contains(&hex(&[0x22; 8])),
        "preshared key shown:\n{shown}"
    );

    let mut d = Decoder::new(DecodeOptions { show_secrets: true });
    d.add_genl_family(30, "wireguard");
    let shown = text(&one(&d, NETLINK_GENERIC, &data));
    assert!(shown.contains(&hex(&[0x11; 32])), "{shown}");
    assert!(shown.contains(&hex(&[0x22; 32])), "{shown}");
}

#[test]
fn nl80211_commands_attributes_and_key_data() {
    let mut d = Decoder::new(DecodeOptions::default());
    d.add_genl_family(31, "nl80211");
    // NL80211_CMD_NEW_KEY: ifindex, key index, MAC, key data.
    let mut payload = vec![11u8, 0, 0, 0];
    payload.extend(attr(3, &4u32.to_ne_bytes()));
    payload.extend(attr(8, &[1]));
    payload.extend(attr(6, &[2, 0, 0, 0, 0, 9]));
    payload.extend(attr(7, &[0x44; 16]));
    let shown = text(&one(
        &d,
        NETLINK_GENERIC,
        &msg(31, NLM_F_REQUEST_ACK, 2, &payload),
    ));
    for name in [
        "NL80211_CMD_NEW_KEY",
        "NL80211_ATTR_IFINDEX",
        "NL80211_ATTR_KEY_IDX",
        "02:00:00:00:00:09",
        "NL80211_ATTR_KEY_DATA",
    ] {
        assert!(shown.contains(name), "{name} missing from:\n{shown}");
    }
    assert!(
        !shown.contains(&hex(&[0x44; 8])),
        "key data shown:\n{shown}"
    );
}

#[test]
fn xfrm_keys_show_only_when_asked_for() {
    // XFRM_MSG_NEWSA: a zeroed xfrm_usersa_info, then XFRMA_ALG_CRYPT.
    let mut payload = vec![0u8; 224];
    let mut algo = [0u8; 64].to_vec();
    algo[..8].copy_from_slice(b"cbc(aes)");
    algo.extend(128u32.to_ne_bytes());
    algo.extend([0x55; 16]);
    payload.extend(attr(2, &algo));
    let data = msg(16, NLM_F_REQUEST_ACK, 3, &payload);
    let hidden = text(&one(
        &Decoder::new(DecodeOptions::default()),
        NETLINK_XFRM,
        &data,
    ));
    assert!(hidden.contains("XFRM_MSG_NEWSA"), "{hidden}");
    assert!(
        hidden.contains("cbc(aes)"),
        "the algorithm is not secret:\n{hidden}"
    );
    assert!(!hidden.contains(&hex(&[0x55; 8])), "{hidden}");
    let shown = text(&one(
        &Decoder::new(DecodeOptions { show_secrets: true }),
        NETLINK_XFRM,
        &data,
    ));
    assert!(shown.contains(&hex(&[0x55; 16])), "{shown}");
}

#[test]
fn nfqueue_verdict() {
    // NFQNL_MSG_VERDICT (subsystem 3, message 1): nfgenmsg, NFQA_VERDICT_HDR.
    let mut payload = vec![2u8, 0, 0, 5];
    let mut verdict = 1u32.to_be_bytes().to_vec();
    verdict.extend(77u32.to_be_bytes());
    payload.extend(attr(2, &verdict));
    let data = msg(0x301, 0x1, 4, &payload);
    let shown = text(&one(
        &Decoder::new(DecodeOptions::default()),
        NETLINK_NETFILTER,
        &data,
    ));
    for name in ["NFQNL_MSG_VERDICT", "NFQA_VERDICT_HDR", "accept", "77"] {
        assert!(shown.contains(name), "{name} missing from:\n{shown}");
    }
}

#[test]
fn proc_connector_subscription() {
    // cn_msg for CN_IDX_PROC/CN_VAL_PROC carrying PROC_CN_MCAST_LISTEN,
    // sent as NLMSG_DONE as the connector does.
    let mut payload = Vec::new();
    for v in [1u32, 1, 0, 0] {
        payload.extend(v.to_ne_bytes());
    }
    payload.extend(4u16.to_ne_bytes());
    payload.extend(0u16.to_ne_bytes());
    payload.extend(1u32.to_ne_bytes());
    let data = msg(3, 0, 5, &payload);
    let m = one(
        &Decoder::new(DecodeOptions::default()),
        NETLINK_CONNECTOR,
        &data,
    );
    let shown = text(&m);
    assert_eq!(m.type_name, Some("PROC_CN_MCAST"), "{shown}");
    assert!(shown.contains("listen"), "{shown}");
    assert!(
        m.error.is_none(),
        "a connector message is not an NLMSG_DONE: {shown}"
    );
}

#[test]
fn audit_status_and_text_records() {
    const NETLINK_AUDIT: u32 = 9;
    let d = Decoder::new(DecodeOptions::default());
    // AUDIT_GET (1000) request: no payload; its reply: struct audit_status.
    let get = one(&d, NETLINK_AUDIT, &msg(1000, NLM_F_REQUEST_ACK, 6, &[]));
    assert_eq!(get.type_name, Some("AUDIT_GET"));
    let mut status = Vec::new();
    for v in [0u32, 1, 1, 4242, 0, 8192, 3, 0, 0x7f, 60000, 0] {
        status.extend(v.to_ne_bytes());
    }
    let reply = text(&one(&d, NETLINK_AUDIT, &msg(1000, 0, 6, &status)));
    for want in [
        "AUDIT_GET",
        "enabled",
        "pid",
        "4242",
        "backlog_limit",
        "8192",
        "lost",
    ] {
        assert!(reply.contains(want), "{want} missing from:\n{reply}");
    }
    // AUDIT_SYSCALL (1300): a kernel record, text.
    let record = b"audit(1700000000.123:42): arch=c000003e syscall=44 success=yes";
    let m = one(&d, NETLINK_AUDIT, &msg(1300, 0, 0, record));
    let shown = text(&m);
    assert_eq!(m.type_name, Some("AUDIT_SYSCALL"), "{shown}");
    assert!(shown.contains("syscall=44 success=yes"), "{shown}");
}

#[test]
fn selinux_enforcing_notification() {
    const NETLINK_SELINUX: u32 = 7;
    let data = msg(0x10, 0, 0, &1i32.to_ne_bytes());
    let m = one(
        &Decoder::new(DecodeOptions::default()),
        NETLINK_SELINUX,
        &data,
    );
    let shown = text(&m);
    assert_eq!(m.type_name, Some("SELNL_MSG_SETENFORCE"), "{shown}");
    assert!(shown.contains("val: 1"), "{shown}");
}

#[test]
fn macsec_sa_key_is_redacted() {
    let mut d = Decoder::new(DecodeOptions::default());
    d.add_genl_family(32, "macsec");
    // MACSEC_CMD_ADD_TXSA: ifindex, SA config {AN 0, key}.
    let mut sa = attr(1, &[0]);
    sa.extend(attr(4, &[0x66; 16]));
    let mut payload = vec![4u8, 1, 0, 0];
    payload.extend(attr(1, &7u32.to_ne_bytes()));
    payload.extend(nested(3, &sa));
    let shown = text(&one(
        &d,
        NETLINK_GENERIC,
        &msg(32, NLM_F_REQUEST_ACK, 7, &payload),
    ));
    for name in [
        "MACSEC_CMD_ADD_TXSA",
        "MACSEC_ATTR_IFINDEX",
        "MACSEC_SA_ATTR_AN",
        "MACSEC_SA_ATTR_KEY",
    ] {
        assert!(shown.contains(name), "{name} missing from:\n{shown}");
    }
    assert!(!shown.contains(&hex(&[0x66; 8])), "SA key shown:\n{shown}");
}

/// A decoder that knows the built messages' family ids.
fn built_decoder() -> Decoder {
    let mut d = Decoder::new(DecodeOptions::default());
    d.add_genl_family(built::L2TP_ID, "l2tp");
    d.add_genl_family(built::IOAM6_ID, "IOAM6");
    d
}

/// Every message of a buffer: summary, then tree.
fn texts(d: &Decoder, data: &[u8]) -> String {
    d.decode(NETLINK_GENERIC, data)
        .iter()
        .map(|m| format!("{}\n{}", m.summary(), m.tree()))
        .collect()
}

#[test]
fn l2tp_tunnel_create_names_addresses_and_ports() {
    assert_eq!(
        texts(&built_decoder(), &built::l2tp_tunnel_create()),
        "\
L2TP_CMD_TUNNEL_CREATE request,ack seq=1 portid=0 cmd=1 version=1 L2TP_ATTR_CONN_ID=3000 \
L2TP_ATTR_PEER_CONN_ID=4000 L2TP_ATTR_PROTO_VERSION=3 L2TP_ATTR_ENCAP_TYPE=udp \
L2TP_ATTR_IP_SADDR=10.0.0.1 L2TP_ATTR_IP_DADDR=10.0.0.2 L2TP_ATTR_UDP_SPORT=5000 \
L2TP_ATTR_UDP_DPORT=6000
L2TP_CMD_TUNNEL_CREATE request,ack seq=1 portid=0 len=84
  cmd: 1
  version: 1
  L2TP_ATTR_CONN_ID (9): 3000
  L2TP_ATTR_PEER_CONN_ID (10): 4000
  L2TP_ATTR_PROTO_VERSION (7): 3
  L2TP_ATTR_ENCAP_TYPE (2): udp (0)
  L2TP_ATTR_IP_SADDR (24): 10.0.0.1
  L2TP_ATTR_IP_DADDR (25): 10.0.0.2
  L2TP_ATTR_UDP_SPORT (26): 5000
  L2TP_ATTR_UDP_DPORT (27): 6000
"
    );
}

#[test]
fn l2tp_tunnel_dump_of_an_ipv6_tunnel() {
    let d = built_decoder();
    let (request, reply) = built::l2tp_tunnel_dump();
    assert_eq!(
        texts(&d, &request),
        "\
L2TP_CMD_TUNNEL_GET request,dump seq=2 portid=0 cmd=4 version=1
L2TP_CMD_TUNNEL_GET request,dump seq=2 portid=0 len=20
  cmd: 4
  version: 1
"
    );
    assert_eq!(
        texts(&d, &reply),
        "\
L2TP_CMD_TUNNEL_GET multi seq=2 portid=0 cmd=4 version=1 L2TP_ATTR_PROTO_VERSION=3 \
L2TP_ATTR_CONN_ID=3001 L2TP_ATTR_PEER_CONN_ID=4001 L2TP_ATTR_DEBUG=0 \
L2TP_ATTR_ENCAP_TYPE=udp L2TP_ATTR_STATS={L2TP_ATTR_TX_PACKETS=7 L2TP_ATTR_TX_BYTES=700 \
L2TP_ATTR_TX_ERRORS=0 L2TP_ATTR_RX_PACKETS=0 L2TP_ATTR_RX_BYTES=1234 \
L2TP_ATTR_RX_SEQ_DISCARDS=0 L2TP_ATTR_RX_COOKIE_DISCARDS=0 L2TP_ATTR_RX_OOS_PACKETS=0 \
L2TP_ATTR_RX_ERRORS=0 L2TP_ATTR_RX_INVALID=0} L2TP_ATTR_UDP_ZERO_CSUM6_RX \
L2TP_ATTR_UDP_SPORT=5001 L2TP_ATTR_UDP_DPORT=6001 L2TP_ATTR_IP6_SADDR=2001:db8::1 \
L2TP_ATTR_IP6_DADDR=2001:db8::2
L2TP_CMD_TUNNEL_GET multi seq=2 portid=0 len=244
  cmd: 4
  version: 1
  L2TP_ATTR_PROTO_VERSION (7): 3
  L2TP_ATTR_CONN_ID (9): 3001
  L2TP_ATTR_PEER_CONN_ID (10): 4001
  L2TP_ATTR_DEBUG (17): 0 (0x0)
  L2TP_ATTR_ENCAP_TYPE (2): udp (0)
  L2TP_ATTR_STATS (30):
    L2TP_ATTR_TX_PACKETS (1): 7
    L2TP_ATTR_TX_BYTES (2): 700
    L2TP_ATTR_TX_ERRORS (3): 0
    L2TP_ATTR_RX_PACKETS (4): 0
    L2TP_ATTR_RX_BYTES (5): 1234
    L2TP_ATTR_RX_SEQ_DISCARDS (6): 0
    L2TP_ATTR_RX_COOKIE_DISCARDS (10): 0
    L2TP_ATTR_RX_OOS_PACKETS (7): 0
    L2TP_ATTR_RX_ERRORS (8): 0
    L2TP_ATTR_RX_INVALID (11): 0
  L2TP_ATTR_UDP_ZERO_CSUM6_RX (34): true
  L2TP_ATTR_UDP_SPORT (26): 5001
  L2TP_ATTR_UDP_DPORT (27): 6001
  L2TP_ATTR_IP6_SADDR (31): 2001:db8::1
  L2TP_ATTR_IP6_DADDR (32): 2001:db8::2
NLMSG_DONE multi seq=2 portid=0
NLMSG_DONE multi seq=2 portid=0 len=20
  error: 0 (success)
"
    );
}

#[test]
fn l2tp_sessions_show_cookies_as_bytes() {
    let d = built_decoder();
    let create = texts(&d, &built::l2tp_session_create());
    for want in [
        "L2TP_CMD_SESSION_CREATE request,ack seq=3",
        "  L2TP_ATTR_PW_TYPE (1): eth (5)\n",
        "  L2TP_ATTR_COOKIE (15): 01020304\n",
        "  L2TP_ATTR_PEER_COOKIE (16): 0102030405060708\n",
        "  L2TP_ATTR_IFNAME (8): l2tpeth0\n",
    ] {
        assert!(create.contains(want), "{want} missing from:\n{create}");
    }
    assert_eq!(
        texts(&d, &built::l2tp_session_get_reply()),
        "\
L2TP_CMD_SESSION_GET - seq=4 portid=0 cmd=8 version=1 L2TP_ATTR_CONN_ID=3000 \
L2TP_ATTR_SESSION_ID=10 L2TP_ATTR_PEER_CONN_ID=4000 L2TP_ATTR_PEER_SESSION_ID=20 \
L2TP_ATTR_DEBUG=0 L2TP_ATTR_PW_TYPE=eth L2TP_ATTR_IFNAME=l2tpeth0 L2TP_ATTR_COOKIE=01020304 \
L2TP_ATTR_PEER_COOKIE=0102030405060708 L2TP_ATTR_RECV_SEQ=0 L2TP_ATTR_SEND_SEQ=0 \
L2TP_ATTR_LNS_MODE=0 L2TP_ATTR_RECV_TIMEOUT=100 L2TP_ATTR_STATS={L2TP_ATTR_TX_PACKETS=0 \
L2TP_ATTR_TX_BYTES=0 L2TP_ATTR_TX_ERRORS=0 L2TP_ATTR_RX_PACKETS=0 L2TP_ATTR_RX_BYTES=0 \
L2TP_ATTR_RX_SEQ_DISCARDS=0 L2TP_ATTR_RX_COOKIE_DISCARDS=0 L2TP_ATTR_RX_OOS_PACKETS=0 \
L2TP_ATTR_RX_ERRORS=0 L2TP_ATTR_RX_INVALID=0}
L2TP_CMD_SESSION_GET - seq=4 portid=0 len=264
  cmd: 8
  version: 1
  L2TP_ATTR_CONN_ID (9): 3000
  L2TP_ATTR_SESSION_ID (11): 10
  L2TP_ATTR_PEER_CONN_ID (10): 4000
  L2TP_ATTR_PEER_SESSION_ID (12): 20
  L2TP_ATTR_DEBUG (17): 0 (0x0)
  L2TP_ATTR_PW_TYPE (1): eth (5)
  L2TP_ATTR_IFNAME (8): l2tpeth0
  L2TP_ATTR_COOKIE (15): 01020304
  L2TP_ATTR_PEER_COOKIE (16): 0102030405060708
  L2TP_ATTR_RECV_SEQ (18): 0
  L2TP_ATTR_SEND_SEQ (19): 0
  L2TP_ATTR_LNS_MODE (20): 0
  L2TP_ATTR_RECV_TIMEOUT (22): 100
  L2TP_ATTR_STATS (30):
    L2TP_ATTR_TX_PACKETS (1): 0
    L2TP_ATTR_TX_BYTES (2): 0
    L2TP_ATTR_TX_ERRORS (3): 0
    L2TP_ATTR_RX_PACKETS (4): 0
    L2TP_ATTR_RX_BYTES (5): 0
    L2TP_ATTR_RX_SEQ_DISCARDS (6): 0
    L2TP_ATTR_RX_COOKIE_DISCARDS (10): 0
    L2TP_ATTR_RX_OOS_PACKETS (7): 0
    L2TP_ATTR_RX_ERRORS (8): 0
    L2TP_ATTR_RX_INVALID (11): 0
"
    );
}

/// The kernel's own IOAM6 message reuses number 1: coming from the kernel
/// it is a trace event, not `IOAM6_CMD_ADD_NAMESPACE`.
#[test]
fn ioam6_trace_event() {
    assert_eq!(
        texts(&built_decoder(), &built::ioam6_trace_event()),
        "\
IOAM6_EVENT_TRACE - seq=0 portid=0 cmd=1 version=1 IOAM6_EVENT_ATTR_TRACE_NAMESPACE=123 \
IOAM6_EVENT_ATTR_TRACE_NODELEN=1 IOAM6_EVENT_ATTR_TRACE_TYPE=0x80000000 \
IOAM6_EVENT_ATTR_TRACE_DATA=3f000001
IOAM6_EVENT_TRACE - seq=0 portid=0 len=52
  cmd: 1
  version: 1
  IOAM6_EVENT_ATTR_TRACE_NAMESPACE (1): 123
  IOAM6_EVENT_ATTR_TRACE_NODELEN (2): 1
  IOAM6_EVENT_ATTR_TRACE_TYPE (3): 0x80000000
  IOAM6_EVENT_ATTR_TRACE_DATA (4): 3f000001
"
    );
}
