//! Fair admission of query embeddings. Each client (an account, or an IP when anonymous)
//! has its own bounded FIFO; the batcher (see `batch`) takes waiting queries in round-robin
//! order, one per client in turn, so one client's flood of long texts delays another
//! client's query by at most one query per batch, not by the whole flood. A full queue
//! refuses at once (the caller answers 503 with `Retry-After`) instead of letting waits
//! grow without bound.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

/// Why a query was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("too many queries are waiting for the embedding model")]
    Full,
    #[error("this client already has the most queries waiting that it may have")]
    ClientFull,
    #[error("the server is shutting down")]
    Closed,
}

/// Bounds of the queue.
#[derive(Clone, Copy, Debug)]
pub struct QueueLimits {
    /// Queries waiting in total.
    pub max_waiting: usize,
    /// Queries waiting per client.
    pub max_waiting_per_client: usize,
}

/// The defaults of `MATCHRAUM_MATCHING_QUEUE_LEN` and `_PER_CLIENT`.
pub const DEFAULT_QUEUE_LIMITS: QueueLimits = QueueLimits {
    max_waiting: 64,
    max_waiting_per_client: 4,
};

/// Seconds a refused client is told to wait (`Retry-After`): a few embeddings' time.
pub const RETRY_AFTER_SECS: u64 = 2;

/// A waiting entry that can tell whether its caller gave up (its request ended), so that
/// it neither takes a place in a batch nor blocks its client's queue.
pub trait Waiter {
    fn gave_up(&self) -> bool;
}

pub struct FairQueue<T> {
    limits: QueueLimits,
    state: Mutex<State<T>>,
}

struct State<T> {
    waiting: usize,
    queues: HashMap<String, VecDeque<(Instant, T)>>,
    /// Clients with waiting queries, in the order they are served.
    order: VecDeque<String>,
    closed: bool,
}

impl<T: Waiter> FairQueue<T> {
    pub fn new(limits: QueueLimits) -> Self {
        FairQueue {
            limits,
            state: Mutex::new(State {
                waiting: 0,
                queues: HashMap::new(),
                order: VecDeque::new(),
                closed: false,
            }),
        }
    }

    /// Queues `job` for `client`, or refuses at once when its queue or the whole is full.
    pub fn push(&self, client: &str, job: T) -> Result<(), Refused> {
        let mut guard = self.state.lock().expect("queue lock");
        let s = &mut *guard;
        if s.closed {
            return Err(Refused::Closed);
        }
        // Callers that gave up free their places before the bounds are checked.
        if let Some(queue) = s.queues.get_mut(client) {
            let before = queue.len();
            queue.retain(|(_, j)| !j.gave_up());
            s.waiting -= before - queue.len();
        }
        if s.waiting >= self.limits.max_waiting {
            return Err(Refused::Full);
        }
        let queue = s.queues.entry(client.to_owned()).or_default();
        if queue.len() >= self.limits.max_waiting_per_client {
            return Err(Refused::ClientFull);
        }
        queue.push_back((Instant::now(), job));
        if !s.order.iter().any(|c| c == client) {
            s.order.push_back(client.to_owned());
        }
        s.waiting += 1;
        Ok(())
    }

    /// Takes up to `max` waiting jobs, one per client in turn, skipping callers that gave up.
    pub fn take(&self, max: usize) -> Vec<T> {
        let mut guard = self.state.lock().expect("queue lock");
        let s = &mut *guard;
        let mut out = Vec::new();
        while out.len() < max {
            let Some(client) = s.order.pop_front() else {
                break;
            };
            let Some(queue) = s.queues.get_mut(&client) else {
                continue;
            };
            while let Some((_, job)) = queue.pop_front() {
                s.waiting -= 1;
                if !job.gave_up() {
                    out.push(job);
                    break;
                }
            }
            if queue.is_empty() {
                s.queues.remove(&client);
            } else {
                s.order.push_back(client);
            }
        }
        out
    }

