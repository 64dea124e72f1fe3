//! Workload 5: programs that never touch netlink, with and without nlmon.
//! In tracepoint mode nlmon's programs run on every read, write, sendto and
//! recvfrom of the machine; this is what that costs the bystanders, and
//! how much of it the kernel's tracepoint path costs with programs that do
//! nothing (the floor no change to nlmon's programs can go below).

use anyhow::Result;

use super::{
    Ctx,
    floor::Floor,
    nlmon::Output,
    profile,
    report::time,
    stats::{interleave, median, ratio},
    tools::Netns,
    traffic,
};

/// Bystanders may be at most 3 % slower.
const TARGET: f64 = 1.03;

pub fn run(ctx: &mut Ctx) -> Result<()> {
    let ns = Netns::new("bystander")?;
    let file = ctx.tools.dir.join("bystander.file");
    let file = file.to_string_lossy().into_owned();
    let udp_n = ctx.pick(200_000, 2_000).to_string();
    let small_n = ctx.pick(500_000, 5_000).to_string();
    let loads: [(&str, Vec<&str>); 3] = [
        (
            "loopback UDP sendto+recvfrom, 64 B",
            vec!["bench-udp", &udp_n],
        ),
        ("pipe write+read, 64 B", vec!["bench-pipe", &small_n]),
        ("file write, 64 B", vec!["bench-file", &small_n, &file]),
    ];
    // No tracing, the tracepoint floor (nlmon's tracepoints with programs
    // that return at once: the kernel's part), nlmon.
    #[derive(Clone, Copy)]
    enum Variant {
        Bare,
        Floor,
        Nlmon,
    }
    for (what, args) in &loads {
        let samples = interleave(
            ctx.rounds,
            &[Variant::Bare, Variant::Floor, Variant::Nlmon],
            |v| match v {
                Variant::Bare => Ok(traffic::run(&ctx.tools, &ns, args, false)?.ns_per_op),
                Variant::Floor => {
                    let _floor = Floor::attach()?;
                    Ok(traffic::run(&ctx.tools, &ns, args, false)?.ns_per_op)
                }
                Variant::Nlmon => Ok(ctx
                    .with_nlmon(Output::Text, &[], |c, _| {
                        traffic::run(&c.tools, &ns, args, false)
                    })?
                    .0
                    .ns_per_op),
            },
        )?;
        ctx.report
            .row(5, format!("{what}: no tracing"), time(median(&samples[0])));
        ctx.report.row(
            5,
            format!("{what}: tracepoint floor (nlmon's syscall tracepoints, empty programs)"),
            time(median(&samples[1])),
        );
        ctx.report.ratio(ratio(&samples[1], &samples[0]));
        ctx.report.row(
            5,
            format!("{what}: nlmon capturing everything"),
            time(median(&samples[2])),
        );
        let x = ratio(&samples[2], &samples[0]);
        ctx.report
            .ratio(x)
            .target(format!("< {TARGET:.2}×"), x < TARGET);
        let spent = profile::per_program(ctx, &ns, args)?;
        ctx.report
            .row(5, format!("{what}: nlmon's eBPF programs"), spent);
    }
    Ok(())
}
