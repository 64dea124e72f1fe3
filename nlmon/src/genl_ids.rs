//! Generic netlink family ids of this machine, asked of nlctrl at start
//! (`CTRL_CMD_GETFAMILY` dump), so that messages of families registered
//! before nlmon started are named. Ids are global: one dump serves every
//! namespace. nlmon's own netlink traffic is never captured.

use std::{
    io,
    os::fd::{AsRawFd, FromRawFd, OwnedFd},
};

use nlmon_common::{
    decode::{Decoder, GENL_ID_CTRL},
    nlmsg::{NETLINK_GENERIC, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE, NLMSG_ERROR},
};

const CTRL_CMD_GETFAMILY: u8 = 3;

/// Teaches the decoder the ids of the families registered now; a failure
/// is logged (names then come from the traffic only).
pub fn learn(decoder: &mut Decoder) {
    match dump() {
        Ok(bufs) => bufs.iter().for_each(|b| decoder.learn(NETLINK_GENERIC, b)),
        Err(e) => log::warn!("cannot list generic netlink families: {e}"),
    }
}

/// The raw reply buffers of a family dump, for `Decoder::learn`.
pub fn dump() -> io::Result<Vec<Vec<u8>>> {
    // SAFETY: plain socket call; the descriptor is owned right after.
    let fd = unsafe {
        libc::socket(
            libc::AF_NETLINK,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            NETLINK_GENERIC as i32,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh descriptor we own.
    let sock = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut req = [0u8; 20];
    req[0..4].copy_from_slice(&20u32.to_ne_bytes());
    req[4..6].copy_from_slice(&GENL_ID_CTRL.to_ne_bytes());
    req[6..8].copy_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    req[8..12].copy_from_slice(&1u32.to_ne_bytes());
    req[16] = CTRL_CMD_GETFAMILY;
    req[17] = 1;
    // SAFETY: sending from a valid buffer on our socket (to the kernel:
    // an unbound, unconnected netlink socket sends to port 0).
    if unsafe { libc::send(sock.as_raw_fd(), req.as_ptr().cast(), req.len(), 0) } < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut out = Vec::new();
    let mut buf = vec![0u8; 32768];
    // A dump ends with NLMSG_DONE; a bounded number of reads guards
    // against a kernel that never says so.
    for _ in 0..256 {
        // SAFETY: receiving into a valid buffer.
        let n = unsafe { libc::recv(sock.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let data = buf[..n as usize].to_vec();
        let end = nlmon_common::nlmsg::frames(&data).any(|f| {
            matches!(f, nlmon_common::nlmsg::Frame::Msg { hdr, .. }
                if hdr.ty == NLMSG_DONE || hdr.ty == NLMSG_ERROR)
        });
        out.push(data);
        if end || n == 0 {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use nlmon_common::decode::{DecodeOptions, Decoder};

    #[test]
    fn learns_the_ids_of_registered_families() {
        let mut d = Decoder::new(DecodeOptions::default());
        for b in super::dump().expect("family dump") {
            d.learn(16, &b);
        }
        // nlctrl is always there; so is some other family on any kernel
        // nlmon runs on (ethtool, devlink, ...).
        let named = (17..0x100u16)
            .filter(|&id| d.genl_family(id).is_some())
            .count();
        assert!(named > 0, "no generic netlink family learned");
    }
}
