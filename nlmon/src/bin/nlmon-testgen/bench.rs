//! Workloads for `cargo xtask bench`: each runs a loop as fast as it can (or
//! at a set pace), times it, and prints one JSON line saying how many
//! operations, messages, bytes and calls it made, so the harness can compare
//! them with what nlmon recorded. They run in the network namespace they are
//! started in (`ip netns exec`).
//!
//! `nlmon-testgen bench-WORKLOAD ARGS...`:
//! - `bench-getlink N`: N `RTM_GETLINK` round trips for `lo`.
//! - `bench-addr N`: N `RTM_NEWADDR`/`RTM_DELADDR` pairs with acks.
//! - `bench-dump N`: N `RTM_GETROUTE` dumps of the IPv4 routes.
//! - `bench-flood N RATE`: N one-way messages the kernel ignores, at RATE
//!   per second (0: as fast as possible).
//! - `bench-udp N`, `bench-pipe N`, `bench-file N PATH`: non-netlink
//!   bystanders: a loopback UDP send/receive, a 64-byte pipe write/read, a
//!   64-byte file write.

use std::{
    os::fd::{AsRawFd, FromRawFd, OwnedFd},
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use nlmon_common::nlmsg::{NLM_F_DUMP, NLM_F_REQUEST};

use super::{
    NLMSG_DONE, NLMSG_ERROR, RTM_DELADDR, RTM_NEWADDR, Sock, addr_msg, check, getlink, nlmsg,
};

const RTM_GETROUTE: u16 = 26;
/// Bytes each bystander call moves.
const SMALL: usize = 64;

/// What one run did, printed as a JSON line.
#[derive(Default)]
struct Outcome {
    /// Operations timed (round trips, dumps, messages, loop iterations).
    ops: u64,
    /// Netlink messages (headers) sent and received.
    messages: u64,
    /// Netlink bytes sent and received.
    bytes: u64,
    /// Calls that moved netlink data: each is one nlmon record.
    calls: u64,
    elapsed: Duration,
    /// CPU time of the looping thread over the same span: unlike `elapsed`
    /// it leaves out other tasks that ran meanwhile (on a one-CPU VM, nlmon's
    /// reader), and keeps what the kernel did on the thread's behalf.
    cpu: Duration,
}

/// Wall clock and the thread's CPU clock, started together.
struct Timer {
    wall: Instant,
    cpu: Duration,
}

impl Timer {
    fn start() -> Self {
        Self {
            wall: Instant::now(),
            cpu: thread_cpu(),
        }
    }

    fn elapsed(&self) -> Duration {
        self.wall.elapsed()
    }

    /// Sets the outcome's elapsed wall and CPU time.
    fn stop(&self, o: &mut Outcome) {
        o.elapsed = self.wall.elapsed();
        o.cpu = thread_cpu().saturating_sub(self.cpu);
    }
}

/// `CLOCK_THREAD_CPUTIME_ID`: the scheduler's exact runtime of this thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime fills the live timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

impl Outcome {
    fn print(&self, workload: &str) {
        let secs = self.elapsed.as_secs_f64();
        let per_op = |d: Duration| {
            if self.ops == 0 {
                0.0
            } else {
                d.as_secs_f64() * 1e9 / self.ops as f64
            }
        };
        let (ns_per_op, cpu_ns_per_op) = (per_op(self.elapsed), per_op(self.cpu));
        println!(
            r#"{{"op":"{workload}","ops":{},"messages":{},"bytes":{},"calls":{},"secs":{secs:.6},"ns_per_op":{ns_per_op:.1},"cpu_ns_per_op":{cpu_ns_per_op:.1}}}"#,
            self.ops, self.messages, self.bytes, self.calls
        );
    }
}

pub fn run(workload: &str, args: &[String]) -> anyhow::Result<()> {
    let num = |i: usize, what: &str| -> anyhow::Result<u64> {
        args.get(i)
            .with_context(|| format!("{workload}: missing {what}"))?
            .parse()
            .with_context(|| format!("{workload}: {what} is not a number"))
    };
    let n = num(0, "count")?;
    let outcome = match workload {
        "bench-getlink" => getlink_loop(n)?,
        "bench-addr" => addr_loop(n)?,
        "bench-dump" => dump_loop(n)?,
        "bench-flood" => flood(n, num(1, "rate")?)?,
        "bench-udp" => udp_loop(n)?,
        "bench-pipe" => pipe_loop(n)?,
        "bench-file" => file_loop(n, args.get(1).context("bench-file: missing path")?)?,
        other => bail!("unknown benchmark workload {other}"),
    };
    outcome.print(workload);
    Ok(())
}

fn send(s: &Sock, msg: &[u8]) -> anyhow::Result<usize> {
    // SAFETY: send from a live buffer on our socket.
    check(
        unsafe { libc::send(s.fd(), msg.as_ptr().cast(), msg.len(), 0) },
        "send",
    )
}

fn recv(s: &Sock, buf: &mut [u8]) -> anyhow::Result<usize> {
    // SAFETY: recv into a live buffer on our socket.
    check(
        unsafe { libc::recv(s.fd(), buf.as_mut_ptr().cast(), buf.len(), 0) },
        "recv",
    )
}

/// Netlink headers in a buffer, and whether one ends a dump or is an error.
fn count_messages(buf: &[u8]) -> (u64, bool, Option<i32>) {
    let mut n = 0;
    let mut last = false;
    let mut error = None;
    for f in nlmon_common::nlmsg::frames(buf) {
        if let nlmon_common::nlmsg::Frame::Msg { hdr, payload, .. } = f {
            n += 1;
            last |= hdr.ty == NLMSG_DONE || hdr.ty == NLMSG_ERROR;
            if hdr.ty == NLMSG_ERROR && payload.len() >= 4 {
                let errno = i32::from_ne_bytes([payload[0], payload[1], payload[2], payload[3]]);
                if errno != 0 {
                    error = Some(-errno);
                }
            }
        }
    }
    (n, last, error)
}

fn getlink_loop(n: u64) -> anyhow::Result<Outcome> {
    let s = Sock::open(0)?;
    let mut buf = vec![0u8; 16384];
    let mut o = Outcome::default();
    let start = Timer::start();
    for i in 0..n {
        let req = getlink(i as u32, 1, 0);
        o.bytes += send(&s, &req)? as u64;
        let got = recv(&s, &mut buf)?;
        o.bytes += got as u64;
    }
    start.stop(&mut o);
    o.ops = n;
    o.messages = 2 * n;
    o.calls = 2 * n;
    Ok(o)
}

/// Adds and removes 127.1.x.y/32 on `lo`, reading each ack.
fn addr_loop(n: u64) -> anyhow::Result<Outcome> {
    let s = Sock::open(0)?;
    let mut buf = vec![0u8; 8192];
    let mut o = Outcome::default();
    let start = Timer::start();
    for i in 0..n {
        for ty in [RTM_NEWADDR, RTM_DELADDR] {
            let req = addr_msg(ty, (2 * i) as u32 + u32::from(ty - RTM_NEWADDR), i as u16);
            o.bytes += send(&s, &req)? as u64;
            let got = recv(&s, &mut buf)?;
            if let (_, _, Some(errno)) = count_messages(&buf[..got]) {
                bail!("address change {i} failed: errno {errno}");
            }
            o.bytes += got as u64;
        }
    }
    start.stop(&mut o);
    o.ops = 2 * n;
    o.messages = 4 * n;
    o.calls = 4 * n;
    Ok(o)
}

/// Dumps the IPv4 routes of every table `n` times, reading into 32 KiB
/// buffers as iproute2 does.
fn dump_loop(n: u64) -> anyhow::Result<Outcome> {
    let s = Sock::open(0)?;
    let mut buf = vec![0u8; 32768];
    let mut o = Outcome::default();
    let start = Timer::start();
    for i in 0..n {
        // struct rtmsg: family AF_INET, the rest zero (every table).
        let mut body = vec![0u8; 12];
        body[0] = libc::AF_INET as u8;
        let req = nlmsg(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, i as u32, &body);
        o.bytes += send(&s, &req)? as u64;
        o.messages += 1;
        o.calls += 1;
        loop {
            let got = recv(&s, &mut buf)?;
            let (msgs, last, error) = count_messages(&buf[..got]);
            if let Some(errno) = error {
                bail!("route dump failed: errno {errno}");
            }
            o.bytes += got as u64;
            o.messages += msgs;
            o.calls += 1;
            if last {
                break;
            }
        }
    }
    start.stop(&mut o);
    o.ops = n;
    Ok(o)
}

/// `n` messages the kernel accepts and ignores (an `RTM_GETLINK` without
/// `NLM_F_REQUEST`: `netlink_rcv_skb` only handles requests, and answers
/// nothing without `NLM_F_ACK`), at `rate` per second or unpaced. Each is
/// one send and one nlmon record, so the count is exact.
fn flood(n: u64, rate: u64) -> anyhow::Result<Outcome> {
    let s = Sock::open(0)?;
    let mut o = Outcome::default();
    let start = Timer::start();
    for i in 0..n {
        let msg = getlink(i as u32, 1, 0);
        let mut ignored = msg.clone();
        // Clear NLM_F_REQUEST (flags at byte 6).
        ignored[6] &= !(NLM_F_REQUEST as u8);
        o.bytes += send(&s, &ignored)? as u64;
        // Pace in steps of 64 messages: sleep until the schedule catches up.
        if rate != 0 && i % 64 == 63 {
            let due = Duration::from_secs_f64((i + 1) as f64 / rate as f64);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    }
    start.stop(&mut o);
    o.ops = n;
    o.messages = n;
    o.calls = n;
    Ok(o)
}

fn fd(r: i32, what: &str) -> anyhow::Result<OwnedFd> {
    check(r as isize, what)?;
    // SAFETY: a descriptor the call just returned to us.
    Ok(unsafe { OwnedFd::from_raw_fd(r) })
}

/// Sends a datagram to itself over loopback and receives it, `n` times.
fn udp_loop(n: u64) -> anyhow::Result<Outcome> {
    // SAFETY: plain socket calls on descriptors we own, live buffers.
    unsafe {
        let s = fd(libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0), "socket")?;
        let mut sa: libc::sockaddr_in = std::mem::zeroed();
        sa.sin_family = libc::AF_INET as u16;
        sa.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        let len = size_of_val(&sa) as u32;
        check(
            libc::bind(s.as_raw_fd(), (&raw const sa).cast(), len) as isize,
            "bind",
        )?;
        let mut alen = len;
        libc::getsockname(s.as_raw_fd(), (&raw mut sa).cast(), &mut alen);
        let out = [7u8; SMALL];
        let mut buf = [0u8; SMALL];
        let start = Timer::start();
        for _ in 0..n {
            check(
                libc::sendto(
                    s.as_raw_fd(),
                    out.as_ptr().cast(),
                    SMALL,
                    0,
                    (&raw const sa).cast(),
                    len,
                ),
                "sendto",
            )?;
            check(
                libc::recvfrom(
                    s.as_raw_fd(),
                    buf.as_mut_ptr().cast(),
                    SMALL,
                    0,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                ),
                "recvfrom",
            )?;
        }
        let mut o = Outcome {
            ops: n,
            ..Outcome::default()
        };
        start.stop(&mut o);
        Ok(o)
    }
}

/// Writes 64 bytes to a pipe and reads them back, `n` times.
fn pipe_loop(n: u64) -> anyhow::Result<Outcome> {
    let mut fds = [0i32; 2];
    // SAFETY: pipe fills the array.
    check(unsafe { libc::pipe(fds.as_mut_ptr()) } as isize, "pipe")?;
    let (r, w) = (fd(fds[0], "pipe")?, fd(fds[1], "pipe")?);
    let out = [7u8; SMALL];
    let mut buf = [0u8; SMALL];
    let start = Timer::start();
    for _ in 0..n {
        // SAFETY: live buffers, descriptors we own.
        unsafe {
            check(
                libc::write(w.as_raw_fd(), out.as_ptr().cast(), SMALL),
                "write",
            )?;
            check(
                libc::read(r.as_raw_fd(), buf.as_mut_ptr().cast(), SMALL),
                "read",
            )?;
        }
    }
    let mut o = Outcome {
        ops: n,
        ..Outcome::default()
    };
    start.stop(&mut o);
    Ok(o)
}

/// Writes 64 bytes to a file `n` times, going back to its start every
/// 4096 writes so it stays small (and in the page cache).
fn file_loop(n: u64, path: &str) -> anyhow::Result<Outcome> {
    let f = std::fs::File::create(path).with_context(|| format!("create {path}"))?;
    let out = [7u8; SMALL];
    let start = Timer::start();
    for i in 0..n {
        // SAFETY: a live buffer, a descriptor we own.
        unsafe {
            check(
                libc::write(f.as_raw_fd(), out.as_ptr().cast(), SMALL),
                "write",
            )?;
            if i % 4096 == 4095 {
                libc::lseek(f.as_raw_fd(), 0, libc::SEEK_SET);
            }
        }
    }
    let mut o = Outcome {
        ops: n,
        ..Outcome::default()
    };
    start.stop(&mut o);
    drop(f);
    let _ = std::fs::remove_file(path);
    Ok(o)
}
