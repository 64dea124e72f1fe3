//! Workload 6, reading: peak memory of `nlmon -r` over a large capture
//! file. `-r` streams (one block and one batch of events in memory at a
//! time), so its peak must not grow with the file: a 1 GiB capture reads
//! in under 100 MiB. The file is synthetic, written by `nlmon-testgen
//! capture-file` with nlmon's own pcapng writer.

use std::{
    os::unix::process::ExitStatusExt as _,
    process::{Command, Stdio},
    time::Instant,
};

use anyhow::{Context as _, Result, bail};

use super::Ctx;

const TARGET_MIB: f64 = 100.0;

pub fn run(ctx: &mut Ctx) -> Result<()> {
    let size: u64 = ctx.pick(1 << 30, 32 << 20);
    let file = ctx.tools.dir.join("replay.pcapng");
    let made = crate::exec::stdout(
        Command::new(&ctx.tools.generator)
            .arg("capture-file")
            .arg(size.to_string())
            .arg(&file),
    )?;
    let packets = serde_json::from_str::<serde_json::Value>(made.trim())
        .ok()
        .and_then(|v| v["packets"].as_u64())
        .with_context(|| format!("capture-file printed {made:?}"))?;
    let mib = size as f64 / f64::from(1 << 20);
    for (mode, args) in [("text", &[][..]), ("-v", &["-v"][..])] {
        let (hwm_kib, secs) = peak_rss(
            Command::new(&ctx.tools.nlmon)
                .arg("-r")
                .arg(&file)
                .args(args),
        )?;
        let hwm = hwm_kib as f64 / 1024.0;
        ctx.report.row(
            6,
            format!("peak RSS of nlmon -r {mode} on a {mib:.0} MiB capture ({packets} packets)"),
            format!("{hwm:.1} MiB ({secs:.0} s)"),
        );
        ctx.report
            .target(format!("< {TARGET_MIB:.0} MiB"), hwm < TARGET_MIB);
    }
    let _ = std::fs::remove_file(&file);
    Ok(())
}

/// Runs `cmd` to its end, output to /dev/null; its peak RSS (KiB, from
/// `wait4`'s rusage) and wall time.
fn peak_rss(cmd: &mut Command) -> Result<(u64, f64)> {
    let shown = crate::exec::display(cmd);
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start `{shown}`"))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 writes both out-params.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for (`child` never waits).
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if r != pid {
        bail!("wait4 `{shown}`: {}", std::io::Error::last_os_error());
    }
    let status = std::process::ExitStatus::from_raw(status);
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok((usage.ru_maxrss as u64, start.elapsed().as_secs_f64()))
}
