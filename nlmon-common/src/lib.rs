//! Wire types shared by nlmon's eBPF programs and its userspace.
//!
//! Everything here is `#[repr(C)]`, made of fixed-size integers, and free of
//! implicit padding, because the same bytes are written by the kernel side and
//! read by userspace. Rich types live in userspace (`nlmon::event`).
#![no_std]

#[cfg(feature = "decode")]
extern crate alloc;

pub mod config;
#[cfg(feature = "decode")]
pub mod decode;
pub mod nlmsg;
pub mod record;

pub use config::{CgroupFilter, Config, KernelLayout, MAX_CGROUP_FILTER};
pub use record::{RecordHeader, Scratch};

/// `TASK_COMM_LEN` in the kernel.
pub const COMM_LEN: usize = 16;

/// Upper bound of the snapshot length; a power of two so the eBPF side can
/// bound offsets with a mask the verifier understands.
pub const MAX_SNAPLEN: u32 = 65536;
/// Default snapshot length: a whole netlink dump skb (the kernel caps those at
/// 32 KiB in `netlink_dump`).
pub const DEFAULT_SNAPLEN: u32 = 32768;
/// iovec segments copied per message: the kernel's own limit (`UIO_MAXIOV`),
/// so every segment is copied. (`bpf_loop` stops at the last one; a message
/// that somehow had more would be marked [`FLAG_IOV_LIMIT`].)
pub const MAX_IOVECS: u32 = 1024;
/// Messages captured per `sendmmsg`/`recvmmsg` call; the rest are counted in
/// [`COUNTER_MMSG_LIMIT`].
pub const MAX_MMSG: u32 = 32;
/// Netlink protocols are numbered below `MAX_LINKS` (32).
pub const MAX_PROTOCOLS: u32 = 32;

/// Record kinds.
pub const KIND_MESSAGE: u16 = 1;
/// A receive failed with `ENOBUFS`: the socket's receive queue overflowed and
/// the kernel dropped messages addressed to it.
pub const KIND_OVERRUN: u16 = 2;
/// The kernel's reason for failing a request, from the
/// `netlink:netlink_extack` tracepoint, in the context of the task whose
/// request failed: the bytes are the message text (no NUL). Only the task's
/// fields (`tgid`, `tid`, `uid`, `comm`, `cgroup_id`, `ts_ns`) are set; the
/// socket fields are 0 and `hook` is [`HOOK_EXTACK`].
pub const KIND_EXTACK: u16 = 3;

/// Directions as the socket's owner sees them.
pub const DIR_SEND: u8 = 1;
pub const DIR_RECV: u8 = 2;

/// Which probe produced a record.
pub const HOOK_SENDTO: u8 = 1;
pub const HOOK_SENDMSG: u8 = 2;
pub const HOOK_SENDMMSG: u8 = 3;
pub const HOOK_WRITE: u8 = 4;
pub const HOOK_RECVFROM: u8 = 5;
pub const HOOK_RECVMSG: u8 = 6;
pub const HOOK_RECVMMSG: u8 = 7;
pub const HOOK_READ: u8 = 8;
/// `netlink_sendmsg` through a kprobe or fentry.
pub const HOOK_NETLINK_SENDMSG: u8 = 9;
/// `netlink_recvmsg` through a kprobe or fentry.
pub const HOOK_NETLINK_RECVMSG: u8 = 10;
/// The `netlink:netlink_extack` tracepoint ([`KIND_EXTACK`] records).
pub const HOOK_EXTACK: u8 = 11;

/// Record flags.
/// The message is longer than the snapshot length.
pub const FLAG_TRUNCATED: u32 = 1;
/// The message used more iovec segments than [`MAX_IOVECS`].
pub const FLAG_IOV_LIMIT: u32 = 1 << 1;
/// Reading the process's buffer failed; `cap_len` says how much was read.
pub const FLAG_COPY_FAILED: u32 = 1 << 2;
/// `peer_portid`/`peer_groups` come from the message's address (send: the
/// destination given, or the connected peer; receive: the source the kernel
/// reported). Without it, a receive's source is unknown.
pub const FLAG_PEER_KNOWN: u32 = 1 << 3;
/// The receiver's buffer was shorter than the message (`MSG_TRUNC` in the
/// returned flags): the process did not get the whole message.
pub const FLAG_RECV_TRUNC: u32 = 1 << 4;
/// The kernel iterator held no user memory nlmon can read (a kernel-internal
/// sender); only the lengths are known.
pub const FLAG_ITER_UNSUPPORTED: u32 = 1 << 5;
/// The send failed (`err` holds the errno); the bytes are what the process
/// tried to send.
pub const FLAG_SEND_FAILED: u32 = 1 << 6;

/// Indexes of the per-CPU counters in the `COUNTERS` map.
/// Records the ring buffer had no room for.
pub const COUNTER_LOST: u32 = 0;
/// Messages beyond [`MAX_MMSG`] in one `sendmmsg`/`recvmmsg`.
pub const COUNTER_MMSG_LIMIT: u32 = 1;
/// Syscalls whose entry could not be remembered until their exit (the
/// in-flight table was full).
pub const COUNTER_PENDING_FULL: u32 = 2;
/// Records produced.
pub const COUNTER_RECORDS: u32 = 3;
pub const COUNTERS: u32 = 4;

/// `AF_NETLINK`.
pub const AF_NETLINK: u16 = 16;
/// Socket flags nlmon interprets.
pub const MSG_PEEK: u32 = 2;
pub const MSG_TRUNC: u32 = 0x20;
/// `ENOBUFS`.
pub const ENOBUFS: i32 = 105;

/// Compile-time size check for wire structs.
#[macro_export]
macro_rules! const_assert_size {
    ($t:ty, $n:expr) => {
        const _: () = assert!(core::mem::size_of::<$t>() == $n);
    };
}
