//! `cargo xtask test`: setup, then every step of the suite in order, stopping at the first failure.

use std::time::Instant;

use anyhow::{Result, bail};

use crate::{privilege, setup, steps};

#[derive(clap::Args)]
pub struct Options {
    /// Skip formatting and clippy steps.
    #[arg(long)]
    skip_lint: bool,
    /// Print the steps that would run, and run nothing.
    #[arg(long)]
    list: bool,
}

pub fn run(options: Options) -> Result<()> {
    let steps: Vec<_> = steps::all()
        .into_iter()
        .filter(|step| !(options.skip_lint && step.lint))
        .collect();
    if options.list {
        for step in &steps {
            let tags = match (step.lint, step.needs_root) {
                (true, _) => " [lint]",
                (false, true) => " [root]",
                (false, false) => "",
            };
            println!("{}{tags}: {}", step.name, step.shown);
        }
        return Ok(());
    }
    if let Some(step) = steps.iter().find(|s| s.needs_root)
        && !privilege::is_root()
    {
        bail!(
            "step `{}` runs privileged tests and needs root: run `cargo xtask test` as root",
            step.name
        );
    }
    setup::run()?;
    let start = Instant::now();
    for (i, step) in steps.iter().enumerate() {
        step.run(i + 1, steps.len())?;
    }
    println!(
        "test: {} steps passed in {:.1}s",
        steps.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
