//! What `nlmon history` reads: files given with `--file`, else the
//! daemon's records (the journal, or its JSON Lines file with the rotated
//! files, oldest first). Records that carry their changes are read back as
//! changes; others are turned back into events for the pipeline.

use std::{
    fs::File,
    io::{BufRead, BufReader, Read},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    time::{Duration, SystemTime},
};

use anyhow::Context as _;
use serde::Deserialize;

use super::HistoryArgs;
use crate::{
    change::Change,
    daemon::config::Config,
    event::{Direction, Event, Hook, Kind, Process, Socket, Truncation},
    pcapng,
};

/// Where the records are.
pub enum Source {
    /// These files (JSON Lines or pcapng), oldest first.
    Files(Vec<PathBuf>),
    /// The journal: the daemon's change entries (`NLMON_RECORD=change`).
    Journal,
}

/// The files given with `--file`; else the daemon's records where its
/// configuration puts them: the journal when its journal sink is on (and
/// `journalctl` runs), else its JSON Lines file with the rotated files.
pub fn source(a: &HistoryArgs) -> anyhow::Result<Source> {
    if !a.files.is_empty() {
        return Ok(Source::Files(a.files.clone()));
    }
    let explicit = a.config != Path::new("/etc/nlmon/nlmon.toml");
    let cfg = Config::load(&a.config, explicit)?;
    let journal = cfg.journal.enabled
        && Command::new("journalctl")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if journal {
        return Ok(Source::Journal);
    }
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
            "no records: the daemon's journal sink is off and {} does not exist (is its JSON Lines file enabled?); use --file",
            path.display()
        );
    }
    Ok(Source::Files(files))
}

/// Where a JSON line of nlmon that tracks changes holds the change its
/// message completes: the last member (`..., "change":{...}}`).
const CHANGE: &[u8] = b",\"change\":{";

/// Whether a file's lines carry the changes they complete (the daemon's
/// JSON file, `nlmon --json`): then they are read back as they were
/// recorded, without decoding a message.
pub fn carries_changes(path: &Path) -> anyhow::Result<bool> {
    let mut f = open(path)?;
    let finder = memchr::memmem::Finder::new(CHANGE);
    let mut buf = vec![0u8; 1 << 20];
    // Bytes kept from the previous block, so a match across blocks counts.
    let mut kept = 0;
    loop {
        let n = f
            .read(&mut buf[kept..])
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            return Ok(false);
        }
        let end = kept + n;
        if finder.find(&buf[..end]).is_some() {
            return Ok(true);
        }
        kept = (CHANGE.len() - 1).min(end);
        buf.copy_within(end - kept..end, 0);
    }
}

/// The changes recorded in a file that [`carries_changes`], in order.
/// `wanted` sees each change's JSON first, so most are never parsed.
pub fn recorded(
    path: &Path,
    wanted: &dyn Fn(&[u8]) -> bool,
    out: &mut Vec<Change>,
) -> anyhow::Result<()> {
    let finder = memchr::memmem::FinderRev::new(CHANGE);
    each_line(path, &mut |n, line| {
        let Some(at) = finder.rfind(line) else {
            return Ok(());
        };
        let json = line[at + CHANGE.len() - 1..].trim_ascii_end();
        let Some(json) = json.strip_suffix(b"}") else {
            anyhow::bail!("{}:{n}: a line cut short", path.display());
        };
        if !wanted(json) {
            return Ok(());
        }
        let c = Change::from_json(json)
            .with_context(|| format!("{}:{n}: not a change of nlmon --json", path.display()))?;
        out.push(c);
        Ok(())
    })
}

/// Hands each line of a file (with its number) to `each`.
fn each_line(
    path: &Path,
    each: &mut dyn FnMut(usize, &[u8]) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut r = BufReader::with_capacity(1 << 20, open(path)?);
    let mut line = Vec::with_capacity(4096);
    for n in 1.. {
        line.clear();
        if r.read_until(b'\n', &mut line)
            .with_context(|| format!("cannot read {}", path.display()))?
            == 0
        {
            break;
        }
        each(n, &line)?;
    }
    Ok(())
}

