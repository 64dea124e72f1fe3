//! The attach socket: serves `nlmon attach` clients a live feed of what the
//! daemon's probes capture (see [`super::protocol`]). Each client has a
//! bounded queue; when it is full, events for that client are skipped and
//! counted, so a slow client never stalls capture.

use std::{
    fs, io,
    os::unix::fs::PermissionsExt,
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{UnixListener, UnixStream},
    sync::mpsc::{self, error::TrySendError},
};

use super::{
    peercred,
    protocol::{self, Control, Format, Request},
    status::Status,
};
use crate::{
    change,
    filter::Select,
    json,
    pipeline::{Decoded, Selected, Selector},
    text::{self, TextOptions},
};

/// State shared between the capture loop and the client tasks.
pub struct Shared {
    clients: Mutex<Vec<Client>>,
    /// Events skipped for slow clients, in total.
    pub skipped: AtomicU64,
    pub refused: AtomicU64,
    /// The latest counters, for `--stats`.
    pub status: Mutex<Status>,
    /// Who may attach and how far behind a client may fall; reloadable.
    pub group: Mutex<String>,
    pub queue: AtomicU64,
}

struct Client {
    /// The client's filter, `--errors`'s held requests.
    selector: Selector,
    tx: mpsc::Sender<Selected>,
    skipped: Arc<AtomicU64>,
}

impl Shared {
    pub fn new(group: &str, queue: usize) -> Self {
        Self {
            clients: Mutex::new(Vec::new()),
            skipped: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            status: Mutex::new(Status::default()),
            group: Mutex::new(group.to_owned()),
            queue: AtomicU64::new(queue as u64),
        }
    }

    /// Offers a decoded event to every client, through its own filter;
    /// never waits.
    pub fn send(&self, d: &Arc<Decoded>) {
        let mut clients = lock(&self.clients);
        clients.retain_mut(|c| {
            let (tx, skipped) = (&c.tx, &c.skipped);
            let offered = c.selector.offer(d, &mut |s| {
                match tx.try_send(s) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) => {
                        skipped.fetch_add(1, Relaxed);
                        self.skipped.fetch_add(1, Relaxed);
                    }
                    Err(TrySendError::Closed(_)) => {
                        return Err(io::ErrorKind::BrokenPipe.into());
                    }
                }
                Ok(())
            });
            offered.is_ok() && !c.tx.is_closed()
        });
    }

    pub fn clients(&self) -> u64 {
        let mut clients = lock(&self.clients);
        clients.retain(|c| !c.tx.is_closed());
        clients.len() as u64
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Binds the socket, replacing a stale one; anyone may connect, and the
/// daemon itself decides with SO_PEERCRED (so a refused user is told why).
pub fn bind(path: &Path) -> io::Result<UnixListener> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let l = UnixListener::bind(path)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o666))?;
    Ok(l)
}

