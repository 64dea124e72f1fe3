//! `nlmon`: the command line. Wires options to a capture and a printer.

use std::{
    io::{self, Write},
    os::fd::{AsRawFd, RawFd},
    process::ExitCode,
    time::Duration,
};

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use nlmon::{
    capture::{AttachMode, Capture, Counters, Options},
    daemon::{
        self,
        args::{AttachArgs, DaemonArgs},
    },
    event::Event,
    print::{TextOptions, write_event},
    protocol,
};
use tokio::{
    io::{Interest, unix::AsyncFd},
    signal::unix::{SignalKind, signal},
};

/// See every netlink message on this machine, with the process that sent or
/// received it.
#[derive(Debug, Parser)]
#[command(version, about, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// How to hook the kernel: auto picks fentry, else kprobe, else syscall
    /// tracepoints.
    #[arg(long, value_enum, default_value_t = AttachMode::Auto)]
    attach: AttachMode,
    /// Only processes with this name (repeatable).
    #[arg(long, value_name = "NAME")]
    comm: Vec<String>,
    /// Only this process id (repeatable).
    #[arg(long, value_name = "PID")]
    pid: Vec<u32>,
    /// Only this netlink family: route, generic, netfilter, sock_diag,
    /// audit, uevent, xfrm, ... or a number (repeatable).
    #[arg(long, value_name = "FAMILY", value_parser = parse_family)]
    family: Vec<u32>,
    /// Bytes kept per message (up to 65536).
    #[arg(long, default_value_t = nlmon_common::DEFAULT_SNAPLEN)]
    snaplen: u32,
    /// Ring buffer size in bytes (a power of two).
    #[arg(long, default_value_t = 8 << 20)]
    ring_size: u32,
    /// Add a hex dump of every message.
    #[arg(short = 'x', long)]
    hex: bool,
    /// Print JSON Lines: one object per message.
    #[arg(long)]
    json: bool,
    /// Stop after this many messages.
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f64>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run as a service: capture into the journal, a JSON Lines file and
    /// the attach socket, configured by /etc/nlmon/nlmon.toml.
    Daemon(DaemonArgs),
    /// Show the running daemon's live feed (root and members of group
    /// nlmon), or its counters with --stats.
    Attach(AttachArgs),
}

fn parse_family(s: &str) -> Result<u32, String> {
    protocol::parse(s).ok_or_else(|| {
        format!(
            "unknown netlink family {s:?}; known: {} (or a number below 32)",
            protocol::all_names().collect::<Vec<_>>().join(", ")
        )
    })
}

/// The ring buffer's descriptor, for tokio to wait on.
struct RingFd(RawFd);

impl AsRawFd for RingFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_timestamp(None)
        .format_target(false)
        .init();
    let cli = Cli::parse();
    if let Some(Command::Attach(a)) = &cli.command {
        return attach(a);
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("nlmon: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(Command::Daemon(a)) = &cli.command {
        let (path, explicit) = a.config_path();
        return match rt.block_on(daemon::run::run(&path, explicit)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("nlmon: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nlmon: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn attach(a: &AttachArgs) -> ExitCode {
    let mut out = io::stdout().lock();
    match daemon::client::attach(&a.socket, &a.request(), &mut out, &mut io::stderr()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(daemon::client::AttachError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("nlmon: {e}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let opts = Options {
        attach: cli.attach,
        snaplen: cli.snaplen,
        ring_size: cli.ring_size,
        pids: cli.pid.clone(),
        pid_filter: false,
        comms: cli.comm.clone(),
        protocols: cli.family.clone(),
    };
    let mut capture = Capture::start(&opts).context("cannot start capturing")?;
    // SAFETY: the descriptor belongs to `capture`, which outlives `ring`
    // (dropped explicitly below, after `ring` goes out of use).
    let ring = unsafe { AsyncFd::register_with_interest(RingFd(capture.fd()), Interest::READABLE) }
        .map_err(|e| anyhow::anyhow!("cannot poll the ring buffer: {}", e.into_parts().1))?;
    let text = TextOptions { hex: cli.hex };
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut events: Vec<Event> = Vec::new();
    let mut seen: u64 = 0;
    let mut last = Counters::default();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let deadline = cli
        .duration
        .map(|s| tokio::time::Instant::now() + Duration::from_secs_f64(s));
    let mut sigterm = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut sigint = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut done = false;
    while !done {
        tokio::select! {
            guard = ring.readable() => {
                let mut guard = guard.context("waiting on the ring buffer")?;
                capture.drain(&mut events);
                guard.clear_ready();
                done = show(&mut out, &mut events, &mut seen, &cli, text)?;
            }
            _ = tick.tick() => {
                capture.flush_logs();
                let now = capture.counters();
                report_loss(&last, &now);
                last = now;
                done = deadline.is_some_and(|d| tokio::time::Instant::now() >= d);
            }
            _ = sigint.recv() => done = true,
            _ = sigterm.recv() => done = true,
        }
    }
    // What the ring still holds was captured before the end: show it too.
    if cli.count.is_none_or(|n| seen < n) {
        capture.drain(&mut events);
        show(&mut out, &mut events, &mut seen, &cli, text)?;
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
    Ok(())
}

/// Prints the events (emptying `events`); true once `--count` is reached.
fn show(
    out: &mut impl Write,
    events: &mut Vec<Event>,
    seen: &mut u64,
    cli: &Cli,
    text: TextOptions,
) -> anyhow::Result<bool> {
    for ev in events.drain(..) {
        if cli.json {
            serde_json::to_writer(&mut *out, &ev)?;
            writeln!(out)?;
        } else {
            write_event(out, &ev, text)?;
        }
        *seen += 1;
        if cli.count.is_some_and(|n| *seen >= n) {
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
