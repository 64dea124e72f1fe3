//! Building a record and handing it to userspace: filters, header, copying
//! the message out of the process's memory, the ring buffer.

use core::ffi::c_void;

use aya_ebpf::helpers::{
    bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_get_current_uid_gid,
    generated::{
        bpf_get_current_ancestor_cgroup_id, bpf_get_current_cgroup_id, bpf_get_smp_processor_id,
        bpf_ktime_get_ns, bpf_loop, bpf_probe_read_user,
    },
};
use nlmon_common::{
    COUNTER_LOST, COUNTER_RECORDS, FLAG_COPY_FAILED, FLAG_IOV_LIMIT, FLAG_RECV_TRUNC,
    FLAG_TRUNCATED, MAX_CGROUP_FILTER, MAX_IOVECS, MAX_SNAPLEN, RecordHeader, record::HEADER_LEN,
};

use crate::{
    kmem::{Res, kread, uread},
    maps::{
        CGROUP_FILTER, COMM_FILTER, EVENTS, IOV_COPY, NETNS_FILTER, PID_FILTER, SCRATCH, config,
        count,
    },
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
    cfg.filter_cgroup == 0 || cgroup_wanted(cfg.filter_cgroup)
}

/// Whether the task's cgroup is one of `--cgroup`'s or below one: its
/// ancestor at that cgroup's level is that cgroup.
#[inline(always)]
fn cgroup_wanted(n: u32) -> bool {
    for i in 0..MAX_CGROUP_FILTER {
        if i >= n {
            break;
        }
        if let Some(sel) = CGROUP_FILTER.get(i) {
            // SAFETY: plain helper call (since 5.7; kprobe, tracepoint and
            // tracing programs may call it). It walks the cgroup v2
            // hierarchy, like bpf_get_current_cgroup_id; 0 above the task's
            // own level, which no cgroup id is.
            if unsafe { bpf_get_current_ancestor_cgroup_id(sel.level as i32) } == sel.id {
                return true;
            }
        }
    }
    false
}

#[inline(always)]
pub fn protocol_wanted(protocol: u32) -> bool {
    let mask = config().protocols;
    mask == 0 || (protocol < 32 && mask & (1 << protocol) != 0)
}

#[inline(always)]
fn dir_and_netns_wanted(dir: u8, netns: u32) -> bool {
    let cfg = config();
    if cfg.dirs != 0 && cfg.dirs & (1 << (dir & 7)) == 0 {
        return false;
    }
    // SAFETY: the value is only tested for presence.
    cfg.filter_netns == 0 || unsafe { NETNS_FILTER.get(netns) }.is_some()
}

/// Sends one record: header, then up to the snapshot length of the bytes.
#[inline(always)]
pub fn emit(m: &Msg, sock: &SockInfo, src: &Source) -> Res<()> {
    // Direction and namespace are known only now; still before the copy,
    // which is what costs.
    if !dir_and_netns_wanted(m.dir, sock.netns) {
        return Ok(());
    }
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
        // SAFETY: plain helper call (tracing programs have it since 4.18).
        cgroup_id: unsafe { bpf_get_current_cgroup_id() },
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
    // Bound for the verifier (see read_user): cap never exceeds the
    // snapshot length.
    let mut total = HEADER_LEN as u64 + core::hint::black_box(cap);
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
        SRC_IOV_USER | SRC_IOV_KERNEL => copy_iov(src, want),
        _ => (0, 0),
    }
}

/// State of an iovec copy, shared with [`iov_step`] through `bpf_loop`.
///
/// It lives in a map value (`IOV_COPY`), not on the stack: the verifier
/// tracks stack slots exactly, so a state on the stack differs after every
/// iteration (`off` grows) and, since kernels verify a `bpf_loop` callback
/// until its states converge (6.12's does), the exploration of every
/// iteration's branches exceeds the verifier's limits (E2BIG, "The sequence
/// of 8193 jumps is too complex"). Loads from a map value are unknown
/// scalars to the verifier, so every iteration looks the same.
#[repr(C)]
pub struct IovCopy {
    /// The iovec array.
    iov: u64,
    nr: u64,
    skip: u64,
    want: u64,
    /// Bytes copied so far.
    off: u64,
    /// Non-zero: the iovec array is in kernel memory.
    kernel: u64,
    flags: u64,
}

