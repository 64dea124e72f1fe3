//! The fallback for kernels without kprobes or fentry: syscall tracepoints.
//!
//! `sys_enter_*` recognises a netlink socket from the fd (walking the task's
//! fd table) and remembers the call; `sys_exit_*` captures the bytes the call
//! really moved, which only the return value tells. The user's buffers and
//! `msghdr` (UAPI layouts, stable) are read directly.

use aya_ebpf::{EbpfContext as _, programs::TracePointContext};
use nlmon_common::{
    COUNTER_MMSG_LIMIT, DIR_RECV, DIR_SEND, ENOBUFS, FLAG_PEER_KNOWN, FLAG_SEND_FAILED, HOOK_READ,
    HOOK_RECVFROM, HOOK_RECVMMSG, HOOK_RECVMSG, HOOK_SENDMMSG, HOOK_SENDMSG, HOOK_SENDTO,
    HOOK_WRITE, KIND_MESSAGE, KIND_OVERRUN, MAX_MMSG, MSG_PEEK,
};

use crate::{
    capture::{
        Msg, SRC_BUF, SRC_IOV_USER, Source, emit, emit_empty, process_wanted, protocol_wanted,
    },
    kmem::{Res, uread},
    maps::{MMSG_STATE, MmsgState, Pending, TAIL_CALLS, TAIL_MMSG_STEP, count, remember, take},
    off,
    sock::{self, SockInfo},
};

/// `struct user_msghdr` (UAPI): msg_name @0, msg_iov @16, msg_iovlen @24,
/// msg_flags @48. `struct mmsghdr` adds msg_len @56 and is 64 bytes.
const MSGHDR_NAME: u64 = 0;
const MSGHDR_IOV: u64 = 16;
const MSGHDR_IOVLEN: u64 = 24;
const MSGHDR_FLAGS: u64 = 48;
const MMSGHDR_LEN: u64 = 56;
const MMSGHDR_SIZE: u64 = 64;

/// Where every kernel so far puts a syscall tracepoint's first argument
/// and its return value (after the 8-byte `trace_entry` and the `int nr`).
const TP_USUAL_OFFSET: u32 = 16;

/// A `u64` of the tracepoint's record. `off` comes from the tracepoint's
/// format file through `LAYOUT`, a frozen global the verifier reads as a
/// constant: with the usual offset only the direct load of the context
/// remains (no helper call; the verifier allows a context load only at a
/// constant offset), otherwise only the `bpf_probe_read` path.
#[inline(always)]
fn record_u64(ctx: &TracePointContext, off: u32, n: usize) -> Res<u64> {
    if off == TP_USUAL_OFFSET {
        // SAFETY: inside the record (the format file says so); `n` is a
        // constant at every call site.
        return Ok(unsafe { *(ctx.as_ptr() as *const u64).add(TP_USUAL_OFFSET as usize / 8 + n) });
    }
    // SAFETY: the offset comes from the tracepoint's format file.
    unsafe { ctx.read_at::<u64>(off as usize + n * 8) }.map_err(|e| e as i64)
}

#[inline(always)]
fn arg(ctx: &TracePointContext, n: usize) -> Res<u64> {
    record_u64(ctx, off!(tp_args), n)
}

#[inline(always)]
fn ret(ctx: &TracePointContext) -> Res<i64> {
    Ok(record_u64(ctx, off!(tp_ret), 0)? as i64)
}

/// How many arguments follow the fd: sendto/recvfrom (buf, len, flags,
/// addr, addrlen), recvmmsg (vec, vlen, flags, timeout), sendmmsg (vec,
/// vlen, flags), the others two. `hook` is a constant in every program.
#[inline(always)]
const fn args_after_fd(hook: u8) -> usize {
    match hook {
        HOOK_SENDTO | HOOK_RECVFROM => 5,
        HOOK_RECVMMSG => 4,
        HOOK_SENDMMSG => 3,
        _ => 2,
    }
}

/// `sys_enter_*`: remember a call on a netlink socket the user wants.
#[inline(always)]
pub fn enter(ctx: &TracePointContext, hook: u8) -> Res<()> {
    if !process_wanted() {
        return Ok(());
    }
    let fd = arg(ctx, 0)? as i32;
    let Some((sock, protocol)) = sock::netlink_socket_of_fd(fd)? else {
        return Ok(());
    };
    if !protocol_wanted(protocol) {
        return Ok(());
    }
    // One by one: a context load needs a constant offset. None beyond the
    // syscall's own arguments: its record ends there, and the kernel
    // refuses to attach a program that loads past a tracepoint's record
    // (`perf_event_attach_bpf_prog`, EACCES).
    let n = args_after_fd(hook);
    let opt = |i: usize| if i <= n { arg(ctx, i) } else { Ok(0) };
    let args = [opt(1)?, opt(2)?, opt(3)?, opt(4)?, opt(5)?];
    // A MSG_PEEK read (iproute2 and libnl peek before every read) is not a
    // message: it is dropped here, before anything is remembered.
    let flags = match hook {
        HOOK_RECVFROM | HOOK_RECVMMSG => args[2],
        HOOK_RECVMSG => args[1],
        _ => 0,
    };
    if flags as u32 & MSG_PEEK != 0 {
        return Ok(());
    }
    let pending = Pending {
        sock,
        args,
        src: Source::default(),
        fd,
        hook,
        _pad: [0; 3],
    };
    remember(pending)
}

