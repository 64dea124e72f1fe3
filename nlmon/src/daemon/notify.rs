//! The systemd notification protocol: `KEY=value` datagrams to the socket
//! named by `$NOTIFY_SOCKET` (a path, or an abstract name written with a
//! leading `@`), and the watchdog interval from `$WATCHDOG_USEC`.

use std::{
    io,
    os::{
        linux::net::SocketAddrExt,
        unix::net::{SocketAddr, UnixDatagram},
    },
    time::Duration,
};

pub struct Notifier {
    target: Option<(UnixDatagram, SocketAddr)>,
    watchdog: Option<Duration>,
}

impl Notifier {
    /// From the environment systemd gives a `Type=notify` service; without
    /// one every call does nothing.
    pub fn from_env() -> io::Result<Self> {
        let socket = std::env::var_os("NOTIFY_SOCKET");
        let watchdog = watchdog_interval(
            std::env::var("WATCHDOG_USEC").ok().as_deref(),
            std::env::var("WATCHDOG_PID").ok().as_deref(),
            std::process::id(),
        );
        let target = match socket {
            Some(s) => Some(address(&s.to_string_lossy())?),
            None => None,
        };
        Ok(Self {
            target: target
                .map(|a| UnixDatagram::unbound().map(|d| (d, a)))
                .transpose()?,
            watchdog,
        })
    }

    /// How often to send `WATCHDOG=1`: half the interval systemd expects.
    pub fn watchdog(&self) -> Option<Duration> {
        self.watchdog
    }

    pub fn is_active(&self) -> bool {
        self.target.is_some()
    }

    /// Sends a state (`READY=1`, `STATUS=...`); failures are logged only,
    /// as systemd may simply not be listening.
    pub fn notify(&self, state: &str) {
        if let Some((sock, addr)) = &self.target
            && let Err(e) = sock.send_to_addr(state.as_bytes(), addr)
        {
            log::debug!("sd_notify {state:?}: {e}");
        }
    }
}

/// `$NOTIFY_SOCKET` as an address: `@name` is abstract.
pub fn address(s: &str) -> io::Result<SocketAddr> {
    match s.strip_prefix('@') {
        Some(name) => SocketAddr::from_abstract_name(name.as_bytes()),
        None if s.starts_with('/') => SocketAddr::from_pathname(s),
        None => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("NOTIFY_SOCKET {s:?} is neither a path nor an abstract name"),
        )),
    }
}

/// Half of `$WATCHDOG_USEC`, if it is set and meant for this process.
fn watchdog_interval(usec: Option<&str>, pid: Option<&str>, me: u32) -> Option<Duration> {
    let usec: u64 = usec?.trim().parse().ok().filter(|&u| u > 0)?;
    if let Some(pid) = pid
        && pid.trim().parse::<u32>().ok() != Some(me)
    {
        return None;
    }
    Some(Duration::from_micros(usec / 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::rotate::tests::TempDir;

    fn recv(s: &UnixDatagram) -> String {
        let mut b = [0u8; 256];
        let n = s.recv(&mut b).unwrap();
        String::from_utf8_lossy(&b[..n]).into_owned()
    }

    #[test]
    fn sends_to_a_path_and_an_abstract_socket() {
        let d = TempDir::new();
        let path = d.0.join("notify");
        let server = UnixDatagram::bind(&path).unwrap();
        let n = Notifier {
            target: Some((
                UnixDatagram::unbound().unwrap(),
                address(path.to_str().unwrap()).unwrap(),
            )),
            watchdog: None,
        };
        n.notify("READY=1");
        assert_eq!(recv(&server), "READY=1");

        let name = format!("nlmon-test-notify-{}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let server = UnixDatagram::bind_addr(&addr).unwrap();
        let n = Notifier {
            target: Some((
                UnixDatagram::unbound().unwrap(),
                address(&format!("@{name}")).unwrap(),
            )),
            watchdog: None,
        };
        n.notify("STATUS=ok");
        assert_eq!(recv(&server), "STATUS=ok");
        assert!(address("relative").is_err());
    }

    #[test]
    fn watchdog_is_half_the_interval_and_only_ours() {
        assert_eq!(
            watchdog_interval(Some("30000000"), None, 5),
            Some(Duration::from_secs(15))
        );
        assert_eq!(
            watchdog_interval(Some("30000000"), Some("5"), 5),
            Some(Duration::from_secs(15))
        );
        assert_eq!(watchdog_interval(Some("30000000"), Some("6"), 5), None);
        assert_eq!(watchdog_interval(Some("0"), None, 5), None);
        assert_eq!(watchdog_interval(Some("x"), None, 5), None);
        assert_eq!(watchdog_interval(None, None, 5), None);
    }
}
