//! Traffic generator for nlmon's capture tests: talks rtnetlink through raw
//! sockets in every way the capture must handle (several iovecs, peeks,
//! sendmmsg/recvmmsg, write/read, a large dump, an overrun, requests sent
//! before the answers to earlier ones are read) and prints, one
//! JSON object per line, exactly the bytes it sent and received, so a test
//! can compare them with what nlmon captured.
//!
//! `nlmon-testgen SCENARIO [NETNS_PATH [ARG]]`: enters the network namespace,
//! waits for a line on stdin (the test adds our pid to nlmon's filter
//! first), then runs the scenario. The `bench-*` workloads of `cargo xtask
//! bench` are in `bench.rs`; `capture-file BYTES PATH` writes a synthetic
//! capture (`capture_file.rs`).

// A crate root looks for modules beside itself, where cargo would take a
// file for another binary: hence the explicit path.
#[path = "nlmon-testgen/bench.rs"]
mod bench;
#[path = "nlmon-testgen/capture_file.rs"]
mod capture_file;

use std::{io::BufRead, mem, os::fd::AsRawFd, process::ExitCode};

use anyhow::{Context as _, bail};
use nlmon_common::nlmsg::{
    NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REQUEST,
    NLMSG_DONE, NLMSG_ERROR,
};

const NETLINK_ROUTE: i32 = 0;
const NETLINK_GENERIC: i32 = 16;
const GENL_ID_CTRL: u16 = 16;
const CTRL_CMD_GETFAMILY: u8 = 3;
const RTM_NEWADDR: u16 = 20;
const RTM_DELADDR: u16 = 21;
const RTM_GETLINK: u16 = 18;
const RTM_GETADDR: u16 = 22;
const NETLINK_SOCK_DIAG: i32 = 4;
const NETLINK_XFRM: i32 = 6;
const NETLINK_NETFILTER: i32 = 12;
const SOCK_DIAG_BY_FAMILY: u16 = 20;
const XFRM_MSG_GETSA: u16 = 0x12;
/// NFNL_SUBSYS_NFTABLES (10) << 8 | NFT_MSG_GETTABLE (1).
const NFT_GETTABLE: u16 = 10 << 8 | 1;
const RTM_SETLINK: u16 = 19;
const IFLA_EXT_MASK: u16 = 29;
const IFLA_MTU: u16 = 4;
/// Above `ETH_MAX_MTU` (65535), every device's ceiling.
const MTU_ABOVE_MAX: u32 = 70000;
const IFA_LOCAL: u16 = 2;
const RTMGRP_IPV4_IFADDR: u32 = 0x10;

struct Sock {
    fd: std::os::fd::OwnedFd,
    protocol: i32,
}

impl Sock {
    fn open(groups: u32) -> anyhow::Result<Self> {
        Self::open_proto(NETLINK_ROUTE, groups)
    }

    fn open_proto(protocol: i32, groups: u32) -> anyhow::Result<Self> {
        // SAFETY: plain syscalls on a descriptor we own.
        unsafe {
            let fd = libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                protocol,
            );
            if fd < 0 {
                return Err(std::io::Error::last_os_error()).context("socket(AF_NETLINK)");
            }
            let sock = Self {
                fd: std::os::fd::FromRawFd::from_raw_fd(fd),
                protocol,
            };
            let mut sa: libc::sockaddr_nl = mem::zeroed();
            sa.nl_family = libc::AF_NETLINK as u16;
            sa.nl_groups = groups;
            if libc::bind(fd, (&raw const sa).cast(), size_of_val(&sa) as u32) != 0 {
                return Err(std::io::Error::last_os_error()).context("bind");
            }
            Ok(sock)
        }
    }

    fn fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    fn portid(&self) -> u32 {
        // SAFETY: getsockname into a zeroed sockaddr_nl.
        unsafe {
            let mut sa: libc::sockaddr_nl = mem::zeroed();
            let mut len = size_of_val(&sa) as u32;
            libc::getsockname(self.fd(), (&raw mut sa).cast(), &mut len);
            sa.nl_pid
        }
    }
}

