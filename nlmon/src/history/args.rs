//! `nlmon history`'s command line.

use std::path::PathBuf;

use clap::Args;

use crate::change::conflict::ConflictArgs;

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Read these files (JSON Lines of nlmon --json, or pcapng of nlmon -w)
    /// instead of the daemon's records (repeatable).
    #[arg(long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,
    /// Only changes at or after TIME: `2026-12-07 12:00[:00]` (UTC),
    /// `12:00` (today), `-1h` (`s`, `m`, `h`, `d` ago), `@UNIXSECONDS`.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only changes at or before TIME (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only changes made by processes with this name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub comm: Vec<String>,
    /// Only changes in this network namespace: a name under /run/netns or
    /// an inode number (repeatable).
    #[arg(long, value_name = "NETNS")]
    pub netns: Vec<String>,
    /// One JSON object per change (or per conflict with --conflicts).
    #[arg(long)]
    pub json: bool,
    /// List conflicts: objects changed back and forth by several writers,
    /// each episode with its writers and counts.
    #[arg(long)]
    pub conflicts: bool,
    #[command(flatten)]
    pub thresholds: ConflictArgs,
    /// The daemon's configuration (where its JSON Lines file is).
    #[arg(long, value_name = "PATH", default_value = "/etc/nlmon/nlmon.toml")]
    pub config: PathBuf,
    /// The object, as a person names it: `dev veth0`, `address
    /// 10.0.0.1/24`, `route 10.10.0.0/16 table main`, `neigh 10.0.0.2`,
    /// `rule`, `qdisc dev eth0`, `nft table inet filter`, `nft rule inet
    /// filter input`, `xfrm state`, ... Addresses match every object under
    /// a prefix (`address 10.0.0.0/8`), `*` any characters (`dev veth*`).
    #[arg(value_name = "OBJECT", trailing_var_arg = true)]
    pub object: Vec<String>,
}
