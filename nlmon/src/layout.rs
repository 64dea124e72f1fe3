//! The kernel layout the eBPF programs need, read from the running kernel's
//! BTF, so that no offset is baked into the build.

use nlmon_common::{KernelLayout, config::NO_OFFSET};

use crate::btf::{Btf, BtfError};

/// Where the running kernel publishes its BTF.
pub const VMLINUX_BTF: &str = "/sys/kernel/btf/vmlinux";

/// Reads every offset of [`KernelLayout`] except the tracepoint ones, which
/// come from tracefs ([`crate::tracefs`]).
pub fn from_btf(btf: &Btf) -> Result<KernelLayout, BtfError> {
    let off = |ty: &str, path: &str| btf.member_offset(ty, path);
    let size = btf.member_size("sock", "sk_protocol")?;
    if size != 2 {
        // A bitfield before 5.6 is refused by member_offset already; any
        // other size means a layout this build does not know.
        return Err(BtfError::Bitfield {
            ty: "sock".into(),
            member: "sk_protocol".into(),
        });
    }
    Ok(KernelLayout {
        task_files: off("task_struct", "files")?,
        files_fdt: off("files_struct", "fdt")?,
        fdt_max_fds: off("fdtable", "max_fds")?,
        fdt_fd: off("fdtable", "fd")?,
        file_inode: off("file", "f_inode")?,
        file_private_data: off("file", "private_data")?,
        inode_mode: off("inode", "i_mode")?,
        socket_sk: off("socket", "sk")?,
        sk_family: off("sock", "__sk_common.skc_family")?,
        sk_protocol: off("sock", "sk_protocol")?,
        sk_net: off("sock", "__sk_common.skc_net.net")?,
        net_inum: off("net", "ns.inum")?,
        nlk_portid: off("netlink_sock", "portid")?,
        nlk_dst_portid: off("netlink_sock", "dst_portid")?,
        nlk_dst_group: off("netlink_sock", "dst_group")?,
        nlk_groups: off("netlink_sock", "groups")?,
        msghdr_name: off("msghdr", "msg_name")?,
        msghdr_iter: off("msghdr", "msg_iter")?,
        msghdr_flags: off("msghdr", "msg_flags")?,
        iter_type: off("iov_iter", "iter_type")?,
        iter_iov_offset: off("iov_iter", "iov_offset")?,
        iter_count: off("iov_iter", "count")?,
        iter_ptr: off("iov_iter", "ubuf")?,
        iter_nr_segs: off("iov_iter", "nr_segs")?,
        iter_iovec: enum_u32(btf, "ITER_IOVEC")?,
        // Kernels before 6.0 have no ITER_UBUF; nothing then matches it.
        iter_ubuf: enum_u32(btf, "ITER_UBUF").unwrap_or(NO_OFFSET),
        tp_args: NO_OFFSET,
        tp_ret: NO_OFFSET,
        task_tgid: off("task_struct", "tgid")?,
    })
}

fn enum_u32(btf: &Btf, name: &str) -> Result<u32, BtfError> {
    btf.enum_value("iter_type", name).map(|v| v as u32)
}
