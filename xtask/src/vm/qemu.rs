//! Booting a kernel and initramfs under qemu (TCG: KVM guests hang on these
//! machines) and reading the guest's verdict from its console.

use std::{
    fs,
    io::{BufRead, BufReader, Write},
    path::Path,
    process::{Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use anyhow::{Context as _, Result, bail};

/// What the guest reported.
pub struct Outcome {
    /// `nlmon-vm: ...` lines, in order.
    pub reports: Vec<String>,
    /// The `init: success|failure ...` line.
    pub verdict: String,
}

/// How the guest's CPUs are emulated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Machine {
    /// Two vCPUs, each on its own host thread, as fast as the host lets
    /// them run: the capture suite.
    Fast,
    /// One vCPU whose clock is its instruction count (`-icount
    /// shift=0,sleep=off`: 1 ns per guest instruction, idle time skipped).
    /// Guest timings become instruction counts, the same on every run
    /// whatever else the host is doing; qemu then runs the guest on one
    /// host thread, a few times slower. The benchmark's machine.
    Counted,
}

impl Machine {
    pub fn qemu_args(self) -> &'static [&'static str] {
        match self {
            Machine::Fast => &["-smp", "2"],
            Machine::Counted => &["-smp", "1", "-icount", "shift=0,sleep=off"],
        }
    }
}

/// Boots and waits for the verdict, a kernel panic, or the timeout. The
/// whole console goes to `log`.
pub fn boot(
    vmlinuz: &Path,
    initrd: &Path,
    log: &Path,
    timeout: Duration,
    machine: Machine,
) -> Result<Outcome> {
    launch(
        vmlinuz,
        initrd,
        log,
        timeout,
        "console=ttyS0 panic=-1 loglevel=4 rdinit=/init",
        &[],
        machine,
    )
}

/// [`boot`] of a [`Machine::Fast`] with another kernel command line and
/// more qemu arguments (disks, a second serial port).
pub fn boot_with(
    vmlinuz: &Path,
    initrd: &Path,
    log: &Path,
    timeout: Duration,
    append: &str,
    extra: &[String],
) -> Result<Outcome> {
    launch(vmlinuz, initrd, log, timeout, append, extra, Machine::Fast)
}

fn launch(
    vmlinuz: &Path,
    initrd: &Path,
    log: &Path,
    timeout: Duration,
    append: &str,
    extra: &[String],
    machine: Machine,
) -> Result<Outcome> {
    let mut child = Command::new("qemu-system-x86_64")
        .args(["-accel", "tcg", "-cpu", "max", "-m", "2048"])
        .args(machine.qemu_args())
        .args([
            "-display",
            "none",
            "-monitor",
            "none",
            "-serial",
            "stdio",
            "-no-reboot",
        ])
        .arg("-kernel")
        .arg(vmlinuz)
        .arg("-initrd")
        .arg(initrd)
        .args(["-append", append])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start qemu-system-x86_64 (cargo xtask setup installs it)")?;
    let stdout = child.stdout.take().context("qemu stdout")?;
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut logf = fs::File::create(log).with_context(|| format!("create {}", log.display()))?;
    let deadline = Instant::now() + timeout;
    let mut reports = Vec::new();
    let mut verdict = None;
    let mut failure = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left.min(Duration::from_secs(1))) {
            Ok(line) => {
                let line = line.trim_end_matches('\r').to_owned();
                writeln!(logf, "{line}")?;
                if line.starts_with("nlmon-vm:") || line.starts_with("test result:") {
                    println!("    {line}");
                }
                if line.starts_with("nlmon-vm:") {
                    reports.push(line);
                } else if line.starts_with("init: ") {
                    verdict = Some(line);
                } else if line.contains("Kernel panic") {
                    failure = Some(format!("kernel panic: {line}"));
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() >= deadline => {
                failure = Some(format!("no verdict within {}s", timeout.as_secs()));
                break;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    // poweroff -f ends qemu by itself; after a panic or a timeout it must
    // be killed.
    let exited = wait_for(&mut child, Duration::from_secs(20))?;
    if !exited {
        let _ = child.kill();
        let _ = child.wait();
    }
    let _ = reader.join();
    if let Some(why) = failure {
        bail!("{why}; console log: {}", log.display());
    }
    let verdict = verdict.with_context(|| {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        format!(
            "the guest ended without a verdict ({}); console log: {}",
            err.trim(),
            log.display()
        )
    })?;
    Ok(Outcome { reports, verdict })
}

fn wait_for(child: &mut std::process::Child, within: Duration) -> Result<bool> {
    let end = Instant::now() + within;
    while Instant::now() < end {
        if child.try_wait()?.is_some() {
            return Ok(true);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(false)
}
