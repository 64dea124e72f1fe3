//! The daemon's TOML configuration (`/etc/nlmon/nlmon.toml`). Every key is
//! optional; `packaging/nlmon.toml` documents each with its default. A bad
//! file is an error naming the file, line, key and what is wrong.

use std::{
    io,
    path::{Path, PathBuf},
};

use serde::{Deserialize, Deserializer, de::Error as _};

use crate::capture::AttachMode;
use crate::filter::{Filter, Select};

pub const DEFAULT_PATH: &str = "/etc/nlmon/nlmon.toml";

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub capture: CaptureConfig,
    pub filter: Filter,
    pub decode: DecodeConfig,
    pub journal: JournalConfig,
    #[serde(deserialize_with = "json_sink")]
    pub json: FileSinkConfig,
    #[serde(deserialize_with = "pcapng_sink")]
    pub pcapng: FileSinkConfig,
    pub attach: AttachConfig,
    pub status: StatusConfig,
    pub metrics: MetricsConfig,
    pub conflicts: ConflictConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            capture: CaptureConfig::default(),
            filter: Filter {
                select: Some(Select::Changes),
                ..Filter::default()
            },
            decode: DecodeConfig::default(),
            journal: JournalConfig::default(),
            json: FileSinkConfig::json(),
            pcapng: FileSinkConfig::pcapng(),
            attach: AttachConfig::default(),
            status: StatusConfig::default(),
            metrics: MetricsConfig::default(),
            conflicts: ConflictConfig::default(),
        }
    }
}

/// How the probes are loaded; changing these needs a restart.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CaptureConfig {
    pub attach: AttachMode,
    #[serde(deserialize_with = "snaplen")]
    pub snaplen: u32,
    #[serde(deserialize_with = "ring_size")]
    pub ring_size: u32,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        Self {
            attach: AttachMode::Auto,
            snaplen: nlmon_common::DEFAULT_SNAPLEN,
            ring_size: 8 << 20,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecodeConfig {
    /// Show keys, passwords and other secrets instead of redacting them.
    pub show_secrets: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JournalConfig {
    pub enabled: bool,
    pub socket: PathBuf,
}

impl Default for JournalConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            socket: "/run/systemd/journal/socket".into(),
        }
    }
}

/// A file sink with size-based rotation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSinkConfig {
    pub enabled: bool,
    pub path: PathBuf,
    /// Rotate once the file would grow past this many bytes.
    pub max_size: u64,
    /// Rotated files kept (`path.1` is the newest).
    pub keep: u32,
}

/// A file sink table as written: what is left out keeps its default,
/// which differs per sink (JSON is on by default, pcapng off).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSinkTable {
    enabled: Option<bool>,
    path: Option<PathBuf>,
    #[serde(default, deserialize_with = "some_positive_u64")]
    max_size: Option<u64>,
    keep: Option<u32>,
}

impl FileSinkConfig {
    pub fn json() -> Self {
        Self {
            enabled: true,
            path: "/var/log/nlmon/nlmon.jsonl".into(),
            max_size: 100 << 20,
            keep: 5,
        }
    }

    pub fn pcapng() -> Self {
        Self {
            enabled: false,
            path: "/var/log/nlmon/nlmon.pcapng".into(),
            max_size: 100 << 20,
            keep: 5,
        }
    }

    fn from_table(t: FileSinkTable, d: Self) -> Self {
        Self {
            enabled: t.enabled.unwrap_or(d.enabled),
            path: t.path.unwrap_or(d.path),
            max_size: t.max_size.unwrap_or(d.max_size),
            keep: t.keep.unwrap_or(d.keep),
        }
    }
}

fn json_sink<'de, D: Deserializer<'de>>(d: D) -> Result<FileSinkConfig, D::Error> {
    FileSinkTable::deserialize(d).map(|t| FileSinkConfig::from_table(t, FileSinkConfig::json()))
}

fn pcapng_sink<'de, D: Deserializer<'de>>(d: D) -> Result<FileSinkConfig, D::Error> {
    FileSinkTable::deserialize(d).map(|t| FileSinkConfig::from_table(t, FileSinkConfig::pcapng()))
}

fn some_positive_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    positive_u64(d).map(Some)
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttachConfig {
    pub enabled: bool,
    pub socket: PathBuf,
    /// Besides root, members of this group may attach.
    pub group: String,
    /// Events queued per client; a client further behind is skipped.
    #[serde(deserialize_with = "positive_usize")]
    pub queue: usize,
}

