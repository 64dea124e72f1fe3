//! nlmon: a system-wide netlink monitor.
//!
//! [`capture`] loads and attaches the eBPF programs and drains their ring
//! buffer into [`event::Event`]s; [`print`] renders them
//! (`nlmon_common::nlmsg` walks the netlink messages in an event).

pub mod btf;
pub mod capture;
pub mod change;
pub mod cli;
pub mod daemon;
pub mod event;
pub mod filter;
pub mod genl_ids;
pub mod history;
pub mod ifnames;
pub mod json;
pub mod layout;
pub mod link;
pub mod live;
pub mod output;
pub mod pcapng;
pub mod pipeline;
pub mod print;
pub mod privileges;
pub mod protocol;
pub mod run_cmd;
pub mod summary;
pub mod text;
pub mod tracefs;
