//! Attaching the programs in one of the three modes (fentry, kprobe,
//! syscall tracepoints), and unloading what a refused mode left behind.

use aya::{
    Btf as AyaBtf, Ebpf,
    maps::{MapData, ProgramArray},
    programs::{FEntry, FExit, KProbe, ProgramError, RawTracePoint, TracePoint},
};
use nlmon_common::KernelLayout;

use super::{AttachMode, CaptureError, Refusal};
use crate::tracefs;

/// Fills the syscall tracepoint offsets; false when the kernel has no
/// syscall tracepoints (CONFIG_FTRACE_SYSCALLS off).
pub(super) fn set_tracepoint_offsets(kl: &mut KernelLayout) -> bool {
    let args = tracefs::field_offset("syscalls", "sys_enter_sendto", "fd");
    let ret = tracefs::field_offset("syscalls", "sys_exit_sendto", "ret");
    match (args, ret) {
        (Ok(a), Ok(r)) => {
            kl.tp_args = a;
            kl.tp_ret = r;
            true
        }
        (Err(e), _) | (_, Err(e)) => {
            log::debug!("syscall tracepoints unavailable: {e}");
            false
        }
    }
}

/// Offset of `msg` in the `netlink:netlink_extack` record, from its format
/// file; `None` (logged) when the kernel has no such tracepoint.
pub(super) fn extack_msg_offset() -> Option<u32> {
    tracefs::field_offset(EXTACK_CATEGORY, EXTACK_EVENT, "msg")
        .inspect_err(|e| log::debug!("{e}"))
        .ok()
}

const EXTACK_CATEGORY: &str = "netlink";
const EXTACK_EVENT: &str = "netlink_extack";

/// Attaches the `netlink:netlink_extack` tracepoint, whichever mode carries
/// the messages: the kernel's reason for a failure reaches nlmon even when
/// the requester did not set `NETLINK_EXT_ACK`. Without it nlmon still
/// works, failures are only explained when the requester asked; so a
/// refusal is logged, not fatal. Returns whether it is attached.
pub(super) fn attach_extack(ebpf: &mut Ebpf, offset: Option<u32>) -> bool {
    let name = "netlink_extack";
    let r = (|| {
        if offset.is_none() {
            return Err(format!(
                "the kernel has no {EXTACK_CATEGORY}:{EXTACK_EVENT} tracepoint"
            ));
        }
        let p: &mut TracePoint = program(ebpf, name)?;
        p.load()
            .map_err(|e| format!("loading {name}: {}", chain(&e)))?;
        p.attach(EXTACK_CATEGORY, EXTACK_EVENT)
            .map_err(|e| format!("attaching {name}: {}", chain(&e)))?;
        Ok(())
    })();
    match r {
        Ok(()) => true,
        Err(why) => {
            log::warn!("failures are explained only to programs that ask (NETLINK_EXT_ACK): {why}");
            false
        }
    }
}

/// The two kernel functions every kernel-side mode hooks.
const SENDMSG: &str = "netlink_sendmsg";
const RECVMSG: &str = "netlink_recvmsg";

/// Syscall tracepoints: (program, tracepoints it is attached to).
const TRACEPOINTS: &[(&str, &[&str])] = &[
    ("sys_enter_sendto", &["sys_enter_sendto"]),
    ("sys_enter_sendmsg", &["sys_enter_sendmsg"]),
    ("sys_enter_sendmmsg", &["sys_enter_sendmmsg"]),
    ("sys_enter_write", &["sys_enter_write"]),
    ("sys_enter_recvfrom", &["sys_enter_recvfrom"]),
    ("sys_enter_recvmsg", &["sys_enter_recvmsg"]),
    ("sys_enter_recvmmsg", &["sys_enter_recvmmsg"]),
    ("sys_enter_read", &["sys_enter_read"]),
    (
        "sys_exit_buf",
        &[
            "sys_exit_sendto",
            "sys_exit_write",
            "sys_exit_recvfrom",
            "sys_exit_read",
        ],
    ),
    ("sys_exit_msg", &["sys_exit_sendmsg", "sys_exit_recvmsg"]),
    ("sys_exit_mmsg", &["sys_exit_sendmmsg", "sys_exit_recvmmsg"]),
];

