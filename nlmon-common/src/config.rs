//! Values userspace hands the eBPF programs as globals before loading them.

/// Run-time settings of the capture.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// nlmon's own tgid: its netlink traffic is never captured.
    pub self_tgid: u32,
    /// Bytes copied per message at most (≤ [`crate::MAX_SNAPLEN`]).
    pub snaplen: u32,
    /// Non-zero: only processes whose tgid is in the `PID_FILTER` map.
    pub filter_pid: u32,
    /// Non-zero: only processes whose comm is in the `COMM_FILTER` map.
    pub filter_comm: u32,
    /// Bit N set: capture netlink protocol N. Zero: every protocol.
    pub protocols: u32,
    /// Bit `1 << DIR_*` set: capture that direction. Zero: both.
    pub dirs: u32,
    /// Non-zero: only sockets whose network namespace inode is in the
    /// `NETNS_FILTER` map.
    pub filter_netns: u32,
    /// How many entries of the `CGROUP_FILTER` array are set (at most
    /// [`MAX_CGROUP_FILTER`]); zero: every cgroup.
    pub filter_cgroup: u32,
}
crate::const_assert_size!(Config, 32);

/// `--cgroup` selections the kernel checks at most.
pub const MAX_CGROUP_FILTER: u32 = 8;

/// One `--cgroup`: a process passes when its cgroup is this one or below
/// it, i.e. when its ancestor at `level` has this `id`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CgroupFilter {
    /// cgroup v2 id (the inode of its directory).
    pub id: u64,
    /// Depth below the root (the root is level 0).
    pub level: u32,
    pub _pad: u32,
}
crate::const_assert_size!(CgroupFilter, 16);

/// A field the running kernel does not have.
pub const NO_OFFSET: u32 = u32::MAX;

/// Offsets into kernel structures and values of kernel enums, read by
/// userspace from the running kernel's BTF, so one eBPF object works on every
/// kernel whatever its layout (`iov_iter` differs between 6.1 and 6.18).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelLayout {
    /// `task_struct.files`
    pub task_files: u32,
    /// `files_struct.fdt`
    pub files_fdt: u32,
    /// `fdtable.max_fds`
    pub fdt_max_fds: u32,
    /// `fdtable.fd`
    pub fdt_fd: u32,
    /// `file.f_inode`
    pub file_inode: u32,
    /// `file.private_data` (the `struct socket` of a socket file)
    pub file_private_data: u32,
    /// `inode.i_mode`
    pub inode_mode: u32,
    /// `socket.sk`
    pub socket_sk: u32,
    /// `sock.__sk_common.skc_family`
    pub sk_family: u32,
    /// `sock.sk_protocol` (a `u16` since 5.6)
    pub sk_protocol: u32,
    /// `sock.__sk_common.skc_net.net`
    pub sk_net: u32,
    /// `net.ns.inum`
    pub net_inum: u32,
    /// `netlink_sock.portid`
    pub nlk_portid: u32,
    /// `netlink_sock.dst_portid`
    pub nlk_dst_portid: u32,
    /// `netlink_sock.dst_group`
    pub nlk_dst_group: u32,
    /// `netlink_sock.groups` (pointer to the subscription bitmap)
    pub nlk_groups: u32,
    /// `msghdr.msg_name`
    pub msghdr_name: u32,
    /// `msghdr.msg_iter`
    pub msghdr_iter: u32,
    /// `msghdr.msg_flags`
    pub msghdr_flags: u32,
    /// `iov_iter.iter_type`
    pub iter_type: u32,
    /// `iov_iter.iov_offset`
    pub iter_iov_offset: u32,
    /// `iov_iter.count`
    pub iter_count: u32,
    /// `iov_iter.ubuf`, which shares its place with the iovec array pointer
    pub iter_ptr: u32,
    /// `iov_iter.nr_segs`
    pub iter_nr_segs: u32,
    /// `enum iter_type`: `ITER_IOVEC`
    pub iter_iovec: u32,
    /// `enum iter_type`: `ITER_UBUF`
    pub iter_ubuf: u32,
    /// Offset of the first argument in a `syscalls:sys_enter_*` record.
    pub tp_args: u32,
    /// Offset of `ret` in a `syscalls:sys_exit_*` record.
    pub tp_ret: u32,
    /// `task_struct.tgid` (to follow forks of traced processes)
    pub task_tgid: u32,
}
crate::const_assert_size!(KernelLayout, 29 * 4);

#[cfg(feature = "user")]
mod pod {
    // SAFETY: both are repr(C) structs of u32s without padding.
    unsafe impl aya::Pod for super::Config {}
    // SAFETY: as above.
    unsafe impl aya::Pod for super::KernelLayout {}
    // SAFETY: a repr(C) struct of a u64 and two u32s, without padding.
    unsafe impl aya::Pod for super::CgroupFilter {}
}
