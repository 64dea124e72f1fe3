//! `nlmon daemon`: capture into the configured sinks and serve attach
//! clients until SIGTERM; reload on SIGHUP; report to systemd.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, atomic::Ordering::Relaxed},
    time::{Duration, Instant},
};

use tokio::signal::unix::{SignalKind, signal};

use super::{
    config::{Config, ConfigError},
    metrics::MetricsFile,
    notify::Notifier,
    server::{self, Shared},
    sinks::Sinks,
    status::Status,
};
use crate::{
    capture::{Capture, CaptureError, Options},
    event::Event,
    filter::Select,
    genl_ids,
    pipeline::{Decoded, Detail, Pipeline, PipelineOptions, Selector},
    reorder,
    ring::{self, Ring},
};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot start capturing: {0}")]
    Capture(#[from] CaptureError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
}

fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> DaemonError {
    let what = what.into();
    move |source| DaemonError::Io { what, source }
}

/// Runs the daemon with the config at `path` (`explicit`: named on the
/// command line, so it must exist).
pub async fn run(path: &Path, explicit: bool) -> Result<(), DaemonError> {
    let notifier = Notifier::from_env().map_err(io_err("NOTIFY_SOCKET"))?;
    let mut config = Config::load(path, explicit)?;
    let opts = Options {
        attach: config.capture.attach,
        snaplen: config.capture.snaplen,
        ring_size: config.capture.ring_size,
        // Filters apply in userspace, so a reload can change them.
        ..Options::default()
    };
    // Handlers first: a SIGTERM (systemctl stop) or SIGHUP arriving while the
    // probes load must not kill the daemon with its default action.
    let mut sigterm = signal(SignalKind::terminate()).map_err(io_err("SIGTERM"))?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(io_err("SIGINT"))?;
    let mut sighup = signal(SignalKind::hangup()).map_err(io_err("SIGHUP"))?;
    let mut capture = Capture::start(&opts)?;
    let ring = Ring::new(&capture).map_err(io_err("cannot poll the ring buffer"))?;

    let shared = Arc::new(Shared::new(&config.attach.group, config.attach.queue));
    let mut pipeline = Pipeline::new(PipelineOptions {
        show_secrets: config.decode.show_secrets,
    });
    genl_ids::learn(&mut pipeline.decoder);
    let mut d = Daemon {
        pipeline,
        records: Selector::new(config.filter.clone(), Select::Changes, None),
        metrics: MetricsFile::new(&config.metrics),
        config_path: path.to_owned(),
        explicit,
        sinks: Sinks::start(&config).map_err(io_err("cannot start the sinks"))?,
        shared: Arc::clone(&shared),
        status: Status {
            mode: capture.mode().to_string(),
            ..Status::default()
        },
        last_loss_report: Status::default(),
        last_report_at: Instant::now(),
    };
    let server = if config.attach.enabled {
        let l = server::bind(&config.attach.socket).map_err(io_err(format!(
            "cannot listen on {}",
            config.attach.socket.display()
        )))?;
        Some(tokio::spawn(server::serve(l, Arc::clone(&shared))))
    } else {
        None
    };

    d.update(&capture);
    // Every probe is attached (Capture::start returns only then), the
    // sinks run and the socket listens.
    notifier.notify(&format!("READY=1\nSTATUS={}", d.status.line()));
    log::info!(
        "capturing with {}; config {}",
        capture.mode(),
        path.display()
    );

    let mut events: Vec<Event> = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    // Without a watchdog the timer still runs, rarely, and sends nothing.
    let watchdog_every = notifier.watchdog();
    let mut watchdog = tokio::time::interval(watchdog_every.unwrap_or(Duration::from_secs(3600)));
    loop {
        tokio::select! {
            guard = ring.readable() => {
                ring::drain_ready(guard, &mut capture, &mut events, |b| {
                    d.dispatch(std::mem::take(b));
                    Ok(true)
                })
                .map_err(io_err("reading the ring buffer"))?;
            }
            // The ring stayed quiet for a window: nothing captured before
            // the events held back can still come.
            () = tokio::time::sleep(reorder::WINDOW), if d.pipeline.holding() => {
                d.release();
            }
            _ = tick.tick() => {
                capture.flush_logs();
                d.update(&capture);
                notifier.notify(&format!("STATUS={}", d.status.line()));
                d.report_loss(config.status.interval);
                d.metrics.tick(&config.metrics, config.status.interval, &d.status, false);
            }
            _ = watchdog.tick() => {
                if watchdog_every.is_some() {
                    notifier.notify("WATCHDOG=1");
                }
            }
            _ = sighup.recv() => {
                notifier.notify(&format!("RELOADING=1\nMONOTONIC_USEC={}", monotonic_usec()));
                // What the ring holds was captured under the old filters.
                drain(&mut capture, &mut d, &mut events);
                if let Some(new) = d.reload(&config) {
                    config = new;
                }
                d.update(&capture);
                notifier.notify(&format!("READY=1\nSTATUS={}", d.status.line()));
            }
            _ = sigterm.recv() => break,
            _ = sigint.recv() => break,
        }
    }
    notifier.notify("STOPPING=1");
    drain(&mut capture, &mut d, &mut events);
    d.update(&capture);
    // Detach first: nothing more is captured, then every sink writes out
    // what it holds.
    drop(ring);
    drop(capture);
    if let Some(s) = server {
        s.abort();
    }
    if config.attach.enabled {
        let _ = std::fs::remove_file(&config.attach.socket);
    }
    d.status.sinks = d.sinks.close();
    d.metrics
        .tick(&config.metrics, config.status.interval, &d.status, true);
    log::info!("stopped: {}", d.status.line());
    Ok(())
}

