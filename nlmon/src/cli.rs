//! The command line: `nlmon [OPTIONS] [-- CMD ARGS...]` and its
//! subcommands. In the library so that the man page, completions and other
//! subcommands are generated from the one definition.

use std::ffi::OsString;

use clap::{Args, Parser, Subcommand};

use crate::{
    capture::AttachMode,
    daemon::args::{AttachArgs, DaemonArgs},
    protocol,
};

/// See every netlink message on this machine, with the process that sent or
/// received it.
#[derive(Debug, Parser)]
#[command(
    name = "nlmon",
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = "Exit codes: 0 normal end (also when the output pipe closes), 1 capture \
                  failed, 2 bad arguments; with -- CMD, the command's own exit status \
                  (128+N when killed by signal N, 127 when it cannot be run)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub live: LiveArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run as a service: capture into the journal, a JSON Lines file and
    /// the attach socket, configured by /etc/nlmon/nlmon.toml.
    Daemon(DaemonArgs),
    /// Show the running daemon's live feed (root and members of group
    /// nlmon), or its counters with --stats.
    Attach(AttachArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout.
    Man,
}

/// Options of the live feed (and of `-r`).
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// How to hook the kernel: auto picks fentry, else kprobe, else syscall
    /// tracepoints.
    #[arg(long, value_enum, default_value_t = AttachMode::Auto)]
    pub attach: AttachMode,
    /// Only processes with this name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub comm: Vec<String>,
    /// Only this process id (repeatable).
    #[arg(long, value_name = "PID")]
    pub pid: Vec<u32>,
    /// Only this netlink family: route, generic, netfilter, sock_diag,
    /// audit, uevent, xfrm, ... or a number (repeatable).
    #[arg(long, value_name = "FAMILY", value_parser = parse_family)]
    pub family: Vec<u32>,
    /// Bytes kept per message (up to 65536).
    #[arg(long, default_value_t = nlmon_common::DEFAULT_SNAPLEN)]
    pub snaplen: u32,
    /// Ring buffer size in bytes (a power of two).
    #[arg(long, default_value_t = 8 << 20)]
    pub ring_size: u32,
    /// Add a hex dump of every message.
    #[arg(short = 'x', long)]
    pub hex: bool,
    /// Print JSON Lines: one object per message.
    #[arg(long)]
    pub json: bool,
    /// Stop after this many messages.
    #[arg(long, value_name = "N")]
    pub count: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<f64>,
    /// Run this command as the invoking user (SUDO_UID/SUDO_GID under sudo)
    /// and trace it and its descendants from its first system call; nlmon
    /// exits with its exit status.
    #[arg(last = true, value_name = "CMD")]
    pub cmd: Vec<OsString>,
}

fn parse_family(s: &str) -> Result<u32, String> {
    protocol::parse(s).ok_or_else(|| {
        format!(
            "unknown netlink family {s:?}; known: {} (or a number below 32)",
            protocol::all_names().collect::<Vec<_>>().join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn command_after_double_dash() {
        let cli = Cli::try_parse_from(["nlmon", "--comm", "ip", "--", "ip", "-n", "x"]).unwrap();
        assert_eq!(cli.live.cmd, ["ip", "-n", "x"]);
        assert_eq!(cli.live.comm, ["ip"]);
        assert!(cli.command.is_none());
    }
}
