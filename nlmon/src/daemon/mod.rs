//! `nlmon daemon` (a systemd service capturing into the journal, files and
//! an attach socket) and `nlmon attach` (a live feed from it).
//!
//! [`run`] is the main loop over the command's [`crate::pipeline`];
//! [`config`] the TOML file; [`sink`] runs each of [`journal`],
//! [`jsonfile`], [`pcapfile`] behind a bounded queue; [`server`], [`protocol`] and
//! [`peercred`] are the attach socket, [`client`] its other end;
//! [`notify`] talks to systemd; [`status`] holds the counters.

pub mod args;
pub mod client;
pub mod config;
pub mod journal;
pub mod jsonfile;
pub mod metrics;
pub mod notify;
pub mod pcapfile;
pub mod peercred;
pub mod protocol;
pub mod rotate;
pub mod run;
pub mod server;
pub mod sink;
pub mod sinks;
pub mod status;
