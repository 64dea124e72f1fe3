//! The kernel's reason for a failed request, from the `netlink:netlink_extack`
//! tracepoint, for programs that never asked for it (`NETLINK_EXT_ACK` off).
//!
//! `NL_SET_ERR_MSG()` and friends (include/linux/netlink.h) call
//! `do_trace_netlink_extack(msg)` whether or not the requester set
//! `NETLINK_EXT_ACK`, in the context of the task whose request is being
//! handled: inside its `sendmsg`, before `netlink_ack()` queues the error and
//! before the send's own record (fexit, kretprobe or `sys_exit`) is written.
//! Userspace pairs the two by thread and time.

use aya_ebpf::{
    EbpfContext as _,
    helpers::{
        bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_get_current_uid_gid,
        generated::{bpf_get_current_cgroup_id, bpf_ktime_get_ns, bpf_probe_read_kernel_str},
    },
    programs::TracePointContext,
};
use nlmon_common::{
    COUNTER_LOST, COUNTER_RECORDS, DIR_RECV, DIR_SEND, FLAG_TRUNCATED, HOOK_EXTACK, KIND_EXTACK,
    RecordHeader,
};

use crate::{
    capture::process_wanted,
    kmem::Res,
    maps::{EVENTS, config, count},
};

/// Bytes of the text kept. The kernel's static messages are sentences
/// (the longest in 6.18 are under 200 bytes); formatted ones are capped at
/// `NETLINK_MAX_FMTMSG_LEN` (80).
const EXTACK_MAX: usize = 256;

/// Offset of the `msg` field (a `__data_loc char[]`) in the tracepoint's
/// record, from its format file; set by userspace before load.
#[unsafe(no_mangle)]
pub static EXTACK_MSG_OFFSET: u32 = 0;

/// What goes to the ring buffer: the common header, then the text.
#[repr(C)]
struct ExtackRecord {
    header: RecordHeader,
    text: [u8; EXTACK_MAX],
}

/// `netlink:netlink_extack`, `TP_PROTO(const char *msg)`, record
/// `{ trace_entry; __data_loc char[] msg; }`.
#[inline(always)]
pub fn on_extack(ctx: &TracePointContext) -> Res<()> {
    if !process_wanted() {
        return Ok(());
    }
    // Nothing to explain when error replies are not captured.
    let dirs = config().dirs;
    if dirs != 0 && dirs & (1 << DIR_RECV) == 0 {
        return Ok(());
    }
    // SAFETY: a plain read of a static (volatile: set before load).
    let off = unsafe { core::ptr::read_volatile(&EXTACK_MSG_OFFSET) };
    // __data_loc: the string's offset in the record in the low 16 bits,
    // its length with the NUL in the high 16.
    // SAFETY: the offset comes from the tracepoint's format file.
    let loc: u32 = unsafe { ctx.read_at(off as usize) }.map_err(|e| e as i64)?;
    let (at, len) = (u64::from(loc & 0xffff), loc >> 16);
    let Some(mut entry) = EVENTS.reserve::<ExtackRecord>(0) else {
        count(COUNTER_LOST, 1);
        return Ok(());
    };
    let rec = entry.as_mut_ptr();
    // The string is inside the record ctx points at; read it as kernel
    // memory (the verifier allows no variable-offset load from ctx).
    let src = ctx.as_ptr() as u64 + at;
    // SAFETY: `text` is EXTACK_MAX bytes of the reserved entry; the helper
    // tolerates any source address.
    let n = unsafe {
        bpf_probe_read_kernel_str(
            (*rec).text.as_mut_ptr().cast(),
            EXTACK_MAX as u32,
            src as *const _,
        )
    };
    if n <= 0 {
        entry.discard(0);
        return Err(n);
    }
    // n counts the NUL the helper wrote.
    let cap = n as u32 - 1;
    let text_len = len.saturating_sub(1);
    let pid_tgid = bpf_get_current_pid_tgid();
    // SAFETY: the entry is ours until submitted; every field is written.
    unsafe {
        (*rec).header = RecordHeader {
            // SAFETY: plain helper calls.
            ts_ns: bpf_ktime_get_ns(),
            cgroup_id: bpf_get_current_cgroup_id(),
            netns: 0,
            tgid: (pid_tgid >> 32) as u32,
            tid: pid_tgid as u32,
            uid: bpf_get_current_uid_gid() as u32,
            comm: bpf_get_current_comm().unwrap_or_default(),
            kind: KIND_EXTACK,
            hook: HOOK_EXTACK,
            // The text belongs to a request the task is sending.
            dir: DIR_SEND,
            protocol: 0,
            portid: 0,
            groups: 0,
            peer_portid: 0,
            peer_groups: 0,
            fd: -1,
            call_flags: 0,
            ret_flags: 0,
            len: text_len,
            cap_len: cap,
            flags: if text_len > cap { FLAG_TRUNCATED } else { 0 },
            err: 0,
            msg_index: 0,
        };
    }
    entry.submit(0);
    count(COUNTER_RECORDS, 1);
    Ok(())
}