/// Accepts clients until the listener fails.
pub async fn serve(listener: UnixListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    if let Err(e) = handle(stream, &shared).await {
                        log::debug!("attach client: {e}");
                    }
                });
            }
            Err(e) => {
                log::warn!("attach socket: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn handle(stream: UnixStream, shared: &Shared) -> io::Result<()> {
    let peer = peercred::peer(&stream)?;
    let group_name = lock(&shared.group).clone();
    let gid = fs::read_to_string("/etc/group")
        .ok()
        .and_then(|g| peercred::group_gid(&g, &group_name));
    let (rd, mut wr) = stream.into_split();
    if let Some(why) = peercred::refusal(&peer, &group_name, gid) {
        shared.refused.fetch_add(1, Relaxed);
        log::info!("attach refused: {why}");
        wr.write_all(Control::Error { message: why }.line().as_bytes())
            .await?;
        return Ok(());
    }
    let mut rd = BufReader::new(rd);
    let mut line = String::new();
    let mut limited = (&mut rd).take(protocol::MAX_REQUEST);
    let read = limited.read_line(&mut line);
    let request = match tokio::time::timeout(Duration::from_secs(10), read).await {
        Ok(Ok(_)) => protocol::parse_request(&line),
        Ok(Err(e)) => Err(format!("cannot read the request: {e}")),
        Err(_) => Err("no request within 10 s".into()),
    };
    let request = match request {
        Ok(r) => r,
        Err(message) => {
            wr.write_all(Control::Error { message }.line().as_bytes())
                .await?;
            return Ok(());
        }
    };
    if request.stats {
        let s = lock(&shared.status).clone();
        wr.write_all(Control::Stats(s).line().as_bytes()).await?;
        return Ok(());
    }
    // Registered before the answer: a client told it is attached gets
    // every event captured from then on (what it sees first is queued).
    let (tx, mut rx) = mpsc::channel(shared.queue.load(Relaxed).max(1) as usize);
    let skipped = Arc::new(AtomicU64::new(0));
    lock(&shared.clients).push(Client {
        selector: Selector::new(request.filter.clone(), Select::All, None),
        tx,
        skipped: Arc::clone(&skipped),
    });
    let mode = lock(&shared.status).mode.clone();
    wr.write_all(
        Control::Ok {
            version: protocol::VERSION,
            mode,
        }
        .line()
        .as_bytes(),
    )
    .await?;
    log::info!("attach client pid {} uid {} connected", peer.pid, peer.uid);
    let mut buf = Vec::with_capacity(4096);
    let mut scratch = [0u8; 256];
    loop {
        tokio::select! {
            ev = rx.recv() => {
                let Some(ev) = ev else { break };
                buf.clear();
                let n = skipped.swap(0, Relaxed);
                if n > 0 {
                    buf.extend_from_slice(Control::Skipped { count: n }.line().as_bytes());
                }
                render(&mut buf, &ev, &request)?;
                if wr.write_all(&buf).await.is_err() {
                    break;
                }
            }
            // The client sends nothing more: a read returns only when it
            // closes (or misbehaves).
            r = rd.read(&mut scratch) => {
                if !matches!(r, Ok(n) if n > 0) {
                    break;
                }
            }
        }
    }
    log::info!("attach client pid {} left", peer.pid);
    Ok(())
}

/// The lines of `nlmon --json` or of `nlmon` (`-x`, `-v` as asked).
fn render(buf: &mut Vec<u8>, s: &Selected, r: &Request) -> io::Result<()> {
    let msgs = s.messages();
    if r.changes {
        for p in msgs.iter().filter_map(|m| m.change.as_deref()) {
            match r.format {
                Format::Json => change::sink::write_json(buf, p)?,
                Format::Text => buf.extend_from_slice(p.change.line().as_bytes()),
            }
            buf.push(b'\n');
        }
        return Ok(());
    }
    match r.format {
        Format::Json => json::write_lines(buf, s.ev(), &msgs),
        Format::Text => {
            let opts = TextOptions {
                hex: r.hex,
                verbose: r.verbose,
                ..TextOptions::default()
            };
            text::write_event(buf, s.ev(), &msgs, opts)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        daemon::rotate::tests::TempDir,
        event::Direction,
        pipeline::tests::{event, msg, selected},
    };

    fn decoded(ev: crate::event::Event) -> Arc<Decoded> {
        selected(ev).decoded
    }

    /// The line `nlmon --json` writes for a one-message event.
    fn json_line(d: &Decoded) -> String {
        let mut out = Vec::new();
        json::write_lines(&mut out, &d.ev, &d.msgs).unwrap();
        String::from_utf8(out).unwrap().trim_end().to_owned()
    }
    use tokio::io::AsyncBufReadExt;

    async fn connect(path: &Path, req: &str) -> tokio::io::Lines<BufReader<UnixStream>> {
        let mut s = UnixStream::connect(path).await.unwrap();
        s.write_all(req.as_bytes()).await.unwrap();
        BufReader::new(s).lines()
    }

    async fn wait_clients(shared: &Shared, n: u64) {
        for _ in 0..200 {
            if shared.clients() == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("never {n} clients");
    }

    #[tokio::test]
    async fn streams_filtered_events_and_stats() {
        let d = TempDir::new();
        let path = d.0.join("run/nlmon.sock");
        let shared = Arc::new(Shared::new("nlmon", 4));
        lock(&shared.status).mode = "test".into();
        tokio::spawn(serve(bind(&path).unwrap(), Arc::clone(&shared)));
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o666);

        let mut all = connect(&path, "{\"version\":1,\"format\":\"json\"}\n").await;
        let mut nft = connect(
            &path,
            "{\"version\":1,\"filter\":{\"select\":\"all\",\"family\":[\"netfilter\"]}}\n",
        )
        .await;
        assert_eq!(
            all.next_line().await.unwrap().unwrap(),
            "{\"nlmon\":\"ok\",\"version\":1,\"mode\":\"test\"}"
        );
        assert!(
            nft.next_line()
                .await
                .unwrap()
                .unwrap()
                .starts_with("{\"nlmon\":\"ok\"")
        );
        wait_clients(&shared, 2).await;

        let route = decoded(event(0, Direction::ToKernel, msg(20, 0x605, &[0; 8])));
        let nf = decoded(event(12, Direction::ToKernel, msg(0x10, 1, &[0; 4])));
        shared.send(&route);
        shared.send(&nf);
        let a = all.next_line().await.unwrap().unwrap();
        assert_eq!(a, json_line(&route));
        let b = all.next_line().await.unwrap().unwrap();
        assert_eq!(b, json_line(&nf));
        let t = nft.next_line().await.unwrap().unwrap();
        assert!(t.contains("ip[42] → netfilter"), "{t}");

        let mut stats = connect(&path, "{\"version\":1,\"stats\":true}\n").await;
        let s = stats.next_line().await.unwrap().unwrap();
        assert!(
            s.starts_with("{\"nlmon\":\"stats\",\"mode\":\"test\""),
            "{s}"
        );
        assert!(stats.next_line().await.unwrap().is_none());

        drop(all);
        drop(nft);
        wait_clients(&shared, 0).await;
    }

    #[tokio::test]
    async fn a_slow_client_is_skipped_and_told() {
        let d = TempDir::new();
        let path = d.0.join("nlmon.sock");
        let shared = Arc::new(Shared::new("nlmon", 2));
        tokio::spawn(serve(bind(&path).unwrap(), Arc::clone(&shared)));
        let mut slow = connect(&path, "{\"version\":1,\"format\":\"json\"}\n").await;
        slow.next_line().await.unwrap().unwrap();
        wait_clients(&shared, 1).await;
        // The client task runs on this thread only when we yield: 10 events
        // go into a queue of 2.
        let ev = decoded(event(0, Direction::ToKernel, msg(20, 0x605, &[0; 8])));
        for _ in 0..10 {
            shared.send(&ev);
        }
        assert_eq!(shared.skipped.load(Relaxed), 8);
        // The notice comes first: the skips happened before the writer
        // took its first event.
        assert_eq!(
            slow.next_line().await.unwrap().unwrap(),
            "{\"nlmon\":\"skipped\",\"count\":8}"
        );
        for _ in 0..2 {
            let l = slow.next_line().await.unwrap().unwrap();
            assert!(l.starts_with("{\"kind\""), "{l}");
        }
        shared.send(&ev);
        let l = slow.next_line().await.unwrap().unwrap();
        assert!(l.starts_with("{\"kind\""), "{l}");
    }

    #[tokio::test]
    async fn bad_requests_are_answered() {
        let d = TempDir::new();
        let path = d.0.join("nlmon.sock");
        let shared = Arc::new(Shared::new("nlmon", 2));
        tokio::spawn(serve(bind(&path).unwrap(), Arc::clone(&shared)));
        let mut c = connect(&path, "{\"version\":1,\"filter\":{\"dir\":[\"up\"]}}\n").await;
        let l = c.next_line().await.unwrap().unwrap();
        assert!(
            l.starts_with("{\"nlmon\":\"error\"") && l.contains("unknown variant"),
            "{l}"
        );
        assert!(c.next_line().await.unwrap().is_none());
    }
}