fn kernel() -> libc::sockaddr_nl {
    // SAFETY: all-zero is a valid sockaddr_nl.
    let mut sa: libc::sockaddr_nl = unsafe { mem::zeroed() };
    sa.nl_family = libc::AF_NETLINK as u16;
    sa
}

fn nlmsg(ty: u16, flags: u16, seq: u32, body: &[u8]) -> Vec<u8> {
    let len = 16 + body.len() as u32;
    let mut v = Vec::with_capacity(len as usize);
    v.extend_from_slice(&len.to_ne_bytes());
    v.extend_from_slice(&ty.to_ne_bytes());
    v.extend_from_slice(&flags.to_ne_bytes());
    v.extend_from_slice(&seq.to_ne_bytes());
    v.extend_from_slice(&0u32.to_ne_bytes());
    v.extend_from_slice(body);
    v
}

fn attr(ty: u16, data: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&(4 + data.len() as u16).to_ne_bytes());
    v.extend_from_slice(&ty.to_ne_bytes());
    v.extend_from_slice(data);
    while v.len() % 4 != 0 {
        v.push(0);
    }
    v
}

/// RTM_GETLINK for one interface index.
fn getlink(seq: u32, index: i32, flags: u16) -> Vec<u8> {
    let mut body = vec![0u8; 16];
    body[4..8].copy_from_slice(&index.to_ne_bytes());
    body.extend(attr(IFLA_EXT_MASK, &1u32.to_ne_bytes()));
    nlmsg(RTM_GETLINK, NLM_F_REQUEST | flags, seq, &body)
}

/// RTM_NEWADDR/RTM_DELADDR of 127.1.x.y/32 on lo.
fn addr_msg(ty: u16, seq: u32, n: u16) -> Vec<u8> {
    let mut body = vec![2u8, 32, 0, 0];
    body.extend_from_slice(&1u32.to_ne_bytes());
    body.extend(attr(IFA_LOCAL, &[127, 1, (n >> 8) as u8, n as u8]));
    let flags = if ty == RTM_NEWADDR {
        NLM_F_CREATE | NLM_F_EXCL
    } else {
        0
    };
    nlmsg(ty, NLM_F_REQUEST | NLM_F_ACK | flags, seq, &body)
}

fn report(op: &str, hook: &str, s: &Sock, bytes: &[u8]) {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    println!(
        r#"{{"op":"{op}","hook":"{hook}","protocol":{},"portid":{},"hex":"{hex}"}}"#,
        s.protocol,
        s.portid()
    );
}

fn check(r: isize, what: &str) -> anyhow::Result<usize> {
    if r < 0 {
        return Err(std::io::Error::last_os_error()).context(what.to_owned());
    }
    Ok(r as usize)
}

fn iovec(b: &mut [u8]) -> libc::iovec {
    libc::iovec {
        iov_base: b.as_mut_ptr().cast(),
        iov_len: b.len(),
    }
}

fn msghdr(name: &mut libc::sockaddr_nl, iov: &mut [libc::iovec]) -> libc::msghdr {
    // SAFETY: all-zero is a valid msghdr.
    let mut m: libc::msghdr = unsafe { mem::zeroed() };
    m.msg_name = (name as *mut libc::sockaddr_nl).cast();
    m.msg_namelen = size_of::<libc::sockaddr_nl>() as u32;
    m.msg_iov = iov.as_mut_ptr();
    m.msg_iovlen = iov.len();
    m
}

