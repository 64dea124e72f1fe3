//! The decoder on messages built here: exact renderings of the shapes the
//! engine handles (fixed headers, nests, sub-messages, indexed arrays,
//! unknown attributes, errors with extended acks, generic netlink families
//! learned from nlctrl, secrets).

mod support;

use nlmon_common::decode::{DecodeOptions, Decoder, Message};
use support::{attr, msg};

fn decode_one(d: &Decoder, protocol: u32, buf: &[u8]) -> Message {
    let mut msgs = d.decode(protocol, buf);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    msgs.remove(0)
}

fn nest(ty: u16, parts: &[Vec<u8>]) -> Vec<u8> {
    attr(ty, &parts.concat())
}

/// `struct ifaddrmsg` for 10.0.0.1/24 on ifindex 3, then IFA_LOCAL and IFA_ADDRESS.
fn newaddr_payload() -> Vec<u8> {
    let mut p = vec![2u8, 24, 0, 0];
    p.extend(3u32.to_ne_bytes());
    p.extend(attr(2, &[10, 0, 0, 1]));
    p.extend(attr(1, &[10, 0, 0, 1]));
    p
}

#[test]
fn rtm_newaddr() {
    let d = Decoder::new(DecodeOptions::default());
    let m = decode_one(&d, 0, &msg(20, 0x605, 17, &newaddr_payload()));
    assert_eq!(
        m.summary(),
        "RTM_NEWADDR request,ack,excl,create seq=17 portid=0 ifa_family=inet ifa_prefixlen=24 \
         ifa_flags=0 ifa_scope=global ifa_index=3 IFA_LOCAL=10.0.0.1 IFA_ADDRESS=10.0.0.1"
    );
    assert_eq!(
        m.tree(),
        "RTM_NEWADDR request,ack,excl,create seq=17 portid=0 len=40\n\
         \x20 ifa_family: inet (2)\n\
         \x20 ifa_prefixlen: 24\n\
         \x20 ifa_flags: 0 (0x0)\n\
         \x20 ifa_scope: global (0)\n\
         \x20 ifa_index: 3\n\
         \x20 IFA_LOCAL (2): 10.0.0.1\n\
         \x20 IFA_ADDRESS (1): 10.0.0.1\n"
    );
    assert!(!m.truncated);
    // Byte ranges: IFA_LOCAL is the first attribute, after the headers.
    assert_eq!(m.body[5].range, (24, 32));
}

#[test]
fn unknown_attributes_are_kept_as_hex() {
    let d = Decoder::new(DecodeOptions::default());
    let mut p = newaddr_payload();
    p.extend(attr(0x2a, &[1, 2, 3, 4, 5, 6, 7, 8]));
    let m = decode_one(&d, 0, &msg(20, 0, 1, &p));
    assert!(
        m.summary().ends_with(" attr0x2a=0102030405060708"),
        "{}",
        m.summary()
    );
    assert!(
        m.tree()
            .ends_with("  attr 0x2a (unknown) 8 bytes: 0102030405060708\n"),
        "{}",
        m.tree()
    );
    let unknown = m.body.last().unwrap();
    assert!(unknown.unknown);
    assert_eq!(unknown.number, Some(0x2a));
    // An unknown protocol: only the header is known.
    let m = decode_one(&d, 31, &msg(99, 0x1, 2, &[0xde, 0xad]));
    assert_eq!(m.summary(), "type=99 request seq=2 portid=0 ?=dead");
}

#[test]
fn error_with_the_whole_request_and_extack() {
    let d = Decoder::new(DecodeOptions::default());
    let request = msg(20, 0x605, 17, &newaddr_payload());
    let mut p = (-22i32).to_ne_bytes().to_vec();
    p.extend(&request);
    p.extend(attr(1, b"bad thing\0"));
    // The offset of IFA_LOCAL in the request: after nlmsghdr and ifaddrmsg.
    p.extend(attr(2, &24u32.to_ne_bytes()));
    let m = decode_one(&d, 0, &msg(2, 0x200, 17, &p));
    assert_eq!(
        m.summary(),
        "NLMSG_ERROR ack_tlvs seq=17 portid=0 error=EINVAL (Invalid argument) to=RTM_NEWADDR \
         seq=17 msg=\"bad thing\" at=IFA_LOCAL"
    );
    let e = m.error.as_ref().unwrap();
    assert_eq!((e.errno, e.name), (22, Some("EINVAL")));
    let req = e.request.as_ref().unwrap();
    assert_eq!(req.body.len(), 7, "the request is decoded whole");
    let tree = m.tree();
    assert!(
        tree.contains("\n  error: EINVAL (Invalid argument) errno=22\n"),
        "{tree}"
    );
    assert!(tree.contains("\n  request: RTM_NEWADDR request,ack,excl,create seq=17 portid=0 len=40\n    ifa_family: inet (2)\n"), "{tree}");
    assert!(tree.contains("\n  extack: at IFA_LOCAL\n    NLMSGERR_ATTR_MSG (1): \"bad thing\"\n    NLMSGERR_ATTR_OFFS (2): 24\n"), "{tree}");
}

