//! Building a record and handing it to userspace: filters, header, copying
//! the message out of the process's memory, the ring buffer.

use aya_ebpf::helpers::{
    bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_get_current_uid_gid,
    generated::{bpf_get_smp_processor_id, bpf_ktime_get_ns, bpf_probe_read_user},
};
use nlmon_common::{
    COUNTER_LOST, COUNTER_RECORDS, FLAG_COPY_FAILED, FLAG_IOV_LIMIT, FLAG_RECV_TRUNC,
    FLAG_TRUNCATED, MAX_IOVECS, MAX_SNAPLEN, RecordHeader, record::HEADER_LEN,
};

use crate::{
    kmem::{Res, kread, uread},
    maps::{COMM_FILTER, EVENTS, PID_FILTER, SCRATCH, config, count},
    sock::SockInfo,
};

/// Where a message's bytes are in the process's memory.
pub const SRC_NONE: u32 = 0;
/// One buffer: `ptr`, `nr` bytes.
pub const SRC_BUF: u32 = 1;
/// An iovec array in user memory (a `msghdr` a syscall was given).
pub const SRC_IOV_USER: u32 = 2;
/// An iovec array in kernel memory (an `iov_iter`: the kernel copied the
/// user's iovecs; their bases still point into user memory).
pub const SRC_IOV_KERNEL: u32 = 3;

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Source {
    pub kind: u32,
    pub _pad: u32,
    /// Buffer or iovec array address.
    pub ptr: u64,
    /// Buffer length, or number of iovecs.
    pub nr: u64,
    /// Bytes already consumed at the start (`iov_iter.iov_offset`).
    pub skip: u64,
}

/// Everything about one message except its bytes.
pub struct Msg {
    pub kind: u16,
    pub hook: u8,
    pub dir: u8,
    pub fd: i32,
    pub call_flags: u32,
    pub ret_flags: u32,
    /// Length of the message.
    pub len: u32,
    /// Bytes the source holds (a receive's buffer can be shorter than the
    /// message).
    pub avail: u64,
    pub flags: u32,
    pub err: i32,
    pub peer_portid: u32,
    pub peer_groups: u32,
    pub msg_index: u32,
}

/// Whether the current process is one the user asked for (and not nlmon).
#[inline(always)]
pub fn process_wanted() -> bool {
    let cfg = config();
    let tgid = (bpf_get_current_pid_tgid() >> 32) as u32;
    if tgid == cfg.self_tgid {
        return false;
    }
    // SAFETY: the value is only tested for presence.
    if cfg.filter_pid != 0 && unsafe { PID_FILTER.get(tgid) }.is_none() {
        return false;
    }
    if cfg.filter_comm != 0 {
        let Ok(comm) = bpf_get_current_comm() else {
            return false;
        };
        // SAFETY: as above.
        if unsafe { COMM_FILTER.get(comm) }.is_none() {
            return false;
        }
    }
    true
}

#[inline(always)]
pub fn protocol_wanted(protocol: u32) -> bool {
    let mask = config().protocols;
    mask == 0 || (protocol < 32 && mask & (1 << protocol) != 0)
}

