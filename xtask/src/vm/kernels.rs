//! The kernel matrix: Debian kernel packages, fetched with apt and unpacked
//! (never installed) into a cache that survives fresh clones.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, Result, bail};

use crate::exec;

/// One kernel of the matrix.
pub struct Spec {
    /// What `--kernel` matches, e.g. "6.1".
    pub name: &'static str,
    /// Package name prefix and suffix; the newest match is used.
    prefix: &'static str,
    suffix: &'static str,
    /// Attach modes this kernel must support (anything else is probed and
    /// reported as skipped when refused).
    pub modes: &'static [&'static str],
}

pub const ALL_MODES: [&str; 3] = ["kprobe", "fentry", "tracepoint"];

pub const MATRIX: [Spec; 2] = [
    Spec {
        name: "6.1",
        prefix: "linux-image-6.1.0-",
        suffix: "-amd64-unsigned",
        modes: &ALL_MODES,
    },
    Spec {
        name: "6.12",
        prefix: "linux-image-6.12.",
        suffix: "+deb12-amd64-unsigned",
        modes: &ALL_MODES,
    },
];

/// An unpacked kernel.
pub struct Kernel {
    pub package: String,
    /// `uname -r` of it.
    pub release: String,
    pub root: PathBuf,
}

impl Kernel {
    pub fn vmlinuz(&self) -> PathBuf {
        self.root
            .join("boot")
            .join(format!("vmlinuz-{}", self.release))
    }
}

/// `$XDG_CACHE_HOME/nlmon`, else `~/.cache/nlmon`: outside the clone, so
/// CI runs on the same machine reuse it.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/var/cache"))
        .join("nlmon")
}

/// Natural ordering of the numeric parts of package names, so that
/// 6.12.117 sorts after 6.12.99 and 6.1.0-56 after 6.1.0-9.
fn version_key(name: &str) -> Vec<u64> {
    name.split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// The newest package of the spec the apt lists know.
fn resolve(spec: &Spec) -> Result<String> {
    let list = |cmd: &mut Command| -> Result<Vec<String>> {
        Ok(exec::stdout(cmd)?
            .lines()
            .filter(|n| n.starts_with(spec.prefix) && n.ends_with(spec.suffix))
            .filter(|n| !n.contains("cloud") && !n.contains("-rt-"))
            .map(str::to_owned)
            .collect())
    };
    let mut names = list(Command::new("apt-cache").args(["pkgnames", spec.prefix]))?;
    if names.is_empty() {
        exec::status(Command::new("apt-get").args(["update", "-q"]))?;
        names = list(Command::new("apt-cache").args(["pkgnames", spec.prefix]))?;
    }
    names.sort_by_key(|n| version_key(n));
    names
        .pop()
        .with_context(|| format!("apt knows no {}*{} package", spec.prefix, spec.suffix))
}

/// The kernel of `spec`, downloaded and unpacked unless cached.
pub fn fetch(spec: &Spec) -> Result<Kernel> {
    let package = resolve(spec)?;
    let root = cache_dir().join("kernels").join(&package);
    let done = root.join(".nlmon-unpacked");
    if !done.exists() {
        println!("vm: fetching {package}");
        let tmp = cache_dir().join("kernels").join(format!("{package}.tmp"));
        let _ = fs::remove_dir_all(&tmp);
        fs::create_dir_all(&tmp)?;
        exec::status(
            Command::new("apt-get")
                .args(["download", "-q", "-o", "APT::Sandbox::User=root", &package])
                .current_dir(&tmp),
        )?;
        let deb = fs::read_dir(&tmp)?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "deb"))
            .context("apt-get download left no .deb")?;
        let _ = fs::remove_dir_all(&root);
        exec::status(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root))?;
        let release = release_of(&root)?;
        exec::status(Command::new("depmod").arg("-b").arg(&root).arg(&release))?;
        fs::remove_dir_all(&tmp)?;
        fs::write(&done, &release)?;
    }
    let release = release_of(&root)?;
    Ok(Kernel {
        package,
        release,
        root,
    })
}

fn release_of(root: &Path) -> Result<String> {
    let mut names: Vec<String> = fs::read_dir(root.join("lib/modules"))
        .with_context(|| format!("{} has no lib/modules", root.display()))?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    match (names.pop(), names.is_empty()) {
        (Some(r), true) => Ok(r),
        _ => bail!(
            "{}: expected one kernel release in lib/modules",
            root.display()
        ),
    }
}

/// The `.ko` files to load for `modules`, dependencies first, decompressed.
pub fn modules(kernel: &Kernel, modules: &[&str]) -> Result<Vec<(String, Vec<u8>)>> {
    let out = exec::stdout(
        Command::new("modprobe")
            .arg("-d")
            .arg(&kernel.root)
            .args(["-S", &kernel.release, "--show-depends", "-a"])
            .args(modules),
    )?;
    let mut files = Vec::new();
    for line in out.lines() {
        let Some(path) = line
            .strip_prefix("insmod ")
            .map(|l| l.split_whitespace().next().unwrap_or(""))
        else {
            continue; // builtin
        };
        let name = Path::new(path)
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split(".ko").next())
            .context("module file name")?
            .to_owned();
        if files.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let data = if path.ends_with(".xz") {
            exec::bytes(Command::new("xz").args(["-dc", path]))?
        } else if path.ends_with(".zst") {
            exec::bytes(Command::new("zstd").args(["-dcq", path]))?
        } else {
            fs::read(path).with_context(|| format!("read {path}"))?
        };
        files.push((name, data));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_package_sorts_last() {
        let mut v = [
            "linux-image-6.12.99+deb12-amd64-unsigned",
            "linux-image-6.12.117+deb12-amd64-unsigned",
            "linux-image-6.12.111+deb12-amd64-unsigned",
        ];
        v.sort_by_key(|n| version_key(n));
        assert_eq!(v.last(), Some(&"linux-image-6.12.117+deb12-amd64-unsigned"));
        let mut w = [
            "linux-image-6.1.0-9-amd64-unsigned",
            "linux-image-6.1.0-56-amd64-unsigned",
        ];
        w.sort_by_key(|n| version_key(n));
        assert_eq!(w.last(), Some(&"linux-image-6.1.0-56-amd64-unsigned"));
    }
}
