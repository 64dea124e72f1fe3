//! The attach protocol, JSON Lines over the daemon's Unix stream socket
//! (`/run/nlmon/nlmon.sock`):
//!
//! 1. The client sends one [`Request`] line: its filter, the format it
//!    wants (`json`: the lines of `nlmon --json`; `text`: the lines of
//!    `nlmon`; with `changes`, those of `nlmon --changes`), and whether it
//!    only wants the counters (`stats`).
//! 2. The daemon answers one [`Control`] line: `{"nlmon":"ok",...}`, or
//!    `{"nlmon":"error","message":...}` and closes (not allowed, bad
//!    request).
//! 3. For `stats` the answer is `{"nlmon":"stats",...}` and the daemon
//!    closes. Otherwise it streams events, one per line, until either side
//!    closes. When the client fell behind and events were skipped for it,
//!    a `{"nlmon":"skipped","count":N}` line says so before the next event.
//!
//! Control lines always start with `{"nlmon":`; event lines never do.

use serde::{Deserialize, Serialize};

use super::status::Status;
use crate::filter::Filter;

pub const VERSION: u32 = 1;
/// The longest request line the daemon reads.
pub const MAX_REQUEST: u64 = 64 << 10;
pub const CONTROL_PREFIX: &str = "{\"nlmon\":";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Json,
    #[default]
    Text,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub version: u32,
    #[serde(default = "Filter::all")]
    pub filter: Filter,
    #[serde(default)]
    pub format: Format,
    /// Text format: add a hex dump of each message.
    #[serde(default)]
    pub hex: bool,
    /// Text format: add the attribute tree of each message.
    #[serde(default)]
    pub verbose: bool,
    /// Only changes in plain words (the lines of `nlmon --changes`; with
    /// `json`, those of `nlmon --changes --json`).
    #[serde(default)]
    pub changes: bool,
    #[serde(default)]
    pub stats: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "nlmon", rename_all = "snake_case")]
pub enum Control {
    Ok { version: u32, mode: String },
    Error { message: String },
    Skipped { count: u64 },
    Stats(Status),
}

impl Control {
    pub fn line(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_else(|e| {
            format!("{CONTROL_PREFIX}\"error\",\"message\":\"cannot serialize: {e}\"}}")
        });
        s.push('\n');
        s
    }
}

/// Reads a request line; the error is what to tell the client.
pub fn parse_request(line: &str) -> Result<Request, String> {
    let r: Request =
        serde_json::from_str(line.trim()).map_err(|e| format!("bad attach request: {e}"))?;
    if r.version != VERSION {
        return Err(format!(
            "attach protocol version {} is not supported (this daemon speaks {VERSION})",
            r.version
        ));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{Family, Select};

    #[test]
    fn requests_round_trip_and_default() {
        let r = parse_request("{\"version\":1}\n").unwrap();
        assert_eq!(r.filter, Filter::all());
        assert_eq!(
            (r.format, r.hex, r.stats, r.changes),
            (Format::Text, false, false, false)
        );
        let mut f = Filter::all();
        f.family.push(Family(12));
        f.select = Some(Select::Changes);
        let r = Request {
            version: VERSION,
            filter: f,
            format: Format::Json,
            hex: false,
            verbose: false,
            changes: true,
            stats: false,
        };
        let line = serde_json::to_string(&r).unwrap();
        assert_eq!(parse_request(&line).unwrap(), r);
        assert!(line.contains("\"family\":[\"netfilter\"]"), "{line}");
    }

    #[test]
    fn bad_requests_say_why() {
        let e = parse_request("{\"version\":2}").unwrap_err();
        assert!(e.contains("version 2"), "{e}");
        let e = parse_request("{\"version\":1,\"filter\":{\"family\":[\"x\"]}}").unwrap_err();
        assert!(e.contains("unknown netlink family \"x\""), "{e}");
        let e = parse_request("{\"version\":1,\"stat\":true}").unwrap_err();
        assert!(e.contains("unknown field `stat`"), "{e}");
        assert!(parse_request("hello").is_err());
    }

    #[test]
    fn control_lines_are_recognisable() {
        for c in [
            Control::Ok {
                version: 1,
                mode: "fentry".into(),
            },
            Control::Error {
                message: "no".into(),
            },
            Control::Skipped { count: 3 },
            Control::Stats(Status::default()),
        ] {
            let line = c.line();
            assert!(line.starts_with(CONTROL_PREFIX), "{line}");
            assert!(line.ends_with('\n'));
            assert_eq!(serde_json::from_str::<Control>(&line).unwrap(), c);
        }
    }
}
