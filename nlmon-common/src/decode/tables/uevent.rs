//! `NETLINK_KOBJECT_UEVENT`: no netlink header at all. The kernel sends
//! `ACTION@DEVPATH\0` followed by `KEY=VALUE\0` pairs
//! (`lib/kobject_uevent.c`); udevd re-broadcasts events behind a `libudev\0`
//! magic and a binary header, whose properties follow the same way. With
//! no netlink header, the message's header fields stay zero.

use alloc::string::String;

use crate::decode::tree::{Message, Node, Value};

/// Keys the kernel and udev commonly send, so that they can be node names.
const KEYS: &[&str] = &[
    "ACTION",
    "DEVPATH",
    "SUBSYSTEM",
    "SEQNUM",
    "DEVTYPE",
    "DEVNAME",
    "DEVMODE",
    "DRIVER",
    "MAJOR",
    "MINOR",
    "MODALIAS",
    "INTERFACE",
    "IFINDEX",
    "FIRMWARE",
    "PRODUCT",
    "TYPE",
    "SYNTH_UUID",
    "USEC_INITIALIZED",
    "ID_NET_NAME",
    "TAGS",
    "CURRENT_TAGS",
];

fn range(start: usize, end: usize) -> (u32, u32) {
    (start as u32, end as u32)
}

/// The whole buffer as one message.
pub fn decode(data: &[u8]) -> Message {
    let mut m = Message {
        protocol: 15,
        range: range(0, data.len()),
        type_name: Some("uevent"),
        ..Message::default()
    };
    let mut pos = 0;
    for (i, part) in data.split(|&b| b == 0).enumerate() {
        let start = pos;
        pos += part.len() + 1;
        if part.is_empty() {
            continue;
        }
        let text = String::from_utf8_lossy(part).into_owned();
        let r = range(start, start + part.len());
        if i == 0 {
            if text == "libudev" {
                m.type_name = Some("udev");
                // The binary monitor header follows; its properties are
                // found after it by the KEY=VALUE scan below.
                continue;
            }
            // `ACTION@DEVPATH`; the same two come again as keys.
            if text.contains('@') {
                m.body.push(Node::new("event", None, Value::Str(text), r));
                continue;
            }
        }
        match text.split_once('=') {
            Some((k, v)) => match KEYS.iter().find(|&&known| known == k) {
                Some(&name) => m.body.push(Node::new(name, None, Value::Str(v.into()), r)),
                None => m.body.push(Node::new("", None, Value::Str(text), r)),
            },
            None => {
                let mut n = Node::new("", None, Value::Bytes(part.to_vec()), r);
                n.unknown = true;
                m.body.push(n);
            }
        }
    }
    m
}