    /// How many wait and since when the longest-waiting one does; `None` when none waits
    /// or the queue is closed.
    pub fn peek(&self) -> Option<(usize, Instant)> {
        let s = self.state.lock().expect("queue lock");
        if s.closed {
            return None;
        }
        let oldest = s
            .queues
            .values()
            .filter_map(|q| q.front())
            .map(|e| e.0)
            .min()?;
        Some((s.waiting, oldest))
    }

    /// Refuses every later push and drops what waits (its callers learn of the shutdown).
    pub fn close(&self) {
        let mut s = self.state.lock().expect("queue lock");
        s.closed = true;
        s.queues.clear();
        s.order.clear();
        s.waiting = 0;
    }

    pub fn is_closed(&self) -> bool {
        self.state.lock().expect("queue lock").closed
    }

    pub fn limits(&self) -> QueueLimits {
        self.limits
    }

    /// Queries waiting now (for logs, metrics and tests).
    pub fn waiting(&self) -> usize {
        self.state.lock().expect("queue lock").waiting
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// A job that says who sent it and can be marked as given up.
    struct Job(String, Arc<AtomicBool>);

    impl Waiter for Job {
        fn gave_up(&self) -> bool {
            self.1.load(Ordering::Relaxed)
        }
    }

    fn job(name: &str) -> Job {
        Job(name.to_owned(), Arc::new(AtomicBool::new(false)))
    }

    fn names(jobs: Vec<Job>) -> Vec<String> {
        jobs.into_iter().map(|j| j.0).collect()
    }

    fn queue(max_waiting: usize, per_client: usize) -> FairQueue<Job> {
        FairQueue::new(QueueLimits {
            max_waiting,
            max_waiting_per_client: per_client,
        })
    }

    #[test]
    fn clients_take_turns_whatever_their_backlog() {
        let q = queue(100, 100);
        for i in 0..5 {
            q.push("flood", job(&format!("flood{i}"))).unwrap();
        }
        q.push("other", job("other0")).unwrap();
        // "other" arrived after five of "flood" and is still in the first batch of two.
        assert_eq!(names(q.take(2)), ["flood0", "other0"]);
        assert_eq!(names(q.take(16)), ["flood1", "flood2", "flood3", "flood4"]);
        assert_eq!(q.waiting(), 0);
        assert!(q.peek().is_none());
    }

    #[test]
    fn full_queues_refuse_at_once_and_abandoned_waits_free_their_place() {
        let q = queue(3, 2);
        let gone = job("a0");
        let gave_up = gone.1.clone();
        q.push("a", gone).unwrap();
        q.push("a", job("a1")).unwrap();
        assert_eq!(q.push("a", job("a2")), Err(Refused::ClientFull));
        q.push("b", job("b0")).unwrap();
        assert_eq!(q.push("c", job("c0")), Err(Refused::Full));
        gave_up.store(true, Ordering::Relaxed); // a caller that gives up
        q.push("a", job("a3")).unwrap();
        assert_eq!(q.waiting(), 3);
        assert_eq!(names(q.take(16)), ["a1", "b0", "a3"]);
        assert_eq!(q.waiting(), 0);
        assert!(q.push("c", job("c1")).is_ok(), "places are free again");
    }

    #[test]
    fn peek_tells_the_oldest_wait_and_close_refuses() {
        let q = queue(10, 10);
        let before = Instant::now();
        q.push("a", job("a0")).unwrap();
        q.push("b", job("b0")).unwrap();
        let (n, oldest) = q.peek().unwrap();
        assert_eq!(n, 2);
        assert!(oldest >= before && oldest <= Instant::now());
        q.close();
        assert!(q.is_closed());
        assert_eq!(q.waiting(), 0);
        assert_eq!(q.push("a", job("a1")), Err(Refused::Closed));
        assert!(q.take(16).is_empty());
    }
}
