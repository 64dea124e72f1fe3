//! Debian packages: find the missing ones, install only those.

use std::{collections::HashSet, process::Command};

use anyhow::{Context as _, Result};

use crate::{exec, llvm, privilege};

/// What building bpf-linker, running nlmon and the tests need.
fn packages() -> Vec<String> {
    let mut packages = vec![
        // Building bpf-linker against Debian's LLVM.
        format!("llvm-{}-dev", llvm::MAJOR),
        format!("libpolly-{}-dev", llvm::MAJOR),
        "libzstd-dev".to_owned(),
        "zlib1g-dev".to_owned(),
    ];
    // Traffic generators for tests, and the VM kernel matrix (qemu, initramfs, modules).
    packages.extend(
        [
            "iproute2",
            "nftables",
            "busybox-static",
            "qemu-system-x86",
            "cpio",
            "zstd",
            "kmod",
            "strace",
            // The benchmark reads per-program BPF run times with it.
            "bpftool",
            // More traffic generators for `cargo xtask golden-capture`.
            "ethtool",
            "conntrack",
            "ipset",
            "tcpdump",
            "forkstat",
            "iw",
            "socat",
            // The service checks (systemd-analyze) and the systemd VM image.
            "systemd",
            "mmdebstrap",
            "e2fsprogs",
            // `cargo xtask codegen` unpacks the kernel source's tar.xz.
            "xz-utils",
            // Reads the pcapng files nlmon writes, to check them.
            "tshark",
        ]
        .map(str::to_owned),
    );
    packages
}

/// Installs whichever packages are missing; runs `apt-get update` only then.
pub fn ensure() -> Result<()> {
    let missing = missing(&packages())?;
    if missing.is_empty() {
        return Ok(());
    }
    println!("setup: apt-get install {}", missing.join(" "));
    apt_get(&["update", "-q"])?;
    let mut install = vec!["install", "-y", "-q"];
    install.extend(missing.iter().map(String::as_str));
    apt_get(&install)
}

/// The subset of `packages` that dpkg does not report as installed.
fn missing(packages: &[String]) -> Result<Vec<String>> {
    // dpkg-query exits 1 when it knows nothing of a package; stdout still lists the rest.
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Package} ${Status}\n"])
        .args(packages)
        .output()
        .context("cannot run dpkg-query (is this Debian?)")?;
    let listing = String::from_utf8_lossy(&out.stdout);
    // Status is "want flag state"; only state "installed" counts (not config-files etc).
    let installed: HashSet<&str> = listing
        .lines()
        .filter(|line| line.ends_with(" installed"))
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    Ok(packages
        .iter()
        .filter(|p| !installed.contains(p.as_str()))
        .cloned()
        .collect())
}

pub fn apt_get(args: &[&str]) -> Result<()> {
    // `env` carries DEBIAN_FRONTEND through sudo, which resets the environment.
    let mut cmd = privilege::as_root("env", "installing packages")?;
    cmd.args(["DEBIAN_FRONTEND=noninteractive", "apt-get"])
        .args(args);
    exec::status(&mut cmd)
}
