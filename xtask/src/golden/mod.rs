//! `cargo xtask golden-capture`: run real networking tools in a private network
//! namespace under the real nlmon and store what they said to the kernel as the
//! golden corpus (`nlmon-common/tests/golden/`), one file per command.
//!
//! Developers run it when they want a fresh corpus; CI only reads the committed
//! files. Nothing here touches the host's interfaces, routes or firewall: every
//! command runs inside namespaces this task creates and deletes (only the proc
//! connector listener, which the kernel offers in the initial namespace alone,
//! runs outside, and it only listens).

mod corpus;
mod netns;
mod recorder;
mod script;

use std::{
    collections::HashMap,
    path::PathBuf,
    process::{Child, Command, Stdio},
    thread,
    time::Duration,
};

use anyhow::{Context as _, Result, bail};

use crate::{exec, paths, privilege, setup};
use corpus::Capture;
use netns::Netns;
use recorder::Recorder;
use script::Step;

#[derive(clap::Args)]
pub struct Options {
    /// Where to write the corpus (default: nlmon-common/tests/golden).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(options: &Options) -> Result<()> {
    if !privilege::is_root() {
        bail!("golden-capture creates network namespaces and loads eBPF programs: run it as root");
    }
    setup::run()?;
    exec::status(paths::cargo().args(["build", "--release", "-p", "nlmon"]))?;
    let nlmon = paths::target_dir().join("release").join("nlmon");
    let out = options
        .out
        .clone()
        .unwrap_or_else(|| paths::workspace().join("nlmon-common/tests/golden"));

    let main = Netns::create(script::NETNS)?;
    let _peer = Netns::create(script::PEER_NETNS)?;
    let recorder = Recorder::start(&nlmon, script::COMMS)?;
    let mut runner = Runner {
        main: &main,
        ran: Vec::new(),
    };
    let result = script::STEPS.iter().try_for_each(|step| runner.step(step));
    // Stop nlmon even when a step failed to start, so that no probe stays attached.
    let events = recorder.stop()?;
    result?;

    let mut by_tgid: HashMap<u32, Vec<recorder::Record>> = HashMap::new();
    for ev in events {
        by_tgid.entry(ev.tgid).or_default().push(ev);
    }
    let captures: Vec<Capture> = runner
        .ran
        .into_iter()
        .map(|ran| Capture {
            records: by_tgid.remove(&ran.pid).unwrap_or_default(),
            ran,
        })
        .collect();
    let written = corpus::write(&out, &captures)?;
    let messages: usize = captures.iter().map(|c| c.records.len()).sum();
    println!(
        "golden-capture: {written} files, {messages} captured buffers in {}",
        out.display()
    );
    Ok(())
}

/// A command that ran, and how it ended.
pub struct Ran {
    pub cmd: String,
    pub pid: u32,
    pub exit: Option<i32>,
    /// Runs outside the golden namespace (the proc connector only exists in the initial one).
    pub host: bool,
}

struct Runner<'a> {
    main: &'a Netns,
    ran: Vec<Ran>,
}

impl Runner<'_> {
    fn step(&mut self, step: &Step) -> Result<()> {
        match step {
            Step::Run(cmd) => {
                let child = self.spawn(cmd, false, Stdio::piped())?;
                let pid = child.id();
                let out = child
                    .wait_with_output()
                    .with_context(|| format!("waiting for `{cmd}`"))?;
                if !out.status.success() {
                    let err = String::from_utf8_lossy(&out.stderr);
                    println!(
                        "golden-capture: `{cmd}`: {} ({}; kept, errors are shapes too)",
                        err.lines().next().unwrap_or("").trim(),
                        out.status
                    );
                }
                self.ran.push(Ran {
                    cmd: (*cmd).to_owned(),
                    pid,
                    exit: out.status.code(),
                    host: false,
                });
            }
            Step::Sleep(ms) => thread::sleep(Duration::from_millis(*ms)),
            Step::Listen { cmd, host, during } => self.background(cmd, *host, during, true)?,
            Step::Serve { cmd, during } => self.background(cmd, false, during, false)?,
        }
        Ok(())
    }

    /// Runs `during` while `cmd` runs in the background; `save` gives `cmd` a corpus file.
    fn background(&mut self, cmd: &str, host: bool, during: &[Step], save: bool) -> Result<()> {
        let child = self.spawn(cmd, host, Stdio::null())?;
        // Give it time to open its sockets and join its multicast groups.
        thread::sleep(Duration::from_millis(500));
        let inner = during.iter().try_for_each(|s| self.step(s));
        thread::sleep(Duration::from_millis(300));
        let (pid, exit) = stop(child, cmd)?;
        if save {
            self.ran.push(Ran {
                cmd: cmd.to_owned(),
                pid,
                exit,
                host,
            });
        }
        inner
    }

    /// Starts `cmd` (split on whitespace, `'…'` quoting) in the golden namespace.
    /// `nsenter` execs the tool, so the tool keeps nsenter's pid: that pid
    /// tells its messages from everyone else's.
    fn spawn(&self, cmd: &str, host: bool, stderr: Stdio) -> Result<Child> {
        let argv = script::split(cmd)?;
        let mut command = if host {
            Command::new(&argv[0])
        } else {
            let mut c = Command::new("nsenter");
            c.arg(format!("--net={}", self.main.path().display()))
                .arg("--")
                .arg(&argv[0]);
            c
        };
        command
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr);
        command
            .spawn()
            .with_context(|| format!("cannot start `{cmd}`"))
    }
}

/// Ends a listener with SIGINT (so it closes cleanly), SIGKILL if it lingers.
fn stop(mut child: Child, cmd: &str) -> Result<(u32, Option<i32>)> {
    let pid = child.id();
    let _ = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status();
    for _ in 0..30 {
        if let Some(status) = child.try_wait()? {
            return Ok((pid, status.code()));
        }
        thread::sleep(Duration::from_millis(100));
    }
    child
        .kill()
        .with_context(|| format!("cannot stop `{cmd}`"))?;
    let status = child.wait()?;
    Ok((pid, status.code()))
}