/// Sends one record: header, then up to the snapshot length of the bytes.
#[inline(always)]
pub fn emit(m: &Msg, sock: &SockInfo, src: &Source) -> Res<()> {
    // SAFETY: plain helper calls.
    let cpu = unsafe { bpf_get_smp_processor_id() };
    let scratch = SCRATCH.get_ptr_mut(cpu).ok_or(-1i64)?;
    let pid_tgid = bpf_get_current_pid_tgid();
    let cfg = config();

    let mut flags = m.flags;
    let mut want = m.len as u64;
    if want > m.avail {
        want = m.avail;
        flags |= FLAG_RECV_TRUNC;
    }
    let mut snaplen = cfg.snaplen as u64;
    if snaplen > MAX_SNAPLEN as u64 {
        snaplen = MAX_SNAPLEN as u64;
    }
    if want > snaplen {
        want = snaplen;
        flags |= FLAG_TRUNCATED;
    }
    // SAFETY: `scratch` is this CPU's map value, large enough for a Scratch.
    let data = unsafe { (*scratch).data.as_mut_ptr() };
    let (cap, copy_flags) = copy(src, want, data);
    flags |= copy_flags;

    // SAFETY: as above.
    let hdr = unsafe { &mut (*scratch).header };
    *hdr = RecordHeader {
        // SAFETY: plain helper call.
        ts_ns: unsafe { bpf_ktime_get_ns() },
        netns: sock.netns,
        tgid: (pid_tgid >> 32) as u32,
        tid: pid_tgid as u32,
        uid: bpf_get_current_uid_gid() as u32,
        comm: bpf_get_current_comm().unwrap_or_default(),
        kind: m.kind,
        hook: m.hook,
        dir: m.dir,
        protocol: sock.protocol,
        portid: sock.portid,
        groups: sock.groups,
        peer_portid: m.peer_portid,
        peer_groups: m.peer_groups,
        fd: m.fd,
        call_flags: m.call_flags,
        ret_flags: m.ret_flags,
        len: m.len,
        cap_len: cap as u32,
        flags,
        err: m.err,
        msg_index: m.msg_index,
    };
    let mut total = HEADER_LEN as u64 + cap;
    // Bound for the verifier: cap never exceeds the snapshot length.
    if total > HEADER_LEN as u64 + MAX_SNAPLEN as u64 {
        total = HEADER_LEN as u64 + MAX_SNAPLEN as u64;
    }
    // SAFETY: `total` is within the map value (header + 2 * MAX_SNAPLEN).
    let bytes = unsafe { core::slice::from_raw_parts(scratch as *const u8, total as usize) };
    if EVENTS.output::<[u8]>(bytes, 0).is_err() {
        count(COUNTER_LOST, 1);
    } else {
        count(COUNTER_RECORDS, 1);
    }
    Ok(())
}

/// A record that carries no bytes (an overrun).
#[inline(always)]
pub fn emit_empty(m: &Msg, sock: &SockInfo) -> Res<()> {
    emit(m, sock, &Source::default())
}

/// Copies `want` bytes of `src` to `dst`; returns how many it copied and
/// any `FLAG_*` about the copy.
#[inline(always)]
fn copy(src: &Source, want: u64, dst: *mut u8) -> (u64, u32) {
    match src.kind {
        SRC_BUF => {
            if src.nr == 0 || want == 0 {
                return (0, 0);
            }
            match read_user(dst, 0, src.ptr + src.skip, want) {
                Ok(()) => (want, 0),
                Err(_) => (0, FLAG_COPY_FAILED),
            }
        }
        SRC_IOV_USER | SRC_IOV_KERNEL => copy_iov(src, want, dst),
        _ => (0, 0),
    }
}

#[inline(always)]
fn copy_iov(src: &Source, want: u64, dst: *mut u8) -> (u64, u32) {
    let mut off: u64 = 0;
    let mut skip = src.skip;
    let mut i: u32 = 0;
    while i < MAX_IOVECS {
        if i as u64 >= src.nr || off >= want {
            return (off, 0);
        }
        let at = src.ptr + i as u64 * 16;
        let iov: Res<[u64; 2]> = if src.kind == SRC_IOV_USER {
            uread(at)
        } else {
            kread(at, 0)
        };
        let Ok([mut base, mut len]) = iov else {
            return (off, FLAG_COPY_FAILED);
        };
        if skip > 0 {
            let s = if skip < len { skip } else { len };
            base += s;
            len -= s;
            skip -= s;
        }
        let n = if len < want - off { len } else { want - off };
        if read_user(dst, off, base, n).is_err() {
            return (off, FLAG_COPY_FAILED);
        }
        off += n;
        i += 1;
    }
    if off < want && (MAX_IOVECS as u64) < src.nr {
        (off, FLAG_IOV_LIMIT)
    } else {
        (off, 0)
    }
}

/// `bpf_probe_read_user` of `n` bytes to `dst + off`, with both bounded so
/// the verifier can prove the write stays in the scratch value (its data area
/// is 2 * MAX_SNAPLEN: any offset below MAX_SNAPLEN plus any length up to
/// MAX_SNAPLEN fits).
#[inline(always)]
fn read_user(dst: *mut u8, off: u64, src: u64, n: u64) -> Res<()> {
    if n == 0 {
        return Ok(());
    }
    let off = off & (MAX_SNAPLEN as u64 - 1);
    let mut n = n;
    if n > MAX_SNAPLEN as u64 {
        n = MAX_SNAPLEN as u64;
    }
    // SAFETY: dst + off .. + n is inside the scratch value (see above).
    let r = unsafe { bpf_probe_read_user(dst.add(off as usize).cast(), n as u32, src as *const _) };
    if r < 0 { Err(r) } else { Ok(()) }
}
