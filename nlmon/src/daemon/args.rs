//! Command line arguments of `nlmon daemon` and `nlmon attach`.

use std::path::PathBuf;

use clap::Args;

use super::{
    config,
    filter::{Dir, Family, Filter, Select},
    protocol::{Format, Request, VERSION},
};

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
    /// Only processes with this name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub comm: Vec<String>,
    /// Only this process id (repeatable).
    #[arg(long, value_name = "PID")]
    pub pid: Vec<u32>,
    /// Only this netlink family (route, generic, netfilter, ... or a number;
    /// repeatable).
    #[arg(long, value_name = "FAMILY", value_parser = parse_family)]
    pub family: Vec<Family>,
    /// Only this message type, e.g. RTM_NEWADDR (repeatable).
    #[arg(long = "type", value_name = "TYPE")]
    pub types: Vec<String>,
    /// Only this direction (repeatable).
    #[arg(long, value_enum, value_name = "DIR")]
    pub dir: Vec<Dir>,
    /// Only this network namespace inode (repeatable).
    #[arg(long, value_name = "INODE")]
    pub netns: Vec<u32>,
    /// Only failed calls and error replies.
    #[arg(long)]
    pub errors: bool,
    /// Only changes (as the daemon records by default), not GETs and dumps.
    #[arg(long)]
    pub changes: bool,
    /// Print JSON Lines (the schema of `nlmon --json`).
    #[arg(long)]
    pub json: bool,
    /// Add a hex dump of every message.
    #[arg(short = 'x', long)]
    pub hex: bool,
}

fn parse_family(s: &str) -> Result<Family, String> {
    Family::try_from(s.to_owned())
}

impl AttachArgs {
    pub fn request(&self) -> Request {
        Request {
            version: VERSION,
            filter: Filter {
                select: if self.changes {
                    Select::Changes
                } else {
                    Select::All
                },
                comm: self.comm.clone(),
                pid: self.pid.clone(),
                family: self.family.clone(),
                types: self.types.clone(),
                dir: self.dir.clone(),
                netns: self.netns.clone(),
                errors: self.errors,
            },
            format: if self.json {
                Format::Json
            } else {
                Format::Text
            },
            hex: self.hex,
            stats: self.stats,
        }
    }
}
