//! `cargo xtask package`: `target/nlmon_<version>_amd64.deb` with the
//! static `nlmon` binary (not `nlmon-testgen`), the systemd unit, the
//! default config (a conffile), the attach group (sysusers.d) and, when the
//! binary can make them, the man page and shell completions.

pub mod unit;

use std::{
    fs,
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, Result, bail};

use crate::{exec, paths, vm::binaries};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Builds the package, checks it and the unit; returns its path.
pub fn build_and_check() -> Result<PathBuf> {
    let deb = build()?;
    check(&deb)?;
    unit::check(&paths::target_dir().join("package/root/usr/bin/nlmon"))?;
    Ok(deb)
}

/// Builds the package and returns its path.
pub fn build() -> Result<PathBuf> {
    let nlmon = binaries::nlmon()?;
    let stage = paths::target_dir().join("package");
    let root = stage.join("root");
    if root.exists() {
        fs::remove_dir_all(&root).with_context(|| format!("removing {}", root.display()))?;
    }
    let src = paths::workspace().join("packaging");
    install(&nlmon, &root.join("usr/bin/nlmon"), 0o755)?;
    install(
        &src.join("nlmon.service"),
        &root.join("lib/systemd/system/nlmon.service"),
        0o644,
    )?;
    install(
        &src.join("nlmon.toml"),
        &root.join("etc/nlmon/nlmon.toml"),
        0o644,
    )?;
    install(
        &src.join("nlmon.sysusers"),
        &root.join("usr/lib/sysusers.d/nlmon.conf"),
        0o644,
    )?;
    generated_docs(&nlmon, &root)?;
    let debian = root.join("DEBIAN");
    for script in ["postinst", "prerm", "postrm"] {
        install(&src.join(script), &debian.join(script), 0o755)?;
    }
    write(&debian.join("conffiles"), "/etc/nlmon/nlmon.toml\n")?;
    write(&debian.join("control"), &control(&root)?)?;
    let deb = paths::target_dir().join(format!("nlmon_{VERSION}_amd64.deb"));
    exec::status(
        Command::new("dpkg-deb")
            .args(["--root-owner-group", "-Zxz", "--build"])
            .arg(&root)
            .arg(&deb),
    )?;
    println!("package: {}", deb.display());
    Ok(deb)
}

fn install(from: &Path, to: &Path, mode: u32) -> Result<()> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::copy(from, to)
        .with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    fs::set_permissions(to, fs::Permissions::from_mode(mode))?;
    Ok(())
}

fn write(to: &Path, text: &str) -> Result<()> {
    if let Some(dir) = to.parent() {
        fs::create_dir_all(dir)?;
    }
    fs::write(to, text).with_context(|| format!("writing {}", to.display()))?;
    fs::set_permissions(to, fs::Permissions::from_mode(0o644))?;
    Ok(())
}

/// The man page and completions, from the binary's own `man` and
/// `completions` subcommands (absent in builds without them: said, and
/// left out).
fn generated_docs(nlmon: &Path, root: &Path) -> Result<()> {
    let run = |args: &[&str]| -> Option<Vec<u8>> {
        let out = Command::new(nlmon).args(args).output().ok()?;
        (out.status.success() && !out.stdout.is_empty()).then_some(out.stdout)
    };
    match run(&["man"]) {
        Some(page) => {
            let path = root.join("usr/share/man/man1/nlmon.1");
            write(&path, &String::from_utf8_lossy(&page))?;
            exec::status(Command::new("gzip").args(["-9n", "-f"]).arg(&path))?;
        }
        None => println!("package: this nlmon has no `man` subcommand; no man page"),
    }
    for (shell, path) in [
        ("bash", "usr/share/bash-completion/completions/nlmon"),
        ("zsh", "usr/share/zsh/vendor-completions/_nlmon"),
        ("fish", "usr/share/fish/vendor_completions.d/nlmon.fish"),
    ] {
        match run(&["completions", shell]) {
            Some(script) => write(&root.join(path), &String::from_utf8_lossy(&script))?,
            None => println!("package: this nlmon has no `completions {shell}`; left out"),
        }
    }
    Ok(())
}

fn control(root: &Path) -> Result<String> {
    let out = exec::stdout(
        Command::new("du")
            .args(["-sk", "--exclude=DEBIAN"])
            .arg(root),
    )?;
    let kib: u64 = out
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("du said {out:?}"))?;
    if kib == 0 {
        bail!("the package tree {} is empty", root.display());
    }
    Ok(format!(
        "Package: nlmon\n\
         Version: {VERSION}\n\
         Architecture: amd64\n\
         Maintainer: nlmon developers <nlmon@example.invalid>\n\
         Installed-Size: {kib}\n\
         Section: net\n\
         Priority: optional\n\
         Recommends: systemd\n\
         Description: system-wide netlink monitor\n \
         nlmon shows every netlink message on the machine with the process\n \
         that sent or received it, using eBPF. The nlmon service records\n \
         changes to links, addresses, routes, nftables and more in the\n \
         journal and a JSON Lines file; nlmon attach shows its live feed.\n"
    ))
}

/// Checks what the package holds: nlmon and its unit, config as a
/// conffile, and no test generator.
pub fn check(deb: &Path) -> Result<()> {
    let files = exec::stdout(Command::new("dpkg-deb").arg("--contents").arg(deb))?;
    for want in [
        "./usr/bin/nlmon",
        "./lib/systemd/system/nlmon.service",
        "./etc/nlmon/nlmon.toml",
        "./usr/lib/sysusers.d/nlmon.conf",
    ] {
        if !files.lines().any(|l| l.ends_with(&format!(" {want}"))) {
            bail!("{} lacks {want}:\n{files}", deb.display());
        }
    }
    if files.contains("testgen") {
        bail!("{} carries the test generator:\n{files}", deb.display());
    }
    let conffiles = exec::stdout(
        Command::new("dpkg-deb")
            .arg("--info")
            .arg(deb)
            .arg("conffiles"),
    )?;
    if conffiles.trim() != "/etc/nlmon/nlmon.toml" {
        bail!("conffiles of {}: {conffiles:?}", deb.display());
    }
    Ok(())
}
