//! `NETLINK_SELINUX` notifications (`include/uapi/linux/selinux_netlink.h`):
//! enforcing mode changes and policy loads, multicast by the kernel.

use super::dsl::*;
use crate::decode::table::{Dir, Family, MsgDef, OpKind, Struct};

static SETENFORCE: Struct = Struct {
    name: "selnl_msg_setenforce",
    fields: &[fs32("val")],
};

static POLICYLOAD: Struct = Struct {
    name: "selnl_msg_policyload",
    fields: &[f32("seqno")],
};

const fn notification(name: &'static str, value: u16, header: &'static Struct) -> MsgDef {
    MsgDef {
        name,
        value,
        dir: Dir::Both,
        kind: OpKind::Other,
        header: Some(header),
        attrs: None,
    }
}

pub static FAMILY: Family = Family {
    name: "selinux",
    protocol: 7,
    messages: &[
        notification("SELNL_MSG_SETENFORCE", 0x10, &SETENFORCE),
        notification("SELNL_MSG_POLICYLOAD", 0x11, &POLICYLOAD),
    ],
};
