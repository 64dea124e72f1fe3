//! rtnetlink message type names by number, for types no table describes:
//! the families come in steps of four from `RTM_BASE` (16): NEW, DEL, GET, SET.

/// Names of types 16.. in order; `None` where the kernel defines no such type.
const NAMES: &[Option<&str>] = &[
    Some("RTM_NEWLINK"),
    Some("RTM_DELLINK"),
    Some("RTM_GETLINK"),
    Some("RTM_SETLINK"),
    Some("RTM_NEWADDR"),
    Some("RTM_DELADDR"),
    Some("RTM_GETADDR"),
    None,
    Some("RTM_NEWROUTE"),
    Some("RTM_DELROUTE"),
    Some("RTM_GETROUTE"),
    None,
    Some("RTM_NEWNEIGH"),
    Some("RTM_DELNEIGH"),
    Some("RTM_GETNEIGH"),
    None,
    Some("RTM_NEWRULE"),
    Some("RTM_DELRULE"),
    Some("RTM_GETRULE"),
    None,
    Some("RTM_NEWQDISC"),
    Some("RTM_DELQDISC"),
    Some("RTM_GETQDISC"),
    None,
    Some("RTM_NEWTCLASS"),
    Some("RTM_DELTCLASS"),
    Some("RTM_GETTCLASS"),
    None,
    Some("RTM_NEWTFILTER"),
    Some("RTM_DELTFILTER"),
    Some("RTM_GETTFILTER"),
    None,
    Some("RTM_NEWACTION"),
    Some("RTM_DELACTION"),
    Some("RTM_GETACTION"),
    None,
    Some("RTM_NEWPREFIX"),
    Some("RTM_DELPREFIX"),
    Some("RTM_GETPREFIX"),
    None,
    Some("RTM_NEWMULTICAST"),
    Some("RTM_DELMULTICAST"),
    Some("RTM_GETMULTICAST"),
    None,
    Some("RTM_NEWANYCAST"),
    Some("RTM_DELANYCAST"),
    Some("RTM_GETANYCAST"),
    None,
    Some("RTM_NEWNEIGHTBL"),
    Some("RTM_DELNEIGHTBL"),
    Some("RTM_GETNEIGHTBL"),
    Some("RTM_SETNEIGHTBL"),
    Some("RTM_NEWNDUSEROPT"),
    Some("RTM_DELNDUSEROPT"),
    Some("RTM_GETNDUSEROPT"),
    None,
    Some("RTM_NEWADDRLABEL"),
    Some("RTM_DELADDRLABEL"),
    Some("RTM_GETADDRLABEL"),
    None,
    Some("RTM_NEWDCB"),
    Some("RTM_DELDCB"),
    Some("RTM_GETDCB"),
    Some("RTM_SETDCB"),
    Some("RTM_NEWNETCONF"),
    Some("RTM_DELNETCONF"),
    Some("RTM_GETNETCONF"),
    None,
    Some("RTM_NEWMDB"),
    Some("RTM_DELMDB"),
    Some("RTM_GETMDB"),
    None,
    Some("RTM_NEWNSID"),
    Some("RTM_DELNSID"),
    Some("RTM_GETNSID"),
    None,
    Some("RTM_NEWSTATS"),
    Some("RTM_DELSTATS"),
    Some("RTM_GETSTATS"),
    Some("RTM_SETSTATS"),
    Some("RTM_NEWCACHEREPORT"),
    Some("RTM_DELCACHEREPORT"),
    Some("RTM_GETCACHEREPORT"),
    None,
    Some("RTM_NEWCHAIN"),
    Some("RTM_DELCHAIN"),
    Some("RTM_GETCHAIN"),
    None,
    Some("RTM_NEWNEXTHOP"),
    Some("RTM_DELNEXTHOP"),
    Some("RTM_GETNEXTHOP"),
    None,
    Some("RTM_NEWLINKPROP"),
    Some("RTM_DELLINKPROP"),
    Some("RTM_GETLINKPROP"),
    None,
    Some("RTM_NEWVLAN"),
    Some("RTM_DELVLAN"),
    Some("RTM_GETVLAN"),
    None,
    Some("RTM_NEWNEXTHOPBUCKET"),
    Some("RTM_DELNEXTHOPBUCKET"),
    Some("RTM_GETNEXTHOPBUCKET"),
    None,
    Some("RTM_NEWTUNNEL"),
    Some("RTM_DELTUNNEL"),
    Some("RTM_GETTUNNEL"),
    None,
];

/// The name of an rtnetlink message type, if the kernel defines one.
pub fn name(ty: u16) -> Option<&'static str> {
    NAMES.get((ty as usize).checked_sub(16)?).copied().flatten()
}

#[cfg(test)]
mod tests {
    use super::name;

    #[test]
    fn names() {
        assert_eq!(name(16), Some("RTM_NEWLINK"));
        assert_eq!(name(19), Some("RTM_SETLINK"));
        assert_eq!(name(23), None);
        assert_eq!(name(104), Some("RTM_NEWNEXTHOP"));
        assert_eq!(name(68), Some("RTM_NEWNDUSEROPT"));
        assert_eq!(name(122), Some("RTM_GETTUNNEL"));
        assert_eq!(name(15), None);
        assert_eq!(name(9999), None);
    }
}
