//! The event model: what nlmon knows about one captured netlink message (or
//! one socket overrun). Every output is a view of it.

use std::{
    sync::Arc,
    time::{Duration, SystemTime},
};

use nlmon_common::{
    COMM_LEN, DIR_RECV, DIR_SEND, FLAG_COPY_FAILED, FLAG_IOV_LIMIT, FLAG_ITER_UNSUPPORTED,
    FLAG_PEER_KNOWN, FLAG_RECV_TRUNC, FLAG_SEND_FAILED, FLAG_TRUNCATED, HOOK_EXTACK,
    HOOK_NETLINK_RECVMSG, HOOK_NETLINK_SENDMSG, HOOK_READ, HOOK_RECVFROM, HOOK_RECVMMSG,
    HOOK_RECVMSG, HOOK_SENDMMSG, HOOK_SENDMSG, HOOK_SENDTO, HOOK_WRITE, KIND_EXTACK, KIND_MESSAGE,
    KIND_OVERRUN, RecordHeader, record::HEADER_LEN,
};
use serde::Serialize;

use crate::attrib::Attrib;

/// A ring buffer record that cannot be turned into an event.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RecordError {
    #[error("record of {len} bytes is shorter than its {HEADER_LEN}-byte header")]
    Short { len: usize },
    #[error("record says it carries {cap_len} bytes but {have} follow its header")]
    CapLen { cap_len: u32, have: usize },
    #[error("record of unknown kind {kind}")]
    Kind { kind: u16 },
    #[error("record with unknown direction {dir}")]
    Direction { dir: u8 },
    #[error("record from unknown hook {hook}")]
    Hook { hook: u8 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A netlink message (or a buffer of them) moved between a process and
    /// the kernel or another process.
    Message,
    /// A receive failed with ENOBUFS: the kernel dropped messages for this
    /// socket because its receive queue was full.
    Overrun,
    /// The kernel's extended-ack text for a request of this task that
    /// failed (the `netlink:netlink_extack` tracepoint); `data` is the text.
    Extack,
}

/// Which way the bytes went, and between whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    ToKernel,
    FromKernel,
    /// Sent to another socket (unicast to a non-zero port id, or multicast).
    ToUser,
    /// Received from another process's socket.
    FromUser,
}

impl Direction {
    pub const ALL: [Self; 4] = [
        Self::ToKernel,
        Self::FromKernel,
        Self::ToUser,
        Self::FromUser,
    ];

    /// The direction of a [`Direction::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The name outputs use (`to_kernel`, as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            Self::ToKernel => "to_kernel",
            Self::FromKernel => "from_kernel",
            Self::ToUser => "to_user",
            Self::FromUser => "from_user",
        }
    }

    pub fn is_send(self) -> bool {
        matches!(self, Self::ToKernel | Self::ToUser)
    }

    /// An arrow for text output.
    pub fn arrow(self) -> &'static str {
        match self {
            Self::ToKernel => "→",
            Self::FromKernel => "←",
            Self::ToUser => "⇒",
            Self::FromUser => "⇐",
        }
    }
}

/// The call that moved the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hook {
    Sendto,
    Sendmsg,
    Sendmmsg,
    Write,
    Recvfrom,
    Recvmsg,
    Recvmmsg,
    Read,
    NetlinkSendmsg,
    NetlinkRecvmsg,
    /// The `netlink:netlink_extack` tracepoint.
    Extack,
    /// Not known: read from a capture file without nlmon's comments.
    Unknown,
}

impl Hook {
    pub const ALL: [Self; 12] = [
        Self::Sendto,
        Self::Sendmsg,
        Self::Sendmmsg,
        Self::Write,
        Self::Recvfrom,
        Self::Recvmsg,
        Self::Recvmmsg,
        Self::Read,
        Self::NetlinkSendmsg,
        Self::NetlinkRecvmsg,
        Self::Extack,
        Self::Unknown,
    ];

