//! Workload 2: route dumps of a namespace with 50,000 routes, without
//! tracing and under nlmon (filtered to the generator, so that the count of
//! records it must capture is known exactly).

use std::{fmt::Write as _, process::Command};

use anyhow::{Context as _, Result};

use super::{
    Ctx,
    nlmon::Output,
    report::{rate, time},
    stats::{interleave, median, ratio},
    tools::{GEN_COMM, Netns, ip},
    traffic,
};
use crate::exec;

pub fn run(ctx: &mut Ctx) -> Result<()> {
    let routes = ctx.pick(50_000, 2_000);
    let dumps = ctx.pick(3, 2).to_string();
    let ns = Netns::new("dump")?;
    add_routes(ctx, &ns, routes)?;
    let variants = [None, Some(Output::Text), Some(Output::Json)];
    let args = ["bench-dump", dumps.as_str()];
    // Per nlmon variant: (messages/s, bytes/s) of each run, and problems.
    let mut rates: Vec<Vec<(f64, f64)>> = vec![Vec::new(); variants.len()];
    let mut problems = Vec::new();
    let mut per_dump = None;
    let samples = interleave(ctx.rounds, &variants, |v| {
        let Some(out) = v else {
            let r = traffic::run(&ctx.tools, &ns, &args, false)?;
            per_dump = Some(r);
            return Ok(r.ns_per_op);
        };
        let (r, s) = ctx.with_nlmon(*out, &["--comm", GEN_COMM], |c, _| {
            traffic::run(&c.tools, &ns, &args, false)
        })?;
        let i = if *out == Output::Text { 1 } else { 2 };
        rates[i].push((r.messages as f64 / r.secs, r.bytes as f64 / r.secs));
        if s.lost != 0 || s.captured != r.calls || s.shown != s.captured {
            problems.push(format!(
                "{out:?}: the generator made {} netlink calls; nlmon captured {}, lost {}, showed {}",
                r.calls, s.captured, s.lost, s.shown
            ));
        }
        Ok(r.ns_per_op)
    })?;
    let r = per_dump.context("no dump without tracing")?;
    ctx.report.row(
        2,
        format!(
            "dump of {routes} routes ({} messages, {} KiB per dump): no tracing",
            r.messages / r.ops,
            r.bytes / r.ops / 1024
        ),
        time(median(&samples[0])),
    );
    for (i, v) in variants.iter().enumerate().skip(1) {
        let msgs = median(&rates[i].iter().map(|x| x.0).collect::<Vec<_>>());
        let bytes = median(&rates[i].iter().map(|x| x.1).collect::<Vec<_>>());
        ctx.report.row(
            2,
            format!(
                "dump under nlmon ({} to /dev/null): time per dump; captured",
                if *v == Some(Output::Text) {
                    "text"
                } else {
                    "JSON"
                }
            ),
            format!(
                "{}; {} msg/s, {}B/s",
                time(median(&samples[i])),
                rate(msgs),
                rate(bytes)
            ),
        );
        ctx.report.ratio(ratio(&samples[i], &samples[0]));
    }
    if problems.is_empty() {
        ctx.report.note(format!(
            "dumps: every nlmon run captured exactly the generator's calls, none lost ({} runs)",
            2 * ctx.rounds
        ));
    } else {
        for p in &problems {
            ctx.report.note(format!("dumps: LOSS OR MISMATCH: {p}"));
        }
        if ctx.smoke {
            anyhow::bail!("dump workload lost records: {}", problems.join("; "));
        }
    }
    Ok(())
}

/// Adds `n` blackhole /32 routes in 10.0.0.0/8 with one `ip -batch`.
fn add_routes(ctx: &Ctx, ns: &Netns, n: u32) -> Result<()> {
    let mut batch = String::new();
    for i in 1..=n {
        let _ = writeln!(
            batch,
            "route add blackhole 10.{}.{}.{}/32",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255
        );
    }
    let file = ctx.tools.dir.join("routes.batch");
    std::fs::write(&file, batch).with_context(|| format!("write {}", file.display()))?;
    exec::status(
        Command::new(ip())
            .args(["-n", &ns.name, "-batch"])
            .arg(&file),
    )
}
