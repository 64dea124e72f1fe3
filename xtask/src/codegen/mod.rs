//! `cargo xtask codegen [--check]`: decoding tables from the kernel's YNL
//! specs into `nlmon-common/src/decode/generated/`. The output is committed;
//! `--check` fails when regenerating would change it.

mod emit;
mod fixes;
mod source;
mod uapi;

use std::{
    fs,
    io::Write as _,
    path::PathBuf,
    process::{Command, Stdio},
};

use anyhow::{Context as _, Result, bail};

use crate::paths;

#[derive(clap::Args, Default)]
pub struct Options {
    /// Compare with the committed files instead of writing them.
    #[arg(long)]
    pub check: bool,
}

fn out_dir() -> PathBuf {
    paths::workspace().join("nlmon-common/src/decode/generated")
}

/// Fetches what `codegen` reads, for `cargo xtask setup`.
pub fn ensure() -> Result<()> {
    source::fetch().map(drop)
}

pub fn run(options: &Options) -> Result<()> {
    let src = source::fetch()?;
    let files = generate(&src)?;
    let dir = out_dir();
    if options.check {
        let mut stale = Vec::new();
        for (name, text) in &files {
            let have = fs::read_to_string(dir.join(name)).unwrap_or_default();
            if &have != text {
                stale.push(name.as_str());
            }
        }
        let expected: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
        for e in fs::read_dir(&dir).with_context(|| format!("cannot read {}", dir.display()))? {
            let name = e?.file_name().to_string_lossy().into_owned();
            if !expected.contains(&name.as_str()) {
                stale.push("(extra files)");
            }
        }
        if !stale.is_empty() {
            bail!(
                "generated tables are out of date ({}): run `cargo xtask codegen` and commit",
                stale.join(", ")
            );
        }
        println!("codegen: {} files up to date", files.len());
        return Ok(());
    }
    fs::create_dir_all(&dir)?;
    for e in fs::read_dir(&dir)? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "rs") {
            fs::remove_file(&p)?;
        }
    }
    for (name, text) in &files {
        fs::write(dir.join(name), text).with_context(|| format!("cannot write {name}"))?;
    }
    println!("codegen: wrote {} files to {}", files.len(), dir.display());
    Ok(())
}

/// Specs not generated yet, whose hand-written table
/// (`decode/tables/`) stays in use until `emit` can do as well.
const HAND_KEPT: &[(&str, &str)] = &[
    (
        "conntrack",
        "its sets and operations carry no C names (CTA_*, IPCTNL_MSG_CT_*) and emit has no prefixes for them",
    ),
    (
        "nl80211",
        "the spec lists 3 of nl80211's commands; the hand table names them all",
    ),
];

/// Families with no YNL spec, whose table (`decode/tables/`) is written by
/// hand after the UAPI header. Their headers give attribute types only in
/// comments, so codegen cannot read them cleanly. If a spec appears,
/// codegen stops so that the hand table is replaced by a generated one.
const NO_SPEC: &[(&str, &str)] = &[
    (
        "l2tp",
        "include/uapi/linux/l2tp.h: types in comments, and L2TP_ATTR_DATA_SEQ's (u16) disagrees with the kernel's policy (NLA_U8)",
    ),
    (
        "ioam6",
        "include/uapi/linux/ioam6_genl.h: types in comments; number 1 is IOAM6_CMD_ADD_NAMESPACE to the kernel and IOAM6_EVENT_TRACE (enum ioam6_event_type) from it",
    ),
];

/// (file name, formatted Rust) for every spec, plus `mod.rs`.
fn generate(src: &source::Source) -> Result<Vec<(String, String)>> {
    let specs = src.specs();
    let mut names: Vec<PathBuf> = fs::read_dir(&specs)
        .with_context(|| format!("cannot read {}", specs.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    names.sort();
    let mut files = Vec::new();
    let mut modules = Vec::new();
    let mut headers = uapi::Headers::new(src.uapi(""));
    for (family, why) in NO_SPEC {
        println!("codegen: {family} has no spec, its table is kept by hand: {why}");
    }
    for path in &names {
        let file = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let module = file.trim_end_matches(".yaml").replace('-', "_");
        if let Some((_, header)) = NO_SPEC.iter().find(|k| k.0 == module) {
            bail!(
                "{file} exists now: generate it and remove its hand table \
                 (written after {header}) from NO_SPEC and decode/tables/"
            );
        }
        if let Some((_, why)) = HAND_KEPT.iter().find(|k| k.0 == module) {
            println!("codegen: {file} skipped: {why}");
            continue;
        }
        let yaml = fs::read_to_string(path)?;
        let text = emit::module(&file, &yaml, &mut headers)?;
        files.push((format!("{module}.rs"), rustfmt(&text)?));
        modules.push(module);
    }
    let mut m = format!(
        "//! Tables generated by `cargo xtask codegen` from the kernel's YNL specs\n\
         //! (`Documentation/netlink/specs` of Debian's linux-source-7.3 {}). Do not edit.\n\n",
        source::VERSION
    );
    for module in &modules {
        m.push_str(&format!("pub mod {module};\n"));
    }
    m.push_str("\nuse super::table::Family;\n\n/// Every generated family.\npub static ALL: &[&Family] = &[\n");
    for module in &modules {
        m.push_str(&format!("    &{module}::FAMILY,\n"));
    }
    m.push_str("];\n");
    files.push(("mod.rs".into(), rustfmt(&m)?));
    Ok(files)
}

fn rustfmt(text: &str) -> Result<String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run rustfmt")?;
    child
        .stdin
        .take()
        .context("rustfmt stdin")?
        .write_all(text.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!("rustfmt failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8(out.stdout)?)
}
