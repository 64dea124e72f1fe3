//! Who a message belongs to beyond a pid: the cgroup v2 path of the
//! process (from the cgroup id each record carries), the systemd unit,
//! container and Kubernetes pod that path names, and the name of the
//! socket's network namespace. Resolved once per cgroup id and netns inode
//! as events are drained, and put on the event as data that every view
//! reads ([`crate::event::Process::attrib`], `Socket::netns_name`).

pub mod cgroup;
pub mod fields;
pub mod netns;
pub mod path;
pub mod runtime;

use std::{
    collections::HashMap,
    fmt,
    sync::Arc,
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize, Serializer};

use crate::event::Event;

/// A container: `runtime` is `docker`, `podman`, `containerd`, `cri-o` or
/// `cri`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    pub runtime: String,
    pub id: String,
    pub name: Option<String>,
}

/// A Kubernetes pod.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pod {
    pub uid: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

/// What is known of a process's cgroup (read back from JSON lines by
/// `nlmon history`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Attribution {
    /// cgroup v2 path below the cgroup2 mount (`/system.slice/x.service`).
    pub cgroup: Option<String>,
    /// systemd unit (`NetworkManager.service`, `user@1000.service`).
    pub unit: Option<String>,
    pub container: Option<Container>,
    pub pod: Option<Pod>,
}

impl Attribution {
    /// The label the text view puts after `comm[pid]`: the container
    /// (`podman:web`), else the pod (`pod:namespace/name`), else the unit.
    pub fn label(&self) -> Option<String> {
        if let Some(c) = &self.container {
            let id = c.id.get(..12).unwrap_or(&c.id);
            return Some(format!("{}:{}", c.runtime, c.name.as_deref().unwrap_or(id)));
        }
        if let Some(p) = &self.pod {
            return Some(match (&p.namespace, &p.name) {
                (Some(ns), Some(n)) => format!("pod:{ns}/{n}"),
                _ => format!("pod:{}", p.uid),
            });
        }
        self.unit.clone()
    }

    /// Whether `--container NAME|ID` selects it: its name, or its id or an
    /// id prefix of at least 4 characters.
    pub fn container_is(&self, want: &str) -> bool {
        self.container.as_ref().is_some_and(|c| {
            c.name.as_deref() == Some(want)
                || c.id == want
                || (want.len() >= 4 && c.id.starts_with(want))
        })
    }

    /// Whether `--unit NAME` selects it (`NAME` without a suffix means
    /// `NAME.service`, as for systemctl).
    pub fn unit_is(&self, want: &str) -> bool {
        self.unit
            .as_deref()
            .is_some_and(|u| u == want || u.strip_suffix(".service") == Some(want))
    }
}

/// A process's attribution, shared by every event of its cgroup. Serialized
/// flat into `process` (`cgroup`, `unit`, `container`, `pod`), each null
/// when unknown.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attrib(pub Option<Arc<Attribution>>);

impl Attrib {
    pub fn get(&self) -> Option<&Attribution> {
        self.0.as_deref()
    }

    /// An attribution read back from an output; none when nothing is known.
    pub fn known(a: Attribution) -> Self {
        Self((a != Attribution::default()).then(|| Arc::new(a)))
    }

    /// The label text lines show after `comm[pid]`.
    pub fn label(&self) -> Option<String> {
        self.get().and_then(Attribution::label)
    }
}

impl Serialize for Attrib {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        static NONE: Attribution = Attribution {
            cgroup: None,
            unit: None,
            container: None,
            pod: None,
        };
        self.0.as_deref().unwrap_or(&NONE).serialize(s)
    }
}

impl fmt::Display for Attrib {
    /// ` (label)`, or nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.get().and_then(Attribution::label) {
            Some(l) => write!(f, " ({l})"),
            None => Ok(()),
        }
    }
}

/// ` netns NAME` for the text view, where the namespace is not the host's.
pub fn netns_text(ev: &Event) -> String {
    match ev.socket.netns_name.as_deref() {
        Some(n) if n != "host" => format!(" netns {n}"),
        _ => String::new(),
    }
}

/// `socket.netns_name`: a string or null.
pub fn serialize_name<S: Serializer>(n: &Option<Arc<str>>, s: S) -> Result<S::Ok, S::Error> {
    match n {
        Some(n) => s.serialize_str(n),
        None => s.serialize_none(),
    }
}

/// cgroups remembered at most; the cache starts over when full.
const MAX_CGROUPS: usize = 8192;

/// A cgroup not found is looked for again after this long: without
/// CAP_DAC_READ_SEARCH (as under nlmon.service) ids are found by walking
/// the tree, at most once a second, so a cgroup made just after a walk is
/// missed once, not for good.
const RETRY_MISS: Duration = Duration::from_secs(1);

