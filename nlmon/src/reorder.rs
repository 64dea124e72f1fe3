//! Putting events back in time order across drain batches. Records of
//! several CPUs reach the ring buffer out of timestamp order by
//! microseconds, so the newest events of one drain may have been preceded
//! by records that come with the next (an answer drained before the
//! request it answers). [`Reorder`] holds back, at the end of each batch,
//! the events captured within [`WINDOW`] of the newest one seen, and
//! merges them into the next batch; the drain loops release what it holds
//! when the ring stays quiet for a window and at the end, so no event is
//! lost and none waits much longer than a window.

use std::time::Duration;

use crate::event::Event;

/// How far behind the newest event an earlier one may still arrive.
pub const WINDOW: Duration = Duration::from_millis(5);
const WINDOW_NS: u64 = WINDOW.as_nanos() as u64;

/// Events held back at most, as many as one drain batch: a burst of more
/// within one window (or a capture file whose timestamps are all alike)
/// is released oldest first rather than held, so memory stays about two
/// batches.
const MAX_HELD: usize = crate::capture::BATCH;

/// The events held back for the next batch.
#[derive(Debug, Default)]
pub struct Reorder {
    /// In time order.
    held: Vec<Event>,
}

impl Reorder {
    /// `batch` and the events held, in time order (events of one instant
    /// in the order they came), without those captured within [`WINDOW`]
    /// of the newest: those are held for the next batch.
    pub fn settle(&mut self, batch: Vec<Event>) -> Vec<Event> {
        let mut all = self.merge(batch);
        let newest = all.last().map_or(0, |e| e.mono_ns);
        let cut = all
            .partition_point(|e| e.mono_ns.saturating_add(WINDOW_NS) <= newest)
            .max(all.len().saturating_sub(MAX_HELD));
        self.held = all.split_off(cut);
        all
    }

    /// `batch` and every event held, in time order: nothing is held after.
    pub fn flush(&mut self, batch: Vec<Event>) -> Vec<Event> {
        self.merge(batch)
    }

    /// Whether events are held back, waiting for a batch or a flush.
    pub fn holding(&self) -> bool {
        !self.held.is_empty()
    }

    fn merge(&mut self, batch: Vec<Event>) -> Vec<Event> {
        let mut all = std::mem::take(&mut self.held);
        all.extend(batch);
        // Stable: records of one instant keep the order they came in.
        all.sort_by_key(|e| e.mono_ns);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(mono_ns: u64) -> Event {
        let mut e = crate::event::sample("t", 1, 1, Vec::new());
        e.mono_ns = mono_ns;
        e
    }

    fn times(evs: &[Event]) -> Vec<u64> {
        evs.iter().map(|e| e.mono_ns).collect()
    }

    #[test]
    fn the_newest_wait_for_the_next_batch() {
        let mut r = Reorder::default();
        let ms = 1_000_000;
        let out = r.settle(vec![at(10 * ms), at(2 * ms), at(8 * ms)]);
        // 8 and 10 ms are within 5 ms of the newest.
        assert_eq!(times(&out), [2 * ms]);
        assert!(r.holding());
        // One that came late falls in before those held.
        let out = r.settle(vec![at(7 * ms), at(20 * ms)]);
        assert_eq!(times(&out), [7 * ms, 8 * ms, 10 * ms]);
        let out = r.flush(Vec::new());
        assert_eq!(times(&out), [20 * ms]);
        assert!(!r.holding());
    }

    #[test]
    fn held_events_are_bounded() {
        let mut r = Reorder::default();
        let out = r.settle((0..MAX_HELD as u64 + 10).map(|i| at(i % 3)).collect());
        assert_eq!(out.len(), 10, "the oldest beyond the bound go on");
        assert_eq!(r.flush(Vec::new()).len(), MAX_HELD);
    }
}
