//! The live capture loop: drain the ring buffer, print, report losses, and
//! end on a signal, `--count`, `--duration` or the end of the traced command.

use std::{
    io::{self, Write},
    os::fd::{AsRawFd, RawFd},
    time::Duration,
};

use anyhow::Context as _;
use tokio::{
    io::{Interest, unix::AsyncFd},
    signal::unix::{SignalKind, signal},
};

use crate::{
    capture::{Capture, Counters, Options},
    cli::LiveArgs,
    event::Event,
    print::{TextOptions, write_event},
    run_cmd::{self, Gated},
};

/// The ring buffer's descriptor, for tokio to wait on.
struct RingFd(RawFd);

impl AsRawFd for RingFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// How a live run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// A signal, `--count` or `--duration`.
    Stopped,
    /// The traced command exited with this shell-style status.
    Command(u8),
}

/// Captures until the end, printing to `out`. `gated` is a command held
/// at its gate: it is traced from its first system call, and released once
/// the programs are attached.
pub async fn run(
    args: &LiveArgs,
    gated: Option<Gated>,
    out: &mut impl Write,
) -> anyhow::Result<End> {
    let opts = Options {
        attach: args.attach,
        snaplen: args.snaplen,
        ring_size: args.ring_size,
        pids: args
            .pid
            .iter()
            .copied()
            .chain(gated.as_ref().map(Gated::pid))
            .collect(),
        pid_filter: gated.is_some(),
        follow_forks: gated.is_some(),
        comms: args.comm.clone(),
        protocols: args.family.clone(),
    };
    // Dropping `gated` on failure closes its gate: it exits unrun.
    let mut capture = Capture::start(&opts).context("cannot start capturing")?;
    // SAFETY: the descriptor belongs to `capture`, which outlives `ring`
    // (dropped explicitly below, after `ring` goes out of use).
    let ring = unsafe { AsyncFd::register_with_interest(RingFd(capture.fd()), Interest::READABLE) }
        .map_err(|e| anyhow::anyhow!("cannot poll the ring buffer: {}", e.into_parts().1))?;
    let mut sigterm = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut sigint = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut sigchld = signal(SignalKind::child()).context("cannot handle SIGCHLD")?;
    let child = match gated {
        Some(g) => Some(g.release()?.pid),
        None => None,
    };
    let text = TextOptions { hex: args.hex };
    let mut events: Vec<Event> = Vec::new();
    let mut seen: u64 = 0;
    let mut last = Counters::default();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let deadline = args
        .duration
        .map(|s| tokio::time::Instant::now() + Duration::from_secs_f64(s));
    let mut end = None;
    while end.is_none() {
        tokio::select! {
            guard = ring.readable() => {
                let mut guard = guard.context("waiting on the ring buffer")?;
                capture.drain(&mut events);
                guard.clear_ready();
                if show(out, &mut events, &mut seen, args, text)? {
                    end = Some(End::Stopped);
                }
            }
            _ = tick.tick() => {
                capture.flush_logs();
                let now = capture.counters();
                report_loss(&last, &now);
                last = now;
                if child.is_some() {
                    capture.prune_exited();
                }
                if deadline.is_some_and(|d| tokio::time::Instant::now() >= d) {
                    end = Some(End::Stopped);
                }
                if let Some(pid) = child && let Some(code) = run_cmd::try_wait(pid)? {
                    end = Some(End::Command(code));
                }
            }
            _ = sigchld.recv(), if child.is_some() => {
                if let Some(pid) = child && let Some(code) = run_cmd::try_wait(pid)? {
                    end = Some(End::Command(code));
                }
            }
            // With a command, a signal is passed on and nlmon waits for the
            // command to end (it sees the command's last messages).
            _ = sigint.recv() => match child {
                Some(pid) => run_cmd::signal(pid, libc::SIGINT),
                None => end = Some(End::Stopped),
            },
            _ = sigterm.recv() => match child {
                Some(pid) => run_cmd::signal(pid, libc::SIGTERM),
                None => end = Some(End::Stopped),
            },
        }
    }
    // What the ring still holds was captured before the end: show it too.
    if args.count.is_none_or(|n| seen < n) {
        capture.drain(&mut events);
        show(out, &mut events, &mut seen, args, text)?;
    }
    let c = capture.counters();
    report_loss(&last, &c);
    eprintln!(
        "nlmon: {seen} records shown, {} captured, {} lost (ring buffer full), {} beyond the \
         mmsg limit, {} unparsable",
        c.records, c.lost, c.mmsg_limit, capture.bad_records
    );
    // Dropping the capture detaches and unloads every program.
    drop(ring);
    drop(capture);
    // A --count or --duration end leaves a command running: it goes on
    // untraced, as with strace's detach.
    Ok(end.unwrap_or(End::Stopped))
}

/// Prints the events (emptying `events`); true once `--count` is reached.
fn show(
    out: &mut impl Write,
    events: &mut Vec<Event>,
    seen: &mut u64,
    args: &LiveArgs,
    text: TextOptions,
) -> io::Result<bool> {
    for ev in events.drain(..) {
        if args.json {
            serde_json::to_writer(&mut *out, &ev)?;
            writeln!(out)?;
        } else {
            write_event(out, &ev, text)?;
        }
        *seen += 1;
        if args.count.is_some_and(|n| *seen >= n) {
            out.flush()?;
            return Ok(true);
        }
    }
    out.flush()?;
    Ok(false)
}

/// Says so on stderr when records were lost since the last report.
fn report_loss(last: &Counters, now: &Counters) {
    if now.lost > last.lost {
        log::warn!(
            "{} records lost (ring buffer full; try a larger --ring-size)",
            now.lost - last.lost
        );
    }
    if now.mmsg_limit > last.mmsg_limit {
        log::warn!(
            "{} messages of sendmmsg/recvmmsg calls beyond the first {} were not captured",
            now.mmsg_limit - last.mmsg_limit,
            nlmon_common::MAX_MMSG
        );
    }
}
