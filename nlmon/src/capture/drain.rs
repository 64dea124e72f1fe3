//! Draining the ring buffer into events, in batches.

use std::os::fd::AsRawFd;

use super::{BATCH, Capture};
use crate::event::Event;

impl Capture {
    /// The ring buffer's descriptor, to wait on (epoll says readable when
    /// records are there).
    pub fn fd(&self) -> std::os::fd::RawFd {
        self.ring.as_raw_fd()
    }

    /// Moves every record now in the ring buffer into `out`; returns how
    /// many it moved. Holds them all at once: for tests and one-off reads;
    /// a capture loop uses [`Capture::drain_batches`].
    pub fn drain(&mut self, out: &mut Vec<Event>) -> usize {
        self.flush_logs();
        let before = out.len();
        while self.drain_some(out, usize::MAX) {}
        out.len() - before
    }

    /// Hands what the ring buffer holds to `consume` in batches of at most
    /// [`BATCH`] events, so the events held at once (nlmon's peak memory)
    /// do not grow with the ring's size. `consume` gets each batch and
    /// returns whether to go on; the batch is cleared after it. Stops after
    /// `max_batches` so that a ring refilled as fast as it is read does not
    /// keep the caller from its timers and signals.
    ///
    /// Returns true when the ring was emptied (the caller may wait for the
    /// next wake-up), false when records may be left.
    pub fn drain_batches<E>(
        &mut self,
        batch: &mut Vec<Event>,
        max_batches: usize,
        mut consume: impl FnMut(&mut Vec<Event>) -> Result<bool, E>,
    ) -> Result<bool, E> {
        self.flush_logs();
        for _ in 0..max_batches {
            let more = self.drain_some(batch, BATCH);
            let go_on = consume(batch)?;
            batch.clear();
            if !more {
                return Ok(true);
            }
            if !go_on {
                return Ok(false);
            }
        }
        Ok(false)
    }

    /// Moves at most `max` records from the ring buffer into `out`; true
    /// when it stopped at `max` (more may be waiting). Each record's space
    /// goes back to the kernel as soon as it is parsed.
    fn drain_some(&mut self, out: &mut Vec<Event>, max: usize) -> bool {
        let mut taken = 0;
        while taken < max {
            let Some(item) = self.ring.next() else {
                return false;
            };
            taken += 1;
            match Event::try_from(&item[..]) {
                Ok(mut ev) => {
                    self.attrib.fill(&mut ev);
                    out.push(ev);
                }
                Err(e) => {
                    self.bad_records += 1;
                    log::warn!("dropping a record: {e}");
                }
            }
        }
        true
    }

    /// Passes on the warnings the programs sent.
    pub fn flush_logs(&mut self) {
        if let Some(logger) = &mut self.logger {
            logger.flush();
        }
    }
}
