//! The journald sink: one entry per netlink message, sent with journald's
//! native protocol (a datagram of `FIELD=value` lines to
//! `/run/systemd/journal/socket`; an entry too large for a datagram goes in
//! a sealed memfd passed with SCM_RIGHTS), so that
//! `journalctl -u nlmon NLMON_COMM=ip` finds it.
//!
//! A message that completes a change (see `crate::change`) is followed by
//! an entry for the change: `MESSAGE` is its line in plain words, with
//! `NLMON_RECORD=change`, `NLMON_OBJECT`, `NLMON_KEY`, `NLMON_ACTION`,
//! `NLMON_IFNAME`, `NLMON_RESULT` and the whole change as JSON in
//! `NLMON_CHANGE` (what `nlmon history` reads back through the journal's
//! field index). The change that starts a conflict adds a warning entry
//! with `NLMON_CONFLICT=1`.

use std::{
    fs::File,
    io::{self, Write},
    os::{
        fd::{AsRawFd, FromRawFd},
        unix::net::UnixDatagram,
    },
    path::PathBuf,
    time::Duration,
};

use nlmon_common::{decode::Node, nlmsg::NLMSG_ERROR};

use super::sink::Sink;
use crate::{
    change::{Change, Outcome, Pending, conflict::Episode},
    event::{Event, Kind},
    pipeline::{self, Shown},
    protocol,
    text::{self, TextOptions},
    words::{errno_text, hex},
};

/// How long one entry may wait for room in the journal's socket before the
/// sink counts it as an error and stops waiting (see `Journal::stalled`).
const STALL_TIMEOUT: Duration = Duration::from_millis(500);

pub struct Journal {
    socket: PathBuf,
    sock: Option<UnixDatagram>,
    /// The journal did not take an entry within `STALL_TIMEOUT`: until it
    /// takes one again, entries are offered without waiting, so a journal
    /// that does not read costs one timeout, not one per entry, and the
    /// daemon still stops promptly. Each refused entry is a sink error.
    stalled: bool,
}

impl Journal {
    pub fn new(socket: PathBuf) -> Self {
        Self {
            socket,
            sock: None,
            stalled: false,
        }
    }

    fn send(&mut self, entry: &[u8]) -> io::Result<()> {
        let sock = match &mut self.sock {
            Some(s) => s,
            None => {
                let s = UnixDatagram::unbound()?;
                s.set_write_timeout(Some(STALL_TIMEOUT))?;
                self.sock.insert(s)
            }
        };
        sock.set_nonblocking(self.stalled)?;
        let sent = match sock.send_to(entry, &self.socket) {
            Err(e) if e.raw_os_error() == Some(libc::EMSGSIZE) => {
                send_memfd(sock, entry, &self.socket)
            }
            r => r.map(drop),
        };
        match sent {
            Ok(()) => {
                self.stalled = false;
                Ok(())
            }
            Err(e) => {
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) {
                    self.stalled = true;
                }
                Err(io::Error::new(
                    e.kind(),
                    format!("journal socket {}: {e}", self.socket.display()),
                ))
            }
        }
    }
}

