//! Workload 1: netlink request/ack round trips, without tracing, under
//! nlmon (text, JSON, filtered to another comm) and under strace.

use anyhow::Result;

use super::{
    Ctx,
    nlmon::Output,
    report::time,
    stats::{interleave, median, ratio},
    tools::Netns,
    traffic,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tracer {
    None,
    Nlmon(Output),
    /// nlmon attached, its in-kernel filter set to a comm nobody has.
    Filtered,
    Strace,
}

impl Tracer {
    fn name(self) -> &'static str {
        match self {
            Tracer::None => "no tracing",
            Tracer::Nlmon(Output::Text) => "nlmon, full capture, text to /dev/null",
            Tracer::Nlmon(Output::Json) => "nlmon, full capture, JSON to /dev/null",
            Tracer::Filtered => "nlmon filtered to another comm",
            Tracer::Strace => "strace -f -e trace=network",
        }
    }
}

/// Round-trip target: full capture under 5 % slower.
const TARGET: f64 = 1.05;

pub fn run(ctx: &mut Ctx) -> Result<()> {
    let ns = Netns::new("rt")?;
    let mut tracers = vec![
        Tracer::None,
        Tracer::Nlmon(Output::Text),
        Tracer::Nlmon(Output::Json),
        Tracer::Filtered,
    ];
    if ctx.tools.strace.is_some() {
        tracers.push(Tracer::Strace);
    } else {
        ctx.report
            .note("strace is not installed: no strace comparison (cargo xtask setup installs it)");
    }
    let getlink_n = ctx.pick(20_000, 300).to_string();
    let addr_n = ctx.pick(5_000, 100).to_string();
    let loads: [(&str, Vec<&str>); 2] = [
        ("RTM_GETLINK round trip", vec!["bench-getlink", &getlink_n]),
        (
            "RTM_NEWADDR/RTM_DELADDR with ack",
            vec!["bench-addr", &addr_n],
        ),
    ];
    for (what, args) in &loads {
        // Per nlmon output: records lost, and the generator's calls (each
        // one record) over all its runs.
        let mut lost = [(0u64, 0u64); 2];
        let samples = interleave(ctx.rounds, &tracers, |t| {
            let r = match t {
                Tracer::None => traffic::run(&ctx.tools, &ns, args, false)?,
                Tracer::Strace => traffic::run(&ctx.tools, &ns, args, true)?,
                Tracer::Nlmon(out) => {
                    let (r, s) =
                        ctx.with_nlmon(*out, &[], |c, _| traffic::run(&c.tools, &ns, args, false))?;
                    let l = &mut lost[usize::from(*out == Output::Json)];
                    l.0 += s.lost;
                    l.1 += r.calls;
                    r
                }
                Tracer::Filtered => {
                    ctx.with_nlmon(Output::Text, &["--comm", "nlbench-none"], |c, _| {
                        traffic::run(&c.tools, &ns, args, false)
                    })?
                    .0
                }
            };
            Ok(r.ns_per_op)
        })?;
        let base = &samples[0];
        for (t, s) in tracers.iter().zip(&samples) {
            let mut measured = time(median(s));
            if let Tracer::Nlmon(out) = t {
                // A lossy capture costs less than a whole one: say so.
                let (l, calls) = lost[usize::from(*out == Output::Json)];
                if l > 0 {
                    let pct = l as f64 * 100.0 / calls.max(1) as f64;
                    measured.push_str(&format!(" ({pct:.1} % of records lost)"));
                }
            }
            ctx.report.row(1, format!("{what}: {}", t.name()), measured);
            if *t == Tracer::None {
                continue;
            }
            let x = ratio(s, base);
            ctx.report.ratio(x);
            if let Tracer::Nlmon(_) = t {
                ctx.report.target(format!("< {TARGET:.2}×"), x < TARGET);
            }
        }
        let spent = super::profile::per_program(ctx, &ns, args)?;
        ctx.report
            .row(1, format!("{what}: nlmon's eBPF programs"), spent);
    }
    Ok(())
}
