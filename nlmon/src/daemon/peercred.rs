//! Who may attach: root, and members of the attach group, decided from the
//! peer's credentials (SO_PEERCRED for uid/gid/pid; the supplementary
//! groups from SO_PEERGROUPS, taken at connect() so they cannot race with
//! pid reuse, or from `/proc/<pid>/status` on kernels without it).

use std::{io, os::fd::AsRawFd};

/// A connected peer's identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    pub pid: i32,
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
}

/// Reads the credentials of the process at the other end of `sock`.
pub fn peer(sock: &impl AsRawFd) -> io::Result<Peer> {
    let fd = sock.as_raw_fd();
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: cred and len are valid for writing as getsockopt expects.
    let r = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&raw mut cred).cast(),
            &mut len,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    let groups = match peer_groups(fd) {
        Ok(g) => g,
        Err(e) => {
            log::debug!("SO_PEERGROUPS: {e}; reading /proc/{}/status", cred.pid);
            let status = std::fs::read_to_string(format!("/proc/{}/status", cred.pid))?;
            groups_from_status(&status)
        }
    };
    Ok(Peer {
        pid: cred.pid,
        uid: cred.uid,
        gid: cred.gid,
        groups,
    })
}

fn peer_groups(fd: i32) -> io::Result<Vec<u32>> {
    let mut groups = vec![0u32; 64];
    loop {
        let mut len = (groups.len() * 4) as libc::socklen_t;
        // SAFETY: the buffer holds `len` bytes.
        let r = unsafe {
            libc::getsockopt(
                fd,
                libc::SOL_SOCKET,
                libc::SO_PEERGROUPS,
                groups.as_mut_ptr().cast(),
                &mut len,
            )
        };
        if r == 0 {
            groups.truncate(len as usize / 4);
            return Ok(groups);
        }
        let e = io::Error::last_os_error();
        // ERANGE: len now says how much room is needed.
        if e.raw_os_error() == Some(libc::ERANGE) && (len as usize / 4) > groups.len() {
            groups.resize(len as usize / 4, 0);
            continue;
        }
        return Err(e);
    }
}

/// The supplementary groups in a `/proc/<pid>/status`.
pub fn groups_from_status(status: &str) -> Vec<u32> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("Groups:"))
        .map(|g| {
            g.split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The gid of `name` in an `/etc/group`-format text.
pub fn group_gid(etc_group: &str, name: &str) -> Option<u32> {
    etc_group.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == name).then_some(())?;
        f.nth(1)?.parse().ok()
    })
}

/// Why a peer is refused, or `None` when it may attach.
pub fn refusal(peer: &Peer, group_name: &str, group: Option<u32>) -> Option<String> {
    if peer.uid == 0 {
        return None;
    }
    match group {
        Some(g) if peer.gid == g || peer.groups.contains(&g) => None,
        Some(_) => Some(format!(
            "permission denied: uid {} (pid {}) is neither root nor a member of group {group_name}",
            peer.uid, peer.pid
        )),
        None => Some(format!(
            "permission denied: uid {} is not root and group {group_name} does not exist",
            peer.uid
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::net::UnixStream;

    use super::*;

    const GROUP: &str = "root:x:0:\nadm:x:4:syslog\nnlmon:x:998:alice,bob\nnlmonx:x:5:\n";

    #[test]
    fn reads_groups() {
        assert_eq!(group_gid(GROUP, "nlmon"), Some(998));
        assert_eq!(group_gid(GROUP, "nlmo"), None);
        assert_eq!(group_gid("broken\n::\nnlmon:x:zz:\n", "nlmon"), None);
        let status = "Name:\tip\nUid:\t1000\t1000\t1000\t1000\nGroups:\t4 24 998 \nNSpid:\t1\n";
        assert_eq!(groups_from_status(status), [4, 24, 998]);
        assert_eq!(groups_from_status("Groups:\t\n"), Vec::<u32>::new());
    }

    #[test]
    fn root_and_members_only() {
        let p = |uid, gid, groups: &[u32]| Peer {
            pid: 7,
            uid,
            gid,
            groups: groups.to_vec(),
        };
        assert_eq!(refusal(&p(0, 0, &[]), "nlmon", Some(998)), None);
        assert_eq!(refusal(&p(0, 0, &[]), "nlmon", None), None);
        assert_eq!(refusal(&p(1000, 998, &[]), "nlmon", Some(998)), None);
        assert_eq!(refusal(&p(1000, 1000, &[4, 998]), "nlmon", Some(998)), None);
        let no = refusal(&p(1000, 1000, &[4]), "nlmon", Some(998)).unwrap();
        assert!(
            no.contains("uid 1000") && no.contains("group nlmon"),
            "{no}"
        );
        assert!(
            refusal(&p(1000, 1000, &[]), "nlmon", None)
                .unwrap()
                .contains("does not exist")
        );
    }

    #[test]
    fn reads_our_own_credentials() {
        let (a, _b) = UnixStream::pair().unwrap();
        let me = peer(&a).unwrap();
        // SAFETY: plain getters.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        assert_eq!(
            (me.pid as u32, me.uid, me.gid),
            (std::process::id(), uid, gid)
        );
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let mut want = groups_from_status(&status);
        let mut got = me.groups.clone();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want);
    }
}