/// nf_tables marks a bad expression with `NL_SET_BAD_ATTR` and no text:
/// the reply to `nft add rule inet t c counter name nosuch` (table `t` and
/// chain `c` exist, the counter does not), captured by nlmon on 6.18. The
/// offset (40) points at the rule's first `NFTA_LIST_ELEM`, inside
/// `NFTA_RULE_EXPRESSIONS`; every view names it.
#[test]
fn extack_offset_alone_names_a_nested_attribute() {
    let reply = support::unhex(
        "6c0000000200000201000000e3350000feffffff50000000060a010c010000000000000001000000\
         060001007400000006000200630000002c000480280001800b0001006f626a72656600001800028008\
         000100000000010a0002006e6f7375636800000800020028000000",
    );
    let m = decode_one(&Decoder::new(DecodeOptions::default()), 12, &reply);
    let e = m.error.as_ref().unwrap();
    assert_eq!(
        (e.errno, e.message.as_deref(), e.offset),
        (2, None, Some(40))
    );
    let path = "NFTA_RULE_EXPRESSIONS/NFTA_LIST_ELEM";
    assert_eq!(e.offending.as_deref(), Some(path));
    assert_eq!(
        m.summary(),
        format!(
            "NLMSG_ERROR ack_tlvs seq=1 portid=13795 error=ENOENT (No such file or directory) \
             to=NFT_MSG_NEWRULE seq=1 at={path}"
        )
    );
    let tree = m.tree();
    assert!(
        tree.ends_with(&format!(
            "\n  extack: at {path}\n    NLMSGERR_ATTR_OFFS (2): 40\n"
        )),
        "{tree}"
    );
    let json: serde_json::Value = serde_json::from_str(&m.to_json()).unwrap();
    assert_eq!(json["error"]["offending"], path);
    assert_eq!(json["error"]["offset"], 40);
}

/// A capped error echoes no attributes: the offset is looked up in the
/// request itself (the rule of `extack_offset_alone_names_a_nested_attribute`).
#[test]
fn offending_attribute_of_a_request_by_offset() {
    let rule = support::unhex(
        "50000000060a010c010000000000000001000000060001007400000006000200630000002c000480\
         280001800b0001006f626a72656600001800028008000100000000010a0002006e6f737563680000",
    );
    let d = Decoder::new(DecodeOptions::default());
    let at = |o| d.offending(12, &rule, o);
    assert_eq!(
        at(40).as_deref(),
        Some("NFTA_RULE_EXPRESSIONS/NFTA_LIST_ELEM")
    );
    assert_eq!(at(36).as_deref(), Some("NFTA_RULE_EXPRESSIONS"));
    assert_eq!(at(20).as_deref(), Some("NFTA_RULE_TABLE"));
    assert_eq!(
        at(68).as_deref(),
        Some("NFTA_RULE_EXPRESSIONS/NFTA_LIST_ELEM/NFTA_EXPR_DATA/NFTA_OBJREF_IMM_NAME")
    );
    assert_eq!(at(200), None, "past the request");
    assert_eq!(at(u32::MAX), None);
    assert_eq!(d.offending(12, &rule[..30], 40), None, "cut before it");
}

