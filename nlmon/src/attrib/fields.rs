//! The attribution as named fields, for the outputs that are lists of
//! fields: the journal (`NLMON_UNIT`, ...) and the pcapng packet comment
//! (`cgroup=... unit=...`), which `-r` reads back.

use std::sync::Arc;

use super::{Attrib, Attribution, Container, Pod};
use crate::{
    event::Event,
    pcapng::comment::{escape, unescape},
};

/// Journal fields of an event's attribution, for those that are known.
pub fn journal(ev: &Event) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if let Some(a) = ev.process.attrib.get() {
        if let Some(c) = &a.cgroup {
            out.push(("NLMON_CGROUP", c.clone()));
        }
        if let Some(u) = &a.unit {
            out.push(("NLMON_UNIT", u.clone()));
        }
        if let Some(c) = &a.container {
            out.push((
                "NLMON_CONTAINER",
                c.name.clone().unwrap_or_else(|| c.id.clone()),
            ));
            out.push(("NLMON_CONTAINER_ID", c.id.clone()));
            out.push(("NLMON_CONTAINER_RUNTIME", c.runtime.clone()));
        }
        if let Some(p) = &a.pod {
            let name = match (&p.namespace, &p.name) {
                (Some(ns), Some(n)) => format!("{ns}/{n}"),
                _ => p.uid.clone(),
            };
            out.push(("NLMON_POD", name));
            out.push(("NLMON_POD_UID", p.uid.clone()));
        }
    }
    if let Some(n) = &ev.socket.netns_name {
        out.push(("NLMON_NETNS_NAME", n.to_string()));
    }
    out
}

/// ` cgroup=... unit=... container=RUNTIME:ID[:NAME] pod=UID[:NS:NAME]
/// netns_name=...`, for those that are known.
pub fn comment(ev: &Event) -> String {
    let mut s = String::new();
    let mut put = |k: &str, v: &str| {
        s.push(' ');
        s.push_str(k);
        s.push('=');
        s.push_str(&escape(v));
    };
    if let Some(a) = ev.process.attrib.get() {
        if let Some(c) = &a.cgroup {
            put("cgroup", c);
        }
        if let Some(u) = &a.unit {
            put("unit", u);
        }
        if let Some(c) = &a.container {
            let mut v = format!("{}:{}", c.runtime, c.id);
            if let Some(n) = &c.name {
                v.push(':');
                v.push_str(n);
            }
            put("container", &v);
        }
        if let Some(p) = &a.pod {
            let mut v = p.uid.clone();
            if let (Some(ns), Some(n)) = (&p.namespace, &p.name) {
                v.push_str(&format!(":{ns}:{n}"));
            }
            put("pod", &v);
        }
    }
    if let Some(n) = &ev.socket.netns_name {
        put("netns_name", n);
    }
    s
}

/// The attribution and netns name a comment written by [`comment`] holds;
/// `field` gives the value of a key.
pub fn from_comment<'a>(
    field: impl Fn(&'static str) -> Option<&'a str>,
) -> (Attrib, Option<Arc<str>>) {
    let get = |k| field(k).map(unescape);
    let container = get("container").and_then(|v| {
        let mut it = v.splitn(3, ':');
        Some(Container {
            runtime: it.next()?.to_owned(),
            id: it.next()?.to_owned(),
            name: it.next().map(str::to_owned),
        })
    });
    let pod = get("pod").map(|v| {
        let mut it = v.splitn(3, ':');
        Pod {
            uid: it.next().unwrap_or_default().to_owned(),
            namespace: it.next().map(str::to_owned),
            name: it.next().map(str::to_owned),
        }
    });
    let a = Attribution {
        cgroup: get("cgroup"),
        unit: get("unit"),
        container,
        pod,
    };
    let attrib = Attrib::known(a);
    (attrib, get("netns_name").map(Arc::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words<'a>(c: &'a str) -> impl Fn(&'static str) -> Option<&'a str> + 'a {
        move |k| {
            c.split(' ')
                .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('='))
        }
    }

    #[test]
    fn comments_round_trip() {
        let mut ev = crate::event::sample("ip", 1, 1, vec![]);
        assert_eq!(comment(&ev), "");
        assert_eq!(from_comment(words("")), (Attrib::default(), None));
        let a = Attribution {
            cgroup: Some("/machine.slice/odd name%.scope".into()),
            unit: Some("odd name%.scope".into()),
            container: Some(Container {
                runtime: "podman".into(),
                id: "abcdef0123456789".into(),
                name: Some("web".into()),
            }),
            pod: Some(Pod {
                uid: "0f3e0c9a-1b2c-4d5e-8f70-112233445566".into(),
                name: Some("p".into()),
                namespace: Some("default".into()),
            }),
        };
        ev.process.attrib = Attrib(Some(Arc::new(a)));
        ev.socket.netns_name = Some(Arc::from("blue"));
        let c = comment(&ev);
        assert!(c.contains(" unit=odd%20name%25.scope"), "{c}");
        let (back, ns) = from_comment(words(&c));
        assert_eq!(back, ev.process.attrib);
        assert_eq!(ns.as_deref(), Some("blue"));
        let j = journal(&ev);
        assert!(j.contains(&("NLMON_CONTAINER", "web".into())), "{j:?}");
        assert!(j.contains(&("NLMON_POD", "default/p".into())), "{j:?}");
        assert!(j.contains(&("NLMON_NETNS_NAME", "blue".into())), "{j:?}");
    }
}
