//! The kernel's YNL specs and UAPI headers, from Debian's `linux-source-7.3`
//! (trixie-backports), pinned to one version: downloaded once into
//! `~/.cache/nlmon` through a private APT configuration (the machine's own
//! sources are never touched), only `Documentation/netlink/` and
//! `include/uapi/linux/` kept.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, Result, bail};

use crate::{exec, paths};

const SUITE: &str = "trixie-backports";
const PACKAGE: &str = "linux-source-7.3";
/// The version the committed tables were generated from; a newer one is a
/// deliberate change (bump it, regenerate, review, commit).
pub const VERSION: &str = "7.3.4-1~bpo13+1";
/// Of the .deb, as the suite's `Packages` list gives it.
const SHA256: &str = "703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3";
/// What is kept of the source.
const KEEP: [&str; 2] = ["Documentation/netlink", "include/uapi/linux"];

/// The unpacked parts of the kernel source.
pub struct Source {
    pub root: PathBuf,
}

impl Source {
    pub fn specs(&self) -> PathBuf {
        self.root.join("Documentation/netlink/specs")
    }

    /// `include/uapi/linux/NAME`.
    pub fn uapi(&self, name: &str) -> PathBuf {
        self.root.join("include/uapi/linux").join(name)
    }
}

/// The source, fetching and unpacking it if it is not cached yet.
pub fn fetch() -> Result<Source> {
    let dir = paths::cache().join("linux-source");
    let root = dir.join(format!("{PACKAGE}_{VERSION}"));
    let done = root.join(".nlmon-unpacked");
    if done.exists() {
        return Ok(Source { root });
    }
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let deb = download(&dir)?;
    println!(
        "codegen: extracting {} from {}",
        KEEP.join(", "),
        deb.display()
    );
    let tmp = dir.join(format!("{PACKAGE}_{VERSION}.tmp"));
    let _ = fs::remove_dir_all(&tmp);
    fs::create_dir_all(&tmp)?;
    // The .deb holds the source as a tar.xz; stream it through and keep only
    // the specs and headers (a few MiB of the 167 MB).
    let members: Vec<String> = KEEP.iter().map(|k| format!("'{PACKAGE}/{k}/*'")).collect();
    let script = format!(
        "dpkg-deb --fsys-tarfile '{deb}' | tar -x --wildcards '*/{PACKAGE}.tar.xz' -O | xz -dc | tar -x --strip-components=1 --wildcards {}",
        members.join(" "),
        deb = deb.display()
    );
    exec::status(Command::new("sh").args(["-c", &script]).current_dir(&tmp))?;
    for k in KEEP {
        if !tmp.join(k).is_dir() {
            bail!("{} has no {k}", deb.display());
        }
    }
    let _ = fs::remove_dir_all(&root);
    fs::rename(&tmp, &root)?;
    fs::write(&done, format!("{PACKAGE} {VERSION}\n"))?;
    fs::remove_file(&deb).with_context(|| format!("cannot remove {}", deb.display()))?;
    Ok(Source { root })
}

/// The pinned .deb in `dir`, downloaded (and its checksum checked) unless
/// it is there already.
fn download(dir: &Path) -> Result<PathBuf> {
    // apt names the file with the version's ':' and '~' as they are.
    let deb = dir.join(format!("{PACKAGE}_{VERSION}_all.deb"));
    if !deb.exists() {
        let apt = PrivateApt::new(&dir.join(format!("apt-{SUITE}")))?;
        let want = format!("{PACKAGE}={VERSION}");
        println!("codegen: apt-get download {want} ({SUITE})");
        // A fresh private list knows no package: fetch it once and retry.
        if apt.get(&["download", "-q", &want], dir).is_err() {
            apt.get(&["update", "-q"], dir)?;
            apt.get(&["download", "-q", &want], dir)
                .with_context(|| format!("cannot download {want} from {SUITE}"))?;
        }
    }
    let sum = exec::stdout(Command::new("sha256sum").arg(&deb))?;
    if sum.split_whitespace().next() != Some(SHA256) {
        let _ = fs::remove_file(&deb);
        bail!(
            "{} does not have the pinned SHA-256 {SHA256}",
            deb.display()
        );
    }
    Ok(deb)
}

/// An APT configuration of its own (sources, lists, cache) for one Debian
/// suite, used through `APT_CONFIG`.
struct PrivateApt {
    config: PathBuf,
}

impl PrivateApt {
    fn new(dir: &Path) -> Result<Self> {
        for sub in ["lists/partial", "cache/archives/partial"] {
            fs::create_dir_all(dir.join(sub))
                .with_context(|| format!("cannot create {}", dir.join(sub).display()))?;
        }
        let sources = dir.join("sources.list");
        fs::write(
            &sources,
            format!(
                "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian {SUITE} main\n"
            ),
        )?;
        let config = dir.join("apt.conf");
        fs::write(
            &config,
            format!(
                "Dir::Etc::sourcelist \"{}\";\nDir::Etc::sourceparts \"-\";\nDir::State::Lists \"{}\";\nDir::Cache \"{}\";\nAPT::Sandbox::User \"root\";\n",
                sources.display(),
                dir.join("lists").display(),
                dir.join("cache").display()
            ),
        )?;
        Ok(Self { config })
    }

    fn get(&self, args: &[&str], cwd: &Path) -> Result<()> {
        exec::status(
            Command::new("apt-get")
                .env("APT_CONFIG", &self.config)
                .args(args)
                .current_dir(cwd),
        )
    }
}