    /// The name outputs use (`netlink_sendmsg`, as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sendto => "sendto",
            Self::Sendmsg => "sendmsg",
            Self::Sendmmsg => "sendmmsg",
            Self::Write => "write",
            Self::Recvfrom => "recvfrom",
            Self::Recvmsg => "recvmsg",
            Self::Recvmmsg => "recvmmsg",
            Self::Read => "read",
            Self::NetlinkSendmsg => "netlink_sendmsg",
            Self::NetlinkRecvmsg => "netlink_recvmsg",
            Self::Extack => "extack",
            Self::Unknown => "unknown",
        }
    }

    /// The hook of a [`Hook::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.name() == name)
    }
}

impl TryFrom<u8> for Hook {
    type Error = RecordError;

    fn try_from(hook: u8) -> Result<Self, RecordError> {
        Ok(match hook {
            HOOK_SENDTO => Self::Sendto,
            HOOK_SENDMSG => Self::Sendmsg,
            HOOK_SENDMMSG => Self::Sendmmsg,
            HOOK_WRITE => Self::Write,
            HOOK_RECVFROM => Self::Recvfrom,
            HOOK_RECVMSG => Self::Recvmsg,
            HOOK_RECVMMSG => Self::Recvmmsg,
            HOOK_READ => Self::Read,
            HOOK_NETLINK_SENDMSG => Self::NetlinkSendmsg,
            HOOK_NETLINK_RECVMSG => Self::NetlinkRecvmsg,
            HOOK_EXTACK => Self::Extack,
            hook => return Err(RecordError::Hook { hook }),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Process {
    pub tgid: u32,
    pub tid: u32,
    pub uid: u32,
    pub comm: String,
    /// cgroup v2 id (inode of the cgroup's directory); 0 when unknown.
    pub cgroup_id: u64,
    /// Its cgroup path, systemd unit, container and pod, as far as they are
    /// known ([`crate::attrib`]); shared by the events of one cgroup.
    #[serde(flatten)]
    pub attrib: Attrib,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Socket {
    /// Netlink protocol number (`NETLINK_ROUTE` = 0, …).
    pub protocol: u32,
    /// Its own port id.
    pub portid: u32,
    /// Multicast groups 1–32 it is subscribed to (bit N-1 = group N).
    pub groups: u32,
    /// Network namespace inode.
    pub netns: u32,
    /// Its name: an `ip netns` name, a container's, or `host`
    /// ([`crate::attrib`]).
    #[serde(serialize_with = "crate::attrib::serialize_name")]
    pub netns_name: Option<Arc<str>>,
    /// The descriptor, when the call named one (syscall hooks).
    pub fd: Option<i32>,
}

/// The other end, when known: port id 0 is the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Peer {
    pub portid: u32,
    pub groups: u32,
}

/// How the captured bytes fall short of the message, if they do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Truncation {
    /// Longer than the snapshot length.
    pub snaplen: bool,
    /// More iovec segments than nlmon copies.
    pub iov_limit: bool,
    /// The process's memory could not be read.
    pub copy_failed: bool,
    /// The receiver's buffer was too short: the process lost the tail.
    pub receiver: bool,
    /// The kernel iterator was not user memory; only lengths are known.
    pub no_user_memory: bool,
}

impl Truncation {
    pub fn any(&self) -> bool {
        self.snaplen || self.iov_limit || self.copy_failed || self.receiver || self.no_user_memory
    }

    /// Each reason by its JSON name, and whether it holds.
    pub fn reasons(&self) -> [(&'static str, bool); 5] {
        [
            ("snaplen", self.snaplen),
            ("iov_limit", self.iov_limit),
            ("copy_failed", self.copy_failed),
            ("receiver", self.receiver),
            ("no_user_memory", self.no_user_memory),
        ]
    }

    /// Sets the reason of this JSON name; false for a name it does not
    /// know.
    pub fn set(&mut self, name: &str) -> bool {
        let flag = match name {
            "snaplen" => &mut self.snaplen,
            "iov_limit" => &mut self.iov_limit,
            "copy_failed" => &mut self.copy_failed,
            "receiver" => &mut self.receiver,
            "no_user_memory" => &mut self.no_user_memory,
            _ => return false,
        };
        *flag = true;
        true
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    pub kind: Kind,
    /// `CLOCK_MONOTONIC` nanoseconds.
    pub mono_ns: u64,
    /// Wall-clock time, converted from `mono_ns`.
    #[serde(with = "wall")]
    pub time: SystemTime,
    pub process: Process,
    pub socket: Socket,
    pub direction: Direction,
    pub peer: Option<Peer>,
    pub hook: Hook,
    /// `MSG_*` flags the call was given; for a receive, also those returned.
    pub call_flags: u32,
    pub ret_flags: u32,
    /// Length of the message as the call moved it.
    pub len: u32,
    pub truncation: Truncation,
    /// errno of a failed call (a failed send, or ENOBUFS on an overrun).
    pub errno: Option<i32>,
    /// Position in a `sendmmsg`/`recvmmsg` vector.
    pub msg_index: u32,
    /// The captured bytes, exactly as on the wire.
    #[serde(with = "hex_bytes")]
    pub data: Vec<u8>,
    /// Interface names by index as a capture file recorded them (`-r` of
    /// nlmon's pcapng: the names this message was shown with when it was
    /// captured). They name its indexes before anything else does
    /// ([`crate::ifnames`]); empty for a live capture.
    #[serde(skip)]
    pub ifnames: Vec<(u32, Arc<str>)>,
}

/// Converts `CLOCK_MONOTONIC` to wall-clock time.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// realtime − monotonic, sampled once.
    offset: Duration,
}

impl Clock {
    pub fn new() -> Self {
        let mono = clock_ns(libc::CLOCK_MONOTONIC);
        let real = clock_ns(libc::CLOCK_REALTIME);
        Self {
            offset: Duration::from_nanos(real.saturating_sub(mono)),
        }
    }

    pub fn wall(&self, mono_ns: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + self.offset + Duration::from_nanos(mono_ns)
    }

    /// The clock sampled once per process, so that every event of a run
    /// converts its time the same way.
    pub fn process() -> &'static Clock {
        static CLOCK: std::sync::OnceLock<Clock> = std::sync::OnceLock::new();
        CLOCK.get_or_init(Clock::new)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid timespec to write to.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Reads the header out of a record (which the ring buffer does not align).
pub fn header(record: &[u8]) -> Result<RecordHeader, RecordError> {
    if record.len() < HEADER_LEN {
        return Err(RecordError::Short { len: record.len() });
    }
    let mut hdr = RecordHeader::default();
    // SAFETY: RecordHeader is repr(C) plain integers; any bytes are valid and
    // the source holds at least HEADER_LEN bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(record.as_ptr(), (&raw mut hdr).cast::<u8>(), HEADER_LEN);
    }
    Ok(hdr)
}

impl TryFrom<&[u8]> for Event {
    type Error = RecordError;

    /// A ring buffer record, its time converted with [`Clock::process`].
    fn try_from(record: &[u8]) -> Result<Self, RecordError> {
        Self::from_record(record, Clock::process())
    }
}

impl Event {
    /// Builds an event from a ring buffer record.
    pub fn from_record(record: &[u8], clock: &Clock) -> Result<Self, RecordError> {
        let h = header(record)?;
        let data = &record[HEADER_LEN..];
        if h.cap_len as usize > data.len() {
            return Err(RecordError::CapLen {
                cap_len: h.cap_len,
                have: data.len(),
            });
        }
        let kind = match h.kind {
            KIND_MESSAGE => Kind::Message,
            KIND_OVERRUN => Kind::Overrun,
            KIND_EXTACK => Kind::Extack,
            kind => return Err(RecordError::Kind { kind }),
        };
        let peer_known = h.flags & FLAG_PEER_KNOWN != 0;
        let direction = match h.dir {
            DIR_SEND if peer_known && (h.peer_portid != 0 || h.peer_groups != 0) => {
                Direction::ToUser
            }
            DIR_SEND => Direction::ToKernel,
            // Without a source address (read(), recvfrom without one) the
            // sender is the kernel unless the socket is connected elsewhere.
            DIR_RECV if peer_known && h.peer_portid != 0 => Direction::FromUser,
            DIR_RECV => Direction::FromKernel,
            dir => return Err(RecordError::Direction { dir }),
        };
        let comm_end = h.comm.iter().position(|&b| b == 0).unwrap_or(COMM_LEN);
        Ok(Self {
            kind,
            mono_ns: h.ts_ns,
            time: clock.wall(h.ts_ns),
            process: Process {
                tgid: h.tgid,
                tid: h.tid,
                uid: h.uid,
                comm: String::from_utf8_lossy(&h.comm[..comm_end]).into_owned(),
                cgroup_id: h.cgroup_id,
                attrib: Attrib::default(),
            },
            socket: Socket {
                protocol: h.protocol,
                portid: h.portid,
                groups: h.groups,
                netns: h.netns,
                netns_name: None,
                fd: (h.fd >= 0).then_some(h.fd),
            },
            direction,
            peer: peer_known.then_some(Peer {
                portid: h.peer_portid,
                groups: h.peer_groups,
            }),
            hook: Hook::try_from(h.hook)?,
            call_flags: h.call_flags,
            ret_flags: h.ret_flags,
            len: h.len,
            truncation: Truncation {
                snaplen: h.flags & FLAG_TRUNCATED != 0,
                iov_limit: h.flags & FLAG_IOV_LIMIT != 0,
                copy_failed: h.flags & FLAG_COPY_FAILED != 0,
                receiver: h.flags & FLAG_RECV_TRUNC != 0,
                no_user_memory: h.flags & FLAG_ITER_UNSUPPORTED != 0,
            },
            errno: (h.err != 0 || h.flags & FLAG_SEND_FAILED != 0).then_some(h.err),
            msg_index: h.msg_index,
            data: data[..h.cap_len as usize].to_vec(),
            ifnames: Vec::new(),
        })
    }
}

pub(crate) mod wall {
    use std::time::SystemTime;

    use serde::Serializer;

    /// Nanoseconds since the Unix epoch.
    pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        let ns = t
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        s.serialize_u128(ns)
    }
}

mod hex_bytes {
    use serde::Serializer;

    pub fn serialize<S: Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::words::hex(b))
    }
}

/// A plain message event, for unit tests of the views and for generated
/// captures: `comm[tgid]` sending `data` to the kernel on a route socket
/// with port id `portid` in netns 1.
pub fn sample(comm: &str, tgid: u32, portid: u32, data: Vec<u8>) -> Event {
    Event {
        kind: Kind::Message,
        mono_ns: 0,
        time: SystemTime::UNIX_EPOCH,
        process: Process {
            tgid,
            tid: tgid,
            uid: 0,
            comm: comm.into(),
            cgroup_id: 0,
            attrib: Attrib::default(),
        },
        socket: Socket {
            protocol: 0,
            portid,
            groups: 0,
            netns: 1,
            netns_name: None,
            fd: None,
        },
        direction: Direction::ToKernel,
        peer: None,
        hook: Hook::Sendto,
        call_flags: 0,
        ret_flags: 0,
        len: data.len() as u32,
        truncation: Truncation::default(),
        errno: None,
        msg_index: 0,
        data,
        ifnames: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(h: &RecordHeader, data: &[u8]) -> Vec<u8> {
        let mut v = vec![0u8; HEADER_LEN];
        // SAFETY: RecordHeader is plain data of HEADER_LEN bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(
                (h as *const RecordHeader).cast::<u8>(),
                v.as_mut_ptr(),
                HEADER_LEN,
            );
        }
        v.extend_from_slice(data);
        v
    }

