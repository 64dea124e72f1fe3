//! Container and pod names from the runtimes' own state on disk: never a
//! network call, never a runtime's API.
//!
//! - podman and CRI-O: `containers.json` of containers/storage
//!   (`/var/lib/containers/storage/<driver>-containers/containers.json`),
//!   `{"id": ..., "names": [...]}` per container; CRI-O's names are
//!   `k8s_<container>_<pod>_<namespace>_<uid>_<attempt>`.
//! - docker: `/var/lib/docker/containers/<id>/config.v2.json`, `"Name"`.
//! - containerd (CRI): the task bundle's `config.json`, annotation
//!   `io.kubernetes.cri.container-name`.
//! - pods: the kubelet's log directories `/var/log/pods/<ns>_<name>_<uid>`.

use std::{
    collections::HashMap,
    fs,
    path::PathBuf,
    time::{Duration, Instant},
};

/// Where the state lives (tests point these at a temporary tree).
#[derive(Clone, Debug)]
pub struct Roots {
    /// containers/storage graph roots (rootful podman, CRI-O).
    pub storage: Vec<PathBuf>,
    pub docker: PathBuf,
    /// containerd's v2 task bundles, one directory per namespace.
    pub containerd_tasks: PathBuf,
    pub pod_logs: PathBuf,
}

impl Default for Roots {
    fn default() -> Self {
        Self {
            storage: vec![
                "/var/lib/containers/storage".into(),
                "/run/containers/storage".into(),
            ],
            docker: "/var/lib/docker/containers".into(),
            containerd_tasks: "/run/containerd/io.containerd.runtime.v2.task".into(),
            pod_logs: "/var/log/pods".into(),
        }
    }
}

/// A pod's name and namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodName {
    pub name: String,
    pub namespace: String,
}

/// Names read from disk, reread on a miss at most every `RELOAD`.
pub struct Runtimes {
    roots: Roots,
    storage_names: HashMap<String, String>,
    storage_loaded: Option<Instant>,
}

const RELOAD: Duration = Duration::from_millis(200);

impl Runtimes {
    pub fn new(roots: Roots) -> Self {
        Self {
            roots,
            storage_names: HashMap::new(),
            storage_loaded: None,
        }
    }

    /// The name of a container, when its runtime's state gives one.
    pub fn container_name(&mut self, runtime: &str, id: &str) -> Option<String> {
        match runtime {
            "podman" | "cri-o" => self.storage_name(id),
            "docker" => docker_name(&self.roots, id),
            "containerd" => containerd_name(&self.roots, id),
            // A kubelet's cgroupfs layout: any of them.
            _ => self
                .storage_name(id)
                .or_else(|| containerd_name(&self.roots, id))
                .or_else(|| docker_name(&self.roots, id)),
        }
    }

    fn storage_name(&mut self, id: &str) -> Option<String> {
        if !self.storage_names.contains_key(id)
            && self.storage_loaded.is_none_or(|t| t.elapsed() >= RELOAD)
        {
            self.storage_names = storage_names(&self.roots);
            self.storage_loaded = Some(Instant::now());
        }
        let name = self.storage_names.get(id)?;
        // CRI-O: k8s_<container>_<pod>_<namespace>_<uid>_<attempt>.
        Some(match name.strip_prefix("k8s_") {
            Some(rest) => rest.split('_').next().unwrap_or(rest).to_owned(),
            None => name.clone(),
        })
    }

    /// A pod's name and namespace, from the kubelet's log directory.
    pub fn pod_name(&self, uid: &str) -> Option<PodName> {
        let suffix = format!("_{uid}");
        fs::read_dir(&self.roots.pod_logs)
            .ok()?
            .flatten()
            .find_map(|e| {
                let dir = e.file_name().to_string_lossy().into_owned();
                let (namespace, name) = dir.strip_suffix(&suffix)?.split_once('_')?;
                Some(PodName {
                    name: name.to_owned(),
                    namespace: namespace.to_owned(),
                })
            })
    }
}

#[derive(serde::Deserialize)]
struct StorageEntry {
    id: String,
    #[serde(default)]
    names: Vec<String>,
}

/// Every container of containers/storage, id to first name.
fn storage_names(roots: &Roots) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for root in &roots.storage {
        let Ok(dirs) = fs::read_dir(root) else {
            continue;
        };
        for d in dirs.flatten() {
            if !d.file_name().to_string_lossy().ends_with("-containers") {
                continue;
            }
            let Ok(text) = fs::read(d.path().join("containers.json")) else {
                continue;
            };
            match serde_json::from_slice::<Vec<StorageEntry>>(&text) {
                Ok(list) => out.extend(
                    list.into_iter()
                        .filter_map(|c| Some((c.id, c.names.into_iter().next()?))),
                ),
                Err(e) => log::debug!("{}: {e}", d.path().display()),
            }
        }
    }
    out
}

