//! Where things live: the workspace, its target directory, cargo's home.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

/// The workspace root (xtask's parent directory).
pub fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
}

/// The cargo target directory, honouring `CARGO_TARGET_DIR`.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

/// `$CARGO_HOME`, else `~/.cargo`; `cargo install` puts binaries in its `bin`.
pub fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

/// `cargo` run in the workspace root. This is the rustup proxy from PATH, not `$CARGO`,
/// so that `+nightly` works.
pub fn cargo() -> Command {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(workspace());
    cmd
}

/// `$XDG_CACHE_HOME/nlmon`, else `~/.cache/nlmon`: downloads kept outside
/// the clone, so fresh clones and CI runs on the same machine reuse them.
pub fn cache() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("/var/cache"))
        .join("nlmon")
}