/// Resolves and caches attributions and namespace names.
pub struct Attributor {
    cgroups: cgroup::Cgroups,
    runtimes: runtime::Runtimes,
    netns: netns::Netns,
    cache: HashMap<u64, Arc<Attribution>>,
    /// Ids not found, and when.
    missed: HashMap<u64, Instant>,
}

impl Attributor {
    /// For this machine: its cgroup2 mount, runtimes and namespaces.
    pub fn new() -> Self {
        Self::with(
            cgroup::Cgroups::open(),
            runtime::Roots::default(),
            netns::Netns::new(),
        )
    }

    pub fn with(cgroups: cgroup::Cgroups, roots: runtime::Roots, netns: netns::Netns) -> Self {
        Self {
            cgroups,
            runtimes: runtime::Runtimes::new(roots),
            netns,
            cache: HashMap::new(),
            missed: HashMap::new(),
        }
    }

    /// Puts what is known of the event's cgroup and namespace on it.
    pub fn fill(&mut self, ev: &mut Event) {
        ev.process.attrib = Attrib(self.cgroup(ev.process.cgroup_id));
        let ino = ev.socket.netns;
        let mut name = self.netns.name(ino);
        if name.as_deref().is_none_or(netns::is_generated)
            && let Some(label) = ev
                .process
                .attrib
                .get()
                .filter(|a| a.container.is_some())
                .and_then(Attribution::label)
            && self.container_lives_in(ev, ino)
        {
            name = Some(self.netns.name_container(ino, &label));
        }
        ev.socket.netns_name = name;
    }

    /// Whether namespace `ino` is the container's own: the process lives in
    /// it, or (when it has exited already, as a short `ip` does) one of the
    /// processes still in its cgroup does.
    fn container_lives_in(&self, ev: &Event, ino: u32) -> bool {
        /// Processes of the cgroup looked at, at most.
        const PROCS: usize = 16;
        if netns::inode(&format!("/proc/{}/ns/net", ev.process.tgid)) == Some(ino) {
            return true;
        }
        let (Some(mount), Some(cg)) = (
            self.cgroups.mount(),
            ev.process.attrib.get().and_then(|a| a.cgroup.as_deref()),
        ) else {
            return false;
        };
        let procs = mount.join(cg.trim_start_matches('/')).join("cgroup.procs");
        std::fs::read_to_string(procs).is_ok_and(|list| {
            list.lines()
                .take(PROCS)
                .any(|pid| netns::inode(&format!("/proc/{pid}/ns/net")) == Some(ino))
        })
    }

    /// The attribution of a cgroup id, resolved on first sight.
    pub fn cgroup(&mut self, id: u64) -> Option<Arc<Attribution>> {
        if id == 0 {
            return None;
        }
        if let Some(a) = self.cache.get(&id) {
            return Some(a.clone());
        }
        if self
            .missed
            .get(&id)
            .is_some_and(|t| t.elapsed() < RETRY_MISS)
        {
            return None;
        }
        if self.cache.len() >= MAX_CGROUPS {
            self.cache.clear();
        }
        if self.missed.len() >= MAX_CGROUPS {
            self.missed.clear();
        }
        match self.cgroups.path_of(id) {
            Some(p) => {
                let a = Arc::new(self.describe(p));
                self.missed.remove(&id);
                self.cache.insert(id, a.clone());
                Some(a)
            }
            None => {
                self.missed.insert(id, Instant::now());
                None
            }
        }
    }

    /// What a path names, with names from the runtimes' state.
    pub fn describe(&mut self, path: String) -> Attribution {
        let facts = path::parse(&path);
        let container = facts.container.map(|c| Container {
            name: self.runtimes.container_name(c.runtime, &c.id),
            runtime: c.runtime.to_owned(),
            id: c.id,
        });
        let pod = facts.pod_uid.map(|uid| {
            let n = self.runtimes.pod_name(&uid);
            Pod {
                name: n.as_ref().map(|n| n.name.clone()),
                namespace: n.map(|n| n.namespace),
                uid,
            }
        });
        Attribution {
            cgroup: Some(path),
            unit: facts.unit,
            container,
            pod,
        }
    }

    /// The cgroup2 mount (for `--cgroup` paths given under it).
    pub fn cgroup_mount(&self) -> Option<&std::path::Path> {
        self.cgroups.mount()
    }
}

impl Default for Attributor {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "aaaa1111bbbb2222";

