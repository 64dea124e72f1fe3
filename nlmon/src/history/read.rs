//! What `nlmon history` reads: files given with `--file`, else the
//! daemon's JSON Lines file with its rotated files (oldest first), turned
//! back into events for the pipeline.

use std::{
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

use anyhow::Context as _;
use serde::Deserialize;

use super::HistoryArgs;
use crate::{
    daemon::config::Config,
    event::{Direction, Event, Hook, Kind, Process, Socket, Truncation},
    pcapng,
};

/// The files to read, oldest first.
pub fn inputs(a: &HistoryArgs) -> anyhow::Result<Vec<PathBuf>> {
    if !a.files.is_empty() {
        return Ok(a.files.clone());
    }
    let explicit = a.config != Path::new("/etc/nlmon/nlmon.toml");
    let cfg = Config::load(&a.config, explicit)?;
    let path = cfg.json.path;
    // PATH.keep (oldest) .. PATH.1, then PATH (rotate.rs's names).
    let mut files: Vec<PathBuf> = (1..=cfg.json.keep)
        .rev()
        .map(|i| PathBuf::from(format!("{}.{i}", path.display())))
        .filter(|p| p.exists())
        .collect();
    if path.exists() {
        files.push(path.clone());
    }
    if files.is_empty() {
        anyhow::bail!(
            "no records: {} does not exist (is the daemon's JSON Lines file enabled?); use --file",
            path.display()
        );
    }
    Ok(files)
}

/// The events of one file: pcap/pcapng, or JSON Lines.
pub fn events(path: &Path) -> anyhow::Result<Vec<Event>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let pcap = bytes.len() >= 4
        && matches!(
            u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            0x0a0d_0d0a | 0xa1b2_c3d4 | 0xd4c3_b2a1 | 0xa1b2_3c4d | 0x4d3c_b2a1
        );
    if pcap {
        return pcapng::read(&bytes).with_context(|| format!("cannot read {}", path.display()));
    }
    let mut out = Vec::new();
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let ev = from_json(line)
            .with_context(|| format!("{}:{}: not a line of nlmon --json", path.display(), n + 1))?;
        out.extend(ev);
    }
    Ok(out)
}

/// The parts of a `--json` line the pipeline needs (the decoded message is
/// decoded again from `raw`).
#[derive(Deserialize)]
struct Line {
    kind: String,
    /// Nanoseconds since the epoch.
    time: u128,
    #[serde(default)]
    mono_ns: u64,
    process: LineProcess,
    socket: LineSocket,
    direction: String,
    #[serde(default)]
    errno: Option<i32>,
    #[serde(default)]
    len: u32,
    #[serde(default)]
    msg_index: u32,
    raw: String,
}

#[derive(Deserialize)]
struct LineProcess {
    tgid: u32,
    #[serde(default)]
    tid: u32,
    #[serde(default)]
    uid: u32,
    comm: String,
    #[serde(default)]
    cgroup_id: u64,
    /// cgroup, unit, container, pod (null or absent when unknown).
    #[serde(flatten)]
    attrib: crate::attrib::Attribution,
}

#[derive(Deserialize)]
struct LineSocket {
    protocol: u32,
    #[serde(default)]
    portid: u32,
    #[serde(default)]
    groups: u32,
    #[serde(default)]
    netns: u32,
    #[serde(default)]
    fd: Option<i32>,
}

/// One line as an event holding that line's message (`None` for lines
/// that are not messages: overruns).
fn from_json(line: &[u8]) -> anyhow::Result<Option<Event>> {
    let l: Line = serde_json::from_slice(line)?;
    if l.kind != "message" {
        return Ok(None);
    }
    let Some(direction) = Direction::from_name(&l.direction) else {
        anyhow::bail!("unknown direction {:?}", l.direction);
    };
    let data = unhex(&l.raw).context("raw is not hex")?;
    let ns = u64::try_from(l.time).unwrap_or(u64::MAX);
    Ok(Some(Event {
        kind: Kind::Message,
        mono_ns: l.mono_ns,
        time: SystemTime::UNIX_EPOCH + Duration::from_nanos(ns),
        process: Process {
            tgid: l.process.tgid,
            tid: l.process.tid,
            uid: l.process.uid,
            comm: l.process.comm,
            cgroup_id: l.process.cgroup_id,
            attrib: crate::attrib::Attrib::known(l.process.attrib),
        },
        socket: Socket {
            protocol: l.socket.protocol,
            portid: l.socket.portid,
            groups: l.socket.groups,
            netns: l.socket.netns,
            netns_name: None,
            fd: l.socket.fd,
        },
        direction,
        peer: None,
        hook: Hook::Unknown,
        call_flags: 0,
        ret_flags: 0,
        len: l.len,
        truncation: Truncation::default(),
        errno: l.errno,
        msg_index: l.msg_index,
        data,
        ifnames: Vec::new(),
    }))
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|p| {
            let d = |c: u8| (c as char).to_digit(16);
            Some((d(p[0])? * 16 + d(p[1])?) as u8)
        })
        .collect()
}
