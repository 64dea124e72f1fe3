//! nlmon: a system-wide netlink monitor.
//!
//! [`capture`] loads and attaches the eBPF programs and drains their ring
//! buffer into [`event::Event`]s; [`pipeline`] decodes, links and filters
//! them once for every output; [`text`], [`json`], [`pcapng`] and the
//! daemon's journal are views over the decoded events.

pub mod attrib;
pub mod btf;
pub mod capture;
pub mod change;
pub mod changes;
pub mod cli;
pub mod daemon;
pub mod event;
pub mod extack;
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
pub mod privileges;
pub mod protocol;
pub mod reorder;
pub mod replay;
pub mod ring;
pub mod run_cmd;
pub mod summary;
pub mod text;
pub mod tracefs;
pub mod words;
