//! Fair admission of query embeddings. Each client (an account, or an IP when anonymous)
//! has its own bounded FIFO; a free embedding slot goes to the next client in round-robin
//! order, so one client's flood of long texts delays another client's query by at most one
//! embedding per slot, not by the whole flood. A full queue refuses at once (the caller
//! answers 503 with `Retry-After`) instead of letting waits grow without bound.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

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
    /// Embeddings running at once.
    pub concurrency: usize,
    /// Queries waiting in total.
    pub max_waiting: usize,
    /// Queries waiting per client.
    pub max_waiting_per_client: usize,
}

/// The defaults of `MATCHRAUM_MATCHING_QUEUE_LEN` and `_PER_CLIENT`.
pub const DEFAULT_QUEUE_LIMITS: QueueLimits = QueueLimits {
    concurrency: 2,
    max_waiting: 64,
    max_waiting_per_client: 4,
};

/// Seconds a refused client is told to wait (`Retry-After`): a few embeddings' time.
pub const RETRY_AFTER_SECS: u64 = 2;

pub struct FairQueue {
    shared: Arc<Shared>,
}

struct Shared {
    limits: QueueLimits,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    free: usize,
    waiting: usize,
    queues: HashMap<String, VecDeque<oneshot::Sender<Turn>>>,
    /// Clients with waiting queries, in the order they are served.
    order: VecDeque<String>,
}

/// The right to run one embedding; the slot passes on when it is dropped.
pub struct Turn {
    shared: Option<Arc<Shared>>,
}

impl FairQueue {
    pub fn new(limits: QueueLimits) -> Self {
        let limits = QueueLimits {
            concurrency: limits.concurrency.max(1),
            ..limits
        };
        FairQueue {
            shared: Arc::new(Shared {
                limits,
                state: Mutex::new(State {
                    free: limits.concurrency,
                    ..State::default()
                }),
            }),
        }
    }

    /// Waits for `client`'s turn, or refuses at once when its queue or the whole is full.
    pub async fn admit(&self, client: &str) -> Result<Turn, Refused> {
        let rx = {
            let mut s = self.shared.state.lock().expect("queue lock");
            if s.free > 0 {
                s.free -= 1;
                return Ok(self.turn());
            }
            if s.waiting >= self.shared.limits.max_waiting {
                return Err(Refused::Full);
            }
            let queue = s.queues.entry(client.to_owned()).or_default();
            if queue.len() >= self.shared.limits.max_waiting_per_client {
                return Err(Refused::ClientFull);
            }
            let (tx, rx) = oneshot::channel();
            queue.push_back(tx);
            if queue.len() == 1 {
                s.order.push_back(client.to_owned());
            }
            s.waiting += 1;
            rx
        };
        rx.await.map_err(|_| Refused::Closed)
    }

    pub fn limits(&self) -> QueueLimits {
        self.shared.limits
    }

    /// Queries waiting now (for logs and tests).
    pub fn waiting(&self) -> usize {
        self.shared.state.lock().expect("queue lock").waiting
    }

    fn turn(&self) -> Turn {
        Turn {
            shared: Some(self.shared.clone()),
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            shared.pass_on();
        }
    }
}

impl Shared {
    /// Hands a freed slot to the next client in turn (skipping callers that gave up), or
    /// marks it free when nobody waits.
    fn pass_on(self: &Arc<Self>) {
        let mut s = self.state.lock().expect("queue lock");
        while let Some(client) = s.order.pop_front() {
            let Some(queue) = s.queues.get_mut(&client) else {
                continue;
            };
            let next = queue.pop_front();
            let empty = queue.is_empty();
            if empty {
                s.queues.remove(&client);
            } else {
                s.order.push_back(client);
            }
            let Some(tx) = next else { continue };
            s.waiting -= 1;
            let turn = Turn {
                shared: Some(self.clone()),
            };
            match tx.send(turn) {
                Ok(()) => return,
                // The caller gave up (its request ended): disarm, so that dropping the
                // returned turn does not re-enter this lock, and try the next client.
                Err(mut turn) => turn.shared = None,
            }
        }
        s.free += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(concurrency: usize, max_waiting: usize, per_client: usize) -> Arc<FairQueue> {
        Arc::new(FairQueue::new(QueueLimits {
            concurrency,
            max_waiting,
            max_waiting_per_client: per_client,
        }))
    }

    #[tokio::test]
    async fn clients_take_turns_whatever_their_backlog() {
        let q = queue(1, 100, 100);
        let running = q.admit("flood").await.unwrap();
        let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
        for (client, n) in [("flood", 5), ("other", 1)] {
            for i in 0..n {
                let (q, done) = (q.clone(), done_tx.clone());
                tokio::spawn(async move {
                    let _turn = q.admit(client).await.unwrap();
                    done.send(format!("{client}{i}")).unwrap();
                });
                tokio::task::yield_now().await;
            }
        }
        while q.waiting() < 6 {
            tokio::task::yield_now().await;
        }
        drop(running);
        let mut served = Vec::new();
        for _ in 0..6 {
            served.push(done_rx.recv().await.unwrap());
        }
        // "other" arrived after five of "flood" and is still served second.
        assert_eq!(served[..2], ["flood0".to_string(), "other0".to_string()]);
    }

    #[tokio::test]
    async fn full_queues_refuse_at_once_and_abandoned_waits_free_their_place() {
        let q = queue(1, 3, 2);
        let running = q.admit("a").await.unwrap();
        let w1 = tokio::spawn({
            let q = q.clone();
            async move { q.admit("a").await.map(drop) }
        });
        let w2 = tokio::spawn({
            let q = q.clone();
            async move { q.admit("a").await.map(drop) }
        });
        while q.waiting() < 2 {
            tokio::task::yield_now().await;
        }
        assert_eq!(q.admit("a").await.err(), Some(Refused::ClientFull));
        let b = tokio::spawn({
            let q = q.clone();
            async move { q.admit("b").await.map(drop) }
        });
        while q.waiting() < 3 {
            tokio::task::yield_now().await;
        }
        assert_eq!(q.admit("c").await.err(), Some(Refused::Full));
        w1.abort(); // a caller that gives up
        let _ = w1.await;
        drop(running);
        assert!(w2.await.unwrap().is_ok());
        assert!(b.await.unwrap().is_ok());
        assert_eq!(q.waiting(), 0);
        let again = q.admit("c").await;
        assert!(again.is_ok(), "the slot is free again");
    }
}
