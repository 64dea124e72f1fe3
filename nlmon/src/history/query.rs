//! OBJECT as a person names it (`dev veth0`, `address 10.0.0.0/8`,
//! `nft chain inet filter input`): an optional kind, then words that must
//! appear in order in the change's description. A word matches a word of
//! the description when equal, as a glob (`veth*`), or as an address
//! prefix that holds the address (`10.0.0.0/8` holds `10.0.0.1/24`).

use std::net::IpAddr;

use crate::change::Change;

/// Kinds by the words that name them, longest first.
const KINDS: &[(&[&str], &str)] = &[
    (&["nft", "table"], "nft table"),
    (&["nft", "chain"], "nft chain"),
    (&["nft", "rule"], "nft rule"),
    (&["nft", "set"], "nft set"),
    (&["nft", "element"], "nft element"),
    (&["nft", "object"], "nft object"),
    (&["nft", "flowtable"], "nft flowtable"),
    (&["xfrm", "state"], "xfrm state"),
    (&["xfrm", "policy"], "xfrm policy"),
    (&["devlink", "port"], "devlink port"),
    (&["link"], "link"),
    (&["address"], "address"),
    (&["addr"], "address"),
    (&["route"], "route"),
    (&["neigh"], "neigh"),
    (&["neighbor"], "neigh"),
    (&["rule"], "rule"),
    (&["nexthop"], "nexthop"),
    (&["qdisc"], "qdisc"),
    (&["class"], "class"),
    (&["filter"], "filter"),
    (&["fdb"], "fdb"),
    (&["vlan"], "vlan"),
    (&["mdb"], "mdb"),
    (&["ethtool"], "ethtool"),
];

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Query {
    kind: Option<&'static str>,
    words: Vec<String>,
}

impl Query {
    /// Words as given on the command line (each may hold several).
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let words: Vec<String> = args
            .iter()
            .flat_map(|a| a.split_whitespace())
            // `[table main]`: brackets are how the manual writes optional parts.
            .map(|w| w.trim_matches(|c| c == '[' || c == ']').to_owned())
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return Ok(Self::default());
        }
        if words[0] == "dev" {
            if words.len() < 2 {
                return Err("`dev` needs an interface name: `dev veth0`, `dev veth*`".into());
            }
            return Ok(Self { kind: None, words });
        }
        for (names, kind) in KINDS {
            if words.len() >= names.len() && words.iter().zip(names.iter()).all(|(a, b)| a == b) {
                return Ok(Self {
                    kind: Some(kind),
                    words: words[names.len()..].to_vec(),
                });
            }
        }
        Err(format!(
            "unknown object {:?}: start with dev, link, address, route, neigh, rule, nexthop, qdisc, class, filter, fdb, vlan, mdb, nft table|chain|rule|set|element|object|flowtable, xfrm state|policy, ethtool, devlink port",
            words.join(" ")
        ))
    }

    pub fn matches(&self, c: &Change) -> bool {
        if self.kind.is_some_and(|k| k != c.kind) {
            return false;
        }
        let have: Vec<&str> = c.description.split_whitespace().collect();
        let mut at = 0;
        'want: for w in &self.words {
            while at < have.len() {
                at += 1;
                if word_matches(w, have[at - 1]) {
                    continue 'want;
                }
            }
            return false;
        }
        true
    }
}

fn word_matches(want: &str, have: &str) -> bool {
    if want == have {
        return true;
    }
    if want.contains('*') {
        return glob(want.as_bytes(), have.as_bytes());
    }
    match (prefix(want), prefix(have)) {
        (Some((wa, wl)), Some((ha, hl))) => match wl {
            // An address alone matches it with any prefix length.
            None => wa == ha,
            Some(wl) => {
                hl.unwrap_or(if ha.is_ipv4() { 32 } else { 128 }) >= wl && within(ha, wa, wl)
            }
        },
        _ => false,
    }
}

fn prefix(s: &str) -> Option<(IpAddr, Option<u8>)> {
    match s.split_once('/') {
        Some((a, l)) => Some((a.parse().ok()?, Some(l.parse().ok()?))),
        None => Some((s.parse().ok()?, None)),
    }
}

/// `addr` is in `net/len`.
fn within(addr: IpAddr, net: IpAddr, len: u8) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if len <= 32 => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if len <= 128 => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// `*` matches any run of bytes.
fn glob(p: &[u8], s: &[u8]) -> bool {
    match p.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|i| glob(rest, &s[i..])),
        Some((c, rest)) => s.first() == Some(c) && glob(rest, &s[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Query {
        Query::parse(&[s.to_owned()]).unwrap()
    }

    fn words_match(query: &str, kind: &str, description: &str) -> bool {
        let q = q(query);
        q.kind.is_none_or(|k| k == kind) && {
            let c = Change {
                time: std::time::SystemTime::UNIX_EPOCH,
                comm: String::new(),
                pid: 0,
                label: None,
                netns: 0,
                netns_name: None,
                kind: "x",
                action: nlmon_common::decode::objects::Verb::Added,
                key: String::new(),
                description: description.to_owned(),
                object: serde_json::Map::new(),
                ifname: None,
                result: crate::change::Outcome::Ok,
                conflict: None,
                notification: false,
            };
            Query {
                kind: None,
                words: q.words,
            }
            .matches(&c)
        }
    }

    #[test]
    fn objects_as_people_name_them() {
        assert!(words_match("dev veth0", "address", "10.0.0.1/24 dev veth0"));
        assert!(words_match("dev veth*", "link", "dev veth12 type veth"));
        assert!(!words_match("dev veth*", "link", "dev eth0"));
        assert!(words_match(
            "address 10.0.0.0/8",
            "address",
            "10.0.0.1/24 dev v0"
        ));
        assert!(!words_match(
            "address 10.0.0.0/8",
            "address",
            "192.168.0.1/24 dev v0"
        ));
        assert!(words_match(
            "address 10.0.0.1",
            "address",
            "10.0.0.1/24 dev v0"
        ));
        assert!(words_match(
            "route 10.10.0.0/16 [table main]",
            "route",
            "10.10.0.0/16 via 10.9.0.2 dev eth0 table main"
        ));
        assert!(words_match(
            "route 10.10.0.0/16",
            "route",
            "10.10.5.0/24 table main"
        ));
        assert!(!words_match(
            "route 10.10.0.0/16",
            "route",
            "10.0.0.0/8 table main"
        ));
        assert!(words_match(
            "nft chain inet filter input",
            "nft chain",
            "inet filter input type filter"
        ));
        assert!(!words_match(
            "nft chain inet filter input",
            "nft chain",
            "inet filter output"
        ));
        assert_eq!(q("nft rule inet filter").kind, Some("nft rule"));
        assert_eq!(q("xfrm state").kind, Some("xfrm state"));
        assert_eq!(q("").kind, None);
        assert!(Query::parse(&["frobnicate".into()]).is_err());
        assert!(Query::parse(&["dev".into()]).is_err());
    }
}
