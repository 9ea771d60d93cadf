//! Micro-batching of query embeddings. Admitted queries wait in the fair queue; one
//! dispatcher task takes up to `max` of them (round-robin between clients) once that many
//! wait or the longest-waiting one has waited `window`, and embeds them in ONE model call
//! on the blocking pool, never on the async executor. Each caller gets its vector through
//! its own oneshot. Batches run while an embedding permit is free (shared with passage
//! embedding), so under load queries pile up and batches grow by themselves.
//! `max = 1` or a zero window is one query per call. A batch pads to its longest text, so
//! texts of very different lengths are split into calls of similar lengths.

use std::sync::{Arc, Once};
use std::time::Duration;

use tokio::sync::{oneshot, Notify, OwnedSemaphorePermit, Semaphore};

use super::embedder::EmbedderError;
use super::queue::{FairQueue, QueueLimits, Refused, Waiter};
use super::MatchError;

/// What the batcher needs of a model: many queries in one call.
pub trait QueryEmbedder: Send + Sync + 'static {
    /// Embeds `texts` as search queries in one model call, in their order.
    fn embed_query_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedderError>;
}

/// `[matching] batch_window_ms` and `batch_max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchSettings {
    /// The longest a query waits for others to join its batch.
    pub window: Duration,
    /// Queries per model call at most.
    pub max: usize,
}

pub const DEFAULT_BATCH: BatchSettings = BatchSettings {
    window: Duration::from_millis(2),
    max: 16,
};

impl BatchSettings {
    /// Queries per call: one when batching is off (`max` 1 or a zero window).
    pub fn batch_max(&self) -> usize {
        if self.window.is_zero() {
            1
        } else {
            self.max.max(1)
        }
    }
}

type Reply = oneshot::Sender<Result<Vec<f32>, MatchError>>;

struct Job {
    text: String,
    reply: Reply,
}

impl Waiter for Job {
    fn gave_up(&self) -> bool {
        self.reply.is_closed()
    }
}

struct Shared {
    queue: FairQueue<Job>,
    settings: BatchSettings,
    embedder: Arc<dyn QueryEmbedder>,
    permits: Arc<Semaphore>,
    wake: Notify,
}

pub struct Batcher {
    shared: Arc<Shared>,
    /// The runtime the batcher was made on (the server's, which outlives every HTTP
    /// worker); the dispatcher runs there.
    runtime: Option<tokio::runtime::Handle>,
    dispatcher: Once,
}

impl Batcher {
    /// `permits`: model calls at once (shared with passage embedding).
    pub fn new(
        embedder: Arc<dyn QueryEmbedder>,
        permits: Arc<Semaphore>,
        limits: QueueLimits,
        settings: BatchSettings,
    ) -> Self {
        Batcher {
            shared: Arc::new(Shared {
                queue: FairQueue::new(limits),
                settings,
                embedder,
                permits,
                wake: Notify::new(),
            }),
            runtime: tokio::runtime::Handle::try_current().ok(),
            dispatcher: Once::new(),
        }
    }

    /// Embeds `text` for `client` in a batch, or refuses at once when the queue is full.
    pub async fn embed(&self, client: &str, text: &str) -> Result<Vec<f32>, MatchError> {
        let (reply, answer) = oneshot::channel();
        self.shared.queue.push(
            client,
            Job {
                text: text.to_owned(),
                reply,
            },
        )?;
        // Started on first use, so that the batcher can be made outside a runtime.
        self.dispatcher.call_once(|| {
            let task = dispatch(self.shared.clone());
            drop(match &self.runtime {
                Some(runtime) => runtime.spawn(task),
                None => tokio::spawn(task),
            })
        });
        self.shared.wake.notify_one();
        answer
            .await
            .map_err(|_| MatchError::from(Refused::Closed))?
    }

    pub fn limits(&self) -> QueueLimits {
        self.shared.queue.limits()
    }

    pub fn settings(&self) -> BatchSettings {
        self.shared.settings
    }

