//! `cargo xtask run -- [args]`: build nlmon in release mode and exec it as root.

use std::{ffi::OsString, os::unix::process::CommandExt as _};

use anyhow::{Context as _, Result};

use crate::{exec, paths, privilege, setup};

#[derive(clap::Args)]
pub struct Options {
    /// Arguments for nlmon (put them after `--`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<OsString>,
}

pub fn run(options: Options) -> Result<()> {
    // nlmon's build script builds the eBPF crate: it needs bpf-linker and nightly rust-src.
    setup::run()?;
    exec::status(paths::cargo().args(["build", "--release", "-p", "nlmon"]))?;
    let binary = paths::target_dir().join("release").join("nlmon");
    let mut cmd = privilege::as_root(&binary, "nlmon (loading eBPF programs)")?;
    cmd.args(&options.args);
    // exec, so that Ctrl-C and exit status belong to nlmon itself.
    let err = cmd.exec();
    Err(err).with_context(|| format!("cannot run `{}`", exec::display(&cmd)))
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        options: super::Options,
    }

    fn args(argv: &[&str]) -> Vec<String> {
        let cli = Cli::try_parse_from(argv).unwrap();
        let args = cli.options.args.into_iter();
        args.map(|a| a.into_string().unwrap()).collect()
    }

    #[test]
    fn passes_nlmon_arguments_through() {
        assert_eq!(
            args(&["run", "--", "--json", "-p", "route"]),
            ["--json", "-p", "route"]
        );
        assert_eq!(args(&["run", "--json"]), ["--json"]);
        assert!(args(&["run"]).is_empty());
    }
}
