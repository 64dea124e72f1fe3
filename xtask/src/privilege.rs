//! Running things as root: directly when we are root, through sudo otherwise.

use std::{ffi::OsStr, process::Command};

use anyhow::{Result, bail};

use crate::exec;

/// Whether our effective uid is 0, read from /proc/self/status (no libc needed).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("Uid:"))?;
            // Fields: real, effective, saved, filesystem.
            line.split_whitespace().nth(2).map(|euid| euid == "0")
        })
        .unwrap_or(false)
}

/// A command running `program` as root; `why` explains the need when we cannot get root.
pub fn as_root(program: impl AsRef<OsStr>, why: &str) -> Result<Command> {
    if is_root() {
        return Ok(Command::new(program));
    }
    let Some(sudo) = exec::which("sudo") else {
        bail!("{why} needs root and sudo is not installed: run this as root");
    };
    let mut cmd = Command::new(sudo);
    cmd.arg(program);
    Ok(cmd)
}
