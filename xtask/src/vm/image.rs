//! The initramfs a test VM boots: busybox, iproute2 with its libraries, the
//! static nlmon binaries, the kernel modules the tests need, and an init
//! that runs the capture suite once per attach mode.

use std::{
    fs,
    io::BufWriter,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{Context as _, Result};

use super::{binaries::Binaries, cpio::Cpio, kernels::Kernel};
use crate::exec;

/// Modules the suite needs: veth pairs for `ip link add`, the kernel's own
/// netlink tap for the completeness test, and the netfilter, xfrm and
/// sock_diag families (modules on Debian, and the guest has no modprobe to
/// load them on demand).
const MODULES: [&str; 5] = ["veth", "nlmon", "nf_tables", "xfrm_user", "tcp_diag"];

/// Programs the guest needs besides busybox, copied with their libraries.
const HOST_PROGRAMS: [&str; 1] = ["/usr/sbin/ip"];

/// The guest's init. Results leave on the console as lines starting with
/// `nlmon-vm:`, and a last `init: success` or `init: failure ...` line.
const INIT: &str = r#"#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/netns
for m in $(cat /modules/order); do
    insmod /modules/$m.ko || echo "nlmon-vm: insmod $m failed"
done
/usr/sbin/ip link set lo up
export NLMON_TESTGEN=/nlmon/nlmon-testgen RUST_BACKTRACE=1
echo "nlmon-vm: kernel $(uname -r)"
set -o pipefail
# Time of one netlink round trip (RTM_GETLINK of lo) in ns: the best of
# three runs, as TCG timings are noisy.
round_trip() {
    best=""
    for _ in 1 2 3; do
        t=$(echo go | /nlmon/nlmon-testgen bench 2000 | sed -n 's/.*"ns_per_round_trip":\([0-9]*\).*/\1/p')
        if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    echo "$best"
}
# Round trip with nlmon running in mode $1 with the extra arguments $2.
with_nlmon() {
    /nlmon/nlmon --attach $1 $2 >/dev/null 2>/tmp/nlmon.err &
    npid=$!
    for _ in $(seq 300); do grep -q "attached with" /tmp/nlmon.err && break; sleep 0.1; done
    round_trip
    kill -INT $npid; wait $npid
}
overhead() {
    base=$(round_trip)
    full=$(with_nlmon $1 "")
    other=$(with_nlmon $1 "--comm no-such-process")
    echo "nlmon-vm: overhead $1: round trip $base ns without nlmon, $full ns with full capture (text to /dev/null), $other ns filtered out in the kernel"
}
# cargo xtask bench --vm (see xtask/src/bench/vm.rs): instead of the
# capture suite, samples as lines
#   nlmon-vm: sample MODE WORKLOAD VARIANT OPS NS_PER_OP CPU_NS_PER_OP READER_NS
# NS_PER_OP is the generator's loop time, CPU_NS_PER_OP its thread's CPU time
# (the kernel's work on its behalf included), READER_NS what nlmon used in
# all from the generator's start until it had drained what the loop made.
# The guest runs with qemu's instruction counting, so these are counts of
# executed instructions, repeatable whatever the host is doing.
# Attaching takes long under emulation: one nlmon serves every round of a
# variant.
# nlmon's CPU time in ns, the scheduler's exact count, over its threads.
runtime() {
    t=0
    [ -n "$npid" ] && for f in /proc/$npid/task/*/schedstat; do
        read a _ < $f
        t=$((t + a))
    done
    echo $t
}
# Waits until nlmon used less than 0.2 ms of CPU in 50 ms: it has drained.
drained() {
    [ -z "$npid" ] && return
    prev=$(runtime)
    while sleep 0.05; do
        cur=$(runtime)
        [ $((cur - prev)) -lt 200000 ] && return
        prev=$cur
    done
}
field() { echo "$out" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
# One sample in mode $1 labelled $2 of the workload $3 with the count $4.
sample() {
    r0=$(runtime)
    out=$(echo go | /nlmon/nlmon-testgen $3 $4)
    drained
    r1=$(runtime)
    echo "nlmon-vm: sample $1 $3 $2 $(field ops) $(field ns_per_op) $(field cpu_ns_per_op) $((r1 - r0))"
}
# The three workloads of a round.
round() {
    sample $1 $2 bench-getlink 2000
    sample $1 $2 bench-pipe 20000
    sample $1 $2 bench-udp 5000
}
# Starts nlmon in mode $1 with the extra arguments $2; fails if it exits.
start_nlmon() {
    /nlmon/nlmon --attach $1 $2 >/dev/null 2>/tmp/nlmon.err &
    npid=$!
    for _ in $(seq 3000); do
        grep -q "attached with" /tmp/nlmon.err && break
        kill -0 $npid 2>/dev/null || break
        sleep 0.1
    done
    if ! grep -q "attached with" /tmp/nlmon.err; then
        kill -INT $npid 2>/dev/null; wait $npid
        npid=""
        return 1
    fi
    echo "nlmon-vm: attach $1: $(($(runtime) / 1000000)) ms of CPU"
    drained
}
stop_nlmon() {
    kill -INT $npid; wait $npid
    echo "nlmon-vm: summary $1 $2: $(grep -E 'records shown' /tmp/nlmon.err | tail -1)"
    npid=""
}
bench_mode() {
    rounds=$(cat /nlmon/bench-rounds)
    npid=""
    for _ in $(seq $rounds); do round $1 none; done
    if ! start_nlmon $1 ""; then
        echo "nlmon-vm: mode $1: skipped: $(grep -v '^\[' /tmp/nlmon.err | tr '\n' ' ')"
        return
    fi
    for _ in $(seq $rounds); do round $1 text; done
    stop_nlmon $1 text
    start_nlmon $1 "--comm no-such-process" || return
    for _ in $(seq $rounds); do sample $1 filtered bench-getlink 2000; done
    stop_nlmon $1 filtered
}
failed=""
for mode in $(cat /nlmon/modes); do
    if [ -f /nlmon/bench-rounds ]; then bench_mode $mode; continue; fi
    if ! /nlmon/nlmon --attach $mode --duration 0 >/dev/null 2>/tmp/probe; then
        echo "nlmon-vm: mode $mode: skipped: $(grep -v '^\[' /tmp/probe | tr '\n' ' ')"
        continue
    fi
    echo "nlmon-vm: mode $mode: running"
    overhead $mode
    if NLMON_TEST_ATTACH=$mode /nlmon/capture --include-ignored --show-output --test-threads=2 $(cat /nlmon/filter) 2>&1 | tee /tmp/out; then
        echo "nlmon-vm: mode $mode: passed"
    else
        names=$(grep -E '^test .* FAILED$' /tmp/out | awk -v m=$mode '{printf " %s:%s", m, $2}')
        echo "nlmon-vm: mode $mode: FAILED$names"
        failed="$failed${names:- $mode}"
    fi
done
if [ -z "$failed" ]; then echo "init: success"; else echo "init: failure$failed"; fi
poweroff -f
"#;

/// Writes the initramfs for `kernel` to `out`.
pub fn build(
    kernel: &Kernel,
    bins: &Binaries,
    modes: &[&str],
    filter: &[String],
    bench_rounds: Option<u32>,
    out: &Path,
) -> Result<()> {
    let file = fs::File::create(out).with_context(|| format!("create {}", out.display()))?;
    let mut c = Cpio::new(BufWriter::new(file));
    let mut dirs: Vec<String> = Vec::new();
    let mut mkdirs = |c: &mut Cpio<_>, path: &str| -> Result<()> {
        let mut at = String::new();
        for part in path
            .trim_start_matches('/')
            .split('/')
            .filter(|p| !p.is_empty())
        {
            at.push('/');
            at.push_str(part);
            if !dirs.contains(&at) {
                c.dir(&at)?;
                dirs.push(at.clone());
            }
        }
        Ok(())
    };
    for d in [
        "/bin",
        "/sbin",
        "/usr/bin",
        "/usr/sbin",
        "/proc",
        "/sys",
        "/dev",
        "/tmp",
        "/run",
        "/var",
        "/nlmon",
        "/modules",
    ] {
        mkdirs(&mut c, d)?;
    }
    // iproute2 keeps namespaces under /var/run/netns.
    c.symlink("/var/run", "/run")?;
    c.file("/init", 0o755, INIT.as_bytes())?;
    c.file("/bin/busybox", 0o755, &read(Path::new("/bin/busybox"))?)?;

    for program in HOST_PROGRAMS {
        for file in with_libraries(Path::new(program))? {
            let name = file.to_string_lossy().into_owned();
            if let Some(parent) = file.parent() {
                mkdirs(&mut c, &parent.to_string_lossy())?;
            }
            c.file(&name, 0o755, &read(&file)?)?;
        }
    }
    c.file("/nlmon/capture", 0o755, &read(&bins.capture_tests)?)?;
    c.file("/nlmon/nlmon-testgen", 0o755, &read(&bins.testgen)?)?;
    c.file("/nlmon/nlmon", 0o755, &read(&bins.nlmon)?)?;
    c.file("/nlmon/modes", 0o644, modes.join(" ").as_bytes())?;
    c.file("/nlmon/filter", 0o644, filter.join(" ").as_bytes())?;
    if let Some(rounds) = bench_rounds {
        c.file("/nlmon/bench-rounds", 0o644, rounds.to_string().as_bytes())?;
    }

    add_modules(&mut c, super::kernels::modules(kernel, &MODULES)?)?;
    c.finish()?;
    Ok(())
}

/// Puts modules under `/modules`, with `/modules/order` listing them in
/// the order an init loads them.
pub fn add_modules<W: std::io::Write>(
    c: &mut Cpio<W>,
    modules: Vec<(String, Vec<u8>)>,
) -> std::io::Result<()> {
    let mut order = String::new();
    for (name, data) in modules {
        c.file(&format!("/modules/{name}.ko"), 0o644, &data)?;
        order.push_str(&name);
        order.push('\n');
    }
    c.file("/modules/order", 0o644, order.as_bytes())
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("read {}", path.display()))
}

/// A dynamically linked program and every library `ldd` says it loads,
/// including the dynamic loader, by the paths it looks them up at.
fn with_libraries(program: &Path) -> Result<Vec<PathBuf>> {
    let out = exec::stdout(Command::new("ldd").arg(program))?;
    let mut files = vec![program.to_path_buf()];
    for line in out.lines() {
        // "libbpf.so.1 => /lib/x86_64-linux-gnu/libbpf.so.1 (0x...)" or
        // "/lib64/ld-linux-x86-64.so.2 (0x...)"
        let path = line
            .split("=>")
            .last()
            .and_then(|s| s.split_whitespace().next())
            .filter(|p| p.starts_with('/'));
        if let Some(p) = path {
            files.push(PathBuf::from(p));
        }
    }
    Ok(files)
}