/// Attaches in the requested mode, or for `Auto` the first that works.
pub(super) fn attach(
    ebpf: &mut Ebpf,
    want: AttachMode,
    tracepoints_ok: bool,
) -> Result<(AttachMode, Vec<Refusal>), CaptureError> {
    let order: &[AttachMode] = match want {
        AttachMode::Auto => &[
            AttachMode::Fentry,
            AttachMode::Kprobe,
            AttachMode::Tracepoint,
        ],
        AttachMode::Fentry => &[AttachMode::Fentry],
        AttachMode::Kprobe => &[AttachMode::Kprobe],
        AttachMode::Tracepoint => &[AttachMode::Tracepoint],
    };
    let mut refused = Vec::new();
    for &mode in order {
        let r = match mode {
            AttachMode::Fentry => attach_fentry(ebpf),
            AttachMode::Kprobe => attach_kprobe(ebpf),
            AttachMode::Tracepoint if !tracepoints_ok => {
                Err("the kernel has no syscall tracepoints (CONFIG_FTRACE_SYSCALLS)".into())
            }
            AttachMode::Tracepoint => attach_tracepoints(ebpf),
            AttachMode::Auto => continue,
        };
        match r {
            Ok(()) => return Ok((mode, refused)),
            Err(reason) => {
                unload_mode(ebpf, mode);
                refused.push(Refusal { mode, reason });
            }
        }
    }
    Err(CaptureError::NothingAttachable { refused })
}

/// A program error with its whole cause chain (aya's top level error is
/// often just "the BPF_PROG_LOAD syscall failed").
fn chain(e: &ProgramError) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

