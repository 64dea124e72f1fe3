//! Workloads 1 and 5 on the VM kernel matrix, where kprobe and fentry work.
//! The guest (one vCPU under qemu's instruction counting, see
//! `vm/qemu.rs`) takes the samples (see `vm/image.rs`); this turns them
//! into ratios. Guest time there is executed instructions, so the samples
//! repeat exactly from run to run whatever the host does, but they are not
//! times on real hardware: only ratios within one guest are reported, with
//! the untraced instruction counts for scale.

use std::{collections::BTreeMap, process::Command};

use anyhow::{Context as _, Result, bail};

use super::{Ctx, report::rate, stats::median};
use crate::{exec, vm};

/// One `nlmon-vm: sample` line.
struct Sample {
    /// The generator thread's CPU time per operation (ns = instructions).
    cpu: f64,
    /// nlmon's CPU time per operation, until it had drained the run.
    reader: f64,
}

/// (mode, workload) -> variant -> samples in round order.
type Samples = BTreeMap<(String, String), BTreeMap<String, Vec<Sample>>>;

pub fn run(ctx: &mut Ctx, kernel: Option<String>, attach: Option<String>) -> Result<()> {
    let rounds = ctx.rounds.min(5) as u32;
    let qemu = exec::stdout(Command::new("qemu-system-x86_64").arg("--version"))
        .map(|s| s.lines().next().unwrap_or("").to_owned())
        .unwrap_or_default();
    ctx.report.note(format!(
        "VM rows: {qemu}, one vCPU, `-icount shift=0,sleep=off` (guest time = guest \
         instructions), {rounds} rounds per variant; ratios of the programs' CPU time"
    ));
    // The kernels boot side by side: each guest is one host thread.
    let names: Vec<String> = match kernel {
        Some(k) => vec![k],
        None => vm::kernel_names().map(str::to_owned).collect(),
    };
    let reports = std::thread::scope(|s| {
        let handles: Vec<_> = names
            .iter()
            .map(|k| {
                let opts = vm::Options::bench(Some(k.clone()), attach.clone(), rounds);
                s.spawn(move || vm::run_collect(&opts))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a VM thread panicked"))
            .collect::<Vec<_>>()
    });
    for k in reports
        .into_iter()
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
    {
        report_kernel(ctx, &k)?;
    }
    Ok(())
}

fn report_kernel(ctx: &mut Ctx, k: &vm::KernelReport) -> Result<()> {
    let mut samples = Samples::new();
    let mut attach: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for line in &k.reports {
        if let Some(rest) = line.strip_prefix("nlmon-vm: sample ") {
            let (key, variant, s) = parse_sample(rest)
                .with_context(|| format!("{}: bad sample line: {line}", k.release))?;
            samples
                .entry(key)
                .or_default()
                .entry(variant)
                .or_default()
                .push(s);
        } else if let Some(rest) = line.strip_prefix("nlmon-vm: attach ") {
            // "MODE: N ms of CPU": millions of instructions under icount.
            let parsed = rest.split_once(": ").and_then(|(mode, ms)| {
                Some((mode, ms.split_whitespace().next()?.parse::<f64>().ok()?))
            });
            let Some((mode, ms)) = parsed else {
                bail!("{}: bad attach line: {line}", k.release);
            };
            attach.entry(mode.to_owned()).or_default().push(ms);
        } else if let Some(rest) = line.strip_prefix("nlmon-vm: summary ")
            && !rest.contains(" 0 lost")
        {
            ctx.report
                .note(format!("VM {}: records lost: {rest}", k.release));
        }
    }
    if samples.is_empty() {
        bail!("{}: the guest reported no samples", k.release);
    }
    for (mode, ms) in &attach {
        ctx.report.row(
            6,
            format!(
                "VM {} {mode}: nlmon's CPU from start to attached",
                k.release
            ),
            format!(
                "{:.2} G instructions (median of {} starts)",
                median(ms) / 1e3,
                ms.len()
            ),
        );
    }
    for ((mode, workload), variants) in &samples {
        let Some(base) = variants.get("none") else {
            continue;
        };
        let base_cpu: Vec<f64> = base.iter().map(|s| s.cpu).collect();
        let (number, what) = match workload.as_str() {
            "bench-getlink" => (1, "RTM_GETLINK round trip"),
            "bench-pipe" => (5, "pipe write+read, 64 B (bystander)"),
            "bench-udp" => (5, "loopback UDP sendto+recvfrom, 64 B (bystander)"),
            other => (0, other),
        };
        let name = |variant: &str| format!("VM {} {mode}: {what}: {variant}", k.release);
        ctx.report.row(
            number,
            name("no tracing"),
            format!(
                "{} instructions per op (median of {})",
                rate(median(&base_cpu)),
                base.len()
            ),
        );
        for (variant, s) in variants.iter().filter(|(v, _)| *v != "none") {
            let cpu: Vec<f64> = s.iter().map(|s| s.cpu).collect();
            let shown = match variant.as_str() {
                "text" if number == 1 => "nlmon, full capture (text): the program",
                "text" => "nlmon capturing everything",
                "filtered" => "nlmon filtered to another comm",
                other => other,
            };
            add(ctx, number, name(shown), &cpu, &base_cpu);
            if variant == "text" && number == 1 {
                let reader: Vec<f64> = s.iter().map(|s| s.reader).collect();
                add(
                    ctx,
                    number,
                    name("nlmon, full capture (text): nlmon's own CPU"),
                    &reader,
                    &base_cpu,
                );
                let whole: Vec<f64> = s.iter().map(|s| s.cpu + s.reader).collect();
                add(
                    ctx,
                    number,
                    name("nlmon, full capture (text): program + nlmon"),
                    &whole,
                    &base_cpu,
                );
            }
        }
    }
    Ok(())
}

/// A row whose ratio is the median of per-round ratios, with their spread.
fn add(ctx: &mut Ctx, workload: u32, case: String, samples: &[f64], base: &[f64]) {
    let r: Vec<f64> = samples.iter().zip(base).map(|(s, b)| s / b).collect();
    let lo = r.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    ctx.report.row(
        workload,
        case,
        format!("{} rounds, per round {lo:.3}–{hi:.3}", r.len()),
    );
    ctx.report.ratio(median(&r));
}

/// "MODE WORKLOAD VARIANT OPS NS_PER_OP CPU_NS_PER_OP READER_NS".
fn parse_sample(rest: &str) -> Option<((String, String), String, Sample)> {
    let f: Vec<&str> = rest.split_whitespace().collect();
    let [mode, workload, variant, ops, _ns, cpu, reader] = f[..] else {
        return None;
    };
    let ops: f64 = ops.parse().ok().filter(|o| *o > 0.0)?;
    let s = Sample {
        cpu: cpu.parse().ok()?,
        reader: reader.parse::<f64>().ok()? / ops,
    };
    Some((
        (mode.to_owned(), workload.to_owned()),
        variant.to_owned(),
        s,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_lines_parse() {
        let ((mode, w), v, s) =
            parse_sample("fentry bench-getlink text 2000 73456.2 40000.0 400000000").unwrap();
        assert_eq!(
            (mode.as_str(), w.as_str(), v.as_str()),
            ("fentry", "bench-getlink", "text")
        );
        assert_eq!((s.cpu, s.reader), (40000.0, 200000.0));
        assert!(parse_sample("fentry bench-getlink text 0 1 1 1").is_none());
        assert!(parse_sample("fentry bench-getlink text 2000 1 1").is_none());
        assert!(parse_sample("fentry bench-getlink text 2000 1 x 1").is_none());
    }
}