/// Copies the iovecs with `bpf_loop` (5.17+): its callback is verified on
/// its own, whereas an unrolled or bounded loop whose iterations branch makes
/// the 6.1 verifier explore every combination of branches (E2BIG).
#[inline(always)]
fn copy_iov(src: &Source, want: u64) -> (u64, u32) {
    let Some(c) = IOV_COPY.get_ptr_mut(0) else {
        return (0, FLAG_COPY_FAILED);
    };
    // SAFETY: this CPU's map value; the program is not preempted by another
    // on this CPU between here and the end of bpf_loop.
    unsafe {
        *c = IovCopy {
            iov: src.ptr,
            nr: src.nr,
            skip: src.skip,
            want,
            off: 0,
            kernel: u64::from(src.kind == SRC_IOV_KERNEL),
            flags: 0,
        };
        bpf_loop(
            MAX_IOVECS,
            iov_step as *const () as *mut c_void,
            core::ptr::null_mut(),
            0,
        )
    };
    // SAFETY: as above.
    let (off, flags) = unsafe { ((*c).off, (*c).flags as u32) };
    // A value from the map: bound it again for the caller.
    let off = if off > want { want } else { off };
    let mut flags = flags;
    if off < want && (MAX_IOVECS as u64) < src.nr && flags == 0 {
        flags = FLAG_IOV_LIMIT;
    }
    (off, flags)
}

/// One iovec: returns 0 to go on, 1 to stop.
#[inline(never)]
extern "C" fn iov_step(i: u64, _ctx: *mut c_void) -> i64 {
    let Some(c) = IOV_COPY.get_ptr_mut(0) else {
        return 1;
    };
    // SAFETY: plain helper call.
    let cpu = unsafe { bpf_get_smp_processor_id() };
    let Some(scratch) = SCRATCH.get_ptr_mut(cpu) else {
        return 1;
    };
    // SAFETY: this CPU's values (see copy_iov).
    let (c, dst) = unsafe { (&mut *c, (*scratch).data.as_mut_ptr()) };
    if i >= c.nr || c.off >= c.want {
        return 1;
    }
    let at = c.iov + i * 16;
    let iov: Res<[u64; 2]> = if c.kernel != 0 {
        kread(at, 0)
    } else {
        uread(at)
    };
    let Ok([mut base, mut len]) = iov else {
        c.flags = FLAG_COPY_FAILED as u64;
        return 1;
    };
    if c.skip > 0 {
        let s = if c.skip < len { c.skip } else { len };
        base += s;
        len -= s;
        c.skip -= s;
    }
    let room = c.want - c.off;
    let n = if len < room { len } else { room };
    if read_user(dst, c.off, base, n).is_err() {
        c.flags = FLAG_COPY_FAILED as u64;
        return 1;
    }
    c.off += n;
    0
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
    // black_box: LLVM can prove both bounds from the callers and would drop
    // them, but older verifiers (6.1) cannot, and reject the write ("R1 min
    // value is negative"). Hiding the values keeps the checks in the code.
    let off = core::hint::black_box(off) & (MAX_SNAPLEN as u64 - 1);
    let n = core::hint::black_box(n);
    if n > MAX_SNAPLEN as u64 {
        return Err(-1);
    }
    // SAFETY: dst + off .. + n is inside the scratch value (see above).
    let r = unsafe { bpf_probe_read_user(dst.add(off as usize).cast(), n as u32, src as *const _) };
    if r < 0 { Err(r) } else { Ok(()) }
}