/// sendmsg with three iovecs; a zero-length MSG_PEEK|MSG_TRUNC size probe
/// (iproute2), a MSG_PEEK with a real buffer (libnl), then the read proper
/// into two iovecs; then an ENODEV error through sendto/recvfrom.
fn iov() -> anyhow::Result<()> {
    let s = Sock::open(0)?;
    let mut req = getlink(1, 1, 0);
    let (a, rest) = req.split_at_mut(16);
    let (b, c) = rest.split_at_mut(16);
    let mut iovs = [iovec(a), iovec(b), iovec(c)];
    let mut dst = kernel();
    let m = msghdr(&mut dst, &mut iovs);
    // SAFETY: m points at live buffers.
    check(unsafe { libc::sendmsg(s.fd(), &m, 0) }, "sendmsg")?;
    report("send", "sendmsg", &s, &getlink(1, 1, 0));

    let mut empty: [libc::iovec; 0] = [];
    let mut src = kernel();
    let mut probe = msghdr(&mut src, &mut empty);
    // SAFETY: as above.
    let size = check(
        unsafe { libc::recvmsg(s.fd(), &mut probe, libc::MSG_PEEK | libc::MSG_TRUNC) },
        "peek",
    )?;
    let mut peekbuf = vec![0u8; 65536];
    // SAFETY: as above.
    check(
        unsafe {
            libc::recv(
                s.fd(),
                peekbuf.as_mut_ptr().cast(),
                peekbuf.len(),
                libc::MSG_PEEK,
            )
        },
        "recv peek",
    )?;
    let mut head = vec![0u8; 20];
    let mut tail = vec![0u8; size];
    let mut iovs = [iovec(&mut head), iovec(&mut tail)];
    let mut m = msghdr(&mut src, &mut iovs);
    // SAFETY: as above.
    let n = check(unsafe { libc::recvmsg(s.fd(), &mut m, 0) }, "recvmsg")?;
    let mut got = head.clone();
    got.extend_from_slice(&tail);
    got.truncate(n);
    report("recv", "recvmsg", &s, &got);

    let req = getlink(2, 99999, NLM_F_ACK);
    // SAFETY: as above.
    check(
        unsafe {
            libc::sendto(
                s.fd(),
                req.as_ptr().cast(),
                req.len(),
                0,
                (&raw const dst).cast(),
                size_of_val(&dst) as u32,
            )
        },
        "sendto",
    )?;
    report("send", "sendto", &s, &req);
    let mut buf = vec![0u8; 8192];
    let mut alen = size_of_val(&src) as u32;
    // SAFETY: as above.
    let n = check(
        unsafe {
            libc::recvfrom(
                s.fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                0,
                (&raw mut src).cast(),
                &mut alen,
            )
        },
        "recvfrom",
    )?;
    report("recv", "recvfrom", &s, &buf[..n]);
    Ok(())
}

/// A request sent as one iovec per byte (40 of them), and its reply read
/// into 64-byte iovecs.
fn many_iovecs() -> anyhow::Result<()> {
    let s = Sock::open(0)?;
    let mut req = getlink(5, 1, 0);
    let mut iovs: Vec<libc::iovec> = req.chunks_mut(1).map(iovec).collect();
    let mut dst = kernel();
    let m = msghdr(&mut dst, &mut iovs);
    // SAFETY: m points at live buffers.
    check(unsafe { libc::sendmsg(s.fd(), &m, 0) }, "sendmsg")?;
    report("send", "sendmsg", &s, &getlink(5, 1, 0));
    let mut buf = vec![0u8; 64 * 256];
    let mut iovs: Vec<libc::iovec> = buf.chunks_mut(64).map(iovec).collect();
    let mut src = kernel();
    let mut m = msghdr(&mut src, &mut iovs);
    // SAFETY: as above.
    let n = check(unsafe { libc::recvmsg(s.fd(), &mut m, 0) }, "recvmsg")?;
    report("recv", "recvmsg", &s, &buf[..n]);
    Ok(())
}

