//! The main path: `netlink_sendmsg`/`netlink_recvmsg` through kprobes or
//! fentry/fexit. Kernel prototypes (net/netlink/af_netlink.c):
//!
//! ```c
//! static int netlink_sendmsg(struct socket *sock, struct msghdr *msg, size_t len);
//! static int netlink_recvmsg(struct socket *sock, struct msghdr *msg, size_t len, int flags);
//! ```
//!
//! The entry remembers the message's `iov_iter` (the kernel advances it while
//! copying); the return captures what the call really moved.

use nlmon_common::{
    AF_NETLINK, DIR_RECV, DIR_SEND, ENOBUFS, FLAG_ITER_UNSUPPORTED, FLAG_PEER_KNOWN,
    FLAG_RECV_TRUNC, FLAG_SEND_FAILED, HOOK_NETLINK_RECVMSG, KIND_MESSAGE, KIND_OVERRUN, MSG_PEEK,
    MSG_TRUNC,
};

use crate::{
    capture::{
        Msg, SRC_BUF, SRC_IOV_KERNEL, SRC_NONE, Source, emit, emit_empty, process_wanted,
        protocol_wanted,
    },
    kmem::{Res, kread},
    maps::{Pending, remember, take},
    off, sock,
};

/// The message source an `iov_iter` describes.
#[inline(always)]
fn iter_source(msg: u64) -> Res<Source> {
    let iter = msg + off!(msghdr_iter) as u64;
    let ty: u8 = kread(iter, off!(iter_type))?;
    let ptr: u64 = kread(iter, off!(iter_ptr))?;
    let skip: u64 = kread(iter, off!(iter_iov_offset))?;
    let ty = ty as u32;
    if ty == off!(iter_ubuf) {
        let count: u64 = kread(iter, off!(iter_count))?;
        Ok(Source {
            kind: SRC_BUF,
            _pad: 0,
            ptr,
            nr: count + skip,
            skip,
        })
    } else if ty == off!(iter_iovec) {
        let nr: u64 = kread(iter, off!(iter_nr_segs))?;
        Ok(Source {
            kind: SRC_IOV_KERNEL,
            _pad: 0,
            ptr,
            nr,
            skip,
        })
    } else {
        Ok(Source {
            kind: SRC_NONE,
            ..Source::default()
        })
    }
}

/// Entry of either function.
#[inline(always)]
pub fn enter(hook: u8, sock: u64, msg: u64, len: u64, flags: u64) -> Res<()> {
    if !process_wanted() {
        return Ok(());
    }
    match sock::netlink_protocol(sock)? {
        Some(protocol) if protocol_wanted(protocol) => {}
        _ => return Ok(()),
    }
    if hook == HOOK_NETLINK_RECVMSG && flags as u32 & MSG_PEEK != 0 {
        return Ok(());
    }
    let pending = Pending {
        sock,
        args: [msg, len, flags, 0, 0],
        src: iter_source(msg)?,
        fd: -1,
        hook,
        _pad: [0; 3],
    };
    remember(pending)
}

/// A kernel `struct sockaddr_nl`: (portid, groups) if it is one.
#[inline(always)]
fn kernel_sockaddr_nl(addr: u64) -> Option<(u32, u32)> {
    let sa: [u32; 3] = kread(addr, 0).ok()?;
    (sa[0] as u16 == AF_NETLINK).then_some((sa[1], sa[2]))
}

/// Return of either function.
#[inline(always)]
pub fn exit(r: i64) -> Res<()> {
    let Some(p) = take() else {
        return Ok(());
    };
    let s = sock::info(p.sock)?;
    let (msg, len, call_flags) = (p.args[0], p.args[1], p.args[2] as u32);
    let recv = p.hook == HOOK_NETLINK_RECVMSG;
    let name: u64 = kread(msg, off!(msghdr_name)).unwrap_or(0);
    let msg_flags: u32 = kread(msg, off!(msghdr_flags)).unwrap_or(0);
    let mut m = Msg {
        kind: KIND_MESSAGE,
        hook: p.hook,
        dir: if recv { DIR_RECV } else { DIR_SEND },
        fd: -1,
        call_flags: if recv { call_flags } else { msg_flags },
        ret_flags: 0,
        len: r as u32,
        avail: len,
        flags: 0,
        err: 0,
        peer_portid: 0,
        peer_groups: 0,
        msg_index: 0,
    };
    if p.src.kind == SRC_NONE {
        m.flags |= FLAG_ITER_UNSUPPORTED;
    }
    if recv {
        if r < 0 {
            if -r != ENOBUFS as i64 {
                return Ok(());
            }
            m.kind = KIND_OVERRUN;
            m.len = 0;
            m.err = ENOBUFS;
            return emit_empty(&m, &s);
        }
        if r == 0 {
            return Ok(());
        }
        m.ret_flags = msg_flags;
        if msg_flags & MSG_TRUNC != 0 {
            m.flags |= FLAG_RECV_TRUNC;
        }
        if let Some((pid, groups)) = kernel_sockaddr_nl(name) {
            m.peer_portid = pid;
            m.peer_groups = groups;
            m.flags |= FLAG_PEER_KNOWN;
        }
    } else {
        if r < 0 {
            m.len = len as u32;
            m.err = -r as i32;
            m.flags |= FLAG_SEND_FAILED;
        }
        let (pid, groups) = kernel_sockaddr_nl(name).unwrap_or((s.dst_portid, s.dst_group));
        m.peer_portid = pid;
        m.peer_groups = groups;
        m.flags |= FLAG_PEER_KNOWN;
    }
    emit(&m, &s, &p.src)
}
