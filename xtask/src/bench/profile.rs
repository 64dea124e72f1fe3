//! Where nlmon's in-kernel time goes: the kernel's own BPF statistics
//! (`kernel.bpf_stats_enabled`: run count and run time per program), read
//! around one run of a workload. This machine has no hardware counters for
//! perf, and these numbers need none.

use std::{collections::BTreeMap, process::Command};

use anyhow::{Context as _, Result};
use serde_json::Value;

use super::{Ctx, nlmon::Output, tools::Netns, traffic};
use crate::exec;

const STATS: &str = "/proc/sys/kernel/bpf_stats_enabled";

/// Run count and nanoseconds per program id.
type Stats = BTreeMap<u64, (String, u64, u64)>;

/// Programs (by name) that ran during `args` under a capturing nlmon: runs
/// per workload operation and average ns per run. Returns a one-line summary.
pub fn per_program(ctx: &mut Ctx, ns: &Netns, args: &[&str]) -> Result<String> {
    let was = std::fs::read_to_string(STATS).unwrap_or_default();
    std::fs::write(STATS, "1").with_context(|| format!("enable {STATS}"))?;
    let result = ctx.with_nlmon(Output::Text, &[], |c, nl| {
        let ids = prog_ids(nl.pid())?;
        let before = stats(&ids)?;
        let r = traffic::run(&c.tools, ns, args, false)?;
        let after = stats(&ids)?;
        Ok((before, after, r.ops))
    });
    let _ = std::fs::write(STATS, was.trim());
    let ((before, after, ops), _) = result?;
    let mut parts = Vec::new();
    let mut total = 0.0;
    for (id, (name, cnt, ns)) in &after {
        let (_, cnt0, ns0) = before.get(id).cloned().unwrap_or_default();
        let (runs, time) = (cnt - cnt0, ns - ns0);
        // Fewer runs than 1 per 100 operations: not part of the workload.
        if runs * 100 < ops {
            continue;
        }
        total += time as f64 / ops as f64;
        parts.push(format!(
            "{name} {:.0} ns × {:.1}",
            time as f64 / runs as f64,
            runs as f64 / ops as f64
        ));
    }
    Ok(format!(
        "{:.0} ns per operation: {}",
        total,
        parts.join(", ")
    ))
}

/// Ids of the BPF programs a process holds, from its fdinfo.
fn prog_ids(pid: u32) -> Result<Vec<u64>> {
    let dir = format!("/proc/{pid}/fdinfo");
    let mut ids = Vec::new();
    for e in std::fs::read_dir(&dir).with_context(|| format!("read {dir}"))? {
        let Ok(text) = std::fs::read_to_string(e?.path()) else {
            continue;
        };
        ids.extend(
            text.lines()
                .filter_map(|l| l.strip_prefix("prog_id:"))
                .filter_map(|v| v.trim().parse::<u64>().ok()),
        );
    }
    Ok(ids)
}

/// Name, run count and run time of each of `ids`, from bpftool.
fn stats(ids: &[u64]) -> Result<Stats> {
    let out = exec::stdout(Command::new("bpftool").args(["prog", "show", "--json"]))
        .context("bpftool (cargo xtask setup installs it)")?;
    let all: Value = serde_json::from_str(&out).context("bpftool printed bad JSON")?;
    let mut s = Stats::new();
    for p in all.as_array().into_iter().flatten() {
        let Some(id) = p["id"].as_u64().filter(|id| ids.contains(id)) else {
            continue;
        };
        s.insert(
            id,
            (
                p["name"].as_str().unwrap_or("?").to_owned(),
                p["run_cnt"].as_u64().unwrap_or(0),
                p["run_time_ns"].as_u64().unwrap_or(0),
            ),
        );
    }
    Ok(s)
}
