//! `cargo xtask setup`: everything building and running nlmon needs, installed only if missing.

use anyhow::Result;

use crate::{apt, bpf_linker, codegen, fuzz, mounts, toolchain};

/// Each part prints one line per thing it does and nothing when there is nothing to do.
pub fn run() -> Result<()> {
    apt::ensure()?;
    toolchain::ensure_rust_src()?;
    bpf_linker::ensure(toolchain::nightly_llvm_major()?)?;
    mounts::ensure()?;
    fuzz::ensure()?;
    // The kernel specs and headers `codegen --check` reads (cached).
    codegen::ensure()?;
    println!("setup: ok");
    Ok(())
}
