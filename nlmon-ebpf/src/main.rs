//! nlmon's eBPF programs. Three ways to see the same traffic, chosen by
//! userspace at attach time: kprobes, fentry/fexit (cheaper), or syscall
//! tracepoints where the kernel has neither. In every mode the
//! `netlink:netlink_extack` tracepoint adds the kernel's reason for failures.
#![no_std]
#![no_main]
#![feature(core_intrinsics)]
#![expect(internal_features, reason = "atomic_xadd: see maps::count")]

mod capture;
mod extack;
mod fork;
mod kmem;
mod maps;
mod netlink;
mod sock;
mod syscalls;

use aya_ebpf::{
    EbpfContext,
    macros::{fentry, fexit, kprobe, kretprobe, raw_tracepoint, tracepoint},
    programs::{
        FEntryContext, FExitContext, ProbeContext, RawTracePointContext, RetProbeContext,
        TracePointContext,
    },
};
use nlmon_common::{
    HOOK_NETLINK_RECVMSG, HOOK_NETLINK_SENDMSG, HOOK_READ, HOOK_RECVFROM, HOOK_RECVMMSG,
    HOOK_RECVMSG, HOOK_SENDMMSG, HOOK_SENDMSG, HOOK_SENDTO, HOOK_WRITE,
};

/// Reports an unexpected failure (a kernel or user read that should not
/// fail, a full map) through aya-log: never silently. Normal "not ours"
/// paths return Ok.
#[inline(always)]
fn report<C: EbpfContext>(ctx: &C, what: &str, r: kmem::Res<()>) {
    if let Err(e) = r {
        aya_log_ebpf::warn!(ctx, "nlmon {}: error {}", what, e);
    }
}

// kprobes: netlink_sendmsg(sock, msg, len), netlink_recvmsg(sock, msg, len, flags).

#[kprobe]
pub fn kprobe_netlink_sendmsg(ctx: ProbeContext) -> u32 {
    let a = |n| ctx.arg::<u64>(n).unwrap_or(0);
    report(
        &ctx,
        "netlink_sendmsg entry",
        netlink::enter(HOOK_NETLINK_SENDMSG, a(0), a(1), a(2), 0),
    );
    0
}

#[kprobe]
pub fn kprobe_netlink_recvmsg(ctx: ProbeContext) -> u32 {
    let a = |n| ctx.arg::<u64>(n).unwrap_or(0);
    report(
        &ctx,
        "netlink_recvmsg entry",
        netlink::enter(HOOK_NETLINK_RECVMSG, a(0), a(1), a(2), a(3)),
    );
    0
}

#[kretprobe]
pub fn kretprobe_netlink(ctx: RetProbeContext) -> u32 {
    report(&ctx, "netlink exit", netlink::exit(ctx.ret::<i32>() as i64));
    0
}

// fentry/fexit: the same, with arguments from BTF.

#[fentry(function = "netlink_sendmsg")]
pub fn fentry_netlink_sendmsg(ctx: FEntryContext) -> u32 {
    report(
        &ctx,
        "netlink_sendmsg entry",
        netlink::enter(HOOK_NETLINK_SENDMSG, ctx.arg(0), ctx.arg(1), ctx.arg(2), 0),
    );
    0
}

#[fentry(function = "netlink_recvmsg")]
pub fn fentry_netlink_recvmsg(ctx: FEntryContext) -> u32 {
    let r = netlink::enter(
        HOOK_NETLINK_RECVMSG,
        ctx.arg(0),
        ctx.arg(1),
        ctx.arg(2),
        ctx.arg(3),
    );
    report(&ctx, "netlink_recvmsg entry", r);
    0
}

#[fexit(function = "netlink_sendmsg")]
pub fn fexit_netlink_sendmsg(ctx: FExitContext) -> u32 {
    let r: i32 = ctx.arg(3);
    report(&ctx, "netlink exit", netlink::exit(r as i64));
    0
}

#[fexit(function = "netlink_recvmsg")]
pub fn fexit_netlink_recvmsg(ctx: FExitContext) -> u32 {
    let r: i32 = ctx.arg(4);
    report(&ctx, "netlink exit", netlink::exit(r as i64));
    0
}

// Syscall tracepoints.

macro_rules! sys_enter {
    ($name:ident, $hook:expr) => {
        #[tracepoint]
        pub fn $name(ctx: TracePointContext) -> u32 {
            report(&ctx, stringify!($name), syscalls::enter(&ctx, $hook));
            0
        }
    };
}

sys_enter!(sys_enter_sendto, HOOK_SENDTO);
sys_enter!(sys_enter_sendmsg, HOOK_SENDMSG);
sys_enter!(sys_enter_sendmmsg, HOOK_SENDMMSG);
sys_enter!(sys_enter_write, HOOK_WRITE);
sys_enter!(sys_enter_recvfrom, HOOK_RECVFROM);
sys_enter!(sys_enter_recvmsg, HOOK_RECVMSG);
sys_enter!(sys_enter_recvmmsg, HOOK_RECVMMSG);
sys_enter!(sys_enter_read, HOOK_READ);

/// `sys_exit_{sendto,write,recvfrom,read}`.
#[tracepoint]
pub fn sys_exit_buf(ctx: TracePointContext) -> u32 {
    report(&ctx, "sys_exit_buf", syscalls::exit_buf(&ctx));
    0
}

/// `sys_exit_{sendmsg,recvmsg}`.
#[tracepoint]
pub fn sys_exit_msg(ctx: TracePointContext) -> u32 {
    report(&ctx, "sys_exit_msg", syscalls::exit_msg(&ctx));
    0
}

/// `sys_exit_{sendmmsg,recvmmsg}`.
#[tracepoint]
pub fn sys_exit_mmsg(ctx: TracePointContext) -> u32 {
    report(&ctx, "sys_exit_mmsg", syscalls::exit_mmsg(&ctx));
    0
}

/// Tail-called by `sys_exit_mmsg` (never attached).
#[tracepoint]
pub fn mmsg_step(ctx: TracePointContext) -> u32 {
    report(&ctx, "mmsg_step", syscalls::mmsg_step(&ctx));
    0
}

/// `netlink:netlink_extack`, attached in every mode: the kernel's reason
/// for a failure, for programs that did not ask for it.
#[tracepoint]
pub fn netlink_extack(ctx: TracePointContext) -> u32 {
    report(&ctx, "netlink_extack", extack::on_extack(&ctx));
    0
}

/// Adds the children of traced processes to the pid filter (a full filter
/// map is reported as a warning).
#[raw_tracepoint(tracepoint = "sched_process_fork")]
pub fn sched_process_fork(ctx: RawTracePointContext) -> i32 {
    report(&ctx, "following a fork", fork::on_fork(&ctx));
    0
}

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[unsafe(link_section = "license")]
#[unsafe(no_mangle)]
static LICENSE: [u8; 13] = *b"Dual MIT/GPL\0";
