//! The JSON Lines file sink: one event per line, the schema of
//! `nlmon --json`, in a file rotated by size.

use std::io;

use super::{config::FileSinkConfig, rotate::RotatingFile, sink::Sink};
use crate::event::Event;

pub struct JsonFile {
    file: RotatingFile,
    line: Vec<u8>,
}

impl JsonFile {
    pub fn new(c: &FileSinkConfig) -> Self {
        Self {
            file: RotatingFile::new(c.path.clone(), c.max_size, c.keep, Vec::new()),
            line: Vec::with_capacity(4096),
        }
    }
}

/// One event as a line of `nlmon --json`.
pub fn json_line(ev: &Event, out: &mut Vec<u8>) -> io::Result<()> {
    serde_json::to_writer(&mut *out, ev)?;
    out.push(b'\n');
    Ok(())
}

impl Sink for JsonFile {
    fn write(&mut self, ev: &Event) -> io::Result<()> {
        self.line.clear();
        json_line(ev, &mut self.line)?;
        self.file.write_record(&self.line)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }

    fn reset(&mut self) {
        self.file.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        daemon::{
            changes::tests::{event, msg},
            rotate::tests::TempDir,
        },
        event::Direction,
    };

    #[test]
    fn writes_one_json_object_per_line() {
        let d = TempDir::new();
        let c = FileSinkConfig {
            enabled: true,
            path: d.0.join("nlmon.jsonl"),
            max_size: 1 << 20,
            keep: 1,
        };
        let mut s = JsonFile::new(&c);
        let ev = event(0, Direction::ToKernel, msg(20, 0x605, &[1, 2]));
        s.write(&ev).unwrap();
        s.write(&ev).unwrap();
        s.flush().unwrap();
        let text = std::fs::read_to_string(&c.path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let v: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(v["process"]["comm"], "ip");
        assert_eq!(v["direction"], "to_kernel");
        assert_eq!(v["data"], crate::print::hex(&ev.data));
        assert_eq!(lines[0], serde_json::to_string(&ev).unwrap());
    }
}
