//! Workload 6 (memory and start-up), and what the report says about the
//! machine and the run.

use std::time::Duration;

use anyhow::Result;

use super::{Ctx, nlmon::Output, report::Report, stats::median};

const RSS_TARGET_MIB: f64 = 50.0;
const STARTUP_TARGET_SECS: f64 = 0.5;

pub fn run(ctx: &mut Ctx) -> Result<()> {
    // A few starts of their own, so start-up has samples even alone.
    let mut idle = Vec::new();
    for _ in 0..ctx.pick(5, 1) {
        let (rss, _) = ctx.with_nlmon(Output::Text, &[], |_, nl| {
            std::thread::sleep(Duration::from_millis(500));
            nl.status_kib("VmRSS")
        })?;
        idle.push(rss as f64);
    }
    let idle = median(&idle) / 1024.0;
    ctx.report
        .row(6, "RSS idle (attached, 0.5 s)", format!("{idle:.1} MiB"));
    ctx.report
        .target(format!("< {RSS_TARGET_MIB:.0} MiB"), idle < RSS_TARGET_MIB);
    if let Some(hwm) = ctx.flood_hwm_kib {
        let hwm = hwm as f64 / 1024.0;
        ctx.report
            .row(6, "peak RSS under flood (VmHWM)", format!("{hwm:.1} MiB"));
        ctx.report
            .target(format!("< {RSS_TARGET_MIB:.0} MiB"), hwm < RSS_TARGET_MIB);
    }
    let n = ctx.startups.len();
    let med = median(&ctx.startups);
    let max = ctx.startups.iter().copied().fold(0.0, f64::max);
    ctx.report.row(
        6,
        format!("start to attached ({}), median of {n} starts", ctx.mode),
        format!("{:.0} ms (max {:.0} ms)", med * 1e3, max * 1e3),
    );
    ctx.report.target(
        format!("< {:.0} ms", STARTUP_TARGET_SECS * 1e3),
        med < STARTUP_TARGET_SECS,
    );
    Ok(())
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "?".to_owned())
}

/// Machine, kernel, date and load: the first notes of the report.
pub fn describe_machine(report: &mut Report) {
    let cpuinfo = read("/proc/cpuinfo");
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name")?.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_owned();
    let cpus = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let date = crate::exec::stdout(std::process::Command::new("date").args(["-u", "+%F %R UTC"]))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    report.note(format!(
        "{date}; {cpus} × {model}; kernel {}; `cargo xtask {}`",
        read("/proc/sys/kernel/osrelease"),
        std::env::args().skip(1).collect::<Vec<_>>().join(" ")
    ));
    report.note(format!("load average at start: {}", read("/proc/loadavg")));
}

/// Notes only known at the end of a run with VM rows only.
pub fn finish_vm(ctx: &mut Ctx) {
    ctx.report
        .note(format!("load average at end: {}", read("/proc/loadavg")));
}

/// Notes only known at the end.
pub fn finish(ctx: &mut Ctx) {
    finish_vm(ctx);
    if !ctx.mode.is_empty() {
        ctx.report.note(format!(
            "nlmon attached with {} (--attach {})",
            ctx.mode, ctx.attach
        ));
    }
    ctx.report.note(format!(
        "{} of {} nlmon runs overlapped another nlmon or capture test on the machine \
         (whose tracepoints slow every syscall, baselines included)",
        ctx.disturbed, ctx.runs
    ));
    ctx.report.note(format!(
        "{} interleaved rounds per comparison; medians",
        ctx.rounds
    ));
}
