//! The hand-written tables (`decode/tables/`) on messages the golden corpus
//! cannot hold because the capture machine's kernel lacks the feature
//! (WireGuard, nl80211, nfqueue) or because secrets must be shown on request.
//! Built byte by byte after the UAPI headers.

mod support;

use nlmon_common::decode::{DecodeOptions, Decoder, Message};
use support::{attr, msg};

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
