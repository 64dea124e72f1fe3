//! Loading and attaching the eBPF programs, and draining what they record:
//! options and errors, loading and filter maps here; the attach modes in
//! [`attach`], the ring buffer in [`drain`].

mod attach;
mod drain;

use std::fmt;

use aya::{
    Ebpf, EbpfLoader,
    maps::{Array, HashMap, MapData, PerCpuArray, RingBuf},
};
use nlmon_common::{
    COMM_LEN, COUNTER_LOST, COUNTER_MMSG_LIMIT, COUNTER_PENDING_FULL, COUNTER_RECORDS,
    CgroupFilter, Config, DEFAULT_SNAPLEN, MAX_CGROUP_FILTER, MAX_SNAPLEN,
};

use crate::{
    attrib::{Attributor, cgroup},
    btf::{Btf, BtfError},
    layout, privileges,
    tracefs::{self, TracefsError},
};

use self::attach::{attach, attach_extack, attach_fork, extack_msg_offset, set_tracepoint_offsets};

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
    /// Capture only processes in these cgroups or below them (cgroup v2
    /// paths, `/system.slice/x.service`; at most `MAX_CGROUP_FILTER`).
    pub cgroups: Vec<String>,
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
            cgroups: Vec::new(),
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
    #[error(transparent)]
    Cgroup(#[from] cgroup::CgroupError),
    #[error("at most {MAX_CGROUP_FILTER} cgroups can be selected, {given} were")]
    TooManyCgroups { given: usize },
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
    /// The `netlink:netlink_extack` tracepoint is attached.
    extack: bool,
    /// Records that did not parse (a version skew or a bug, never silent).
    pub bad_records: u64,
    /// Names each event's cgroup and network namespace as it is drained.
    attrib: Attributor,
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
        if opts.cgroups.len() > MAX_CGROUP_FILTER as usize {
            return Err(CaptureError::TooManyCgroups {
                given: opts.cgroups.len(),
            });
        }
        let cgroups = opts
            .cgroups
            .iter()
            .map(|p| cgroup::select(p))
            .collect::<Result<Vec<_>, _>>()?;
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
        let extack_offset = extack_msg_offset();

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
            filter_cgroup: cgroups.len() as u32,
        };
        let cpus = aya::util::nr_cpus().unwrap_or(1) as u32;
        let mut ebpf = EbpfLoader::new()
            .override_global("CONFIG", &config, true)
            .override_global("LAYOUT", &kl, true)
            .override_global("EXTACK_MSG_OFFSET", &extack_offset.unwrap_or(0), true)
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
        let mut cgroup_map: Array<_, CgroupFilter> = take_map(&mut ebpf, "CGROUP_FILTER")?;
        for (i, c) in cgroups.iter().enumerate() {
            let sel = CgroupFilter {
                id: c.id,
                level: c.level,
                _pad: 0,
            };
            cgroup_map
                .set(i as u32, sel, 0)
                .map_err(|source| CaptureError::Map {
                    name: "CGROUP_FILTER",
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
        let extack = attach_extack(&mut ebpf, extack_offset);
        release_freed_memory();
        Ok(Self {
            ring,
            logger,
            pids,
            counters,
            mode,
            refused,
            extack,
            bad_records: 0,
            attrib: Attributor::new(),
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

    /// Whether the kernel's reasons for failures are captured for every
    /// program (the `netlink:netlink_extack` tracepoint is attached).
    pub fn explains_failures(&self) -> bool {
        self.extack
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
