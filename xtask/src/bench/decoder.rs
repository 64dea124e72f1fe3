//! Workload 4: the decoder alone, over the golden corpus, on one core
//! (`nlmon-common/examples/decode-bench.rs`, built in release).

use anyhow::{Context as _, Result};
use serde_json::Value;

use super::{Ctx, report::rate};
use crate::{exec, paths};

/// At least this many messages a second on one core.
const TARGET: f64 = 1_000_000.0;

pub fn run(ctx: &mut Ctx) -> Result<()> {
    let secs = ctx.pick("3", "0.2");
    let out = exec::stdout(paths::cargo().args([
        "run",
        "--quiet",
        "--release",
        "-p",
        "nlmon-common",
        "--features",
        "decode",
        "--example",
        "decode-bench",
        "--",
        secs,
    ]))?;
    let mut rows = 0;
    for line in out.lines().filter(|l| l.starts_with('{')) {
        let v: Value =
            serde_json::from_str(line).with_context(|| format!("decode-bench printed {line}"))?;
        let per_sec = v["messages_per_sec"].as_f64().unwrap_or(0.0);
        let view = match v["view"].as_str().unwrap_or("?") {
            "decode" => "decoding alone",
            "text" => "decoding + one-line text view",
            "json" => "decoding + JSON",
            other => other,
        };
        ctx.report.row(
            4,
            format!(
                "decoder over the golden corpus ({} buffers, {} messages a pass): {view}",
                v["records"],
                v["messages"].as_u64().unwrap_or(0) / v["passes"].as_u64().unwrap_or(1).max(1)
            ),
            format!("{} msg/s on one core", rate(per_sec)),
        );
        if view != "decoding alone" {
            ctx.report.target("≥ 1 M msg/s", per_sec >= TARGET);
        }
        rows += 1;
    }
    if rows == 0 {
        anyhow::bail!("decode-bench printed no results: {out}");
    }
    if !ctx.smoke {
        instructions(ctx)?;
    }
    Ok(())
}

/// Instructions per message of each view, counted by callgrind over one
/// pass of the corpus: repeatable whatever else the machine is doing.
pub fn instructions(ctx: &mut Ctx) -> Result<()> {
    if exec::which("valgrind").is_none() {
        ctx.report
            .note("valgrind is not installed: no instruction counts for the decoder");
        return Ok(());
    }
    exec::status(paths::cargo().args([
        "build",
        "--quiet",
        "--release",
        "-p",
        "nlmon-common",
        "--features",
        "decode",
        "--example",
        "decode-bench",
    ]))?;
    let exe = paths::target_dir().join("release/examples/decode-bench");
    let count = |view: &str| -> Result<(u64, u64)> {
        let out_file = ctx.tools.dir.join(format!("callgrind.{view}"));
        let mut cmd = std::process::Command::new("valgrind");
        cmd.current_dir(paths::workspace().join("nlmon-common"))
            .arg("--tool=callgrind")
            .arg(format!("--callgrind-out-file={}", out_file.display()))
            .arg(&exe)
            .args(["0", view]);
        let out = cmd.output().context("run valgrind")?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        // "==123== Collected : 445957108"
        let ir = stderr
            .lines()
            .find_map(|l| l.split("Collected :").nth(1))
            .and_then(|n| n.trim().parse().ok())
            .with_context(|| format!("no instruction count from callgrind: {stderr}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let messages = stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find_map(|v| v["messages"].as_u64())
            .unwrap_or(0);
        Ok((ir, messages))
    };
    let (base, _) = count("none")?;
    for view in ["decode", "text", "json"] {
        let (ir, messages) = count(view)?;
        let per = ir.saturating_sub(base) as f64 / messages.max(1) as f64;
        ctx.report.row(
            4,
            format!("decoder, {view}: instructions per message (callgrind, one pass)"),
            format!("{per:.0}"),
        );
    }
    Ok(())
}