/// Found by the fuzzer: an extack offset near u32::MAX overflowed when added
/// to the request's position. It points at nothing and is shown as a number.
#[test]
fn extack_offset_beyond_everything() {
    let d = Decoder::new(DecodeOptions::default());
    let request = msg(20, 0x605, 17, &newaddr_payload());
    let mut p = (-22i32).to_ne_bytes().to_vec();
    p.extend(&request);
    p.extend(attr(2, &u32::MAX.to_ne_bytes()));
    let m = decode_one(&d, 0, &msg(2, 0x200, 17, &p));
    let e = m.error.as_ref().unwrap();
    assert_eq!(e.offset, Some(u32::MAX));
    assert_eq!(e.offending, None);
    assert!(
        m.tree().contains("NLMSGERR_ATTR_OFFS (2): 4294967295"),
        "{}",
        m.tree()
    );
}

#[test]
fn capped_ack_and_done() {
    let d = Decoder::new(DecodeOptions::default());
    let mut p = 0i32.to_ne_bytes().to_vec();
    p.extend(&msg(20, 0x605, 17, &newaddr_payload())[..16]);
    let m = decode_one(&d, 0, &msg(2, 0x100, 17, &p));
    assert_eq!(
        m.summary(),
        "NLMSG_ERROR capped seq=17 portid=0 ack to=RTM_NEWADDR seq=17"
    );
    let m = decode_one(&d, 0, &msg(3, 0x2, 5, &0i32.to_ne_bytes()));
    assert_eq!(m.summary(), "NLMSG_DONE multi seq=5 portid=0");
    let mut p = (-95i32).to_ne_bytes().to_vec();
    p.extend(attr(1, b"not here\0"));
    let m = decode_one(&d, 0, &msg(3, 0x202, 5, &p));
    assert_eq!(
        m.summary(),
        "NLMSG_DONE multi,ack_tlvs seq=5 portid=0 error=EOPNOTSUPP (Operation not supported) msg=\"not here\""
    );
}

#[test]
fn link_kind_selects_the_data_format() {
    let d = Decoder::new(DecodeOptions::default());
    let mut p = vec![0u8; 16];
    p.extend(attr(3, b"v0.5\0"));
    p.extend(nest(
        18,
        &[attr(1, b"vlan\0"), nest(2, &[attr(1, &5u16.to_ne_bytes())])],
    ));
    let m = decode_one(&d, 0, &msg(16, 0x1, 3, &p));
    let s = m.summary();
    assert!(
        s.ends_with(" IFLA_IFNAME=v0.5 IFLA_LINKINFO={IFLA_INFO_KIND=vlan IFLA_INFO_DATA={…}}"),
        "{s}"
    );
    let tree = m.tree();
    assert!(
        tree.ends_with(
            "  IFLA_LINKINFO (18):\n    IFLA_INFO_KIND (1): vlan\n    IFLA_INFO_DATA (2):\n      IFLA_VLAN_ID (1): 5\n"
        ),
        "{tree}"
    );
    // A kind without a table: the data stays bytes.
    let mut p = vec![0u8; 16];
    p.extend(nest(18, &[attr(1, b"nosuch\0"), nest(2, &[attr(1, &[7])])]));
    let m = decode_one(&d, 0, &msg(16, 0x1, 3, &p));
    assert!(
        m.summary()
            .ends_with(" IFLA_LINKINFO={IFLA_INFO_KIND=nosuch IFLA_INFO_DATA=0500010007000000}"),
        "{}",
        m.summary()
    );
}

fn newfamily(id: u16, name: &str) -> Vec<u8> {
    let mut p = vec![1u8, 2, 0, 0];
    p.extend(attr(1, &id.to_ne_bytes()));
    p.extend(attr(2, format!("{name}\0").as_bytes()));
    let mut op = attr(1, &3u32.to_ne_bytes());
    op.extend(attr(2, &0xeu32.to_ne_bytes()));
    p.extend(nest(6, &[attr(1, &op)]));
    msg(16, 0, 1, &p)
}

