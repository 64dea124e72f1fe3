//! `nlmon attach`: connects to the daemon's socket, sends the request and
//! copies the feed to the output; control lines become messages on stderr.

use std::{
    io::{self, BufRead, BufReader, Write},
    os::unix::net::UnixStream,
    path::{Path, PathBuf},
};

use super::protocol::{CONTROL_PREFIX, Control, Request};

#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("cannot connect to the nlmon daemon at {}: {source} (is nlmon.service running?)", path.display())]
    Connect { path: PathBuf, source: io::Error },
    #[error("the daemon refused: {0}")]
    Refused(String),
    #[error("the daemon sent something unexpected: {0:?}")]
    Protocol(String),
    #[error("the daemon closed the connection")]
    Closed,
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Runs one attach session, writing events to `out` and notices to `err`.
pub fn attach(
    socket: &Path,
    request: &Request,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<(), AttachError> {
    let mut stream = UnixStream::connect(socket).map_err(|source| AttachError::Connect {
        path: socket.to_owned(),
        source,
    })?;
    let mut line = serde_json::to_string(request).map_err(io::Error::from)?;
    line.push('\n');
    // A refusing daemon may close before reading: its answer says why.
    let sent = stream.write_all(line.as_bytes());
    let mut lines = BufReader::new(stream).lines();
    let first = match lines.next() {
        Some(l) => l?,
        None => {
            sent?;
            return Err(AttachError::Closed);
        }
    };
    match serde_json::from_str::<Control>(&first) {
        Ok(Control::Error { message }) => return Err(AttachError::Refused(message)),
        Ok(Control::Stats(s)) => {
            out.write_all(s.report().as_bytes())?;
            return Ok(out.flush()?);
        }
        Ok(Control::Ok { mode, .. }) => {
            writeln!(err, "nlmon: attached to the daemon (capturing with {mode})")?;
        }
        _ => return Err(AttachError::Protocol(first)),
    }
    for l in lines {
        let l = l?;
        if l.starts_with(CONTROL_PREFIX) {
            match serde_json::from_str::<Control>(&l) {
                Ok(Control::Skipped { count }) => writeln!(
                    err,
                    "nlmon: {count} events skipped: this client read too slowly"
                )?,
                _ => writeln!(err, "nlmon: {l}")?,
            }
            continue;
        }
        out.write_all(l.as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    writeln!(err, "nlmon: the daemon closed the connection")?;
    Ok(())
}