impl Default for AttachConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            socket: "/run/nlmon/nlmon.sock".into(),
            group: "nlmon".into(),
            queue: 4096,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatusConfig {
    /// Seconds between loss reports in the log (only when something was
    /// lost since the last one).
    #[serde(deserialize_with = "positive_u64")]
    pub interval: u64,
    /// Events queued per sink; beyond it events for that sink are dropped
    /// and counted, so a slow sink never stalls capture.
    #[serde(deserialize_with = "positive_usize")]
    pub queue: usize,
}

impl Default for StatusConfig {
    fn default() -> Self {
        Self {
            interval: 60,
            queue: 65536,
        }
    }
}

/// When changes of one object are a conflict (see `change::conflict`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConflictConfig {
    /// At least this many changes of one object...
    #[serde(deserialize_with = "positive_usize")]
    pub changes: usize,
    /// ...by at least this many writers...
    #[serde(deserialize_with = "positive_usize")]
    pub writers: usize,
    /// ...within this many seconds.
    #[serde(deserialize_with = "positive_u64")]
    pub window: u64,
}

impl Default for ConflictConfig {
    fn default() -> Self {
        let d = crate::change::conflict::Config::default();
        Self {
            changes: d.min_changes,
            writers: d.min_writers,
            window: d.window.as_secs(),
        }
    }
}

impl ConflictConfig {
    pub fn thresholds(&self) -> crate::change::conflict::Config {
        crate::change::conflict::Config {
            min_changes: self.changes,
            min_writers: self.writers,
            window: std::time::Duration::from_secs(self.window),
        }
    }
}

/// Counters for Prometheus (see `metrics.rs`), written every
/// `status.interval` seconds.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Written only while the file's directory exists (node_exporter's
    /// package creates it).
    pub enabled: bool,
    pub path: PathBuf,
    /// Processes whose changes are counted by name; the rest are "other".
    #[serde(deserialize_with = "positive_usize")]
    pub top_processes: usize,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            path: PathBuf::from("/var/lib/prometheus/node-exporter/nlmon.prom"),
            top_processes: 20,
        }
    }
}

fn snaplen<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    if v == 0 || v > nlmon_common::MAX_SNAPLEN {
        return Err(D::Error::custom(format!(
            "snaplen {v} is outside 1..={}",
            nlmon_common::MAX_SNAPLEN
        )));
    }
    Ok(v)
}

fn ring_size<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    if !v.is_power_of_two() || v < 4096 {
        return Err(D::Error::custom(format!(
            "ring_size {v} is not a power of two of at least 4096"
        )));
    }
    Ok(v)
}

fn positive_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = u64::deserialize(d)?;
    if v == 0 {
        return Err(D::Error::custom("must be at least 1"));
    }
    Ok(v)
}

fn positive_usize<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    positive_u64(d).map(|v| v as usize)
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{}:{line}: {key}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        /// The key at fault, with its table (`filter.family`).
        key: String,
        message: String,
    },
}

impl Config {
    /// Reads a config file. A missing file at the default path means the
    /// defaults; a missing file named explicitly is an error.
    pub fn load(path: &Path, explicit: bool) -> Result<Self, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text, path),
            Err(e) if e.kind() == io::ErrorKind::NotFound && !explicit => {
                log::info!("{} does not exist: using the defaults", path.display());
                Ok(Self::default())
            }
            Err(source) => Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Parses config text; `path` is only for error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let mut c: Self = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| s.start).unwrap_or(0).min(text.len());
            let (line, key) = locate(text, at);
            ConfigError::Invalid {
                path: path.to_owned(),
                line,
                key,
                message: e.message().trim().to_owned(),
            }
        })?;
        // The daemon records changes unless told otherwise.
        c.filter.select.get_or_insert(Select::Changes);
        Ok(c)
    }
}