#[test]
fn genl_families_are_learned_from_nlctrl() {
    let mut d = Decoder::new(DecodeOptions::default());
    let mut p = vec![2u8, 1, 0, 0];
    p.extend(nest(1, &[attr(2, b"eth0\0")]));
    let req = msg(0x1a, 0x1, 1, &p);
    let before = decode_one(&d, 16, &req);
    assert_eq!(
        before.summary(),
        "genl:26 request seq=1 portid=0 cmd=2 version=1 attr0x1=090002006574683000000000"
    );
    let ctrl = newfamily(0x1a, "ethtool");
    let m = decode_one(&d, 16, &ctrl);
    assert_eq!(
        m.summary(),
        "CTRL_CMD_NEWFAMILY - seq=1 portid=0 cmd=1 version=2 CTRL_ATTR_FAMILY_ID=26 \
         CTRL_ATTR_FAMILY_NAME=ethtool CTRL_ATTR_OPS={[1]={…}}"
    );
    assert!(
        m.tree().ends_with(
            "  CTRL_ATTR_OPS (6):\n    [1]:\n      CTRL_ATTR_OP_ID (1): 3\n      \
             CTRL_ATTR_OP_FLAGS (2): cmd-cap-do,cmd-cap-dump,cmd-cap-haspol (0xe)\n"
        ),
        "{}",
        m.tree()
    );
    d.learn(16, &ctrl);
    assert_eq!(d.genl_family(0x1a), Some("ethtool"));
    let after = decode_one(&d, 16, &req);
    assert_eq!(after.family.as_deref(), Some("ethtool"));
    assert_eq!(
        after.summary(),
        "ETHTOOL_MSG_LINKINFO_GET request seq=1 portid=0 cmd=2 version=1 \
         ETHTOOL_A_LINKINFO_HEADER={ETHTOOL_A_HEADER_DEV_NAME=eth0}"
    );
}

#[test]
fn secrets_are_redacted_unless_asked_for() {
    let mut p = vec![9u8, 1, 0, 0];
    p.extend(attr(3, &[1, 2, 3, 4, 5, 6]));
    let reply = msg(0x1a, 0, 1, &p);
    for (show, summary, line) in [
        (
            false,
            "ETHTOOL_A_WOL_SOPASS=<redacted>",
            "ETHTOOL_A_WOL_SOPASS (3): <redacted 6 bytes>",
        ),
        (
            true,
            "ETHTOOL_A_WOL_SOPASS=010203040506",
            "ETHTOOL_A_WOL_SOPASS (3): 010203040506",
        ),
    ] {
        let mut d = Decoder::new(DecodeOptions { show_secrets: show });
        d.add_genl_family(0x1a, "ethtool");
        let m = decode_one(&d, 16, &reply);
        assert!(
            m.summary().starts_with("ETHTOOL_MSG_WOL_GET_REPLY - "),
            "{}",
            m.summary()
        );
        assert!(m.summary().ends_with(summary), "{}", m.summary());
        assert!(m.tree().contains(line), "{}", m.tree());
        assert_eq!(m.body[2].redacted, !show);
    }
}

#[test]
fn netfilter_subsystems() {
    let d = Decoder::new(DecodeOptions::default());
    let mut p = vec![1u8, 0, 0, 0];
    p.extend(attr(1, b"golden\0"));
    let m = decode_one(&d, 12, &msg(0xa00, 0x405, 3, &p));
    assert_eq!(
        m.summary(),
        "NFT_MSG_NEWTABLE request,ack,create seq=3 portid=0 nfgen_family=inet version=0 res_id=0 NFTA_TABLE_NAME=golden"
    );
    assert_eq!(m.family.as_deref(), Some("nftables"));
    // A subsystem without a table: nfgenmsg, then attributes by number.
    let m = decode_one(&d, 12, &msg(0x2001, 0x1, 3, &[2, 0, 0, 0]));
    assert_eq!(
        m.summary(),
        "nfnl:32/1 request seq=3 portid=0 nfgen_family=ipv4 version=0 res_id=0"
    );
}

#[test]
fn every_message_of_a_buffer_and_a_bad_tail() {
    let d = Decoder::new(DecodeOptions::default());
    let mut buf = msg(20, 0x2, 1, &newaddr_payload());
    buf.extend(msg(3, 0x2, 1, &0i32.to_ne_bytes()));
    buf.extend([1, 2, 3]);
    let msgs = d.decode(0, &buf);
    assert_eq!(msgs.len(), 3);
    assert_eq!(msgs[1].type_name, Some("NLMSG_DONE"));
    assert_eq!(
        msgs[2].summary(),
        "MALFORMED - seq=0 portid=0 (3 bytes, fewer than a header) ?=010203 TRUNCATED"
    );
    // Cut inside the second message's attributes.
    let cut = &buf[..buf.len() - 3 - 20 - 2];
    let msgs = d.decode(0, cut);
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].truncated);
    assert!(
        msgs[0]
            .summary()
            .ends_with(" IFA_LOCAL=10.0.0.1 IFA_ADDRESS=0a00… TRUNCATED"),
        "{}",
        msgs[0].summary()
    );
}

