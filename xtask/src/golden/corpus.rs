//! The corpus's text format, one file per command:
//!
//! ```text
//! # cmd: ip -4 addr add 10.0.0.1/24 dev v0
//! # exit: 0
//! # kernel: 6.18.44
//! to_kernel route ip
//!   2c0000001400050...   (64 bytes per line)
//! from_kernel route ip
//!   24000000020000...
//! ```
//!
//! A record line (direction, netlink protocol number, comm, and `truncated` when
//! nlmon could not copy all of it) is followed by the captured buffer in hex,
//! indented. `nlmon-common/tests/golden.rs` reads it.

use std::{fmt::Write as _, path::Path};

use anyhow::{Context as _, Result};

use super::{Ran, recorder::Record};

pub struct Capture {
    pub ran: Ran,
    pub records: Vec<Record>,
}

const BYTES_PER_LINE: usize = 64;

/// Replaces every `*.txt` corpus file in `dir` with `captures`; returns how many it wrote.
pub fn write(dir: &Path, captures: &[Capture]) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "txt") {
            std::fs::remove_file(&path)?;
        }
    }
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let mut written = 0;
    for (i, capture) in captures.iter().enumerate() {
        // Triggers such as ping talk no netlink themselves.
        if capture.records.is_empty() {
            println!("golden-capture: no netlink from `{}`", capture.ran.cmd);
            continue;
        }
        let name = format!("{:03}-{}.txt", i + 1, slug(&capture.ran.cmd));
        let text = render(capture, &kernel);
        std::fs::write(dir.join(&name), text).with_context(|| format!("cannot write {name}"))?;
        written += 1;
    }
    Ok(written)
}

fn render(capture: &Capture, kernel: &str) -> String {
    let ran = &capture.ran;
    let mut s = String::new();
    let _ = writeln!(s, "# cmd: {}", ran.cmd);
    match ran.exit {
        Some(code) => {
            let _ = writeln!(s, "# exit: {code}");
        }
        None => s.push_str("# exit: signal\n"),
    }
    if ran.host {
        s.push_str("# netns: host (listens only)\n");
    }
    let _ = writeln!(s, "# kernel: {kernel}");
    for r in &capture.records {
        let _ = write!(s, "{} {} {}", r.direction, r.protocol, r.comm);
        if r.truncated {
            s.push_str(" truncated");
        }
        s.push('\n');
        for chunk in r.data.chunks(BYTES_PER_LINE) {
            s.push_str("  ");
            for b in chunk {
                let _ = write!(s, "{b:02x}");
            }
            s.push('\n');
        }
    }
    s
}

/// A file name from a command: lowercase letters, digits and single dashes.
fn slug(cmd: &str) -> String {
    let mut s = String::new();
    for c in cmd.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
        if s.len() >= 60 {
            break;
        }
    }
    s.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(
            slug("ip -4 addr add 10.0.0.1/24 dev v0"),
            "ip-4-addr-add-10-0-0-1-24-dev-v0"
        );
        assert_eq!(
            slug("nft add chain inet t c { type filter ; }"),
            "nft-add-chain-inet-t-c-type-filter"
        );
    }

    #[test]
    fn renders_records_as_wrapped_hex() {
        let capture = Capture {
            ran: Ran {
                cmd: "ip link".into(),
                pid: 1,
                exit: Some(0),
                host: false,
            },
            records: vec![Record {
                tgid: 1,
                comm: "ip".into(),
                direction: "to_kernel".into(),
                protocol: 0,
                data: (0..70).collect(),
                truncated: false,
            }],
        };
        let text = render(&capture, "6.1");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[..4],
            [
                "# cmd: ip link",
                "# exit: 0",
                "# kernel: 6.1",
                "to_kernel 0 ip"
            ]
        );
        assert_eq!(lines[4].len(), 2 + 2 * BYTES_PER_LINE);
        assert_eq!(lines[5], "  404142434445");
    }
}