/// sendmmsg of three requests, recvmmsg of their three replies.
fn mmsg() -> anyhow::Result<()> {
    let s = Sock::open(0)?;
    let mut reqs: Vec<Vec<u8>> = (1..=3).map(|i| getlink(10 + i, 1, 0)).collect();
    let mut dst = kernel();
    let mut iovs: Vec<[libc::iovec; 1]> = reqs.iter_mut().map(|r| [iovec(r)]).collect();
    let mut hdrs: Vec<libc::mmsghdr> = iovs
        .iter_mut()
        .map(|iov| libc::mmsghdr {
            msg_hdr: msghdr(&mut dst, iov),
            msg_len: 0,
        })
        .collect();
    // SAFETY: every header points at live buffers.
    let sent = check(
        unsafe { libc::sendmmsg(s.fd(), hdrs.as_mut_ptr(), 3, 0) } as isize,
        "sendmmsg",
    )?;
    if sent != 3 {
        bail!("sendmmsg sent {sent} of 3");
    }
    for r in &reqs {
        report("send", "sendmmsg", &s, r);
    }
    let mut bufs: Vec<Vec<u8>> = (0..3).map(|_| vec![0u8; 16384]).collect();
    let mut srcs = [kernel(), kernel(), kernel()];
    let mut iovs: Vec<[libc::iovec; 1]> = bufs.iter_mut().map(|b| [iovec(b)]).collect();
    let mut hdrs: Vec<libc::mmsghdr> = iovs
        .iter_mut()
        .zip(srcs.iter_mut())
        .map(|(iov, src)| libc::mmsghdr {
            msg_hdr: msghdr(src, iov),
            msg_len: 0,
        })
        .collect();
    // SAFETY: as above.
    let got = check(
        unsafe { libc::recvmmsg(s.fd(), hdrs.as_mut_ptr(), 3, 0, std::ptr::null_mut()) } as isize,
        "recvmmsg",
    )?;
    for (h, b) in hdrs.iter().zip(&bufs).take(got) {
        report("recv", "recvmmsg", &s, &b[..h.msg_len as usize]);
    }
    Ok(())
}

/// Three RTM_GETLINK requests for lo with one sequence number, each asking
/// for an ack, sent one after another before any answer is read; then
/// every answer (a reply and an ack for each) is read.
fn pipelined() -> anyhow::Result<()> {
    let s = Sock::open(0)?;
    let req = getlink(70, 1, NLM_F_ACK);
    for _ in 0..3 {
        // SAFETY: plain send/recv on our socket into live buffers.
        check(
            unsafe { libc::send(s.fd(), req.as_ptr().cast(), req.len(), 0) },
            "send",
        )?;
        report("send", "sendto", &s, &req);
    }
    let mut buf = vec![0u8; 16384];
    let mut acks = 0;
    while acks < 3 {
        // SAFETY: as above.
        let n = check(
            unsafe { libc::recv(s.fd(), buf.as_mut_ptr().cast(), buf.len(), 0) },
            "recv",
        )?;
        report("recv", "recvfrom", &s, &buf[..n]);
        acks += nlmon_common::nlmsg::frames(&buf[..n])
            .filter(|f| {
                matches!(f, nlmon_common::nlmsg::Frame::Msg { hdr, .. } if hdr.ty == NLMSG_ERROR)
            })
            .count();
    }
    Ok(())
}

/// write()/read(), as busybox ip does.
fn rw() -> anyhow::Result<()> {
    let s = Sock::open(0)?;
    let req = getlink(20, 1, 0);
    // SAFETY: plain write/read on our socket.
    check(
        unsafe { libc::write(s.fd(), req.as_ptr().cast(), req.len()) },
        "write",
    )?;
    report("send", "write", &s, &req);
    let mut buf = vec![0u8; 16384];
    // SAFETY: as above.
    let n = check(
        unsafe { libc::read(s.fd(), buf.as_mut_ptr().cast(), buf.len()) },
        "read",
    )?;
    report("recv", "read", &s, &buf[..n]);
    Ok(())
}

