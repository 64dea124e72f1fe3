//! The pcapng file sink: the packets of `nlmon -w`, in a file rotated by
//! size. Every file, rotated or not, starts with its own section header and
//! interface block, so each one opens on its own in Wireshark or `nlmon -r`.

use std::io;

use super::{config::FileSinkConfig, rotate::RotatingFile, sink::Sink};
use crate::{
    event::Event,
    pcapng::PcapngWriter,
    pipeline::{self, Shown},
};

pub struct PcapngFile {
    file: RotatingFile,
    /// Encodes one event's packets at a time; its bytes then go to the
    /// file as one record, so an event's packets never straddle two files.
    enc: PcapngWriter<Vec<u8>>,
}

impl PcapngFile {
    pub fn new(c: &FileSinkConfig) -> io::Result<Self> {
        let mut enc = PcapngWriter::new(Vec::new())?;
        let header = std::mem::take(enc.get_mut());
        Ok(Self {
            file: RotatingFile::new(c.path.clone(), c.max_size, c.keep, header),
            enc,
        })
    }
}

impl pipeline::Sink for PcapngFile {
    fn event(&mut self, ev: &Event, msgs: &[Shown]) -> io::Result<()> {
        self.enc.get_mut().clear();
        self.enc.write_shown(ev, msgs)?;
        let record = self.enc.get_mut();
        if record.is_empty() {
            // An overrun: no message, no packet.
            return Ok(());
        }
        self.file.write_record(record)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }

    /// pcapng stores the bytes; it reads only a message's length, and
    /// the interface names it is shown with, for the packet's comment.
    fn detail(&self) -> pipeline::Detail {
        pipeline::Detail::Names
    }
}

impl Sink for PcapngFile {
    fn reset(&mut self) {
        self.file.reset();
    }
}

#[cfg(test)]
mod tests {
    use std::{fs, path::Path, process::Command};

    use super::*;
    use crate::{
        daemon::rotate::tests::TempDir,
        event::Direction,
        pcapng,
        pipeline::{
            Sink as _,
            tests::{event, msg, selected},
        },
    };

    /// The events in one file, read by the `-r` reader; and by tshark when
    /// it is installed.
    fn read_alone(p: &Path) -> Vec<Event> {
        let bytes = fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let evs = pcapng::read(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        if let Ok(out) = Command::new("tshark").arg("-r").arg(p).output() {
            assert!(
                out.status.success(),
                "tshark -r {}: {}",
                p.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            let lines = String::from_utf8_lossy(&out.stdout).lines().count();
            assert_eq!(lines, evs.len(), "tshark packets in {}", p.display());
        }
        evs
    }

    #[test]
    fn every_rotated_file_is_a_capture_of_its_own() {
        let d = TempDir::new();
        let c = FileSinkConfig {
            enabled: true,
            path: d.0.join("nlmon.pcapng"),
            max_size: 2000,
            keep: 3,
        };
        let mut s = PcapngFile::new(&c).unwrap();
        // Sequence numbers tell which events each file holds.
        let total = 60u32;
        for seq in 0..total {
            let mut ev = event(0, Direction::ToKernel, msg(20, 0x605, &[0; 40]));
            ev.data[8..12].copy_from_slice(&seq.to_ne_bytes());
            selected(ev).show(&mut s).unwrap();
        }
        s.flush().unwrap();
        assert!(!d.0.join("nlmon.pcapng.4").exists(), "keep = 3");
        let mut seqs = Vec::new();
        for f in [
            "nlmon.pcapng.3",
            "nlmon.pcapng.2",
            "nlmon.pcapng.1",
            "nlmon.pcapng",
        ] {
            let p = d.0.join(f);
            assert!(fs::metadata(&p).unwrap().len() <= c.max_size, "{f} too big");
            let evs = read_alone(&p);
            assert!(!evs.is_empty(), "{f} has packets");
            for e in &evs {
                assert_eq!(e.process.comm, "ip");
                assert_eq!(e.direction, Direction::ToKernel);
                seqs.push(u32::from_ne_bytes(e.data[8..12].try_into().unwrap()));
            }
        }
        // The kept files hold the newest events, in order, none missing.
        let first = total - seqs.len() as u32;
        assert!(first > 0, "some files were rotated away");
        assert_eq!(seqs, (first..total).collect::<Vec<_>>());
    }

    #[test]
    fn appending_after_a_restart_starts_a_new_section() {
        let d = TempDir::new();
        let c = FileSinkConfig {
            enabled: true,
            path: d.0.join("nlmon.pcapng"),
            max_size: 1 << 20,
            keep: 1,
        };
        let ev = event(0, Direction::FromKernel, msg(20, 0x605, &[1, 2]));
        for _ in 0..2 {
            let mut s = PcapngFile::new(&c).unwrap();
            selected(ev.clone()).show(&mut s).unwrap();
            s.flush().unwrap();
        }
        let evs = read_alone(&c.path);
        assert_eq!(evs.len(), 2);
        assert!(evs.iter().all(|e| e.data == ev.data));
    }
}