pub(super) fn program<'a, T: 'a>(ebpf: &'a mut Ebpf, name: &str) -> Result<&'a mut T, String>
where
    &'a mut T: TryFrom<&'a mut aya::programs::Program, Error = ProgramError>,
{
    let p = ebpf
        .program_mut(name)
        .ok_or_else(|| format!("no program {name} in the object"))?;
    p.try_into()
        .map_err(|e: ProgramError| format!("{name}: {}", chain(&e)))
}

fn attach_fentry(ebpf: &mut Ebpf) -> Result<(), String> {
    let btf = AyaBtf::from_sys_fs().map_err(|e| format!("kernel BTF: {e}"))?;
    for (name, func) in [
        ("fentry_netlink_sendmsg", SENDMSG),
        ("fentry_netlink_recvmsg", RECVMSG),
    ] {
        let p: &mut FEntry = program(ebpf, name)?;
        p.load(func, &btf)
            .map_err(|e| format!("loading {name}: {}", chain(&e)))?;
        p.attach()
            .map_err(|e| format!("attaching {name}: {}", chain(&e)))?;
    }
    for (name, func) in [
        ("fexit_netlink_sendmsg", SENDMSG),
        ("fexit_netlink_recvmsg", RECVMSG),
    ] {
        let p: &mut FExit = program(ebpf, name)?;
        p.load(func, &btf)
            .map_err(|e| format!("loading {name}: {}", chain(&e)))?;
        p.attach()
            .map_err(|e| format!("attaching {name}: {}", chain(&e)))?;
    }
    Ok(())
}

pub(super) fn attach_fork(ebpf: &mut Ebpf) -> Result<(), String> {
    let name = "sched_process_fork";
    let p: &mut RawTracePoint = program(ebpf, name)?;
    p.load()
        .map_err(|e| format!("loading {name}: {}", chain(&e)))?;
    p.attach(name)
        .map_err(|e| format!("attaching {name}: {}", chain(&e)))?;
    Ok(())
}

fn attach_kprobe(ebpf: &mut Ebpf) -> Result<(), String> {
    for (name, funcs) in [
        ("kprobe_netlink_sendmsg", &[SENDMSG][..]),
        ("kprobe_netlink_recvmsg", &[RECVMSG][..]),
        ("kretprobe_netlink", &[SENDMSG, RECVMSG][..]),
    ] {
        let p: &mut KProbe = program(ebpf, name)?;
        p.load()
            .map_err(|e| format!("loading {name}: {}", chain(&e)))?;
        for f in funcs {
            p.attach(f, 0)
                .map_err(|e| format!("attaching {name} to {f}: {}", chain(&e)))?;
        }
    }
    Ok(())
}

fn attach_tracepoints(ebpf: &mut Ebpf) -> Result<(), String> {
    // sys_exit_mmsg tail-calls mmsg_step: load it and fill its slot first.
    let step: &mut TracePoint = program(ebpf, "mmsg_step")?;
    step.load()
        .map_err(|e| format!("loading mmsg_step: {}", chain(&e)))?;
    let fd = step
        .fd()
        .and_then(|fd| fd.try_clone().map_err(ProgramError::from))
        .map_err(|e| format!("mmsg_step: {}", chain(&e)))?;
    let map = ebpf
        .map_mut("TAIL_CALLS")
        .ok_or("no map TAIL_CALLS in the object")?;
    let mut tail: ProgramArray<&mut MapData> =
        ProgramArray::try_from(map).map_err(|e| format!("TAIL_CALLS: {e}"))?;
    tail.set(0, &fd, 0)
        .map_err(|e| format!("TAIL_CALLS: {e}"))?;
    for (name, tps) in TRACEPOINTS {
        let p: &mut TracePoint = program(ebpf, name)?;
        p.load()
            .map_err(|e| format!("loading {name}: {}", chain(&e)))?;
        for tp in *tps {
            p.attach("syscalls", tp)
                .map_err(|e| format!("attaching {name} to syscalls:{tp}: {}", chain(&e)))?;
        }
    }
    Ok(())
}

/// Unloads (and so detaches) whatever a failed mode left loaded. Programs
/// that never loaded are skipped; an unload error leaves nothing attached
/// that matters, so it is only logged.
fn unload_mode(ebpf: &mut Ebpf, mode: AttachMode) {
    fn unload<'a, T: 'a>(
        ebpf: &'a mut Ebpf,
        name: &str,
        f: impl FnOnce(&'a mut T) -> Result<(), ProgramError>,
    ) where
        &'a mut T: TryFrom<&'a mut aya::programs::Program, Error = ProgramError>,
    {
        if let Ok(p) = program::<T>(ebpf, name)
            && let Err(e) = f(p)
        {
            log::debug!("unloading {name}: {}", chain(&e));
        }
    }
    match mode {
        AttachMode::Fentry => {
            unload::<FEntry>(ebpf, "fentry_netlink_sendmsg", FEntry::unload);
            unload::<FEntry>(ebpf, "fentry_netlink_recvmsg", FEntry::unload);
            unload::<FExit>(ebpf, "fexit_netlink_sendmsg", FExit::unload);
            unload::<FExit>(ebpf, "fexit_netlink_recvmsg", FExit::unload);
        }
        AttachMode::Kprobe => {
            for name in [
                "kprobe_netlink_sendmsg",
                "kprobe_netlink_recvmsg",
                "kretprobe_netlink",
            ] {
                unload::<KProbe>(ebpf, name, KProbe::unload);
            }
        }
        AttachMode::Tracepoint => {
            for (name, _) in TRACEPOINTS {
                unload::<TracePoint>(ebpf, name, TracePoint::unload);
            }
            unload::<TracePoint>(ebpf, "mmsg_step", TracePoint::unload);
        }
        AttachMode::Auto => {}
    }
}