/// Sends `req` and reads the answer with recvfrom into 32 KiB buffers until
/// NLMSG_DONE or NLMSG_ERROR; returns the bytes received.
fn exchange(s: &Sock, req: &[u8]) -> anyhow::Result<usize> {
    // SAFETY: plain send/recvfrom on our socket into live buffers.
    check(
        unsafe { libc::send(s.fd(), req.as_ptr().cast(), req.len(), 0) },
        "send",
    )?;
    report("send", "sendto", s, req);
    let mut total = 0;
    let mut buf = vec![0u8; 32768];
    loop {
        // SAFETY: as above.
        let n = check(
            unsafe {
                libc::recvfrom(
                    s.fd(),
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    0,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                )
            },
            "recvfrom",
        )?;
        report("recv", "recvfrom", s, &buf[..n]);
        total += n;
        let last = nlmon_common::nlmsg::frames(&buf[..n]).any(|f| {
            matches!(f, nlmon_common::nlmsg::Frame::Msg { hdr, .. }
                if hdr.ty == NLMSG_DONE || hdr.ty == NLMSG_ERROR)
        });
        if last {
            return Ok(total);
        }
    }
}

/// An address dump; fails unless it carried at least 20 KiB.
fn dump() -> anyhow::Result<()> {
    let s = Sock::open(0)?;
    let req = nlmsg(
        RTM_GETADDR,
        NLM_F_REQUEST | NLM_F_DUMP,
        30,
        &[2, 0, 0, 0, 0, 0, 0, 0],
    );
    let total = exchange(&s, &req)?;
    if total < 20480 {
        bail!("the dump carried only {total} bytes");
    }
    Ok(())
}

/// A generic netlink CTRL_CMD_GETFAMILY dump (every family).
fn genl() -> anyhow::Result<()> {
    let s = Sock::open_proto(NETLINK_GENERIC, 0)?;
    let req = nlmsg(
        GENL_ID_CTRL,
        NLM_F_REQUEST | NLM_F_DUMP,
        40,
        &[CTRL_CMD_GETFAMILY, 1, 0, 0],
    );
    exchange(&s, &req)?;
    Ok(())
}

/// RTM_SETLINK of an MTU above the interface's maximum (a veth's is 65535)
/// on a socket that never sets NETLINK_EXT_ACK, as many programs do: the
/// kernel answers EINVAL without saying why, and only its
/// `netlink:netlink_extack` tracepoint carries the reason. Fails unless
/// the answer is that EINVAL, without an extended ack.
fn mtu(ifname: &str) -> anyhow::Result<()> {
    let name = std::ffi::CString::new(ifname).context("interface name")?;
    // SAFETY: a valid NUL-terminated name.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if index == 0 {
        return Err(std::io::Error::last_os_error()).context(format!("interface {ifname}"));
    }
    let s = Sock::open(0)?;
    let mut body = vec![0u8; 16];
    body[4..8].copy_from_slice(&(index as i32).to_ne_bytes());
    body.extend(attr(IFLA_MTU, &MTU_ABOVE_MAX.to_ne_bytes()));
    let req = nlmsg(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, 60, &body);
    let buf = send_recv(&s, &req)?;
    let answer = nlmon_common::nlmsg::frames(&buf).find_map(|f| match f {
        nlmon_common::nlmsg::Frame::Msg { hdr, payload, .. } if hdr.ty == NLMSG_ERROR => {
            let code = i32::from_ne_bytes(payload.get(..4)?.try_into().ok()?);
            Some((code, hdr.flags))
        }
        _ => None,
    });
    match answer {
        Some((code, flags)) if code == -libc::EINVAL && flags & NLM_F_ACK_TLVS == 0 => Ok(()),
        other => bail!("expected EINVAL without an extended ack, got {other:?}"),
    }
}

