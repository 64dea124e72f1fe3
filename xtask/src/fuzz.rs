//! The decoder's fuzz target (`nlmon-common/fuzz`), run for a bounded time
//! from a seed corpus of the golden captures; and cargo-fuzz to run it.

use std::{fs, path::Path, process::Command};

use anyhow::{Context as _, Result};

use crate::{exec, paths};

const CARGO_FUZZ: &str = "0.13.1";
/// The suite's fuzzing time (the issue asks for at least a minute).
pub const SECONDS: u32 = 75;

#[derive(clap::Args)]
pub struct Options {
    /// How long to fuzz.
    #[arg(long, default_value_t = SECONDS)]
    pub seconds: u32,
}

/// Installs cargo-fuzz unless `cargo fuzz` already runs.
pub fn ensure() -> Result<()> {
    let present = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if present {
        return Ok(());
    }
    println!("setup: cargo install cargo-fuzz --version {CARGO_FUZZ} --locked");
    exec::status(Command::new("cargo").args([
        "install",
        "cargo-fuzz",
        "--version",
        CARGO_FUZZ,
        "--locked",
    ]))
}

/// Seeds: each golden record as `[protocol] ++ bytes`, the input form of the
/// target. Returns how many were written.
fn write_seeds(golden: &Path, out: &Path) -> Result<usize> {
    fs::create_dir_all(out)?;
    let mut files: Vec<_> = fs::read_dir(golden)
        .with_context(|| format!("cannot read {}", golden.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut n = 0;
    for file in files {
        let text = fs::read_to_string(&file)?;
        let mut seed: Option<Vec<u8>> = None;
        let mut flush = |seed: &mut Option<Vec<u8>>| -> Result<()> {
            if let Some(s) = seed.take().filter(|s| s.len() > 1) {
                fs::write(out.join(format!("golden-{n:05}")), s)?;
                n += 1;
            }
            Ok(())
        };
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            match (line.strip_prefix("  "), seed.as_mut()) {
                (Some(hex), Some(s)) => s.extend(unhex(hex.trim())),
                (Some(_), None) => {}
                (None, _) => {
                    flush(&mut seed)?;
                    let protocol: u8 = line
                        .split_whitespace()
                        .nth(1)
                        .and_then(|p| p.parse().ok())
                        .unwrap_or(0);
                    seed = Some(vec![protocol]);
                }
            }
        }
        flush(&mut seed)?;
    }
    Ok(n)
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok())
        .collect()
}

/// Fuzzes the decoder for `seconds`; fails on any finding.
pub fn run(seconds: u32) -> Result<()> {
    let root = paths::workspace();
    let fuzz_dir = root.join("nlmon-common/fuzz");
    let corpus = fuzz_dir.join("corpus/decode");
    let seeds = write_seeds(&root.join("nlmon-common/tests/golden"), &corpus)?;
    println!("fuzz: {seeds} seeds from the golden corpus, {seconds} s");
    exec::status(
        Command::new("cargo")
            .current_dir(root)
            .args(["+nightly", "fuzz", "run", "--fuzz-dir"])
            .arg(&fuzz_dir)
            .arg("decode")
            .arg(&corpus)
            .args(["--", &format!("-max_total_time={seconds}"), "-timeout=10"]),
    )
}
