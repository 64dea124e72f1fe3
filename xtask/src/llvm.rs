//! The LLVM that bpf-linker is built against: Debian's llvm-NN packages.

use std::{path::PathBuf, process::Command};

use anyhow::{Context as _, Result};

use crate::exec;

/// LLVM major for bpf-linker; it must equal the eBPF nightly's LLVM major.
pub const MAJOR: u32 = 22;

/// `/usr/lib/llvm-NN/bin`; bpf-linker's build finds `llvm-config` (and so `-lLLVM`) here.
pub fn bin_dir() -> PathBuf {
    PathBuf::from(format!("/usr/lib/llvm-{MAJOR}/bin"))
}

/// `llvm-config --version` of that LLVM, e.g. `22.1.8`.
pub fn version() -> Result<String> {
    let out = exec::stdout(Command::new(bin_dir().join("llvm-config")).arg("--version"))?;
    Ok(out.trim().to_owned())
}

/// The major of a version such as `22.1.4`.
pub fn major(version: &str) -> Result<u32> {
    version
        .split('.')
        .next()
        .and_then(|m| m.trim().parse().ok())
        .with_context(|| format!("no LLVM major in {version:?}"))
}
