//! Following the descendants of traced processes (`nlmon -- CMD`).

use aya_ebpf::{helpers::bpf_get_current_pid_tgid, programs::RawTracePointContext};

use crate::{
    kmem::{Res, kread},
    maps::{PID_FILTER, config},
    off,
};

/// `sched_process_fork(struct task_struct *parent, struct task_struct *child)`,
/// called from `kernel_clone()` before `wake_up_new_task()`: the child is in
/// the filter before it runs its first instruction.
#[inline(always)]
pub fn on_fork(ctx: &RawTracePointContext) -> Res<()> {
    if config().filter_pid == 0 {
        return Ok(());
    }
    // The parent is current (the tracepoint fires in the forking task).
    let parent = (bpf_get_current_pid_tgid() >> 32) as u32;
    // SAFETY: the value is only tested for presence.
    if unsafe { PID_FILTER.get(parent) }.is_none() {
        return Ok(());
    }
    let child: u64 = ctx.arg(1);
    let tgid: i32 = kread(child, off!(task_tgid))?;
    // A new thread shares its parent's tgid, which is already there.
    if tgid as u32 == parent {
        return Ok(());
    }
    PID_FILTER.insert(tgid as u32, 1, 0).map_err(|e| e as i64)
}
