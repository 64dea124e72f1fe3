//! Workloads 1 and 5 on the VM kernel matrix, where kprobe and fentry work:
//! the guest's init takes interleaved samples (see `vm/image.rs`) and this
//! turns them into ratios. TCG emulation makes absolute times meaningless;
//! only ratios within one guest are reported.

use std::collections::BTreeMap;

use anyhow::{Result, bail};

use super::{Ctx, stats::ratio};
use crate::vm;

pub fn run(ctx: &mut Ctx, kernel: Option<String>) -> Result<()> {
    // Minutes per round under emulation: three rounds is what fits.
    let rounds = ctx.rounds.min(3) as u32;
    let kernels = vm::run_collect(&vm::Options::bench(kernel, rounds))?;
    for k in kernels {
        // (mode, workload) -> variant -> samples in round order.
        let mut samples: BTreeMap<(String, String), BTreeMap<String, Vec<f64>>> = BTreeMap::new();
        for line in &k.reports {
            let Some(rest) = line.strip_prefix("nlmon-vm: sample ") else {
                continue;
            };
            let f: Vec<&str> = rest.split_whitespace().collect();
            let [mode, workload, variant, ns] = f[..] else {
                bail!("{}: bad sample line: {line}", k.release);
            };
            let Ok(ns) = ns.parse::<f64>() else {
                bail!("{}: no time in sample line: {line}", k.release);
            };
            samples
                .entry((mode.to_owned(), workload.to_owned()))
                .or_default()
                .entry(variant.to_owned())
                .or_default()
                .push(ns);
        }
        if samples.is_empty() {
            bail!("{}: the guest reported no samples", k.release);
        }
        for ((mode, workload), variants) in &samples {
            let Some(base) = variants.get("none") else {
                continue;
            };
            let (number, what) = if workload == "bench-pipe" {
                (5, "pipe write+read (bystander)")
            } else {
                (1, "RTM_GETLINK round trip")
            };
            for (variant, s) in variants.iter().filter(|(v, _)| *v != "none") {
                let shown = match variant.as_str() {
                    "text" => "nlmon, full capture, text",
                    "json" => "nlmon, full capture, JSON",
                    "filtered" => "nlmon filtered to another comm",
                    other => other,
                };
                ctx.report.row(
                    number,
                    format!("VM {} {mode}: {what}: {shown}", k.release),
                    format!("{} rounds", s.len()),
                );
                ctx.report.ratio(ratio(s, base));
            }
        }
    }
    Ok(())
}
