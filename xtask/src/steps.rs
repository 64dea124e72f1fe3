//! The test suite, in order. This is the place to add steps (a VM kernel matrix `vm-test`
//! goes last, as a `Step::task`).

use crate::step::Step;

pub fn all() -> Vec<Step> {
    vec![
        Step::cargo("fmt", &["fmt", "--all", "--", "--check"]).lint(),
        // `--workspace` ignores default-members, and building the eBPF crate for the host
        // fails (E0152 duplicate lang item), hence the `--exclude`.
        Step::cargo(
            "clippy",
            &[
                "clippy",
                "--workspace",
                "--exclude",
                "nlmon-ebpf",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )
        .lint(),
        Step::task(
            "codegen",
            "cargo xtask codegen --check (the decoder's tables match the kernel's YNL specs)",
            || crate::codegen::run(&crate::codegen::Options { check: true }),
        )
        .lint(),
        Step::cargo(
            "clippy-ebpf",
            &[
                "+nightly",
                "clippy",
                "-p",
                "nlmon-ebpf",
                "--target",
                "bpfel-unknown-none",
                "-Zbuild-std=core",
                "--release",
                "--",
                "-D",
                "warnings",
            ],
        )
        .lint(),
        // Includes the privileged capture tests (network namespaces, loading eBPF).
        Step::cargo("test", &["test", "--workspace", "--exclude", "nlmon-ebpf"]).needs_root(),
        Step::task(
            "fuzz",
            format!(
                "cargo +nightly fuzz run decode for {} s (nlmon-common/fuzz, seeds from the golden corpus)",
                crate::fuzz::SECONDS
            ),
            || crate::fuzz::run(crate::fuzz::SECONDS),
        ),
        // The benchmarks, a few seconds each: they still run, produce numbers
        // and lose nothing where the count is known. Never timed. Before
        // vm-test, which reuses the static release build it makes.
        Step::task(
            "bench-smoke",
            "cargo xtask bench --smoke (every benchmark workload, briefly)",
            || crate::bench::run(&crate::bench::Options::smoke()),
        )
        .needs_root(),
        // The .deb, `systemd-analyze verify` (no output allowed) and
        // `systemd-analyze security` of the unit.
        Step::task(
            "package",
            "cargo xtask package (the .deb, and the unit checked by systemd-analyze)",
            || crate::package::build_and_check().map(|_| ()),
        ),
        Step::task(
            "vm-test",
            "cargo xtask vm-test (the capture suite on Debian 6.1 and 6.12 kernels, every attach mode)",
            || crate::vm::run(&crate::vm::Options::default()),
        )
        .needs_root(),
        Step::task(
            "vm-systemd",
            "cargo xtask vm-test --systemd (the .deb under systemd as PID 1, kernel 6.12)",
            || crate::vm::run(&crate::vm::Options::systemd()),
        )
        .needs_root(),
    ]
}
