//! The per-socket token bucket over the frames a client sends.

use std::time::Instant;

/// A token bucket over the frames a client sends.
pub(super) struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    last: Instant,
}

impl Bucket {
    pub(super) fn new(rate: u32, burst: u32) -> Self {
        Bucket {
            tokens: burst.max(1) as f64,
            rate: rate as f64,
            burst: burst.max(1) as f64,
            last: Instant::now(),
        }
    }

    pub(super) fn take(&mut self) -> bool {
        self.take_at(Instant::now())
    }

    fn take_at(&mut self, now: Instant) -> bool {
        if self.rate <= 0.0 {
            return true;
        }
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_full_bucket_lets_the_burst_pass_then_refuses() {
        let mut b = Bucket::new(2, 3);
        let t = b.last;
        assert!((0..3).all(|_| b.take_at(t)));
        assert!(!b.take_at(t));
    }

    #[test]
    fn tokens_come_back_at_the_rate_and_never_beyond_the_burst() {
        let mut b = Bucket::new(2, 3);
        let t = b.last;
        assert!((0..3).all(|_| b.take_at(t)));
        // 2 frames per second: after half a second one more passes, then none.
        assert!(b.take_at(t + Duration::from_millis(500)));
        assert!(!b.take_at(t + Duration::from_millis(500)));
        // A long pause refills to the burst (3), not to rate × pause.
        let later = t + Duration::from_secs(60);
        assert!((0..3).all(|_| b.take_at(later)));
        assert!(!b.take_at(later));
    }

    #[test]
    fn a_rate_of_zero_means_no_limit() {
        let mut b = Bucket::new(0, 0);
        let t = b.last;
        assert!((0..1000).all(|_| b.take_at(t)));
    }
}
