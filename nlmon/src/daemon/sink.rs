//! Running a sink on its own thread behind a bounded queue, so that a slow
//! or failing sink never stalls capture: a full queue drops the event for
//! that sink and counts it; a failing sink is logged, retried, and the
//! events it could not write are counted.

use std::{
    io,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering::Relaxed},
        mpsc::{self, RecvTimeoutError, SyncSender, TrySendError},
    },
    thread::JoinHandle,
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};

use crate::pipeline::{self, Selected};

/// Somewhere events are recorded: a view of the decoded events
/// ([`pipeline::Sink`]: `event` records one, possibly buffered; `flush`
/// makes what was written durable), run on its own thread.
pub trait Sink: pipeline::Sink + Send + 'static {
    /// Forgets any open file or socket after an error, so that the next
    /// write opens it again.
    fn reset(&mut self);
}

/// How long a failing sink rests before it is tried again.
const RETRY_AFTER: Duration = Duration::from_secs(5);
/// Buffered output is flushed at least this often.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Counters of one sink, shared with the status reports.
#[derive(Debug, Default)]
pub struct SinkStats {
    /// Events written.
    pub written: AtomicU64,
    /// Events dropped because the sink's queue was full.
    pub queue_full: AtomicU64,
    /// Events not written because the sink was failing.
    pub failed: AtomicU64,
    /// Errors (each is logged, the first of a run of them loudly).
    pub errors: AtomicU64,
    /// Whether the sink is failing right now.
    pub failing: AtomicBool,
}

/// A snapshot of [`SinkStats`], for STATUS= and `nlmon attach --stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkCounts {
    pub name: String,
    pub written: u64,
    pub queue_full: u64,
    pub failed: u64,
    pub errors: u64,
    pub failing: bool,
}

impl SinkCounts {
    /// Events this sink lost.
    pub fn lost(&self) -> u64 {
        self.queue_full + self.failed
    }
}

/// The capture side of a running sink.
pub struct SinkHandle {
    name: String,
    tx: Option<SyncSender<Selected>>,
    thread: Option<JoinHandle<()>>,
    stats: Arc<SinkStats>,
}

impl SinkHandle {
    /// Starts `sink` on its own thread with room for `queue` events.
    pub fn spawn(name: &str, sink: Box<dyn Sink>, queue: usize) -> io::Result<Self> {
        let (tx, rx) = mpsc::sync_channel::<Selected>(queue);
        let stats = Arc::new(SinkStats::default());
        let s = Arc::clone(&stats);
        let n = name.to_owned();
        let thread = std::thread::Builder::new()
            .name(format!("sink-{name}"))
            .spawn(move || run(&n, sink, &rx, &s))?;
        Ok(Self {
            name: name.to_owned(),
            tx: Some(tx),
            thread: Some(thread),
            stats,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Queues an event; never blocks.
    pub fn send(&self, ev: &Selected) {
        let Some(tx) = &self.tx else { return };
        match tx.try_send(ev.clone()) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.stats.queue_full.fetch_add(1, Relaxed);
            }
            // The thread ended (it only does when told to, or on a panic).
            Err(TrySendError::Disconnected(_)) => {
                self.stats.failed.fetch_add(1, Relaxed);
            }
        }
    }

    pub fn counts(&self) -> SinkCounts {
        let s = &self.stats;
        SinkCounts {
            name: self.name.clone(),
            written: s.written.load(Relaxed),
            queue_full: s.queue_full.load(Relaxed),
            failed: s.failed.load(Relaxed),
            errors: s.errors.load(Relaxed),
            failing: s.failing.load(Relaxed),
        }
    }

    /// Writes out what is queued, flushes, and ends the thread.
    pub fn close(mut self) -> SinkCounts {
        self.shutdown();
        self.counts()
    }

    fn shutdown(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            log::error!("sink {}: its thread panicked", self.name);
        }
    }
}