#[test]
fn json_is_the_same_tree() {
    let d = Decoder::new(DecodeOptions::default());
    let mut p = newaddr_payload();
    p.extend(attr(0x2a, &[1, 2]));
    let m = decode_one(&d, 0, &msg(20, 0x605, 17, &p));
    let v = serde_json::to_value(&m).unwrap();
    assert_eq!(v["type_name"], "RTM_NEWADDR");
    assert_eq!(
        v["flag_names"],
        serde_json::json!(["request", "ack", "excl", "create"])
    );
    assert_eq!(v["header"]["seq"], 17);
    assert_eq!(
        v["body"][0],
        serde_json::json!({"name": "ifa_family", "value": "inet", "range": [16, 17]})
    );
    assert_eq!(
        v["body"][5],
        serde_json::json!({"name": "IFA_LOCAL", "number": 2, "value": "10.0.0.1", "range": [24, 32]})
    );
    assert_eq!(
        v["body"][7],
        serde_json::json!({"name": "", "number": 42, "value": "0102", "range": [40, 46], "unknown": true})
    );
}

/// `NFT_MSG_NEWSETELEM` with the elements numbered as libnftnl sends them
/// (1..n) or as the kernel does (all 1): the kernel ignores the numbers,
/// so every element must decode as a set element, none as unknown.
#[test]
fn every_set_element_is_decoded_whatever_its_number() {
    let d = Decoder::new(DecodeOptions::default());
    let element = |addr: [u8; 4]| nest(1, &[attr(1, &addr)]); // NFTA_SETELEM_KEY { NFTA_DATA_VALUE }
    let addrs = [[10, 9, 0, 0], [192, 0, 2, 1], [192, 0, 2, 2]];
    for numbers in [[1u16, 2, 3], [1, 1, 1]] {
        let elems: Vec<Vec<u8>> = numbers
            .iter()
            .zip(addrs)
            .map(|(&n, a)| nest(n, &[element(a)]))
            .collect();
        let mut p = vec![1u8, 0, 0, 0];
        p.extend(attr(1, b"golden\0"));
        p.extend(attr(2, b"blocked\0"));
        p.extend(nest(3, &elems));
        let m = decode_one(&d, 12, &msg(0xa0c, 0x405, 1, &p));
        let list = m
            .body
            .iter()
            .find(|n| n.name == "NFTA_SETELEM_LIST_ELEMENTS")
            .expect("the element list");
        assert_eq!(list.children.len(), 3, "{}", m.tree());
        for ((el, &n), a) in list.children.iter().zip(&numbers).zip(addrs) {
            assert!(!el.unknown, "{}", m.tree());
            assert_eq!(el.name, "NFTA_SETELEM_LIST_ELEM_ELEM");
            assert_eq!(el.number, Some(n as u64));
            let key = &el.children[0];
            assert_eq!(key.name, "NFTA_SETELEM_KEY");
            assert_eq!(key.children[0].name, "NFTA_DATA_VALUE");
            let hex: String = a.iter().map(|b| format!("{b:02x}")).collect();
            assert!(m.tree().contains(&hex), "{}", m.tree());
        }
        assert!(!m.tree().contains("unknown"), "{}", m.tree());
    }
}

/// devlink numbers requests and replies in one enum: where the spec gives a
/// reply the number of another command, the reply is that command (a
/// RATE_GET is answered with DEVLINK_CMD_RATE_NEW, 76), not the request's.
#[test]
fn devlink_replies_are_named_by_their_number() {
    let mut d = Decoder::new(DecodeOptions::default());
    d.add_genl_family(0x20, "devlink");
    let genl = |cmd: u8, flags: u16| msg(0x20, flags, 1, &[cmd, 1, 0, 0]);
    let name = |buf: &[u8]| decode_one(&d, 16, buf).type_name;
    assert_eq!(name(&genl(74, 0x1)), Some("DEVLINK_CMD_RATE_GET"));
    assert_eq!(name(&genl(76, 0x2)), Some("DEVLINK_CMD_RATE_NEW"));
    assert_eq!(name(&genl(7, 0x2)), Some("DEVLINK_CMD_PORT_NEW"));
}
