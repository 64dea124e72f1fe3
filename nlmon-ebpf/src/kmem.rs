//! Reading kernel and user memory at offsets known only at run time.

use aya_ebpf::helpers::{bpf_probe_read_kernel, bpf_probe_read_user};
use nlmon_common::config::NO_OFFSET;

/// Errors are plain codes: the programs only need to stop.
pub type Res<T> = Result<T, i64>;

/// Reads a `T` at `base + off` in kernel memory.
#[inline(always)]
pub fn kread<T>(base: u64, off: u32) -> Res<T> {
    if base == 0 || off == NO_OFFSET {
        return Err(-1);
    }
    // SAFETY: bpf_probe_read_kernel tolerates any address.
    unsafe { bpf_probe_read_kernel((base + off as u64) as *const T) }.map_err(|e| e as i64)
}

/// Reads a `T` at `addr` in the current process's memory.
#[inline(always)]
pub fn uread<T>(addr: u64) -> Res<T> {
    if addr == 0 {
        return Err(-1);
    }
    // SAFETY: bpf_probe_read_user tolerates any address.
    unsafe { bpf_probe_read_user(addr as *const T) }.map_err(|e| e as i64)
}