/// A `struct sockaddr_nl` in user memory: (portid, groups) if it is one.
#[inline(always)]
fn user_sockaddr_nl(addr: u64) -> Option<(u32, u32)> {
    let sa: [u32; 3] = uread(addr).ok()?;
    (sa[0] as u16 == nlmon_common::AF_NETLINK).then_some((sa[1], sa[2]))
}

/// Common fields of a message record.
#[inline(always)]
fn msg(p: &Pending, dir: u8, len: u32, avail: u64, call_flags: u32) -> Msg {
    Msg {
        kind: KIND_MESSAGE,
        hook: p.hook,
        dir,
        fd: p.fd,
        call_flags,
        ret_flags: 0,
        len,
        avail,
        flags: 0,
        err: 0,
        peer_portid: 0,
        peer_groups: 0,
        msg_index: 0,
    }
}

/// Sets the peer of a send: the address given, else the connected peer.
#[inline(always)]
fn send_peer(m: &mut Msg, addr: u64, s: &SockInfo) {
    let (pid, groups) = user_sockaddr_nl(addr).unwrap_or((s.dst_portid, s.dst_group));
    m.peer_portid = pid;
    m.peer_groups = groups;
    m.flags |= FLAG_PEER_KNOWN;
}

/// Sets the peer of a receive from the source address the kernel wrote.
#[inline(always)]
fn recv_peer(m: &mut Msg, addr: u64) {
    if let Some((pid, groups)) = user_sockaddr_nl(addr) {
        m.peer_portid = pid;
        m.peer_groups = groups;
        m.flags |= FLAG_PEER_KNOWN;
    }
}

/// A receive that returned `r <= 0`: no message. `ENOBUFS` means the
/// socket lost messages, an overrun worth a record; anything else (EAGAIN,
/// EINTR, a zero-length read) is nothing.
#[inline(always)]
fn no_message(p: &Pending, r: i64) -> Res<()> {
    if -r != ENOBUFS as i64 {
        return Ok(());
    }
    let mut m = msg(p, DIR_RECV, 0, 0, 0);
    m.kind = KIND_OVERRUN;
    m.err = ENOBUFS;
    emit_empty(&m, &sock::info(p.sock)?)
}

/// `sendto`/`write`/`recvfrom`/`read`: one buffer.
#[inline(always)]
pub fn exit_buf(ctx: &TracePointContext) -> Res<()> {
    let Some(p) = take() else { return Ok(()) };
    let r = ret(ctx)?;
    let s = sock::info(p.sock)?;
    let (buf, size) = (p.args[0], p.args[1]);
    let src = Source {
        kind: SRC_BUF,
        ptr: buf,
        nr: size,
        ..Source::default()
    };
    match p.hook {
        HOOK_SENDTO | HOOK_WRITE => {
            let (flags, addr) = if p.hook == HOOK_SENDTO {
                (p.args[2], p.args[3])
            } else {
                (0, 0)
            };
            let mut m = msg(&p, DIR_SEND, r as u32, size, flags as u32);
            if r < 0 {
                m.len = size as u32;
                m.err = -r as i32;
                m.flags |= FLAG_SEND_FAILED;
            } else if r == 0 {
                return Ok(());
            }
            send_peer(&mut m, addr, &s);
            emit(&m, &s, &src)
        }
        HOOK_RECVFROM | HOOK_READ => {
            let (flags, addr) = if p.hook == HOOK_RECVFROM {
                (p.args[2], p.args[3])
            } else {
                (0, 0)
            };
            if r <= 0 {
                return no_message(&p, r);
            }
            let mut m = msg(&p, DIR_RECV, r as u32, size, flags as u32);
            recv_peer(&mut m, addr);
            emit(&m, &s, &src)
        }
        _ => Ok(()),
    }
}

