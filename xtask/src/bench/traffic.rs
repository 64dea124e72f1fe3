//! Running the traffic generator (`nlmon-testgen bench-*`) in the
//! benchmark's namespace, optionally under strace, and reading its result.

use std::{
    ffi::OsStr,
    io::Write as _,
    process::{Child, Stdio},
};

use anyhow::{Context as _, Result, bail};
use serde_json::Value;

use super::tools::{Netns, Tools};

/// What the generator reports about one run.
#[derive(Clone, Copy, Debug, Default)]
pub struct GenResult {
    pub ops: u64,
    pub messages: u64,
    pub bytes: u64,
    /// Calls that moved netlink data: one nlmon record each.
    pub calls: u64,
    pub secs: f64,
    pub ns_per_op: f64,
}

/// A generator started and waiting for its go line.
pub struct Gen {
    child: Child,
    shown: String,
}

impl Gen {
    /// Starts `nlmon-testgen ARGS...` in `ns`, under `strace -f -e
    /// trace=network` if `strace` is set. It waits for [`Gen::go`].
    pub fn spawn(tools: &Tools, ns: &Netns, args: &[&str], strace: bool) -> Result<Self> {
        let mut argv: Vec<&OsStr> = Vec::new();
        if strace {
            let s = tools
                .strace
                .as_deref()
                .context("strace is not installed (cargo xtask setup installs it)")?;
            argv.extend(
                [s.as_os_str()]
                    .into_iter()
                    .chain(["-f", "-e", "trace=network", "-o", "/dev/null"].map(OsStr::new)),
            );
        }
        argv.push(tools.generator.as_os_str());
        argv.extend(args.iter().map(OsStr::new));
        let mut cmd = ns.exec(&argv)?;
        let shown = crate::exec::display(&cmd);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start `{shown}`"))?;
        Ok(Self { child, shown })
    }

    /// Lets it run.
    pub fn go(&mut self) -> Result<()> {
        let stdin = self.child.stdin.as_mut().context("generator stdin")?;
        stdin
            .write_all(b"go\n")
            .with_context(|| format!("start `{}`", self.shown))
    }

    /// Waits for it and parses its result line.
    pub fn finish(self) -> Result<GenResult> {
        let out = self
            .child
            .wait_with_output()
            .with_context(|| format!("wait for `{}`", self.shown))?;
        if !out.status.success() {
            bail!(
                "`{}` failed ({}): {}",
                self.shown,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .rev()
            .find(|l| l.starts_with('{'))
            .with_context(|| format!("`{}` printed no result", self.shown))?;
        let v: Value = serde_json::from_str(line)
            .with_context(|| format!("`{}` printed bad JSON: {line}", self.shown))?;
        let u = |k: &str| v[k].as_u64().unwrap_or(0);
        let f = |k: &str| v[k].as_f64().unwrap_or(0.0);
        let r = GenResult {
            ops: u("ops"),
            messages: u("messages"),
            bytes: u("bytes"),
            calls: u("calls"),
            secs: f("secs"),
            ns_per_op: f("ns_per_op"),
        };
        if r.ops == 0 || r.secs <= 0.0 {
            bail!("`{}` measured nothing: {line}", self.shown);
        }
        Ok(r)
    }
}

/// Runs one generator to completion.
pub fn run(tools: &Tools, ns: &Netns, args: &[&str], strace: bool) -> Result<GenResult> {
    let mut g = Gen::spawn(tools, ns, args, strace)?;
    g.go()?;
    g.finish()
}