/// nf_tables' batch markers (`NFNL_MSG_BATCH_BEGIN`/`END`) and the
/// messages of the `badattr` scenario: NFNL_SUBSYS_NFTABLES (10) << 8 | type.
const NFNL_MSG_BATCH_BEGIN: u16 = 0x10;
const NFNL_MSG_BATCH_END: u16 = 0x11;
const NFT_NEWTABLE: u16 = 10 << 8;
const NFT_NEWCHAIN: u16 = 10 << 8 | 3;
const NFT_NEWRULE: u16 = 10 << 8 | 6;
const NLM_F_APPEND: u16 = 0x800;
const NLA_F_NESTED: u16 = 0x8000;
const NLMSGERR_ATTR_MSG: u16 = 1;
const NLMSGERR_ATTR_OFFS: u16 = 2;
/// Where the bad attribute starts in the rule: its first
/// `NFTA_LIST_ELEM`, after the header (16), `nfgenmsg` (4), the table and
/// chain names (8 each) and `NFTA_RULE_EXPRESSIONS`' own header (4).
const BAD_ATTR_OFFSET: u32 = 40;

/// An nf_tables message: `nfgenmsg` for `NFPROTO_INET`, then `attrs`.
fn nft(ty: u16, flags: u16, seq: u32, attrs: &[Vec<u8>]) -> Vec<u8> {
    let mut body = vec![1, 0, 0, 0];
    body.extend(attrs.concat());
    nlmsg(ty, flags, seq, &body)
}

/// `nft add rule inet t c counter name nosuch` as one raw batch (table
/// and chain created in it) on a socket with NETLINK_EXT_ACK and
/// NETLINK_CAP_ACK: the counter does not exist, and nf_tables marks the
/// rule's expression with `NL_SET_BAD_ATTR`, an offset without a message;
/// the capped error echoes only the rule's header. Fails unless the answer
/// is that ENOENT, capped, with offset [`BAD_ATTR_OFFSET`] and no message.
fn badattr() -> anyhow::Result<()> {
    let s = Sock::open_proto(NETLINK_NETFILTER, 0)?;
    for opt in [libc::NETLINK_EXT_ACK, libc::NETLINK_CAP_ACK] {
        let on: libc::c_int = 1;
        // SAFETY: setsockopt with a live int.
        let r = unsafe {
            libc::setsockopt(
                s.fd(),
                libc::SOL_NETLINK,
                opt,
                (&raw const on).cast(),
                size_of_val(&on) as u32,
            )
        };
        if r != 0 {
            return Err(std::io::Error::last_os_error()).context("setsockopt");
        }
    }
    let name = |ty: u16, n: &str| attr(ty, format!("{n}\0").as_bytes());
    let objref = [
        name(1, "objref"),
        attr(
            2 | NLA_F_NESTED,
            &[attr(1, &1u32.to_be_bytes()), name(2, "nosuch")].concat(),
        ),
    ];
    let expressions = attr(4 | NLA_F_NESTED, &attr(1 | NLA_F_NESTED, &objref.concat()));
    let create = NLM_F_REQUEST | NLM_F_CREATE;
    let batch = [
        nlmsg(NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 70, &[0, 0, 0, 10]),
        nft(NFT_NEWTABLE, create, 71, &[name(1, "t")]),
        nft(NFT_NEWCHAIN, create, 72, &[name(1, "t"), name(3, "c")]),
        nft(
            NFT_NEWRULE,
            create | NLM_F_APPEND,
            73,
            &[name(1, "t"), name(2, "c"), expressions],
        ),
        nlmsg(NFNL_MSG_BATCH_END, NLM_F_REQUEST, 74, &[0, 0, 0, 10]),
    ]
    .concat();
    let buf = send_recv(&s, &batch)?;
    let answer = nlmon_common::nlmsg::frames(&buf).find_map(|f| match f {
        nlmon_common::nlmsg::Frame::Msg { hdr, payload, .. } if hdr.ty == NLMSG_ERROR => {
            let code = i32::from_ne_bytes(payload.get(..4)?.try_into().ok()?);
            Some((code, hdr.flags, extack(payload.get(20..)?)))
        }
        _ => None,
    });
    match answer {
        Some((code, flags, (None, Some(BAD_ATTR_OFFSET))))
            if code == -libc::ENOENT && flags & NLM_F_CAPPED != 0 =>
        {
            Ok(())
        }
        other => bail!(
            "expected a capped ENOENT with offset {BAD_ATTR_OFFSET} and no message, got {other:?}"
        ),
    }
}