    fn base() -> RecordHeader {
        let mut comm = [0u8; COMM_LEN];
        comm[..2].copy_from_slice(b"ip");
        RecordHeader {
            ts_ns: 5_000_000_000,
            cgroup_id: 77,
            netns: 4026531840,
            tgid: 42,
            tid: 43,
            uid: 0,
            comm,
            kind: KIND_MESSAGE,
            hook: HOOK_SENDTO,
            dir: DIR_SEND,
            protocol: 0,
            portid: 1234,
            groups: 0,
            peer_portid: 0,
            peer_groups: 0,
            fd: 3,
            call_flags: 0,
            ret_flags: 0,
            len: 4,
            cap_len: 4,
            flags: FLAG_PEER_KNOWN,
            err: 0,
            msg_index: 0,
        }
    }

    #[test]
    fn parses_a_send_to_the_kernel() {
        let ev = Event::from_record(&record(&base(), b"abcd"), &Clock::new()).unwrap();
        assert_eq!(ev.kind, Kind::Message);
        assert_eq!(ev.direction, Direction::ToKernel);
        assert_eq!(ev.process.comm, "ip");
        assert_eq!(ev.process.tgid, 42);
        assert_eq!(ev.socket.fd, Some(3));
        assert_eq!(
            ev.peer,
            Some(Peer {
                portid: 0,
                groups: 0
            })
        );
        assert_eq!(ev.data, b"abcd");
        assert!(!ev.truncation.any());
        assert_eq!(ev.errno, None);
    }

