//! Network namespace names: `host` for the initial one, the `ip netns`
//! names (`/run/netns`, where podman's netavark also keeps its
//! `netns-<uuid>`), docker's (`/run/docker/netns`), and a container's
//! label for a namespace that is a container's own.

use std::{
    collections::HashMap,
    fs,
    os::unix::fs::MetadataExt,
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

/// Named namespaces are looked up again on a miss at most this often.
const RESCAN: Duration = Duration::from_millis(500);

/// Inodes remembered at most; the cache starts over when full.
const MAX_CACHED: usize = 4096;

pub struct Netns {
    host: Option<u32>,
    dirs: Vec<PathBuf>,
    /// From the last scan of `dirs`.
    named: HashMap<u32, Arc<str>>,
    scanned: Option<Instant>,
    /// Answers given, by inode (`None`: no name, retried after `RESCAN`).
    cache: HashMap<u32, (Option<Arc<str>>, Instant)>,
    host_name: Arc<str>,
}

/// The inode of a namespace file.
pub fn inode(path: &str) -> Option<u32> {
    fs::metadata(path).ok().map(|m| m.ino() as u32)
}

impl Netns {
    pub fn new() -> Self {
        // nlmon runs in the host's namespace when pid 1 cannot be read.
        let host = inode("/proc/1/ns/net").or_else(|| inode("/proc/self/ns/net"));
        Self::with(host, vec!["/run/netns".into(), "/run/docker/netns".into()])
    }

    pub fn with(host: Option<u32>, dirs: Vec<PathBuf>) -> Self {
        Self {
            host,
            dirs,
            named: HashMap::new(),
            scanned: None,
            cache: HashMap::new(),
            host_name: Arc::from("host"),
        }
    }

    /// The name of a namespace by inode, when it has one.
    pub fn name(&mut self, ino: u32) -> Option<Arc<str>> {
        if ino == 0 {
            return None;
        }
        if Some(ino) == self.host {
            return Some(self.host_name.clone());
        }
        if let Some((name, at)) = self.cache.get(&ino)
            && (name.is_some() || at.elapsed() < RESCAN)
        {
            return name.clone();
        }
        if !self.named.contains_key(&ino) && self.scanned.is_none_or(|t| t.elapsed() >= RESCAN) {
            self.scan();
        }
        let name = self.named.get(&ino).cloned();
        if self.cache.len() >= MAX_CACHED {
            self.cache.clear();
        }
        self.cache.insert(ino, (name.clone(), Instant::now()));
        name
    }

    /// Names a namespace after the container whose own it is (checked by
    /// the caller), unless it has a name a person gave it.
    pub fn name_container(&mut self, ino: u32, label: &str) -> Arc<str> {
        let name: Arc<str> = Arc::from(label);
        self.cache.insert(ino, (Some(name.clone()), Instant::now()));
        name
    }

    fn scan(&mut self) {
        self.scanned = Some(Instant::now());
        self.named.clear();
        for dir in &self.dirs {
            let Ok(entries) = fs::read_dir(dir) else {
                continue;
            };
            for e in entries.flatten() {
                // A bind mount of an nsfs file: its inode is the namespace's.
                if let Ok(m) = fs::metadata(e.path()) {
                    let name = e.file_name().to_string_lossy().into_owned();
                    self.named
                        .entry(m.ino() as u32)
                        .or_insert_with(|| name.into());
                }
            }
        }
    }
}

impl Default for Netns {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether a namespace name was made up by a runtime (podman's
/// `netns-<uuid>`, CNI's `cni-<uuid>`, docker's sandbox ids) rather than
/// given by a person: a container's label says more.
pub fn is_generated(name: &str) -> bool {
    name.starts_with("netns-")
        || name.starts_with("cni-")
        || (name.len() == 12 && name.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_and_misses() {
        let dir = std::env::temp_dir().join(format!("nlmon-netns-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        // Any file stands in for a bind-mounted namespace: only its inode counts.
        fs::write(dir.join("blue"), b"").unwrap();
        let blue = inode(dir.join("blue").to_str().unwrap()).unwrap();
        let mut n = Netns::with(Some(7), vec![dir.clone(), "/nonexistent".into()]);
        assert_eq!(n.name(7).as_deref(), Some("host"));
        assert_eq!(n.name(blue).as_deref(), Some("blue"));
        assert_eq!(n.name(0), None);
        assert_eq!(n.name(blue.wrapping_add(1_000_000)), None);
        assert_eq!(&*n.name_container(99, "podman:web"), "podman:web");
        assert_eq!(n.name(99).as_deref(), Some("podman:web"));
        fs::remove_dir_all(dir).unwrap();
        assert!(is_generated("netns-0a1b2c3d-1111-2222-3333-444455556666"));
        assert!(is_generated("0123456789ab"));
        assert!(!is_generated("blue"));
    }
}