/// The message and offset of an extended ack's attributes.
fn extack(mut tlvs: &[u8]) -> (Option<String>, Option<u32>) {
    let (mut msg, mut offs) = (None, None);
    while let Some(h) = tlvs.get(..4) {
        let len = usize::from(u16::from_ne_bytes([h[0], h[1]]));
        let ty = u16::from_ne_bytes([h[2], h[3]]);
        let Some(v) = tlvs.get(4..len).filter(|_| len >= 4) else {
            break;
        };
        match ty {
            NLMSGERR_ATTR_MSG => msg = Some(String::from_utf8_lossy(v).into_owned()),
            NLMSGERR_ATTR_OFFS => offs = v.try_into().ok().map(u32::from_ne_bytes),
            _ => {}
        }
        tlvs = tlvs.get((len + 3) & !3..).unwrap_or_default();
    }
    (msg, offs)
}

/// Sends `req` and reads one answer of up to 8 KiB, reporting both.
fn send_recv(s: &Sock, req: &[u8]) -> anyhow::Result<Vec<u8>> {
    // SAFETY: plain send/recv on our socket into live buffers.
    check(
        unsafe { libc::send(s.fd(), req.as_ptr().cast(), req.len(), 0) },
        "send",
    )?;
    report("send", "sendto", s, req);
    let mut buf = vec![0u8; 8192];
    // SAFETY: as above.
    let n = check(
        unsafe { libc::recv(s.fd(), buf.as_mut_ptr().cast(), buf.len(), 0) },
        "recv",
    )?;
    report("recv", "recvfrom", s, &buf[..n]);
    buf.truncate(n);
    Ok(buf)
}

/// One dump in each of sock_diag (TCP sockets), xfrm (SAs) and netfilter
/// (nftables tables): the other families the kernel's nlmon tap covers.
/// An error answer (no nf_tables module, say) is an exchange too.
fn families() -> anyhow::Result<()> {
    // struct inet_diag_req_v2: family, protocol, ext, pad, states, then a
    // 48-byte inet_diag_sockid.
    let mut diag = vec![libc::AF_INET as u8, libc::IPPROTO_TCP as u8, 0, 0];
    diag.extend_from_slice(&u32::MAX.to_ne_bytes());
    diag.extend_from_slice(&[0u8; 48]);
    exchange(
        &Sock::open_proto(NETLINK_SOCK_DIAG, 0)?,
        &nlmsg(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, 50, &diag),
    )?;
    // struct xfrm_usersa_id (24 bytes), ignored by the dump.
    exchange(
        &Sock::open_proto(NETLINK_XFRM, 0)?,
        &nlmsg(XFRM_MSG_GETSA, NLM_F_REQUEST | NLM_F_DUMP, 51, &[0u8; 24]),
    )?;
    // struct nfgenmsg: family, version, res_id.
    exchange(
        &Sock::open_proto(NETLINK_NETFILTER, 0)?,
        &nlmsg(NFT_GETTABLE, NLM_F_REQUEST | NLM_F_DUMP, 52, &[0, 0, 0, 0]),
    )?;
    Ok(())
}