    #[test]
    fn directions() {
        let clock = Clock::new();
        let dir = |dir, flags, peer| {
            let h = RecordHeader {
                dir,
                flags,
                peer_portid: peer,
                ..base()
            };
            Event::from_record(&record(&h, b"abcd"), &clock)
                .unwrap()
                .direction
        };
        assert_eq!(dir(DIR_SEND, FLAG_PEER_KNOWN, 77), Direction::ToUser);
        assert_eq!(dir(DIR_RECV, FLAG_PEER_KNOWN, 0), Direction::FromKernel);
        assert_eq!(dir(DIR_RECV, FLAG_PEER_KNOWN, 77), Direction::FromUser);
        assert_eq!(dir(DIR_RECV, 0, 0), Direction::FromKernel);
    }

    #[test]
    fn flags_and_errors() {
        let h = RecordHeader {
            flags: FLAG_TRUNCATED | FLAG_SEND_FAILED,
            err: 1,
            fd: -1,
            ..base()
        };
        let ev = Event::from_record(&record(&h, b"abcd"), &Clock::new()).unwrap();
        assert!(ev.truncation.snaplen && ev.truncation.any());
        assert_eq!(ev.errno, Some(1));
        assert_eq!(ev.socket.fd, None);
        assert_eq!(ev.peer, None);
    }

