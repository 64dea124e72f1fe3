//! The kernel's YNL specs, from Debian's `linux-source-6.12` package: fetched
//! once into `~/.cache/nlmon`, only `Documentation/netlink/` extracted.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, Result, bail};

use crate::{apt, exec};

const PACKAGE: &str = "linux-source-6.12";

fn cache() -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/root"));
    home.join(".cache/nlmon/linux-source")
}

/// `Documentation/netlink` of the kernel source, fetching it if needed.
pub fn netlink_docs() -> Result<PathBuf> {
    let dir = cache();
    let docs = dir.join(PACKAGE).join("Documentation/netlink");
    if docs.join("specs").is_dir() {
        return Ok(docs);
    }
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let deb = find_deb(&dir)?;
    let deb = match deb {
        Some(deb) => deb,
        None => {
            println!("codegen: apt-get download {PACKAGE}");
            let download = || {
                exec::status(
                    Command::new("apt-get")
                        .args(["download", "-q", "-o", "APT::Sandbox::User=root", PACKAGE])
                        .current_dir(&dir),
                )
            };
            // A machine whose package lists were never fetched knows no
            // such package: fetch them once and try again.
            if download().is_err() {
                apt::apt_get(&["update", "-q"])?;
                download().with_context(|| format!("cannot download {PACKAGE}"))?;
            }
            find_deb(&dir)?.with_context(|| format!("apt-get download left no {PACKAGE} .deb"))?
        }
    };
    println!(
        "codegen: extracting Documentation/netlink from {}",
        deb.display()
    );
    // The .deb holds the source as a tar.xz; stream it through and keep only
    // the specs (a few hundred KiB of the ~150 MB).
    let script = format!(
        "dpkg-deb --fsys-tarfile '{deb}' | tar -x --wildcards '*/{PACKAGE}.tar.xz' -O | xz -dc | tar -x --wildcards '{PACKAGE}/Documentation/netlink/*'",
        deb = deb.display()
    );
    exec::status(Command::new("sh").args(["-c", &script]).current_dir(&dir))?;
    if !docs.join("specs").is_dir() {
        bail!("{} has no Documentation/netlink/specs", deb.display());
    }
    // The specs are all that is needed of the 150 MB package.
    fs::remove_file(&deb).with_context(|| format!("cannot remove {}", deb.display()))?;
    Ok(docs)
}

fn find_deb(dir: &Path) -> Result<Option<PathBuf>> {
    let mut debs: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(PACKAGE) && n.ends_with(".deb"))
        })
        .collect();
    debs.sort();
    Ok(debs.pop())
}