fn docker_name(roots: &Roots, id: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Config {
        #[serde(rename = "Name")]
        name: String,
    }
    let text = fs::read(roots.docker.join(id).join("config.v2.json")).ok()?;
    let c: Config = serde_json::from_slice(&text).ok()?;
    Some(c.name.trim_start_matches('/').to_owned()).filter(|n| !n.is_empty())
}

fn containerd_name(roots: &Roots, id: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Spec {
        #[serde(default)]
        annotations: HashMap<String, String>,
    }
    fs::read_dir(&roots.containerd_tasks)
        .ok()?
        .flatten()
        .find_map(|ns| {
            let text = fs::read(ns.path().join(id).join("config.json")).ok()?;
            let spec: Spec = serde_json::from_slice(&text).ok()?;
            spec.annotations
                .get("io.kubernetes.cri.container-name")
                .cloned()
        })
}

#[cfg(test)]
/// A runtime state tree of every kind, in a temporary directory.
pub(crate) fn tests_tree() -> (PathBuf, Roots) {
    let base = std::env::temp_dir().join(format!(
        "nlmon-attrib-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = fs::remove_dir_all(&base);
    let storage = base.join("storage");
    fs::create_dir_all(storage.join("overlay-containers")).unwrap();
    fs::write(
        storage.join("overlay-containers/containers.json"),
        r#"[{"id":"aaaa1111bbbb2222","names":["web"],"image":"x"},
           {"id":"cccc3333dddd4444","names":["k8s_nginx_mypod_default_0f3e_0"]},
           {"id":"eeee5555ffff6666"}]"#,
    )
    .unwrap();
    let docker = base.join("docker");
    fs::create_dir_all(docker.join("1234abcd5678ef90")).unwrap();
    fs::write(
        docker.join("1234abcd5678ef90/config.v2.json"),
        r#"{"Name":"/db","State":{"Pid":1}}"#,
    )
    .unwrap();
    let tasks = base.join("tasks");
    fs::create_dir_all(tasks.join("k8s.io/9999888877776666")).unwrap();
    fs::write(
        tasks.join("k8s.io/9999888877776666/config.json"),
        r#"{"annotations":{"io.kubernetes.cri.container-name":"sidecar"}}"#,
    )
    .unwrap();
    let pods = base.join("pods");
    fs::create_dir_all(pods.join("kube-system_coredns-abc_0f3e0c9a-1b2c-4d5e-8f70-112233445566"))
        .unwrap();
    let roots = Roots {
        storage: vec![storage, base.join("missing")],
        docker,
        containerd_tasks: tasks,
        pod_logs: pods,
    };
    (base, roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_each_runtime() {
        let (base, roots) = tests_tree();
        let mut r = Runtimes::new(roots);
        assert_eq!(
            r.container_name("podman", "aaaa1111bbbb2222").as_deref(),
            Some("web")
        );
        assert_eq!(
            r.container_name("cri-o", "cccc3333dddd4444").as_deref(),
            Some("nginx")
        );
        assert_eq!(r.container_name("podman", "eeee5555ffff6666"), None);
        assert_eq!(
            r.container_name("docker", "1234abcd5678ef90").as_deref(),
            Some("db")
        );
        assert_eq!(
            r.container_name("containerd", "9999888877776666")
                .as_deref(),
            Some("sidecar")
        );
        assert_eq!(
            r.container_name("cri", "9999888877776666").as_deref(),
            Some("sidecar")
        );
        assert_eq!(r.container_name("docker", "0000000000000000"), None);
        assert_eq!(
            r.pod_name("0f3e0c9a-1b2c-4d5e-8f70-112233445566"),
            Some(PodName {
                name: "coredns-abc".into(),
                namespace: "kube-system".into()
            })
        );
        assert_eq!(r.pod_name("00000000-0000-0000-0000-000000000000"), None);
        fs::remove_dir_all(base).unwrap();
    }

    #[test]
    fn bad_state_files_are_ignored() {
        let (base, roots) = tests_tree();
        fs::write(
            roots.storage[0].join("overlay-containers/containers.json"),
            b"{not json",
        )
        .unwrap();
        fs::write(roots.docker.join("1234abcd5678ef90/config.v2.json"), b"[]").unwrap();
        let mut r = Runtimes::new(roots);
        assert_eq!(r.container_name("podman", "aaaa1111bbbb2222"), None);
        assert_eq!(r.container_name("docker", "1234abcd5678ef90"), None);
        fs::remove_dir_all(base).unwrap();
    }
}