/// The 1-based line of byte `at` and the dotted key written there (or, for
/// a value continued over several lines, on the nearest line above).
fn locate(text: &str, at: usize) -> (usize, String) {
    let line_no = text[..at].matches('\n').count();
    let lines: Vec<&str> = text.lines().collect();
    let mut key = None;
    let mut table = String::new();
    for (i, l) in lines.iter().enumerate().take(line_no + 1).rev() {
        let l = l.trim();
        if let Some(h) = l.strip_prefix('[') {
            table = h
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .into();
            if i == line_no {
                // The header itself is at fault (an unknown table).
                return (line_no + 1, table);
            }
            break;
        }
        if key.is_none()
            && !l.starts_with('#')
            && let Some((k, _)) = l.split_once('=')
        {
            key = Some(k.trim().trim_matches('"').to_owned());
        }
    }
    let key = match (table.is_empty(), key) {
        (_, None) if table.is_empty() => "(top level)".into(),
        (_, None) => table,
        (true, Some(k)) => k,
        (false, Some(k)) => format!("{table}.{k}"),
    };
    (line_no + 1, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::Family;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("nlmon.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn empty_means_defaults() {
        assert_eq!(parse("").unwrap(), Config::default());
        let c = Config::default();
        assert_eq!(c.filter.select, Some(Select::Changes));
        assert!(c.journal.enabled && c.json.enabled && !c.pcapng.enabled);
    }

    #[test]
    fn the_shipped_file_is_the_defaults() {
        let text = include_str!("../../../packaging/nlmon.toml");
        assert_eq!(parse(text).unwrap(), Config::default());
        // And it documents every key: uncommenting each "# key = value"
        // line still parses to the defaults.
        let uncommented: String = text
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest) if rest.contains(" = ") && !rest.starts_with(' ') => rest,
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        assert_ne!(uncommented, text);
        assert_eq!(parse(&uncommented).unwrap(), Config::default());
    }

    #[test]
    fn values_are_read() {
        let c = parse(
            "[filter]\nselect = \"all\"\nfamily = [\"route\", \"netfilter\"]\n\
             [json]\npath = \"/tmp/x.jsonl\"\nmax_size = 1000\nkeep = 2\n\
             [capture]\nattach = \"fentry\"\n",
        )
        .unwrap();
        assert_eq!(c.filter.select, Some(Select::All));
        assert_eq!(c.filter.family, [Family(0), Family(12)]);
        assert_eq!(c.json.path, Path::new("/tmp/x.jsonl"));
        assert_eq!((c.json.max_size, c.json.keep), (1000, 2));
        assert!(c.json.enabled, "what is left out keeps its default");
        assert!(!c.pcapng.enabled);
        assert_eq!(c.capture.attach, AttachMode::Fentry);
        let c = parse("[metrics]\npath = \"/tmp/m.prom\"\ntop_processes = 3\n").unwrap();
        assert_eq!(c.metrics.path, Path::new("/tmp/m.prom"));
        assert_eq!(c.metrics.top_processes, 3);
        assert!(c.metrics.enabled);
        let e = parse("[metrics]\ntop_processes = 0\n").unwrap_err();
        assert!(
            e.starts_with("nlmon.toml:2: metrics.top_processes: must be at least 1"),
            "{e}"
        );
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let e = parse("[filter]\ncomm = [\"ip\"]\nfamily = [\"rout\"]\n").unwrap_err();
        assert!(
            e.starts_with("nlmon.toml:3: filter.family: unknown netlink family \"rout\""),
            "{e}"
        );
        let e = parse("[capture]\n\nsnaplen = 0\n").unwrap_err();
        assert!(
            e.starts_with("nlmon.toml:3: capture.snaplen: snaplen 0"),
            "{e}"
        );
        let e = parse("[capture]\nsnaplen = \"big\"\n").unwrap_err();
        assert!(
            e.starts_with("nlmon.toml:2: capture.snaplen: invalid type"),
            "{e}"
        );
        let e = parse("[journal]\nenabled = true\nsokcet = \"/x\"\n").unwrap_err();
        assert!(
            e.starts_with("nlmon.toml:3: journal.sokcet: unknown field `sokcet`"),
            "{e}"
        );
        let e = parse("# a comment\n[jsn]\npath = \"/x\"\n").unwrap_err();
        assert!(
            e.starts_with("nlmon.toml:2: jsn: unknown field `jsn`"),
            "{e}"
        );
        let e = parse("[filter]\ndir = [\n  \"send\",\n  \"up\",\n]\n").unwrap_err();
        assert!(
            e.starts_with("nlmon.toml:4: filter.dir: unknown variant `up`"),
            "{e}"
        );
        let e = parse("[status]\ninterval = 0\n").unwrap_err();
        assert!(
            e.starts_with("nlmon.toml:2: status.interval: must be at least 1"),
            "{e}"
        );
        let e = parse("[capture\n").unwrap_err();
        assert!(e.starts_with("nlmon.toml:1: "), "{e}");
    }

    #[test]
    fn missing_files() {
        let nowhere = Path::new("/nonexistent/nlmon.toml");
        assert_eq!(Config::load(nowhere, false).unwrap(), Config::default());
        let e = Config::load(nowhere, true).unwrap_err().to_string();
        assert!(e.contains("/nonexistent/nlmon.toml"), "{e}");
    }
}
