//! Workload 3: processes sending netlink messages as fast as they can (or
//! at a set pace). nlmon is filtered to the generators, so every message
//! sent must be either captured or counted as lost: the count is exact.

use anyhow::{Result, bail};

use super::{
    Ctx,
    nlmon::{Nlmon, Output, Summary},
    report::rate,
    tools::{GEN_COMM, Netns, Tools},
    traffic::{self, Gen, GenResult},
};

/// One flood: what the generators did and what nlmon made of it.
struct Flood {
    sent: u64,
    /// Messages per second over the slowest generator's time.
    rate: f64,
    summary: Summary,
    /// nlmon's CPU time over the flood and the drain after it.
    cpu_secs: f64,
    /// The slowest generator's time.
    secs: f64,
    hwm_kib: u64,
}

impl Flood {
    fn unaccounted(&self) -> i128 {
        self.sent as i128 - (self.summary.captured + self.summary.lost) as i128
    }
}

pub fn run(ctx: &mut Ctx) -> Result<()> {
    let ns = Netns::new("flood")?;
    // What one generator core produces with nothing attached (median of
    // three runs).
    let n = ctx.pick(1_000_000u64, 20_000);
    let mut alone = Vec::new();
    for _ in 0..ctx.pick(3, 1) {
        let r = traffic::run(
            &ctx.tools,
            &ns,
            &["bench-flood", &n.to_string(), "0"],
            false,
        )?;
        alone.push(r.ops as f64 / r.secs);
    }
    let single = super::stats::median(&alone);
    ctx.report.row(
        3,
        "one generator, as fast as it can, no tracing",
        format!("{} msg/s", rate(single)),
    );

    let mut problems = Vec::new();
    let mut check = |what: &str, f: &Flood| {
        if f.unaccounted() != 0 || f.summary.shown != f.summary.captured {
            problems.push(format!(
                "{what}: sent {}, captured {}, lost {}, shown {}",
                f.sent, f.summary.captured, f.summary.lost, f.summary.shown
            ));
        }
    };

    if ctx.smoke {
        // A pace any machine sustains: nothing may be lost.
        let f = flood(ctx, &ns, 1, 10_000, 20_000)?;
        check("smoke flood at 20k msg/s", &f);
        ctx.report.row(
            3,
            "paced flood, 20k msg/s",
            format!("{} sent, {} lost", f.sent, f.summary.lost),
        );
        if f.summary.lost != 0 {
            problems.push(format!("{} lost at 20k msg/s", f.summary.lost));
        }
        ctx.flood_hwm_kib = Some(f.hwm_kib);
        if !problems.is_empty() {
            bail!("flood: {}", problems.join("; "));
        }
        return Ok(());
    }

    // Unpaced: 1, 2 and 4 generators.
    let mut hwm = 0;
    for procs in [1u64, 2, 4] {
        let f = flood(ctx, &ns, procs, n / procs, 0)?;
        check(&format!("{procs} unpaced generators"), &f);
        hwm = hwm.max(f.hwm_kib);
        ctx.report.row(
            3,
            format!("{procs} generator(s) as fast as they can, under nlmon"),
            describe(&f),
        );
        ctx.report.ratio(single / (f.rate / procs as f64));
        if procs == 1 {
            // nlmon's own programs slow the generator down; the target is
            // that nlmon keeps up with whatever one generator core sends.
            ctx.report
                .target("zero loss from one generator core", f.summary.lost == 0);
        }
    }

    // Paced, two generators: the highest total rate with zero loss.
    let mut best: Option<Flood> = None;
    let mut pace = 50_000u64;
    let secs = 3;
    loop {
        let f = flood(ctx, &ns, 2, pace * secs / 2, pace / 2)?;
        check(&format!("paced at {pace}/s"), &f);
        hwm = hwm.max(f.hwm_kib);
        let fell_short = f.rate < 0.9 * pace as f64;
        println!(
            "bench:    paced {pace}/s: achieved {}, lost {}",
            rate(f.rate),
            f.summary.lost
        );
        if f.summary.lost > 0 || fell_short {
            ctx.report.row(
                3,
                format!("beyond: 2 generators paced at {}/s", rate(pace as f64)),
                describe(&f),
            );
            break;
        }
        best = Some(f);
        pace *= 2;
    }
    match &best {
        Some(f) => {
            ctx.report.row(
                3,
                "highest paced rate with zero loss (2 generators, 3 s)",
                describe(f),
            );
            ctx.report.target(
                format!("≥ one untraced generator core ({})", rate(single)),
                f.rate >= single,
            );
        }
        None => ctx
            .report
            .row(3, "highest paced rate with zero loss", "none ≥ 50k/s"),
    }
    ctx.flood_hwm_kib = Some(hwm);
    if problems.is_empty() {
        ctx.report
            .note("flood: every message sent was either captured or counted as lost");
    } else {
        for p in &problems {
            ctx.report.note(format!("flood: UNACCOUNTED: {p}"));
        }
    }
    Ok(())
}

fn describe(f: &Flood) -> String {
    // CPU seconds per message, scaled to 100k messages a second: the share
    // of a core nlmon needs at that rate.
    let per_100k = f.cpu_secs / f.sent.max(1) as f64 * 100_000.0 * 100.0;
    let cpu = f.cpu_secs / f.secs.max(1e-9) * 100.0;
    format!(
        "{} msg/s, {} of {} lost ({:.2} %), nlmon CPU {cpu:.0} % ({per_100k:.0} % of a core per 100k msg/s)",
        rate(f.rate),
        f.summary.lost,
        f.sent,
        f.summary.lost as f64 * 100.0 / f.sent.max(1) as f64,
    )
}

/// `procs` generators sending `each` messages at `pace` per second each
/// (0: unpaced), under nlmon filtered to them.
fn flood(ctx: &mut Ctx, ns: &Netns, procs: u64, each: u64, pace: u64) -> Result<Flood> {
    let args = ["bench-flood".to_owned(), each.to_string(), pace.to_string()];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let ((results, cpu_secs, hwm_kib), summary) =
        ctx.with_nlmon(Output::Text, &["--comm", GEN_COMM], |c, nl| {
            run_together(&c.tools, ns, nl, procs, &args)
        })?;
    let slowest = results.iter().map(|r| r.secs).fold(0.0, f64::max);
    let sent: u64 = results.iter().map(|r| r.calls).sum();
    Ok(Flood {
        sent,
        rate: sent as f64 / slowest.max(1e-9),
        summary,
        cpu_secs,
        secs: slowest,
        hwm_kib,
    })
}

/// Starts `procs` generators, releases them together, waits for all; returns
/// their results, nlmon's CPU seconds meanwhile and its peak RSS.
fn run_together(
    tools: &Tools,
    ns: &Netns,
    nl: &Nlmon,
    procs: u64,
    args: &[&str],
) -> Result<(Vec<GenResult>, f64, u64)> {
    let mut gens = (0..procs)
        .map(|_| Gen::spawn(tools, ns, args, false))
        .collect::<Result<Vec<_>>>()?;
    // Let `ip netns exec` reach the generators' go-line wait.
    std::thread::sleep(std::time::Duration::from_millis(100));
    let cpu0 = nl.cpu_secs()?;
    for g in &mut gens {
        g.go()?;
    }
    let results = gens
        .into_iter()
        .map(Gen::finish)
        .collect::<Result<Vec<_>>>()?;
    // nlmon drains what is left in the ring before it is stopped.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let cpu = nl.cpu_secs()? - cpu0;
    Ok((results, cpu, nl.status_kib("VmHWM")?))
}
