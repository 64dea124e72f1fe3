//! The statically linked binaries a VM image carries: the capture test
//! suite, the traffic generator and nlmon itself.

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};

use crate::{exec, paths};

/// The host target, named explicitly so that RUSTFLAGS apply to it and not
/// to build scripts (aya-build's among them).
const TARGET: &str = "x86_64-unknown-linux-gnu";

pub struct Binaries {
    /// The `capture` integration test executable.
    pub capture_tests: PathBuf,
    pub testgen: PathBuf,
    pub nlmon: PathBuf,
}

/// Builds (release, `+crt-static`) and returns the executables.
pub fn build() -> Result<Binaries> {
    let tests = executables(&["test", "--no-run", "-p", "nlmon", "--test", "capture"])?;
    let bins = executables(&["build", "-p", "nlmon", "--bins"])?;
    let find = |list: &[(String, PathBuf)], name: &str| -> Result<PathBuf> {
        list.iter()
            .find(|(n, _)| n == name)
            .map(|(_, p)| p.clone())
            .with_context(|| format!("cargo built no {name}"))
    };
    Ok(Binaries {
        capture_tests: find(&tests, "capture")?,
        testgen: find(&bins, "nlmon-testgen")?,
        nlmon: find(&bins, "nlmon")?,
    })
}

/// Builds (release, `+crt-static`) only the `nlmon` binary, for packaging.
pub fn nlmon() -> Result<PathBuf> {
    executables(&["build", "-p", "nlmon", "--bin", "nlmon"])?
        .into_iter()
        .find(|(n, _)| n == "nlmon")
        .map(|(_, p)| p)
        .context("cargo built no nlmon")
}

/// Runs a cargo command with JSON messages and returns (target name,
/// executable) of every artifact with an executable.
fn executables(args: &[&str]) -> Result<Vec<(String, PathBuf)>> {
    let mut cmd = paths::cargo();
    cmd.args(args)
        .args([
            "--release",
            "--target",
            TARGET,
            "--message-format=json-render-diagnostics",
        ])
        .env(
            "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS",
            "-C target-feature=+crt-static",
        );
    let out = exec::stdout(&mut cmd)?;
    let mut found = Vec::new();
    for line in out.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        if let (Some(name), Some(exe)) =
            (msg["target"]["name"].as_str(), msg["executable"].as_str())
        {
            found.push((name.to_owned(), PathBuf::from(exe)));
        }
    }
    if found.is_empty() {
        bail!("`{}` produced no executable", exec::display(&cmd));
    }
    Ok(found)
}
