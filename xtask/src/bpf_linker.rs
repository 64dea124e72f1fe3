//! bpf-linker: installed at the pinned version, built against the nightly's LLVM major.

use std::{fs, path::Path, process::Command};

use anyhow::{Context as _, Result, bail};

use crate::{exec, llvm, paths};

const VERSION: &str = "0.13.0";

/// Beside the binary: the `llvm-config --version` it was built with. `bpf-linker --version`
/// prints only `bpf-linker 0.13.0`, so the LLVM has to be recorded at install time.
const MARKER: &str = ".bpf-linker-llvm";

/// Makes sure bpf-linker is the pinned version and shares `nightly_llvm`'s major.
pub fn ensure(nightly_llvm: u32) -> Result<()> {
    if nightly_llvm != llvm::MAJOR {
        bail!(
            "nightly rustc uses LLVM {nightly_llvm} but xtask builds bpf-linker against LLVM {}: \
             bpf-linker could not read the nightly's bitcode. Set llvm::MAJOR in \
             xtask/src/llvm.rs to {nightly_llvm} (needs llvm-{nightly_llvm}-dev from apt), \
             or install a nightly built with LLVM {}",
            llvm::MAJOR,
            llvm::MAJOR
        );
    }
    let bin_dir = paths::cargo_home().join("bin");
    let binary = bin_dir.join("bpf-linker");
    let marker = bin_dir.join(MARKER);
    let current = installed_version(&binary).as_deref() == Some(VERSION)
        && built_llvm_major(&bin_dir, &marker) == Some(llvm::MAJOR);
    if !current {
        install(&marker)?;
    }
    let built = built_llvm_major(&bin_dir, &marker)
        .with_context(|| format!("no LLVM recorded for bpf-linker in {}", marker.display()))?;
    if built != nightly_llvm {
        bail!(
            "bpf-linker is built against LLVM {built} but nightly rustc uses LLVM {nightly_llvm}; \
             delete {} and run `cargo xtask setup` again",
            binary.display()
        );
    }
    Ok(())
}

/// `0.13.0` from `bpf-linker 0.13.0`, or None when it is missing or broken.
fn installed_version(binary: &Path) -> Option<String> {
    let out = exec::stdout(Command::new(binary).arg("--version")).ok()?;
    out.split_whitespace().nth(1).map(str::to_owned)
}

/// The LLVM major bpf-linker was built against: our marker, else the `llvm-NN` feature that
/// `cargo install` recorded in `.crates2.json` (an install made before xtask existed).
fn built_llvm_major(bin_dir: &Path, marker: &Path) -> Option<u32> {
    if let Ok(recorded) = fs::read_to_string(marker) {
        return llvm::major(&recorded).ok();
    }
    let major = major_from_cargo_record(bin_dir)?;
    // Record it so that the next run takes the short path; failing to write costs nothing.
    if fs::write(marker, format!("{major}\n")).is_ok() {
        println!(
            "setup: recorded bpf-linker's LLVM {major} in {}",
            marker.display()
        );
    }
    Some(major)
}

fn major_from_cargo_record(bin_dir: &Path) -> Option<u32> {
    let record = fs::read_to_string(bin_dir.parent()?.join(".crates2.json")).ok()?;
    // One flat object per install: `"bpf-linker 0.13.0 (registry+...)":{..."features":["llvm-22"]...}`.
    let entry = &record[record.find(&format!("\"bpf-linker {VERSION} "))?..];
    let entry = &entry[..entry.find('}')?];
    let features = &entry[entry.find("\"features\":[")?..];
    let features = &features[..features.find(']')?];
    let digits = features.split("\"llvm-").nth(1)?;
    digits.split('"').next()?.parse().ok()
}

fn install(marker: &Path) -> Result<()> {
    let llvm_version = llvm::version().with_context(|| {
        format!(
            "LLVM {} is not installed (llvm-{}-dev)",
            llvm::MAJOR,
            llvm::MAJOR
        )
    })?;
    println!("setup: cargo install bpf-linker {VERSION} (LLVM {llvm_version}, about a minute)");
    // bpf-linker's build runs the first llvm-config on PATH; without ours first it searches
    // /usr/lib64 and fails with "unable to find library -lLLVM".
    let path = std::env::join_paths(std::iter::once(llvm::bin_dir()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))?;
    // A stale marker must not vouch for a half-finished install.
    let _ = fs::remove_file(marker);
    exec::status(
        Command::new("cargo")
            .env("PATH", path)
            .current_dir(paths::cargo_home())
            .args([
                "install",
                "bpf-linker",
                "--version",
                VERSION,
                "--locked",
                "--force",
            ])
            .args(["--no-default-features", "--features"])
            .arg(format!("llvm-{}", llvm::MAJOR)),
    )?;
    fs::write(marker, format!("{llvm_version}\n"))
        .with_context(|| format!("cannot write {}", marker.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_llvm_feature_from_cargo_record() {
        let dir = std::env::temp_dir().join(format!("xtask-crates2-{}", std::process::id()));
        let bin = dir.join("bin");
        fs::create_dir_all(&bin).unwrap();
        fs::write(
            dir.join(".crates2.json"),
            r#"{"installs":{"bpf-linker 0.13.0 (registry+https://github.com/rust-lang/crates.io-index)":{"version_req":"=0.13.0","bins":["bpf-linker"],"features":["llvm-22"],"all_features":false}}}"#,
        )
        .unwrap();
        assert_eq!(major_from_cargo_record(&bin), Some(22));
        fs::remove_dir_all(&dir).unwrap();
    }
}