/// Dispatches everything the ring holds, and every event held back.
fn drain(capture: &mut Capture, d: &mut Daemon, events: &mut Vec<Event>) {
    let Ok(_) = capture.drain_batches(events, usize::MAX, |b| {
        d.dispatch(std::mem::take(b));
        Ok::<_, std::convert::Infallible>(true)
    });
    d.release();
}

struct Daemon {
    /// Decodes each event once for the sinks and every attach client;
    /// redacts secrets unless `show_secrets`.
    pipeline: Pipeline,
    /// The `[filter]` of what is recorded.
    records: Selector,
    /// Counters for node_exporter's textfile collector (every message
    /// captured, whatever `[filter]` keeps).
    metrics: MetricsFile,
    config_path: PathBuf,
    explicit: bool,
    sinks: Sinks,
    shared: Arc<Shared>,
    status: Status,
    /// The counters at the last loss line.
    last_loss_report: Status,
    last_report_at: Instant,
}

impl Daemon {
    /// Decodes drained events once and hands them to the sinks (through
    /// the `[filter]`) and to attach clients (each through its own).
    /// The newest may wait for the next batch ([`crate::reorder`]).
    fn dispatch(&mut self, events: Vec<Event>) {
        self.status.captured += events.len() as u64;
        let decoded = self.pipeline.decode_settled(events, Detail::Tree, None);
        self.hand_out(decoded);
    }

    /// Dispatches the events held back.
    fn release(&mut self) {
        let decoded = self.pipeline.decode_batch(Vec::new(), Detail::Tree, None);
        self.hand_out(decoded);
    }

    fn hand_out(&mut self, decoded: Vec<Decoded>) {
        for d in decoded {
            self.metrics
                .metrics
                .count(&d.ev, d.msgs.iter().map(|s| &s.message));
            let d = Arc::new(d);
            let (sinks, recorded) = (&self.sinks, &mut self.status.recorded);
            let Ok(()) = self.records.offer(&d, &mut |s| {
                *recorded += 1;
                sinks.send(&s);
                Ok(())
            }) else {
                continue;
            };
            self.shared.send(&d);
        }
    }

    /// Refreshes the counters and publishes them for `--stats`.
    fn update(&mut self, capture: &Capture) {
        let c = capture.counters();
        let s = &mut self.status;
        s.ring_lost = c.lost;
        s.mmsg_limit = c.mmsg_limit;
        s.pending_full = c.pending_full;
        s.bad_records = capture.bad_records;
        s.sinks = self.sinks.counts();
        s.clients = self.shared.clients();
        s.client_skipped = self.shared.skipped.load(Relaxed);
        s.clients_refused = self.shared.refused.load(Relaxed);
        match self.shared.status.lock() {
            Ok(mut g) => *g = s.clone(),
            Err(p) => *p.into_inner() = s.clone(),
        }
    }

    /// Every `interval` seconds, a warning when something was lost since
    /// the last one.
    fn report_loss(&mut self, interval: u64) {
        if self.last_report_at.elapsed() < Duration::from_secs(interval) {
            return;
        }
        let (now, last) = (&self.status, &self.last_loss_report);
        let new_loss = now.capture_lost() > last.capture_lost()
            || now.sink_lost() > last.sink_lost()
            || now.sink_errors() > last.sink_errors()
            || now.client_skipped > last.client_skipped;
        if new_loss {
            log::warn!("loss since the last report; totals: {}", now.line());
        }
        self.last_loss_report = now.clone();
        self.last_report_at = Instant::now();
    }

    /// Reads the config again; on error keeps the running one. Returns the
    /// new config when it was applied.
    fn reload(&mut self, old: &Config) -> Option<Config> {
        let new = match Config::load(&self.config_path, self.explicit) {
            Ok(c) => c,
            Err(e) => {
                log::error!("reload: {e}; keeping the running configuration");
                return None;
            }
        };
        if new.capture != old.capture {
            log::warn!("reload: [capture] changes take effect after a restart");
        }
        if new.attach.socket != old.attach.socket || new.attach.enabled != old.attach.enabled {
            log::warn!("reload: [attach] socket and enabled take effect after a restart");
        }
        if let Err(e) = self.sinks.reload(&new) {
            log::error!("reload: starting sinks: {e}");
        }
        if new.filter != old.filter {
            self.records = Selector::new(new.filter.clone(), Select::Changes, None);
        }
        self.pipeline.set_options(PipelineOptions {
            show_secrets: new.decode.show_secrets,
        });
        match self.shared.group.lock() {
            Ok(mut g) => g.clone_from(&new.attach.group),
            Err(p) => p.into_inner().clone_from(&new.attach.group),
        }
        self.shared.queue.store(new.attach.queue as u64, Relaxed);
        log::info!("reloaded {}", self.config_path.display());
        Some(new)
    }
}

fn monotonic_usec() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid timespec to write to.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1000
}
