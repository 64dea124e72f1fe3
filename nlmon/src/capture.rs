//! Loading and attaching the eBPF programs, and draining what they record.

use std::{fmt, os::fd::AsRawFd};

use aya::{
    Btf as AyaBtf, Ebpf, EbpfLoader,
    maps::{HashMap, MapData, PerCpuArray, ProgramArray, RingBuf},
    programs::{FEntry, FExit, KProbe, ProgramError, RawTracePoint, TracePoint},
};
use nlmon_common::{
    COMM_LEN, COUNTER_LOST, COUNTER_MMSG_LIMIT, COUNTER_PENDING_FULL, COUNTER_RECORDS, Config,
    DEFAULT_SNAPLEN, KernelLayout, MAX_SNAPLEN,
};

use crate::{
    btf::{Btf, BtfError},
    event::Event,
    layout, privileges,
    tracefs::{self, TracefsError},
};

/// Events handed on at once by [`Capture::drain_batches`]. An `Event`
/// with its bytes is a few hundred bytes, so a batch is well under a
/// megabyte, and large enough that the per-batch work (a write of the
/// output buffer) stays small per event.
pub const BATCH: usize = 512;

/// The eBPF object built by build.rs.
static EBPF_OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/nlmon"));

/// How the programs are attached.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AttachMode {
    /// The best the kernel allows: fentry, then kprobe, then tracepoint.
    Auto,
    /// kprobe + kretprobe on netlink_sendmsg/netlink_recvmsg.
    Kprobe,
    /// fentry + fexit on netlink_sendmsg/netlink_recvmsg.
    Fentry,
    /// Syscall tracepoints (sendto, sendmsg, sendmmsg, write, and their
    /// receive counterparts), recognising netlink sockets by fd.
    Tracepoint,
}

impl fmt::Display for AttachMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Kprobe => "kprobe",
            Self::Fentry => "fentry",
            Self::Tracepoint => "tracepoint",
        })
    }
}

