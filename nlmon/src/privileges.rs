//! What the process may do, to explain failures before the kernel does.

use std::fs;

pub const CAP_SYS_ADMIN: u32 = 21;
pub const CAP_PERFMON: u32 = 38;
pub const CAP_BPF: u32 = 39;

/// The effective capability set (`CapEff` in /proc/self/status).
pub fn effective() -> u64 {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapEff:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .unwrap_or(0)
}

pub fn has(caps: u64, cap: u32) -> bool {
    caps & (1 << cap) != 0
}

/// Why this process cannot load eBPF programs at all, if it cannot.
pub fn missing_for_capture() -> Option<String> {
    let caps = effective();
    if has(caps, CAP_SYS_ADMIN) || (has(caps, CAP_BPF) && has(caps, CAP_PERFMON)) {
        return None;
    }
    Some(
        "nlmon needs root, or CAP_BPF and CAP_PERFMON (plus CAP_SYS_ADMIN for kprobes where \
         kernel.perf_event_paranoid > 2): run it with sudo"
            .into(),
    )
}
