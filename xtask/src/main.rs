//! Developer tasks for nlmon: `cargo xtask setup | run | test | vm-test | bench |
//! golden-capture`.
//!
//! This file only wires subcommands to the modules that do the work.

mod apt;
mod bench;
mod bpf_linker;
mod codegen;
mod exec;
mod fuzz;
mod golden;
mod llvm;
mod mounts;
mod package;
mod paths;
mod privilege;
mod run;
mod setup;
mod step;
mod steps;
mod test;
mod toolchain;
mod vm;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask", about = "nlmon developer tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install and check what building and running nlmon needs (idempotent, quiet when done).
    Setup,
    /// Build nlmon (release) and run it as root: `cargo xtask run -- [nlmon args...]`.
    Run(run::Options),
    /// Run the whole test suite: formatting, lints, then unit and privileged tests.
    Test(test::Options),
    /// Run the capture suite on the kernel matrix in qemu, once per attach mode:
    /// `cargo xtask vm-test [--kernel 6.12] [--attach kprobe] [-- FILTER...]`.
    VmTest(vm::Options),
    /// Measure what nlmon costs (round trips, dumps, flood, bystanders,
    /// memory, start-up): `cargo xtask bench [--smoke] [--only 1,3]`.
    Bench(bench::Options),
    /// Build target/nlmon_<version>_amd64.deb (static nlmon, systemd unit,
    /// default config, attach group) and check it and the unit.
    Package,
    /// Capture the golden decoder corpus: real tools in a private network
    /// namespace, recorded by nlmon into nlmon-common/tests/golden/ (needs root).
    GoldenCapture(golden::Options),
    /// Generate the decoder's tables from the kernel's YNL specs (`--check`: fail if stale).
    Codegen(codegen::Options),
    /// Fuzz the decoder (nlmon-common/fuzz) from the golden corpus: `cargo xtask fuzz [--seconds 75]`.
    Fuzz(fuzz::Options),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Setup => setup::run(),
        Command::Run(options) => run::run(options),
        Command::Test(options) => test::run(options),
        Command::Codegen(options) => codegen::run(&options),
        Command::Fuzz(options) => fuzz::ensure().and_then(|()| fuzz::run(options.seconds)),
        Command::VmTest(options) => setup::run().and_then(|()| vm::run(&options)),
        Command::Bench(options) => setup::run().and_then(|()| bench::run(&options)),
        Command::GoldenCapture(options) => golden::run(&options),
        Command::Package => package::build_and_check().map(|_| ()),
    };
    // `{:#}` prints the context chain on one line, without a backtrace.
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
