//! `cargo xtask bench`: what nlmon costs, measured against running without
//! it (and against strace) in one run, with the variants interleaved so the
//! ratios hold on a noisy machine. `--smoke` runs every workload briefly
//! and checks it works (CI); it measures nothing worth reporting.
//!
//! Workloads (numbers as in the benchmark issue): 1 netlink round trips,
//! 2 dumps, 3 flood, 4 the decoder over the golden corpus, 5 bystanders,
//! 6 memory (capturing, and reading a capture file) and start-up. All
//! traffic stays in namespaces made here.

mod bystander;
mod decoder;
mod dump;
mod flood;
mod floor;
mod footprint;
mod nlmon;
mod profile;
mod replay;
mod report;
mod roundtrip;
mod stats;
mod tools;
mod traffic;
mod vm;

use anyhow::{Result, bail};

use self::{
    nlmon::{Nlmon, Output, Summary},
    report::Report,
    tools::Tools,
};
use crate::privilege;

#[derive(clap::Args, Clone)]
pub struct Options {
    /// A few seconds per workload: check that each runs, produces numbers
    /// and loses nothing where the count is known (CI).
    #[arg(long)]
    smoke: bool,
    /// Only these workloads (comma-separated numbers, 1 to 6).
    #[arg(long, value_delimiter = ',')]
    only: Vec<u32>,
    /// Interleaved rounds per comparison (default 9; 1 with --smoke).
    #[arg(long)]
    rounds: Option<usize>,
    /// nlmon's attach mode.
    #[arg(long, default_value = "auto")]
    attach: String,
    /// Also measure round-trip and bystander ratios in every attach mode on
    /// the VM kernel matrix (slow: minutes per kernel under emulation).
    #[arg(long)]
    vm: bool,
    /// With --vm: only this kernel (6.1, 6.12).
    #[arg(long)]
    vm_kernel: Option<String>,
    /// With --vm: only this attach mode (kprobe, fentry, tracepoint).
    #[arg(long)]
    vm_attach: Option<String>,
    /// Only the VM rows (implies --vm): with `--vm-kernel` and
    /// `--vm-attach`, a deterministic A/B of two builds in minutes.
    #[arg(long)]
    vm_only: bool,
}

impl Options {
    /// The CI smoke run.
    pub fn smoke() -> Self {
        Self {
            smoke: true,
            only: Vec::new(),
            rounds: None,
            attach: "auto".to_owned(),
            vm: false,
            vm_kernel: None,
            vm_attach: None,
            vm_only: false,
        }
    }
}

/// What every workload needs.
pub struct Ctx {
    pub tools: Tools,
    pub attach: String,
    pub smoke: bool,
    pub rounds: usize,
    pub report: Report,
    /// Seconds from start to "attached", one per nlmon started.
    pub startups: Vec<f64>,
    /// The attach mode nlmon reported.
    pub mode: String,
    /// Peak RSS of nlmon under flood (KiB), from workload 3.
    pub flood_hwm_kib: Option<u64>,
    /// nlmon runs during which another nlmon (or capture test) was running.
    pub disturbed: usize,
    pub runs: usize,
}

impl Ctx {
    /// `full` for the full benchmark, `smoke` for `--smoke`.
    pub fn pick<T>(&self, full: T, smoke: T) -> T {
        if self.smoke { smoke } else { full }
    }

    /// Runs `f` while an nlmon with `args` captures, output to /dev/null.
    pub fn with_nlmon<T>(
        &mut self,
        output: Output,
        args: &[&str],
        f: impl FnOnce(&mut Self, &Nlmon) -> Result<T>,
    ) -> Result<(T, Summary)> {
        let nl = Nlmon::start(&self.tools, &self.attach, output, args)?;
        self.startups.push(nl.startup.as_secs_f64());
        if self.mode.is_empty() {
            self.mode = nl.mode.clone();
        }
        self.runs += 1;
        if tools::other_nlmons(&[nl.pid()]) > 0 {
            self.disturbed += 1;
        }
        let r = f(self, &nl);
        let summary = nl.stop()?;
        Ok((r?, summary))
    }
}

pub fn run(opts: &Options) -> Result<()> {
    if !privilege::is_root() {
        bail!("the benchmark loads eBPF programs and makes network namespaces: run it as root");
    }
    if !(opts.vm || opts.vm_only) && (opts.vm_kernel.is_some() || opts.vm_attach.is_some()) {
        bail!("--vm-kernel and --vm-attach need --vm or --vm-only");
    }
    let all = [1, 2, 3, 4, 5, 6];
    let chosen: Vec<u32> = if opts.vm_only {
        Vec::new()
    } else if opts.only.is_empty() {
        all.to_vec()
    } else {
        opts.only.clone()
    };
    if let Some(bad) = chosen.iter().find(|w| !all.contains(w)) {
        bail!("no workload {bad} (there are 1 to 6)");
    }
    println!("bench: building release binaries");
    let tools = Tools::build()?;
    let mut ctx = Ctx {
        tools,
        attach: opts.attach.clone(),
        smoke: opts.smoke,
        rounds: opts.rounds.unwrap_or(if opts.smoke { 1 } else { 9 }),
        report: Report::default(),
        startups: Vec::new(),
        mode: String::new(),
        flood_hwm_kib: None,
        disturbed: 0,
        runs: 0,
    };
    footprint::describe_machine(&mut ctx.report);
    for w in chosen {
        match w {
            1 => roundtrip::run(&mut ctx)?,
            2 => dump::run(&mut ctx)?,
            3 => flood::run(&mut ctx)?,
            4 => decoder::run(&mut ctx)?,
            5 => bystander::run(&mut ctx)?,
            6 => {
                footprint::run(&mut ctx)?;
                replay::run(&mut ctx)?;
            }
            _ => unreachable!("checked above"),
        }
    }
    if opts.vm || opts.vm_only {
        vm::run(&mut ctx, opts.vm_kernel.clone(), opts.vm_attach.clone())?;
    }
    if opts.vm_only {
        footprint::finish_vm(&mut ctx);
    } else {
        footprint::finish(&mut ctx);
    }
    let dir = ctx.tools.dir.clone();
    ctx.report.save(&dir)?;
    println!("\n{}", ctx.report.markdown());
    Ok(())
}
