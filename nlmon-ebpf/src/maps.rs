//! Maps and globals shared by every program.

use core::intrinsics::{AtomicOrdering, atomic_xadd};

use aya_ebpf::{
    helpers::bpf_get_current_pid_tgid,
    macros::map,
    maps::{Array, HashMap, LruHashMap, PerCpuArray, ProgramArray, RingBuf},
};
use nlmon_common::{
    COMM_LEN, COUNTERS, CgroupFilter, Config, KernelLayout, MAX_CGROUP_FILTER, Scratch,
};

/// Set by userspace before load (`EbpfLoader::override_global`).
#[unsafe(no_mangle)]
pub static CONFIG: Config = Config {
    self_tgid: 0,
    snaplen: 0,
    filter_pid: 0,
    filter_comm: 0,
    protocols: 0,
    dirs: 0,
    filter_netns: 0,
    filter_cgroup: 0,
};

/// Set by userspace before load from the running kernel's BTF.
#[unsafe(no_mangle)]
pub static LAYOUT: KernelLayout = KernelLayout {
    task_files: 0,
    files_fdt: 0,
    fdt_max_fds: 0,
    fdt_fd: 0,
    file_inode: 0,
    file_private_data: 0,
    inode_mode: 0,
    socket_sk: 0,
    sk_family: 0,
    sk_protocol: 0,
    sk_net: 0,
    net_inum: 0,
    nlk_portid: 0,
    nlk_dst_portid: 0,
    nlk_dst_group: 0,
    nlk_groups: 0,
    msghdr_name: 0,
    msghdr_iter: 0,
    msghdr_flags: 0,
    iter_type: 0,
    iter_iov_offset: 0,
    iter_count: 0,
    iter_ptr: 0,
    iter_nr_segs: 0,
    iter_iovec: 0,
    iter_ubuf: 0,
    tp_args: 0,
    tp_ret: 0,
    task_tgid: 0,
};

/// Globals are read volatile: the compiler must not fold the placeholder
/// values above into the code.
#[inline(always)]
pub fn config() -> Config {
    // SAFETY: a plain read of a static.
    unsafe { core::ptr::read_volatile(&CONFIG) }
}

#[inline(always)]
pub fn layout() -> &'static KernelLayout {
    &LAYOUT
}

/// Reads one field of the layout without letting the compiler fold it.
#[macro_export]
macro_rules! off {
    ($field:ident) => {{
        #[allow(unused_unsafe, reason = "the macro is also used inside unsafe blocks")]
        // SAFETY: a plain read of a static.
        let v = unsafe { core::ptr::read_volatile(&$crate::maps::layout().$field) };
        v
    }};
}

/// Records for userspace. Its size is set by userspace (`--ring-size`).
#[map]
pub static EVENTS: RingBuf = RingBuf::with_byte_size(1 << 23, 0);

/// One record under construction per CPU. `max_entries` is set by userspace
/// to the number of possible CPUs. (A per-CPU array cannot hold it: per-CPU
/// values are limited to 32 KiB.)
#[map]
pub static SCRATCH: Array<Scratch> = Array::with_max_entries(1, 0);

/// Each CPU's iovec copy in progress (see `capture::IovCopy`).
#[map]
pub static IOV_COPY: PerCpuArray<crate::capture::IovCopy> = PerCpuArray::with_max_entries(1, 0);

/// Per-CPU counters, indexed by `COUNTER_*`.
#[map]
pub static COUNTERS_MAP: PerCpuArray<u64> = PerCpuArray::with_max_entries(COUNTERS, 0);

/// tgids to capture when `CONFIG.filter_pid` is set. Large enough for a
/// build's worth of processes traced at once: userspace removes the exited
/// ones every second, and a full map is reported, never silent.
#[map]
pub static PID_FILTER: HashMap<u32, u8> = HashMap::with_max_entries(8192, 0);

/// Network namespace inodes to capture when `CONFIG.filter_netns` is set.
#[map]
pub static NETNS_FILTER: HashMap<u32, u8> = HashMap::with_max_entries(64, 0);

/// cgroups to capture (with their descendants): the first
/// `CONFIG.filter_cgroup` entries.
#[map]
pub static CGROUP_FILTER: Array<CgroupFilter> = Array::with_max_entries(MAX_CGROUP_FILTER, 0);

/// comms to capture when `CONFIG.filter_comm` is set.
#[map]
pub static COMM_FILTER: HashMap<[u8; COMM_LEN], u8> = HashMap::with_max_entries(256, 0);

