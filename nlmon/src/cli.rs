//! The command line: `nlmon [OPTIONS] [-- CMD ARGS...]` and its
//! subcommands. In the library so that the man page, completions and other
//! subcommands are generated from the one definition.

use std::{ffi::OsString, path::PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::{
    capture::{AttachMode, Options},
    daemon::args::{AttachArgs, DaemonArgs},
    filter::Filter,
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
                  (128+N when killed by signal N, 126 when it cannot be executed, 127 when it is not found)."
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
    Attach(Box<AttachArgs>),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout.
    Man,
    /// The timeline of changes to objects: when, who, what, the result
    /// (from the daemon's records, or the JSON Lines and pcapng files given).
    History(crate::history::HistoryArgs),
}

/// Options of the live feed (and of `-r`).
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// How to hook the kernel: auto picks fentry, else kprobe, else syscall
    /// tracepoints.
    #[arg(long, value_enum, default_value_t = AttachMode::Auto)]
    pub attach: AttachMode,
    #[command(flatten)]
    pub filter: Filter,
    /// Write the messages to a pcapng file (LINKTYPE_NETLINK, one packet
    /// per message, process and direction in each packet's comment)
    /// instead of printing them.
    #[arg(short = 'w', long = "write", value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Read messages from a pcap or pcapng file (nlmon -w, or tcpdump on a
    /// kernel nlmon device) instead of capturing.
    #[arg(short = 'r', long = "read", value_name = "FILE", conflicts_with_all = ["cmd", "write"])]
    pub read: Option<PathBuf>,
    /// Bytes kept per message (up to 65536).
    #[arg(long, default_value_t = nlmon_common::DEFAULT_SNAPLEN)]
    pub snaplen: u32,
    /// Ring buffer size in bytes (a power of two).
    #[arg(long, default_value_t = 8 << 20)]
    pub ring_size: u32,
    /// Add a hex dump of every message, with the byte ranges of its parts.
    #[arg(short = 'x', long)]
    pub hex: bool,
    /// Add the full attribute tree of every message.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Colour the text: auto (on a terminal), always, never.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// Show key material (keys, passwords) instead of <redacted>.
    #[arg(long)]
    pub show_secrets: bool,
    /// List the message type names --type accepts, and exit.
    #[arg(long)]
    pub list_types: bool,
    /// Print JSON Lines: one object per message.
    #[arg(long)]
    pub json: bool,
    /// Only changes, in plain words, each once its result is known
    /// (with --json: each change's line gains a `change` object).
    #[arg(long, conflicts_with = "write")]
    pub changes: bool,
    #[command(flatten)]
    pub conflicts: crate::change::conflict::ConflictArgs,
    /// Stop after this many records (captured buffers) shown.
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

/// `--color`
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// Whether to colour output going to stdout.
    pub fn on_stdout(self) -> bool {
        use std::io::IsTerminal;
        match self {
            Self::Always => true,
            Self::Never => false,
            Self::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        }
    }
}

impl LiveArgs {
    /// Capture options, with the filters the kernel evaluates.
    pub fn capture_options(&self, filter: &Filter) -> Options {
        let mut opts = Options {
            attach: self.attach,
            snaplen: self.snaplen,
            ring_size: self.ring_size,
            ..Options::default()
        };
        filter.kernel_options(&mut opts);
        opts
    }
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
        assert_eq!(cli.live.filter.comm, ["ip"]);
        assert!(cli.command.is_none());
    }
}