/// The daemon's change entries in the journal, found by its field index
/// (`NLMON_RECORD=change`, and `NLMON_OBJECT` and `NLMON_COMM` when the
/// query names them), read back from their `NLMON_CHANGE` field.
pub fn journal(a: &HistoryArgs, kind: Option<&str>, out: &mut Vec<Change>) -> anyhow::Result<()> {
    let mut cmd = Command::new("journalctl");
    cmd.args([
        "--output=json",
        "--all",
        "--no-pager",
        "--output-fields=NLMON_CHANGE",
        "SYSLOG_IDENTIFIER=nlmon",
        "NLMON_RECORD=change",
    ]);
    if let Some(k) = kind {
        cmd.arg(format!("NLMON_OBJECT={k}"));
    }
    // Matches of one field are alternatives for journalctl.
    for c in &a.comm {
        cmd.arg(format!("NLMON_COMM={c}"));
    }
    for (flag, t) in [("--since", &a.since), ("--until", &a.until)] {
        if let Some(t) = t.as_deref().map(super::time::parse).transpose()? {
            let s = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
            cmd.arg(format!(
                "{flag}=@{}",
                s.as_secs() + u64::from(flag == "--until")
            ));
        }
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run journalctl")?;
    let stdout = child.stdout.take().context("journalctl's output")?;
    for (n, line) in BufReader::new(stdout).split(b'\n').enumerate() {
        let line = line.context("cannot read journalctl's output")?;
        let entry: JournalEntry = serde_json::from_slice(&line)
            .with_context(|| format!("journalctl output line {}: not an entry", n + 1))?;
        let json = match entry.change {
            Some(FieldValue::Text(t)) => t.into_bytes(),
            Some(FieldValue::Bytes(b)) => b,
            None => continue,
        };
        out.push(Change::from_json(&json).with_context(|| {
            format!(
                "journal entry {}: NLMON_CHANGE is not a change",
                entry.cursor
            )
        })?);
    }
    let done = child.wait_with_output().context("journalctl")?;
    if !done.status.success() {
        anyhow::bail!(
            "journalctl failed ({}): {}",
            done.status,
            String::from_utf8_lossy(&done.stderr).trim()
        );
    }
    Ok(())
}

#[derive(Deserialize)]
struct JournalEntry {
    #[serde(rename = "__CURSOR", default)]
    cursor: String,
    #[serde(rename = "NLMON_CHANGE")]
    change: Option<FieldValue>,
}

/// journalctl shows a field that is not valid UTF-8 as its bytes.
#[derive(Deserialize)]
#[serde(untagged)]
enum FieldValue {
    Text(String),
    Bytes(Vec<u8>),
}

fn open(path: &Path) -> anyhow::Result<File> {
    File::open(path).with_context(|| format!("cannot read {}", path.display()))
}

/// Whether a file is pcap or pcapng (by its first bytes).
pub fn is_pcap(path: &Path) -> anyhow::Result<bool> {
    let mut magic = [0u8; 4];
    let mut f = open(path)?;
    let mut got = 0;
    while got < 4 {
        match f.read(&mut magic[got..]) {
            Ok(0) => return Ok(false),
            Ok(n) => got += n,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
    Ok(matches!(
        u32::from_le_bytes(magic),
        0x0a0d_0d0a | 0xa1b2_c3d4 | 0xd4c3_b2a1 | 0xa1b2_3c4d | 0x4d3c_b2a1
    ))
}

/// The events of a pcap/pcapng file.
pub fn pcap_events(path: &Path) -> anyhow::Result<Vec<Event>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    pcapng::read(&bytes).with_context(|| format!("cannot read {}", path.display()))
}

/// The events of a JSON Lines file, handed to `each` in batches of
/// `batch` as they are read.
pub fn json_events(
    path: &Path,
    batch: usize,
    each: &mut dyn FnMut(Vec<Event>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut events = Vec::with_capacity(batch);
    each_line(path, &mut |n, line| {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let ev = from_json(line)
            .with_context(|| format!("{}:{n}: not a line of nlmon --json", path.display()))?;
        events.extend(ev);
        if events.len() >= batch {
            each(std::mem::replace(&mut events, Vec::with_capacity(batch)))?;
        }
        Ok(())
    })?;
    if !events.is_empty() {
        each(events)?;
    }
    Ok(())
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
