//! Builds the eBPF programs (crate `nlmon-ebpf`) with aya-build so that the
//! object can be embedded in the binary.

use anyhow::Context as _;
use aya_build::{Package, Toolchain};

fn main() -> anyhow::Result<()> {
    let dir = std::env::var("CARGO_MANIFEST_DIR").context("CARGO_MANIFEST_DIR not set")?;
    let root = format!("{dir}/../nlmon-ebpf");
    // Only the wire types reach the eBPF object: the decoder changing must not
    // rebuild it.
    for wire in ["lib.rs", "config.rs", "record.rs", "nlmsg.rs"] {
        println!("cargo:rerun-if-changed={dir}/../nlmon-common/src/{wire}");
    }
    println!("cargo:rerun-if-changed={dir}/../nlmon-common/Cargo.toml");
    aya_build::build_ebpf(
        [Package {
            name: "nlmon-ebpf",
            root_dir: &root,
            ..Default::default()
        }],
        Toolchain::default(),
    )
}
