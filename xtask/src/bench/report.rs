//! The results: one row per measured case, printed as the Markdown table
//! `docs/BENCHMARKS.md` carries, and saved as JSON.

use std::{fmt::Write as _, path::Path};

use anyhow::{Context as _, Result};
use serde_json::json;

pub struct Row {
    /// Workload number of the benchmark issue (1..6).
    pub workload: u32,
    pub case: String,
    pub measured: String,
    /// Relative to the workload's baseline (no tracing), where there is one.
    pub ratio: Option<f64>,
    pub target: String,
    /// Whether the target was met, where there is one.
    pub met: Option<bool>,
}

#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    /// Facts about the run (machine, load, interference).
    pub notes: Vec<String>,
}

impl Report {
    pub fn row(&mut self, workload: u32, case: impl Into<String>, measured: impl Into<String>) {
        let row = Row {
            workload,
            case: case.into(),
            measured: measured.into(),
            ratio: None,
            target: String::new(),
            met: None,
        };
        println!("bench: {}: {}: {}", row.workload, row.case, row.measured);
        self.rows.push(row);
    }

    /// Adds a ratio (and optionally a target) to the last row.
    pub fn ratio(&mut self, ratio: f64) -> &mut Self {
        if let Some(r) = self.rows.last_mut() {
            r.ratio = Some(ratio);
            println!("bench:    ratio {ratio:.3}");
        }
        self
    }

    pub fn target(&mut self, target: impl Into<String>, met: bool) -> &mut Self {
        if let Some(r) = self.rows.last_mut() {
            r.target = target.into();
            r.met = Some(met);
            println!(
                "bench:    target {}: {}",
                r.target,
                if met { "met" } else { "MISSED" }
            );
        }
        self
    }

    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        println!("bench: note: {note}");
        self.notes.push(note);
    }

    pub fn markdown(&self) -> String {
        let mut s = String::from(
            "| # | case | measured | vs. no tracing | target | met |\n| --- | --- | --- | --- | --- | --- |\n",
        );
        for r in &self.rows {
            let ratio = r.ratio.map(|x| format!("{x:.2}×")).unwrap_or_default();
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {ratio} | {} | {met} |",
                r.workload, r.case, r.measured, r.target
            );
        }
        if !self.notes.is_empty() {
            s.push('\n');
            for n in &self.notes {
                let _ = writeln!(s, "- {n}");
            }
        }
        s
    }

    pub fn json(&self) -> serde_json::Value {
        json!({
            "rows": self.rows.iter().map(|r| json!({
                "workload": r.workload,
                "case": r.case,
                "measured": r.measured,
                "ratio": r.ratio,
                "target": r.target,
                "met": r.met,
            })).collect::<Vec<_>>(),
            "notes": self.notes,
        })
    }

    /// Writes `results.md` and `results.json` into `dir`.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let md = dir.join("results.md");
        std::fs::write(&md, self.markdown()).with_context(|| format!("write {}", md.display()))?;
        let js = dir.join("results.json");
        std::fs::write(&js, serde_json::to_string_pretty(&self.json())?)
            .with_context(|| format!("write {}", js.display()))?;
        println!("bench: results in {} and {}", md.display(), js.display());
        Ok(())
    }
}

/// Nanoseconds as a short human figure.
pub fn time(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// A rate per second as a short human figure.
pub fn rate(per_sec: f64) -> String {
    if per_sec >= 1e6 {
        format!("{:.2} M", per_sec / 1e6)
    } else if per_sec >= 1e3 {
        format!("{:.1} k", per_sec / 1e3)
    } else {
        format!("{per_sec:.0}")
    }
}
