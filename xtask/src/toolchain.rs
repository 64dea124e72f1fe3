//! The nightly toolchain that builds the eBPF crate: its rust-src and its LLVM.

use std::process::Command;

use anyhow::{Context as _, Result};

use crate::{exec, llvm};

/// Adds rust-src to nightly (needed by `-Z build-std=core`) unless it is there.
pub fn ensure_rust_src() -> Result<()> {
    let installed = exec::stdout(Command::new("rustup").args([
        "+nightly",
        "component",
        "list",
        "--installed",
    ]))?;
    if installed.lines().any(|c| c.trim() == "rust-src") {
        return Ok(());
    }
    println!("setup: rustup component add rust-src --toolchain nightly");
    exec::status(Command::new("rustup").args([
        "component",
        "add",
        "rust-src",
        "--toolchain",
        "nightly",
    ]))
}

/// The LLVM major of nightly rustc, from the `LLVM version: 22.1.4` line of `rustc -vV`.
pub fn nightly_llvm_major() -> Result<u32> {
    let info = exec::stdout(Command::new("rustc").args(["+nightly", "-vV"]))?;
    let version = info
        .lines()
        .find_map(|l| l.strip_prefix("LLVM version:"))
        .context("`rustc +nightly -vV` does not report an LLVM version")?;
    llvm::major(version)
}
