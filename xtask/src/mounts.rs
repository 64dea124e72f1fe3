//! The pseudo filesystems nlmon needs: tracefs (tracepoint ids) and bpffs (pinning).

use std::{fs, process::Command};

use anyhow::{Context as _, Result};

use crate::{exec, privilege};

/// (filesystem type, mount point); neither is mounted at boot on the dev and CI kernels.
const MOUNTS: &[(&str, &str)] = &[("tracefs", "/sys/kernel/tracing"), ("bpf", "/sys/fs/bpf")];

/// Mounts what is missing when root; otherwise says how.
pub fn ensure() -> Result<()> {
    let table = fs::read_to_string("/proc/self/mounts").context("cannot read /proc/self/mounts")?;
    for &(fstype, dir) in MOUNTS {
        if is_mounted(&table, fstype, dir) {
            continue;
        }
        if !privilege::is_root() {
            println!(
                "setup: {fstype} is not mounted; as root run: mount -t {fstype} {fstype} {dir}"
            );
            continue;
        }
        println!("setup: mount -t {fstype} {fstype} {dir}");
        exec::status(Command::new("mount").args(["-t", fstype, fstype, dir]))?;
    }
    Ok(())
}

/// Whether a `/proc/self/mounts` line has this mount point and type.
fn is_mounted(table: &str, fstype: &str, dir: &str) -> bool {
    table.lines().any(|line| {
        let mut fields = line.split_whitespace().skip(1);
        fields.next() == Some(dir) && fields.next() == Some(fstype)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_mount_point_and_type() {
        let table = "tracefs /sys/kernel/tracing tracefs rw,nosuid 0 0\n\
                     none /sys/fs/bpf tmpfs rw 0 0\n";
        assert!(is_mounted(table, "tracefs", "/sys/kernel/tracing"));
        assert!(!is_mounted(table, "bpf", "/sys/fs/bpf"));
    }
}
