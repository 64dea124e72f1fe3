//! `cargo xtask vm-test --systemd`: the packaged service under real systemd
//! as PID 1, on Debian's 6.12 kernel in qemu. A bookworm root filesystem
//! (cached tarball) becomes an ext4 image with `mke2fs -d`; a busybox
//! initramfs mounts it and switches root; a oneshot unit in the guest
//! installs the .deb and checks journal, JSON file, attribution to a
//! transient unit and to a podman container, the metrics node_exporter
//! serves, attach access, restart after SIGKILL and a clean stop
//! ([`guest::TEST`]).

mod guest;
mod rootfs;

use std::{
    fs,
    io::BufWriter,
    os::unix::fs::{PermissionsExt, symlink},
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use anyhow::{Context as _, Result, bail};

use super::{cpio::Cpio, image, kernels, qemu};
use crate::{exec, package, paths};

/// The kernel of the matrix this test boots (6.12 boots faster than 6.1).
const KERNEL: &str = "6.12";
/// Modules the initramfs loads to mount a virtio ext4 root.
const ROOT_MODULES: [&str; 4] = ["virtio_pci", "virtio_blk", "crc32c_generic", "ext4"];

pub fn run(timeout: Duration) -> Result<()> {
    let start = Instant::now();
    let deb = package::build_and_check()?;
    let spec = kernels::MATRIX
        .iter()
        .find(|k| k.name == KERNEL)
        .context("no 6.12 kernel in the matrix")?;
    let kernel = kernels::fetch(spec)?;
    let tar = rootfs::tarball()?;
    let dir = paths::target_dir().join("vm/systemd");
    let root = dir.join("rootfs");
    if root.exists() {
        fs::remove_dir_all(&root)?;
    }
    fs::create_dir_all(&root)?;
    exec::status(
        Command::new("tar")
            .arg("-xf")
            .arg(&tar)
            .arg("-C")
            .arg(&root),
    )?;
    customize(&root, &kernel, &deb)?;
    let image = dir.join("root.ext4");
    exec::status(
        Command::new("mke2fs")
            .args(["-q", "-F", "-t", "ext4", "-d"])
            .arg(&root)
            .arg(&image)
            .arg("2G"),
    )?;
    fs::remove_dir_all(&root)?;
    let initrd = dir.join("initramfs.cpio");
    initramfs(&kernel, &initrd)?;
    let results = dir.join("results.log");
    let _ = fs::remove_file(&results);
    let console = dir.join("console.log");
    println!("vm: booting {} with systemd", kernel.package);
    let outcome = qemu::boot_with(
        &kernel.vmlinuz(),
        &initrd,
        &console,
        timeout,
        "console=ttyS0 panic=-1 loglevel=4 rdinit=/init systemd.unit=multi-user.target",
        &[
            "-drive".into(),
            format!("file={},format=raw,if=virtio", image.display()),
            "-serial".into(),
            format!("file:{}", results.display()),
        ],
    )?;
    let said = fs::read_to_string(&results).unwrap_or_default();
    if outcome.verdict != "init: success" || !said.lines().any(|l| l == "init: success") {
        bail!(
            "the service test failed: {} (results: {}, console log: {})",
            outcome.verdict,
            results.display(),
            console.display()
        );
    }
    println!(
        "vm: systemd service test passed in {:.0}s",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Puts the package, the test, the kernel's modules and a fixed identity
/// into the unpacked root.
fn customize(root: &Path, kernel: &kernels::Kernel, deb: &Path) -> Result<()> {
    let write = |path: &str, text: &str, mode: u32| -> Result<()> {
        let p = root.join(path);
        fs::create_dir_all(p.parent().context("no parent")?)?;
        fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
        fs::set_permissions(&p, fs::Permissions::from_mode(mode))?;
        Ok(())
    };
    write(
        "etc/machine-id",
        "4e4c4d4f4e564d54455354000000000a\n",
        0o444,
    )?;
    write("etc/hostname", "nlmon-vm\n", 0o644)?;
    write("usr/local/bin/nlmon-vm-test", guest::TEST, 0o755)?;
    write(
        "etc/systemd/system/nlmon-vm-test.service",
        guest::UNIT,
        0o644,
    )?;
    let wants = root.join("etc/systemd/system/multi-user.target.wants");
    fs::create_dir_all(&wants)?;
    symlink(
        "/etc/systemd/system/nlmon-vm-test.service",
        wants.join("nlmon-vm-test.service"),
    )?;
    // Nothing asks questions at first boot, and nothing waits for ttys.
    for masked in ["systemd-firstboot.service", "getty@tty1.service"] {
        let link = root.join("etc/systemd/system").join(masked);
        let _ = fs::remove_file(&link);
        symlink("/dev/null", link)?;
    }
    let name = deb.file_name().context("package file name")?;
    fs::copy(deb, root.join("root").join(name))?;
    // Every module of the kernel, so that veth and nf_tables load on demand.
    let modules = root.join("lib/modules");
    fs::create_dir_all(&modules)?;
    exec::status(
        Command::new("cp")
            .arg("-a")
            .arg(kernel.root.join("lib/modules").join(&kernel.release))
            .arg(&modules),
    )?;
    Ok(())
}

/// busybox, the root filesystem's modules, and [`guest::INIT`].
fn initramfs(kernel: &kernels::Kernel, out: &Path) -> Result<()> {
    let file = fs::File::create(out).with_context(|| format!("create {}", out.display()))?;
    let mut c = Cpio::new(BufWriter::new(file));
    for d in [
        "/bin", "/sbin", "/proc", "/sys", "/dev", "/modules", "/newroot",
    ] {
        c.dir(d)?;
    }
    c.file("/init", 0o755, guest::INIT.as_bytes())?;
    c.file("/bin/busybox", 0o755, &fs::read("/bin/busybox")?)?;
    let mut modules = kernels::modules(kernel, &ROOT_MODULES)?;
    // virtio needs virtio_ring's symbols; --show-depends may list it later.
    modules.sort_by_key(|(n, _)| n != "virtio_ring");
    image::add_modules(&mut c, modules)?;
    c.finish()?;
    Ok(())
}
