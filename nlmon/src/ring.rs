//! Waiting on the ring buffer and draining it: the loop body the live
//! command and the daemon share.

use std::{
    io,
    os::fd::{AsRawFd, RawFd},
};

use tokio::io::{
    Interest,
    unix::{AsyncFd, AsyncFdReadyGuard},
};

use crate::{capture::Capture, event::Event};

/// Batches read per wake-up at most before the timers and signals get a
/// turn (see [`Capture::drain_batches`]).
pub const MAX_BATCHES: usize = 64;

/// The ring buffer's descriptor, for tokio to wait on.
pub struct RingFd(RawFd);

impl AsRawFd for RingFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// The ring buffer as tokio waits on it. Drop it before the capture.
pub struct Ring {
    fd: AsyncFd<RingFd>,
}

impl Ring {
    pub fn new(capture: &Capture) -> io::Result<Self> {
        // SAFETY: the descriptor belongs to `capture`, which the caller
        // keeps until this is dropped.
        let fd =
            unsafe { AsyncFd::register_with_interest(RingFd(capture.fd()), Interest::READABLE) }
                .map_err(|e| e.into_parts().1)?;
        Ok(Self { fd })
    }

    /// Resolves when the kernel says records are there.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, RingFd>> {
        self.fd.readable().await
    }
}

/// After [`Ring::readable`]: hands what the ring holds to `consume` in
/// batches (at most [`MAX_BATCHES`], so timers and signals get their
/// turn); `consume` says whether to go on. The ring stays ready while
/// records remain, so the caller's next turn reads on.
pub fn drain_ready(
    guard: io::Result<AsyncFdReadyGuard<'_, RingFd>>,
    capture: &mut Capture,
    events: &mut Vec<Event>,
    consume: impl FnMut(&mut Vec<Event>) -> io::Result<bool>,
) -> io::Result<()> {
    let mut guard = guard?;
    if capture.drain_batches(events, MAX_BATCHES, consume)? {
        guard.clear_ready();
    }
    Ok(())
}