/// What to capture and how.
#[derive(Clone, Debug)]
pub struct Options {
    pub attach: AttachMode,
    /// Bytes kept per message (1 ..= 65536).
    pub snaplen: u32,
    /// Ring buffer size in bytes (a power of two, at least a page).
    pub ring_size: u32,
    /// Capture only these tgids (more can be added while running with
    /// [`Capture::add_pid`] when `pid_filter` is set).
    pub pids: Vec<u32>,
    pub pid_filter: bool,
    /// Add the children of processes in the pid filter to it as they are
    /// forked (and drop exited ones with [`Capture::prune_exited`]).
    pub follow_forks: bool,
    /// Capture only processes with these names (the first 15 bytes count).
    pub comms: Vec<String>,
    /// Capture only these netlink protocols.
    pub protocols: Vec<u32>,
    /// Capture only these directions (`DIR_SEND`, `DIR_RECV`).
    pub dirs: Vec<u8>,
    /// Capture only sockets in these network namespaces (inodes).
    pub netns: Vec<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            attach: AttachMode::Auto,
            snaplen: DEFAULT_SNAPLEN,
            ring_size: 8 << 20,
            pids: Vec::new(),
            pid_filter: false,
            follow_forks: false,
            comms: Vec::new(),
            protocols: Vec::new(),
            dirs: Vec::new(),
            netns: Vec::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error("{0}")]
    Privileges(String),
    #[error(
        "cannot read the kernel's BTF at {path}: {source} (nlmon needs a kernel built with \
         CONFIG_DEBUG_INFO_BTF=y)"
    )]
    NoBtf {
        path: &'static str,
        source: BtfError,
    },
    #[error("the running kernel's layout is not one nlmon understands: {0}")]
    Layout(BtfError),
    #[error(transparent)]
    Tracefs(#[from] TracefsError),
    #[error("snapshot length {snaplen} is outside 1..={MAX_SNAPLEN}")]
    Snaplen { snaplen: u32 },
    #[error("ring buffer size {size} is not a power of two of at least 4096 bytes")]
    RingSize { size: u32 },
    #[error("cannot load nlmon's eBPF object: {0}")]
    Load(#[from] aya::EbpfError),
    #[error("eBPF map {name}: {source}")]
    Map {
        name: &'static str,
        source: aya::maps::MapError,
    },
    #[error("the eBPF object has no program or map named {name}")]
    Missing { name: &'static str },
    #[error("cannot follow forks (raw tracepoint sched_process_fork): {reason}")]
    Fork { reason: String },
    #[error("no way to attach on this kernel:\n{}", refusals(.refused))]
    NothingAttachable { refused: Vec<Refusal> },
}

fn refusals(r: &[Refusal]) -> String {
    r.iter()
        .map(|r| format!("  {}: {}", r.mode, r.reason))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A mode that could not be attached, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    pub mode: AttachMode,
    pub reason: String,
}

/// Totals of the kernel side's per-CPU counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counters {
    /// Records produced.
    pub records: u64,
    /// Records lost because the ring buffer was full.
    pub lost: u64,
    /// Messages beyond the per-call limit of sendmmsg/recvmmsg.
    pub mmsg_limit: u64,
    /// Calls that could not be tracked from entry to exit.
    pub pending_full: u64,
}

/// A running capture: programs attached, ring buffer ready to drain.
/// Dropping it detaches and unloads everything.
pub struct Capture {
    ring: RingBuf<MapData>,
    /// Warnings the programs send through aya-log (unexpected failures).
    logger: Option<aya_log::EbpfLogger<&'static dyn log::Log>>,
    pids: HashMap<MapData, u32, u8>,
    counters: PerCpuArray<MapData, u64>,
    mode: AttachMode,
    refused: Vec<Refusal>,
    /// Records that did not parse (a version skew or a bug, never silent).
    pub bad_records: u64,
    // Last: dropped after the maps taken from it.
    _ebpf: Ebpf,
}

impl Capture {
    /// Loads, configures and attaches the programs.
    pub fn start(opts: &Options) -> Result<Self, CaptureError> {
        if let Some(why) = privileges::missing_for_capture() {
            return Err(CaptureError::Privileges(why));
        }
        if opts.snaplen == 0 || opts.snaplen > MAX_SNAPLEN {
            return Err(CaptureError::Snaplen {
                snaplen: opts.snaplen,
            });
        }
        if !opts.ring_size.is_power_of_two() || opts.ring_size < 4096 {
            return Err(CaptureError::RingSize {
                size: opts.ring_size,
            });
        }
        tracefs::ensure_tracefs()?;
        if let Err(e) = tracefs::ensure_bpffs() {
            log::debug!("{e}");
        }
        // The parsed BTF (several MB) goes before aya's loader parses its
        // own copy: both at once were most of the start-up's peak memory.
        let mut kl = {
            let btf =
                Btf::from_file(layout::VMLINUX_BTF).map_err(|source| CaptureError::NoBtf {
                    path: layout::VMLINUX_BTF,
                    source,
                })?;
            layout::from_btf(&btf).map_err(CaptureError::Layout)?
        };
        let tracepoints_ok = set_tracepoint_offsets(&mut kl);

        let mut protocols = 0u32;
        for &p in &opts.protocols {
            protocols |= 1 << (p % 32);
        }
        let config = Config {
            self_tgid: std::process::id(),
            snaplen: opts.snaplen,
            filter_pid: u32::from(opts.pid_filter || !opts.pids.is_empty()),
            filter_comm: u32::from(!opts.comms.is_empty()),
            protocols,
            dirs: opts.dirs.iter().fold(0, |m, &d| m | 1 << (d & 7)),
            filter_netns: u32::from(!opts.netns.is_empty()),
            _pad: 0,
        };
        let cpus = aya::util::nr_cpus().unwrap_or(1) as u32;
        let mut ebpf = EbpfLoader::new()
            .override_global("CONFIG", &config, true)
            .override_global("LAYOUT", &kl, true)
            .map_max_entries("SCRATCH", cpus)
            .map_max_entries("EVENTS", opts.ring_size)
            .load(EBPF_OBJECT)?;

        let mut pids: HashMap<_, u32, u8> = take_map(&mut ebpf, "PID_FILTER")?;
        for &pid in &opts.pids {
            pids.insert(pid, 1, 0).map_err(|source| CaptureError::Map {
                name: "PID_FILTER",
                source,
            })?;
        }
        let mut comms: HashMap<_, [u8; COMM_LEN], u8> = take_map(&mut ebpf, "COMM_FILTER")?;
        for c in &opts.comms {
            comms
                .insert(comm_key(c), 1, 0)
                .map_err(|source| CaptureError::Map {
                    name: "COMM_FILTER",
                    source,
                })?;
        }
        let mut netns: HashMap<_, u32, u8> = take_map(&mut ebpf, "NETNS_FILTER")?;
        for &n in &opts.netns {
            netns.insert(n, 1, 0).map_err(|source| CaptureError::Map {
                name: "NETNS_FILTER",
                source,
            })?;
        }
        let ring: RingBuf<_> = take_map(&mut ebpf, "EVENTS")?;
        let logger = aya_log::EbpfLogger::init(&mut ebpf)
            .inspect_err(|e| log::warn!("eBPF-side warnings will not be shown: {e}"))
            .ok();
        let counters: PerCpuArray<_, u64> = take_map(&mut ebpf, "COUNTERS_MAP")?;

        if opts.follow_forks {
            attach_fork(&mut ebpf).map_err(|reason| CaptureError::Fork { reason })?;
        }
        let (mode, refused) = attach(&mut ebpf, opts.attach, tracepoints_ok)?;
        for r in &refused {
            log::info!("{} not used: {}", r.mode, r.reason);
        }
        log::info!("attached with {mode}");
        release_freed_memory();
        Ok(Self {
            ring,
            logger,
            pids,
            counters,
            mode,
            refused,
            bad_records: 0,
            _ebpf: ebpf,
        })
    }

    /// The mode in use.
    pub fn mode(&self) -> AttachMode {
        self.mode
    }

    /// Better modes that were tried and refused, with the kernel's reason.
    pub fn refused(&self) -> &[Refusal] {
        &self.refused
    }

    /// Adds a tgid to the pid filter while running.
    pub fn add_pid(&mut self, pid: u32) -> Result<(), CaptureError> {
        self.pids
            .insert(pid, 1, 0)
            .map_err(|source| CaptureError::Map {
                name: "PID_FILTER",
                source,
            })
    }

    /// The tgids now in the pid filter.
    pub fn filtered_pids(&self) -> Vec<u32> {
        self.pids.keys().filter_map(Result::ok).collect()
    }

    /// Removes the tgids of processes that have exited from the pid filter,
    /// so that followed forks do not fill it. A process whose leader thread
    /// exited first stays in /proc (as a zombie leader) until its last
    /// thread ends, so it is kept while any of its threads runs.
    pub fn prune_exited(&mut self) {
        let gone: Vec<u32> = self
            .filtered_pids()
            .into_iter()
            .filter(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
            .collect();
        for pid in gone {
            if let Err(e) = self.pids.remove(&pid) {
                log::debug!("removing exited {pid} from the pid filter: {e}");
            }
        }
    }

    /// The ring buffer's descriptor, to wait on (epoll says readable when
    /// records are there).
    pub fn fd(&self) -> std::os::fd::RawFd {
        self.ring.as_raw_fd()
    }

    /// Moves every record now in the ring buffer into `out`; returns how
    /// many it moved. Holds them all at once: for tests and one-off reads;
    /// a capture loop uses [`Capture::drain_batches`].
    pub fn drain(&mut self, out: &mut Vec<Event>) -> usize {
        self.flush_logs();
        let before = out.len();
        while self.drain_some(out, usize::MAX) {}
        out.len() - before
    }

    /// Hands what the ring buffer holds to `consume` in batches of at most
    /// [`BATCH`] events, so the events held at once (nlmon's peak memory)
    /// do not grow with the ring's size. `consume` gets each batch and
    /// returns whether to go on; the batch is cleared after it. Stops after
    /// `max_batches` so that a ring refilled as fast as it is read does not
    /// keep the caller from its timers and signals.
    ///
    /// Returns true when the ring was emptied (the caller may wait for the
    /// next wake-up), false when records may be left.
    pub fn drain_batches<E>(
        &mut self,
        batch: &mut Vec<Event>,
        max_batches: usize,
        mut consume: impl FnMut(&mut Vec<Event>) -> Result<bool, E>,
    ) -> Result<bool, E> {
        self.flush_logs();
        for _ in 0..max_batches {
            let more = self.drain_some(batch, BATCH);
            let go_on = consume(batch)?;
            batch.clear();
            if !more {
                return Ok(true);
            }
            if !go_on {
                return Ok(false);
            }
        }
        Ok(false)
    }

    /// Moves at most `max` records from the ring buffer into `out`; true
    /// when it stopped at `max` (more may be waiting). Each record's space
    /// goes back to the kernel as soon as it is parsed.
    fn drain_some(&mut self, out: &mut Vec<Event>, max: usize) -> bool {
        let mut taken = 0;
        while taken < max {
            let Some(item) = self.ring.next() else {
                return false;
            };
            taken += 1;
            match Event::try_from(&item[..]) {
                Ok(ev) => out.push(ev),
                Err(e) => {
                    self.bad_records += 1;
                    log::warn!("dropping a record: {e}");
                }
            }
        }
        true
    }

    /// Passes on the warnings the programs sent.
    pub fn flush_logs(&mut self) {
        if let Some(logger) = &mut self.logger {
            logger.flush();
        }
    }

    /// Sums the kernel side's per-CPU counters.
    pub fn counters(&self) -> Counters {
        let sum = |i: u32| {
            self.counters
                .get(&i, 0)
                .map(|v| v.iter().sum::<u64>())
                .unwrap_or_else(|e| {
                    log::warn!("reading counter {i}: {e}");
                    0
                })
        };
        Counters {
            records: sum(COUNTER_RECORDS),
            lost: sum(COUNTER_LOST),
            mmsg_limit: sum(COUNTER_MMSG_LIMIT),
            pending_full: sum(COUNTER_PENDING_FULL),
        }
    }
}

/// Gives the memory start-up freed (three parses of the kernel's BTF, the
/// verifier logs) back to the system. glibc keeps freed heap memory mapped,
/// and after a multi-megabyte buffer is freed it raises its threshold for
/// serving large allocations from fresh mappings, so without this an idle
/// nlmon kept about 16 MB it no longer used.
fn release_freed_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only returns free memory of the allocator.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The `COMM_FILTER` key of a process name: the kernel keeps 15 bytes and a
/// NUL.
pub fn comm_key(comm: &str) -> [u8; COMM_LEN] {
    let mut key = [0u8; COMM_LEN];
    let b = comm.as_bytes();
    let n = b.len().min(COMM_LEN - 1);
    key[..n].copy_from_slice(&b[..n]);
    key
}

fn take_map<T>(ebpf: &mut Ebpf, name: &'static str) -> Result<T, CaptureError>
where
    T: TryFrom<aya::maps::Map, Error = aya::maps::MapError>,
{
    let map = ebpf.take_map(name).ok_or(CaptureError::Missing { name })?;
    T::try_from(map).map_err(|source| CaptureError::Map { name, source })
}

/// Fills the syscall tracepoint offsets; false when the kernel has no
/// syscall tracepoints (CONFIG_FTRACE_SYSCALLS off).
fn set_tracepoint_offsets(kl: &mut KernelLayout) -> bool {
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
fn attach(
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

fn program<'a, T: 'a>(ebpf: &'a mut Ebpf, name: &str) -> Result<&'a mut T, String>
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

fn attach_fork(ebpf: &mut Ebpf) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comm_keys_match_the_kernel() {
        assert_eq!(&comm_key("ip")[..3], b"ip\0");
        let long = comm_key("a-very-long-process-name");
        assert_eq!(&long[..15], b"a-very-long-pro");
        assert_eq!(long[15], 0);
    }
}
