//! The live capture loop: drain the ring buffer, print, report losses, and
//! end on a signal, `--count`, `--duration` or the end of the traced command.

use std::{io, time::Duration};

use anyhow::Context as _;
use tokio::signal::unix::{SignalKind, signal};

use crate::{
    capture::{Capture, Counters, Options},
    cli::LiveArgs,
    event::Event,
    reorder,
    ring::{self, Ring},
    run_cmd::{self, Gated},
};

/// How a live run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// A signal, `--count` or `--duration`.
    Stopped,
    /// The traced command exited with this shell-style status.
    Command(u8),
}

/// What the loop hands events to: the outputs, behind the decoder and
/// filters.
pub trait Consumer {
    /// Shows a batch of events in time order, but for the newest, which
    /// may wait for the next batch ([`crate::reorder`]).
    fn batch(&mut self, events: Vec<Event>) -> io::Result<()>;
    /// Shows every event held back.
    fn release(&mut self) -> io::Result<()>;
    /// Whether events are held back.
    fn holding(&self) -> bool;
    /// True once enough was shown (`--count`).
    fn done(&self) -> bool;
    /// Shows what is held back, flushes the outputs and prints the
    /// summary; `capture` holds the
    /// kernel side's counters and the unparsable records (None for a file).
    fn finish(&mut self, capture: Option<(&Counters, u64)>) -> io::Result<()>;
}

/// Captures until the end, handing what it captures to `out`. `gated` is a
/// command held at its gate: it is traced from its first system call, and
/// released once the programs are attached.
pub async fn run(
    args: &LiveArgs,
    mut opts: Options,
    gated: Option<Gated>,
    out: &mut dyn Consumer,
) -> anyhow::Result<End> {
    if let Some(g) = &gated {
        opts.pids.push(g.pid());
        opts.pid_filter = true;
        opts.follow_forks = true;
    }
    // Before attaching: "attached" is what a caller waits for to signal.
    let mut sigterm = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut sigint = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut sigchld = signal(SignalKind::child()).context("cannot handle SIGCHLD")?;
    // Dropping `gated` on failure closes its gate: it exits unrun.
    let mut capture = Capture::start(&opts).context("cannot start capturing")?;
    let ring = Ring::new(&capture).context("cannot poll the ring buffer")?;
    let child = match gated {
        Some(g) => Some(g.release()?.pid),
        None => None,
    };
    let mut events: Vec<Event> = Vec::new();
    let mut last = Counters::default();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let deadline = args
        .duration
        .map(|s| tokio::time::Instant::now() + Duration::from_secs_f64(s));
    let mut end = None;
    while end.is_none() {
        tokio::select! {
            guard = ring.readable() => {
                ring::drain_ready(guard, &mut capture, &mut events, |b| {
                    out.batch(std::mem::take(b))?;
                    Ok(!out.done())
                })?;
                if out.done() {
                    end = Some(End::Stopped);
                }
            }
            // The ring stayed quiet for a window: nothing captured before
            // the events held back can still come.
            () = tokio::time::sleep(reorder::WINDOW), if out.holding() => {
                out.release()?;
                if out.done() {
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
    if !out.done() {
        capture.drain_batches(&mut events, usize::MAX, |b| {
            out.batch(std::mem::take(b))?;
            Ok::<_, io::Error>(!out.done())
        })?;
    }
    let c = capture.counters();
    report_loss(&last, &c);
    out.finish(Some((&c, capture.bad_records)))?;
    // Dropping the capture detaches and unloads every program.
    drop(ring);
    drop(capture);
    // A --count or --duration end leaves a command running: it goes on
    // untraced, as with strace's detach.
    Ok(end.unwrap_or(End::Stopped))
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
