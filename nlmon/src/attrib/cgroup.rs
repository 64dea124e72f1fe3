//! cgroup ids and cgroup v2 paths. A cgroup's id (what
//! `bpf_get_current_cgroup_id` returns) is the inode number of its
//! directory in the cgroup2 file system, and also its kernfs file handle,
//! so a live cgroup is found from its id with one `open_by_handle_at`.

use std::{
    collections::HashMap,
    ffi::CString,
    fs, io,
    os::{
        fd::{AsRawFd, FromRawFd, OwnedFd},
        unix::{ffi::OsStrExt, fs::MetadataExt},
    },
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

/// `FILEID_KERNFS` (include/linux/exportfs.h): the handle is the id.
const FILEID_KERNFS: i32 = 0xfe;

/// Directories visited by one walk at most (a fallback, see `Cgroups::walk`).
const MAX_WALK: usize = 100_000;

/// Where the cgroup2 hierarchy is mounted, from this process's mount table
/// (hybrid hosts mount it at `/sys/fs/cgroup/unified`, unified ones at
/// `/sys/fs/cgroup`). `/proc/self/mounts`, not `/proc/mounts`: under
/// nlmon.service (`ProcSubset=pid`) only the per-process files exist.
pub fn cgroup2_mount() -> Option<PathBuf> {
    mount_in(&fs::read_to_string("/proc/self/mounts").ok()?)
}

fn mount_in(mounts: &str) -> Option<PathBuf> {
    mounts.lines().find_map(|l| {
        let mut f = l.split(' ');
        let (_dev, dir, ty) = (f.next()?, f.next()?, f.next()?);
        (ty == "cgroup2").then(|| PathBuf::from(unescape_mount(dir)))
    })
}

/// `/proc/mounts` writes space, tab, newline and backslash as octal escapes.
fn unescape_mount(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let oct = b
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match (b[i], oct) {
            (b'\\', Some(d)) => {
                out.push((d[0] - b'0') << 6 | (d[1] - b'0') << 3 | (d[2] - b'0'));
                i += 4;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A cgroup selected by `--cgroup`: its id, and its depth below the root
/// (the level `bpf_get_current_ancestor_cgroup_id` takes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CgroupSel {
    pub id: u64,
    pub level: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error("no cgroup2 file system is mounted (see /proc/mounts)")]
    NoMount,
    #[error("cgroup {path:?} ({dir}): {source}")]
    Missing {
        path: String,
        dir: String,
        source: io::Error,
    },
}

/// `--cgroup PATH` as a path below the cgroup2 mount: `/system.slice/x`,
/// or the same under the mount point (`/sys/fs/cgroup/unified/system.slice/x`).
pub fn normalize(path: &str, mount: Option<&Path>) -> String {
    let rel = mount
        .and_then(|m| Path::new(path).strip_prefix(m).ok())
        .map_or_else(|| path.to_owned(), |r| format!("/{}", r.display()));
    let joined: Vec<&str> = rel.split('/').filter(|p| !p.is_empty()).collect();
    format!("/{}", joined.join("/"))
}

/// Whether `path` is `under` or one of its descendants.
pub fn is_under(path: &str, under: &str) -> bool {
    under == "/"
        || path == under
        || path
            .strip_prefix(under)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// The id and level of a cgroup given by path.
pub fn select(path: &str) -> Result<CgroupSel, CgroupError> {
    let mount = cgroup2_mount().ok_or(CgroupError::NoMount)?;
    let rel = normalize(path, Some(&mount));
    let dir = mount.join(rel.trim_start_matches('/'));
    let meta = fs::metadata(&dir).map_err(|source| CgroupError::Missing {
        path: path.to_owned(),
        dir: dir.display().to_string(),
        source,
    })?;
    let level = rel.split('/').filter(|p| !p.is_empty()).count() as u32;
    Ok(CgroupSel {
        id: meta.ino(),
        level,
    })
}

/// Finds the path of a cgroup id.
pub struct Cgroups {
    mount: Option<PathBuf>,
    /// The mount's root directory, for `open_by_handle_at`.
    root: Option<OwnedFd>,
    /// Set once handles are refused (no CAP_DAC_READ_SEARCH): walk instead.
    walk_only: bool,
    /// The last walk's result, and when it ran.
    walked: HashMap<u64, String>,
    last_walk: Option<Instant>,
}

impl Cgroups {
    pub fn open() -> Self {
        Self::at(cgroup2_mount())
    }

    pub fn at(mount: Option<PathBuf>) -> Self {
        let root = mount.as_deref().and_then(|m| {
            let c = CString::new(m.as_os_str().as_bytes()).ok()?;
            // SAFETY: a valid C string; the descriptor is owned below.
            let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY) };
            // SAFETY: a fresh descriptor nobody else owns.
            (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
        });
        Self {
            mount,
            root,
            walk_only: false,
            walked: HashMap::new(),
            last_walk: None,
        }
    }

    /// As without CAP_DAC_READ_SEARCH: ids found by walking the tree.
    #[cfg(test)]
    pub fn walking(mount: Option<PathBuf>) -> Self {
        Self {
            walk_only: true,
            ..Self::at(mount)
        }
    }

    pub fn mount(&self) -> Option<&Path> {
        self.mount.as_deref()
    }

    /// The path below the mount (`/system.slice/x.service`) of a live
    /// cgroup; None when it is gone or cannot be found.
    pub fn path_of(&mut self, id: u64) -> Option<String> {
        if id == 0 || self.mount.is_none() {
            return None;
        }
        if !self.walk_only {
            match self.by_handle(id) {
                Ok(p) => return Some(p),
                Err(e) if e.raw_os_error() == Some(libc::ESTALE) => return None,
                Err(e) => {
                    log::debug!("cgroup handles refused ({e}); walking the cgroup tree instead");
                    self.walk_only = true;
                }
            }
        }
        if let Some(p) = self.walked.get(&id) {
            return Some(p.clone());
        }
        // A miss walks again, at most once a second.
        if self
            .last_walk
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1))
        {
            self.walk();
        }
        self.walked.get(&id).cloned()
    }

    fn by_handle(&self, id: u64) -> io::Result<String> {
        #[repr(C)]
        struct KernfsHandle {
            bytes: u32,
            ty: i32,
            id: u64,
        }
        let root = self.root.as_ref().ok_or(io::ErrorKind::NotFound)?;
        let mut h = KernfsHandle {
            bytes: 8,
            ty: FILEID_KERNFS,
            id,
        };
        // SAFETY: `h` has the layout of a `file_handle` with 8 bytes of
        // handle; the descriptor returned is owned below.
        let fd = unsafe {
            libc::open_by_handle_at(
                root.as_raw_fd(),
                (&raw mut h).cast(),
                libc::O_PATH | libc::O_DIRECTORY,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a fresh descriptor nobody else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        let full = fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))?;
        let mount = self.mount.as_deref().ok_or(io::ErrorKind::NotFound)?;
        Ok(full
            .strip_prefix(mount)
            .map_or_else(
                |_| full.display().to_string(),
                |r| format!("/{}", r.display()),
            )
            .replace("//", "/"))
    }

    /// Maps every cgroup's id to its path (without CAP_DAC_READ_SEARCH).
    fn walk(&mut self) {
        self.last_walk = Some(Instant::now());
        self.walked.clear();
        let Some(mount) = self.mount.clone() else {
            return;
        };
        let mut stack = vec![(mount, "/".to_owned())];
        while let Some((dir, rel)) = stack.pop() {
            if self.walked.len() >= MAX_WALK {
                log::warn!("more than {MAX_WALK} cgroups: the rest are not named");
                break;
            }
            let Ok(meta) = fs::metadata(&dir) else {
                continue;
            };
            self.walked.insert(meta.ino(), rel.clone());
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let child = if rel == "/" {
                        format!("/{name}")
                    } else {
                        format!("{rel}/{name}")
                    };
                    stack.push((e.path(), child));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_cgroup2_mount() {
        let hybrid = "cgroup /sys/fs/cgroup/memory cgroup rw 0 0\n\
                      cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";
        assert_eq!(mount_in(hybrid), Some("/sys/fs/cgroup/unified".into()));
        assert_eq!(
            mount_in("cgroup2 /mnt/with\\040space cgroup2 rw 0 0\n"),
            Some("/mnt/with space".into())
        );
        assert_eq!(mount_in("proc /proc proc rw 0 0\n"), None);
    }

    #[test]
    fn paths_normalize_and_nest() {
        let m = Path::new("/sys/fs/cgroup/unified");
        assert_eq!(normalize("/sys/fs/cgroup/unified/a/b/", Some(m)), "/a/b");
        assert_eq!(normalize("a//b", Some(m)), "/a/b");
        assert_eq!(normalize("/sys/fs/cgroup/unified", Some(m)), "/");
        assert!(is_under("/a/b", "/a"));
        assert!(is_under("/a", "/a"));
        assert!(!is_under("/ab", "/a"));
        assert!(is_under("/x", "/"));
    }

    /// The id of a live cgroup gives back its path, by handle and by walk.
    #[test]
    fn resolves_a_live_cgroup() {
        let Some(mount) = cgroup2_mount() else {
            eprintln!("skipped: no cgroup2 mount");
            return;
        };
        let own = fs::read_to_string("/proc/self/cgroup").unwrap();
        let rel = own
            .lines()
            .find_map(|l| l.strip_prefix("0::"))
            .unwrap()
            .to_owned();
        let id = fs::metadata(mount.join(rel.trim_start_matches('/')))
            .unwrap()
            .ino();
        let mut c = Cgroups::at(Some(mount));
        // Without CAP_DAC_READ_SEARCH this already takes the walk.
        assert_eq!(c.path_of(id).as_deref(), Some(rel.as_str()));
        c.walk_only = true;
        assert_eq!(c.path_of(id).as_deref(), Some(rel.as_str()));
        assert_eq!(c.path_of(u64::MAX - 1), None);
        assert_eq!(c.path_of(0), None);
    }
}
