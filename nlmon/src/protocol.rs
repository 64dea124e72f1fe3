//! Netlink protocol numbers (`NETLINK_*` in `linux/netlink.h`) and names.

/// Names by protocol number; `None` where the kernel has none.
const NAMES: [Option<&str>; 23] = [
    Some("route"),
    Some("unused"),
    Some("usersock"),
    Some("firewall"),
    Some("sock_diag"),
    Some("nflog"),
    Some("xfrm"),
    Some("selinux"),
    Some("iscsi"),
    Some("audit"),
    Some("fib_lookup"),
    Some("connector"),
    Some("netfilter"),
    Some("ip6_fw"),
    Some("dnrtmsg"),
    Some("uevent"),
    Some("generic"),
    None,
    Some("scsitransport"),
    Some("ecryptfs"),
    Some("rdma"),
    Some("crypto"),
    Some("smc"),
];

/// The short name of a protocol, as users type it in `--family`.
pub fn name(protocol: u32) -> Option<&'static str> {
    NAMES.get(protocol as usize).copied().flatten()
}

/// A protocol from its name (`route`, `generic`, …; `kobject_uevent` and
/// `inet_diag` are accepted as the kernel's own aliases) or its number.
pub fn parse(s: &str) -> Option<u32> {
    let s = s.trim().to_ascii_lowercase();
    let s = s.strip_prefix("netlink_").unwrap_or(&s);
    let alias = match s {
        "rtnetlink" | "rtnl" => "route",
        "kobject_uevent" => "uevent",
        "inet_diag" => "sock_diag",
        "genl" => "generic",
        "nf" | "nfnetlink" => "netfilter",
        other => other,
    };
    if let Ok(n) = alias.parse::<u32>() {
        return (n < nlmon_common::MAX_PROTOCOLS).then_some(n);
    }
    NAMES
        .iter()
        .position(|n| *n == Some(alias))
        .map(|i| i as u32)
}

/// Every name `parse` accepts, for error messages.
pub fn all_names() -> impl Iterator<Item = &'static str> {
    NAMES.iter().flatten().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (i, n) in NAMES.iter().enumerate() {
            if let Some(n) = n {
                assert_eq!(parse(n), Some(i as u32));
                assert_eq!(name(i as u32), Some(*n));
            }
        }
        assert_eq!(parse("NETLINK_ROUTE"), Some(0));
        assert_eq!(parse("kobject_uevent"), Some(15));
        assert_eq!(parse("16"), Some(16));
        assert_eq!(parse("32"), None);
        assert_eq!(parse("bogus"), None);
        assert_eq!(name(17), None);
        assert_eq!(name(99), None);
    }
}
