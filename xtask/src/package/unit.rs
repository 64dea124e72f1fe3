//! Checks of `packaging/nlmon.service` that run without systemd as PID 1:
//! `systemd-analyze verify` must print nothing (it exits 0 even on unknown
//! keys, so its output is what counts) and `systemd-analyze security
//! --offline=yes` must not score worse than the README says.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, Result, bail};

use crate::paths;

/// The exposure `systemd-analyze security` gives the unit (systemd 252),
/// as reported in the README; a change that raises it fails the check.
pub const MAX_EXPOSURE: f64 = 1.2;

/// Units `verify --root` needs besides ours: the targets a service's
/// default dependencies name.
const TARGETS: [&str; 4] = [
    "sysinit.target",
    "basic.target",
    "shutdown.target",
    "multi-user.target",
];

pub fn check(nlmon: &Path) -> Result<()> {
    let unit = paths::workspace().join("packaging/nlmon.service");
    let root = tree(nlmon, &unit)?;
    let said = verify(&root, "nlmon.service")?;
    if !said.is_empty() {
        bail!("systemd-analyze verify of {}:\n{said}", unit.display());
    }
    // The check itself must be able to fail: a unit with an unknown key.
    let canary = root.join("lib/systemd/system/nlmon-canary.service");
    let text = fs::read_to_string(&unit)?.replace("[Service]\n", "[Service]\nNoSuchKey=1\n");
    fs::write(&canary, text)?;
    let said = verify(&root, "nlmon-canary.service")?;
    if !said.contains("NoSuchKey") {
        bail!("systemd-analyze verify did not report an unknown key: {said:?}");
    }
    let exposure = exposure(&unit)?;
    if exposure > MAX_EXPOSURE {
        bail!("systemd-analyze security rates nlmon.service {exposure}, worse than {MAX_EXPOSURE}");
    }
    println!("unit: verify clean, security exposure {exposure} (at most {MAX_EXPOSURE})");
    Ok(())
}

/// A root with the unit, the binaries it runs and the targets it needs.
fn tree(nlmon: &Path, unit: &Path) -> Result<PathBuf> {
    let root = paths::target_dir().join("package/unit-check");
    if root.exists() {
        fs::remove_dir_all(&root)?;
    }
    let copy = |from: &Path, to: &str| -> Result<()> {
        let to = root.join(to);
        fs::create_dir_all(to.parent().context("no parent")?)?;
        fs::copy(from, &to)
            .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
        Ok(())
    };
    copy(nlmon, "usr/bin/nlmon")?;
    copy(Path::new("/bin/sh"), "bin/sh")?;
    copy(unit, "lib/systemd/system/nlmon.service")?;
    for t in TARGETS {
        copy(
            &Path::new("/lib/systemd/system").join(t),
            &format!("usr/lib/systemd/system/{t}"),
        )?;
    }
    Ok(root)
}

/// What `systemd-analyze verify` prints about a unit in the tree.
fn verify(root: &Path, unit: &str) -> Result<String> {
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(format!("--root={}", root.display()))
        .arg(format!("/lib/systemd/system/{unit}"))
        .output()
        .context("cannot run systemd-analyze (package systemd)")?;
    let mut said = String::from_utf8_lossy(&out.stdout).into_owned();
    said.push_str(&String::from_utf8_lossy(&out.stderr));
    if !out.status.success() && said.is_empty() {
        said = format!("exited with {}", out.status);
    }
    Ok(said.trim().to_owned())
}

/// The "Overall exposure level" of the unit file.
fn exposure(unit: &Path) -> Result<f64> {
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--no-pager"])
        .arg(unit)
        .output()
        .context("cannot run systemd-analyze")?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| {
            l.split_once("Overall exposure level for nlmon.service:")
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .and_then(|n| n.parse().ok())
        })
        .with_context(|| format!("no exposure level in:\n{text}"))
}
