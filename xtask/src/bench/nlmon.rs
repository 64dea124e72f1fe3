//! One nlmon process under measurement: started, timed to "attached",
//! watched through /proc, stopped with SIGINT, its summary line parsed.

use std::{
    io::{BufRead as _, BufReader},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use anyhow::{Context as _, Result, bail};

use super::tools::Tools;

/// Where nlmon's output goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Output {
    Text,
    Json,
}

pub struct Nlmon {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// What nlmon said on stderr so far.
    said: Vec<String>,
    /// From spawn to the "attached with" line.
    pub startup: Duration,
    /// The mode it attached with.
    pub mode: String,
}

/// nlmon's last words: `N records shown, C captured, L lost ...`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub shown: u64,
    pub captured: u64,
    pub lost: u64,
}

/// How long attaching may take before we give up.
const ATTACH_TIMEOUT: Duration = Duration::from_secs(30);

impl Nlmon {
    /// Starts `nlmon --attach MODE ARGS...` with its output to /dev/null and
    /// waits until it has attached.
    pub fn start(tools: &Tools, attach: &str, output: Output, args: &[&str]) -> Result<Self> {
        let mut cmd = Command::new(&tools.nlmon);
        cmd.args(["--attach", attach]).args(args);
        if output == Output::Json {
            cmd.arg("--json");
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let start = Instant::now();
        let mut child = cmd
            .spawn()
            .with_context(|| format!("cannot start {}", tools.nlmon.display()))?;
        let stderr = child.stderr.take().context("nlmon's stderr")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut me = Self {
            child,
            lines,
            said: Vec::new(),
            startup: Duration::ZERO,
            mode: String::new(),
        };
        loop {
            let left = ATTACH_TIMEOUT.saturating_sub(start.elapsed());
            match me.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(mode) = line.split("attached with ").nth(1) {
                        me.startup = start.elapsed();
                        me.mode = mode.trim_end_matches(']').trim().to_owned();
                        me.said.push(line);
                        me.wait_for_sigint_handler()?;
                        return Ok(me);
                    }
                    me.said.push(line);
                }
                Err(_) => {
                    let _ = me.child.kill();
                    let _ = me.child.wait();
                    bail!(
                        "nlmon did not attach within {ATTACH_TIMEOUT:?}: {}",
                        me.said.join(" | ")
                    );
                }
            }
        }
    }

    /// nlmon logs "attached" before it installs its SIGINT handler; a
    /// SIGINT in between would kill it without its summary. Waits until
    /// /proc says SIGINT is caught.
    fn wait_for_sigint_handler(&mut self) -> Result<()> {
        let deadline = Instant::now() + ATTACH_TIMEOUT;
        while Instant::now() < deadline {
            if self.status_hex("SigCgt")? & (1 << (2 - 1)) != 0 {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        bail!("nlmon never installed its SIGINT handler");
    }

    /// A hexadecimal mask field of /proc/PID/status (SigCgt, ...).
    fn status_hex(&self, field: &str) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .context("read nlmon's /proc status")?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            .with_context(|| format!("no {field} in nlmon's /proc status"))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A field of /proc/PID/status in KiB (VmRSS, VmHWM).
    pub fn status_kib(&self, field: &str) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .context("read nlmon's /proc status")?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .with_context(|| format!("no {field} in nlmon's /proc status"))
    }

    /// CPU time nlmon has used (user + system), in seconds.
    pub fn cpu_secs(&self) -> Result<f64> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))
            .context("read nlmon's /proc stat")?;
        // Fields after the parenthesised comm; utime and stime are the 14th
        // and 15th of the line, in clock ticks (USER_HZ, 100 on Linux).
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let f: Vec<u64> = rest
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|v| v.parse().ok())
            .collect();
        if f.len() != 2 {
            bail!("cannot read utime/stime from /proc/{}/stat", self.pid());
        }
        Ok((f[0] + f[1]) as f64 / 100.0)
    }

    /// Stops nlmon with SIGINT (it drains the ring first) and returns its
    /// summary.
    pub fn stop(mut self) -> Result<Summary> {
        let pid = self.pid().to_string();
        crate::exec::status(Command::new("kill").args(["-INT", &pid]))?;
        let status = self.child.wait().context("wait for nlmon")?;
        // The reader thread ends at EOF, after the last line.
        self.said.extend(self.lines.iter());
        if !status.success() {
            bail!("nlmon failed ({status}): {}", self.said.join(" | "));
        }
        let line = self
            .said
            .iter()
            .rev()
            .find(|l| l.contains("records shown"))
            .with_context(|| format!("nlmon printed no summary: {}", self.said.join(" | ")))?;
        parse_summary(line)
    }
}

/// `nlmon: 12 records shown, 12 captured, 0 lost (ring buffer full), ...`
fn parse_summary(line: &str) -> Result<Summary> {
    let number_before = |word: &str| -> Result<u64> {
        let at = line
            .find(word)
            .with_context(|| format!("no `{word}` in nlmon's summary: {line}"))?;
        line[..at]
            .split(|c: char| !c.is_ascii_digit())
            .rfind(|s| !s.is_empty())
            .and_then(|n| n.parse().ok())
            .with_context(|| format!("no number before `{word}` in: {line}"))
    };
    Ok(Summary {
        shown: number_before(" records shown")?,
        captured: number_before(" captured")?,
        lost: number_before(" lost")?,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_summary;

    #[test]
    fn summary_numbers() {
        let s = parse_summary(
            "nlmon: 12 records shown, 15 captured, 3 lost (ring buffer full), 0 beyond the mmsg \
             limit, 0 unparsable",
        )
        .unwrap();
        assert_eq!((s.shown, s.captured, s.lost), (12, 15, 3));
        assert!(parse_summary("nlmon: nothing").is_err());
    }
}