/// A call on a netlink socket between its entry and its exit, per thread.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Pending {
    /// `struct socket *`
    pub sock: u64,
    /// Syscall arguments after the fd (tracepoints), or for
    /// `netlink_{send,recv}msg`: the `msghdr *`, the length, the flags.
    pub args: [u64; 5],
    /// The message source captured at entry (kernel hooks: the `iov_iter`
    /// advances while the kernel copies, so it is read before).
    pub src: crate::capture::Source,
    pub fd: i32,
    pub hook: u8,
    pub _pad: [u8; 3],
}

/// Calls in flight, by `pid_tgid`. LRU so that a thread that dies inside a
/// call cannot leak an entry.
#[map]
pub static PENDING: LruHashMap<u64, Pending> = LruHashMap::with_max_entries(16384, 0);

/// Slots of `MAYBE_PENDING`: a thread's slot is its thread id modulo this.
const HINT_SLOTS: u32 = 1 << 14;

/// Per slot of thread ids, calls remembered in `PENDING` and not yet taken.
/// Every exit of a hooked syscall on the machine (tracepoint mode) checks
/// its thread's slot first: zero, as it is for nearly every thread, ends the
/// program after an array read the verifier inlines, instead of an LRU hash
/// lookup (a helper call hashing the key). A thread that dies inside a
/// call, or an entry the LRU evicts, leaves its slot above zero for good:
/// the threads of that slot pay the lookup again, nothing is missed.
#[map]
pub static MAYBE_PENDING: Array<u32> = Array::with_max_entries(HINT_SLOTS, 0);

#[inline(always)]
fn hint_slot(id: u64) -> Option<*mut u32> {
    MAYBE_PENDING.get_ptr_mut(id as u32 & (HINT_SLOTS - 1))
}

/// Remembers this thread's call from its entry to its exit.
#[inline(always)]
pub fn remember(p: Pending) -> Result<(), i64> {
    let id = bpf_get_current_pid_tgid();
    PENDING.insert(id, p, 0).map_err(|e| e as i64)?;
    if let Some(slot) = hint_slot(id) {
        // SAFETY: a live, aligned u32 of the map; atomic because threads of
        // one slot run on several CPUs at once.
        unsafe { atomic_xadd::<u32, u32, { AtomicOrdering::Relaxed }>(slot, 1) };
    }
    Ok(())
}

/// This thread's call remembered at entry, removed from the table.
#[inline(always)]
pub fn take() -> Option<Pending> {
    let id = bpf_get_current_pid_tgid();
    let slot = hint_slot(id)?;
    // SAFETY: a live, aligned u32 of the map. The thread's own increment at
    // entry happened before this exit on the same thread.
    if unsafe { core::ptr::read_volatile(slot) } == 0 {
        return None;
    }
    // SAFETY: copied out before the entry is removed.
    let p = unsafe { PENDING.get(id) }.copied()?;
    let _ = PENDING.remove(id);
    // SAFETY: as in `remember`; adding u32::MAX subtracts one (the bpf
    // target has an atomic add, not a subtract).
    unsafe { atomic_xadd::<u32, u32, { AtomicOrdering::Relaxed }>(slot, u32::MAX) };
    Some(p)
}

#[inline(always)]
pub fn count(counter: u32, n: u64) {
    if let Some(c) = COUNTERS_MAP.get_ptr_mut(counter) {
        // Atomic although per-CPU: a program can be preempted by another on
        // the same CPU (tracing programs only disable migration), and lost
        // records must be counted exactly.
        // The bpf target does not declare atomic read-modify-write, but the
        // instruction (BPF_ATOMIC | BPF_ADD) exists on every kernel we load on.
        // SAFETY: the map value is a live, aligned u64.
        unsafe { atomic_xadd::<u64, u64, { AtomicOrdering::Relaxed }>(c, n) };
    }
}

/// Programs reached by tail call; userspace fills the slots.
#[map]
pub static TAIL_CALLS: ProgramArray = ProgramArray::with_max_entries(1, 0);
/// Slot of `mmsg_step`.
pub const TAIL_MMSG_STEP: u32 = 0;

/// A `sendmmsg`/`recvmmsg` being captured one message per tail call.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct MmsgState {
    pub pending: Pending,
    /// Messages the call moved.
    pub ret: i64,
    /// Next message to capture.
    pub next: u32,
    pub _pad: u32,
}

#[map]
pub static MMSG_STATE: PerCpuArray<MmsgState> = PerCpuArray::with_max_entries(1, 0);