/// The iovecs of a `user_msghdr` at `hdr`.
#[inline(always)]
fn msghdr_source(hdr: u64) -> Res<Source> {
    Ok(Source {
        kind: SRC_IOV_USER,
        ptr: uread(hdr + MSGHDR_IOV)?,
        nr: uread(hdr + MSGHDR_IOVLEN)?,
        ..Source::default()
    })
}

/// One message of a `sendmsg`/`recvmsg`, or of a vector of them. One
/// `emit` site: every inlined copy multiplies the verifier's work.
#[inline(always)]
fn one_msghdr(p: &Pending, s: &SockInfo, hdr: u64, r: i64, index: u32) -> Res<()> {
    let flags = p.args[1] as u32;
    let src = msghdr_source(hdr)?;
    let name: u64 = uread(hdr + MSGHDR_NAME)?;
    let send = p.hook == HOOK_SENDMSG || p.hook == HOOK_SENDMMSG;
    let mut m = msg(
        p,
        if send { DIR_SEND } else { DIR_RECV },
        r as u32,
        u64::MAX,
        flags,
    );
    m.msg_index = index;
    if send {
        if r < 0 {
            m.len = nlmon_common::MAX_SNAPLEN;
            m.err = -r as i32;
            m.flags |= FLAG_SEND_FAILED;
        }
        send_peer(&mut m, name, s);
    } else {
        m.ret_flags = uread(hdr + MSGHDR_FLAGS).unwrap_or(0);
        if m.ret_flags & nlmon_common::MSG_TRUNC != 0 {
            m.flags |= nlmon_common::FLAG_RECV_TRUNC;
        }
        recv_peer(&mut m, name);
    }
    emit(&m, s, &src)
}

/// `sendmsg`/`recvmsg`.
#[inline(always)]
pub fn exit_msg(ctx: &TracePointContext) -> Res<()> {
    let Some(p) = take() else { return Ok(()) };
    let r = ret(ctx)?;
    let s = sock::info(p.sock)?;
    let recv = p.hook == HOOK_RECVMSG;
    if recv && r <= 0 {
        return no_message(&p, r);
    }
    if r == 0 {
        return Ok(());
    }
    one_msghdr(&p, &s, p.args[0], r, 0)
}

/// `sendmmsg`/`recvmmsg`: each message of the vector is a record. A loop
/// over messages and, inside, over iovecs is too much for the verifier, so
/// this stores the call per CPU and tail-calls `mmsg_step`, which captures
/// one message per call (the kernel allows 33 tail calls in a chain).
#[inline(always)]
pub fn exit_mmsg(ctx: &TracePointContext) -> Res<()> {
    let Some(mut p) = take() else { return Ok(()) };
    let r = ret(ctx)?;
    let recv = p.hook == HOOK_RECVMMSG;
    // The flags are the third argument of both.
    p.args[1] = p.args[2];
    if r <= 0 {
        return if recv { no_message(&p, r) } else { Ok(()) };
    }
    let state = MMSG_STATE.get_ptr_mut(0).ok_or(-1i64)?;
    // SAFETY: this CPU's slot; the chain of tail calls runs without
    // interruption by another program on this CPU's slot's behalf.
    unsafe {
        *state = MmsgState {
            pending: p,
            ret: r,
            next: 0,
            _pad: 0,
        }
    };
    // SAFETY: tail call with our own context; returns only on failure.
    unsafe { TAIL_CALLS.tail_call(ctx, TAIL_MMSG_STEP) };
    count(COUNTER_MMSG_LIMIT, r as u64);
    Ok(())
}

/// One message of the vector stored by `exit_mmsg`, then the next.
#[inline(always)]
pub fn mmsg_step(ctx: &TracePointContext) -> Res<()> {
    let state = MMSG_STATE.get_ptr_mut(0).ok_or(-1i64)?;
    // SAFETY: this CPU's slot, written by exit_mmsg in this chain.
    let st = unsafe { &mut *state };
    let i = st.next;
    if i as i64 >= st.ret {
        return Ok(());
    }
    if i >= MAX_MMSG {
        count(COUNTER_MMSG_LIMIT, (st.ret - i as i64) as u64);
        return Ok(());
    }
    st.next = i + 1;
    let p = st.pending;
    let s = sock::info(p.sock)?;
    let hdr = p.args[0] + i as u64 * MMSGHDR_SIZE;
    let len: u32 = uread(hdr + MMSGHDR_LEN)?;
    one_msghdr(&p, &s, hdr, len as i64, i)?;
    // SAFETY: as in exit_mmsg.
    unsafe { TAIL_CALLS.tail_call(ctx, TAIL_MMSG_STEP) };
    // The kernel refused the next tail call (its chain limit).
    let left = st.ret - st.next as i64;
    if left > 0 {
        count(COUNTER_MMSG_LIMIT, left as u64);
    }
    Ok(())
}
