//! Command line arguments of `nlmon daemon` and `nlmon attach`.

use std::path::PathBuf;

use clap::Args;

use super::{
    config,
    protocol::{Format, Request, VERSION},
};
use crate::filter::{Filter, Select};

/// Options of `nlmon daemon`, which runs headless from a config file (what
/// the systemd unit starts).
#[derive(Debug, Args)]
pub struct DaemonArgs {
    /// The configuration file; without it /etc/nlmon/nlmon.toml, or the
    /// defaults if that does not exist.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

impl DaemonArgs {
    /// The config path and whether it was named explicitly.
    pub fn config_path(&self) -> (PathBuf, bool) {
        match &self.config {
            Some(p) => (p.clone(), true),
            None => (config::DEFAULT_PATH.into(), false),
        }
    }
}

/// Options of `nlmon attach`: a live feed from the running daemon, without
/// loading a second set of probes.
#[derive(Debug, Args)]
pub struct AttachArgs {
    /// The daemon's socket.
    #[arg(long, value_name = "PATH", default_value = "/run/nlmon/nlmon.sock")]
    pub socket: PathBuf,
    /// Print the daemon's counters (capture, sinks, clients, loss) and exit.
    #[arg(long)]
    pub stats: bool,
    #[command(flatten)]
    pub filter: Filter,
    /// Only changes, in plain words, each once its result is known (the
    /// lines of `nlmon --changes`; with --json, those of `nlmon --changes
    /// --json`).
    #[arg(long)]
    pub changes: bool,
    /// Print JSON Lines (the schema of `nlmon --json`).
    #[arg(long)]
    pub json: bool,
    /// Add a hex dump of every message.
    #[arg(short = 'x', long)]
    pub hex: bool,
    /// Add the full attribute tree of every message.
    #[arg(short = 'v', long)]
    pub verbose: bool,
}

impl AttachArgs {
    pub fn request(&self) -> Request {
        Request {
            version: VERSION,
            filter: Filter {
                select: Some(if self.changes {
                    Select::Changes
                } else {
                    self.filter.select_or(Select::All)
                }),
                ..self.filter.clone()
            },
            format: if self.json {
                Format::Json
            } else {
                Format::Text
            },
            hex: self.hex,
            verbose: self.verbose,
            changes: self.changes,
            stats: self.stats,
        }
    }
}
