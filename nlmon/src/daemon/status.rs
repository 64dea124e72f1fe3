//! The daemon's counters: what `STATUS=`, the periodic loss line and
//! `nlmon attach --stats` report.

use serde::{Deserialize, Serialize};

use super::sink::SinkCounts;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// The attach mode in use.
    pub mode: String,
    /// Events taken from the ring buffer.
    pub captured: u64,
    /// Events that passed the `[filter]` and went to the sinks.
    pub recorded: u64,
    /// Records lost because the ring buffer was full.
    pub ring_lost: u64,
    /// sendmmsg/recvmmsg messages beyond the per-call limit.
    pub mmsg_limit: u64,
    /// Calls that could not be tracked from entry to exit.
    pub pending_full: u64,
    /// Records that did not parse.
    pub bad_records: u64,
    pub sinks: Vec<SinkCounts>,
    /// Attach clients connected now.
    pub clients: u64,
    /// Events not sent to a client that was too slow.
    pub client_skipped: u64,
    /// Connections refused (not root, not in the attach group).
    pub clients_refused: u64,
}

impl Status {
    /// Records the kernel side lost or nlmon could not parse.
    pub fn capture_lost(&self) -> u64 {
        self.ring_lost + self.mmsg_limit + self.pending_full + self.bad_records
    }

    /// Events the sinks lost (queue full or sink failing).
    pub fn sink_lost(&self) -> u64 {
        self.sinks.iter().map(SinkCounts::lost).sum()
    }

    pub fn sink_errors(&self) -> u64 {
        self.sinks.iter().map(|s| s.errors).sum()
    }

    /// Anything lost anywhere.
    pub fn any_loss(&self) -> bool {
        self.capture_lost() + self.sink_lost() + self.sink_errors() + self.client_skipped > 0
    }

    /// One line for `STATUS=` and the log.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{}: {} captured, {} recorded; lost: {} in capture (ring full {}), {} in sinks, \
             {} sink errors, {} skipped for slow clients; {} clients",
            self.mode,
            self.captured,
            self.recorded,
            self.capture_lost(),
            self.ring_lost,
            self.sink_lost(),
            self.sink_errors(),
            self.client_skipped,
            self.clients,
        );
        for k in self.sinks.iter().filter(|k| k.failing) {
            s.push_str(&format!("; sink {} FAILING", k.name));
        }
        s
    }

    /// A multi-line report for `nlmon attach --stats`.
    pub fn report(&self) -> String {
        let mut s = format!(
            "mode            {}\ncaptured        {}\nrecorded        {}\nring lost       {}\n\
             mmsg limit      {}\npending full    {}\nunparsable      {}\nclients         {}\n\
             client skipped  {}\nclients refused {}\n",
            self.mode,
            self.captured,
            self.recorded,
            self.ring_lost,
            self.mmsg_limit,
            self.pending_full,
            self.bad_records,
            self.clients,
            self.client_skipped,
            self.clients_refused
        );
        for k in &self.sinks {
            s.push_str(&format!(
                "sink {:<10} written {} queue-full {} failed {} errors {}{}\n",
                k.name,
                k.written,
                k.queue_full,
                k.failed,
                k.errors,
                if k.failing { " FAILING" } else { "" }
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_adds_up() {
        let mut s = Status {
            mode: "fentry".into(),
            captured: 10,
            ..Status::default()
        };
        assert!(!s.any_loss());
        s.sinks.push(SinkCounts {
            name: "json".into(),
            written: 3,
            queue_full: 2,
            failed: 1,
            errors: 1,
            failing: true,
        });
        s.ring_lost = 4;
        s.client_skipped = 5;
        assert!(s.any_loss());
        assert_eq!(
            (s.capture_lost(), s.sink_lost(), s.sink_errors()),
            (4, 3, 1)
        );
        let line = s.line();
        assert!(
            line.contains("ring full 4") && line.contains("3 in sinks"),
            "{line}"
        );
        assert!(
            line.contains("5 skipped") && line.contains("sink json FAILING"),
            "{line}"
        );
        assert!(s.report().contains("sink json"));
    }
}