    #[test]
    fn labels_and_selectors() {
        let (base, roots) = runtime::tests_tree();
        let mut a = Attributor::with(
            cgroup::Cgroups::at(None),
            roots,
            netns::Netns::with(None, vec![]),
        );
        let web = a.describe(format!("/machine.slice/libpod-{ID}.scope/container"));
        assert_eq!(web.label().as_deref(), Some("podman:web"));
        assert_eq!(web.unit.as_deref(), Some(&*format!("libpod-{ID}.scope")));
        assert!(web.container_is("web") && web.container_is("aaaa11") && web.container_is(ID));
        assert!(!web.container_is("aaa") && !web.container_is("db"));
        let nm = a.describe("/system.slice/NetworkManager.service".into());
        assert_eq!(nm.label().as_deref(), Some("NetworkManager.service"));
        assert!(nm.unit_is("NetworkManager") && nm.unit_is("NetworkManager.service"));
        assert!(!nm.unit_is("Network"));
        let anon = a.describe(
            "/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into(),
        );
        assert_eq!(anon.label().as_deref(), Some("docker:0123456789ab"));
        let pod = a.describe("/kubepods/besteffort/pod0f3e0c9a-1b2c-4d5e-8f70-112233445566".into());
        assert_eq!(pod.label().as_deref(), Some("pod:kube-system/coredns-abc"));
        std::fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn json_fields_are_flat_and_null_when_unknown() {
        let mut ev = crate::event::sample("ip", 1, 1, vec![]);
        let v = serde_json::to_value(&ev.process).unwrap();
        for k in ["cgroup", "unit", "container", "pod"] {
            assert!(v[k].is_null(), "{k}: {v}");
        }
        ev.process.attrib = Attrib(Some(Arc::new(Attribution {
            cgroup: Some("/a.service".into()),
            unit: Some("a.service".into()),
            container: Some(Container {
                runtime: "podman".into(),
                id: ID.into(),
                name: Some("web".into()),
            }),
            pod: None,
        })));
        ev.socket.netns_name = Some(Arc::from("blue"));
        let v = serde_json::to_value(&ev).unwrap();
        assert_eq!(v["process"]["cgroup"], "/a.service");
        assert_eq!(v["process"]["container"]["name"], "web");
        assert_eq!(v["socket"]["netns_name"], "blue");
        assert_eq!(ev.process.attrib.to_string(), " (podman:web)");
    }

    /// A cgroup made right after a walk is missed, then named once the
    /// next walk is allowed: a miss is not remembered for good.
    #[test]
    fn a_cgroup_missed_once_is_found_later() {
        use std::os::unix::fs::MetadataExt;
        let Some(mount) = cgroup::cgroup2_mount() else {
            eprintln!("skipped: no cgroup2 mount");
            return;
        };
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
        let rel = own
            .lines()
            .find_map(|l| l.strip_prefix("0::"))
            .unwrap()
            .trim_end_matches('/')
            .to_owned();
        let mut a = Attributor::with(
            cgroup::Cgroups::walking(Some(mount.clone())),
            runtime::Roots::default(),
            netns::Netns::with(None, vec![]),
        );
        // A first lookup walks the tree.
        assert!(a.cgroup(u64::MAX - 1).is_none());
        let name = format!("nlmon-test-miss-{}", std::process::id());
        let path = format!("{rel}/{name}");
        let dir = mount.join(path.trim_start_matches('/'));
        if let Err(e) = std::fs::create_dir(&dir) {
            eprintln!("skipped: cannot make a cgroup ({e})");
            return;
        }
        let id = std::fs::metadata(&dir).unwrap().ino();
        let first = a.cgroup(id);
        std::thread::sleep(RETRY_MISS + Duration::from_millis(100));
        let later = a.cgroup(id);
        std::fs::remove_dir(&dir).unwrap();
        assert!(first.is_none(), "found before the next walk was allowed");
        assert_eq!(later.and_then(|a| a.cgroup.clone()), Some(path));
    }

    /// This process's own cgroup, resolved from its id as a record gives it.
    #[test]
    fn fills_an_event_from_this_process() {
        use std::os::unix::fs::MetadataExt;
        let Some(mount) = cgroup::cgroup2_mount() else {
            eprintln!("skipped: no cgroup2 mount");
            return;
        };
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
        let rel = own
            .lines()
            .find_map(|l| l.strip_prefix("0::"))
            .unwrap()
            .to_owned();
        let id = std::fs::metadata(mount.join(rel.trim_start_matches('/')))
            .unwrap()
            .ino();
        let own_ns = netns::inode("/proc/self/ns/net").unwrap();
        let mut a = Attributor::with(
            cgroup::Cgroups::at(Some(mount)),
            runtime::Roots::default(),
            netns::Netns::with(Some(own_ns), vec![]),
        );
        let mut ev = crate::event::sample("ip", std::process::id(), 1, vec![]);
        ev.process.cgroup_id = id;
        ev.socket.netns = own_ns;
        a.fill(&mut ev);
        assert_eq!(
            ev.process.attrib.get().unwrap().cgroup.as_deref(),
            Some(rel.as_str())
        );
        assert_eq!(ev.socket.netns_name.as_deref(), Some("host"));
    }
}
