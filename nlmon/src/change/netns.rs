//! Network namespace names for change lines: the name under /run/netns
//! (`ip netns`) of a namespace inode; none for nlmon's own namespace,
//! where a line needs no qualifier, and the inode for one without a name.

use std::{
    collections::HashMap,
    os::unix::fs::MetadataExt as _,
    time::{Duration, Instant},
};

const NETNS_DIR: &str = "/run/netns";
/// How often a namespace without a name is looked up again.
const REFRESH: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub struct Names {
    own: Option<u32>,
    names: HashMap<u32, String>,
    read_at: Option<Instant>,
}

impl Names {
    /// The name of namespace `inode`; `None` for nlmon's own.
    pub fn name(&mut self, inode: u32) -> Option<String> {
        let own = *self.own.get_or_insert_with(|| {
            std::fs::metadata("/proc/self/ns/net").map_or(0, |m| m.ino() as u32)
        });
        if inode == own || inode == 0 {
            return None;
        }
        if !self.names.contains_key(&inode) && self.read_at.is_none_or(|t| t.elapsed() > REFRESH) {
            self.read();
        }
        Some(
            self.names
                .get(&inode)
                .cloned()
                .unwrap_or_else(|| inode.to_string()),
        )
    }

    fn read(&mut self) {
        self.read_at = Some(Instant::now());
        let Ok(dir) = std::fs::read_dir(NETNS_DIR) else {
            return;
        };
        for e in dir.flatten() {
            if let (Ok(m), Some(n)) = (std::fs::metadata(e.path()), e.file_name().to_str()) {
                self.names.insert(m.ino() as u32, n.to_owned());
            }
        }
    }
}
