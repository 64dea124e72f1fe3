//! `NETLINK_AUDIT`: message type names from `include/uapi/linux/audit.h`,
//! the status, feature and TTY structs, and the text records (user messages
//! from 1100, kernel records from 1300) shown as text. Rule messages
//! (`struct audit_rule_data`) show as bytes.

use super::dsl::*;
use crate::decode::table::{Dir, Family, Hint, MsgDef, OpKind, Struct};

static AUDIT_STATUS: Struct = Struct {
    name: "audit_status",
    fields: &[
        fhint(f32("mask"), Hint::Hex),
        f32("enabled"),
        f32("failure"),
        f32("pid"),
        f32("rate_limit"),
        f32("backlog_limit"),
        f32("lost"),
        f32("backlog"),
        fhint(f32("feature_bitmap"), Hint::Hex),
        f32("backlog_wait_time"),
        f32("backlog_wait_time_actual"),
    ],
};

static AUDIT_FEATURES: Struct = Struct {
    name: "audit_features",
    fields: &[
        f32("vers"),
        fhint(f32("mask"), Hint::Hex),
        fhint(f32("features"), Hint::Hex),
        fhint(f32("lock"), Hint::Hex),
    ],
};

static AUDIT_TTY_STATUS: Struct = Struct {
    name: "audit_tty_status",
    fields: &[f32("enabled"), f32("log_passwd")],
};

/// A message with a fixed struct (or, `None`, with text or bytes).
const fn def(
    name: &'static str,
    value: u16,
    kind: OpKind,
    header: Option<&'static Struct>,
) -> MsgDef {
    MsgDef {
        name,
        value,
        dir: Dir::Both,
        kind,
        header,
        attrs: None,
    }
}

/// Whether a message of this type carries text rather than a struct:
/// `AUDIT_USER`, `AUDIT_LOGIN`, and every record from 1100 on.
pub fn is_text(ty: u16) -> bool {
    matches!(ty, 1005 | 1006) || (1100..2000).contains(&ty)
}

pub static FAMILY: Family = Family {
    name: "audit",
    protocol: 9,
    messages: &MESSAGES,
};

