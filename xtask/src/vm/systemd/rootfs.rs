//! The Debian bookworm root filesystem with systemd the service test boots:
//! built once with mmdebstrap (about 25 s) and cached as a tarball outside
//! the clone, so later runs only unpack it.

use std::{fs, path::PathBuf, process::Command};

use anyhow::{Context as _, Result};

use crate::{exec, vm::kernels};

/// What the guest needs: systemd as PID 1, apt to install the package,
/// the traffic generators, bpftool to look for leftover programs,
/// node_exporter (with curl to scrape it) for nlmon's metrics file, and
/// podman (with dbus for its systemd scopes) and a static busybox for the
/// container the test imports.
const PACKAGES: &str = "usr-is-merged,systemd,systemd-sysv,udev,dbus,apt,iproute2,nftables,bpftool,\
                        kmod,prometheus-node-exporter,curl,podman,busybox-static";

/// Documentation and caches the test never reads.
const TRIM: &str = "rm -rf \"$1\"/usr/share/doc/* \"$1\"/usr/share/man/* \
                    \"$1\"/usr/share/locale/* \"$1\"/var/cache/apt/*.bin \
                    \"$1\"/var/lib/apt/lists/*";

/// The cached tarball, built if missing. Its name carries the package
/// list, so changing the list builds a new one.
pub fn tarball() -> Result<PathBuf> {
    let key: u32 = PACKAGES
        .bytes()
        .chain(TRIM.bytes())
        .fold(2166136261u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(16777619)
        });
    let dir = kernels::cache_dir().join("rootfs");
    let tar = dir.join(format!("bookworm-systemd-{key:08x}.tar"));
    if tar.exists() {
        return Ok(tar);
    }
    fs::create_dir_all(&dir)?;
    let tmp = tar.with_extension("tar.tmp");
    println!("vm: building the bookworm root filesystem with mmdebstrap");
    exec::status(
        Command::new("mmdebstrap")
            .args(["--mode=root", "--variant=essential", "--quiet"])
            .arg(format!("--include={PACKAGES}"))
            .arg(format!("--customize-hook={TRIM}"))
            .args(["--format=tar", "bookworm"])
            .arg(&tmp)
            .arg("http://deb.debian.org/debian"),
    )
    .context("mmdebstrap (cargo xtask setup installs it)")?;
    fs::rename(&tmp, &tar)?;
    Ok(tar)
}
