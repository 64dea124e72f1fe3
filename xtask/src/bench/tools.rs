//! What a benchmark runs: nlmon and the traffic generator (release builds),
//! strace, and a network namespace to keep the traffic in.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, Result, bail};

use crate::{exec, paths, vm};

/// The generator's name as the kernel sees it (its comm): a symlink to
/// `nlmon-testgen`, so that `--comm` filters select exactly our traffic and
/// not that of capture tests running at the same time.
pub const GEN_COMM: &str = "nlbench-gen";

pub struct Tools {
    pub nlmon: PathBuf,
    /// `nlmon-testgen`, through the `GEN_COMM` symlink.
    pub generator: PathBuf,
    pub strace: Option<PathBuf>,
    /// Scratch files (the bystander's file, route batches).
    pub dir: PathBuf,
}

impl Tools {
    /// Builds the binaries: the same static release build the VM rig uses,
    /// so the benchmark and `vm-test` share one build.
    pub fn build() -> Result<Self> {
        let bins = vm::binaries::build()?;
        let dir = paths::target_dir().join("bench");
        std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
        let generator = dir.join(GEN_COMM);
        let _ = std::fs::remove_file(&generator);
        std::os::unix::fs::symlink(&bins.testgen, &generator)
            .with_context(|| format!("symlink {}", generator.display()))?;
        Ok(Self {
            nlmon: bins.nlmon,
            generator,
            strace: exec::which("strace"),
            dir,
        })
    }
}

/// iproute2's `ip`.
pub fn ip() -> &'static str {
    ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("ip")
}

/// A network namespace with `lo` up, removed on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new(tag: &str) -> Result<Self> {
        let name = format!("nlmon-bench-{}-{tag}", std::process::id());
        exec::status(Command::new(ip()).args(["netns", "add", &name]))?;
        let ns = Self { name };
        exec::status(Command::new(ip()).args(["-n", &ns.name, "link", "set", "lo", "up"]))?;
        Ok(ns)
    }

    /// `ip netns exec NAME` followed by the program of `argv`.
    pub fn exec(&self, argv: &[&std::ffi::OsStr]) -> Result<Command> {
        let Some((program, args)) = argv.split_first() else {
            bail!("nothing to run in {}", self.name);
        };
        let mut cmd = Command::new(ip());
        cmd.args(["netns", "exec", &self.name])
            .arg(program)
            .args(args);
        Ok(cmd)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new(ip())
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// Other nlmon processes on the machine (capture tests of other work):
/// their syscall tracepoints slow every syscall, ours included.
pub fn other_nlmons(ours: &[u32]) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| !ours.contains(pid))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "nlmon" || c.starts_with("capture-"))
        })
        .count()
}