static MESSAGES: [MsgDef; 96] = [
    def("AUDIT_GET", 1000, OpKind::Get, Some(&AUDIT_STATUS)),
    def("AUDIT_SET", 1001, OpKind::Other, Some(&AUDIT_STATUS)),
    def("AUDIT_LIST", 1002, OpKind::Other, None),
    def("AUDIT_ADD", 1003, OpKind::Other, None),
    def("AUDIT_DEL", 1004, OpKind::Other, None),
    def("AUDIT_USER", 1005, OpKind::Other, None),
    def("AUDIT_LOGIN", 1006, OpKind::Other, None),
    def("AUDIT_WATCH_INS", 1007, OpKind::Other, None),
    def("AUDIT_WATCH_REM", 1008, OpKind::Other, None),
    def("AUDIT_WATCH_LIST", 1009, OpKind::Other, None),
    def("AUDIT_SIGNAL_INFO", 1010, OpKind::Other, None),
    def("AUDIT_ADD_RULE", 1011, OpKind::Other, None),
    def("AUDIT_DEL_RULE", 1012, OpKind::Other, None),
    def("AUDIT_LIST_RULES", 1013, OpKind::Get, None),
    def("AUDIT_TRIM", 1014, OpKind::Other, None),
    def("AUDIT_MAKE_EQUIV", 1015, OpKind::Other, None),
    def("AUDIT_TTY_GET", 1016, OpKind::Get, Some(&AUDIT_TTY_STATUS)),
    def(
        "AUDIT_TTY_SET",
        1017,
        OpKind::Other,
        Some(&AUDIT_TTY_STATUS),
    ),
    def(
        "AUDIT_SET_FEATURE",
        1018,
        OpKind::Other,
        Some(&AUDIT_FEATURES),
    ),
    def(
        "AUDIT_GET_FEATURE",
        1019,
        OpKind::Get,
        Some(&AUDIT_FEATURES),
    ),
    def("AUDIT_USER_AVC", 1107, OpKind::Other, None),
    def("AUDIT_USER_TTY", 1124, OpKind::Other, None),
    def("AUDIT_DAEMON_START", 1200, OpKind::Other, None),
    def("AUDIT_DAEMON_END", 1201, OpKind::Other, None),
    def("AUDIT_DAEMON_ABORT", 1202, OpKind::Other, None),
    def("AUDIT_DAEMON_CONFIG", 1203, OpKind::Other, None),
    def("AUDIT_SYSCALL", 1300, OpKind::Other, None),
    def("AUDIT_FS_WATCH", 1301, OpKind::Other, None),
    def("AUDIT_PATH", 1302, OpKind::Other, None),
    def("AUDIT_IPC", 1303, OpKind::Other, None),
    def("AUDIT_SOCKETCALL", 1304, OpKind::Other, None),
    def("AUDIT_CONFIG_CHANGE", 1305, OpKind::Other, None),
    def("AUDIT_SOCKADDR", 1306, OpKind::Other, None),
    def("AUDIT_CWD", 1307, OpKind::Other, None),
    def("AUDIT_EXECVE", 1309, OpKind::Other, None),
    def("AUDIT_IPC_SET_PERM", 1311, OpKind::Other, None),
    def("AUDIT_MQ_OPEN", 1312, OpKind::Other, None),
    def("AUDIT_MQ_SENDRECV", 1313, OpKind::Other, None),
    def("AUDIT_MQ_NOTIFY", 1314, OpKind::Other, None),
    def("AUDIT_MQ_GETSETATTR", 1315, OpKind::Other, None),
    def("AUDIT_KERNEL_OTHER", 1316, OpKind::Other, None),
    def("AUDIT_FD_PAIR", 1317, OpKind::Other, None),
    def("AUDIT_OBJ_PID", 1318, OpKind::Other, None),
    def("AUDIT_TTY", 1319, OpKind::Other, None),
    def("AUDIT_EOE", 1320, OpKind::Other, None),
    def("AUDIT_BPRM_FCAPS", 1321, OpKind::Other, None),
    def("AUDIT_CAPSET", 1322, OpKind::Other, None),
    def("AUDIT_MMAP", 1323, OpKind::Other, None),
    def("AUDIT_NETFILTER_PKT", 1324, OpKind::Other, None),
    def("AUDIT_NETFILTER_CFG", 1325, OpKind::Other, None),
    def("AUDIT_SECCOMP", 1326, OpKind::Other, None),
    def("AUDIT_PROCTITLE", 1327, OpKind::Other, None),
    def("AUDIT_FEATURE_CHANGE", 1328, OpKind::Other, None),
    def("AUDIT_REPLACE", 1329, OpKind::Other, None),
    def("AUDIT_KERN_MODULE", 1330, OpKind::Other, None),
    def("AUDIT_FANOTIFY", 1331, OpKind::Other, None),
    def("AUDIT_TIME_INJOFFSET", 1332, OpKind::Other, None),
    def("AUDIT_TIME_ADJNTPVAL", 1333, OpKind::Other, None),
    def("AUDIT_BPF", 1334, OpKind::Other, None),
    def("AUDIT_EVENT_LISTENER", 1335, OpKind::Other, None),
    def("AUDIT_URINGOP", 1336, OpKind::Other, None),
    def("AUDIT_OPENAT2", 1337, OpKind::Other, None),
    def("AUDIT_DM_CTRL", 1338, OpKind::Other, None),
    def("AUDIT_DM_EVENT", 1339, OpKind::Other, None),
    def("AUDIT_AVC", 1400, OpKind::Other, None),
    def("AUDIT_SELINUX_ERR", 1401, OpKind::Other, None),
    def("AUDIT_AVC_PATH", 1402, OpKind::Other, None),
    def("AUDIT_MAC_POLICY_LOAD", 1403, OpKind::Other, None),
    def("AUDIT_MAC_STATUS", 1404, OpKind::Other, None),
    def("AUDIT_MAC_CONFIG_CHANGE", 1405, OpKind::Other, None),
    def("AUDIT_MAC_UNLBL_ALLOW", 1406, OpKind::Other, None),
    def("AUDIT_MAC_CIPSOV4_ADD", 1407, OpKind::Other, None),
    def("AUDIT_MAC_CIPSOV4_DEL", 1408, OpKind::Other, None),
    def("AUDIT_MAC_MAP_ADD", 1409, OpKind::Other, None),
    def("AUDIT_MAC_MAP_DEL", 1410, OpKind::Other, None),
    def("AUDIT_MAC_IPSEC_ADDSA", 1411, OpKind::Other, None),
    def("AUDIT_MAC_IPSEC_DELSA", 1412, OpKind::Other, None),
    def("AUDIT_MAC_IPSEC_ADDSPD", 1413, OpKind::Other, None),
    def("AUDIT_MAC_IPSEC_DELSPD", 1414, OpKind::Other, None),
    def("AUDIT_MAC_IPSEC_EVENT", 1415, OpKind::Other, None),
    def("AUDIT_MAC_UNLBL_STCADD", 1416, OpKind::Other, None),
    def("AUDIT_MAC_UNLBL_STCDEL", 1417, OpKind::Other, None),
    def("AUDIT_MAC_CALIPSO_ADD", 1418, OpKind::Other, None),
    def("AUDIT_MAC_CALIPSO_DEL", 1419, OpKind::Other, None),
    def("AUDIT_ANOM_PROMISCUOUS", 1700, OpKind::Other, None),
    def("AUDIT_ANOM_ABEND", 1701, OpKind::Other, None),
    def("AUDIT_ANOM_LINK", 1702, OpKind::Other, None),
    def("AUDIT_ANOM_CREAT", 1703, OpKind::Other, None),
    def("AUDIT_INTEGRITY_DATA", 1800, OpKind::Other, None),
    def("AUDIT_INTEGRITY_METADATA", 1801, OpKind::Other, None),
    def("AUDIT_INTEGRITY_STATUS", 1802, OpKind::Other, None),
    def("AUDIT_INTEGRITY_HASH", 1803, OpKind::Other, None),
    def("AUDIT_INTEGRITY_PCR", 1804, OpKind::Other, None),
    def("AUDIT_INTEGRITY_RULE", 1805, OpKind::Other, None),
    def("AUDIT_INTEGRITY_EVM_XATTR", 1806, OpKind::Other, None),
    def("AUDIT_INTEGRITY_POLICY_RULE", 1807, OpKind::Other, None),
];
