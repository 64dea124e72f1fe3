//! What a cgroup v2 path says by itself: the systemd unit, the container
//! runtime and id, the Kubernetes pod UID. Names come from the runtimes'
//! state on disk ([`super::runtime`]).

/// A container named by its cgroup path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerRef {
    /// `docker`, `podman`, `containerd`, `cri-o`, or `cri` (a kubelet's
    /// cgroupfs layout, which does not say which runtime).
    pub runtime: &'static str,
    pub id: String,
}

/// What a cgroup path tells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathFacts {
    pub unit: Option<String>,
    pub container: Option<ContainerRef>,
    pub pod_uid: Option<String>,
}

/// Suffixes of the systemd unit types a cgroup can belong to.
const UNIT_SUFFIXES: [&str; 5] = [".service", ".scope", ".socket", ".mount", ".swap"];

/// Reads a cgroup v2 path (`/system.slice/NetworkManager.service`).
pub fn parse(path: &str) -> PathFacts {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    PathFacts {
        unit: unit(&parts),
        container: parts
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, p)| container(p, i.checked_sub(1).map(|j| parts[j]))),
        pod_uid: parts.iter().rev().find_map(|p| pod_uid(p)),
    }
}

/// The unit systemd itself would name: the first component below the
/// slices (`user@1000.service` for everything a user's manager runs).
fn unit(parts: &[&str]) -> Option<String> {
    let first = parts.iter().find(|p| !p.ends_with(".slice"))?;
    UNIT_SUFFIXES
        .iter()
        .any(|s| first.len() > s.len() && first.ends_with(s))
        .then(|| (*first).to_owned())
}

fn is_hex_id(s: &str) -> bool {
    s.len() >= 12 && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A container id in one path component; `parent` is the component above.
fn container(part: &str, parent: Option<&str>) -> Option<ContainerRef> {
    let scoped = |prefix: &str| {
        let rest = part.strip_prefix(prefix)?;
        let id = rest.strip_suffix(".scope").unwrap_or(rest);
        is_hex_id(id).then(|| id.to_owned())
    };
    let found = |runtime, id| Some(ContainerRef { runtime, id });
    if let Some(id) = scoped("docker-") {
        return found("docker", id);
    }
    if let Some(id) = scoped("libpod-") {
        // `libpod-conmon-<id>` is podman's monitor, not the container; it
        // does not parse as a hex id.
        return found("podman", id);
    }
    if let Some(id) = scoped("cri-containerd-") {
        return found("containerd", id);
    }
    if let Some(id) = scoped("crio-") {
        return found("cri-o", id);
    }
    // cgroupfs layouts: `/docker/<id>`, `/kubepods/<qos>/pod<uid>/<id>`.
    if part.len() == 64 && is_hex_id(part) {
        return match parent {
            Some("docker") => found("docker", part.to_owned()),
            Some(p) if pod_uid(p).is_some() => found("cri", part.to_owned()),
            _ => None,
        };
    }
    None
}

/// `pod<uid>` (cgroupfs) or `kubepods-<qos>-pod<uid with _>.slice`
/// (systemd driver).
fn pod_uid(part: &str) -> Option<String> {
    let uid = if let Some(s) = part.strip_suffix(".slice") {
        s.rsplit_once("-pod")
            .filter(|(head, _)| head.starts_with("kubepods"))?
            .1
            .replace('_', "-")
    } else {
        part.strip_prefix("pod")?.to_owned()
    };
    let is_uid = uid.len() == 36 && uid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    is_uid.then_some(uid)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899";
    const UID: &str = "0f3e0c9a-1b2c-4d5e-8f70-112233445566";

    fn unit_of(p: &str) -> Option<String> {
        parse(p).unit
    }

    #[test]
    fn systemd_units() {
        assert_eq!(
            unit_of("/system.slice/NetworkManager.service").as_deref(),
            Some("NetworkManager.service")
        );
        assert_eq!(
            unit_of("/user.slice/user-1000.slice/user@1000.service/app.slice/x.service").as_deref(),
            Some("user@1000.service")
        );
        assert_eq!(
            unit_of("/user.slice/user-1000.slice/session-3.scope").as_deref(),
            Some("session-3.scope")
        );
        assert_eq!(unit_of("/init.scope").as_deref(), Some("init.scope"));
        assert_eq!(unit_of("/"), None);
        assert_eq!(unit_of("/system.slice"), None);
        assert_eq!(unit_of("/nlmon-test-1234"), None);
        assert_eq!(unit_of("/docker/abc"), None);
    }

    #[test]
    fn containers_of_every_runtime() {
        let c = |p: &str| parse(p).container.map(|c| (c.runtime, c.id));
        assert_eq!(
            c(&format!("/system.slice/docker-{ID}.scope")),
            Some(("docker", ID.into()))
        );
        assert_eq!(c(&format!("/docker/{ID}")), Some(("docker", ID.into())));
        assert_eq!(
            c(&format!("/machine.slice/libpod-{ID}.scope/container")),
            Some(("podman", ID.into()))
        );
        assert_eq!(
            c(&format!("/libpod_parent/libpod-{ID}")),
            Some(("podman", ID.into()))
        );
        assert_eq!(c(&format!("/machine.slice/libpod-conmon-{ID}.scope")), None);
        let k8s = format!(
            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{}.slice",
            UID.replace('-', "_")
        );
        let p = parse(&format!("{k8s}/cri-containerd-{ID}.scope"));
        assert_eq!(p.container.map(|c| c.runtime), Some("containerd"));
        assert_eq!(p.pod_uid.as_deref(), Some(UID));
        assert_eq!(
            c(&format!("{k8s}/crio-{ID}.scope")),
            Some(("cri-o", ID.into()))
        );
        let p = parse(&format!("/kubepods/besteffort/pod{UID}/{ID}"));
        assert_eq!(p.container.map(|c| c.runtime), Some("cri"));
        assert_eq!(p.pod_uid.as_deref(), Some(UID));
        assert_eq!(c("/system.slice/NetworkManager.service"), None);
        assert_eq!(c(&format!("/somewhere/{ID}")), None);
    }

    #[test]
    fn odd_paths_are_not_errors() {
        for p in [
            "",
            "/",
            "//",
            "/pod",
            "/kubepods-pod.slice",
            "/docker-.scope",
            "/x/.scope",
        ] {
            let f = parse(p);
            assert!(f.container.is_none() && f.pod_uid.is_none(), "{p}: {f:?}");
        }
    }
}
