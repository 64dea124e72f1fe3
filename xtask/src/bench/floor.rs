//! The floor of nlmon's tracepoint mode: the syscall tracepoints nlmon
//! hooks, each with a BPF program that returns at once. What a bystander
//! loses under it is the kernel's own cost (every task on the syscall slow
//! path, a perf trace record built for each hooked call, the program's
//! dispatch), which no change to nlmon's programs can remove.
//!
//! Loaded with the raw `bpf(2)` and `perf_event_open(2)` calls, as aya
//! attaches a tracepoint program (one perf event on CPU 0, any process: the
//! kernel runs a tracepoint's programs on every CPU), so nothing in nlmon
//! carries a benchmark-only switch.

use std::{
    os::fd::{FromRawFd as _, OwnedFd, RawFd},
    path::Path,
};

use anyhow::{Context as _, Result, bail};

/// The tracepoints `--attach tracepoint` uses (nlmon/src/capture.rs).
const SYSCALLS: [&str; 8] = [
    "sendto", "sendmsg", "sendmmsg", "write", "recvfrom", "recvmsg", "recvmmsg", "read",
];

const TRACEFS: [&str; 2] = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

// bpf(2) and perf_event_open(2) constants (linux/bpf.h, linux/perf_event.h).
const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_TYPE_TRACEPOINT: u32 = 5;
const PERF_TYPE_TRACEPOINT: u32 = 2;
const PERF_FLAG_FD_CLOEXEC: libc::c_ulong = 8;
/// `_IOW('$', 8, __u32)`
const PERF_EVENT_IOC_SET_BPF: libc::c_ulong = 0x4004_2408;
/// `_IO('$', 0)`
const PERF_EVENT_IOC_ENABLE: libc::c_ulong = 0x2400;

/// `r0 = 0; exit`
const RETURN_ZERO: [u8; 16] = [0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0];

/// Empty programs attached to every tracepoint nlmon hooks; dropping it
/// detaches them.
pub struct Floor {
    _events: Vec<OwnedFd>,
    _prog: OwnedFd,
}

impl Floor {
    pub fn attach() -> Result<Self> {
        let events_dir = tracefs()?.join("events/syscalls");
        let prog = load_return_zero()?;
        let mut events = Vec::new();
        for call in SYSCALLS {
            for side in ["enter", "exit"] {
                let tp = format!("sys_{side}_{call}");
                let id_file = events_dir.join(&tp).join("id");
                let id: u64 = std::fs::read_to_string(&id_file)
                    .with_context(|| format!("read {}", id_file.display()))?
                    .trim()
                    .parse()
                    .with_context(|| format!("parse {}", id_file.display()))?;
                events.push(attach_one(&prog, id).with_context(|| format!("attach to {tp}"))?);
            }
        }
        Ok(Self {
            _events: events,
            _prog: prog,
        })
    }
}

/// tracefs, mounted if nothing mounted it yet (nlmon does the same).
fn tracefs() -> Result<&'static Path> {
    for dir in TRACEFS {
        if Path::new(dir).join("events/syscalls").is_dir() {
            return Ok(Path::new(dir));
        }
    }
    crate::exec::status(
        std::process::Command::new("mount").args(["-t", "tracefs", "tracefs", TRACEFS[0]]),
    )?;
    if !Path::new(TRACEFS[0]).join("events/syscalls").is_dir() {
        bail!("the kernel has no syscall tracepoints (no {TRACEFS:?}/events/syscalls)");
    }
    Ok(Path::new(TRACEFS[0]))
}

fn owned(fd: libc::c_long, what: &str) -> Result<OwnedFd> {
    if fd < 0 {
        bail!("{what}: {}", std::io::Error::last_os_error());
    }
    // SAFETY: a descriptor the kernel just returned, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

fn load_return_zero() -> Result<OwnedFd> {
    let license = c"GPL";
    // union bpf_attr, BPF_PROG_LOAD part: prog_type @0, insn_cnt @4,
    // insns @8, license @16, prog_name @48; zero elsewhere.
    let mut attr = [0u8; 128];
    attr[0..4].copy_from_slice(&BPF_PROG_TYPE_TRACEPOINT.to_ne_bytes());
    attr[4..8].copy_from_slice(&2u32.to_ne_bytes());
    attr[8..16].copy_from_slice(&(RETURN_ZERO.as_ptr() as u64).to_ne_bytes());
    attr[16..24].copy_from_slice(&(license.as_ptr() as u64).to_ne_bytes());
    attr[48..59].copy_from_slice(b"nlmon_floor");
    // SAFETY: attr and what it points to live across the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            BPF_PROG_LOAD,
            attr.as_ptr(),
            attr.len() as u32,
        )
    };
    owned(fd, "loading an empty tracepoint program")
}

fn attach_one(prog: &OwnedFd, id: u64) -> Result<OwnedFd> {
    use std::os::fd::AsRawFd as _;
    // struct perf_event_attr: type @0, size @4, config @8,
    // sample_period @16, wakeup_events @48; enabled (bit 0 of the flags
    // @40 clear).
    let mut attr = [0u8; 128];
    attr[0..4].copy_from_slice(&PERF_TYPE_TRACEPOINT.to_ne_bytes());
    attr[4..8].copy_from_slice(&128u32.to_ne_bytes());
    attr[8..16].copy_from_slice(&id.to_ne_bytes());
    attr[16..24].copy_from_slice(&1u64.to_ne_bytes());
    attr[48..52].copy_from_slice(&1u32.to_ne_bytes());
    // SAFETY: attr lives across the call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            attr.as_ptr(),
            -1 as libc::pid_t,
            0 as libc::c_int,
            -1 as libc::c_int,
            PERF_FLAG_FD_CLOEXEC,
        )
    };
    let event = owned(fd, "perf_event_open")?;
    // SAFETY: ioctls on a descriptor we own, with an int argument.
    unsafe {
        if libc::ioctl(event.as_raw_fd(), PERF_EVENT_IOC_SET_BPF, prog.as_raw_fd()) != 0 {
            bail!(
                "PERF_EVENT_IOC_SET_BPF: {}",
                std::io::Error::last_os_error()
            );
        }
        if libc::ioctl(event.as_raw_fd(), PERF_EVENT_IOC_ENABLE, 0) != 0 {
            bail!("PERF_EVENT_IOC_ENABLE: {}", std::io::Error::last_os_error());
        }
    }
    Ok(event)
}
