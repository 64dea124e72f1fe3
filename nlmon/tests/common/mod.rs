//! Helpers shared by the privileged test binaries.
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::{
    process::Command,
    sync::atomic::{AtomicU32, Ordering},
};

/// A network namespace for one test, removed on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "nlmon-t{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        run(Command::new(ip()).args(["netns", "add", &name]));
        run(Command::new(ip()).args(["-n", &name, "link", "set", "lo", "up"]));
        Self { name }
    }

    pub fn path(&self) -> String {
        format!("/run/netns/{}", self.name)
    }

    /// Inode of the namespace, as records carry it.
    pub fn inode(&self) -> u32 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(self.path()).expect("stat netns").ino() as u32
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new(ip())
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// iproute2's `ip` (not busybox's applet), by full path where it is.
pub fn ip() -> &'static str {
    ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("ip")
}

pub fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
