//! Named network namespaces (`ip netns`), deleted again when dropped.

use std::path::PathBuf;

use anyhow::Result;

use crate::exec;

pub struct Netns {
    name: &'static str,
}

impl Netns {
    /// Creates `name`, first removing one left over by an interrupted run.
    pub fn create(name: &'static str) -> Result<Self> {
        if PathBuf::from("/run/netns").join(name).exists() {
            exec::status(std::process::Command::new("ip").args(["netns", "del", name]))?;
        }
        exec::status(std::process::Command::new("ip").args(["netns", "add", name]))?;
        Ok(Self { name })
    }

    pub fn path(&self) -> PathBuf {
        PathBuf::from("/run/netns").join(self.name)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Deleting the namespace removes every device, route and rule made in it.
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", self.name])
            .status();
    }
}