impl Drop for SinkHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The sink thread: write, flush when idle or every second, and after an
/// error rest, then try again.
fn run(name: &str, mut sink: Box<dyn Sink>, rx: &mpsc::Receiver<Selected>, stats: &SinkStats) {
    let mut resting_until: Option<Instant> = None;
    let mut dirty = false;
    let mut last_flush = Instant::now();
    let fail = |e: io::Error, sink: &mut Box<dyn Sink>, resting: &mut Option<Instant>| {
        stats.errors.fetch_add(1, Relaxed);
        if !stats.failing.swap(true, Relaxed) {
            log::error!(
                "sink {name}: {e}; retrying every {}s, events meanwhile are counted as lost",
                RETRY_AFTER.as_secs()
            );
        } else {
            log::warn!("sink {name}: still failing: {e}");
        }
        sink.reset();
        *resting = Some(Instant::now() + RETRY_AFTER);
    };
    loop {
        let ev = match rx.recv_timeout(FLUSH_EVERY) {
            Ok(ev) => Some(ev),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if let Some(ev) = &ev {
            if resting_until.is_some_and(|t| Instant::now() < t) {
                stats.failed.fetch_add(1, Relaxed);
                continue;
            }
            match ev.show(&mut *sink) {
                Ok(()) => {
                    stats.written.fetch_add(1, Relaxed);
                    dirty = true;
                    if resting_until.take().is_some() {
                        log::info!("sink {name}: working again");
                        stats.failing.store(false, Relaxed);
                    }
                }
                Err(e) => {
                    stats.failed.fetch_add(1, Relaxed);
                    fail(e, &mut sink, &mut resting_until);
                }
            }
        }
        // Idle (a second without events) or a second of buffered writes.
        let resting = resting_until.is_some_and(|t| Instant::now() < t);
        if !resting && (ev.is_none() || dirty && last_flush.elapsed() >= FLUSH_EVERY) {
            if let Err(e) = sink.flush() {
                fail(e, &mut sink, &mut resting_until);
            }
            dirty = false;
            last_flush = Instant::now();
        }
    }
    if let Err(e) = sink.flush() {
        log::error!("sink {name}: final flush: {e}");
        stats.errors.fetch_add(1, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::{
        event::{Direction, Event},
        pipeline::{Decoded, Shown, tests::event},
    };

    /// A sink that records what it gets and fails while told to.
    #[derive(Clone, Default)]
    struct Probe {
        got: Arc<Mutex<Vec<u64>>>,
        broken: Arc<AtomicBool>,
        flushes: Arc<AtomicU64>,
        gate: Arc<Mutex<()>>,
    }

    impl pipeline::Sink for Probe {
        fn event(&mut self, ev: &Event, _: &[Shown]) -> io::Result<()> {
            let _held = self.gate.lock().unwrap();
            if self.broken.load(Relaxed) {
                return Err(io::Error::other("broken"));
            }
            self.got.lock().unwrap().push(ev.mono_ns);
            Ok(())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.flushes.fetch_add(1, Relaxed);
            Ok(())
        }
    }

    impl Sink for Probe {
        fn reset(&mut self) {}
    }

    fn ev(n: u64) -> Selected {
        let mut e = event(0, Direction::ToKernel, vec![]);
        e.mono_ns = n;
        Selected {
            decoded: Arc::new(Decoded {
                ev: e,
                msgs: Vec::new(),
            }),
            which: None,
        }
    }

    #[test]
    fn writes_in_order_and_flushes_on_close() {
        let p = Probe::default();
        let h = SinkHandle::spawn("probe", Box::new(p.clone()), 16).unwrap();
        for n in 0..10 {
            h.send(&ev(n));
        }
        let c = h.close();
        assert_eq!(*p.got.lock().unwrap(), (0..10).collect::<Vec<_>>());
        assert_eq!(c.written, 10);
        assert_eq!(c.lost(), 0);
        assert!(p.flushes.load(Relaxed) >= 1);
    }

    #[test]
    fn a_stuck_sink_drops_and_counts_without_blocking() {
        let p = Probe::default();
        let held = p.gate.lock().unwrap();
        let h = SinkHandle::spawn("probe", Box::new(p.clone()), 4).unwrap();
        let start = Instant::now();
        for n in 0..100 {
            h.send(&ev(n));
        }
        assert!(start.elapsed() < Duration::from_secs(1));
        drop(held);
        let c = h.close();
        // One may be inside write() while the gate is held, 4 in the queue.
        assert!(c.written <= 5 && c.written >= 4, "{c:?}");
        assert_eq!(c.written + c.queue_full, 100, "{c:?}");
    }

    #[test]
    fn a_failing_sink_counts_and_recovers() {
        let p = Probe::default();
        p.broken.store(true, Relaxed);
        let h = SinkHandle::spawn("probe", Box::new(p.clone()), 16).unwrap();
        h.send(&ev(1));
        h.send(&ev(2));
        std::thread::sleep(Duration::from_millis(200));
        let c = h.counts();
        assert!(c.failing);
        assert_eq!((c.failed, c.errors, c.written), (2, 1, 0));
        p.broken.store(false, Relaxed);
        // Still resting: counted, not written.
        h.send(&ev(3));
        std::thread::sleep(RETRY_AFTER + Duration::from_millis(300));
        h.send(&ev(4));
        let c = h.close();
        assert_eq!(*p.got.lock().unwrap(), [4]);
        assert_eq!((c.failed, c.written, c.failing), (3, 1, false));
    }
}
