//! The JSON Lines file sink: the lines of `nlmon --json` (one per message,
//! the same view over the same decoded events), in a file rotated by size.
//! An event's lines go to one file.

use std::io;

use super::{config::FileSinkConfig, rotate::RotatingFile, sink::Sink};
use crate::{
    event::Event,
    json,
    pipeline::{self, Shown},
};

pub struct JsonFile {
    file: RotatingFile,
    lines: Vec<u8>,
}

impl JsonFile {
    pub fn new(c: &FileSinkConfig) -> Self {
        Self {
            file: RotatingFile::new(c.path.clone(), c.max_size, c.keep, Vec::new()),
            lines: Vec::with_capacity(4096),
        }
    }
}

impl pipeline::Sink for JsonFile {
    fn event(&mut self, ev: &Event, msgs: &[Shown]) -> io::Result<()> {
        self.lines.clear();
        json::write_lines(&mut self.lines, ev, msgs)?;
        self.file.write_record(&self.lines)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Sink for JsonFile {
    fn reset(&mut self) {
        self.file.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        daemon::rotate::tests::TempDir,
        event::Direction,
        pipeline::{
            Sink as _,
            tests::{event, msg, selected},
        },
    };

    #[test]
    fn writes_the_lines_of_nlmon_json() {
        let d = TempDir::new();
        let c = FileSinkConfig {
            enabled: true,
            path: d.0.join("nlmon.jsonl"),
            max_size: 1 << 20,
            keep: 1,
        };
        let mut s = JsonFile::new(&c);
        let mut data = msg(20, 0x605, &[2, 24, 0, 0, 1, 0, 0, 0]);
        data.extend(msg(20, 0x605, &[2, 24, 0, 0, 1, 0, 0, 0]));
        let sel = selected(event(0, Direction::ToKernel, data));
        sel.show(&mut s).unwrap();
        s.flush().unwrap();
        let text = std::fs::read_to_string(&c.path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "one line per message");
        let mut want = Vec::new();
        json::write_lines(&mut want, &sel.decoded.ev, &sel.decoded.msgs).unwrap();
        assert_eq!(text.as_bytes(), &want[..]);
        let v: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
        assert_eq!(v["message"]["type_name"], "RTM_NEWADDR");
        assert_eq!(
            (v["index"].as_u64(), v["count"].as_u64()),
            (Some(1), Some(2))
        );
        assert_eq!(v["process"]["comm"], "ip");
    }
}
