//! Conflicts: two or more writers changing the same object back and forth.
//! An object (netns, kind, key) is in conflict while, within `window`, it
//! has had at least `min_changes` successful changes by at least
//! `min_writers` different writers (process names). Each such episode is
//! reported once per window: [`Detector::note`] marks every change of it,
//! and says `first` on the one that started it.

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    time::{Duration, SystemTime},
};

use serde::{Deserialize, Serialize};

use super::{Change, Outcome};

/// The thresholds (documented in README and the daemon's configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    pub min_changes: usize,
    pub min_writers: usize,
    pub window: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            min_changes: 4,
            min_writers: 2,
            window: Duration::from_secs(60),
        }
    }
}

/// A conflict as one change sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Episode {
    /// The writers and how many changes each made within the window.
    pub writers: BTreeMap<String, usize>,
    /// Changes within the window.
    pub count: usize,
    /// This change started the episode (the one to warn about).
    pub first: bool,
}

impl Episode {
    /// `ip ×2, busybox ×2: 4 changes in 60 s`
    pub fn summary(&self) -> String {
        let w: Vec<String> = self
            .writers
            .iter()
            .map(|(n, c)| format!("{n} ×{c}"))
            .collect();
        format!("{} changes by {}", self.count, w.join(", "))
    }
}

type ObjectKey = (u32, &'static str, String);

#[derive(Debug, Default)]
struct State {
    recent: VecDeque<(SystemTime, String)>,
    /// When the current episode was reported (one report per window).
    reported: Option<SystemTime>,
}

#[derive(Debug, Default)]
pub struct Detector {
    config: Config,
    objects: HashMap<ObjectKey, State>,
    /// Objects tracked before the next sweep of those out of the window.
    sweep_at: usize,
}

/// Objects tracked at most; the least recently changed go first.
const MAX_OBJECTS: usize = 65536;

impl Detector {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            objects: HashMap::new(),
            sweep_at: MAX_OBJECTS,
        }
    }

    pub fn config(&self) -> Config {
        self.config
    }

    /// New thresholds (a reload); what was seen is kept.
    pub fn set_config(&mut self, config: Config) {
        self.config = config;
    }

    /// Notes a change; the episode it is part of, if any.
    pub fn note(&mut self, c: &Change) -> Option<Episode> {
        if c.result != Outcome::Ok && c.result != Outcome::Sent {
            return None;
        }
        let window = self.config.window;
        if self.objects.len() >= self.sweep_at.max(MAX_OBJECTS) {
            // Forget objects whose last change left the window; when most
            // are still in it, wait until twice as many before looking
            // again (a burst of many objects costs no sweep per change).
            self.objects.retain(|_, s| {
                s.recent
                    .back()
                    .is_some_and(|(t, _)| c.time.duration_since(*t).unwrap_or_default() < window)
            });
            self.sweep_at = self.objects.len() * 2;
        }
        let s = self
            .objects
            .entry((c.netns, c.kind, c.key.clone()))
            .or_default();
        s.recent.push_back((c.time, c.writer()));
        while s
            .recent
            .front()
            .is_some_and(|(t, _)| c.time.duration_since(*t).unwrap_or_default() >= window)
        {
            s.recent.pop_front();
        }
        let mut writers = BTreeMap::new();
        for (_, w) in &s.recent {
            *writers.entry(w.clone()).or_insert(0) += 1;
        }
        if s.recent.len() < self.config.min_changes || writers.len() < self.config.min_writers {
            return None;
        }
        let first = s
            .reported
            .is_none_or(|t| c.time.duration_since(t).unwrap_or_default() >= window);
        if first {
            s.reported = Some(c.time);
        }
        Some(Episode {
            writers,
            count: s.recent.len(),
            first,
        })
    }
}

/// The thresholds on the command line (`nlmon --changes`, `nlmon history`).
#[derive(Clone, Copy, Debug, clap::Args)]
pub struct ConflictArgs {
    /// A conflict: at least this many changes of one object...
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub conflict_changes: usize,
    /// ...by at least this many writers (process names)...
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub conflict_writers: usize,
    /// ...within this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub conflict_window: u64,
}

impl ConflictArgs {
    pub fn config(&self) -> Config {
        Config {
            min_changes: self.conflict_changes.max(1),
            min_writers: self.conflict_writers.max(1),
            window: Duration::from_secs(self.conflict_window),
        }
    }
}
