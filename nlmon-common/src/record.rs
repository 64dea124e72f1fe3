//! The record the eBPF programs write to the ring buffer: a fixed header
//! followed by `cap_len` bytes of the message.

use crate::{COMM_LEN, MAX_SNAPLEN};

/// Header of every ring buffer record.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordHeader {
    /// `CLOCK_MONOTONIC` nanoseconds (`bpf_ktime_get_ns`).
    pub ts_ns: u64,
    /// cgroup v2 id of the task (`bpf_get_current_cgroup_id`): the inode of
    /// its directory in the cgroup2 mount. 0 where it is not known.
    pub cgroup_id: u64,
    /// Inode number of the socket's network namespace.
    pub netns: u32,
    pub tgid: u32,
    pub tid: u32,
    pub uid: u32,
    pub comm: [u8; COMM_LEN],
    /// `KIND_*`
    pub kind: u16,
    /// `HOOK_*`
    pub hook: u8,
    /// `DIR_*`
    pub dir: u8,
    /// Netlink protocol of the socket (`sk_protocol`).
    pub protocol: u32,
    /// The socket's own port id.
    pub portid: u32,
    /// Multicast groups 1–32 the socket is subscribed to (bit N-1 = group N).
    pub groups: u32,
    /// Send: the destination port id. Receive: the source port id (0 is the
    /// kernel). Valid with `FLAG_PEER_KNOWN`.
    pub peer_portid: u32,
    /// Send: destination groups. Receive: the group a multicast came on.
    pub peer_groups: u32,
    pub fd: i32,
    /// The flags argument of the call (`MSG_*`).
    pub call_flags: u32,
    /// `msg_flags` a receive returned.
    pub ret_flags: u32,
    /// Length of the message: bytes sent or received, or with `MSG_TRUNC`
    /// the length the kernel reported.
    pub len: u32,
    /// Bytes that follow this header.
    pub cap_len: u32,
    /// `FLAG_*`
    pub flags: u32,
    /// Positive errno of a failed call, else 0.
    pub err: i32,
    /// Index of the message within a `sendmmsg`/`recvmmsg` vector.
    pub msg_index: u32,
}
crate::const_assert_size!(RecordHeader, 104);

pub const HEADER_LEN: usize = size_of::<RecordHeader>();

/// The eBPF side builds a record here (one per CPU) before copying it to the
/// ring buffer. The data area is twice the maximum snapshot so that any
/// masked offset plus any masked length stays inside it, which is how the
/// verifier accepts variable-length copies.
#[repr(C)]
pub struct Scratch {
    pub header: RecordHeader,
    pub data: [u8; 2 * MAX_SNAPLEN as usize],
}

#[cfg(feature = "user")]
mod pod {
    // SAFETY: repr(C), integers and byte arrays only, size asserted above.
    unsafe impl aya::Pod for super::RecordHeader {}
}