    #[test]
    fn rejects_bad_records() {
        let clock = Clock::new();
        let full = record(&base(), b"abcd");
        for n in 0..HEADER_LEN {
            assert_eq!(
                Event::from_record(&full[..n], &clock),
                Err(RecordError::Short { len: n })
            );
        }
        assert_eq!(
            Event::from_record(&full[..HEADER_LEN + 2], &clock),
            Err(RecordError::CapLen {
                cap_len: 4,
                have: 2
            })
        );
        let bad = |h: RecordHeader| Event::from_record(&record(&h, b"abcd"), &clock);
        assert_eq!(
            bad(RecordHeader { kind: 9, ..base() }),
            Err(RecordError::Kind { kind: 9 })
        );
        assert_eq!(
            bad(RecordHeader { dir: 7, ..base() }),
            Err(RecordError::Direction { dir: 7 })
        );
        assert_eq!(
            bad(RecordHeader { hook: 0, ..base() }),
            Err(RecordError::Hook { hook: 0 })
        );
    }

    #[test]
    fn try_from_uses_the_process_clock() {
        let r = record(&base(), b"abcd");
        let ev = Event::try_from(&r[..]).unwrap();
        assert_eq!(ev.time, Clock::process().wall(base().ts_ns));
        assert_eq!(Event::try_from(&r[..3]), Err(RecordError::Short { len: 3 }));
    }

    /// The names in JSON (serde's) and in pcapng comments (`name`) are one
    /// vocabulary, and each reads back.
    #[test]
    fn hook_and_direction_names_are_those_of_json() {
        for h in Hook::ALL {
            assert_eq!(serde_json::to_value(h).unwrap(), h.name());
            assert_eq!(Hook::from_name(h.name()), Some(h));
        }
        for d in Direction::ALL {
            assert_eq!(serde_json::to_value(d).unwrap(), d.name());
            assert_eq!(Direction::from_name(d.name()), Some(d));
        }
        assert_eq!(Hook::from_name("ioctl"), None);
    }

    #[test]
    fn wall_clock_follows_monotonic() {
        let clock = Clock::new();
        let a = clock.wall(1_000);
        let b = clock.wall(2_000);
        assert_eq!(b.duration_since(a).unwrap(), Duration::from_nanos(1_000));
    }
}
