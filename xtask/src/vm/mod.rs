//! `cargo xtask vm-test`: the capture suite on real distribution kernels
//! (kprobe and fentry need them: our own kernel has neither), once per
//! attach mode, in qemu.

pub mod binaries;
mod cpio;
mod image;
mod kernels;
mod qemu;
mod systemd;

use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::paths;

#[derive(clap::Args, Clone)]
pub struct Options {
    /// Only this kernel of the matrix (6.1, 6.12).
    #[arg(long)]
    kernel: Option<String>,
    /// Only this attach mode (kprobe, fentry, tracepoint).
    #[arg(long)]
    attach: Option<String>,
    /// Instead of the capture suite, the packaged service under systemd as
    /// PID 1 (6.12 only).
    #[arg(long)]
    pub systemd: bool,
    /// Minutes a kernel may take before it is declared hung.
    #[arg(long, default_value_t = TIMEOUT_MINUTES)]
    timeout: u64,
    /// Test name filters passed to the capture suite.
    #[arg(last = true)]
    filter: Vec<String>,
    /// Set by `cargo xtask bench --vm`: benchmark samples, this many
    /// rounds, instead of the capture suite, on a [`qemu::Machine::Counted`].
    #[arg(skip)]
    pub bench_rounds: Option<u32>,
}

/// The default timeout, in minutes.
const TIMEOUT_MINUTES: u64 = 15;

impl Options {
    /// The benchmark's samples instead of the capture suite.
    pub fn bench(kernel: Option<String>, attach: Option<String>, rounds: u32) -> Self {
        Self {
            kernel,
            attach,
            bench_rounds: Some(rounds),
            // Two nlmon starts per mode, a minute or two each under
            // instruction counting, and about ten seconds a round.
            timeout: 20 + u64::from(rounds),
            ..Self::default()
        }
    }

    /// The packaged service under systemd instead of the capture suite.
    pub fn systemd() -> Self {
        Self {
            systemd: true,
            ..Self::default()
        }
    }
}

impl Default for Options {
    /// The whole matrix, every mode, every test.
    fn default() -> Self {
        Self {
            kernel: None,
            attach: None,
            systemd: false,
            timeout: TIMEOUT_MINUTES,
            filter: Vec::new(),
            bench_rounds: None,
        }
    }
}

pub fn run(opts: &Options) -> Result<()> {
    if opts.systemd {
        return systemd::run(Duration::from_secs(opts.timeout * 60));
    }
    run_collect(opts).map(|_| ())
}

/// What one kernel of the matrix reported.
pub struct KernelReport {
    /// `uname -r` of the guest.
    pub release: String,
    /// Its `nlmon-vm: ...` lines.
    pub reports: Vec<String>,
}

/// The names `--kernel` takes, in matrix order.
pub fn kernel_names() -> impl Iterator<Item = &'static str> {
    kernels::MATRIX.iter().map(|k| k.name)
}

/// Runs the matrix and returns each kernel's report lines.
pub fn run_collect(opts: &Options) -> Result<Vec<KernelReport>> {
    let specs: Vec<_> = kernels::MATRIX
        .iter()
        .filter(|k| opts.kernel.as_deref().is_none_or(|want| want == k.name))
        .collect();
    if specs.is_empty() {
        let names: Vec<_> = kernels::MATRIX.iter().map(|k| k.name).collect();
        bail!(
            "no kernel {:?} in the matrix ({})",
            opts.kernel,
            names.join(", ")
        );
    }
    if let Some(mode) = &opts.attach
        && !kernels::ALL_MODES.contains(&mode.as_str())
    {
        bail!("unknown attach mode {mode} (kprobe, fentry, tracepoint)");
    }
    println!("vm: building static test binaries");
    let bins = binaries::build()?;
    let dir = paths::target_dir().join("vm");
    std::fs::create_dir_all(&dir)?;
    let mut failures = Vec::new();
    let mut collected = Vec::new();
    for spec in specs {
        let start = Instant::now();
        let kernel = kernels::fetch(spec)?;
        let modes: Vec<&str> = match &opts.attach {
            Some(m) => vec![m.as_str()],
            None => kernels::ALL_MODES.to_vec(),
        };
        let initrd = dir.join(format!("initramfs-{}.cpio", spec.name));
        image::build(
            &kernel,
            &bins,
            &modes,
            &opts.filter,
            opts.bench_rounds,
            &initrd,
        )?;
        let log = dir.join(format!("console-{}.log", spec.name));
        println!("vm: booting {} ({})", kernel.package, kernel.release);
        let machine = if opts.bench_rounds.is_some() {
            qemu::Machine::Counted
        } else {
            qemu::Machine::Fast
        };
        let outcome = qemu::boot(
            &kernel.vmlinuz(),
            &initrd,
            &log,
            Duration::from_secs(opts.timeout * 60),
            machine,
        );
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{}: {e:#}", spec.name));
                continue;
            }
        };
        // A mode the kernel is expected to support may not be skipped.
        for mode in &modes {
            let skipped = outcome
                .reports
                .iter()
                .find(|r| r.starts_with(&format!("nlmon-vm: mode {mode}: skipped")));
            if let Some(r) = skipped
                && spec.modes.contains(mode)
            {
                failures.push(format!(
                    "{}: {mode} must work on this kernel: {r}",
                    spec.name
                ));
            }
        }
        if outcome.verdict != "init: success" {
            failures.push(format!(
                "{}: {} (console log: {})",
                spec.name,
                outcome.verdict,
                log.display()
            ));
        }
        println!(
            "vm: {} done in {:.0}s: {}",
            spec.name,
            start.elapsed().as_secs_f64(),
            outcome.verdict
        );
        collected.push(KernelReport {
            release: kernel.release.clone(),
            reports: outcome.reports,
        });
    }
    if !failures.is_empty() {
        bail!("kernel matrix failed:\n  {}", failures.join("\n  "));
    }
    Ok(collected)
}