    /// Queries waiting for a batch now.
    pub fn waiting(&self) -> usize {
        self.shared.queue.waiting()
    }
}

impl Batcher {
    /// Refuses new queries and answers the waiting ones with a shutdown; batches already
    /// running still answer.
    pub fn close(&self) {
        self.shared.queue.close();
        self.shared.wake.notify_one();
    }
}

impl Drop for Batcher {
    fn drop(&mut self) {
        self.close();
    }
}

async fn dispatch(shared: Arc<Shared>) {
    let max = shared.settings.batch_max();
    loop {
        while shared.queue.peek().is_none() {
            if shared.queue.is_closed() {
                return;
            }
            shared.wake.notified().await;
        }
        let Ok(permit) = shared.permits.clone().acquire_owned().await else {
            return;
        };
        // Collect until `max` wait or the longest-waiting query has waited the window.
        while let Some((n, oldest)) = shared.queue.peek() {
            let deadline = oldest + shared.settings.window;
            if n >= max || deadline <= std::time::Instant::now() {
                break;
            }
            tokio::select! {
                _ = shared.wake.notified() => {}
                _ = tokio::time::sleep_until(deadline.into()) => {}
            }
        }
        let jobs = shared.queue.take(max);
        if !jobs.is_empty() {
            tokio::spawn(run_batch(shared.embedder.clone(), jobs, permit));
        }
    }
}

/// Padded tokens one model call may hold. A call pads every text to its longest, and one
/// 512-token text among 15 short queries made a call 11 x slower than embedding it apart
/// (measured, debug build), so texts of very different lengths get calls of their own.
const TOKEN_BUDGET: usize = 2048;

/// A generous token estimate for XLM-R on German text (about 4 characters per token).
fn tokens(text: &str) -> usize {
    (text.len() / 3 + 3).min(super::embedder::MAX_TOKENS)
}

/// Splits texts into calls, shortest first, each within [`TOKEN_BUDGET`] once padded:
/// answers the indexes of each call.
fn calls(texts: &[String]) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| texts[i].len());
    let mut out: Vec<Vec<usize>> = Vec::new();
    for i in order {
        match out.last_mut() {
            // Sorted, so the newest text is the call's longest.
            Some(call) if (call.len() + 1) * tokens(&texts[i]) <= TOKEN_BUDGET => call.push(i),
            _ => out.push(vec![i]),
        }
    }
    out
}

/// Embeds a batch, in one call per group of similar lengths, in the texts' order.
fn embed_batch(
    embedder: &dyn QueryEmbedder,
    texts: &[String],
) -> Result<Vec<Vec<f32>>, EmbedderError> {
    let mut out = vec![Vec::new(); texts.len()];
    for call in calls(texts) {
        let group: Vec<String> = call.iter().map(|&i| texts[i].clone()).collect();
        for (i, v) in call.into_iter().zip(embedder.embed_query_batch(&group)?) {
            out[i] = v;
        }
    }
    Ok(out)
}

async fn run_batch(embedder: Arc<dyn QueryEmbedder>, jobs: Vec<Job>, permit: OwnedSemaphorePermit) {
    let (texts, replies): (Vec<String>, Vec<Reply>) =
        jobs.into_iter().map(|j| (j.text, j.reply)).unzip();
    let n = texts.len();
    let result = tokio::task::spawn_blocking(move || embed_batch(&*embedder, &texts)).await;
    drop(permit);
    let failure = match result {
        Ok(Ok(vectors)) if vectors.len() == n => {
            for (reply, v) in replies.into_iter().zip(vectors) {
                let _ = reply.send(Ok(v)); // the caller may have gone
            }
            return;
        }
        Ok(Ok(vectors)) => format!("{} vectors for {n} queries", vectors.len()),
        Ok(Err(e)) => e.to_string(),
        Err(e) => format!("embedding task failed: {e}"),
    };
    tracing::error!(queries = n, error = %failure, "query batch failed");
    for reply in replies {
        let _ = reply.send(Err(MatchError::Internal(failure.clone())));
    }
}

#[cfg(test)]
mod tests;
