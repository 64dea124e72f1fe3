//! Recognising netlink sockets and reading what they say about themselves.

use aya_ebpf::helpers::bpf_get_current_task;
use nlmon_common::AF_NETLINK;

use crate::{
    kmem::{Res, kread},
    off,
};

/// What a record says about its socket.
#[derive(Clone, Copy, Default)]
pub struct SockInfo {
    pub protocol: u32,
    pub portid: u32,
    pub dst_portid: u32,
    pub dst_group: u32,
    pub groups: u32,
    pub netns: u32,
}

const S_IFMT: u16 = 0o170000;
const S_IFSOCK: u16 = 0o140000;

/// The `struct socket *` behind `fd` of the current task and its netlink
/// protocol, if `fd` is an `AF_NETLINK` socket. Runs on every hooked syscall on the machine,
/// so it rejects a non-socket after the inode mode, the cheapest discriminating
/// read.
#[inline(always)]
pub fn netlink_socket_of_fd(fd: i32) -> Res<Option<(u64, u32)>> {
    if fd < 0 {
        return Ok(None);
    }
    // SAFETY: returns the current task pointer.
    let task = unsafe { bpf_get_current_task() };
    let files: u64 = kread(task, off!(task_files))?;
    let fdt: u64 = kread(files, off!(files_fdt))?;
    let (max_fds, fd_array) = fdtable(fdt)?;
    if fd as u32 >= max_fds {
        return Ok(None);
    }
    let file: u64 = kread(fd_array, fd as u32 * 8)?;
    let inode: u64 = kread(file, off!(file_inode))?;
    let mode: u16 = kread(inode, off!(inode_mode))?;
    if mode & S_IFMT != S_IFSOCK {
        return Ok(None);
    }
    let sock: u64 = kread(file, off!(file_private_data))?;
    Ok(netlink_protocol(sock)?.map(|proto| (sock, proto)))
}

/// `fdtable.max_fds` and `fdtable.fd`: one read where `fd` follows
/// `max_fds` (every kernel so far: an `unsigned int` padded to the pointer).
/// The offsets are frozen globals, so the verifier keeps one path only.
#[inline(always)]
fn fdtable(fdt: u64) -> Res<(u32, u64)> {
    let (max_fds, fd) = (off!(fdt_max_fds), off!(fdt_fd));
    if fd == max_fds.wrapping_add(8) {
        let both: [u64; 2] = kread(fdt, max_fds)?;
        return Ok((both[0] as u32, both[1]));
    }
    Ok((kread(fdt, max_fds)?, kread(fdt, fd)?))
}

/// The netlink protocol of a `struct socket`, or `None` if it is not an
/// `AF_NETLINK` socket. One read of `sk` serves both questions.
#[inline(always)]
pub fn netlink_protocol(sock: u64) -> Res<Option<u32>> {
    let sk: u64 = kread(sock, off!(socket_sk))?;
    let family: u16 = kread(sk, off!(sk_family))?;
    if family != AF_NETLINK {
        return Ok(None);
    }
    let proto: u16 = kread(sk, off!(sk_protocol))?;
    Ok(Some(proto as u32))
}

/// Reads the netlink socket's state. `netlink_sock` embeds `struct sock`
/// first, so the `sk` pointer is also the `netlink_sock` pointer.
#[inline(always)]
pub fn info(sock: u64) -> Res<SockInfo> {
    let sk: u64 = kread(sock, off!(socket_sk))?;
    let proto: u16 = kread(sk, off!(sk_protocol))?;
    let net: u64 = kread(sk, off!(sk_net))?;
    let groups_ptr: u64 = kread(sk, off!(nlk_groups))?;
    let groups = if groups_ptr == 0 {
        0
    } else {
        kread::<u64>(groups_ptr, 0).unwrap_or(0) as u32
    };
    Ok(SockInfo {
        protocol: proto as u32,
        portid: kread(sk, off!(nlk_portid))?,
        dst_portid: kread(sk, off!(nlk_dst_portid))?,
        dst_group: kread(sk, off!(nlk_dst_group))?,
        groups,
        netns: kread(net, off!(net_inum)).unwrap_or(0),
    })
}
