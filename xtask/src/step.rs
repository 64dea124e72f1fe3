//! One test-suite step: what it runs, whether it is a lint or needs root, and timing it.

use std::time::Instant;

use anyhow::Result;

use crate::{exec, paths};

pub struct Step {
    pub name: &'static str,
    /// Skipped by `--skip-lint`.
    pub lint: bool,
    pub needs_root: bool,
    /// What the step does, for the header line and `--list`.
    pub shown: String,
    action: Box<dyn Fn() -> Result<()>>,
}

impl Step {
    /// A step that runs `cargo args...` in the workspace root.
    pub fn cargo(name: &'static str, args: &'static [&'static str]) -> Self {
        let shown = exec::display(paths::cargo().args(args));
        Self::task(name, shown, move || exec::status(paths::cargo().args(args)))
    }

    /// A step that runs Rust code in xtask (such as a VM kernel matrix).
    pub fn task(
        name: &'static str,
        shown: impl Into<String>,
        action: impl Fn() -> Result<()> + 'static,
    ) -> Self {
        Self {
            name,
            lint: false,
            needs_root: false,
            shown: shown.into(),
            action: Box::new(action),
        }
    }

    pub fn lint(mut self) -> Self {
        self.lint = true;
        self
    }

    pub fn needs_root(mut self) -> Self {
        self.needs_root = true;
        self
    }

    /// Runs the step between a header and a footer with its elapsed time.
    pub fn run(&self, index: usize, count: usize) -> Result<()> {
        println!("==> [{index}/{count}] {}: {}", self.name, self.shown);
        let start = Instant::now();
        let result = (self.action)();
        let secs = start.elapsed().as_secs_f64();
        match &result {
            Ok(()) => println!("<== {}: ok in {secs:.1}s", self.name),
            Err(_) => println!("<== {}: FAILED after {secs:.1}s", self.name),
        }
        result
    }
}