impl pipeline::Sink for Journal {
    fn event(&mut self, ev: &Event, msgs: &[Shown]) -> io::Result<()> {
        for entry in entries(ev, msgs) {
            self.send(&entry)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }

    /// Names and the summary line; `NLMON_IFNAME` reads the top-level
    /// nodes of the tree.
    fn detail(&self) -> pipeline::Detail {
        pipeline::Detail::Tree
    }
}

impl Sink for Journal {
    fn reset(&mut self) {
        self.sock = None;
    }
}

/// Appends one field. Values with a newline use the binary form:
/// name, newline, little-endian u64 length, value, newline.
fn field(e: &mut Vec<u8>, name: &str, value: &[u8]) {
    e.extend_from_slice(name.as_bytes());
    if value.contains(&b'\n') {
        e.push(b'\n');
        e.extend_from_slice(&(value.len() as u64).to_le_bytes());
    } else {
        e.push(b'=');
    }
    e.extend_from_slice(value);
    e.push(b'\n');
}

/// The journal entries of an event: one per message shown (one for an
/// overrun or a buffer without a message). `MESSAGE` is the text view's
/// line without its clock (the journal has its own timestamps).
pub fn entries(ev: &Event, msgs: &[Shown]) -> Vec<Vec<u8>> {
    let common = common_fields(ev);
    let line = |msgs: &[Shown]| {
        let mut text = Vec::new();
        let opts = TextOptions {
            no_clock: true,
            ..TextOptions::default()
        };
        // Writing to a Vec cannot fail.
        let _ = text::write_event(&mut text, ev, msgs, opts);
        while text.last() == Some(&b'\n') {
            text.pop();
        }
        text
    };
    let one = |line: &[u8], failed: bool, extra: &dyn Fn(&mut Vec<u8>)| {
        let mut e = common.clone();
        // 4 = warning for failures and loss, 6 = info.
        let prio = if failed || ev.errno.is_some() {
            b"4"
        } else {
            b"6"
        };
        field(&mut e, "PRIORITY", prio);
        field(&mut e, "MESSAGE", line);
        extra(&mut e);
        e
    };
    if msgs.is_empty() {
        let overrun = ev.kind == Kind::Overrun;
        return vec![one(&line(msgs), overrun, &|e| {
            if overrun {
                field(e, "NLMON_TYPE", b"OVERRUN");
            }
        })];
    }
    let mut out = Vec::with_capacity(msgs.len());
    for s in msgs {
        out.push(one(
            &line(std::slice::from_ref(s)),
            s.failed().is_some(),
            &|e| message_fields(e, ev, s),
        ));
        if let Some(p) = &s.change {
            out.push(change_entry(p));
            if let Some(c) = p.change.conflict.as_ref().filter(|c| c.first) {
                out.push(conflict_entry(&p.change, c));
            }
        }
    }
    out
}

/// The fields that say who made a change, and where. For a notification
/// the event is the listener's: only the writer's name and pid are known.
fn writer_fields(e: &mut Vec<u8>, p: &Pending) {
    let c = &p.change;
    field(e, "SYSLOG_IDENTIFIER", b"nlmon");
    field(e, "NLMON_COMM", c.comm.as_bytes());
    field(e, "NLMON_PID", c.pid.to_string().as_bytes());
    field(e, "NLMON_NETNS", c.netns.to_string().as_bytes());
    if let Some(n) = &c.netns_name {
        field(e, "NLMON_NETNS_NAME", n.as_bytes());
    }
    if !c.notification {
        for (name, value) in crate::attrib::fields::journal(&p.event) {
            if name != "NLMON_NETNS_NAME" {
                field(e, name, value.as_bytes());
            }
        }
    }
    field(e, "NLMON_FAMILY", family(&p.event).as_bytes());
    let m = &p.shown.message;
    let ty = m
        .type_name
        .map_or_else(|| m.header.ty.to_string(), str::to_owned);
    field(e, "NLMON_TYPE", ty.as_bytes());
}

/// The entry of a change: its line (without the clock) and fields.
fn change_entry(p: &Pending) -> Vec<u8> {
    let c = &p.change;
    let mut e = Vec::with_capacity(1024);
    let failed = matches!(c.result, Outcome::Failed { .. });
    field(&mut e, "PRIORITY", if failed { b"4" } else { b"6" });
    field(&mut e, "MESSAGE", c.text().as_bytes());
    writer_fields(&mut e, p);
    field(&mut e, "NLMON_RECORD", b"change");
    field(&mut e, "NLMON_OBJECT", c.kind.as_bytes());
    field(&mut e, "NLMON_KEY", c.key.as_bytes());
    field(&mut e, "NLMON_ACTION", c.action.as_str().as_bytes());
    if let Some(i) = &c.ifname {
        field(&mut e, "NLMON_IFNAME", i.as_bytes());
    }
    field(&mut e, "NLMON_RESULT", c.result.word().as_bytes());
    if let Outcome::Failed { errno, extack, .. } = &c.result {
        error_fields(&mut e, *errno, extack.as_deref());
    }
    if c.notification {
        field(&mut e, "NLMON_NOTIFICATION", b"1");
    }
    // Serializing plain data into a Vec cannot fail.
    let json = serde_json::to_vec(c).unwrap_or_default();
    field(&mut e, "NLMON_CHANGE", &json);
    e
}

/// The warning that an object is being changed back and forth.
fn conflict_entry(c: &Change, ep: &Episode) -> Vec<u8> {
    let mut e = Vec::with_capacity(512);
    field(&mut e, "SYSLOG_IDENTIFIER", b"nlmon");
    field(&mut e, "PRIORITY", b"4");
    field(&mut e, "MESSAGE", c.conflict_text(ep).as_bytes());
    field(&mut e, "NLMON_CONFLICT", b"1");
    field(&mut e, "NLMON_OBJECT", c.kind.as_bytes());
    field(&mut e, "NLMON_KEY", c.key.as_bytes());
    if let Some(i) = &c.ifname {
        field(&mut e, "NLMON_IFNAME", i.as_bytes());
    }
    field(&mut e, "NLMON_NETNS", c.netns.to_string().as_bytes());
    for w in ep.writers.keys() {
        field(&mut e, "NLMON_WRITER", w.as_bytes());
    }
    field(&mut e, "NLMON_CHANGES", ep.count.to_string().as_bytes());
    e
}

/// Fields of the event: process, socket, call.
fn common_fields(ev: &Event) -> Vec<u8> {
    let mut common = Vec::with_capacity(512);
    field(&mut common, "SYSLOG_IDENTIFIER", b"nlmon");
    field(&mut common, "NLMON_COMM", ev.process.comm.as_bytes());
    field(
        &mut common,
        "NLMON_PID",
        ev.process.tgid.to_string().as_bytes(),
    );
    field(
        &mut common,
        "NLMON_TID",
        ev.process.tid.to_string().as_bytes(),
    );
    field(
        &mut common,
        "NLMON_UID",
        ev.process.uid.to_string().as_bytes(),
    );
    field(&mut common, "NLMON_FAMILY", family(ev).as_bytes());
    field(&mut common, "NLMON_DIR", ev.direction.name().as_bytes());
    field(
        &mut common,
        "NLMON_NETNS",
        ev.socket.netns.to_string().as_bytes(),
    );
    for (name, value) in crate::attrib::fields::journal(ev) {
        field(&mut common, name, value.as_bytes());
    }
    field(
        &mut common,
        "NLMON_PORTID",
        ev.socket.portid.to_string().as_bytes(),
    );
    if let Some(p) = ev.peer {
        field(
            &mut common,
            "NLMON_PEER_PORTID",
            p.portid.to_string().as_bytes(),
        );
        if p.groups != 0 {
            field(
                &mut common,
                "NLMON_PEER_GROUPS",
                format!("{:#x}", p.groups).as_bytes(),
            );
        }
    }
    field(
        &mut common,
        "NLMON_MONO_NS",
        ev.mono_ns.to_string().as_bytes(),
    );
    if ev.truncation.any() {
        field(&mut common, "NLMON_TRUNCATED", b"1");
    }
    if let Some(e) = ev.errno {
        field(&mut common, "NLMON_CALL_ERRNO", e.to_string().as_bytes());
    }
    common
}

/// Fields of one decoded message.
fn message_fields(e: &mut Vec<u8>, ev: &Event, s: &Shown) {
    let m = &s.message;
    let h = &m.header;
    let ty = match (m.type_name, m.malformed.is_some()) {
        (_, true) => "MALFORMED".to_owned(),
        (Some(n), false) => n.to_owned(),
        (None, false) => h.ty.to_string(),
    };
    field(e, "NLMON_TYPE", ty.as_bytes());
    field(e, "NLMON_FLAGS", format!("{:#x}", h.flags).as_bytes());
    field(e, "NLMON_SEQ", h.seq.to_string().as_bytes());
    field(e, "NLMON_NLMSG_PID", h.pid.to_string().as_bytes());
    if s.count > 1 {
        field(
            e,
            "NLMON_PART",
            format!("{}/{}", s.index + 1, s.count).as_bytes(),
        );
    }
    if let Some(err) = m.error.as_ref().filter(|_| h.ty == NLMSG_ERROR) {
        error_fields(e, err.errno, err.message.as_deref());
    }
    for name in ifnames(&m.body) {
        field(e, "NLMON_IFNAME", name.as_bytes());
    }
    field(e, "NLMON_DATA", hex(s.bytes(ev)).as_bytes());
}

/// The netlink family by name (`route`), or its number.
fn family(ev: &Event) -> String {
    protocol::name(ev.socket.protocol).map_or_else(|| ev.socket.protocol.to_string(), str::to_owned)
}

/// An answer's errno (0 for an ack), its text when it failed, and the
/// kernel's extended-ack message.
fn error_fields(e: &mut Vec<u8>, errno: i32, extack: Option<&str>) {
    field(e, "NLMON_ERRNO", errno.to_string().as_bytes());
    if errno != 0 {
        field(e, "NLMON_ERROR", errno_text(errno).as_bytes());
    }
    if let Some(m) = extack {
        field(e, "NLMON_EXTACK", m.as_bytes());
    }
}

/// The interface names beside the message's top-level indexes, each once.
fn ifnames(body: &[Node]) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for n in body {
        if let Some(name) = n.ifname.as_deref()
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names
}

/// An entry larger than a datagram: journald reads it from a sealed memfd.
fn send_memfd(sock: &UnixDatagram, entry: &[u8], path: &std::path::Path) -> io::Result<()> {
    // SAFETY: a valid NUL-terminated name; flags are plain constants.
    let fd = unsafe {
        libc::memfd_create(
            c"nlmon-journal".as_ptr(),
            libc::MFD_ALLOW_SEALING | libc::MFD_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd was just created and is owned by nothing else.
    let mut file = unsafe { File::from_raw_fd(fd) };
    file.write_all(entry)?;
    let seals = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL;
    // SAFETY: fcntl on a descriptor we own.
    if unsafe { libc::fcntl(fd, libc::F_ADD_SEALS, seals) } < 0 {
        return Err(io::Error::last_os_error());
    }
    send_fd(sock, path, file.as_raw_fd())
}

/// Sends an empty datagram carrying `fd` to the socket at `path`.
fn send_fd(sock: &UnixDatagram, path: &std::path::Path, fd: i32) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    // SAFETY: sockaddr_un is plain data; zero is a valid start.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let p = path.as_os_str().as_bytes();
    if p.len() >= addr.sun_path.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "journal socket path too long",
        ));
    }
    for (d, s) in addr.sun_path.iter_mut().zip(p) {
        *d = *s as libc::c_char;
    }
    let space = unsafe { libc::CMSG_SPACE(size_of::<i32>() as u32) } as usize;
    let mut control = vec![0u8; space];
    // SAFETY: msghdr is plain data; every pointer set below outlives the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = (&raw mut addr).cast();
    msg.msg_namelen = size_of::<libc::sockaddr_un>() as u32;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = space as _;
    // SAFETY: the control buffer has room for one cmsg with one int.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(size_of::<i32>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<i32>(), fd);
    }
    // SAFETY: msg points at valid buffers for the duration of the call.
    if unsafe { libc::sendmsg(sock.as_raw_fd(), &msg, libc::MSG_NOSIGNAL) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::{
        collections::HashMap,
        io::{Read, Seek},
        os::fd::OwnedFd,
    };

    use super::*;
    use crate::{
        daemon::rotate::tests::TempDir,
        event::Direction,
        pipeline::tests::{event, msg, selected},
    };

    fn entries_of(ev: Event) -> Vec<Vec<u8>> {
        let s = selected(ev);
        entries(&s.decoded.ev, &s.decoded.msgs)
    }

    /// Parses the native protocol back into fields (repeated names keep the
    /// last value).
    fn parse(mut b: &[u8]) -> HashMap<String, Vec<u8>> {
        let mut out = HashMap::new();
        while !b.is_empty() {
            let nl = b.iter().position(|&c| c == b'\n').unwrap();
            let line = &b[..nl];
            if let Some(eq) = line.iter().position(|&c| c == b'=') {
                out.insert(
                    String::from_utf8(line[..eq].to_vec()).unwrap(),
                    line[eq + 1..].to_vec(),
                );
                b = &b[nl + 1..];
            } else {
                let name = String::from_utf8(line.to_vec()).unwrap();
                let len = u64::from_le_bytes(b[nl + 1..nl + 9].try_into().unwrap()) as usize;
                out.insert(name, b[nl + 9..nl + 9 + len].to_vec());
                assert_eq!(b[nl + 9 + len], b'\n');
                b = &b[nl + 10 + len..];
            }
        }
        out
    }

    fn s(m: &HashMap<String, Vec<u8>>, k: &str) -> String {
        String::from_utf8_lossy(m.get(k).unwrap_or_else(|| panic!("no {k}"))).into_owned()
    }

    #[test]
    fn one_entry_per_message_with_fields() {
        let mut data = msg(20, 0x605, &[2, 24, 0, 0, 3, 0, 0, 0]);
        let mut p = (-17i32).to_ne_bytes().to_vec();
        p.extend(msg(20, 0x605, &[]));
        data.extend(msg(2, 0x100, &p));
        let ev = event(0, Direction::ToKernel, data);
        let es = entries_of(ev);
        assert_eq!(es.len(), 2);
        let a = parse(&es[0]);
        assert_eq!(s(&a, "NLMON_COMM"), "ip");
        assert_eq!(s(&a, "NLMON_PID"), "42");
        assert_eq!(s(&a, "NLMON_FAMILY"), "route");
        assert_eq!(s(&a, "NLMON_TYPE"), "RTM_NEWADDR");
        assert_eq!(s(&a, "NLMON_DIR"), "to_kernel");
        assert_eq!(s(&a, "NLMON_PART"), "1/2");
        assert_eq!(s(&a, "PRIORITY"), "6");
        assert!(!a.contains_key("NLMON_ERRNO"));
        assert!(
            s(&a, "MESSAGE").starts_with("ip[42] → route [1/2] RTM_NEWADDR"),
            "{}",
            s(&a, "MESSAGE")
        );
        let b = parse(&es[1]);
        assert_eq!(s(&b, "NLMON_TYPE"), "NLMSG_ERROR");
        assert_eq!(s(&b, "NLMON_ERRNO"), "17");
        assert_eq!(s(&b, "NLMON_ERROR"), "File exists");
        assert_eq!(s(&b, "PRIORITY"), "4");
    }

    #[test]
    fn multi_line_values_use_the_binary_form() {
        let mut e = Vec::new();
        field(&mut e, "MESSAGE", b"two\nlines");
        field(&mut e, "X", b"y");
        let m = parse(&e);
        assert_eq!(s(&m, "MESSAGE"), "two\nlines");
        assert_eq!(s(&m, "X"), "y");
    }

    #[test]
    fn sends_datagrams_and_memfds_to_the_socket() {
        let d = TempDir::new();
        let path = d.0.join("journal.sock");
        let server = UnixDatagram::bind(&path).unwrap();
        let mut j = Journal::new(path.clone());
        let ev = selected(event(0, Direction::ToKernel, msg(16, 0x605, &[0; 16])));
        ev.show(&mut j).unwrap();
        let mut buf = vec![0u8; 65536];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(s(&parse(&buf[..n]), "NLMON_TYPE"), "RTM_NEWLINK");

        // Larger than the socket's maximum datagram: goes as a memfd.
        let big = vec![b'x'; 8 << 20];
        j.send(&big).unwrap();
        let fd = recv_fd(&server);
        let mut got = Vec::new();
        // The descriptor shares the sender's offset, at the end.
        let mut f = File::from(fd);
        f.seek(io::SeekFrom::Start(0)).unwrap();
        f.read_to_end(&mut got).unwrap();
        assert_eq!(got.len(), big.len());

        // No journal: an error naming the socket.
        drop(server);
        std::fs::remove_file(&path).unwrap();
        let e = ev.show(&mut j).unwrap_err().to_string();
        assert!(e.contains("journal.sock"), "{e}");
    }

    #[test]
    fn a_journal_that_does_not_read_costs_one_timeout() {
        let dir = std::env::temp_dir().join(format!("nlmon-journal-stall-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("journal.sock");
        // Bound and never read: its queue fills.
        let _server = UnixDatagram::bind(&path).unwrap();
        let mut j = Journal::new(path);
        let entry = vec![b'x'; 1024];
        let mut failed = 0;
        let start = std::time::Instant::now();
        for _ in 0..10_000 {
            if j.send(&entry).is_err() {
                failed += 1;
            }
        }
        let took = start.elapsed();
        assert!(failed > 0, "the queue never filled");
        assert!(j.stalled);
        // One wait for the first refused entry, none for the others.
        assert!(took < STALL_TIMEOUT * 4, "{failed} refused in {took:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn recv_fd(sock: &UnixDatagram) -> OwnedFd {
        let space = unsafe { libc::CMSG_SPACE(size_of::<i32>() as u32) } as usize;
        let mut control = vec![0u8; space];
        let mut byte = [0u8; 1];
        let mut iov = libc::iovec {
            iov_base: byte.as_mut_ptr().cast(),
            iov_len: 1,
        };
        // SAFETY: test code; buffers outlive the call.
        unsafe {
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control.as_mut_ptr().cast();
            msg.msg_controllen = space as _;
            assert!(libc::recvmsg(sock.as_raw_fd(), &mut msg, 0) >= 0);
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            assert!(!cmsg.is_null());
            OwnedFd::from_raw_fd(std::ptr::read_unaligned(
                libc::CMSG_DATA(cmsg).cast::<i32>(),
            ))
        }
    }

    #[test]
    fn interface_names_are_fields() {
        // RTM_NEWADDR on index 1: lo, in this process's own namespace.
        let mut ev = event(
            0,
            Direction::ToKernel,
            msg(20, 0x605, &[2, 8, 0, 0, 1, 0, 0, 0]),
        );
        ev.socket.netns = netns_inode();
        let es = entries_of(ev);
        let a = parse(&es[0]);
        assert_eq!(s(&a, "NLMON_IFNAME"), "lo");
        assert!(
            s(&a, "MESSAGE").contains("ifa_index=1(lo)"),
            "{}",
            s(&a, "MESSAGE")
        );
    }

    fn netns_inode() -> u32 {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self/ns/net").unwrap().ino() as u32
    }
}