/// A listener with the smallest receive buffer, subscribed to address
/// notifications, overflows while another socket adds and removes
/// addresses; its next receive fails with ENOBUFS.
fn overrun() -> anyhow::Result<()> {
    let listener = Sock::open(RTMGRP_IPV4_IFADDR)?;
    let small: i32 = 1;
    // SAFETY: setsockopt with a live int.
    unsafe {
        libc::setsockopt(
            listener.fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&raw const small).cast(),
            4,
        )
    };
    let s = Sock::open(0)?;
    let mut buf = vec![0u8; 8192];
    for i in 0..40u16 {
        for ty in [RTM_NEWADDR, RTM_DELADDR] {
            let req = addr_msg(ty, 100 + u32::from(i) * 2 + u32::from(ty - RTM_NEWADDR), i);
            // SAFETY: as above.
            check(
                unsafe { libc::send(s.fd(), req.as_ptr().cast(), req.len(), 0) },
                "send",
            )?;
            report("send", "sendto", &s, &req);
            // SAFETY: as above.
            let n = check(
                unsafe { libc::recv(s.fd(), buf.as_mut_ptr().cast(), buf.len(), 0) },
                "recv",
            )?;
            report("recv", "recvfrom", &s, &buf[..n]);
        }
    }
    // SAFETY: as above.
    let r = unsafe {
        libc::recv(
            listener.fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_DONTWAIT,
        )
    };
    let err = std::io::Error::last_os_error();
    if r >= 0 || err.raw_os_error() != Some(libc::ENOBUFS) {
        bail!("expected ENOBUFS on the listener, got {r} ({err})");
    }
    report("overrun", "recvfrom", &listener, &[]);
    Ok(())
}

/// `rounds` RTM_GETLINK round trips for the loopback device; prints the
/// mean time of one, for overhead measurements.
fn bench(rounds: u32) -> anyhow::Result<()> {
    let s = Sock::open(0)?;
    let mut buf = vec![0u8; 16384];
    let start = std::time::Instant::now();
    for i in 0..rounds {
        let req = getlink(1000 + i, 1, 0);
        // SAFETY: plain send/recv on our socket.
        check(
            unsafe { libc::send(s.fd(), req.as_ptr().cast(), req.len(), 0) },
            "send",
        )?;
        // SAFETY: as above.
        check(
            unsafe { libc::recv(s.fd(), buf.as_mut_ptr().cast(), buf.len(), 0) },
            "recv",
        )?;
    }
    let ns = start.elapsed().as_nanos() / u128::from(rounds.max(1));
    println!(r#"{{"op":"bench","rounds":{rounds},"ns_per_round_trip":{ns}}}"#);
    Ok(())
}

fn enter_netns(path: &str) -> anyhow::Result<()> {
    let f = std::fs::File::open(path).with_context(|| format!("open {path}"))?;
    // SAFETY: setns on a namespace file we hold open.
    if unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(std::io::Error::last_os_error()).context("setns");
    }
    Ok(())
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let scenario = args.get(1).context(
        "usage: nlmon-testgen SCENARIO [NETNS_PATH] | nlmon-testgen mtu NETNS_PATH IFNAME \
         | nlmon-testgen bench [ROUNDS] \
         | nlmon-testgen bench-WORKLOAD ARGS... \
         | nlmon-testgen capture-file BYTES PATH",
    )?;
    // A file, no traffic: no namespace, no go line.
    if scenario == "capture-file" {
        return capture_file::run(&args[2..]);
    }
    let benchmark = scenario.starts_with("bench");
    if let Some(ns) = args.get(2).filter(|_| !benchmark) {
        enter_netns(ns)?;
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("waiting for the go line")?;
    match scenario.as_str() {
        "iov" => iov(),
        "mmsg" => mmsg(),
        "manyiov" => many_iovecs(),
        "rw" => rw(),
        "pipelined" => pipelined(),
        "dump" => dump(),
        "overrun" => overrun(),
        "genl" => genl(),
        "families" => families(),
        "mtu" => mtu(args.get(3).map_or("veth0", String::as_str)),
        "badattr" => badattr(),
        "bench" => bench(args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1000)),
        w if w.starts_with("bench-") => bench::run(w, &args[2..]),
        other => bail!("unknown scenario {other}"),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nlmon-testgen: {e:#}");
            ExitCode::FAILURE
        }
    }
}
