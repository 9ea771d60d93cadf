//! How long each stage of one match took (for the metrics; nothing here decides anything).

use std::time::{Duration, Instant};

/// Durations of the stages of one match; a stage that did not run stays `None`.
#[derive(Clone, Copy, Debug, Default)]
pub struct StageTimes {
    pub embed: Option<Duration>,
    pub vector: Option<Duration>,
    pub lexical: Option<Duration>,
    pub fusion: Option<Duration>,
    pub explanation: Option<Duration>,
}

impl StageTimes {
    /// Each stage with its label.
    pub fn stages(&self) -> [(&'static str, Option<Duration>); 5] {
        [
            ("embed", self.embed),
            ("vector", self.vector),
            ("lexical", self.lexical),
            ("fusion", self.fusion),
            ("explanation", self.explanation),
        ]
    }
}

/// Runs `f` and stores its duration in `slot`.
pub fn timed<T>(slot: &mut Option<Duration>, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    *slot = Some(started.elapsed());
    out
}
