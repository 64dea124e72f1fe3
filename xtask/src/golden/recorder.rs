//! The real nlmon, capturing as JSON Lines while the script runs.

use std::{
    fs::File,
    io::{BufRead as _, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::mpsc,
    thread,
    time::Duration,
};

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

/// One captured buffer: what one call moved between a process and the kernel.
pub struct Record {
    pub tgid: u32,
    pub comm: String,
    /// `to_kernel`, `from_kernel`, `to_user` or `from_user`, as nlmon names them.
    pub direction: String,
    pub protocol: u32,
    pub data: Vec<u8>,
    /// nlmon did not copy the whole buffer.
    pub truncated: bool,
}

pub struct Recorder {
    child: Child,
    stdout: tempfile_path::TempPath,
    stderr: mpsc::Receiver<String>,
}

impl Recorder {
    /// Starts nlmon filtered to `comms` and waits until its probes are attached.
    pub fn start(nlmon: &Path, comms: &[&str]) -> Result<Self> {
        let stdout = tempfile_path::TempPath::new("nlmon-golden.jsonl");
        let mut cmd = Command::new(nlmon);
        cmd.args(["--json", "--snaplen", "65536", "--ring-size", "67108864"]);
        for comm in comms {
            cmd.args(["--comm", comm]);
        }
        cmd.stdin(Stdio::null())
            .stdout(File::create(stdout.path()).context("cannot create nlmon's output file")?)
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().context("cannot start nlmon")?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        loop {
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(line) if line.contains("attached with") => break,
                Ok(_) => {}
                Err(_) => {
                    let _ = child.kill();
                    bail!("nlmon did not attach within a minute ({:?})", child.wait());
                }
            }
        }
        Ok(Self {
            child,
            stdout,
            stderr: rx,
        })
    }

    /// Lets the last records drain, stops nlmon and reads what it printed.
    /// Fails when nlmon lost any record: a corpus with holes would mislead.
    pub fn stop(mut self) -> Result<Vec<Record>> {
        thread::sleep(Duration::from_secs(1));
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status()?;
        let status = self.child.wait()?;
        let log: Vec<String> = self.stderr.try_iter().collect();
        if !status.success() {
            bail!("nlmon failed ({status}): {}", log.join("\n"));
        }
        let summary = log
            .iter()
            .find(|l| l.contains("records shown"))
            .with_context(|| format!("nlmon printed no summary: {}", log.join("\n")))?;
        if !summary.contains(" 0 lost") || !summary.contains(" 0 beyond") {
            bail!("nlmon lost records, capture again: {summary}");
        }
        let text = std::fs::read_to_string(self.stdout.path())?;
        // One line per message; the first of a buffer carries the buffer.
        text.lines()
            .filter(|l| !is_later_message(l))
            .map(parse)
            .collect()
    }
}

/// A line for the second or later message of a buffer.
fn is_later_message(line: &str) -> bool {
    serde_json::from_str::<Value>(line)
        .ok()
        .and_then(|v| v.get("index")?.as_u64())
        .is_some_and(|i| i > 0)
}

fn parse(line: &str) -> Result<Record> {
    let ev: Value = serde_json::from_str(line).context("nlmon printed a line that is not JSON")?;
    let field = |path: &[&str]| {
        path.iter()
            .try_fold(&ev, |v, k| v.get(k))
            .with_context(|| format!("event without {}: {line}", path.join(".")))
    };
    let number = |path: &[&str]| -> Result<u32> {
        let v = field(path)?;
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .with_context(|| format!("{} is not a u32: {v}", path.join(".")))
    };
    let string = |path: &[&str]| -> Result<String> {
        let v = field(path)?;
        v.as_str()
            .map(str::to_owned)
            .with_context(|| format!("{} is not a string: {v}", path.join(".")))
    };
    // `data` is the whole buffer; a line without a message has only `raw`.
    let hex = string(&["data"]).or_else(|_| string(&["raw"]))?;
    let truncation = field(&["truncation"])?;
    let truncated = truncation
        .as_object()
        .is_some_and(|o| o.values().any(|v| v.as_bool() == Some(true)));
    Ok(Record {
        tgid: number(&["process", "tgid"])?,
        comm: string(&["process", "comm"])?,
        direction: string(&["direction"])?,
        protocol: number(&["socket", "protocol"])?,
        data: unhex(&hex).with_context(|| format!("bad hex in {line}"))?,
        truncated: truncated || string(&["kind"])? != "message",
    })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A file in the temporary directory, removed when dropped.
mod tempfile_path {
    use std::path::{Path, PathBuf};

    pub struct TempPath(PathBuf);

    impl TempPath {
        pub fn new(name: &str) -> Self {
            Self(std::env::temp_dir().join(format!("{}-{name}", std::process::id())))
        }

        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}
